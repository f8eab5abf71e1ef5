"""Statistical secrecy at its edge (issue #22): 4 persons never leave the team, 5 do — for a cell, a
table's total, a region's Sum row (margins), the previous period shown for comparison, and the mean
follow-up length. The threshold is written here (expectations.SMALLEST_PUBLISHED), not read from the
product."""

import dataclasses
import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from aupres.core.errors import DomainError
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
    state = {"current": {}, "previous": {}, "closed": (0, None), "calls": []}
    this_year = datetime.date.today().year - 1

    def compute_all(services, period, codes=None):
        state["calls"].append(("compute_all", sorted(services.values_list("pk", flat=True)), period, codes))
        which = "current" if period.start.year == this_year else "previous"
        return {CODE: dict(state[which])}

    def mean_followup_days(services, period):
        state["calls"].append(("mean_followup_days", sorted(services.values_list("pk", flat=True)), period))
        return state["closed"]

    monkeypatch.setattr(engine, "compute_all", compute_all)
    monkeypatch.setattr(engine, "compute", lambda code, services, period: {"all": 100})
    monkeypatch.setattr(engine, "mean_followup_days", mean_followup_days)
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


# The grid of publication periods and who reads health figures (mutants of indicators.services) ---------

def _today(monkeypatch, day):
    monkeypatch.setattr(indicators.timezone, "localdate", lambda: day)


def test_a_year_is_published_once_it_is_over_not_on_its_last_day(monkeypatch):
    """D10 / issue #11: one calendar year, once over. On 31 December the year is not over yet."""
    year = engine.Period.year(2026)
    _today(monkeypatch, datetime.date(2026, 12, 31))
    with pytest.raises(DomainError) as refused:
        indicators.publication_period(year)
    assert (refused.value.code, refused.value.field) == ("period_not_over", "to")
    with translation.override("fr"):  # what the screen says, written out
        assert str(refused.value.message) == "Les indicateurs d’une année se publient une fois l’année terminée."
    _today(monkeypatch, datetime.date(2027, 1, 1))
    assert indicators.publication_period(year) == year


@pytest.mark.parametrize(("start", "end"), [
    (datetime.date(2025, 2, 1), datetime.date(2025, 12, 31)),  # a year less one month
    (datetime.date(2025, 1, 1), datetime.date(2025, 12, 30)),  # a year less one day
    (datetime.date(2024, 1, 1), datetime.date(2025, 12, 31)),  # two years
])
def test_only_one_whole_calendar_year_is_on_the_grid(monkeypatch, start, end):
    _today(monkeypatch, datetime.date(2026, 6, 15))
    for year_to_date in (False, True):
        with pytest.raises(DomainError) as refused:
            indicators.publication_period(engine.Period(start, end), year_to_date=year_to_date)
        assert (refused.value.code, refused.value.field) == ("period_not_on_grid", "from")
        with translation.override("fr"):
            assert str(refused.value.message) == ("Les indicateurs se publient par année civile entière "
                                                  "(du 1er janvier au 31 décembre).")


def test_the_year_to_date_is_1_january_to_today_and_only_when_asked(monkeypatch):
    _today(monkeypatch, datetime.date(2026, 6, 15))
    to_date = engine.Period(datetime.date(2026, 1, 1), datetime.date(2026, 6, 15))
    assert indicators.publication_period(to_date, year_to_date=True) == to_date
    with pytest.raises(DomainError):
        indicators.publication_period(to_date)
    for other in (engine.Period(datetime.date(2026, 1, 1), datetime.date(2026, 6, 14)),
                  engine.Period(datetime.date(2026, 1, 2), datetime.date(2026, 6, 15))):
        with pytest.raises(DomainError):
            indicators.publication_period(other, year_to_date=True)


def test_the_comparison_is_the_whole_year_before():
    assert indicators.comparison_period(engine.Period.year(2025)) == engine.Period.year(2024)
    to_date = engine.Period(datetime.date(2026, 1, 1), datetime.date(2026, 6, 15))
    assert indicators.comparison_period(to_date) == engine.Period.year(2025)  # not 1 January–15 June 2025


