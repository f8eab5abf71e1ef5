"""The demo path of every follow-up is a valid walk of the cycle graph, dated and consistent."""

import pytest

from aupres.demo.loader import Demo
from aupres.followups import demo as followups_demo
from aupres.followups import services
from aupres.followups.models import FollowUp, Objective

pytestmark = pytest.mark.django_db


def test_demo_paths_follow_the_graph():
    d = Demo(persons=60, seed=7)
    d.territories()
    d.operators_and_services()
    d.users()
    d.persons()
    followups_demo.load(d)
    followups = FollowUp.objects.prefetch_related("transitions")
    assert followups.filter(transitions__isnull=False).distinct().count() > 0.8 * followups.count()
    for f in followups:
        state, last = "intake", f.opened_on
        for t in f.transitions.all():
            assert t.from_state == state and t.to_state in services.TRANSITIONS[state]
            assert last <= t.on <= d.today
            state, last = t.to_state, t.on
        assert f.state == state
        if f.closed_on:
            assert state == "exit" and f.exit_reason and f.exit_destination and f.access_until
        else:
            assert state != "exit"
        if state in ("monitoring", "evaluation"):
            assert services.current_plan(f) is not None
    assert Objective.objects.filter(compartment="health").exists()
    assert Objective.objects.exclude(status="in_progress").exists()
