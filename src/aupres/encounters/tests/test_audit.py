"""Encounters, orientations, rights applications and the timeline record reads and changes (issue #6)."""

import pytest
from django.utils import timezone

from aupres.audit.models import AccessEvent

pytestmark = pytest.mark.django_db


def events(**filters):
    return list(AccessEvent.objects.filter(**filters).order_by("pk"))


def new_encounter(world, api):
    r = api.post("/encounters", {"service": world.service_a.pk, "occurred_at": timezone.now().isoformat(),
                                 "place_kind": "street", "mode": "street_round", "persons": [world.person.pk]})
    assert r.status_code == 201, r.content
    return r.json()["id"]


def test_recording_an_encounter_is_a_change(world, api_as):
    new_encounter(world, api_as(world.users["social_worker"]))
    [event] = events(action="create")
    assert (event.person_id, event.service_id, event.channel) == (world.person.pk, world.service_a.pk, "api")
    assert event.compartment_list == ["identity", "social"]


def test_reading_and_listing_encounters_are_recorded(world, api_as):
    api = api_as(world.users["social_worker"])
    encounter_id = new_encounter(world, api)
    assert api.get(f"/encounters/{encounter_id}").status_code == 200
    [read] = events(action="read")
    assert (read.person_id, read.route, read.compartment_list) == (
        world.person.pk, "api:read_encounter", ["identity", "social"])
    assert api.get("/encounters").status_code == 200
    [listed] = events(action="list")
    assert (listed.person_id, listed.channel) == (world.person.pk, "api")


def test_rights_applications_record_reads_lists_and_changes(world, api_as, client_as):
    api = api_as(world.users["social_worker"])
    r = api.post("/rights-applications", {"person": world.person.pk, "kind": "ame"})
    assert r.status_code == 201, r.content
    [created] = events(action="create")
    assert (created.person_id, created.compartment_list) == (world.person.pk, ["administrative"])
    app = r.json()
    assert api.patch(f"/rights-applications/{app['id']}", {"version": app["version"], "note": "x"}).status_code == 200
    assert events(action="update")[-1].compartment_list == ["administrative"]
    assert client_as(world.users["social_worker"]).get(f"/activite/droits/{app['id']}/").status_code == 200
    [read] = events(action="read")
    assert (read.channel, read.compartment_list) == ("screen", ["identity", "administrative"])
    assert client_as(world.users["social_worker"]).get("/activite/droits/").status_code == 200
    assert {e.person_id for e in events(action="list")} == {world.person.pk}


def test_the_timeline_read_is_recorded(world, api_as):
    api = api_as(world.users["social_worker"])
    new_encounter(world, api)
    assert api.get(f"/persons/{world.person.pk}/timeline").status_code == 200
    [event] = events(action="read")
    assert (event.person_id, event.route) == (world.person.pk, "api:read_timeline")
    assert "social" in event.compartment_list and "identity" in event.compartment_list


def test_refused_access_records_nothing(world, api_as):
    encounter_id = new_encounter(world, api_as(world.users["social_worker"]))
    before = AccessEvent.objects.count()
    outsider = api_as(world.outsider)
    assert outsider.get(f"/encounters/{encounter_id}").status_code == 404
    assert outsider.get(f"/persons/{world.person.pk}/timeline").status_code == 404
    assert outsider.post("/rights-applications", {"person": world.person.pk, "kind": "ame"}).status_code == 404
    assert AccessEvent.objects.count() == before