@pytest.mark.django_db
def test_who_holds_health_on_a_whole_scope(world):
    """Health on EVERY service of the scope (D10): a doctor of A on A, not on A and B; nobody on nothing."""
    only_a = Service.objects.filter(pk=world.service_a.pk)
    a_and_b = Service.objects.filter(pk__in=[world.service_a.pk, world.service_b.pk])
    doctor, social_worker = world.users["doctor"], world.users["social_worker"]
    assert indicators.reader_holds_health(doctor, only_a) is True
    assert indicators.reader_holds_health(doctor, a_and_b) is False
    assert indicators.reader_holds_health(doctor, Service.objects.none()) is False
    assert indicators.reader_holds_health(social_worker, only_a) is False
    assert indicators.reader_holds_health(world.users["head_of_service"], only_a) is False
    assert indicators.reader_holds_health(None, only_a) is False
    assert indicators.reader_holds_health(AnonymousUser(), only_a) is False
    # Authentication is asked first: a reader that says it is not signed in, or says nothing of it, holds
    # nothing, whatever else it claims.
    assert indicators.reader_holds_health(SimpleNamespace(is_authenticated=False, is_superuser=True), a_and_b) is False
    assert indicators.reader_holds_health(SimpleNamespace(is_superuser=True), a_and_b) is False
    social_worker.is_superuser = True
    assert indicators.reader_holds_health(social_worker, a_and_b) is True


# The acts of the health compartment (encounters: ACT_COMPARTMENT), written out.
HEALTH_ACT_KINDS = {"nursing_care", "first_aid", "wound_care", "drug_administration", "health_check", "vaccination",
                    "screening", "medical_consultation", "psychological_interview", "health_education",
                    "care_coordination"}


def test_which_figures_are_health_figures(monkeypatch):
    assert set(indicators.health_withheld("acts_by_kind")) == HEALTH_ACT_KINDS
    assert indicators.health_withheld("health_actions") == ["health_check", "vaccination", "screening"]
    assert indicators.health_withheld(CODE, {"ame": 1}) == []
    assert indicators.health_withheld("caseload", {"all": 3}) == []
    health_figure = dataclasses.replace(engine.REGISTRY[CODE], health=True)
    monkeypatch.setitem(engine.REGISTRY, CODE, health_figure)
    assert indicators.health_withheld(CODE, {"ame": 1, 7: 2}) == ["ame", "7"]


def test_which_figures_are_sums_of_their_services():
    assert indicators.is_sum_of_services(CODE) is True  # events: a scope's count is its services' sum
    assert indicators.is_sum_of_services("collective_participants") is True
    assert indicators.is_sum_of_services("caseload") is False  # a person followed by two services is one
    assert indicators.is_sum_of_services("occupancy") is False  # not disclosure-controlled
    assert indicators.is_sum_of_services("partnerships_signed") is False  # events, not disclosure-controlled
    assert indicators.is_sum_of_services("stay_extensions") is True  # events without a total


def test_a_figure_that_does_not_add_up_is_no_sum_of_services(monkeypatch):
    monkeypatch.setitem(engine.REGISTRY, CODE, dataclasses.replace(engine.REGISTRY[CODE], additive=False))
    assert indicators.is_sum_of_services(CODE) is False


def test_one_table_reads_a_none_as_zero():
    assert indicators.publish_one("staffing_etp", {"doctor": None, "nurse": 1.5}) == {
        "values": {"doctor": None, "nurse": 1.5}, "hidden": {}, "total": 1.5}
    assert indicators.publish_one(CODE, {"ame": None, "puma": 7}) == {
        "values": {"ame": None, "puma": 7}, "hidden": {}, "total": 7}
    assert indicators.publish_one("caseload", {"all": 7}) == {"values": {"all": 7}, "hidden": {}, "total": None}


def test_a_hidden_total_is_read_where_each_table_keeps_it():
    assert indicators._total_hidden("caseload", {"hidden": {"all": disclosure.SMALL}}) is True
    assert indicators._total_hidden("caseload", {"hidden": {"__total__": disclosure.SMALL}}) is False
    assert indicators._total_hidden(CODE, {"hidden": {"__total__": disclosure.WITHHELD}}) is True
    assert indicators._total_hidden(CODE, {"hidden": {"ame": disclosure.SMALL}}) is False


# Coordination of the tables of one scope (publish_tables), worked out by hand ------------------------

S, C, W, R = disclosure.SMALL, disclosure.COMPLEMENTARY, disclosure.WITHHELD, disclosure.RESTRICTED


def test_a_table_alone_and_a_table_without_disclosure_control():
    out = indicators.publish_tables({CODE: {"ame": 3, "puma": 40, "css": 12, "rsa": 0},
                                     "staffing_etp": {"doctor": 0.333, "nurse": 1.5},
                                     "occupancy": {"followed_days": 100, "capacity_days": 300}})
    # 3 alone would be 55 - 52: a zero joins it, then the smallest non-zero cell as a complement
    assert out[CODE] == {"values": {"ame": None, "puma": 40, "css": None, "rsa": None},
                         "hidden": {"ame": S, "rsa": S, "css": C}, "total": 55}
    assert out["staffing_etp"] == {"values": {"doctor": 0.333, "nurse": 1.5}, "hidden": {}, "total": 1.83}
    assert out["occupancy"] == {"values": {"followed_days": 100, "capacity_days": 300}, "hidden": {}, "total": None}


