"""Screens to change a health problem's status and to stop a prescription: access per compartment and team, the
journal, conflicts on the version, French labels."""

import datetime

import pytest
from django.utils import timezone

from aupres.audit.models import AccessEvent
from aupres.care import services
from aupres.care.models import Condition, Prescription
from aupres.core import access

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def record(world):
    doctor = world.users["doctor"]
    person = access.get_visible_person(doctor, world.person.pk)
    world.condition = services.add_condition(doctor, person, "E11.9", onset_on=datetime.date(2020, 5, 1))
    world.prescription = services.add_prescription(doctor, person, "Metformine", "500 mg", "oral", ["08:00", "20:00"],
                                                   TODAY - datetime.timedelta(days=10), prescriber="Dr Roux")
    return world


def test_the_person_page_links_each_record_to_its_change(record, client_as):
    html = client_as(record.users["nurse"]).get(f"/soins/personnes/{record.person.pk}/").content.decode()
    assert f'href="/soins/problemes/{record.condition.pk}/"' in html
    assert f'href="/soins/prescriptions/{record.prescription.pk}/arret/"' in html


def test_a_doctor_resolves_a_problem_and_it_is_journaled(record, client_as):
    doctor = client_as(record.users["doctor"])
    form = doctor.get(f"/soins/problemes/{record.condition.pk}/")
    assert form.status_code == 200 and 'name="version" value="1"' in form.content.decode()
    answer = doctor.post(f"/soins/problemes/{record.condition.pk}/", {
        "status": "resolved", "onset_on": "2020-05-01", "note": "Équilibré sous régime", "version": "1"})
    assert answer.status_code == 302 and answer.url == f"/soins/personnes/{record.person.pk}/"
    record.condition.refresh_from_db()
    assert (record.condition.status, record.condition.resolved_on, record.condition.version) == ("resolved", TODAY, 2)
    change = AccessEvent.objects.filter(action="update").latest("pk")
    assert change.person_id == record.person.pk and change.compartments == "health"
    assert "Équilibré" not in str(change.__dict__)


def test_a_change_made_on_an_old_version_is_refused_and_keeps_what_was_typed(record, client_as):
    nurse, doctor = client_as(record.users["nurse"]), client_as(record.users["doctor"])
    path = f"/soins/problemes/{record.condition.pk}/"
    assert doctor.post(path, {"status": "stabilised", "version": "1"}).status_code == 302
    answer = nurse.post(path, {"status": "remission", "note": "Vu ce matin", "version": "1"})
    html = answer.content.decode()
    assert answer.status_code == 409
    assert "Vu ce matin" in html and 'name="version" value="2"' in html  # typed kept, the version now stored
    record.condition.refresh_from_db()
    assert record.condition.status == "stabilised"
    assert nurse.post(path, {"status": "remission", "version": "2"}).status_code == 302  # confirmed again


def test_a_prescription_is_stopped_on_a_day_not_beyond_its_end(record, client_as):
    nurse = client_as(record.users["nurse"])
    path = f"/soins/prescriptions/{record.prescription.pk}/arret/"
    assert f'value="{TODAY.isoformat()}"' in nurse.get(path).content.decode()  # today offered
    early = nurse.post(path, {"ends_on": (TODAY - datetime.timedelta(days=20)).isoformat(), "version": "1"})
    assert early.status_code == 400 and Prescription.objects.get(pk=record.prescription.pk).ends_on is None
    assert nurse.post(path, {"ends_on": TODAY.isoformat(), "version": "1"}).status_code == 302
    stopped = Prescription.objects.get(pk=record.prescription.pk)
    assert stopped.ends_on == TODAY and not stopped.active_on(TODAY + datetime.timedelta(days=1))
    later = nurse.post(path, {"ends_on": (TODAY + datetime.timedelta(days=3)).isoformat(), "version": "2"})
    assert later.status_code == 400 and Prescription.objects.get(pk=record.prescription.pk).ends_on == TODAY


@pytest.mark.parametrize("role, status", [("social_worker", 404), ("head_of_service", 404), ("case_manager", 404),
                                          ("partner", 404)])
def test_readers_without_health_get_nothing(record, client_as, role, status):
    client = client_as(record.users[role])
    for path in (f"/soins/problemes/{record.condition.pk}/", f"/soins/prescriptions/{record.prescription.pk}/arret/"):
        assert client.get(path).status_code in (status, 403, 302), (role, path)
        client.post(path, {"status": "resolved", "ends_on": TODAY.isoformat(), "version": "1"})
    assert Condition.objects.get(pk=record.condition.pk).status == "active"
    assert Prescription.objects.get(pk=record.prescription.pk).ends_on is None


def test_another_team_gets_404(record, client_as):
    outsider = client_as(record.outsider)
    assert outsider.get(f"/soins/problemes/{record.condition.pk}/").status_code == 404
    assert outsider.post(f"/soins/prescriptions/{record.prescription.pk}/arret/", {
        "ends_on": TODAY.isoformat(), "version": "1"}).status_code == 404


def test_the_screens_speak_french(record, client_as):
    client = client_as(record.users["doctor"])
    stop = client.get(f"/soins/prescriptions/{record.prescription.pk}/arret/").content.decode()
    edit = client.get(f"/soins/problemes/{record.condition.pk}/").content.decode()
    assert "Arrêter une prescription" in stop and "Dernier jour du traitement" in stop
    assert "Problème de santé" in edit and "Stabilisé" in edit
