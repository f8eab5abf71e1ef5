"""Entry against exit (ACT activity reports), in the engine's registry: read from the dated histories, one test per
indicator (named after it: indicators/tests/test_engine.py checks that every indicator of the registry is tested),
then its publication: coordinated with the exits' tables, withheld from non-health readers of small services."""

import datetime

import pytest
from django.utils import timezone

from aupres.care import indicators
from aupres.followups.models import FollowUp
from aupres.indicators import engine
from aupres.indicators.engine import Period
from aupres.persons.models import LivingSituation, Person, RightStatus
from aupres.services.models import Service

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
LAST = YEAR - 1
OPENED, CLOSED = datetime.date(LAST, 1, 10), datetime.date(LAST, 3, 1)


def _exit(service, alias, entry, exit_, cover=("none", "puma"), income=None, closed=CLOSED):
    """A follow-up of the service opened on OPENED and closed on `closed`: living situation `entry` before the
    admission and `exit_` from 15 February; health cover cover[0] then cover[1] from 1 February."""
    person, before = Person.objects.create(alias=alias), datetime.date(LAST - 1, 5, 1)
    LivingSituation.objects.create(person=person, kind=entry, started_on=before)
    RightStatus.objects.create(person=person, kind="health_cover", value=cover[0], started_on=before)
    if income:
        RightStatus.objects.create(person=person, kind="income", value=income, started_on=before)
    FollowUp.objects.create(person=person, service=service, opened_on=OPENED, closed_on=closed,
                            exit_reason="objectives_reached" if closed else "")
    LivingSituation.objects.create(person=person, kind=exit_, started_on=datetime.date(LAST, 2, 15))
    RightStatus.objects.create(person=person, kind="health_cover", value=cover[1], started_on=datetime.date(LAST, 2, 1))
    return person


@pytest.fixture
def exits(care):
    """ACT: 6 exits from the street into own housing (3 with the RSA), 2 from a shelter back to a shelter with AME
    kept; one follow-up still open that moved into housing; one housed before admission."""
    for i in range(6):
        _exit(care.act, f"H{i}", "street", "own_housing", income="rsa" if i < 3 else None)
    for i in range(2):
        _exit(care.act, f"S{i}", "emergency_shelter", "emergency_shelter", cover=("ame", "ame"))
    _exit(care.act, "Encore suivi", "street", "own_housing", closed=None)
    before = Person.objects.create(alias="Déjà logé")
    LivingSituation.objects.create(person=before, kind="own_housing", started_on=datetime.date(LAST - 2, 1, 1))
    FollowUp.objects.create(person=before, service=care.act, opened_on=OPENED)
    care.scope = Service.objects.filter(pk=care.act.pk)
    return care


def _nonzero(code, scope):
    return {k: v for k, v in engine.compute(code, scope, Period.year(LAST)).items() if v}


def test_entry_against_exit_is_in_the_registry():
    assert set(indicators.ENTRY_EXIT_INDICATORS) <= set(engine.REGISTRY)
    assert all(engine.REGISTRY[code].health for code in indicators.ENTRY_EXIT_INDICATORS)
    assert not set(indicators.HEALTH_INDICATORS) & set(engine.REGISTRY)


def test_housing_at_entry(exits):
    assert _nonzero("housing_at_entry", exits.scope) == {"street": 6, "emergency_shelter": 2}


def test_housing_at_exit(exits):
    assert _nonzero("housing_at_exit", exits.scope) == {"own_housing": 6, "emergency_shelter": 2}


def test_health_cover_at_entry(exits):
    assert _nonzero("health_cover_at_entry", exits.scope) == {"none": 6, "ame": 2}


def test_health_cover_at_exit(exits):
    assert _nonzero("health_cover_at_exit", exits.scope) == {"puma": 6, "ame": 2}


def test_income_at_entry(exits):
    assert _nonzero("income_at_entry", exits.scope) == {"rsa": 3, "unknown": 5}


def test_income_at_exit(exits):
    assert _nonzero("income_at_exit", exits.scope) == {"rsa": 3, "unknown": 5}