def test_tables_of_one_population_hide_their_shared_total_together():
    # persons_by_sex cannot publish its total (3 + 4, nothing else to hide): nor may the caseload (its
    # only cell) nor persons_by_age, a table of the same persons; rights_opened counts something else
    out = indicators.publish_tables({"caseload": {"all": 7}, "persons_by_sex": {"female": 3, "male": 4},
                                     "persons_by_age": {"18_24": 7}, CODE: {"ame": 7}})
    assert out["persons_by_sex"] == {"values": {"female": None, "male": None}, "hidden": {"female": S, "male": S,
                                                                                        "__total__": W},
                                     "total": None}
    assert out["caseload"] == {"values": {"all": None}, "hidden": {"all": W}, "total": None}
    assert out["persons_by_age"] == {"values": {"18_24": None}, "hidden": {"18_24": W, "__total__": W},
                                     "total": None}
    assert out[CODE] == {"values": {"ame": 7}, "hidden": {}, "total": 7}
    # 30 persons, 10 and 20 of each sex: nothing to hide
    out = indicators.publish_tables({"caseload": {"all": 30}, "persons_by_sex": {"female": 10, "male": 20}})
    assert out["persons_by_sex"]["total"] == 30 and out["caseload"]["values"] == {"all": 30}


def test_a_caseload_under_five_hides_the_totals_of_its_family():
    out = indicators.publish_tables({"caseload": {"all": 4}, "persons_by_sex": {"female": 0, "male": 4}},
                                    health=True)
    assert out["caseload"] == {"values": {"all": None}, "hidden": {"all": S}, "total": None}
    assert out["persons_by_sex"] == {"values": {"female": 0, "male": None}, "hidden": {"male": S, "__total__": S},
                                     "total": None}
    out = indicators.publish_tables({"caseload": {"all": 9}, "persons_by_sex": {"female": 0, "male": 9}})
    assert out["persons_by_sex"] == {"values": {"female": 0, "male": 9}, "hidden": {}, "total": 9}


def _health_tables(caseload):
    return {"caseload": {"all": caseload}, "exits_by_reason": {"death": 10, "oriented": 20},
            "housing_at_entry": {"street": 10, "camp": 20}}


@pytest.mark.parametrize(("caseload", "population", "health", "withheld"), [
    (49, None, False, True), (50, None, False, False), (49, None, True, False), (None, None, False, True),
    (49, 50, False, False), (60, 49, False, True)])
def test_health_figures_reach_health_readers_or_populations_of_fifty(caseload, population, health, withheld):
    out = indicators.publish_tables(_health_tables(caseload), health=health, population=population)
    if withheld:
        assert out["housing_at_entry"] == {"values": {"street": None, "camp": None},
                                           "hidden": {"street": R, "camp": R, "__total__": R}, "total": None}
    else:
        assert out["housing_at_entry"] == {"values": {"street": 10, "camp": 20}, "hidden": {}, "total": 30}
    # a table withheld whole keeps nothing else of its family hidden
    assert out["exits_by_reason"] == {"values": {"death": 10, "oriented": 20}, "hidden": {}, "total": 30}


def test_health_figures_without_a_caseload_are_withheld_from_a_reader_without_health():
    tables = {"housing_at_entry": {"street": 10, "camp": 20}}
    assert indicators.publish_tables(tables, health=False)["housing_at_entry"]["hidden"] == {
        "street": R, "camp": R, "__total__": R}
    assert indicators.publish_tables(tables)["housing_at_entry"]["hidden"] == {}


ACTS = ("nursing_care", "first_aid", "wound_care", "drug_administration", "health_check", "vaccination",
        "screening")


def test_a_cell_counted_in_two_tables_is_hidden_in_both():
    # health_actions hides vaccination as a complement: acts_by_kind, which shows it, hides it too;
    # acts_by_kind then shows screening no more than health_actions does (hidden as a zero there)
    acts = dict.fromkeys(ACTS, 0) | {"nursing_care": 40, "first_aid": 12, "health_check": 3, "vaccination": 20}
    health = {"health_check": 3, "vaccination": 20, "screening": 0}
    out = indicators.publish_tables({"acts_by_kind": acts, "health_actions": health})
    assert out["health_actions"]["hidden"] == {"health_check": S, "screening": S, "vaccination": C}
    assert out["acts_by_kind"]["hidden"] == {"health_check": S, "vaccination": C, "screening": S}
    assert out["acts_by_kind"]["total"] == 75


