"""Each indicator against the hand-built dataset (tests/dataset.py); expected counts written here."""

import datetime

import pytest

from aupres.indicators import engine
from aupres.indicators.engine import Period
from aupres.indicators.tests.dataset import Dataset
from aupres.services.models import Service

pytestmark = pytest.mark.django_db

Y2025 = Period.year(2025)


@pytest.fixture
def data(world):
    return Dataset(world)


def A(data):
    return Service.objects.filter(pk=data.a.pk)


def B(data):
    return Service.objects.filter(pk=data.b.pk)


def AB(data):
    return Service.objects.filter(pk__in=[data.a.pk, data.b.pk])


def nonzero(table):
    return {k: v for k, v in table.items() if v}


def test_every_indicator_of_the_registry_is_tested():
    from aupres.care.tests import test_entry_exit as care  # entry against exit (issue #20)
    from aupres.partnerships.tests import test_partnerships as partnerships  # partnerships signed (issue #18)
    from aupres.places.tests import test_day_and_indicators as places  # the places' indicators (issue #14)
    from aupres.places.tests import test_free_over_time as free  # free places over time (issue #14)

    names = [*globals(), *vars(places), *vars(free), *vars(care), *vars(partnerships)]
    tested = {name[len("test_"):] for name in names if name.startswith("test_")}
    assert set(engine.REGISTRY) <= tested, set(engine.REGISTRY) - tested


def test_caseload(data):
    assert engine.compute("caseload", A(data), Y2025) == {"all": 4}  # P1 P2 P3 P5
    assert engine.compute("caseload", B(data), Y2025) == {"all": 2}  # P1 P7
    # P1 followed by both services counts once for the operator
    assert engine.compute("caseload", AB(data), Y2025) == {"all": 5}


def test_new_persons(data):
    assert engine.compute("new_persons", A(data), Y2025) == {"all": 3}  # P2 P3 P5 (P1 since 2024)
    assert engine.compute("new_persons", B(data), Y2025) == {"all": 2}  # P1 new to B, P7
    assert engine.compute("new_persons", AB(data), Y2025) == {"all": 4}  # P1 not new to the operator


def test_persons_by_sex(data):
    assert nonzero(engine.compute("persons_by_sex", AB(data), Y2025)) == {"female": 2, "male": 3}
    assert nonzero(engine.compute("persons_by_sex", A(data), Y2025)) == {"female": 2, "male": 2}


def test_persons_by_age(data):
    assert nonzero(engine.compute("persons_by_age", AB(data), Y2025)) == {"0_17": 1, "25_39": 3, "60_plus": 1}
    # P4 (no age) is out of 2025; in 2024 they are the unknown band
    assert engine.compute("persons_by_age", A(data), Period.year(2024))["unknown"] == 1


def test_persons_by_living_situation(data):
    assert nonzero(engine.compute("persons_by_living_situation", AB(data), Y2025)) == {
        "emergency_shelter": 1, "unknown": 4}
    assert engine.compute("persons_by_living_situation", A(data), Period.year(2024))["street"] == 1


def test_persons_by_administrative_situation(data):
    assert nonzero(engine.compute("persons_by_administrative_situation", AB(data), Y2025)) == {
        "asylum_seeker": 1, "unknown": 4}


def test_persons_by_health_cover(data):
    assert nonzero(engine.compute("persons_by_health_cover", AB(data), Y2025)) == {"ame": 1, "css": 1, "unknown": 3}


def test_persons_met(data):
    assert engine.compute("persons_met", A(data), Y2025) == {"all": 3}  # P1 P2 P3
    assert engine.compute("persons_met", AB(data), Y2025) == {"all": 4}  # + P7


def test_persons_met_by_month(data):
    table = engine.compute("persons_met_by_month", A(data), Y2025)
    assert len(table) == 12
    assert nonzero(table) == {"2025-01": 1, "2025-03": 2, "2025-12": 1}


def test_encounters_by_month(data):
    assert nonzero(engine.compute("encounters_by_month", A(data), Y2025)) == {"2025-01": 1, "2025-03": 1,
                                                                              "2025-12": 1}


def test_referrals_by_source(data):
    assert nonzero(engine.compute("referrals_by_source", A(data), Y2025)) == {"street_team": 2, "hospital": 1,
                                                                              "self": 1}


def test_referrals_by_status(data):
    assert nonzero(engine.compute("referrals_by_status", A(data), Y2025)) == {"accepted": 2, "declined": 1,
                                                                              "waiting": 1}


def test_referral_to_first_contact(data):
    assert nonzero(engine.compute("referral_to_first_contact", A(data), Y2025)) == {"0_2": 1, "31_plus": 1}


def test_encounters_by_place(data):
    # the encounters of 31 Dec 2024 23:30 and 1 Jan 2026 00:30 (Paris time) are outside
    assert nonzero(engine.compute("encounters_by_place", A(data), Y2025)) == {"street": 1, "premises": 1,
                                                                              "shelter": 1}
    assert nonzero(engine.compute("encounters_by_place", AB(data), Y2025)) == {"street": 1, "premises": 1,
                                                                               "shelter": 1, "phone": 1}


