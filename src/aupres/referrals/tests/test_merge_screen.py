"""The merge screen: from a person ("Merge with…") or a referral's candidate, compare two records side by side,
pick the one to keep, confirm; every piece of history of both ends on the kept record. Access: both records
seen, with the administrative compartment through a team following each."""

import datetime
import re

import pytest
from django.utils import timezone, translation

from aupres.audit.models import AccessEvent
from aupres.encounters.models import Act, Encounter, EncounterPerson, Orientation, RightsApplication
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
from aupres.referrals.models import MergeLog, Referral
from aupres.referrals.tests.helpers import join, referral
from aupres.services.models import Profession

pytestmark = pytest.mark.django_db


def url(a, b=None):
    return f"/orientations/personnes/{a.pk}/fusionner/" + (f"{b.pk}/" if b else "")


def follow(person, service, **kw):
    return FollowUp.objects.create(person=person, service=service, opened_on=datetime.date(2026, 1, 5), **kw)


@pytest.fixture
def twin(world):
    """A second record of Amina, followed by service B (which the nurse then joins), with its own history."""
    person = Person.objects.create(first_name="Amina", last_name="Benaly", alias="Mina B", birth_year=1980,
                                   nationality="marocaine", on_street_since=datetime.date(2025, 6, 1))
    person.followup_b = follow(person, world.service_b)
    join(world.users["nurse"], world.service_b, Profession.NURSE)
    return person


def fr(msgid):
    """The message as the (French) screens show it, translated or not yet."""
    with translation.override("fr"):
        return translation.gettext(msgid).replace("'", "&#x27;")


def _events(user, person, action):
    return AccessEvent.objects.concerning(person.pk).filter(user=user, action=action, channel="screen")


def test_the_screen_shows_both_records_side_by_side_and_the_read_is_audited(world, twin, client_as):
    nurse = world.users["nurse"]
    Note.objects.create(person=twin, service=world.service_b, compartment="social", text="note-b")
    response = client_as(nurse).get(url(world.person, twin))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Amina", "BENALI", "BENALY", "marocaine", world.service_a.name, world.service_b.name):
        assert text in page
    sides = {s.person.pk: s for s in response.context["sides"]}
    notes_label = next(k for k in sides[twin.pk].counts if str(k) == "Notes")
    assert sides[world.person.pk].counts[notes_label] == 3 and sides[twin.pk].counts[notes_label] == 1
    assert "note-b" not in page and "Diabète secret" not in page  # counts, never content
    assert _events(nurse, world.person, "read").exists() and _events(nurse, twin, "read").exists()
    # No personal content in the URLs the screen links to or posts to: ids only.
    for link in re.findall(r'(?:href|action)="([^"]+)"', page):
        assert "Amina" not in link and "Mina" not in link


def test_who_may_open_the_merge_screen(world, twin, client_as):
    # The outsider (doctor in B) sees the twin but not world.person: 404, as for what does not exist.
    assert client_as(world.outsider).get(url(twin, world.person)).status_code == 404
    assert client_as(world.outsider).get(url(twin)).status_code == 200  # the pick screen of what it sees
    for who in ("partner", "regulator", "funder"):
        assert client_as(world.users[who]).get(url(world.person, twin)).status_code == 404
    # The head of service holds only the administrative compartment: enough to merge.
    join(world.users["head_of_service"], world.service_b, Profession.HEAD_OF_SERVICE)
    assert client_as(world.users["head_of_service"]).get(url(world.person, twin)).status_code == 200
    # The same record twice: refused in words.
    same = client_as(world.users["nurse"]).get(url(world.person, world.person))
    assert same.status_code == 400 and fr("Choose two different persons.") in same.content.decode()


def test_a_record_read_only_through_consent_cannot_be_merged(world, client_as):
    from aupres.sharing.models import SharingConsent

    shared = Person.objects.create(alias="Partagée")
    follow(shared, world.service_c)
    SharingConsent.objects.create(person=shared, from_service=world.service_c, to_service=world.service_a,
                                  scope="social", given_on=datetime.date.today(), given_how="oral")
    nurse = client_as(world.users["nurse"])
    assert nurse.get(f"/personnes/{shared.pk}/").status_code == 200  # visible…
    response = nurse.get(url(world.person, shared))
    assert response.status_code == 403  # …but not the administrative compartment, nor to change it
    assert fr("Merging needs the administrative compartment of both persons, through a team that follows each "
              "of them.") in response.content.decode()
    refused = nurse.post(url(world.person, shared), {"keep": world.person.pk, "version_first": 1,
                                                     "version_second": 1})
    assert refused.status_code == 403 and Person.objects.filter(pk=shared.pk).exists()
    assert nurse.get(url(shared)).status_code == 403


