"""Issue #11 point 1: nobody grants themselves (or anyone, without the right) access to health data.

The attack of the outside test: a head of service (no health profession) adds himself to a service as
`doctor`, or turns his own membership into `doctor`, and reads medical profiles at once."""

import datetime

import pytest
from django.core import mail

from aupres.core import access
from aupres.core.models import Compartment
from aupres.services.models import Membership

pytestmark = pytest.mark.django_db

VALID_RPPS = "10003380671"  # Luhn key 1
TODAY = datetime.date.today().isoformat()


def _health_read(world, user):
    """What the attacker wanted: the medical profile of the person followed by service A."""
    access.forget(user)
    return Compartment.HEALTH in access.compartments_on(user, world.person)


@pytest.fixture
def lead(world):
    """The doctor of service A holds the operator's medical responsibility."""
    doctor = world.users["doctor"]
    doctor.rpps = VALID_RPPS
    doctor.save()
    world.operator.medical_lead = doctor
    world.operator.save()
    return doctor


def test_a_head_cannot_add_himself_as_doctor(world, api_as):
    head = world.users["head_of_service"]
    r = api_as(head).post(f"/services/{world.service_a.pk}/memberships", {
        "user": head.pk, "profession": "doctor", "etp": "0.1", "start_date": TODAY, "rpps": VALID_RPPS})
    assert r.status_code == 403, r.content
    assert r.json()["code"] == "self_grant"
    assert not Membership.objects.filter(user=head, profession="doctor").exists()
    assert not _health_read(world, head)


def test_a_head_cannot_turn_his_own_membership_into_doctor(world, api_as):
    head = world.users["head_of_service"]
    mine = Membership.objects.get(user=head, service=world.service_a)
    r = api_as(head).patch(f"/memberships/{mine.pk}", {"version": mine.version, "profession": "doctor"})
    assert r.status_code == 403, r.content
    mine.refresh_from_db()
    assert mine.profession == "head_of_service"
    assert not _health_read(world, head)


def test_a_head_cannot_give_a_health_profession_to_someone_else(world, api_as):
    head, accomplice = world.users["head_of_service"], world.users["social_worker"]
    accomplice.rpps = VALID_RPPS
    accomplice.save()
    r = api_as(head).post(f"/services/{world.service_b.pk}/memberships", {
        "user": accomplice.pk, "profession": "nurse", "etp": "0.1", "start_date": TODAY})
    assert r.status_code == 403 and r.json()["code"] == "health_grant_forbidden", r.content
    mine = Membership.objects.get(user=accomplice, service=world.service_a)
    r = api_as(head).patch(f"/memberships/{mine.pk}", {"version": mine.version, "profession": "doctor"})
    assert r.status_code == 403
    assert not _health_read(world, accomplice)


def test_a_head_cannot_add_himself_on_screen(world, client_as):
    head = world.users["head_of_service"]
    r = client_as(head).post(f"/configuration/dispositifs/{world.service_b.pk}/equipe/ajouter/", {
        "user": head.pk, "profession": "doctor", "etp": "0.1", "start_date": TODAY})
    assert r.status_code == 200 and r.context["form"].errors
    assert not Membership.objects.filter(user=head, service=world.service_b).exists()


def test_the_medical_lead_grants_health_with_a_checked_rpps(world, api_as, lead):
    newcomer = world.user("newcomer")
    api = api_as(lead)
    base = {"user": newcomer.pk, "profession": "nurse", "etp": "0.5", "start_date": TODAY}
    r = api.post(f"/services/{world.service_b.pk}/memberships", base)
    assert r.status_code == 400 and r.json()["field"] == "rpps", r.content
    r = api.post(f"/services/{world.service_b.pk}/memberships", {**base, "rpps": "10003380672"})  # wrong key
    assert r.status_code == 400 and r.json()["field"] == "rpps"
    r = api.post(f"/services/{world.service_b.pk}/memberships", {**base, "adeli": "59ABC"})
    assert r.status_code == 400 and r.json()["field"] == "adeli"
    assert not Membership.objects.filter(user=newcomer).exists()
    r = api.post(f"/services/{world.service_b.pk}/memberships", {**base, "adeli": "596012345"})
    assert r.status_code == 201, r.content
    newcomer.refresh_from_db()
    assert newcomer.adeli == "596012345"
    assert Compartment.HEALTH in access.compartments_by_service(newcomer)[world.service_b.pk]


