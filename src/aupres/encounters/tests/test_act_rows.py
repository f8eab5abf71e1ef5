"""Act rows and a round's new persons are formsets (D63): a bad row is refused with its error beside it and in
the form's summary, in French; nothing is written and nothing typed is lost; empty or removed rows are dropped."""

import datetime
import re

import pytest
from django.utils import timezone

from aupres.encounters.models import Act, Encounter
from aupres.encounters.tests.test_timeline_api_screens import rows
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.services.models import Profession

pytestmark = pytest.mark.django_db

NEW = "/activite/rencontre/nouvelle/"
ROUND = "/activite/maraude/"


def _encounter(world, persons, *act_rows, **extra):
    return {"service": world.service_a.pk, "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "place_kind": "street", "mode": "visit", "person": [p.pk for p in persons],
            **rows("acts", *act_rows), **extra}


def _round(world, *new_rows):
    return {"service": world.service_a.pk, "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "place_kind": "street", "mode": "street_round", "anonymous_contacts": 0, **rows("new", *new_rows)}


def _summary(page):
    found = re.search(r'data-testid="form-error-summary">(.*?)</div>', page, re.S)
    return found.group(1) if found else ""


def _second_person(world):
    other = Person.objects.create(first_name="Paul", last_name="Martin", alias="Polo")
    FollowUp.objects.create(person=other, service=world.service_a, opened_on=datetime.date(2026, 1, 5))
    return other


def test_details_without_an_act_are_refused_beside_the_row_and_in_the_summary(world, client_as):
    client = client_as(world.users[Profession.SOCIAL_WORKER])
    r = client.post(NEW, _encounter(world, [world.person], {"kind": "social_interview", "details": "premier"},
                                    {"kind": "", "details": "pansement à refaire"}))
    page = r.content.decode()
    assert r.status_code == 200
    assert not Encounter.objects.exists() and not Act.objects.exists()
    message = "Choisissez l&#x27;acte, ou retirez la ligne."
    # Beside the second row, and in the summary as a link to that row's act.
    row = page[page.index('name="acts-1-kind"') - 600:page.index('name="acts-1-details"')]
    assert message in row
    summary = _summary(page)
    assert 'href="#id_acts-1-kind"' in summary and "Acte 2, Acte" in summary
    # What was typed is kept, both rows.
    assert "pansement à refaire" in page and "premier" in page
    assert re.search(r'<option value="social_interview" selected>', page)


def test_an_act_for_a_person_not_met_is_refused_on_its_row(world, client_as):
    other = _second_person(world)
    stranger = Person.objects.create(first_name="X", last_name="Inconnu")
    client = client_as(world.users[Profession.SOCIAL_WORKER])
    r = client.post(NEW, _encounter(world, [world.person, other],
                                    {"kind": "social_interview", "person": stranger.pk, "details": "gardé"}))
    page = r.content.decode()
    assert r.status_code == 200 and not Encounter.objects.exists()
    assert "Cette personne ne fait pas partie des personnes rencontrées." in page
    assert 'href="#id_acts-0-person"' in _summary(page) and "gardé" in page


def test_empty_and_removed_rows_are_dropped_and_each_act_goes_to_its_person(world, client_as):
    other = _second_person(world)
    client = client_as(world.users[Profession.SOCIAL_WORKER])
    data = _encounter(world, [world.person, other], {"kind": "social_interview", "person": other.pk},
                      {"kind": "", "person": world.person.pk, "details": ""},
                      {"kind": "social_interview", "person": world.person.pk, "details": "pour Mina"})
    for name in ("acts-1-kind", "acts-1-person", "acts-1-details"):  # the second row, removed on the page
        del data[name]
    r = client.post(NEW, data)
    assert r.status_code == 302, r.content.decode()[:2000]
    acts = {a.person_id: a.details for a in Act.objects.all()}
    assert acts == {other.pk: "", world.person.pk: "pour Mina"}


def test_one_person_met_needs_no_person_on_the_row(world, client_as):
    client = client_as(world.users[Profession.SOCIAL_WORKER])
    r = client.post(NEW, _encounter(world, [world.person], {"kind": "social_interview", "person": ""}))
    assert r.status_code == 302
    assert Act.objects.get().person == world.person


def test_a_request_without_the_rows_count_is_refused_in_words(world, client_as):
    client = client_as(world.users[Profession.SOCIAL_WORKER])
    data = _encounter(world, [world.person], {"kind": "social_interview"})
    del data["acts-TOTAL_FORMS"]
    r = client.post(NEW, data)
    assert r.status_code == 200 and not Encounter.objects.exists()
    assert _summary(r.content.decode())


def test_add_an_act_without_javascript_keeps_the_rows_and_adds_one(world, client_as):
    client = client_as(world.users[Profession.SOCIAL_WORKER])
    r = client.post(NEW, {**_encounter(world, [world.person], {"kind": "social_interview", "details": "gardé"}),
                          "add_act": "1"})
    page = r.content.decode()
    assert r.status_code == 200 and not Encounter.objects.exists() and not _summary(page)
    assert page.count('data-testid="act-row"') == 2 and "gardé" in page
    assert 'name="acts-TOTAL_FORMS" id="id_acts-TOTAL_FORMS" value="2"' in page


def test_the_htmx_row_is_numbered_by_the_count_and_raises_it(world, client_as):
    client = client_as(world.users[Profession.SOCIAL_WORKER])
    page = client.post("/activite/rencontre/acte/", {"person": [world.person.pk], "acts-TOTAL_FORMS": "3"}
                       ).content.decode()
    assert 'name="acts-3-kind"' in page and 'name="acts-3-details"' in page
    assert re.search(r'name="acts-TOTAL_FORMS"[^>]*value="4" hx-swap-oob="true"', page)
    page = client.post("/activite/personnes/nouvelle-ligne/", {"new-TOTAL_FORMS": "99999"}).content.decode()
    assert 'name="new-100-alias"' in page  # capped: a forged count is not echoed back


def test_a_new_person_without_a_name_is_refused_and_nothing_is_created(world, client_as):
    client = client_as(world.users[Profession.NURSE])
    before = Person.objects.count()
    r = client.post(ROUND, _round(world, {"alias": "Le Grand", "sex": "male", "estimated_age": "40", "act": ""},
                                  {"alias": "", "first_name": "", "sex": "unknown", "estimated_age": "130",
                                   "act": "first_aid"}))
    page = r.content.decode()
    assert r.status_code == 200 and not Encounter.objects.exists() and Person.objects.count() == before
    assert "Donnez un surnom ou un prénom, ou retirez la ligne." in page
    summary = _summary(page)
    assert 'href="#id_new-1-alias"' in summary and 'href="#id_new-1-estimated_age"' in summary
    assert "2 points à corriger" in summary  # every error listed is counted, not the form's fields
    assert 'value="Le Grand"' in page and 'value="130"' in page


def test_a_blank_new_person_row_is_dropped(world, client_as):
    client = client_as(world.users[Profession.NURSE])
    r = client.post(ROUND, {**_round(world, {"alias": "", "first_name": "", "sex": "unknown", "estimated_age": "",
                                            "act": ""}), "anonymous_contacts": 2})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Encounter.objects.get().anonymous_contacts == 2
