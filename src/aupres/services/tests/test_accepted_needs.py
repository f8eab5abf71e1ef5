"""The needs a service takes are a rule of the service (Service.accepted_needs), started from its kind's
template, set on the configuration screen and API, and used by eligibility."""

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aupres.followups.models import FollowUp
from aupres.referrals import services as referrals
from aupres.referrals.tests.helpers import referral
from aupres.services.kinds import KINDS
from aupres.services.models import Need, Service, ServiceKind

pytestmark = pytest.mark.django_db


def test_each_kind_has_its_default_needs_and_a_new_service_starts_with_them(world, api_as):
    for values in KINDS:
        kind = ServiceKind.objects.get(code=values["code"])
        assert kind.accepted_needs and set(kind.accepted_needs) <= set(Need.values)
        assert kind.accepted_needs == sorted(values["accepted_needs"])
    r = api_as(world.users["head_of_service"]).post("/services", {"operator": world.operator.pk, "kind": "empp"})
    assert r.status_code == 201 and r.json()["accepted_needs"] == ["addiction", "mental_health"]
    kinds = {k["code"]: k for k in api_as(world.users["nurse"]).get("/service-kinds").json()}
    assert kinds["mum"]["accepted_needs"] == ["housing", "maternity"]


def test_the_head_of_service_sets_the_needs_through_the_api_known_needs_only(world, api_as):
    api, service = api_as(world.users["head_of_service"]), world.service_a
    r = api.patch(f"/services/{service.pk}", {"version": service.version, "accepted_needs": ["violence", "housing"]})
    assert r.status_code == 200 and r.json()["accepted_needs"] == ["housing", "violence"]
    version = r.json()["version"]
    r = api.patch(f"/services/{service.pk}", {"version": version, "accepted_needs": ["housing", "astrology"]})
    assert r.status_code == 422
    r = api.patch(f"/services/{service.pk}", {"version": version, "accepted_needs": None})
    assert r.status_code == 400 and r.json()["field"] == "accepted_needs"
    r = api_as(world.users["nurse"]).patch(f"/services/{service.pk}", {"version": version, "accepted_needs": []})
    assert r.status_code == 404
    assert Service.objects.get(pk=service.pk).accepted_needs == ["housing", "violence"]
    assert api.get(f"/services/{service.pk}").json()["accepted_needs"] == ["housing", "violence"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(needs=st.lists(st.sampled_from(Need.values) | st.text(max_size=12), max_size=12))
def test_any_list_of_needs_is_stored_when_all_are_known_and_refused_otherwise(world, api_as, needs):
    api, service = api_as(world.users["head_of_service"]), Service.objects.get(pk=world.service_a.pk)
    r = api.patch(f"/services/{service.pk}", {"version": service.version, "accepted_needs": needs})
    if set(needs) <= set(Need.values) and len(needs) <= len(Need.values):
        assert r.status_code == 200, r.content
        assert r.json()["accepted_needs"] == sorted(set(needs))
    else:
        assert r.status_code in (400, 422), r.content
        assert Service.objects.get(pk=service.pk).version == service.version


def test_the_head_of_service_sets_the_needs_on_the_configuration_screen(world, client_as):
    client, service = client_as(world.users["head_of_service"]), world.service_a
    page = client.get(f"/configuration/dispositifs/{service.pk}/modifier/")
    assert page.status_code == 200
    assert 'name="accepted_needs" value="nursing"' in page.content.decode()
    form = page.context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, "") and not isinstance(v, list | bool)}
    data.update(version=service.version, accepted_needs=["violence", "social"], opening_days=list("12345"),
                opens_day="on", territories=[world.territory.pk], capacity_unit=service.capacity_unit,
                public=service.public, is_active="on")
    r = client.post(f"/configuration/dispositifs/{service.pk}/modifier/", data)
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    service.refresh_from_db()
    assert service.accepted_needs == ["social", "violence"]
    detail = client.get(f"/configuration/dispositifs/{service.pk}/").content.decode()
    with translation.override("fr"):
        assert str(dict(Need.choices)["violence"]) in detail
    data.update(version=service.version, accepted_needs=["astrology"])
    r = client.post(f"/configuration/dispositifs/{service.pk}/modifier/", data)
    assert r.status_code == 200 and r.context["form"].errors.get("accepted_needs")
    service.refresh_from_db()
    assert service.accepted_needs == ["social", "violence"]


def test_eligibility_refuses_a_need_not_taken_with_the_reason_and_the_head_overrides(world, client_as):
    service = world.service_a  # LHSS mobile: addiction, health, mental_health, nursing
    r = referral(service, needs=["violence"], birth_year=1980)
    assert [c for c, _m in referrals.eligibility(service, r)] == ["need_not_matching"]
    page = client_as(world.users["social_worker"]).get(f"/orientations/{r.pk}/").content.decode()
    with translation.override("fr"):
        reason = str(dict(referrals.eligibility(service, r))["need_not_matching"])
    assert reason.replace("'", "&#x27;") in page
    refused = client_as(world.users["social_worker"]).post(f"/orientations/{r.pk}/accept/", {"version": r.version})
    assert refused.status_code == 400
    r.refresh_from_db()
    assert r.status == "pending" and not FollowUp.objects.filter(service=service, person__alias="Le Grand").exists()
    head = client_as(world.users["head_of_service"])
    accepted = head.post(f"/orientations/{r.pk}/accept/", {"version": r.version,
                                                           "override_justification": "Mise à l'abri urgente"})
    assert accepted.status_code == 302
    r.refresh_from_db()
    assert r.status == "accepted" and r.overridden_rules == ["not_eligible"]
    # Once the service takes the need, the same referral fits.
    service.accepted_needs = ["violence"]
    service.save()
    assert referrals.eligibility(service, referral(service, needs=["violence"], birth_year=1980)) == []
