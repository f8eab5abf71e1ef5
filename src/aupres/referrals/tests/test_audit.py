"""Referrals record the reads and changes of the person a referral names (issue #6), without content."""

import pytest

from aupres.audit.models import AccessEvent
from aupres.referrals.tests.helpers import referral

pytestmark = pytest.mark.django_db


def events(**filters):
    return list(AccessEvent.objects.filter(**filters).order_by("pk"))


def test_reading_a_referral_naming_a_person_is_recorded(world, api_as, client_as):
    r = referral(world.service_a, person=world.person)
    assert api_as(world.users["doctor"]).get(f"/referrals/{r.pk}").status_code == 200
    [event] = events(action="read")
    assert (event.person_id, event.service_id, event.channel) == (world.person.pk, world.service_a.pk, "api")
    assert event.compartment_list == ["identity", "administrative", "social", "health"]
    assert client_as(world.users["doctor"]).get(f"/orientations/{r.pk}/").status_code == 200
    [_api, screen] = events(action="read")
    assert (screen.person_id, screen.channel, screen.route) == (world.person.pk, "screen", "referrals:detail")


def test_lists_record_the_persons_named(world, api_as, client_as):
    referral(world.service_a, person=world.person)
    referral(world.service_a, alias="Sans fiche")  # names no person record: nothing to record
    assert api_as(world.users["doctor"]).get("/referrals").status_code == 200
    [event] = events(action="list")
    assert (event.person_id, event.channel, event.route) == (world.person.pk, "api", "api:list_referrals")
    assert client_as(world.users["doctor"]).get("/orientations/boite/").status_code == 200
    assert [(e.person_id, e.channel) for e in events(action="list")] == [
        (world.person.pk, "api"), (world.person.pk, "screen")]
    assert events(action="list")[-1].compartment_list == ["identity"]


def test_a_decision_is_recorded_as_a_change(world, api_as):
    r = referral(world.service_a, person=world.person)
    response = api_as(world.users["doctor"]).post(f"/referrals/{r.pk}/decline",
                                                  {"version": r.version, "reason": "no_capacity"})
    assert response.status_code == 200
    [event] = events(action="update")
    assert (event.person_id, event.channel, event.compartment_list) == (world.person.pk, "api", ["identity"])
    assert not events(action="read")


def test_accepting_creates_the_person_and_records_it(world, api_as):
    r = referral(world.service_a, alias="Nouveau")
    assert api_as(world.users["doctor"]).post(f"/referrals/{r.pk}/accept", {"version": r.version}).status_code == 200
    r.refresh_from_db()
    [event] = events(action="create")
    assert event.person_id == r.person_id
    assert event.compartment_list == ["identity", "administrative", "social"]


def test_refused_access_records_nothing(world, api_as, client_as):
    r = referral(world.service_a, person=world.person)
    assert api_as(world.outsider).get(f"/referrals/{r.pk}").status_code == 404
    assert client_as(world.outsider).get(f"/orientations/{r.pk}/").status_code == 404
    assert api_as(world.outsider).post(f"/referrals/{r.pk}/decline",
                                       {"version": r.version, "reason": "no_capacity"}).status_code == 404
    assert not AccessEvent.objects.exists()
