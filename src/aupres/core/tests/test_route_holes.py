"""The three route holes of issue #22, re-created in a URL configuration of the tests (holes_urls.py):
each one makes the route matrix fail."""

import pytest

from . import expectations as want
from . import route_rules as rules
from .test_route_matrix import (
    matrix_world,  # noqa: F401 — a fixture
    planted_world,  # noqa: F401 — a fixture
    route_problems,
    run_api_matrix,
    run_screen_matrix,
    walk_routes,
)

pytestmark = pytest.mark.django_db

HIDDEN = "GET /trous/persons/{person_id}/secret"


@pytest.fixture
def holes(settings):
    settings.ROOT_URLCONF = "aupres.core.tests.holes_urls"


def test_the_product_alone_has_no_hole():
    assert route_problems(walk_routes()) == []


def test_an_unnamed_route_fails_the_matrix(holes):
    problems = route_problems(walk_routes())
    assert "unnamed URL pattern (name it and add a rule): /trou/<int:person_id>/" in problems


def test_an_operation_hidden_from_the_schema_fails_the_matrix(holes):
    routes = walk_routes()
    assert routes[HIDDEN].kind == "api" and routes[HIDDEN].in_schema is False
    problems = route_problems(routes)
    assert f"API operation hidden from the schema without a rule: {HIDDEN}" in problems
    assert "route without an access rule in core/tests/route_rules.py: hole_wrong_rule" in problems


def test_a_hidden_operation_leaks_to_every_role_and_the_matrix_says_so(holes, planted_world):  # noqa: F811
    """Even given a rule, the operation without access check fails: on status and on content."""
    mismatches, _cells = run_api_matrix(planted_world, table={HIDDEN: rules.Rule()})
    leaking = {m.split(" as ")[1].split(":")[0] for m in mismatches if "leaks" in m}
    # world.person's medical profile, to everyone but its health professionals, anonymous included
    assert leaking == set(rules.ROLES) - set(want.HEALTH_READERS)
    assert any(m.endswith("expected denied, got ok (200)") for m in mismatches)


def test_a_copy_pasted_rule_fails_the_matrix_on_content(holes, planted_world, client_as):  # noqa: F811
    """ok=PROFESSIONS on a route that returns the medical profile: the statuses match the rule, the
    content does not: every profession without the health compartment is caught reading it."""
    mismatches, _cells = run_screen_matrix(planted_world, client_as,
                                           table={"hole_wrong_rule": rules.Rule(ok=rules.PROFESSIONS)})
    assert not [m for m in mismatches if "expected" in m]  # the status matrix alone would pass
    leaking = {m.split(" as ")[1].split(":")[0] for m in mismatches if m.startswith("GET") and "leaks" in m}
    assert leaking == {p for p in want.PROFESSIONS if want.HEALTH not in want.READS[p]}
