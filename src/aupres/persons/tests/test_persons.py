import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aupres.core.text import search_key
from aupres.persons.models import Household, Person
from aupres.services.models import Profession

pytestmark = pytest.mark.django_db


def test_an_alias_is_enough_to_create_a_person(world, api_as):
    api = api_as(world.users[Profession.NURSE])
    r = api.post("/persons", {"alias": "Le Chti", "estimated_age": 45})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["identity"]["display_name"] == "« Le Chti »"
    assert body["identity"]["age"] == 45 and body["identity"]["age_is_estimated"] is True
    # Created in the nurse's only service: the team sees the person at once.
    assert api.get(f"/persons/{body['id']}").status_code == 200
    assert world.outsider and api_as(world.outsider).get(f"/persons/{body['id']}").status_code == 404


def test_a_person_needs_some_name(world, api_as):
    r = api_as(world.users[Profession.NURSE]).post("/persons", {"sex": "female", "first_name": "  "})
    assert r.status_code == 400
    assert r.json() == {"code": "name_required", "field": "alias", "details": {},
                        "message": "Indiquez au moins un prénom, un nom ou un alias."}
    assert Person.objects.count() == 1


@pytest.mark.parametrize("payload, field", [
    ({"alias": "x", "birth_date": "2999-01-01"}, "birth_date"),
    ({"alias": "x", "birth_year": 1800}, "birth_year"),
    ({"alias": "x", "estimated_age": 300}, "estimated_age"),
    ({"alias": "x", "sex": "martian"}, "sex"),
    ({"alias": "x" * 101}, "alias"),
])
def test_invalid_fields_are_named(world, api_as, payload, field):
    r = api_as(world.users[Profession.NURSE]).post("/persons", payload)
    assert r.status_code in (400, 422)
    assert r.json()["field"] == field
    assert r.json()["message"]


def test_a_member_of_several_services_must_choose_one(world, api_as):
    from decimal import Decimal

    from aupres.services.models import Membership

    nurse = world.users[Profession.NURSE]
    Membership.objects.create(user=nurse, service=world.service_b, profession=Profession.NURSE,
                              etp=Decimal("0.1"), start_date=datetime.date(2025, 1, 1))
    api = api_as(nurse)
    r = api.post("/persons", {"alias": "Pépé"})
    assert r.status_code == 400 and r.json()["code"] == "service_required"
    r = api.post("/persons", {"alias": "Pépé", "service": world.service_c.pk})
    assert r.status_code == 403
    r = api.post("/persons", {"alias": "Pépé", "service": world.service_b.pk})
    assert r.status_code == 201


def test_head_of_service_cannot_write_social_fields(world, api_as):
    api = api_as(world.users[Profession.HEAD_OF_SERVICE])
    r = api.post("/persons", {"alias": "Coco", "languages": "wolof"})
    assert r.status_code == 403 and r.json()["code"] == "compartment_forbidden"
    assert r.json()["field"] == "languages"
    assert api.post("/persons", {"alias": "Coco", "phone": "0600"}).status_code == 201


def test_search_ignores_accents_and_case_and_uses_post(world, api_as):
    api = api_as(world.users[Profession.SOCIAL_WORKER])
    api.post("/persons", {"first_name": "Hélène", "last_name": "Lefèvre"})
    for q in ("helene", "LEFEVRE", "hél lef", "mina"):
        r = api.post("/persons/search", {"q": q})
        assert r.status_code == 200 and r.json()["count"] == 1, q
    assert api.post("/persons/search", {"q": "dupont"}).json()["count"] == 0
    # Names are never sent in URLs: the list has no search parameter.
    assert api.get("/persons?q=helene").json()["count"] == 2


@given(st.text(max_size=40))
def test_search_key_is_idempotent_and_accent_free(text):
    key = search_key(text)
    assert search_key(key) == key
    assert key == key.casefold()
    assert not any(c in key for c in "éèêàçÉ")


def test_age_from_each_kind_of_birth_information():
    today = datetime.date(2026, 11, 25)
    assert Person(birth_date=datetime.date(1980, 11, 26)).age(today) == 45
    assert Person(birth_date=datetime.date(1980, 11, 25)).age(today) == 46
    assert Person(birth_year=1990).age(today) == 36
    estimated = Person(estimated_age=40, estimated_on=datetime.date(2024, 11, 1))
    assert estimated.age(today) == 42 and estimated.age_is_estimated
    assert Person(alias="x").age(today) is None


def test_months_on_street_for_the_case_management_rule():
    person = Person(on_street_since=datetime.date(2026, 5, 26))
    assert person.months_on_street(datetime.date(2026, 11, 25)) == 5
    assert person.months_on_street(datetime.date(2026, 11, 26)) == 6


def test_living_situation_history_closes_the_previous_one(world, api_as):
    api = api_as(world.users[Profession.SOCIAL_WORKER])
    pid = world.person.pk
    r = api.post(f"/persons/{pid}/living-situations", {"kind": "emergency_shelter", "started_on": "2026-03-01"})
    assert r.status_code == 201
    rows = api.get(f"/persons/{pid}/living-situations").json()
    assert [(s["kind"], s["ended_on"]) for s in rows] == [("emergency_shelter", None), ("street", "2026-03-01")]
    r = api.post(f"/persons/{pid}/living-situations", {"kind": "street", "started_on": "2999-01-01"})
    assert r.status_code == 400 and r.json()["field"] == "started_on"


