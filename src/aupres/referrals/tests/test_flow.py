"""Intake, decisions (accept, decline, wait, forward, committee), the clock, and the access change."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from aupres.core import access
from aupres.core.errors import DomainError
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.referrals import services
from aupres.referrals.models import Referral, Status
from aupres.referrals.tests.helpers import join, referral
from aupres.services.models import Profession, ServiceKind

pytestmark = pytest.mark.django_db

BODY = {"source": "hospital", "referrer_organisation": "CHU", "alias": "Titi", "needs": ["health"],
        "urgency": "urgent", "consent": "agrees", "health_description": "Plaie infectée du pied",
        "social_description": "Dort sous le pont", "phone": "06 11 22 33 44"}


def test_a_team_member_records_a_referral_and_the_head_accepts_it_opening_a_followup(world, api_as):
    r = api_as(world.users["nurse"]).post("/referrals", {**BODY, "service": world.service_a.pk})
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["status"] == "pending" and data["health"]["health_description"] == "Plaie infectée du pied"
    ref = Referral.objects.get(pk=data["id"])
    assert ref.door == "team" and ref.person is None  # no person until accepted
    head = api_as(world.users["head_of_service"])
    seen = head.get(f"/referrals/{ref.pk}").json()
    assert seen["health"] is None and seen["social"] is None and seen["phone"] == "06 11 22 33 44"
    r = head.post(f"/referrals/{ref.pk}/accept", {"version": seen["version"]})
    assert r.status_code == 200, r.content
    ref.refresh_from_db()
    followup = FollowUp.objects.get(pk=ref.followup_id)
    assert (followup.service, followup.state, followup.person.alias) == (world.service_a, "intake", "Titi")
    assert followup.person.phone == "06 11 22 33 44"
    assert ref.accepted_at is not None and services.referral_date_of(followup) == ref.received_at
    caseload = api_as(world.users["social_worker"]).get("/persons").json()
    assert "« Titi »" in [p["identity"]["display_name"] for p in caseload["items"]]


def test_decline_needs_a_listed_reason_and_text_for_other(world, api_as):
    ref = referral(world.service_a)
    api = api_as(world.users["social_worker"])
    assert api.post(f"/referrals/{ref.pk}/decline", {"version": 1, "reason": "because"}).status_code == 422
    r = api.post(f"/referrals/{ref.pk}/decline", {"version": 1, "reason": "other"})
    assert r.status_code == 400 and r.json()["field"] == "note"
    r = api.post(f"/referrals/{ref.pk}/decline", {"version": 1, "reason": "unreachable", "note": "3 passages"})
    assert r.status_code == 200 and r.json()["status"] == "declined"
    again = api.post(f"/referrals/{ref.pk}/accept", {"version": 2})
    assert again.status_code == 400 and again.json()["code"] == "already_decided"


def test_a_stale_version_is_refused(world, api_as):
    ref = referral(world.service_a)
    api = api_as(world.users["social_worker"])
    assert api.post(f"/referrals/{ref.pk}/wait", {"version": 1}).status_code == 200
    r = api.post(f"/referrals/{ref.pk}/decline", {"version": 1, "reason": "unreachable"})
    assert r.status_code == 409 and r.json()["code"] == "stale_edit"


def test_waiting_list_is_ordered_and_positions_are_visible(world, api_as):
    api = api_as(world.users["social_worker"])
    refs = [referral(world.service_a, alias=f"W{i}") for i in range(3)]
    for ref in reversed(refs):  # put on the list in reverse order
        assert api.post(f"/referrals/{ref.pk}/wait", {"version": 1}).status_code == 200
    listed = api.get("/referrals", data={"status": "waiting"}).json()["items"]
    positions = {item["alias"]: item["waiting_position"] for item in listed}
    assert positions == {"W2": 1, "W1": 2, "W0": 3}
    assert api.get(f"/referrals/{refs[0].pk}").json()["waiting_position"] == 3
    assert api.post(f"/referrals/{refs[1].pk}/accept", {"version": 2}).status_code == 200
    assert services.waiting_positions([world.service_a.pk])[refs[0].pk] == 2


def test_forward_creates_a_referral_at_the_other_service_and_keeps_the_first_date(world, api_as):
    ref = referral(world.service_a, received_at=timezone.now() - datetime.timedelta(days=3))
    r = api_as(world.users["social_worker"]).post(f"/referrals/{ref.pk}/forward",
                                                  {"version": 1, "service": world.service_c.pk})
    assert r.status_code == 200, r.content
    ref.refresh_from_db()
    assert ref.status == Status.FORWARDED
    copy = ref.forwards.get()
    assert copy.service == world.service_c and copy.status == Status.PENDING
    r = api_as(world.outsider_head).post(f"/referrals/{copy.pk}/accept", {"version": 1})
    assert r.status_code == 200, r.content
    copy.refresh_from_db()
    assert services.referral_date_of(copy.followup) == ref.received_at
    # The first service's team does not decide on the copy.
    assert api_as(world.users["nurse"]).get(f"/referrals/{copy.pk}").status_code == 404


def test_only_the_addressed_team_decides(world, api_as):
    ref = referral(world.service_a)
    assert api_as(world.outsider).post(f"/referrals/{ref.pk}/accept", {"version": 1}).status_code == 404
    assert api_as(world.users["partner"]).post(f"/referrals/{ref.pk}/accept", {"version": 1}).status_code == 404


def test_accepting_a_person_already_followed_is_refused(world, api_as):
    ref = referral(world.service_a, person=world.person)
    r = api_as(world.users["nurse"]).post(f"/referrals/{ref.pk}/accept", {"version": 1})
    assert r.status_code == 409 and r.json()["code"] == "already_followed"


def test_the_landlord_committee_decides_with_attendees_and_strategy(world, api_as):
    service = world.service("Bailleur", ServiceKind.objects.get(code="landlord_team"), world.operator)
    join(world.users["social_worker"], service, Profession.SOCIAL_WORKER)
    api = api_as(world.users["social_worker"])
    created = api.post("/referrals", {**BODY, "needs": ["housing"], "service": service.pk}).json()
    assert created["status"] == "committee"
    r = api.post(f"/referrals/{created['id']}/accept", {"version": created["version"]})
    assert r.status_code == 400 and r.json()["code"] == "committee_required"
    other = referral(service, alias="Locataire 2", needs=["housing"])
    r = api.post(f"/services/{service.pk}/committee-meetings", {
        "held_on": str(timezone.localdate()), "attendees": "Bailleur, CMP, CCAS, équipe mobile",
        "decisions": [
            {"referral": created["id"], "version": created["version"], "decision": "accept",
             "strategy": "Visite à domicile avec l'infirmière du CMP"},
            {"referral": other.pk, "version": 1, "decision": "wait", "strategy": "Revoir en juin"}]})
    assert r.status_code == 201, r.content
    accepted = Referral.objects.get(pk=created["id"])
    assert accepted.status == Status.ACCEPTED and accepted.committee_strategy.startswith("Visite")
    assert accepted.committee_meeting.attendees.startswith("Bailleur")
    other.refresh_from_db()
    assert other.status == Status.WAITING and other.committee_meeting_id == accepted.committee_meeting_id


def test_committee_meeting_without_attendees_is_refused(world):
    service = world.service("Bailleur", ServiceKind.objects.get(code="landlord_team"), world.operator)
    join(world.users["social_worker"], service, Profession.SOCIAL_WORKER)
    with pytest.raises(DomainError):
        services.record_committee_meeting(world.users["social_worker"], service, held_on=timezone.localdate(),
                                          attendees="  ")


# The access change: an open referral shows its person to the addressed team ----------------------

def test_an_open_referral_for_a_person_shows_that_person_to_the_addressed_team_only_while_open(world):
    outsider = world.outsider  # doctor of service B, which does not follow world.person
    assert not access.visible_persons(outsider).filter(pk=world.person.pk).exists()
    ref = referral(world.service_b, person=world.person)
    access.forget(outsider)
    assert access.visible_persons(outsider).filter(pk=world.person.pk).exists()
    assert access.compartments_on(outsider, world.person) == {"health", "social", "administrative"}
    assert access.following_services_of(outsider, world.person) == [world.service_b.pk]
    assert not access.visible_persons(world.outsider_head).filter(pk=world.person.pk).exists()  # service C
    services.decline(outsider, ref, ref.version, reason="need_elsewhere")
    assert not access.visible_persons(outsider).filter(pk=world.person.pk).exists()
    assert access.compartments_on(outsider, world.person) == frozenset()


@pytest.mark.parametrize("status,visible", [("pending", True), ("committee", True), ("waiting", True),
                                            ("accepted", False), ("declined", False), ("forwarded", False)])
def test_which_referral_statuses_give_access(world, status, visible):
    referral(world.service_b, person=world.person, status=status)
    assert access.visible_persons(world.outsider).filter(pk=world.person.pk).exists() is visible


def test_a_team_member_links_a_referral_only_to_a_person_they_see(world, api_as):
    api = api_as(world.outsider)
    r = api.post("/referrals", {**BODY, "service": world.service_b.pk, "person": world.person.pk})
    assert r.status_code == 404
    r = api_as(world.users["nurse"]).post("/referrals", {**BODY, "service": world.service_b.pk,
                                                         "person": world.person.pk})
    assert r.status_code == 403  # not a member of service B
    join(world.users["nurse"], world.service_b, Profession.NURSE)
    r = api_as(world.users["nurse"]).post("/referrals", {**BODY, "service": world.service_b.pk,
                                                         "person": world.person.pk})
    assert r.status_code == 201 and r.json()["person"] == world.person.pk
    assert api.get(f"/persons/{world.person.pk}").status_code == 200  # service B now sees her


def test_accept_can_link_to_an_existing_person_instead_of_creating_one(world, api_as):
    ref = referral(world.service_b, alias="Mina")
    join(world.users["nurse"], world.service_b, Profession.NURSE)
    before = Person.objects.count()
    r = api_as(world.users["nurse"]).post(f"/referrals/{ref.pk}/accept", {"version": 1, "person": world.person.pk})
    assert r.status_code == 200, r.content
    assert Person.objects.count() == before
    assert FollowUp.objects.filter(person=world.person, service=world.service_b).exists()


def test_a_forwarded_referral_shows_once_to_the_partner_who_sent_it(world, api_as, client_as):
    partner = world.users["partner"]
    sent = api_as(partner).post("/referrals", {
        "source": "shelter", "service": world.service_a.pk, "first_name": "Paul", "last_name": "Forwardé",
        "needs": ["health"]})
    assert sent.status_code == 201, sent.content
    ref = Referral.objects.get(pk=sent.json()["id"])
    r = api_as(world.users["social_worker"]).post(f"/referrals/{ref.pk}/forward",
                                                   {"version": ref.version, "service": world.service_b.pk})
    assert r.status_code == 200, r.content
    copy = ref.forwards.get()
    listed = api_as(partner).get("/referrals").json()
    assert listed["count"] == 1 and [i["id"] for i in listed["items"]] == [copy.pk]
    assert listed["items"][0]["service"] == world.service_b.pk
    html = client_as(partner).get(reverse("referrals:partner_list")).content.decode()
    assert copy.receipt in html and ref.receipt not in html and html.count('data-testid="sent-who-') == 1  # one row
    # The first referral stays readable by its receipt's id (its status tells it was forwarded).
    assert api_as(partner).get(f"/referrals/{ref.pk}").json()["status"] == "forwarded"