def test_confirming_keeps_every_piece_of_history_of_both_on_the_chosen_record(world, twin, client_as):
    nurse = world.users["nurse"]
    keep, absorb = twin, world.person  # the user keeps the second record shown
    now = timezone.now()
    for person, service, followup in ((world.person, world.service_a, FollowUp.objects.get(person=world.person)),
                                      (twin, world.service_b, twin.followup_b)):
        encounter = Encounter.objects.create(service=service, occurred_at=now, place_kind="street", mode="visit")
        EncounterPerson.objects.create(encounter=encounter, person=person, followup=followup, service=service,
                                       occurred_at=now)
        Act.objects.create(encounter=encounter, person=person, kind="wound_care")
        Act.objects.create(encounter=encounter, person=person, kind="health_check")
        referral(service, person=person, status="declined")
        Orientation.objects.create(person=person, service=service, kind="orientation",
                                   target="general_practitioner", compartment="health", sent_on=now.date(),
                                   status_on=now.date())
        RightsApplication.objects.create(person=person, service=service, kind="ame", status_on=now.date())
    Note.objects.create(person=twin, service=world.service_b, compartment="health", text="note-b")
    LivingSituation.objects.create(person=twin, kind="squat", started_on=datetime.date(2025, 6, 1))
    RightStatus.objects.create(person=twin, kind="income", value="rsa", started_on=datetime.date(2025, 7, 1))
    MedicalProfile.objects.create(person=twin, chronic_conditions="Asthme")
    household = Household.objects.create(label="Famille B")
    HouseholdMember.objects.create(household=household, person=twin, role="mother")
    both = [world.person, twin]
    before = {
        "followups": set(FollowUp.objects.filter(person__in=both).values_list("pk", flat=True)),
        "encounters": set(EncounterPerson.objects.filter(person__in=both).values_list("encounter_id", flat=True)),
        "acts": set(Act.objects.filter(person__in=both).values_list("pk", flat=True)),
        "referrals": set(Referral.objects.filter(person__in=both).values_list("pk", flat=True)),
        "notes": set(Note.objects.filter(person__in=both).values_list("pk", flat=True)),
        "living": set(LivingSituation.objects.filter(person__in=both).values_list("pk", flat=True)),
        "rights": set(RightStatus.objects.filter(person__in=both).values_list("pk", flat=True)),
        "orientations": set(Orientation.objects.filter(person__in=both).values_list("pk", flat=True)),
        "applications": set(RightsApplication.objects.filter(person__in=both).values_list("pk", flat=True)),
    }
    assert all(len(v) >= 2 for v in before.values())
    client = client_as(nurse)
    form = client.get(url(world.person, twin)).context["form"]
    response = client.post(url(world.person, twin), {
        "keep": keep.pk, "version_first": form.initial["version_first"],
        "version_second": form.initial["version_second"]}, follow=True)
    assert response.redirect_chain[-1][0] == f"/personnes/{keep.pk}/"
    assert fr("The two records are merged: %(name)s keeps the history of both.") % {
        "name": keep.display_name} in response.content.decode()
    assert not Person.objects.filter(pk=absorb.pk).exists()
    assert set(keep.followups.values_list("pk", flat=True)) == before["followups"]
    assert set(keep.encounter_links.values_list("encounter_id", flat=True)) == before["encounters"]
    assert set(keep.acts.values_list("pk", flat=True)) == before["acts"]
    assert set(keep.referrals.values_list("pk", flat=True)) == before["referrals"]
    assert set(keep.notes.values_list("pk", flat=True)) == before["notes"]
    assert set(keep.living_situations.values_list("pk", flat=True)) == before["living"]
    assert set(keep.rights.values_list("pk", flat=True)) == before["rights"]
    assert set(keep.orientations.values_list("pk", flat=True)) == before["orientations"]
    assert set(keep.rights_applications.values_list("pk", flat=True)) == before["applications"]
    assert keep.household_memberships.get().household == household
    profile = MedicalProfile.objects.get(person=keep)
    assert "Asthme" in profile.chronic_conditions and "Diabète secret" in profile.chronic_conditions
    keep.refresh_from_db()
    assert keep.phone == "0600000000" and keep.last_name == "Benaly"  # empty filled; kept values stay
    log = MergeLog.objects.get()
    assert (log.kept_person_id, log.absorbed_person_id, log.merged_by) == (keep.pk, absorb.pk, nurse)
    assert log.absorbed_identity["last_name"] == "Benali"
    assert _events(nurse, keep, "update").exists()
    assert AccessEvent.objects.concerning(absorb.pk).filter(user=nurse, action="update").exists()