def test_right_values_must_fit_their_kind(world, api_as):
    api = api_as(world.users[Profession.SOCIAL_WORKER])
    pid = world.person.pk
    bad = api.post(f"/persons/{pid}/rights", {"kind": "health_cover", "value": "rsa", "started_on": "2026-01-01"})
    assert bad.status_code == 400 and bad.json()["field"] == "value"
    ok = api.post(f"/persons/{pid}/rights", {"kind": "health_cover", "value": "css", "started_on": "2026-06-01",
                                             "expires_on": "2027-06-01"})
    assert ok.status_code == 201


def test_stale_edit_is_refused_and_nothing_is_overwritten(world, api_as):
    nurse, social = api_as(world.users[Profession.NURSE]), api_as(world.users[Profession.SOCIAL_WORKER])
    pid = world.person.pk
    version = nurse.get(f"/persons/{pid}").json()["version"]
    assert social.patch(f"/persons/{pid}", {"version": version, "phone": "0612345678"}).status_code == 200
    r = nurse.patch(f"/persons/{pid}", {"version": version, "phone": "0700000000"})
    assert r.status_code == 409 and r.json()["code"] == "stale_edit"
    assert "Quelqu'un d'autre a modifié" in r.json()["message"]
    world.person.refresh_from_db()
    assert world.person.phone == "0612345678"


def test_stale_edit_on_screen_keeps_what_was_typed(world, client_as):
    client = client_as(world.users[Profession.NURSE])
    pid = world.person.pk
    form = client.get(f"/personnes/{pid}/modifier/").context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    world.person.phone = "0611111111"
    world.person.save_versioned(world.person.version, update_fields=["phone"])
    data["languages"] = "tigrigna"
    response = client.post(f"/personnes/{pid}/modifier/", data)
    assert response.status_code == 200
    assert "Quelqu&#x27;un d&#x27;autre a modifié" in response.content.decode()
    assert response.context["form"]["languages"].value() == "tigrigna"
    world.person.refresh_from_db()
    assert world.person.languages == "arabe, français" and world.person.phone == "0611111111"


def test_household_with_members_and_roles(world, api_as):
    api = api_as(world.users[Profession.CHILDCARE_ASSISTANT])
    child = api.post("/persons", {"first_name": "Nour", "last_name": "Benali", "birth_year": 2021}).json()
    r = api.post("/households", {"label": "Famille Benali", "members": [
        {"person": world.person.pk, "role": "mother"}, {"person": child["id"], "role": "child"}]})
    assert r.status_code == 201, r.content
    body = r.json()
    assert {(m["role"], m["is_minor"]) for m in body["members"]} == {("mother", False), ("child", True)}
    # The same person cannot be added twice; a stale version is refused.
    again = api.patch(f"/households/{body['id']}", {"version": body["version"],
                                                    "add": [{"person": child["id"], "role": "child"}]})
    assert again.status_code == 400
    stale = api.patch(f"/households/{body['id']}", {"version": body["version"] - 1, "label": "X"})
    assert stale.status_code == 409
    assert Household.objects.get().label == "Famille Benali"


def test_a_household_cannot_include_a_person_the_team_does_not_follow(world, api_as):
    other = Person.objects.create(alias="Inconnu")
    r = api_as(world.users[Profession.SOCIAL_WORKER]).post("/households", {
        "label": "Essai", "members": [{"person": world.person.pk, "role": "head"},
                                      {"person": other.pk, "role": "partner"}]})
    assert r.status_code == 404
    assert not Household.objects.exists()


def test_head_of_service_does_not_see_households(world, api_as):
    api_as(world.users[Profession.SOCIAL_WORKER]).post("/households", {
        "label": "Famille", "members": [{"person": world.person.pk, "role": "head"}]})
    assert api_as(world.users[Profession.HEAD_OF_SERVICE]).get("/households").json() == []
    assert len(api_as(world.users[Profession.DRIVER]).get("/households").json()) == 1


def test_not_found_page_is_in_french(world, client_as):
    response = client_as(world.outsider).get(f"/personnes/{world.person.pk}/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_households_list_pages_and_filters_by_service(world, client_as):
    """Issue #13: every list paginated and filtered. A social worker of services A and B sees 50 households
    a page, and only those with a member followed by the service chosen; the filter stays in the links."""
    from aupres.followups.models import FollowUp
    from aupres.persons.models import HouseholdMember
    from aupres.referrals.tests.helpers import join

    worker = world.users[Profession.SOCIAL_WORKER]
    join(worker, world.service_b, Profession.SOCIAL_WORKER)
    for i in range(52):
        person = Person.objects.create(first_name=f"P{i}", last_name="Test")
        FollowUp.objects.create(person=person, service=world.service_b if i < 3 else world.service_a,
                                opened_on=datetime.date(2026, 1, 5))
        household = Household.objects.create(label=f"Ménage {i:02d}")
        HouseholdMember.objects.create(household=household, person=person, role="head")
    client = client_as(worker)
    first = client.get("/personnes/menages/")
    assert first.context["page"].paginator.count == 52 and len(first.context["households"]) == 50
    second = client.get("/personnes/menages/?page=2")
    assert [h.label for h in second.context["households"]] == ["Ménage 50", "Ménage 51"]
    only_b = client.get(f"/personnes/menages/?dispositif={world.service_b.pk}")
    assert [h.label for h in only_b.context["households"]] == ["Ménage 00", "Ménage 01", "Ménage 02"]
    assert f'value="{world.service_b.pk}" selected' in only_b.content.decode()
    # a service that is not mine narrows to nothing
    assert client.get(f"/personnes/menages/?dispositif={world.service_c.pk}").context["page"].paginator.count == 0
    link = first.content.decode().split('data-testid="households-next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert link.endswith("page=2")