def test_a_cell_hidden_by_the_acts_is_hidden_in_the_health_actions():
    acts = {"nursing_care": 3, "screening": 0, "health_check": 0, "vaccination": 0, "first_aid": 40}
    health = {"health_check": 0, "vaccination": 0, "screening": 0}
    out = indicators.publish_tables({"acts_by_kind": acts, "health_actions": health})
    assert out["acts_by_kind"]["hidden"] == {"nursing_care": S, "screening": S, "first_aid": C}
    # the forced "< 5" on a table of zeros: its total would pin it to 0, so the total is not published
    assert out["health_actions"] == {"values": {"health_check": 0, "vaccination": 0, "screening": None},
                                     "hidden": {"screening": S, "__total__": W}, "total": None}


def _published(code, values):
    return indicators.publish_one(code, values)


def test_a_sum_of_services_shows_only_what_no_service_hides():
    a = _published(CODE, {"ame": 3, "puma": 10})
    b = _published(CODE, {"ame": 4, "puma": 10, "css": 0})
    assert a == {"values": {"ame": None, "puma": None}, "hidden": {"ame": S, "puma": C}, "total": 13}
    assert b == {"values": {"ame": None, "puma": 10, "css": None}, "hidden": {"ame": S, "css": S}, "total": 14}
    out = indicators.publish_tables({CODE: {"ame": 7, "puma": 20, "css": 0}, "occupancy": {"followed_days": 1}},
                                    parts={CODE: [a, b], "occupancy": [{"hidden": {"followed_days": S}}],
                                           "persons_by_sex": [{"hidden": {"male": S}}]})
    assert out[CODE] == {"values": {"ame": None, "puma": None, "css": None}, "hidden": {"ame": W, "puma": W, "css": W},
                         "total": 27}
    assert out["occupancy"] == {"values": {"followed_days": 1}, "hidden": {}, "total": None}
    c = _published(CODE, {"ame": 5, "puma": 0})
    assert c == {"values": {"ame": 5, "puma": 0}, "hidden": {}, "total": 5}
    out = indicators.publish_tables({CODE: {"ame": 5, "puma": 10}}, parts={CODE: [c, a]})
    assert out[CODE] == {"values": {"ame": None, "puma": None}, "hidden": {"ame": W, "puma": W}, "total": 15}
    # a sum of two totals of which one is hidden is hidden
    d = _published(CODE, {"ame": 1})
    assert d == {"values": {"ame": None}, "hidden": {"ame": S, "__total__": S}, "total": None}
    out = indicators.publish_tables({CODE: {"ame": 6, "puma": 0}}, parts={CODE: [c, d]})
    assert out[CODE] == {"values": {"ame": None, "puma": 0}, "hidden": {"ame": W, "__total__": W}, "total": None}
    assert indicators._derived_table("collective_participants", {"participants": 9}, [{"hidden": {}}]) == {
        "values": {"participants": 9}, "hidden": {}, "total": None}


STAYS = "stay_length"  # persons (not a sum of services), with a total, in no family


def test_a_count_of_persons_over_services_hides_where_a_service_hides():
    table = {"lt_15d": 3, "15d_2m": 40, "2_6m": 12, "6_12m": 0}
    # alone: the zero is a decoy next to the small cell
    assert indicators.publish_tables({STAYS: table})[STAYS]["hidden"] == {"lt_15d": S, "6_12m": S, "2_6m": C}
    # over services that show their zero: the zero is known, no decoy
    shown = [{"hidden": {}}, {"hidden": {}}]
    assert indicators.publish_tables({STAYS: table}, parts={STAYS: shown})[STAYS] == {
        "values": {"lt_15d": None, "15d_2m": 40, "2_6m": None, "6_12m": 0}, "hidden": {"lt_15d": S, "2_6m": C},
        "total": 55}
    # a service hides a cell: the scope hides it too, with no bound, and has no total
    one_hides = [{"hidden": {}}, {"hidden": {"6_12m": S}}]
    assert indicators.publish_tables({STAYS: table}, parts={STAYS: one_hides})[STAYS] == {
        "values": dict.fromkeys(table), "hidden": {"lt_15d": S, "15d_2m": W, "2_6m": W, "6_12m": W, "__total__": W},
        "total": None}
    # a service hides its total: the scope's total too
    total_hidden = [{"hidden": {}}, {"hidden": {"__total__": S}}]
    big = {"lt_15d": 10, "15d_2m": 40}
    assert indicators.publish_tables({STAYS: big}, parts={STAYS: total_hidden})[STAYS] == {
        "values": {"lt_15d": None, "15d_2m": None}, "hidden": {"lt_15d": W, "15d_2m": W, "__total__": W},
        "total": None}
    assert indicators.publish_tables({STAYS: big}, parts={STAYS: shown})[STAYS]["total"] == 50