def test_a_stale_confirmation_is_refused_shows_the_records_as_they_are_and_loses_nothing(world, twin, client_as):
    client = client_as(world.users["nurse"])
    form = client.get(url(world.person, twin)).context["form"]
    versions = {"version_first": form.initial["version_first"], "version_second": form.initial["version_second"]}
    twin.languages = "tamazight"  # someone edits the twin meanwhile
    twin.save_versioned(twin.version, update_fields=["languages"])
    response = client.post(url(world.person, twin), {"keep": twin.pk, **versions})
    assert response.status_code == 409
    assert fr("Someone else changed this record after you opened it. Reload it to see their changes, "
              "then make yours again.") in response.content.decode()
    assert "tamazight" in response.content.decode()  # the screen shows the record as it is now
    assert Person.objects.filter(pk__in=[world.person.pk, twin.pk]).count() == 2
    assert not MergeLog.objects.exists()
    fresh = response.context["form"]
    assert fresh.cleaned_data["keep"] == twin.pk  # the choice is kept, with the versions read now
    again = client.post(url(world.person, twin), {"keep": twin.pk, **fresh.data})
    assert again.status_code == 302 and not Person.objects.filter(pk=world.person.pk).exists()


def test_a_merge_that_would_break_a_rule_is_refused_on_the_form(world, client_as):
    other = Person.objects.create(alias="Mina 2")
    follow(other, world.service_a)  # two open follow-ups in service A cannot become one person's
    client = client_as(world.users["nurse"])
    response = client.post(url(world.person, other), {"keep": world.person.pk, "version_first": 1,
                                                      "version_second": 1})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert MergeLog.objects.count() == 0
    assert Person.objects.filter(pk=other.pk).exists() and other.followups.count() == 1
    bad = client.post(url(world.person, other), {"keep": 999999, "version_first": 1, "version_second": 1})
    assert bad.status_code == 400 and Person.objects.filter(pk=other.pk).exists()


def test_merge_with_lists_similar_records_and_searches_by_post(world, twin, client_as):
    client = client_as(world.users["nurse"])
    detail = client.get(f"/personnes/{world.person.pk}/").content.decode()
    assert url(world.person) in detail  # the "Merge with…" action on the person page
    page = client.get(url(world.person))
    assert page.status_code == 200
    assert [c.person.pk for c in page.context["candidates"]] == [twin.pk]
    assert url(world.person, twin) in page.content.decode()
    far = Person.objects.create(first_name="Zoé", last_name="Durand", alias="Zaza")
    follow(far, world.service_b)
    assert far.pk not in [c.person.pk for c in page.context["candidates"]]
    found = client.post(url(world.person), {"last_name": "Durant", "first_name": "Zoe"})
    assert found.status_code == 200 and [c.person.pk for c in found.context["candidates"]] == [far.pk]
    # A person the user does not see is never proposed.
    hidden = Person.objects.create(first_name="Zoé", last_name="Durand", alias="Zaza cachée")
    follow(hidden, world.service_c)
    found = client.post(url(world.person), {"last_name": "Durand", "first_name": "Zoé"})
    assert hidden.pk not in [c.person.pk for c in found.context["candidates"]]


def test_a_referral_linked_to_a_person_proposes_similar_records_to_merge(world, twin, client_as):
    r = referral(world.service_a, person=world.person, alias="Mina")
    page = client_as(world.users["nurse"]).get(f"/orientations/{r.pk}/").content.decode()
    assert 'data-testid="merge-candidates"' in page and url(world.person, twin) in page
