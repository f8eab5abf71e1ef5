"""Duplicate candidates (fuzzy names and aliases, birth year, phone) and merging two records of a person."""

import datetime

import pytest

from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.followups.models import FollowUp
from aupres.persons.models import (
    Household,
    HouseholdMember,
    LivingSituation,
    MedicalProfile,
    Note,
    Person,
    RightStatus,
)
from aupres.referrals import duplicates
from aupres.referrals.models import MergeLog
from aupres.referrals.tests.helpers import join, referral
from aupres.services.models import Profession

pytestmark = pytest.mark.django_db


def _follow(person, service):
    FollowUp.objects.create(person=person, service=service, opened_on=datetime.date(2026, 1, 10))
    return person


def test_candidates_match_misspelt_names_aliases_and_phone_and_rank_the_birth_year(world):
    scope = Person.objects.all()
    Person.objects.create(first_name="Jean", last_name="Martin", birth_year=1990)
    names = [c.person.pk for c in duplicates.find_candidates(first_name="Amina", last_name="Benaly", scope=scope)]
    assert names[0] == world.person.pk
    by_alias = duplicates.find_candidates(alias="mina", scope=scope)
    assert by_alias and by_alias[0].person == world.person and "name" in by_alias[0].matched
    by_phone = duplicates.find_candidates(alias="zzz", phone="+33 6 00 00 00 00", scope=scope)
    assert [c.person for c in by_phone] == [world.person] and by_phone[0].matched == ["phone"]
    twin = Person.objects.create(first_name="Amina", last_name="Benali", birth_year=1950)
    ranked = duplicates.find_candidates(first_name="Amina", last_name="Benali", birth_year=1980, scope=scope)
    assert [c.person for c in ranked[:2]] == [world.person, twin]
    assert "birth_year" in ranked[0].matched
    assert duplicates.find_candidates(first_name="Xavier", last_name="Dupont", scope=scope) == []


def test_candidates_are_searched_only_among_persons_the_user_sees(world, api_as):
    assert duplicates.candidates_for(world.outsider, {"first_name": "Amina", "last_name": "Benali"}) == []
    r = api_as(world.users["nurse"]).post("/referrals/duplicates", {"last_name": "benali"})
    assert r.status_code == 200 and r.json()[0]["person"] == world.person.pk
    assert api_as(world.outsider).post("/referrals/duplicates", {"last_name": "benali"}).json() == []
    assert api_as(world.users["partner"]).post("/referrals/duplicates", {"last_name": "benali"}).status_code == 404
    ref = referral(world.service_a, first_name="Amina", last_name="Benalli")
    listed = api_as(world.users["nurse"]).get(f"/referrals/{ref.pk}/candidates").json()
    assert listed[0]["person"] == world.person.pk


def test_merge_keeps_every_piece_of_history_of_both_persons(world, api_as):
    keep = world.person
    absorb = _follow(Person.objects.create(alias="Mina B", phone="", nationality="marocaine",
                                           on_street_since=datetime.date(2025, 6, 1)), world.service_b)
    join(world.users["nurse"], world.service_b, Profession.NURSE)
    LivingSituation.objects.create(person=absorb, kind="squat", started_on=datetime.date(2025, 6, 1))
    RightStatus.objects.create(person=absorb, kind="income", value="rsa", started_on=datetime.date(2025, 7, 1))
    Note.objects.create(person=absorb, service=world.service_b, compartment="health", text="note-absorbée")
    MedicalProfile.objects.create(person=absorb, chronic_conditions="Asthme", allergies="Pénicilline")
    household = Household.objects.create(label="Famille B")
    HouseholdMember.objects.create(household=household, person=absorb, role="mother")
    old = referral(world.service_b, person=absorb, status="declined")
    before = {
        "followups": set(FollowUp.objects.filter(person__in=[keep, absorb]).values_list("pk", flat=True)),
        "living": LivingSituation.objects.filter(person__in=[keep, absorb]).count(),
        "rights": RightStatus.objects.filter(person__in=[keep, absorb]).count(),
        "notes": Note.objects.filter(person__in=[keep, absorb]).count(),
    }
    r = api_as(world.users["nurse"]).post("/referrals/merge-persons", {"keep": keep.pk, "absorb": absorb.pk})
    assert r.status_code == 200, r.content
    assert not Person.objects.filter(pk=absorb.pk).exists()
    assert set(keep.followups.values_list("pk", flat=True)) == before["followups"]
    assert keep.living_situations.count() == before["living"]
    assert keep.rights.count() == before["rights"]
    assert keep.notes.count() == before["notes"] and keep.notes.filter(text="note-absorbée").exists()
    assert keep.household_memberships.get().household == household
    old.refresh_from_db()
    assert old.person == keep
    profile = MedicalProfile.objects.get(person=keep)
    assert "Diabète secret" in profile.chronic_conditions and "Asthme" in profile.chronic_conditions
    assert profile.allergies == "Pénicilline"
    keep.refresh_from_db()
    assert keep.nationality == "marocaine" and keep.on_street_since == datetime.date(2025, 6, 1)
    assert keep.alias == "Mina" and keep.phone == "0600000000"  # kept values win; differences are logged
    log = MergeLog.objects.get()
    assert log.absorbed_identity["alias"] == "Mina B" and log.moved["followups.FollowUp"] == 1