def test_a_caseload_over_services_hides_where_a_service_hides():
    out = indicators.publish_tables({"caseload": {"all": 60}, "persons_by_sex": {"female": 30, "male": 30}},
                                    parts={"caseload": [{"hidden": {}}, {"hidden": {"all": S}}],
                                           "persons_by_sex": [{"hidden": {}}, {"hidden": {}}]})
    assert out["caseload"] == {"values": {"all": None}, "hidden": {"all": W}, "total": None}
    assert out["persons_by_sex"] == {"values": {"female": None, "male": None},
                                     "hidden": {"female": W, "male": W, "__total__": W}, "total": None}
    out = indicators.publish_tables({"caseload": {"all": 60}, "persons_by_sex": {"female": 30, "male": 30}},
                                    parts={"caseload": [{"hidden": {}}], "persons_by_sex": [{"hidden": {}}]})
    assert out["caseload"]["hidden"] == {} and out["persons_by_sex"]["total"] == 60


@pytest.mark.django_db
def test_a_scope_of_two_services_is_published_consistently_with_each_service(world, figures):
    """A reader of an operator's two services reads each service too: the scope's sums hide, with no
    bound, whatever a service hides; a superuser or a public document (no reader) gets the scope alone."""
    figures["current"] = {"ame": 3, "puma": 40, "css": 12, "rsa": 0}
    both = Service.objects.filter(pk__in=[world.service_a.pk, world.service_b.pk])
    only_a = Service.objects.filter(pk=world.service_a.pk)
    period = figures["period"]
    alone = {"values": {"ame": None, "puma": 40, "css": None, "rsa": None}, "hidden": {"ame": S, "rsa": S, "css": C},
             "total": 55}
    assert indicators._published_year(only_a, period, [CODE], world.users["social_worker"]) == {CODE: alone}
    assert indicators._published_year(both, period, [CODE], world.users["social_worker"]) == {CODE: {
        "values": {"ame": None, "puma": 40, "css": None, "rsa": None}, "hidden": {"ame": W, "rsa": W, "css": W},
        "total": 55}}
    assert indicators._published_year(both, period, [CODE], None) == {CODE: alone}
    # The same through publish_services, which gives _published_year the figures it computed.
    (table,) = indicators.publish_services(both, "A et B", period, codes=[CODE],
                                           reader=world.users["social_worker"])["tables"]
    assert (table["values"], table["hidden"], table["total"]) == (
        {"ame": None, "puma": 40, "css": None, "rsa": None}, {"ame": W, "rsa": W, "css": W}, 55)
    world.users["social_worker"].is_superuser = True
    assert indicators._published_year(both, period, [CODE], world.users["social_worker"]) == {CODE: alone}


@pytest.mark.django_db
def test_the_exact_figures_given_are_the_ones_published(world, figures):
    only_a = Service.objects.filter(pk=world.service_a.pk)
    figures["current"] = {"ame": 50}
    out = indicators._published_year(only_a, figures["period"], [CODE], None, exact={CODE: {"ame": 3, "puma": 0}})
    assert out == {CODE: {"values": {"ame": None, "puma": 0}, "hidden": {"ame": S, "__total__": S}, "total": None}}


@pytest.mark.django_db
def test_health_figures_read_the_scope_caseload_when_not_asked_for_it(world, figures, monkeypatch):
    """The population that lets health figures reach a reader without health is the scope's caseload of
    the period, computed when the tables asked do not include it."""
    only_a = Service.objects.filter(pk=world.service_a.pk)
    asked = []

    def compute(code, services, period):
        asked.append((code, sorted(services.values_list("pk", flat=True)), period))
        return {"all": figures["caseload"]}

    monkeypatch.setattr(engine, "compute", compute)
    health = {"housing_at_entry": {"street": 10, "camp": 20}}
    reader = world.users["social_worker"]
    for caseload, hidden in ((49, {"street": R, "camp": R, "__total__": R}), (50, {})):
        figures["caseload"] = caseload
        out = indicators._published_year(only_a, figures["period"], None, reader, exact=health)
        assert out["housing_at_entry"]["hidden"] == hidden
    assert asked == [("caseload", [world.service_a.pk], figures["period"])] * 2
    # with the caseload among the tables: that one, nothing computed
    out = indicators._published_year(only_a, figures["period"], None, reader,
                                     exact={**health, "caseload": {"all": 49}})
    assert out["housing_at_entry"]["hidden"] == {"street": R, "camp": R, "__total__": R}
    assert len(asked) == 2
    # a doctor of the service holds health: shown under 50
    figures["caseload"] = 10
    out = indicators._published_year(only_a, figures["period"], None, world.users["doctor"], exact=health)
    assert out["housing_at_entry"]["hidden"] == {}


