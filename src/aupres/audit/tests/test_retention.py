"""Retention: records past their service's retention period are anonymised; statistics survive."""

import datetime

import pytest
from django.core.management import call_command

from aupres.audit import retention
from aupres.audit.models import AccessEvent, RectificationEntry
from aupres.audit.tasks import purge_expired
from aupres.followups.models import FollowUp
from aupres.persons.models import Household, HouseholdMember, LivingSituation, MedicalProfile, Note, Person

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 1)


def close(person, service, closed_on):
    FollowUp.objects.filter(person=person, service=service).update(state="closed", closed_on=closed_on)


def ended_long_ago(world, days_ago=None):
    days_ago = days_ago if days_ago is not None else world.service_a.retention_days_after_exit + 1
    close(world.person, world.service_a, TODAY - datetime.timedelta(days=days_ago))


def test_a_person_still_followed_or_recently_closed_is_kept(world):
    assert retention.expired_person_ids(TODAY) == []
    ended_long_ago(world, days_ago=world.service_a.retention_days_after_exit - 1)
    assert retention.expired_person_ids(TODAY) == []
    ended_long_ago(world)
    assert retention.expired_person_ids(TODAY) == [world.person.pk]


def test_the_latest_follow_up_and_its_own_service_period_count(world):
    world.service_b.retention_days_after_exit = 3650
    world.service_b.save()
    ended_long_ago(world)
    FollowUp.objects.create(person=world.person, service=world.service_b, opened_on="2020-01-01",
                            state="closed", closed_on=TODAY - datetime.timedelta(days=1000))
    assert retention.expired_person_ids(TODAY) == []  # service B keeps it 10 years
    FollowUp.objects.create(person=world.person, service=world.service_c, opened_on="2026-01-01")
    world.service_b.retention_days_after_exit = 10
    world.service_b.save()
    assert retention.expired_person_ids(TODAY) == []  # service C still follows


def test_anonymising_removes_identity_and_free_text_and_keeps_statistics(world):
    person = world.person
    person.sex = "female"
    person.save()
    RectificationEntry.objects.create(person=person, record="person", compartment="administrative",
                                      field="phone", old_value="0611223344", new_value="0600000000")
    household = Household.objects.create(label="Famille Benali")
    HouseholdMember.objects.create(household=household, person=person, role="head")
    ended_long_ago(world)
    report = retention.purge_expired(TODAY)
    assert report["persons_anonymised"] == 1 and report["rows_blanked"] >= 5
    person.refresh_from_db()
    assert person.alias == f"Anonymisé·e #{person.pk}"
    assert (person.first_name, person.last_name, person.phone, person.birth_date) == ("", "", "", None)
    assert (person.sex, person.birth_year) == ("female", 1980)
    assert set(Note.objects.filter(person=person).values_list("text", flat=True)) == {""}
    assert Note.objects.filter(person=person).count() == 3
    assert MedicalProfile.objects.get(person=person).chronic_conditions == ""
    situation = LivingSituation.objects.get(person=person)
    assert (situation.kind, situation.place, situation.started_on) == ("street", "", datetime.date(2026, 1, 1))
    followup = FollowUp.objects.get(person=person)
    assert followup.opened_on == datetime.date(2026, 1, 5) and followup.closed_on
    entry = RectificationEntry.objects.get(person=person)
    assert (entry.field, entry.old_value, entry.new_value) == ("phone", "", "")
    household.refresh_from_db()
    assert household.label == f"Ménage #{household.pk}"
    [event] = AccessEvent.objects.filter(action="anonymise")
    assert (event.person_id, event.channel, event.user) == (person.pk, "task", None)
    # Nothing identifying is left anywhere in the exported record.
    from aupres.audit.export import collect

    dump = repr(collect(person))
    for secret in ("Amina", "Benali", "Mina ", "0600000000", "Diabète", "secrete", "Lille"):
        assert secret not in dump, secret
    # A second run finds nothing more to do.
    assert retention.purge_expired(TODAY)["persons_anonymised"] == 0


def test_dry_run_changes_nothing(world):
    ended_long_ago(world)
    report = retention.purge_expired(TODAY, dry_run=True)
    assert report["persons_due"] == 1 and report["persons_anonymised"] == 0
    world.person.refresh_from_db()
    assert world.person.first_name == "Amina"


def test_task_and_command(world, capsys):
    close(world.person, world.service_a, datetime.date(2000, 1, 1))
    result = purge_expired.enqueue()
    assert result.return_value["persons_anonymised"] == 1
    call_command("purge_expired")
    out = capsys.readouterr().out
    assert '"persons_anonymised": 0' in out and "person_ids" not in out


def test_the_service_setting_is_configurable_through_the_api(world, api_as):
    api = api_as(world.users["head_of_service"])
    service = api.get(f"/services/{world.service_a.pk}").json()
    assert service["retention_days_after_exit"] == 730
    r = api.patch(f"/services/{world.service_a.pk}", {"version": service["version"],
                                                       "retention_days_after_exit": 3650})
    assert r.status_code == 200 and r.json()["retention_days_after_exit"] == 3650
    assert Person.objects.count() == 1