def test_merge_requires_seeing_both_and_refuses_conflicts(world):
    other = _follow(Person.objects.create(alias="Autre"), world.service_b)
    with pytest.raises(NotFound):
        duplicates.merge_persons(world.users["nurse"], world.person, other)  # B's person is not visible
    with pytest.raises(DomainError):
        duplicates.merge_persons(world.users["nurse"], world.person, world.person)
    twin = _follow(Person.objects.create(alias="Mina 2"), world.service_a)
    with pytest.raises(DomainError) as conflict:
        duplicates.merge_persons(world.users["nurse"], world.person, twin)  # two open follow-ups in A
    assert conflict.value.code == "merge_conflict"
    assert Person.objects.filter(pk=twin.pk).exists() and twin.followups.count() == 1
    access.forget(world.users["partner"])
    with pytest.raises((NotFound, Forbidden)):
        duplicates.merge_persons(world.users["partner"], world.person, twin)


def test_merge_covers_every_relation_to_person_generically():
    relations = {rel.related_model._meta.label for rel in duplicates._relations()}
    assert {"followups.FollowUp", "persons.Note", "persons.MedicalProfile", "referrals.Referral",
            "persons.HouseholdMember"} <= relations


# Field-by-field search quality (same ranking code on SQLite and PostgreSQL) ------------------------------

@pytest.fixture
def crowd(db):
    """Persons with close names, so that each query has wrong answers to avoid."""
    people = {
        "traore": Person.objects.create(first_name="Aïcha", last_name="Traoré", birth_year=1985,
                                        phone="07 11 22 33 44"),
        "traore_old": Person.objects.create(first_name="Aïcha", last_name="Traoré", birth_year=1950),
        "martin": Person.objects.create(first_name="Jean", last_name="Martin", birth_year=1970),
        "martine": Person.objects.create(first_name="Martine", last_name="Dupont", birth_year=1962),
        "lefevre": Person.objects.create(first_name="Élodie", last_name="Lefèvre", birth_year=1991),
        "pepe": Person.objects.create(alias="Pépé du canal", birth_year=1948),
        "gigi": Person.objects.create(alias="Gigi", first_name="Ginette", last_name="Roux"),
    }
    return people


def _first(**query):
    found = duplicates.find_candidates(scope=Person.objects.all(), **query)
    return found[0] if found else None


@pytest.mark.parametrize(("query", "expected"), [
    ({"first_name": "Aicha", "last_name": "Traore", "birth_year": 1985}, "traore"),  # accents dropped
    ({"first_name": "AÏCHA", "last_name": "TRAORÉ", "birth_year": 1985}, "traore"),  # case and accents
    ({"first_name": "Elodie", "last_name": "Lefevre"}, "lefevre"),
    ({"first_name": "Elodie", "last_name": "Lefebvre"}, "lefevre"),  # spelling variant
    ({"first_name": "Jean", "last_name": "Matrin"}, "martin"),  # transposition
    ({"first_name": "Jean", "last_name": "Martn"}, "martin"),  # missing letter
    ({"last_name": "Lefèvres"}, "lefevre"),  # last name only, one letter more
])
def test_misspelt_and_accented_names_find_the_person(crowd, query, expected):
    best = _first(**query)
    assert best is not None and best.person == crowd[expected] and "name" in best.matched


def test_alias_only_matches_the_alias_and_never_the_phone_or_an_unrelated_name(crowd):
    best = _first(alias="Pepe")
    assert best.person == crowd["pepe"] and best.matched == ["name"]
    assert _first(alias="pépé du canal").person == crowd["pepe"]
    assert _first(alias="Gigi").person == crowd["gigi"]
    assert _first(alias="Zorglub") is None


def test_phone_only_matches_whatever_the_format(crowd):
    for phone in ("+33 7 11 22 33 44", "07.11.22.33.44", "0711223344"):
        found = duplicates.find_candidates(phone=phone, scope=Person.objects.all())
        assert [c.person for c in found] == [crowd["traore"]] and found[0].matched == ["phone"]
    assert duplicates.find_candidates(phone="07 99 99 99 99", scope=Person.objects.all()) == []
    assert duplicates.find_candidates(phone="12", scope=Person.objects.all()) == []  # too short to compare


@pytest.mark.parametrize(("year", "expected"), [(1985, "traore"), (1986, "traore"), (1950, "traore_old"),
                                                (1951, "traore_old")])
def test_the_birth_year_ranks_namesakes(crowd, year, expected):
    found = duplicates.find_candidates(first_name="Aïcha", last_name="Traoré", birth_year=year,
                                       scope=Person.objects.all())
    assert found[0].person == crowd[expected] and "birth_year" in found[0].matched
    assert {c.person for c in found[:2]} == {crowd["traore"], crowd["traore_old"]}
    assert "birth_year" not in found[1].matched


def test_a_name_and_the_phone_rank_above_the_name_alone(crowd):
    found = duplicates.find_candidates(first_name="Aïcha", last_name="Traoré", phone="0711223344",
                                       scope=Person.objects.all())
    assert found[0].person == crowd["traore"] and set(found[0].matched) == {"name", "phone"}


def test_similarity_is_pg_trgm_s():
    assert duplicates.similarity("Benali", "BENALI") == 1.0
    assert duplicates.similarity("benaly", "benali") == pytest.approx(5 / 9)  # as pg_trgm: 0.5555556
    assert duplicates.similarity("", "benali") == 0.0
    assert duplicates.word_similarity("le grand", "Le Grand de la gare") == 1.0
