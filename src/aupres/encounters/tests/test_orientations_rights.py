"""Orientations, admission requests, rights applications (lifecycles, compartments, renewal alert)."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aupres.core import access
from aupres.core.errors import Conflict, DomainError, Forbidden, NotFound
from aupres.encounters import services
from aupres.encounters.models import (
    ORIENTATION_TRANSITIONS,
    RENEWAL_ALERT_DAYS,
    RIGHTS_TRANSITIONS,
    TARGET_COMPARTMENT,
    OrientationTarget,
    RightsStatus,
)
from aupres.persons.models import RightStatus
from aupres.services.models import Profession

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def person_for(user, world):
    return access.get_visible_person(user, world.person.pk)


def orient(world, user=None, target="shelter", kind="orientation", **kw):
    user = user or world.users[Profession.SOCIAL_WORKER]
    return services.create_orientation(user, person_for(user, world), kind=kind, target=target, **kw)


def apply(world, user=None, kind="ame", **kw):
    user = user or world.users[Profession.SOCIAL_WORKER]
    return services.create_rights_application(user, person_for(user, world), kind=kind, **kw)


# Orientations ---------------------------------------------------------------------------------

def test_target_decides_the_compartment():
    assert set(TARGET_COMPARTMENT) == set(OrientationTarget)
    assert TARGET_COMPARTMENT["lhss"] == "health" and TARGET_COMPARTMENT["psychiatry"] == "health"
    assert TARGET_COMPARTMENT["shelter"] == "social" and TARGET_COMPARTMENT["siao"] == "social"


@pytest.mark.parametrize("profession", list(Profession))
def test_who_reads_which_orientation(world, profession):
    social = orient(world, target="shelter")
    health = orient(world, user=world.users[Profession.DOCTOR], target="lam", kind="admission_request")
    user = world.users[profession]
    comps = services._comps(user, world.service_a.pk)
    seen = set(services.visible_orientations(user).values_list("pk", flat=True))
    assert seen == {o.pk for o in (social, health) if o.compartment in comps}
    assert not services.visible_orientations(world.outsider).exists()


def test_a_social_worker_cannot_request_an_admission_to_a_health_facility(world):
    with pytest.raises(Forbidden) as err:
        orient(world, target="act", kind="admission_request")
    assert err.value.code == "compartment_forbidden"


def test_orientation_lifecycle_is_dated_and_versioned(world):
    user = world.users[Profession.SOCIAL_WORKER]
    o = orient(world, sent_on=TODAY() - datetime.timedelta(days=10))
    o = services.change_orientation(user, o, version=o.version, status="pending",
                                    on=TODAY() - datetime.timedelta(days=8))
    o = services.change_orientation(user, o, version=o.version, status="accepted",
                                    on=TODAY() - datetime.timedelta(days=5))
    o = services.change_orientation(user, o, version=o.version, status="honoured")
    assert [(h.status, h.on) for h in o.history.all()] == [
        ("sent", TODAY() - datetime.timedelta(days=10)), ("pending", TODAY() - datetime.timedelta(days=8)),
        ("accepted", TODAY() - datetime.timedelta(days=5)), ("honoured", TODAY())]
    with pytest.raises(DomainError) as err:
        services.change_orientation(user, o, version=o.version, status="pending")
    assert err.value.code == "invalid_transition"


def test_a_stale_orientation_edit_is_refused(world):
    user = world.users[Profession.SOCIAL_WORKER]
    o = orient(world)
    stale = o.version
    services.change_orientation(user, o, version=o.version, status="pending")
    again = services.get_orientation(user, o.pk)
    with pytest.raises(Conflict):
        services.change_orientation(user, again, version=stale, status="refused")
    again.refresh_from_db()
    assert again.status == "pending"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.lists(st.sampled_from(list(ORIENTATION_TRANSITIONS)), min_size=1, max_size=5))
def test_only_allowed_transitions_happen(world, path):
    user = world.users[Profession.SOCIAL_WORKER]
    o = orient(world)
    for status in path:
        allowed = status in ORIENTATION_TRANSITIONS[o.status] or status == o.status
        before = o.status
        try:
            o = services.change_orientation(user, o, version=o.version, status=status)
        except DomainError:
            assert not allowed
            o.refresh_from_db()
            assert o.status == before
        else:
            assert allowed and o.status == status


# Rights applications --------------------------------------------------------------------------

@pytest.mark.parametrize("profession", list(Profession))
def test_rights_applications_are_administrative(world, profession):
    a = apply(world)
    user = world.users[profession]
    seen = services.visible_rights_applications(user).filter(pk=a.pk).exists()
    assert seen == ("administrative" in services._comps(user, world.service_a.pk))
    assert not services.visible_rights_applications(world.outsider).exists()


def test_rights_lifecycle_and_granted_right_recorded(world):
    user = world.users[Profession.SOCIAL_WORKER]
    a = apply(world, status_on=TODAY() - datetime.timedelta(days=40))
    a = services.change_rights_application(user, a, version=a.version, status="filed",
                                           on=TODAY() - datetime.timedelta(days=30))
    assert a.filed_on == TODAY() - datetime.timedelta(days=30)
    valid = TODAY() + datetime.timedelta(days=365)
    a = services.change_rights_application(user, a, version=a.version, status="granted", valid_until=valid)
    # Without a given renewal date, it is set some weeks before the end of validity.
    assert a.renewal_on == valid - datetime.timedelta(days=60)
    assert RightStatus.objects.filter(person=world.person, kind="health_cover", value="ame",
                                      expires_on=valid).exists()
    with pytest.raises(DomainError) as err:
        services.change_rights_application(user, a, version=a.version, status="to_do")
    assert err.value.code == "invalid_transition"
    assert [h.status for h in a.history.all()] == ["to_do", "filed", "granted"]


def test_every_rights_status_has_its_transitions():
    assert set(RIGHTS_TRANSITIONS) == set(RightsStatus)


@pytest.mark.parametrize(("days", "status", "alert"), [
    (-5, "granted", True),                        # past: renew now
    (0, "granted", True),
    (RENEWAL_ALERT_DAYS, "granted", True),        # within 30 days
    (RENEWAL_ALERT_DAYS + 1, "granted", False),   # not yet
    (10, "to_renew", True),
    (10, "refused", False),                       # no running right to renew
    (10, "abandoned", False),
])
def test_renewal_alert(world, days, status, alert):
    today = TODAY()
    a = apply(world, status="granted", status_on=today - datetime.timedelta(days=200),
              valid_until=today + datetime.timedelta(days=days + 60), renewal_on=today + datetime.timedelta(days=days))
    a.status = status
    a.save()
    assert services.needs_renewal(a) is alert
    alerts = services.renewal_alerts(world.users[Profession.SOCIAL_WORKER])
    assert (a in alerts) is alert
    # Alerts follow the access model: another team never sees them.
    assert not services.renewal_alerts(world.outsider).exists()
    assert not services.renewal_alerts(world.users[Profession.HEAD_OF_SERVICE]).exclude(pk=a.pk).exists()


def test_renewal_alert_moves_with_time(world):
    today = TODAY()
    a = apply(world, status="granted", valid_until=today + datetime.timedelta(days=100))
    assert a.renewal_on == today + datetime.timedelta(days=40)
    assert not services.needs_renewal(a, on=today)
    assert services.needs_renewal(a, on=today + datetime.timedelta(days=10))
    assert a in services.renewal_alerts(world.users[Profession.SOCIAL_WORKER], on=today + datetime.timedelta(days=10))


def test_renewal_date_after_validity_is_refused(world):
    today = TODAY()
    with pytest.raises(DomainError) as err:
        apply(world, status="granted", valid_until=today + datetime.timedelta(days=10),
              renewal_on=today + datetime.timedelta(days=20))
    assert err.value.field == "renewal_on"


def test_a_person_not_followed_cannot_get_an_application(world):
    with pytest.raises(NotFound):
        access.get_visible_person(world.outsider, world.person.pk)


# Collective actions ---------------------------------------------------------------------------

def test_collective_actions_are_read_by_the_service_members_only(world):
    a = services.create_collective_action(world.users[Profession.NURSE], occurred_on=TODAY(), kind="training",
                                          title="Formation hygiène", audience="partner_staff",
                                          participants=12, persons_trained=12)
    for profession in Profession:
        assert services.visible_collective_actions(world.users[profession]).filter(pk=a.pk).exists()
    assert not services.visible_collective_actions(world.outsider).exists()
    assert not services.visible_collective_actions(world.users["partner"]).exists()


def test_collective_action_counts_are_checked(world):
    with pytest.raises(DomainError) as err:
        services.create_collective_action(world.users[Profession.NURSE], occurred_on=TODAY(), kind="training",
                                          title="X", audience="partner_staff", participants=3, persons_trained=5)
    assert err.value.field == "persons_trained"