def test_encounters_by_mode(data):
    assert nonzero(engine.compute("encounters_by_mode", A(data), Y2025)) == {"street_round": 1, "visit": 2}


def test_acts_by_kind(data):
    assert nonzero(engine.compute("acts_by_kind", AB(data), Y2025)) == {
        "nursing_care": 1, "vaccination": 1, "social_interview": 2, "health_check": 1, "screening": 1}


def test_health_actions(data):
    assert engine.compute("health_actions", A(data), Y2025) == {"health_check": 1, "vaccination": 1, "screening": 1}


def test_rights_opened(data):
    assert nonzero(engine.compute("rights_opened", A(data), Y2025)) == {"ame": 1}


def test_admission_requests(data):
    assert nonzero(engine.compute("admission_requests", A(data), Y2025)) == {"accepted": 1}


def test_orientations(data):
    assert nonzero(engine.compute("orientations", A(data), Y2025)) == {"honoured": 1, "not_honoured": 1}


def test_exits_by_reason(data):
    assert nonzero(engine.compute("exits_by_reason", AB(data), Y2025)) == {"objectives_reached": 1,
                                                                           "lost_to_follow_up": 1}


def test_exits_by_destination(data):
    assert nonzero(engine.compute("exits_by_destination", AB(data), Y2025)) == {"ordinary_housing": 1, "unknown": 1}


def test_followup_length(data):
    assert nonzero(engine.compute("followup_length", A(data), Y2025)) == {"1_3m": 1}  # 59 days
    assert nonzero(engine.compute("followup_length", B(data), Y2025)) == {"6_12m": 1}  # 244 days
    assert engine.mean_followup_days(AB(data), Y2025) == (2, 151.5)


def test_objectives_results(data):
    assert nonzero(engine.compute("objectives_results", A(data), Y2025)) == {"reached": 1, "partly_reached": 1}


def test_collective_actions(data):
    assert nonzero(engine.compute("collective_actions", A(data), Y2025)) == {"training": 1, "screening_campaign": 1}


def test_collective_participants(data):
    assert engine.compute("collective_participants", A(data), Y2025) == {
        "participants": 42, "persons_trained": 12, "screenings": 25, "vaccinations": 3}


def test_occupancy(data):
    # P1 365 days + P2 60 (1 Feb–1 Apr) + P3 47 (15 Nov–31 Dec) + P5 1 = 473, capacity 10 × 365
    assert engine.compute("occupancy", A(data), Y2025) == {"followed_days": 473, "capacity_days": 3650,
                                                           "rate_percent": 13.0}


def test_staffing_etp(data):
    table = engine.compute("staffing_etp", A(data), Y2025)
    assert table["doctor"] == 0.5
    assert table["nurse"] == 1.0  # 0.5 + 1.0 × 184/365
    assert table["driver"] == 0.8  # 0.5 + manual 0.3
    assert sum(table.values()) == pytest.approx(14 * 0.5 + 0.3 + 184 / 365, abs=0.02)
    # ETP is a rate: over the first half-year the nurse hired on 1 July does not count yet
    half = engine.compute("staffing_etp", A(data), Period(Y2025.start, Y2025.start.replace(month=6, day=30)))
    assert (half["nurse"], half["driver"]) == (0.5, 0.8)


def test_budget_by_funder(data):
    assert nonzero(engine.compute("budget_by_funder", A(data), Y2025)) == {"health_agency": 300000.0,
                                                                          "departement": 50000.0}


def test_cost_per_place(data):
    assert engine.compute("cost_per_place", A(data), Y2025) == {"budget": 350000.0, "capacity": 10,
                                                                "cost_per_place": 35000.0}


def test_periods():
    assert Period.year(2025).previous() == Period.year(2024)
    p = Period(Y2025.start.replace(month=2), Y2025.start.replace(month=3, day=31))
    assert p.previous().end == Y2025.start.replace(month=1, day=31) and p.previous().days == p.days
    # A year to date is compared with the same dates of the year before (issue #19).
    ytd = Period(Y2025.start, Y2025.start.replace(month=3, day=31))
    assert ytd.previous() == Period(datetime.date(2024, 1, 1), datetime.date(2024, 3, 31))
    assert Period(datetime.date(2024, 1, 1), datetime.date(2024, 2, 29)).previous().end == datetime.date(2023, 2, 28)


@pytest.mark.parametrize("scope", [A, B, AB])
def test_computed_together_or_alone_the_figures_are_the_same(data, scope):
    """compute_all shares queries between indicators (the caseload profile, persons met by month,
    one grouped query per family of event indicators: exits and lengths, referrals by source and
    status); each figure equals the indicator computed alone."""
    together = engine.compute_all(scope(data), Y2025)
    assert together == {code: engine.compute(code, scope(data), Y2025) for code in engine.REGISTRY}
    assert nonzero(together["followup_length"]) and nonzero(together["exits_by_reason"])
