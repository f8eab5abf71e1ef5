import datetime

import pytest

from aupres.services.kinds import KINDS
from aupres.services.models import Membership, Service, ServiceKind

pytestmark = pytest.mark.django_db

DOMAIN_CODES = {"lhss_mobile", "lhss_day", "lhss_residential", "lhss_paediatric", "lam", "act", "act_outreach",
                "emsp", "ssiad_precarity", "pass_mobile", "empp", "mum", "violence_shelter", "landlord_team",
                "case_management"}


def test_the_fifteen_kinds_are_preloaded():
    assert set(ServiceKind.objects.values_list("code", flat=True)) == DOMAIN_CODES == {k["code"] for k in KINDS}
    ssiad = ServiceKind.objects.get(code="ssiad_precarity")
    assert ssiad.requires_prescription and "prescription" in ssiad.required_documents
    assert ServiceKind.objects.get(code="case_management").max_months_on_street == 6
    assert ServiceKind.objects.get(code="act").max_length_days == 730
    assert ServiceKind.objects.get(code="landlord_team").has_orientation_committee


def test_head_of_service_creates_a_service_from_a_template(world, api_as):
    api = api_as(world.users["head_of_service"])
    r = api.post("/services", {"operator": world.operator.pk, "kind": "lhss_residential", "capacity": 12,
                               "territories": [world.territory.pk]})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["name"] == "LHSS (lits halte soins santé)"
    assert (body["capacity"], body["capacity_unit"], body["usual_length_min_days"], body["usual_length_max_days"]) == (
        12, "beds", 15, 60)
    r = api.patch(f"/services/{body['id']}", {"version": body["version"], "opening_days": "7654321",
                                              "opens_night": True, "eligibility_notes": "Sans animaux"})
    assert r.status_code == 200 and r.json()["open_all_week"] is True


@pytest.mark.parametrize("change, field", [
    ({"opening_days": "189"}, "opening_days"),
    ({"usual_length_min_days": 90, "usual_length_max_days": 30}, "usual_length_max_days"),
    ({"opens_day": False, "opens_night": False}, "opens_day"),
    ({"required_documents": ["passport"]}, "required_documents"),
    ({"capacity": None}, "capacity"),
])
def test_invalid_rules_are_refused_with_the_field(world, api_as, change, field):
    api = api_as(world.users["head_of_service"])
    service = world.service_a
    r = api.patch(f"/services/{service.pk}", {"version": service.version, **change})
    assert r.status_code in (400, 422) and r.json()["field"] == field, r.content
    service.refresh_from_db()
    assert service.version == 1


def test_only_heads_of_service_of_the_operator_configure(world, api_as):
    for who in ("nurse", "doctor"):
        r = api_as(world.users[who]).patch(f"/services/{world.service_a.pk}", {"version": 1, "capacity": 3})
        assert r.status_code == 404
    r = api_as(world.outsider_head).patch(f"/services/{world.service_a.pk}", {"version": 1, "capacity": 3})
    assert r.status_code == 404
    assert Service.objects.get(pk=world.service_a.pk).capacity == 21


def test_team_membership_with_profession_and_etp(world, api_as):
    api = api_as(world.users["head_of_service"])
    newcomer = world.user("newcomer")
    r = api.post(f"/services/{world.service_b.pk}/memberships", {
        "user": newcomer.pk, "profession": "case_manager", "etp": "0.8", "start_date": "2026-01-01"})
    assert r.status_code == 201, r.content
    r = api.post(f"/services/{world.service_b.pk}/memberships", {
        "user": newcomer.pk, "profession": "nurse", "etp": "1.5", "start_date": "2026-01-01"})
    assert r.status_code == 422 and r.json()["field"] == "etp"
    r = api.post(f"/services/{world.service_b.pk}/memberships", {
        "user": world.users["partner"].pk, "profession": "nurse", "etp": "0.5", "start_date": "2026-01-01"})
    assert r.status_code == 400 and r.json()["field"] == "user"
    m = Membership.objects.get(user=newcomer)
    r = api.patch(f"/memberships/{m.pk}", {"version": m.version, "end_date": "2025-01-01"})
    assert r.status_code == 400  # ends before it starts
    r = api.patch(f"/memberships/{m.pk}", {"version": m.version, "end_date": str(datetime.date(2026, 12, 31))})
    assert r.status_code == 200


def test_configuration_screens(world, client_as):
    client = client_as(world.users["head_of_service"])
    assert client.get("/configuration/").status_code == 200
    r = client.post(f"/configuration/organismes/{world.operator.pk}/nouveau-dispositif/",
                    {"kind": ServiceKind.objects.get(code="mum").pk, "name": "", "capacity": ""})
    service = Service.objects.get(kind__code="mum")
    assert r.status_code == 302 and service.capacity == 8 and service.operator == world.operator
    form = client.get(f"/configuration/dispositifs/{service.pk}/modifier/").context["form"]
    data = {k: form[k].value() for k in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update({"capacity": 9, "opening_days": ["1", "2", "3", "4", "5", "6", "7"]})
    data = {k: v for k, v in data.items() if v is not False}
    r = client.post(f"/configuration/dispositifs/{service.pk}/modifier/", data)
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    service.refresh_from_db()
    assert service.capacity == 9 and service.open_all_week
    assert client_as(world.users["nurse"]).get(f"/configuration/dispositifs/{service.pk}/modifier/").status_code == 404


def test_regions_and_departements_are_preloaded_and_communes_can_be_added(world, api_as):
    from aupres.services.models import Territory

    assert Territory.objects.filter(level="region").count() == 18
    assert Territory.objects.filter(level="departement").count() == 101
    assert Territory.objects.get(level="departement", code="59").parent.name == "Hauts-de-France"
    head = api_as(world.users["head_of_service"])
    r = head.post("/territories", {"code": "59350", "name": "Lille", "departement": "59"})
    assert r.status_code == 201 and r.json()["level"] == "commune"
    assert head.post("/territories", {"code": "59350", "name": "Lille", "departement": "59"}).status_code == 400
    assert head.post("/territories", {"code": "62041", "name": "Arras", "departement": "59"}).json()["field"] == "code"
    assert api_as(world.users["nurse"]).post("/territories", {"code": "59512", "name": "Roubaix",
                                                              "departement": "59"}).status_code == 403


def test_the_service_form_is_in_sections_with_every_error_summarised(world, client_as):
    """Issue #13: the service's form (26 rules) in sections, every field in one of them, and a post with
    several absurd values gives every error at once in a summary at the top."""
    client = client_as(world.users["head_of_service"])
    url = f"/configuration/dispositifs/{world.service_a.pk}/modifier/"
    page = client.get(url)
    form = page.context["form"]
    groups = form.grouped_fields()
    assert [str(t) for t, _f in groups][:3] == ["Le dispositif", "Capacité et durée", "Qui peut être admis"]
    shown = [f.name for _t, fields in groups for f in fields]
    assert sorted(shown) == sorted(f.name for f in form.visible_fields())  # each field once
    assert page.content.decode().count('<fieldset class="form-section">') == len(groups)
    data = {k: ("" if v is None else v) for k, v in ((k, form[k].value()) for k in form.fields)}
    data = {k: v for k, v in data.items() if v is not False}
    data.update({"capacity": "99999999999", "min_age": "-4", "access_after_exit_days": "0"})
    r = client.post(url, data)
    assert r.status_code == 200
    summary = r.content.decode().split('data-testid="form-error-summary"')[1].split("</div>")[0]
    for name in ("capacity", "min_age", "access_after_exit_days"):
        assert f'href="#id_{name}"' in summary
