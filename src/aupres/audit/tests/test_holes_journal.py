"""Issue #11 point 4: routes that read a person's data without a trace, or under another route's name."""

import pytest
from django.utils import timezone

from aupres.audit.models import AccessEvent
from aupres.referrals.tests.helpers import referral

pytestmark = pytest.mark.django_db


def routes(user):
    return [e.route for e in AccessEvent.objects.filter(user=user).order_by("pk")]


def test_reading_the_rectification_history_is_journaled(world, api_as):
    doctor = world.users["doctor"]
    assert api_as(doctor).get(f"/persons/{world.person.pk}/rectifications").status_code == 200
    [event] = AccessEvent.objects.concerning(world.person.pk).filter(user=doctor)
    assert (event.action, event.channel, event.route) == ("read", "api", "api:person_rectifications")


def test_reading_who_consulted_a_record_is_journaled(world, api_as):
    doctor = world.users["doctor"]
    assert api_as(doctor).get(f"/persons/{world.person.pk}/accesses").status_code == 200
    assert routes(doctor) == ["api:person_accesses"]


def test_duplicate_candidates_of_a_referral_are_journaled(world, api_as):
    doctor = world.users["doctor"]
    r = referral(world.service_a, person=world.person, alias="Personne d'autre")
    assert api_as(doctor).get(f"/referrals/{r.pk}/candidates").status_code == 200
    events = AccessEvent.objects.concerning(world.person.pk).filter(user=doctor, route="api:referral_candidates")
    assert events.exists()


def test_listing_a_persons_encounters_is_journaled_under_its_own_route(world, api_as):
    worker = world.users["social_worker"]
    api = api_as(worker)
    r = api.post("/encounters", {"service": world.service_a.pk, "occurred_at": timezone.now().isoformat(),
                                 "place_kind": "street", "mode": "street_round", "persons": [world.person.pk]})
    assert r.status_code == 201, r.content
    assert api.get(f"/encounters?person={world.person.pk}").status_code == 200
    created, listed = AccessEvent.objects.filter(user=worker).order_by("pk")
    assert (created.action, created.route) == ("create", "api:create_encounter")
    assert (listed.action, listed.route) == ("list", "api:list_encounters")
