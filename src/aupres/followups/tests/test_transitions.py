"""Every transition of the cycle graph, allowed or refused, with its guards, dates and history."""

import datetime

import pytest
from django.utils import timezone

from aupres.core.errors import Conflict, DomainError, Forbidden, NotFound
from aupres.followups import services
from aupres.followups.models import FollowUpState, FollowUpTransition
from aupres.followups.tests.helpers import followup_of, loaded, put_in_state

pytestmark = pytest.mark.django_db

STATES = FollowUpState.values
ALLOWED = [(a, b) for a in STATES for b in services.TRANSITIONS[a]]
REFUSED = [(a, b) for a in STATES for b in STATES if b not in services.TRANSITIONS[a]]
EXIT = {"exit_reason": "oriented", "exit_destination": "lhss"}


def test_the_graph_is_the_cycle_of_the_issue():
    assert set(ALLOWED) == {
        ("intake", "assessment"), ("assessment", "plan"), ("plan", "monitoring"),
        ("monitoring", "evaluation"), ("evaluation", "monitoring"),
        ("plan", "assessment"), ("monitoring", "assessment"), ("evaluation", "assessment"),
        *((s, "exit") for s in STATES if s != "exit"),
    }
    assert services.TRANSITIONS["exit"] == ()


@pytest.mark.parametrize(("from_state", "to_state"), ALLOWED)
def test_each_allowed_transition_is_dated_attributed_and_recorded(world, from_state, to_state):
    user = world.users["nurse"]
    f = put_in_state(followup_of(world), from_state, with_assessment=True, with_objective=True)
    f = loaded(world, user, f)
    on = timezone.localdate() - datetime.timedelta(days=1)
    extra = EXIT if to_state == "exit" else {}
    services.transition(user, f, to_state, f.version, on=on, note="ok", **extra)
    f.refresh_from_db()
    assert f.state == to_state
    t = FollowUpTransition.objects.get(followup=f)
    assert (t.from_state, t.to_state, t.on, t.by, t.note) == (from_state, to_state, on, user, "ok")
    if to_state == "exit":
        assert f.closed_on == on
        assert f.access_until == on + datetime.timedelta(days=world.service_a.access_after_exit_days)
        assert (f.exit_reason, f.exit_destination) == ("oriented", "lhss")
    else:
        assert f.closed_on is None


@pytest.mark.parametrize(("from_state", "to_state"), [r for r in REFUSED if r[0] != "exit"])
def test_each_other_transition_is_refused(world, from_state, to_state):
    user = world.users["nurse"]
    f = loaded(world, user, put_in_state(followup_of(world), from_state, with_assessment=True,
                                         with_objective=True))
    with pytest.raises(DomainError) as error:
        services.transition(user, f, to_state, f.version, **EXIT)
    assert error.value.code == "transition_not_allowed"
    f.refresh_from_db()
    assert f.state == from_state and not f.transitions.exists()


def test_an_exited_followup_is_final(world):
    user = world.users["nurse"]
    f = loaded(world, user)
    services.transition(user, f, "exit", f.version, **EXIT)
    for state in STATES:
        with pytest.raises(DomainError) as error:
            services.transition(user, f, state, f.version)
        assert error.value.code == "followup_closed"


@pytest.mark.parametrize("missing", ["exit_reason", "exit_destination"])
def test_exit_requires_reason_and_destination(world, missing):
    user = world.users["social_worker"]
    f = loaded(world, user)
    values = {**EXIT, missing: ""}
    with pytest.raises(DomainError) as error:
        services.transition(user, f, "exit", f.version, **values)
    assert error.value.field == missing
    f.refresh_from_db()
    assert f.closed_on is None and f.state == "intake"


def test_plan_needs_an_assessment_and_monitoring_needs_an_objective(world):
    user = world.users["social_worker"]
    f = loaded(world, user, put_in_state(followup_of(world), "assessment"))
    with pytest.raises(DomainError) as error:
        services.transition(user, f, "plan", f.version)
    assert error.value.code == "assessment_required"
    services.record_assessment(user, f, assessed_on=timezone.localdate(), items={"housing": ("severe", "")})
    services.transition(user, f, "plan", f.version)
    with pytest.raises(DomainError) as error:
        services.transition(user, f, "monitoring", f.version)
    assert error.value.code == "objective_required"


