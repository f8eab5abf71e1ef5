"""The alert rules, as a pure function of the follow-up, the service's rules and the dates."""

import dataclasses
import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from aupres.followups.services import LIGHTENED_DELAY_FACTOR, MAX_LENGTH_WARNING_DAYS, alerts_for

TODAY = datetime.date(2026, 6, 1)


@dataclasses.dataclass
class Rules:
    usual_length_max_days: int | None = None
    max_length_days: int | None = None
    no_encounter_alert_days: int = 0


@dataclasses.dataclass
class F:
    opened_on: datetime.date
    state: str = "monitoring"
    closed_on: datetime.date | None = None
    lightened_on: datetime.date | None = None


def days_ago(n):
    return TODAY - datetime.timedelta(days=n)


def codes(*args, **kw):
    return [a.code for a in alerts_for(*args, **kw)]


LHSS = Rules(usual_length_max_days=60)            # LHSS: 15 days to 2 months
ACT = Rules(max_length_days=730)                  # ACT: at most 24 months
ACT_OUTREACH = Rules(usual_length_max_days=730, max_length_days=730)


def test_lhss_stay_beyond_two_months():
    assert codes(F(days_ago(60)), LHSS, TODAY) == []
    assert codes(F(days_ago(61)), LHSS, TODAY) == ["beyond_usual_length"]


def test_act_maximum_length_and_its_approach():
    assert codes(F(days_ago(730 - MAX_LENGTH_WARNING_DAYS)), ACT, TODAY) == []
    assert codes(F(days_ago(730 - MAX_LENGTH_WARNING_DAYS + 1)), ACT, TODAY) == ["max_length_soon"]
    assert codes(F(days_ago(730)), ACT, TODAY) == ["max_length_soon"]
    alerts = alerts_for(F(days_ago(731)), ACT, TODAY)
    assert [(a.code, a.level) for a in alerts] == [("beyond_max_length", "danger")]


def test_act_outreach_beyond_24_months_is_only_the_maximum():
    assert codes(F(days_ago(800)), ACT_OUTREACH, TODAY) == ["beyond_max_length"]


def test_open_length_services_never_alert_on_length():
    assert codes(F(days_ago(5000)), Rules(), TODAY) == []


def test_plan_review_overdue_only_while_the_plan_runs():
    rules = Rules()
    assert codes(F(days_ago(10)), rules, TODAY, plan_review_due=days_ago(1)) == ["plan_review_overdue"]
    assert codes(F(days_ago(10)), rules, TODAY, plan_review_due=TODAY) == []
    assert codes(F(days_ago(10), state="evaluation"), rules, TODAY, plan_review_due=days_ago(1)) == []
    assert codes(F(days_ago(10)), rules, TODAY, plan_review_due=None) == []


def test_no_encounter_counts_from_the_last_encounter_or_the_opening():
    rules = Rules(no_encounter_alert_days=30)
    assert codes(F(days_ago(31)), rules, TODAY) == ["no_encounter"]
    assert codes(F(days_ago(30)), rules, TODAY) == []
    assert codes(F(days_ago(100)), rules, TODAY, last_encounter=days_ago(30)) == []
    assert codes(F(days_ago(100)), rules, TODAY, last_encounter=days_ago(31)) == ["no_encounter"]


def test_a_lightened_followup_waits_longer():
    rules = Rules(no_encounter_alert_days=30)
    f = F(days_ago(200), lightened_on=days_ago(100))
    assert codes(f, rules, TODAY, last_encounter=days_ago(31)) == []
    assert codes(f, rules, TODAY, last_encounter=days_ago(30 * LIGHTENED_DELAY_FACTOR + 1)) == ["no_encounter"]


def test_a_closed_followup_has_no_alert():
    assert alerts_for(F(days_ago(900), closed_on=days_ago(1)), ACT, TODAY,
                      plan_review_due=days_ago(300)) == []


@settings(deadline=None)  # a pure function; the shared machine is sometimes busy
@given(opened=st.integers(0, 3000), usual=st.none() | st.integers(1, 1000),
       extra=st.none() | st.integers(0, 1000), delay=st.integers(0, 365),
       last=st.none() | st.integers(0, 3000))
def test_alert_rules_hold_for_any_dates(opened, usual, extra, delay, last):
    maximum = None if extra is None else (usual or 0) + extra
    rules = Rules(usual_length_max_days=usual, max_length_days=maximum, no_encounter_alert_days=delay)
    last_encounter = days_ago(min(last, opened)) if last is not None else None
    got = codes(F(days_ago(opened)), rules, TODAY, last_encounter=last_encounter)
    assert ("beyond_max_length" in got) == (maximum is not None and opened > maximum)
    assert ("beyond_usual_length" in got) == (
        usual is not None and opened > usual and not (maximum is not None and opened > maximum))
    quiet = min(last, opened) if last is not None else opened
    assert ("no_encounter" in got) == (delay > 0 and quiet > delay)
    assert len(got) == len(set(got))