@pytest.mark.django_db
def test_publish_services_gives_both_years_labelled(world, figures):
    figures["current"] = {"ame": 3, "puma": 40, "css": 12, "rsa": 0}
    figures["previous"] = {"ame": 30, "puma": 0}
    steps = []
    only_a = Service.objects.filter(pk=world.service_a.pk)
    year = figures["period"].start.year
    out = indicators.publish_services(only_a, "A", figures["period"], codes=[CODE], scope="service", scope_id=7,
                                      progress=lambda pct, what: steps.append((pct, what)))
    assert steps == [(30, "current period"), (50, "previous period")]
    assert {k: out[k] for k in ("scope", "id", "label", "from", "to", "previous_from", "previous_to", "services")} == {
        "scope": "service", "id": 7, "label": "A", "from": datetime.date(year, 1, 1), "to": datetime.date(year, 12, 31),
        "previous_from": datetime.date(year - 1, 1, 1), "previous_to": datetime.date(year - 1, 12, 31), "services": 1}
    (table,) = out["tables"]
    assert (table["code"], table["suppressed"], table["has_total"]) == (CODE, True, True)
    assert [c["key"] for c in table["columns"]] == ["ame", "puma", "css", "rsa"]
    assert (table["values"], table["hidden"], table["total"]) == (
        {"ame": None, "puma": 40, "css": None, "rsa": None}, {"ame": S, "rsa": S, "css": C}, 55)
    assert table["previous"] == {"values": {"ame": 30, "puma": 0}, "hidden": {}, "total": 30}
    assert out["extra"] == {"mean_followup_days": None}
    ids, previous = [world.service_a.pk], engine.Period.year(year - 1)
    assert figures["calls"] == [("compute_all", ids, figures["period"], [CODE]), ("compute_all", ids, previous, [CODE]),
                                ("mean_followup_days", ids, figures["period"])]


@pytest.mark.django_db
def test_each_service_of_a_scope_is_computed_for_the_same_tables(world, figures):
    figures["current"] = {"ame": 30}
    both = Service.objects.filter(pk__in=[world.service_a.pk, world.service_b.pk])
    indicators._published_year(both, figures["period"], [CODE], world.users["social_worker"])
    a, b = world.service_a.pk, world.service_b.pk
    assert figures["calls"] == [("compute_all", sorted([a, b]), figures["period"], [CODE]),
                                ("compute_all", [a], figures["period"], [CODE]),
                                ("compute_all", [b], figures["period"], [CODE])]


def _submitted(key, code, exact, published):
    return (key, f"Service {key}", SimpleNamespace(exact={code: exact}), {code: published} if published else {})


def test_the_side_by_side_table_row_by_row_and_its_sum():
    s1 = indicators.publish_one(CODE, {"ame": 3, "puma": 20, "css": 10})
    assert s1 == {"values": {"ame": None, "puma": 20, "css": None}, "hidden": {"ame": S, "css": C}, "total": 33}
    s2 = indicators.publish_one(CODE, {"ame": 6, "puma": 30})
    table = indicators._matrix(CODE, engine.REGISTRY[CODE], ["ame", "puma", "css"],
                               [_submitted("s1", CODE, {"ame": 3, "puma": 20, "css": 10}, s1),
                                _submitted("s2", CODE, {"ame": 6, "puma": 30}, s2)])
    assert table["rows"] == [
        {"key": "s1", "label": "Service s1", "values": {"ame": None, "puma": 20, "css": None},
         "hidden": {"ame": S, "css": C}, "total": 33},
        {"key": "s2", "label": "Service s2", "values": {"ame": 6, "puma": 30, "css": 0}, "hidden": {}, "total": 36}]
    assert table["region"] == {"values": {"ame": None, "puma": 50, "css": None}, "hidden": {"ame": W, "css": W},
                               "total": 69}
    assert [c["key"] for c in table["columns"]] == ["ame", "puma", "css"]
    assert all(set(c) == {"key", "label"} and c["label"] for c in table["columns"])  # a header for each column
    assert (table["code"], table["has_total"]) == (CODE, True)