def test_the_medical_lead_cannot_grant_himself_nor_other_professions(world, api_as, lead):
    r = api_as(lead).post(f"/services/{world.service_b.pk}/memberships", {
        "user": lead.pk, "profession": "doctor", "etp": "0.1", "start_date": TODAY})
    assert r.status_code == 403
    r = api_as(lead).post(f"/services/{world.service_b.pk}/memberships", {
        "user": world.users["nurse"].pk, "profession": "head_of_service", "etp": "0.1", "start_date": TODAY})
    assert r.status_code == 403  # the other professions stay the heads' call
    # A medical lead who is no longer a health professional of the operator grants nothing.
    Membership.objects.filter(user=lead).update(profession="social_worker")
    r = api_as(lead).post(f"/services/{world.service_b.pk}/memberships", {
        "user": world.users["nurse"].pk, "profession": "nurse", "etp": "0.1", "start_date": TODAY})
    assert r.status_code == 404


def test_every_change_is_journaled_and_notified_before_it_starts(world, api_as, client_as, lead, settings):
    from aupres.audit.models import MembershipEvent

    heads = [world.users["head_of_service"]]
    for head in heads:
        head.email = f"{head.username}@example.org"
        head.save()
    world.outsider_head.email = "other-operator@example.org"
    world.outsider_head.save()
    newcomer = world.user("newcomer")
    newcomer.first_name, newcomer.last_name = "Zoé", "Secretname"
    newcomer.save()
    r = api_as(lead).post(f"/services/{world.service_b.pk}/memberships", {
        "user": newcomer.pk, "profession": "nurse", "etp": "0.5", "start_date": TODAY, "rpps": VALID_RPPS})
    assert r.status_code == 201, r.content
    membership = Membership.objects.get(pk=r.json()["id"])
    event = MembershipEvent.objects.get(membership_id=membership.pk)
    assert (event.user_id, event.member_id, event.action, event.opens_health) == (lead.pk, newcomer.pk,
                                                                                    "create", True)
    assert event.before == {} and event.after["profession"] == "nurse"
    # Notified (one message per head of the operator, none to another operator's head), no personal content.
    assert [m.to for m in mail.outbox] == [["head_of_service@example.org"]]
    assert "Secretname" not in mail.outbox[0].body and "Zoé" not in mail.outbox[0].body
    assert event.heads_notified == 1 and event.mails_sent == 1
    # It started only once journaled and notified.
    assert membership.notified_at is not None and membership.notified_at >= event.at

    # Changed, then ended, by the head of service: before/after kept.
    head_api = api_as(world.users["head_of_service"])
    r = head_api.patch(f"/memberships/{membership.pk}", {"version": membership.version, "etp": "0.8"})
    assert r.status_code == 200, r.content
    r = head_api.patch(f"/memberships/{membership.pk}", {"version": r.json()["version"], "end_date": TODAY})
    assert r.status_code == 200, r.content
    change, end = MembershipEvent.objects.filter(membership_id=membership.pk).order_by("pk")[1:]
    assert change.action == "update" and (change.before["etp"], change.after["etp"]) == ("0.50", "0.80")
    assert end.action == "end" and (end.before["end_date"], end.after["end_date"]) == (None, TODAY)

    # On the journal screen and in the API of the operator's heads; not for another operator's head.
    page = client_as(world.users["head_of_service"]).get("/journal/")
    assert page.status_code == 200
    assert page.content.decode().count("newcomer") >= 3 or page.content.decode().count("Zoé") >= 3
    r = head_api.get("/audit/memberships")
    assert r.status_code == 200 and r.json()["count"] == 3
    r = api_as(world.outsider_head).get("/audit/memberships")
    assert r.status_code == 200 and r.json()["count"] == 0


def test_a_membership_not_notified_gives_no_access(world, monkeypatch, api_as, lead):
    """The grant and its notification are one: if notifying fails, nothing was granted."""
    from aupres.audit import services as audit_services

    def broken(*args, **kwargs):
        raise RuntimeError("mail server down and journal unreachable")

    monkeypatch.setattr(audit_services, "record_membership_change", broken)
    newcomer = world.user("newcomer")
    with pytest.raises(RuntimeError):
        api_as(lead).post(f"/services/{world.service_b.pk}/memberships", {
            "user": newcomer.pk, "profession": "nurse", "etp": "0.5", "start_date": TODAY, "rpps": VALID_RPPS})
    assert not Membership.objects.filter(user=newcomer).exists()
    # A membership still waiting for its notification (written by hand) is not active.
    pending = Membership.objects.create(user=newcomer, service=world.service_b, profession="nurse",
                                        etp="0.5", start_date=datetime.date(2025, 1, 1), notified_at=None)
    assert not Membership.objects.active().filter(pk=pending.pk).exists()
    access.forget(newcomer)
    assert access.compartments_by_service(newcomer) == {}