def test_a_health_check_also_opens_the_way_to_the_plan(world):
    nurse = world.users["nurse"]
    f = loaded(world, nurse, put_in_state(followup_of(world), "assessment"))
    services.record_health_check(nurse, f, done_on=timezone.localdate(), reasons="toux")
    services.transition(nurse, f, "plan", f.version)
    assert f.state == "plan"


def test_dates_must_be_plausible(world):
    user = world.users["nurse"]
    f = loaded(world, user)
    with pytest.raises(DomainError) as error:
        services.transition(user, f, "assessment", f.version, on=timezone.localdate() + datetime.timedelta(days=1))
    assert error.value.code == "date_in_future"
    with pytest.raises(DomainError) as error:
        services.transition(user, f, "assessment", f.version, on=f.opened_on - datetime.timedelta(days=1))
    assert error.value.code == "date_before_opening"
    FollowUpTransition.objects.create(followup=f, from_state="intake", to_state="intake",
                                      on=timezone.localdate() - datetime.timedelta(days=2))
    with pytest.raises(DomainError) as error:
        services.transition(user, f, "assessment", f.version, on=timezone.localdate() - datetime.timedelta(days=3))
    assert error.value.code == "date_before_previous"


def test_a_stale_version_is_refused_and_nothing_is_recorded(world):
    user = world.users["nurse"]
    f = loaded(world, user)
    with pytest.raises(Conflict):
        services.transition(user, f, "assessment", f.version - 1)
    f.refresh_from_db()
    assert f.state == "intake" and not f.transitions.exists()


def test_head_of_service_may_change_the_state(world):
    head = world.users["head_of_service"]
    f = loaded(world, head)
    services.transition(head, f, "assessment", f.version)
    assert f.state == "assessment"


def test_other_teams_and_outside_accounts_do_not_see_the_followup(world):
    f = followup_of(world)
    for user in (world.outsider, world.outsider_head, world.users["partner"], world.users["funder"],
                 world.users["regulator"]):
        with pytest.raises(NotFound):
            services.get_followup(user, f.pk)


def test_a_member_without_the_administrative_compartment_cannot_change_state(world):
    f = loaded(world, world.users["nurse"])
    f.compartments = frozenset({"health"})
    with pytest.raises(Forbidden):
        services.transition(world.users["nurse"], f, "assessment", f.version)


def test_lightening(world):
    user = world.users["social_worker"]
    f = loaded(world, user)
    with pytest.raises(DomainError) as error:
        services.lighten(user, f, f.version)
    assert error.value.code == "not_lightenable"
    f = loaded(world, user, put_in_state(f, "monitoring"))
    services.lighten(user, f, f.version, on=timezone.localdate())
    f.refresh_from_db()
    assert f.lightened_on == timezone.localdate()
    services.lighten(user, f, f.version, lightened=False)
    f.refresh_from_db()
    assert f.lightened_on is None


def test_full_cycle_with_reassessment(world):
    """intake → assessment → plan → monitoring → evaluation → assessment → plan → … → exit."""
    user = world.users["doctor"]
    f = loaded(world, user)
    today = timezone.localdate()
    services.transition(user, f, "assessment", f.version)
    services.record_assessment(user, f, assessed_on=today, items={"somatic": ("moderate", "plaie")})
    services.transition(user, f, "plan", f.version)
    services.record_plan(user, f, agreed_on=today, review_due_on=today + datetime.timedelta(days=90),
                         person_took_part=True)
    services.add_objective(user, f, domain="health_care", title="Soins de plaie", due_on=today)
    services.transition(user, f, "monitoring", f.version)
    services.transition(user, f, "evaluation", f.version)
    services.transition(user, f, "assessment", f.version, note="réévaluation")
    services.transition(user, f, "plan", f.version)
    services.transition(user, f, "monitoring", f.version)
    services.transition(user, f, "exit", f.version, exit_reason="objectives_reached",
                        exit_destination="ordinary_housing")
    assert [t.to_state for t in services.history(f)] == [
        "assessment", "plan", "monitoring", "evaluation", "assessment", "plan", "monitoring", "exit"]
    assert f.closed_on == today