def test_the_side_by_side_table_keeps_only_the_marks_of_its_columns_and_the_total():
    marks = {"values": {}, "hidden": {"ame": S, "zz": S, "puma": None, "__total__": S}, "total": None}
    table = indicators._matrix(CODE, engine.REGISTRY[CODE], ["ame", "puma"],
                               [_submitted("s1", CODE, {"ame": 2, "puma": None}, marks),
                                _submitted("s2", CODE, {"ame": 5, "puma": 7}, None)])
    # a mark without a kind hides the value but is no hidden part of the Sum
    assert table["rows"][0] == {"key": "s1", "label": "Service s1", "values": {"ame": None, "puma": None},
                                "hidden": {"ame": S, "puma": None, "__total__": S}, "total": None}
    # a service with nothing published for the indicator: its exact figures, nothing hidden, no total
    assert table["rows"][1] == {"key": "s2", "label": "Service s2", "values": {"ame": 5, "puma": 7}, "hidden": {},
                                "total": None}
    assert table["region"] == {"values": {"ame": None, "puma": 7}, "hidden": {"ame": W, "__total__": W},
                               "total": None}


def test_a_none_in_the_exact_figures_is_a_zero_in_the_row():
    table = indicators._matrix(CODE, engine.REGISTRY[CODE], ["ame", "puma"],
                               [_submitted("s1", CODE, {"ame": None, "puma": 7},
                                           {"values": {"ame": None, "puma": 7}, "hidden": {}, "total": 7})])
    assert table["rows"][0]["values"] == {"ame": 0, "puma": 7}
    assert table["region"] == {"values": {"ame": 0, "puma": 7}, "hidden": {}, "total": 7}


def test_figures_without_disclosure_control_are_rounded_and_summed():
    code = "staffing_etp"  # ETP: a total, additive, not disclosure-controlled
    rows = [_submitted("s1", code, {"doctor": 0.333, "nurse": 1.5}, None),
            _submitted("s2", code, {"doctor": 0.5}, {"values": {"doctor": 0.5}, "hidden": {}, "total": 0.505})]
    table = indicators._matrix(code, engine.REGISTRY[code], ["doctor", "nurse"], rows)
    assert [r["values"] for r in table["rows"]] == [{"doctor": 0.33, "nurse": 1.5}, {"doctor": 0.5, "nurse": 0}]
    assert [r["total"] for r in table["rows"]] == [None, 0.51]
    assert table["region"] == {"values": {"doctor": 0.83, "nurse": 1.5}, "hidden": {}, "total": 2.33}


def test_a_table_that_does_not_add_up_has_no_sum_row():
    code = "persons_met_by_month"  # persons, not additive over services, no total
    table = indicators._matrix(code, engine.REGISTRY[code], ["2025-01"],
                               [_submitted("s1", code, {"2025-01": 9}, {"values": {"2025-01": 9}, "hidden": {},
                                                                        "total": None})])
    assert table["region"] is None
    assert table["rows"][0]["total"] is None and table["rows"][0]["values"] == {"2025-01": 9}
    code = "collective_participants"  # additive, no total: a Sum row without a total
    table = indicators._matrix(code, engine.REGISTRY[code], ["participants"],
                               [_submitted("s1", code, {"participants": 9}, {"values": {"participants": 9},
                                                                             "hidden": {}, "total": None})])
    assert table["region"] == {"values": {"participants": 9}, "hidden": {}, "total": None}


def test_the_parts_of_each_table_are_read_whatever_their_order():
    a, b = _published(CODE, {"ame": 3, "puma": 10}), _published(CODE, {"ame": 4, "puma": 10, "css": 0})
    one_hides = [{"hidden": {}}, {"hidden": {"6_12m": S}}]
    table = {"lt_15d": 3, "15d_2m": 40, "2_6m": 12, "6_12m": 0}
    out = indicators.publish_tables({CODE: {"ame": 7, "puma": 20, "css": 0}, STAYS: table},
                                    parts={"occupancy": [{"hidden": {}}], "caseload": [{"hidden": {"all": S}}],
                                           CODE: [a, b], STAYS: one_hides})
    assert out[CODE]["hidden"] == {"ame": W, "puma": W, "css": W}
    assert out[STAYS]["hidden"] == {"lt_15d": S, "15d_2m": W, "2_6m": W, "6_12m": W, "__total__": W}


