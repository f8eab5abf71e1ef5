"""The timeline's cost does not grow with the person's history; what it shows follows
access.readable_services; one page at a time. The shared lifecycle rule of orientations and rights."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aupres.core import access
from aupres.core.errors import DomainError
from aupres.encounters import services
from aupres.encounters.models import (
    Orientation,
    OrientationStatusChange,
    RightsApplication,
    RightsStatusChange,
    StatusChange,
)
from aupres.followups.models import FollowUp
from aupres.services.models import Profession

pytestmark = pytest.mark.django_db


def when(days):
    return timezone.now() - datetime.timedelta(days=days)


def meet(world, user, service, days, acts=("wound_care", "social_interview")):
    encounter, _ = services.create_encounter(
        user, service_id=service.pk, occurred_at=when(days), place_kind="street", mode="visit",
        persons=[world.person.pk], acts=[{"kind": k, "details": f"{k}-{service.pk}-{days}"} for k in acts])
    return encounter


def queries_for_timeline(user, person_id, **kwargs):
    access.forget(user)  # as in a new request: memberships are read again
    with CaptureQueriesContext(connection) as ctx:
        person = access.get_visible_person(user, person_id)
        events = services.timeline(user, person, **kwargs)
    return len(ctx.captured_queries), events


def test_the_number_of_queries_does_not_grow_with_encounters_or_services(world):
    nurse = world.users[Profession.NURSE]
    meet(world, nurse, world.service_a, 2)
    services.create_orientation(nurse, access.get_visible_person(nurse, world.person.pk), kind="orientation",
                                target="shelter")
    services.create_rights_application(nurse, access.get_visible_person(nurse, world.person.pk), kind="ame")
    small, events = queries_for_timeline(nurse, world.person.pk)
    assert {e.kind for e in events} >= {"encounter", "orientation", "rights_application", "followup_opened"}

    # Twenty more encounters, two more services following the person, one with its own encounters.
    for days in range(3, 23):
        meet(world, nurse, world.service_a, days)
    FollowUp.objects.create(person=world.person, service=world.service_b, opened_on=datetime.date(2026, 1, 2))
    FollowUp.objects.create(person=world.person, service=world.service_c, opened_on=datetime.date(2026, 1, 3))
    for days in (1, 5, 9):
        meet(world, world.outsider, world.service_b, days, acts=("medical_consultation",))
    large, events = queries_for_timeline(nurse, world.person.pk)
    assert sum(e.kind == "encounter" for e in events) == 21
    assert large == small
    # memberships, grants, the person, then the timeline's own few queries (the last one: the care record's
    # targeted transmissions, for a reader holding health)
    assert large <= 9


def test_a_member_of_two_following_services_costs_no_more_queries(world):
    nurse = world.users[Profession.NURSE]
    meet(world, nurse, world.service_a, 2)
    before, _ = queries_for_timeline(nurse, world.person.pk)
    from aupres.services.models import Membership

    Membership.objects.create(user=nurse, service=world.service_b, profession=Profession.NURSE, etp="0.5",
                              start_date=datetime.date(2025, 1, 1))
    access.forget(nurse)
    FollowUp.objects.create(person=world.person, service=world.service_b, opened_on=datetime.date(2026, 1, 2))
    meet(world, nurse, world.service_b, 1)
    after, events = queries_for_timeline(nurse, world.person.pk)
    assert after == before
    assert {e.service for e in events if e.kind == "encounter"} == {world.service_a, world.service_b}


def test_the_timeline_is_read_by_pages(world):
    nurse = world.users[Profession.NURSE]
    for days in range(1, 8):
        meet(world, nurse, world.service_a, days)
    person = access.get_visible_person(nurse, world.person.pk)
    everything = services.timeline(nurse, person)
    first = services.timeline(nurse, person, limit=3)
    assert first == everything[:3]
    second = services.timeline(nurse, person, limit=3, before=first[-1].at)
    assert second == [e for e in everything if e.at < first[-1].at][:3]
    assert all(e.at < first[-1].at for e in second)


def test_the_api_reads_the_timeline_by_pages(world, api_as):
    nurse = world.users[Profession.NURSE]
    for days in range(1, 6):
        meet(world, nurse, world.service_a, days)
    api = api_as(nurse)
    first = api.get(f"/persons/{world.person.pk}/timeline?limit=2").json()
    assert [e["kind"] for e in first] == ["encounter", "encounter"]
    from urllib.parse import urlencode

    nxt = api.get(f"/persons/{world.person.pk}/timeline?" + urlencode({"limit": 2, "before": first[-1]["at"]})).json()
    assert len(nxt) == 2 and nxt[0]["at"] < first[-1]["at"]
    assert api.get(f"/persons/{world.person.pk}/timeline?limit=0").status_code in (400, 422)


def test_content_follows_readable_services(world, monkeypatch):
    """A service in readable_services (e.g. through the person's consent) shows its content in the
    compartments given there, and only those; one that is not stays "followed by"."""
    nurse = world.users[Profession.NURSE]
    FollowUp.objects.create(person=world.person, service=world.service_b, opened_on=datetime.date(2026, 1, 2))
    FollowUp.objects.create(person=world.person, service=world.service_c, opened_on=datetime.date(2026, 1, 3))
    meet(world, world.outsider, world.service_b, 1, acts=("medical_consultation", "social_interview"))
    original = access.readable_services

    def with_consent(user, person):
        readable = original(user, person)
        readable[world.service_b.pk] = frozenset({"social"})
        return readable

    monkeypatch.setattr(access, "readable_services", with_consent)
    events = services.timeline(nurse, access.get_visible_person(nurse, world.person.pk))
    from_b = [e for e in events if e.service == world.service_b]
    assert {e.kind for e in from_b} == {"encounter", "followup_opened"}
    assert [a.kind for e in from_b for a in e.acts] == ["social_interview"]  # not the medical one
    assert all(e.own for e in from_b)
    from_c = [e for e in events if e.service == world.service_c]
    assert [(e.kind, e.own, e.acts) for e in from_c] == [("other_service", False, [])]


def test_without_the_social_compartment_a_shared_service_shows_its_acts_alone(world, monkeypatch):
    nurse = world.users[Profession.NURSE]
    FollowUp.objects.create(person=world.person, service=world.service_b, opened_on=datetime.date(2026, 1, 2))
    meet(world, world.outsider, world.service_b, 1, acts=("medical_consultation", "social_interview"))
    original = access.readable_services
    monkeypatch.setattr(access, "readable_services", lambda user, person: {
        **original(user, person), world.service_b.pk: frozenset({"health"})})
    events = services.timeline(nurse, access.get_visible_person(nurse, world.person.pk))
    from_b = [(e.kind, [a.kind for a in e.acts]) for e in events if e.service == world.service_b and e.acts]
    assert from_b == [("act", ["medical_consultation"])]


def test_a_confidential_service_in_no_readable_set_is_never_named(world):
    world.service_b.confidential_location = True
    world.service_b.save()
    FollowUp.objects.create(person=world.person, service=world.service_b, opened_on=datetime.date(2026, 1, 2))
    meet(world, world.outsider, world.service_b, 1)
    nurse = world.users[Profession.NURSE]
    _n, events = queries_for_timeline(nurse, world.person.pk)
    assert world.service_b not in {e.service for e in events}


# The shared lifecycle rule ----------------------------------------------------------------------

def test_both_histories_share_one_abstract_model_and_keep_their_tables():
    assert issubclass(OrientationStatusChange, StatusChange) and issubclass(RightsStatusChange, StatusChange)
    assert OrientationStatusChange._meta.db_table == "encounters_orientationstatuschange"
    assert RightsStatusChange._meta.db_table == "encounters_rightsstatuschange"
    assert OrientationStatusChange._meta.ordering == RightsStatusChange._meta.ordering == ["on", "pk"]


def _orientation(world):
    user = world.users[Profession.SOCIAL_WORKER]
    return user, services.create_orientation(user, access.get_visible_person(user, world.person.pk),
                                             kind="orientation", target="shelter",
                                             sent_on=timezone.localdate() - datetime.timedelta(days=10))


def _application(world):
    user = world.users[Profession.SOCIAL_WORKER]
    return user, services.create_rights_application(user, access.get_visible_person(user, world.person.pk),
                                                    kind="ame", status_on=timezone.localdate()
                                                    - datetime.timedelta(days=10))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offset=st.integers(min_value=-30, max_value=30), which=st.sampled_from(["orientation", "rights"]))
def test_a_status_is_dated_when_it_happened(world, offset, which):
    """Neither in the future nor before the current status, for both lifecycles alike; a refused
    change leaves the record as it was, in the database and in memory."""
    user, record = _orientation(world) if which == "orientation" else _application(world)
    status = "accepted" if which == "orientation" else "filed"
    change = services.change_orientation if which == "orientation" else services.change_rights_application
    on = timezone.localdate() + datetime.timedelta(days=offset)
    before = (record.status, record.status_on, record.version, record.history.count())
    if offset > 0 or offset < -10:
        with pytest.raises(DomainError) as err:
            change(user, record, version=record.version, status=status, on=on)
        assert err.value.field == "on"
        assert err.value.code == ("date_in_future" if offset > 0 else "date_before_current")
        assert (record.status, record.status_on, record.version, record.history.count()) == before
        record.refresh_from_db()
        assert (record.status, record.status_on, record.version) == before[:3]
    else:
        change(user, record, version=record.version, status=status, on=on)
        record.refresh_from_db()
        assert (record.status, record.status_on) == (status, on)
        assert list(record.history.values_list("status", "on"))[-1] == (status, on)


def test_a_right_may_run_and_be_renewed_in_the_future(world):
    user, application = _application(world)
    today = timezone.localdate()
    services.change_rights_application(user, application, version=application.version, status="filed",
                                       on=today)
    application = RightsApplication.objects.get(pk=application.pk)
    application = services.change_rights_application(
        user, application, version=application.version, status="granted", on=today,
        valid_until=today + datetime.timedelta(days=365))
    assert application.renewal_on == today + datetime.timedelta(days=365 - 60)


def test_a_refused_rights_edit_changes_nothing(world):
    user, application = _application(world)
    services.change_rights_application(user, application, version=application.version, status="filed",
                                       on=timezone.localdate())
    application = RightsApplication.objects.get(pk=application.pk)
    snapshot = (application.status, application.valid_until, application.renewal_on, application.version)
    with pytest.raises(DomainError) as err:
        services.change_rights_application(user, application, version=application.version, status="granted",
                                           valid_until=application.filed_on - datetime.timedelta(days=1))
    assert err.value.field == "valid_until"
    assert (application.status, application.valid_until, application.renewal_on, application.version) == snapshot


def test_an_unknown_or_disallowed_status_is_refused_alike(world):
    user, orientation = _orientation(world)
    orientation = services.change_orientation(user, orientation, version=orientation.version, status="refused")
    _user, application = _application(world)  # to do
    for change, record, disallowed in ((services.change_orientation, orientation, "accepted"),
                                       (services.change_rights_application, application, "granted")):
        with pytest.raises(DomainError) as err:
            change(user, record, version=record.version, status="nonsense")
        assert err.value.field == "status"
        with pytest.raises(DomainError) as err:
            change(user, record, version=record.version, status=disallowed)
        assert (err.value.field, err.value.code) == ("status", "invalid_transition")
    assert Orientation.objects.get(pk=orientation.pk).status == "refused"
    assert RightsApplication.objects.get(pk=application.pk).status == "to_do"
