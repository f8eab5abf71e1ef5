"""Statistical secrecy at its edge (issue #22): 4 persons never leave the team, 5 do — for a cell, a
table's total, a region's Sum row (margins), the previous period shown for comparison, and the mean
follow-up length. The threshold is written here (expectations.SMALLEST_PUBLISHED), not read from the
product."""

import datetime
from types import SimpleNamespace

import pytest

from aupres.core.tests.expectations import SMALLEST_PUBLISHED
from aupres.indicators import disclosure, engine
from aupres.indicators import services as indicators
from aupres.services.models import Service

LAST_HIDDEN, FIRST_SHOWN = SMALLEST_PUBLISHED - 1, SMALLEST_PUBLISHED
CODE = "rights_opened"  # an additive, suppressed table with a total, in no family


@pytest.mark.parametrize(("n", "hidden"), [(0, False), (1, True), (LAST_HIDDEN, True), (FIRST_SHOWN, False)])
def test_a_cell_is_hidden_below_five_and_shown_from_five(n, hidden):
    cells, _total = disclosure.protect_1d({"ame": n, "css": 0, "puma": 20})
    assert ("ame" in cells) is hidden
    if hidden:
        assert cells["ame"] == disclosure.SMALL


@pytest.mark.parametrize(("n", "hidden"), [(LAST_HIDDEN, True), (FIRST_SHOWN, False)])
def test_a_total_is_hidden_below_five_and_shown_from_five(n, hidden):
    _cells, total = disclosure.protect_1d({"ame": n})
    assert (total is not None) is hidden
    masked = disclosure.suppress(disclosure.one_dimensional({"ame": n}))
    assert (("row", "") in masked.hidden) is hidden


@pytest.mark.parametrize(("n", "hidden"), [(LAST_HIDDEN, True), (FIRST_SHOWN, False)])
def test_suppress_hides_a_grid_cell_and_margin_at_the_edge(n, hidden):
    grid = disclosure.Grid(rows=["r1", "r2"], cols=["c1", "c2"],
                           cells={("r1", "c1"): n, ("r1", "c2"): 30, ("r2", "c1"): 40, ("r2", "c2"): 50},
                           row_totals={"r1": n + 30, "r2": 90}, col_totals={"c1": n + 40, "c2": 80},
                           grand=n + 170)
    masked = disclosure.suppress(grid)
    assert (masked.hidden.get(("cell", "r1", "c1")) == disclosure.SMALL) is hidden
    assert not disclosure.derivable(grid, masked.hidden)


@pytest.mark.parametrize(("n", "hidden"), [(LAST_HIDDEN, True), (FIRST_SHOWN, False)])
def test_new_margins_of_a_side_by_side_table_are_hidden_below_five(n, hidden):
    grid = disclosure.Grid(rows=["a", "b"], cols=["x", "y"], cells={("a", "x"): n, ("b", "x"): 0,
                                                                   ("a", "y"): 10, ("b", "y"): 10},
                           col_totals={"x": n, "y": 20}, grand=n + 20)
    prehidden = {("cell", "a", "x"): disclosure.SMALL} if n < FIRST_SHOWN else {}
    masked = disclosure.protect_margins(grid, prehidden)
    assert (("col", "x") in masked.hidden) is hidden


def _row(key, values):
    """A submitted service as the regional view reads it: exact figures and its own published table."""
    published = indicators.publish_one(CODE, values)
    return (key, key, SimpleNamespace(exact={CODE: values}), {CODE: published})


@pytest.mark.parametrize(("a", "b", "sum_hidden"), [(2, 2, True), (0, LAST_HIDDEN, True), (0, FIRST_SHOWN, False),
                                                    (FIRST_SHOWN, FIRST_SHOWN, False)])
def test_the_regional_sum_row_hides_what_a_service_hides(a, b, sum_hidden):
    keys = ["ame", "puma"]
    rows = [_row("s1", {"ame": a, "puma": 20}), _row("s2", {"ame": b, "puma": 30})]
    table = indicators._matrix(CODE, engine.REGISTRY[CODE], keys, rows)
    region = table["region"]
    assert ("ame" in region["hidden"]) is sum_hidden
    assert (region["values"]["ame"] is None) is sum_hidden
    if not sum_hidden:
        assert region["values"]["ame"] == a + b
    for row, value in zip(table["rows"], (a, b), strict=True):
        assert (row["values"]["ame"] is None) is (0 < value < FIRST_SHOWN)


@pytest.mark.parametrize(("a", "total_hidden"), [(LAST_HIDDEN, True), (FIRST_SHOWN, False)])
def test_the_regional_total_is_hidden_with_a_hidden_service_total(a, total_hidden):
    rows = [_row("s1", {"ame": a, "puma": 0}), _row("s2", {"ame": 0, "puma": 0})]
    region = indicators._matrix(CODE, engine.REGISTRY[CODE], ["ame", "puma"], rows)["region"]
    assert ("__total__" in region["hidden"]) is total_hidden
    assert (region["total"] is None) is total_hidden


@pytest.fixture
def figures(monkeypatch):
    """publish_services on hand-made exact figures: the previous year's and this year's differ."""
    state = {"current": {}, "previous": {}, "closed": (0, None)}
    this_year = datetime.date.today().year - 1

    def compute_all(services, period, codes=None):
        which = "current" if period.start.year == this_year else "previous"
        return {CODE: dict(state[which])}

    monkeypatch.setattr(engine, "compute_all", compute_all)
    monkeypatch.setattr(engine, "compute", lambda code, services, period: {"all": 100})
    monkeypatch.setattr(engine, "mean_followup_days", lambda services, period: state["closed"])
    state["period"] = engine.Period.year(this_year)
    return state


@pytest.mark.django_db
@pytest.mark.parametrize(("n", "hidden"), [(LAST_HIDDEN, True), (FIRST_SHOWN, False)])
def test_the_previous_period_is_disclosure_controlled_too(world, figures, n, hidden):
    figures["current"] = {"ame": 50, "puma": 50}
    figures["previous"] = {"ame": n, "css": 0, "puma": 20}
    out = indicators.publish_services(Service.objects.filter(pk=world.service_a.pk), "A", figures["period"],
                                      codes=[CODE])
    previous = out["tables"][0]["previous"]
    assert ("ame" in previous["hidden"]) is hidden
    assert (previous["values"]["ame"] is None) is hidden
    if not hidden:
        assert previous["values"]["ame"] == n


@pytest.mark.django_db
@pytest.mark.parametrize(("closed", "shown"), [(0, False), (1, False), (LAST_HIDDEN, False), (FIRST_SHOWN, True),
                                               (FIRST_SHOWN + 1, True)])
def test_the_mean_follow_up_length_needs_five_follow_ups(world, figures, closed, shown):
    figures["current"] = figures["previous"] = {"ame": 50}
    figures["closed"] = (closed, 42.5 if closed else None)
    out = indicators.publish_services(Service.objects.filter(pk=world.service_a.pk), "A", figures["period"],
                                      codes=[CODE])
    assert out["extra"]["mean_followup_days"] == (42.5 if shown else None)