def test_sums_of_services_are_not_coordinated_again():
    # encounters by place and by mode count the same encounters, acts and health actions the same
    # vaccinations: over services, each sum shows exactly what no service hides, whatever its sibling
    place_hidden = {"values": {"street": None}, "hidden": {"street": S, "__total__": S}, "total": None}
    shown = {"values": {"visit": 12}, "hidden": {}, "total": 12}
    out = indicators.publish_tables({"encounters_by_place": {"street": 12}, "encounters_by_mode": {"visit": 12}},
                                    parts={"encounters_by_place": [place_hidden, shown],
                                           "encounters_by_mode": [shown, shown]})
    assert out["encounters_by_place"] == {"values": {"street": None}, "hidden": {"street": W, "__total__": W},
                                          "total": None}
    assert out["encounters_by_mode"] == {"values": {"visit": 12}, "hidden": {}, "total": 12}
    vaccination_hidden = {"values": {"vaccination": None}, "hidden": {"vaccination": C}, "total": 9}
    out = indicators.publish_tables({"acts_by_kind": {"vaccination": 9}, "health_actions": {"vaccination": 9}},
                                    parts={"acts_by_kind": [{"hidden": {}}], "health_actions": [vaccination_hidden]})
    assert out["acts_by_kind"] == {"values": {"vaccination": 9}, "hidden": {}, "total": 9}
    assert out["health_actions"] == {"values": {"vaccination": None}, "hidden": {"vaccination": W}, "total": 9}
    assert indicators._derived_table(CODE, {"ame": None, "puma": 20}, [{"hidden": {}}]) == {
        "values": {"ame": None, "puma": 20}, "hidden": {}, "total": 20}


def test_a_caseload_part_marked_with_a_total_withholds_the_caseload():
    out = indicators.publish_tables({"caseload": {"all": 60}}, parts={"caseload": [{"hidden": {"__total__": S}}]})
    assert out["caseload"] == {"values": {"all": None}, "hidden": {"all": W}, "total": None}


@pytest.mark.django_db
def test_both_years_are_published_for_the_reader(world, figures, monkeypatch):
    """A doctor of the service reads its health figures this year and last year; a social worker reads
    neither (10 persons: under 50)."""
    monkeypatch.setattr(engine, "compute_all",
                        lambda services, period, codes=None: {"housing_at_entry": {"street": 10, "camp": 20}})
    monkeypatch.setattr(engine, "compute", lambda code, services, period: {"all": 10})
    only_a = Service.objects.filter(pk=world.service_a.pk)
    out = indicators.publish_services(only_a, "A", figures["period"], reader=world.users["doctor"])
    (table,) = out["tables"]
    assert table["hidden"] == {} and table["previous"]["hidden"] == {}
    out = indicators.publish_services(only_a, "A", figures["period"], reader=world.users["social_worker"])
    (table,) = out["tables"]
    withheld = {"street": R, "camp": R, "__total__": R}
    assert table["hidden"] == withheld and table["previous"]["hidden"] == withheld


@pytest.mark.django_db
def test_a_scope_is_published_as_the_reader_reads_each_of_its_services(world, monkeypatch):
    """A doctor of A who is a social worker in B reads A's health figures (A's own publication for him):
    A's exits family then hides its totals with the small health table, and the scope of A and B hides
    the exits total too. Published for nobody, A would show that total, and A + B − B would give it back."""
    from aupres.services.models import Membership, Profession

    reader = world.users["doctor"]
    Membership.objects.create(user=reader, service=world.service_b, profession=Profession.SOCIAL_WORKER,
                              etp=1, start_date=datetime.date(2025, 1, 1))
    exact = {"caseload": {"all": 30}, "housing_at_entry": {"street": 3, "camp": 0},
             "exits_by_reason": {"housing": 10, "death": 20}}
    monkeypatch.setattr(engine, "compute_all", lambda services, period, codes=None: {
        code: dict(table) for code, table in exact.items()})
    period = engine.Period.year(datetime.date.today().year - 1)
    only_a = Service.objects.filter(pk=world.service_a.pk)
    both = Service.objects.filter(pk__in=[world.service_a.pk, world.service_b.pk])
    a = indicators._published_year(only_a, period, None, reader)
    assert a["housing_at_entry"]["total"] is None  # 3 persons: shown to him as hidden, not withheld
    assert a["housing_at_entry"]["hidden"]["street"] == S
    assert a["exits_by_reason"]["total"] is None  # its family's health table hides its total
    assert indicators._published_year(only_a, period, None, None)["exits_by_reason"]["total"] == 30
    scope = indicators._published_year(both, period, None, reader)
    assert scope["exits_by_reason"]["total"] is None
