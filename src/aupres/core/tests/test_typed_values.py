"""Issue #11 point 4: what is typed is checked in one place (core.validators), on screens and on the API:
out-of-range values answer 4xx (not 500), dates before 1900 or after next year and control characters
are refused with a French message on the field, and nothing is saved."""

import datetime

import pytest

from aupres.persons.models import Person

pytestmark = pytest.mark.django_db

NEXT_YEAR_AND_ONE = datetime.date.today().year + 2


@pytest.mark.parametrize("path", [
    "/persons/{person}/timeline?before=0001-01-01T00:00:00",
    "/referrals?service=9223372036854775808",
    "/encounters?person=9223372036854775808",
])
def test_out_of_range_queries_answer_4xx(world, api_as, path):
    r = api_as(world.users["doctor"]).get(path.format(person=world.person.pk))
    assert 400 <= r.status_code < 500, (r.status_code, r.content)
    assert r.json()["code"]


@pytest.mark.parametrize("value", ["1850-05-01", f"{NEXT_YEAR_AND_ONE}-01-01", "0001-01-01"])
def test_api_refuses_dates_out_of_bounds(world, api_as, value):
    api = api_as(world.users["doctor"])
    r = api.patch(f"/persons/{world.person.pk}", {"version": world.person.version, "birth_date": value})
    assert r.status_code == 400, r.content
    body = r.json()
    assert body["field"] == "birth_date" and ("1900" in body["message"] or "année" in body["message"])
    r = api.post(f"/persons/{world.person.pk}/rights", {"kind": "health_cover", "value": "ame",
                                                         "started_on": value})
    assert r.status_code == 400 and r.json()["field"] == "started_on", r.content
    person = Person.objects.get(pk=world.person.pk)
    assert person.birth_date == datetime.date(1980, 5, 1) and person.version == world.person.version


def test_a_right_may_be_valid_for_years(world, api_as):
    r = api_as(world.users["doctor"]).post(f"/persons/{world.person.pk}/rights", {
        "kind": "health_cover", "value": "ame", "started_on": "2026-01-01",
        "expires_on": f"{datetime.date.today().year + 10}-01-01"})
    assert r.status_code == 201, r.content


def test_encounters_refuse_dates_out_of_bounds(world, api_as):
    r = api_as(world.users["social_worker"]).post("/encounters", {
        "service": world.service_a.pk, "occurred_at": "1899-12-31T10:00:00", "place_kind": "street",
        "mode": "street_round", "persons": [world.person.pk]})
    assert r.status_code == 400 and r.json()["field"] == "occurred_at", r.content


@pytest.mark.parametrize("text", ["Mi\x00na", "Mi\x07na", "Mi\x1bna", "Mi\x85na"])
def test_api_refuses_control_characters(world, api_as, text):
    api = api_as(world.users["doctor"])
    r = api.patch(f"/persons/{world.person.pk}", {"version": world.person.version, "alias": text})
    assert r.status_code == 400 and r.json()["field"] == "alias", r.content
    assert "caractère" in r.json()["message"]
    r = api.post("/persons/search", {"q": text})
    assert r.status_code == 400
    assert Person.objects.get(pk=world.person.pk).alias == "Mina"


def test_tabs_and_new_lines_stay_allowed(world, api_as):
    r = api_as(world.users["doctor"]).post(f"/persons/{world.person.pk}/notes", {
        "compartment": "social", "text": "Ligne 1\n\tLigne 2\r\n"})
    assert r.status_code in (200, 201), r.content


def test_screens_refuse_the_same(world, client_as):
    client = client_as(world.users["doctor"])
    form = client.get(f"/personnes/{world.person.pk}/modifier/").context["form"]
    data = {k: ("" if form[k].value() is None else form[k].value()) for k in form.fields}
    for change, field in (({"birth_date": "1850-05-01"}, "birth_date"),
                          ({"birth_date": f"{NEXT_YEAR_AND_ONE}-01-01"}, "birth_date"),
                          ({"alias": "Mi\x01na"}, "alias")):
        r = client.post(f"/personnes/{world.person.pk}/modifier/", {**data, **change})
        assert r.status_code == 200 and field in r.context["form"].errors, change
    assert Person.objects.get(pk=world.person.pk).alias == "Mina"