def test_entries_into_housing(exits):
    # the six exits and the follow-up still open; not the person housed before the admission
    assert _nonzero("entries_into_housing", exits.scope) == {"own_housing": 7}


def _table(report, code):
    return next(t for t in report["tables"] if t["code"] == code)


def test_health_readers_read_them_disclosure_controlled_on_the_dashboard(exits, api_as):
    report = api_as(exits.users["nurse"]).get(f"/indicators?scope=service&id={exits.act.pk}&from={LAST}-01-01"
                                              f"&to={LAST}-12-31").json()
    housing = _table(report, "housing_at_exit")
    # 2 back to a shelter: small; the 6 into housing would give them back by subtraction from the 8 exits
    assert housing["hidden"]["emergency_shelter"] == "small" and housing["values"]["emergency_shelter"] is None
    assert housing["values"]["own_housing"] is None or housing["total"] is None
    assert "restricted" not in housing["hidden"].values()
    assert _table(report, "health_cover_at_exit")["values"]["puma"] in (6, None)
    # the same 8 exits: the family's totals are one number, shown or hidden together
    totals = {code: _table(report, code)["total"] for code in (
        "exits_by_reason", "housing_at_entry", "housing_at_exit", "health_cover_at_exit", "income_at_entry")}
    assert set(totals.values()) in ({8}, {None}), totals


def test_non_health_readers_of_a_small_service_get_nothing_of_them_and_keep_the_exits(exits, api_as):
    from aupres.indicators import services as published

    path = f"/indicators?scope=service&id={exits.act.pk}&from={LAST}-01-01&to={LAST}-12-31"
    others = [c for c in engine.REGISTRY if c not in indicators.ENTRY_EXIT_INDICATORS]
    for role in ("social_worker", "head_of_service"):
        report = api_as(exits.users[role]).get(path).json()
        for code in indicators.ENTRY_EXIT_INDICATORS:
            table = _table(report, code)
            assert not [v for v in table["values"].values() if v], (role, code)
            assert table.get("total") is None
            assert set(table["hidden"].values()) <= {"restricted"}
        # the exits' tables are published to them as they were before entry against exit joined the registry
        before = published.published_live(exits.users[role], "service", exits.act.pk, Period.year(LAST), others)
        for code in ("exits_by_reason", "exits_by_destination", "followup_length"):
            assert {k: _table(report, code)[k] for k in ("values", "hidden", "total")} == {
                k: _table(before, code)[k] for k in ("values", "hidden", "total")}, (role, code)


def test_they_are_in_the_activity_report_outcomes():
    from aupres.indicators.reports import GROUPS

    in_report = {code for _title, codes in GROUPS for code in codes}
    assert set(indicators.ENTRY_EXIT_INDICATORS) <= in_report


def test_entries_into_housing_at_the_edges(care):
    """A move counts when it is dated in the period, strictly after the opening of one of the scope's
    follow-ups and on or before its closing; a person counts once."""
    def person(alias, moved_on, opened=OPENED, closed=CLOSED, service=None):
        p = Person.objects.create(alias=alias)
        FollowUp.objects.create(person=p, service=service or care.act, opened_on=opened, closed_on=closed)
        LivingSituation.objects.create(person=p, kind="own_housing", started_on=moved_on)
        return p

    person("Le jour de l'admission", OPENED)                                  # not after the opening
    person("Le lendemain", OPENED + datetime.timedelta(days=1))                 # counts
    person("Le jour de la sortie", CLOSED)                                      # counts
    person("Le lendemain de la sortie", CLOSED + datetime.timedelta(days=1))    # after the closing
    person("L'année suivante", datetime.date(YEAR, 1, 2), closed=None)          # outside the period
    twice = person("Deux fois", datetime.date(LAST, 2, 1))                      # counts once
    LivingSituation.objects.create(person=twice, kind="own_housing", started_on=datetime.date(LAST, 2, 20))
    other = Service.objects.exclude(pk=care.act.pk).first()
    person("Suivi ailleurs", datetime.date(LAST, 2, 1), service=other)          # another service's follow-up
    scope = Service.objects.filter(pk=care.act.pk)
    assert _nonzero("entries_into_housing", scope) == {"own_housing": 3}
