"""Issue #13: a baby's age in months, one rights model (a granted application is the person's right on
their page), plausible dates of a right."""

import datetime

import pytest
from django.utils import timezone

from aupres.core.text import age_words
from aupres.encounters import services as encounter_services
from aupres.persons.models import Person, RightStatus

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


@pytest.mark.parametrize("person, words", [
    (Person(birth_date=datetime.date(2026, 3, 10)), "3 mois"),
    (Person(birth_date=datetime.date(2026, 6, 1)), "moins d'un mois"),
    (Person(birth_date=datetime.date(2025, 1, 20)), "16 mois"),
    (Person(birth_date=datetime.date(2024, 6, 15)), "2 ans"),
    (Person(birth_year=2026), "moins d'un an"),
    (Person(birth_date=datetime.date(1980, 5, 1)), "46 ans"),
    (Person(estimated_age=30, estimated_on=TODAY), "≈ 30 ans"),
    (Person(), None),
])
def test_a_baby_is_aged_in_months(person, words):
    assert person.age_label(TODAY) == words


def test_one_year_reads_in_the_singular():
    assert age_words(1) == "1 an"


def test_the_person_page_shows_a_baby_in_months(world, client_as):
    baby = world.person
    baby.birth_date = timezone.localdate() - datetime.timedelta(days=95)
    baby.save()
    page = client_as(world.users["nurse"]).get(f"/personnes/{baby.pk}/")
    assert "3 mois" in page.content.decode() and "0 ans" not in page.content.decode()


def test_a_granted_domiciliation_shows_in_the_administrative_block(world, client_as):
    worker = world.users["social_worker"]
    person = world.person
    RightStatus.objects.create(person=person, kind="domiciliation", value="none",
                               started_on=datetime.date(2026, 1, 2))
    application = encounter_services.create_rights_application(
        worker, person, kind="domiciliation", status="filed", status_on=datetime.date(2026, 2, 1))
    page = client_as(worker).get(f"/personnes/{person.pk}/").content.decode()
    assert "Domiciliation" in page and "Néant" in page  # before the grant: none
    encounter_services.change_rights_application(worker, application, version=application.version,
                                                 status="granted", on=datetime.date(2026, 3, 1))
    page = client_as(worker).get(f"/personnes/{person.pk}/").content.decode()
    assert "Accordée (organisme non précisé)" in page and "Néant" not in page
    right = RightStatus.objects.filter(person=person, kind="domiciliation").order_by("-started_on").first()
    assert (right.value, right.started_on) == ("domiciled", datetime.date(2026, 3, 1))


@pytest.mark.parametrize("kind, right_kind, value", [("ame", "health_cover", "ame"), ("rsa", "income", "rsa"),
                                                     ("residence_permit", "id_papers", "residence_permit"),
                                                     ("domiciliation", "domiciliation", "domiciled")])
def test_every_granted_kind_is_the_persons_right(world, kind, right_kind, value):
    worker = world.users["social_worker"]
    encounter_services.create_rights_application(worker, world.person, kind=kind, status="granted",
                                                 status_on=datetime.date(2026, 4, 1))
    assert RightStatus.objects.filter(person=world.person, kind=right_kind, value=value,
                                      started_on=datetime.date(2026, 4, 1)).exists()


@pytest.mark.parametrize("started_on, expires_on, errors", [
    ("0001-01-01", "", {"started_on": "antérieure à 1900"}),
    ("1899-12-31", "", {"started_on": "antérieure à 1900"}),
    ((timezone.localdate() + datetime.timedelta(days=10)).isoformat(), "", {"started_on": "dans le futur"}),
    ("2999-01-01", "", {"started_on": "postérieure à la fin de l'année prochaine"}),
    ("0001-01-01", "2999-01-01", {"started_on": "antérieure à 1900", "expires_on": "trop loin"}),  # all at once
])
def test_a_right_since_an_implausible_date_is_refused_beside_its_field(world, client_as, started_on, expires_on,
                                                                       errors):
    worker = world.users["social_worker"]
    before = RightStatus.objects.count()
    r = client_as(worker).post(f"/personnes/{world.person.pk}/droits/", {
        "kind": "domiciliation", "value": "ccas", "started_on": started_on, "expires_on": expires_on,
        "note": "gardée"})
    assert r.status_code == 200
    form = r.context["form"]
    for field, words in errors.items():
        assert words in " ".join(form.errors.get(field, [])), form.errors
    assert set(form.errors) == set(errors)
    assert form["note"].value() == "gardée"  # what was typed is kept
    assert RightStatus.objects.count() == before
