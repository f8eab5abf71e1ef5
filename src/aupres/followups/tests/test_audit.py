"""Follow-ups record reads and changes of the person followed, with the compartments really shown."""

import pytest

from aupres.audit.models import AccessEvent
from aupres.followups.models import HealthCheck
from aupres.followups.tests.helpers import followup_of

pytestmark = pytest.mark.django_db


def events(**filters):
    return list(AccessEvent.objects.filter(**filters).order_by("pk"))


def test_reading_a_followup_is_recorded(world, api_as, client_as):
    f = followup_of(world)
    assert api_as(world.users["doctor"]).get(f"/followups/{f.pk}").status_code == 200
    [event] = events(action="read")
    assert (event.person_id, event.service_id, event.channel) == (world.person.pk, world.service_a.pk, "api")
    assert event.compartment_list == ["administrative"]
    assert client_as(world.users["doctor"]).get(f"/suivis/{f.pk}/").status_code == 200
    screen = events(action="read")[-1]
    assert (screen.channel, screen.route) == ("screen", "followups:detail")
    assert screen.compartment_list == ["identity", "administrative"]  # nothing else recorded yet


def test_the_screen_records_the_compartments_shown(world, client_as):
    f = followup_of(world)
    HealthCheck.objects.create(followup=f, done_on=f.opened_on)
    client_as(world.users["doctor"]).get(f"/suivis/{f.pk}/")
    [event] = events(action="read")
    assert event.compartment_list == ["identity", "administrative", "health"]


def test_health_checks_read_is_recorded_in_the_health_compartment(world, api_as):
    f = followup_of(world)
    assert api_as(world.users["doctor"]).get(f"/followups/{f.pk}/health-checks").status_code == 200
    [event] = events(action="read")
    assert (event.person_id, event.compartment_list) == (world.person.pk, ["health"])


def test_a_list_records_every_person_listed(world, api_as):
    assert api_as(world.users["doctor"]).get("/followups").status_code == 200
    [event] = events(action="list")
    assert (event.person_id, event.channel, event.route) == (world.person.pk, "api", "api:list_followups")
    assert event.compartment_list == ["identity", "administrative"]


def test_a_transition_is_recorded_as_a_change(world, api_as):
    f = followup_of(world)
    r = api_as(world.users["doctor"]).post(f"/followups/{f.pk}/transition",
                                           {"to_state": "assessment", "version": f.version})
    assert r.status_code == 200
    [event] = events(action="update")
    assert (event.person_id, event.channel, event.compartment_list) == (world.person.pk, "api", ["administrative"])


def test_refused_access_records_nothing(world, api_as, client_as):
    f = followup_of(world)
    assert api_as(world.outsider).get(f"/followups/{f.pk}").status_code == 404
    assert client_as(world.outsider).get(f"/suivis/{f.pk}/").status_code == 404
    assert api_as(world.users["head_of_service"]).get(f"/followups/{f.pk}/health-checks").status_code == 403
    assert not AccessEvent.objects.exists()
