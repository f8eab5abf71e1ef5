"""Rollups (docs/indicators.md, "Rollups"): the rebuild gives the live figures, and on PostgreSQL the
triggers keep them equal to the live figures when encounters and acts are written after a rebuild."""

import datetime
import importlib
import random
from types import SimpleNamespace

import pytest
from django.db import connection

from aupres.encounters import services as encounter_services
from aupres.encounters.models import Encounter, EncounterPerson
from aupres.followups.models import FollowUp
from aupres.indicators import engine, services
from aupres.indicators.engine import Period
from aupres.indicators.models import EventMonth, PersonYear, RollupState
from aupres.indicators.tests.dataset import Dataset, at
from aupres.services.models import Service

pytestmark = pytest.mark.django_db

Y2024, Y2025 = Period.year(2024), Period.year(2025)
ROLLED = ("persons_met", "persons_met_by_month", "encounters_by_month", *engine.ROLLUP_CODES)
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="rollups are read, and kept by triggers, on PostgreSQL only")


@pytest.fixture
def data(world):
    return Dataset(world)


def scope(data):
    return Service.objects.filter(pk__in=[data.a.pk, data.b.pk])


def figures(services_qs, period, rollups, monkeypatch):
    """Every rolled-up indicator, read from the rollups (any scope size) or from the raw tables."""
    monkeypatch.setattr(engine, "ROLLUP_MIN_SERVICES", 1 if rollups else 10**9)
    if rollups:
        assert engine._rollup_ready(services_qs, period), "the rollup path is not taken"
    return {code: engine.compute(code, services_qs, period) for code in ROLLED}


def test_rebuild_equals_the_raw_tables(data):
    """The rebuild (both the SQLite and the PostgreSQL paths) counts as the live engine does,
    Europe/Paris months and years included (E5 at 23:30 on 31 December 2025 is in 2025)."""
    services.refresh_rollups(2025)
    assert RollupState.objects.filter(year=2025).exists()
    for code in engine.ROLLUP_CODES:
        live = engine.compute(code, scope(data), Y2025)  # live on SQLite; on PostgreSQL see the tests below
        rolled = {}
        for key, n in EventMonth.objects.filter(indicator=code, month__year=2025).values_list("key", "n"):
            rolled[key] = rolled.get(key, 0) + n
        assert {k: v for k, v in live.items() if v} == rolled, code
    # (on PostgreSQL the triggers also filled 2024 and 2026 as the dataset was written)
    months = set(EventMonth.objects.filter(month__year=2025).values_list("month", flat=True))
    assert months == {datetime.date(2025, 1, 1), datetime.date(2025, 3, 1), datetime.date(2025, 6, 1),
                      datetime.date(2025, 12, 1)}
    rows = set(PersonYear.objects.filter(year=2025).values_list("service_id", "person_id", "months"))
    # months: bit m - 1 for month m. P1 met by A on 10 January and 5 March, P2 on 5 March, P3 on
    # 31 December 23:30 (Paris), P7 by B on 1 June.
    assert rows == {(data.a.pk, data.p1.pk, 1 << 0 | 1 << 2), (data.a.pk, data.p2.pk, 1 << 2),
                    (data.a.pk, data.p3.pk, 1 << 11), (data.b.pk, data.p7.pk, 1 << 5)}


def test_rebuild_of_some_services_keeps_the_others(data):
    services.refresh_rollups(2025)
    b_rows = PersonYear.objects.filter(service=data.b, year=2025)
    before = set(b_rows.values_list("person_id", flat=True))
    services.refresh_rollups(2025, service_ids=[data.a.pk])
    assert set(b_rows.values_list("person_id", flat=True)) == before == {data.p7.pk}
    assert PersonYear.objects.filter(service=data.a, year=2025).count() == 3


@postgresql_only
def test_an_encounter_written_after_the_rebuild_changes_the_indicators(data, world, monkeypatch):
    services.refresh_rollups(2025)
    before = figures(scope(data), Y2025, True, monkeypatch)
    assert before == figures(scope(data), Y2025, False, monkeypatch)
    # P5 is followed by A from 2025-12-31 and was not met in 2025; written through the product's path
    # (participants and acts are bulk-created there: no Django signal would see them).
    nurse = world.users["nurse"]
    encounter, _created = encounter_services.create_encounter(
        nurse, occurred_at=at(2025, 12, 31, 12), place_kind="street", mode="street_round",
        service_id=data.a.pk, persons=[data.p5.pk], acts=[{"kind": "vaccination"}, {"kind": "nursing_care"}])
    after = figures(scope(data), Y2025, True, monkeypatch)
    assert after["persons_met"]["all"] == before["persons_met"]["all"] + 1
    assert after["encounters_by_place"]["street"] == before["encounters_by_place"]["street"] + 1
    assert after["encounters_by_month"]["2025-12"] == before["encounters_by_month"]["2025-12"] + 1
    assert after["acts_by_kind"]["vaccination"] == before["acts_by_kind"]["vaccination"] + 1
    assert after["health_actions"]["vaccination"] == before["health_actions"]["vaccination"] + 1
    assert after == figures(scope(data), Y2025, False, monkeypatch)
    # Moved to 2024 (as an edit would), then deleted: the 2025 figures come back.
    services.refresh_rollups(2024)
    Encounter.objects.filter(pk=encounter.pk).update(occurred_at=at(2024, 12, 31, 12))
    EncounterPerson.objects.filter(encounter=encounter).update(occurred_at=at(2024, 12, 31, 12))
    assert figures(scope(data), Y2025, True, monkeypatch) == before
    assert figures(scope(data), Y2024, True, monkeypatch) == figures(scope(data), Y2024, False, monkeypatch)
    Encounter.objects.get(pk=encounter.pk).delete()
    assert figures(scope(data), Y2024, True, monkeypatch) == figures(scope(data), Y2024, False, monkeypatch)
    assert figures(scope(data), Y2025, True, monkeypatch) == before


@postgresql_only
@pytest.mark.parametrize("seed", range(3))
def test_random_writes_keep_rollups_equal_to_raw(data, world, monkeypatch, seed):
    """Random creations, moves (date, place, service), act changes and deletions after a rebuild."""
    rng = random.Random(seed)
    services.refresh_rollups(2025)
    nurse = world.users["nurse"]
    followed = list(FollowUp.objects.filter(service=data.a, closed_on__isnull=True).values_list("person_id", flat=True))
    places = ["street", "premises", "shelter", "squat"]
    kinds = ["vaccination", "screening", "nursing_care", "health_check", "first_aid"]
    for _step in range(25):
        op = rng.random()
        encounters = list(Encounter.objects.filter(service__in=scope(data)).order_by("pk"))
        if op < 0.5 or not encounters:
            persons = rng.sample(followed, rng.randint(1, len(followed)))
            encounter_services.create_encounter(
                nurse, occurred_at=at(2025, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23)),
                place_kind=rng.choice(places), mode="visit", service_id=data.a.pk, persons=persons,
                acts=[{"kind": rng.choice(kinds), "person": rng.choice(persons)} for _ in range(rng.randint(0, 3))])
        elif op < 0.7:
            e = rng.choice(encounters)
            new_at = at(rng.choice([2024, 2025, 2025]), rng.randint(1, 12), rng.randint(1, 28))
            service_id = rng.choice([data.a.pk, data.a.pk, data.b.pk])
            Encounter.objects.filter(pk=e.pk).update(occurred_at=new_at, place_kind=rng.choice(places),
                                                     service_id=service_id)
            EncounterPerson.objects.filter(encounter=e).update(occurred_at=new_at, service_id=service_id)
        elif op < 0.8:
            e = rng.choice(encounters)
            for act in e.acts.all():
                act.kind = rng.choice(kinds)
                act.save()
        else:
            rng.choice(encounters).delete()
    assert figures(scope(data), Y2025, True, monkeypatch) == figures(scope(data), Y2025, False, monkeypatch)
    assert services.verify_rollups(2025) == []


# Persons met by month (PersonYear.months) ----------------------------------------------------------

UTC = datetime.UTC


def _months_of(service, person, year):
    return PersonYear.objects.filter(service=service, person_id=person.pk, year=year).values_list(
        "months", flat=True).first()


def test_months_follow_the_paris_calendar_at_month_and_year_edges(data, world, monkeypatch):
    """Encounters at 23:30 UTC on the last day of a month belong to the next month in Paris (00:30,
    or 01:30 in summer time); the last one of the year to the next year. The triggers (PostgreSQL)
    and the rebuild (both databases) put them in the same months as the raw path."""
    nurse = world.users["nurse"]
    moments = [datetime.datetime(2024, 12, 31, 23, 30, tzinfo=UTC),  # 2025-01-01 00:30 Paris
               datetime.datetime(2025, 1, 31, 23, 30, tzinfo=UTC),  # 2025-02-01 00:30
               datetime.datetime(2025, 3, 31, 21, 30, tzinfo=UTC),  # 2025-03-31 23:30 (summer time)
               datetime.datetime(2025, 6, 30, 23, 30, tzinfo=UTC),  # 2025-07-01 01:30
               datetime.datetime(2025, 12, 31, 23, 30, tzinfo=UTC)]  # 2026-01-01 00:30
    expected_2025 = 1 << 0 | 1 << 1 | 1 << 2 | 1 << 6  # January, February, March, July
    services.refresh_rollups(2025)
    services.refresh_rollups(2026)
    before = engine.compute("persons_met_by_month", scope(data), Y2025)
    for moment in moments:  # P5 was not met before
        encounter_services.create_encounter(nurse, occurred_at=moment, place_kind="street", mode="visit",
                                            service_id=data.a.pk, persons=[data.p5.pk])
    if connection.vendor == "postgresql":  # the triggers
        assert (_months_of(data.a, data.p5, 2025), _months_of(data.a, data.p5, 2026)) == (expected_2025, 1)
        assert figures(scope(data), Y2025, True, monkeypatch) == figures(scope(data), Y2025, False, monkeypatch)
        assert services.verify_rollups(2025) == [] and services.verify_rollups(2026) == []
    services.refresh_rollups(2025)  # the rebuild
    services.refresh_rollups(2026)
    assert (_months_of(data.a, data.p5, 2025), _months_of(data.a, data.p5, 2026)) == (expected_2025, 1)
    after = engine.compute("persons_met_by_month", scope(data), Y2025)
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {
        "2025-01": 1, "2025-02": 1, "2025-03": 1, "2025-07": 1}
    assert engine.compute("persons_met_by_month", scope(data), Period.year(2026))["2026-01"] == 2  # P1, P5


@postgresql_only
def test_moving_and_deleting_encounters_across_months(data, world, monkeypatch):
    """A month leaves the mask when its last encounter of the key moves away or is deleted; a key
    left without an encounter loses its row; moves across services and years move the bits."""
    services.refresh_rollups(2024)
    services.refresh_rollups(2025)
    nurse = world.users["nurse"]

    def meet(month, day=15):
        return encounter_services.create_encounter(
            nurse, occurred_at=at(2025, month, day), place_kind="street", mode="visit", service_id=data.a.pk,
            persons=[data.p5.pk, data.p1.pk])[0]

    def move(encounter, when, service=None):
        service_id = (service or data.a).pk
        Encounter.objects.filter(pk=encounter.pk).update(occurred_at=when, service_id=service_id)
        EncounterPerson.objects.filter(encounter=encounter).update(occurred_at=when, service_id=service_id)

    def check(months_a, months_b=None):
        assert _months_of(data.a, data.p5, 2025) == months_a
        assert _months_of(data.b, data.p5, 2025) == months_b
        for period in (Y2025, Y2024):
            assert figures(scope(data), period, True, monkeypatch) == figures(scope(data), period, False,
                                                                              monkeypatch)
        assert services.verify_rollups(2025) == [] and services.verify_rollups(2024) == []

    march, april = meet(3), meet(4)
    check(1 << 2 | 1 << 3)
    move(march, at(2025, 5, 1))  # March to May: March leaves, May comes
    check(1 << 3 | 1 << 4)
    move(march, at(2025, 4, 30, 23, 59))  # May to April, where another encounter is
    check(1 << 3)
    april.delete()  # April stays: the moved encounter is in April too
    check(1 << 3)
    move(march, at(2025, 8, 31, 23, 30), service=data.b)  # to service B, in August
    check(None, 1 << 7)
    move(march, at(2024, 8, 1), service=data.b)  # to 2024: the 2025 row of B goes
    check(None, None)
    assert _months_of(data.b, data.p5, 2024) == 1 << 7
    # P1 keeps the months of the dataset's encounters: 10 January and 5 March
    assert _months_of(data.a, data.p1, 2025) == 1 << 0 | 1 << 2
    march.delete()
    assert _months_of(data.b, data.p5, 2024) is None
    check(None, None)


def test_persons_met_by_month_source(data, monkeypatch):
    """On PostgreSQL, whole built years are read from PersonYear (tampered months show); elsewhere
    (SQLite) and for other periods the engine reads the raw links, whatever PersonYear holds."""
    services.refresh_rollups(2025)
    raw = engine.compute("persons_met_by_month", scope(data), Y2025)
    assert {k: v for k, v in raw.items() if v} == {"2025-01": 1, "2025-03": 2, "2025-06": 1, "2025-12": 1}
    PersonYear.objects.filter(service=data.a, person_id=data.p1.pk, year=2025).update(months=1 << 8)
    assert services.verify_rollups(2025) == [data.a.pk]  # the nightly verification sees it
    table = engine.compute("persons_met_by_month", scope(data), Y2025)
    if connection.vendor == "postgresql":
        assert engine._rollup_ready(scope(data), Y2025)
        assert {k: table[k] - raw[k] for k in table if table[k] != raw[k]} == {
            "2025-01": -1, "2025-03": -1, "2025-09": 1}
    else:
        assert not engine._rollup_ready(scope(data), Y2025)
        assert table == raw
    # A period that is not a whole year never reads the rollups.
    half = Period(datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))
    assert not engine._rollup_ready(scope(data), half)
    assert {k: v for k, v in engine.compute("persons_met_by_month", scope(data), half).items() if v} == {
        "2025-01": 1, "2025-03": 2, "2025-06": 1}


def test_migration_0004_backfills_the_months(data):
    """The backfill of migration 0004 (months of every existing row from the raw links) gives what
    the rebuild gives."""
    backfill = importlib.import_module("aupres.indicators.migrations.0004_personyear_months").backfill
    from django.apps import apps

    services.refresh_rollups(2025)
    built = set(PersonYear.objects.values_list("year", "service_id", "person_id", "months"))
    PersonYear.objects.update(months=0)  # as the column added with its default
    assert services.verify_rollups(2025) == sorted([data.a.pk, data.b.pk])
    backfill(apps, SimpleNamespace(connection=connection))
    assert set(PersonYear.objects.values_list("year", "service_id", "person_id", "months")) == built
    assert services.verify_rollups(2025) == []


# Nightly verification and the operators' rebuild -------------------------------------------------

def _tamper(service, year=2025):
    """Drift as a load written with triggers disabled would leave it: one counter off by 2."""
    row = EventMonth.objects.filter(service=service, month__year=year, indicator="acts_by_kind").first()
    EventMonth.objects.filter(pk=row.pk).update(n=row.n + 2)
    return row


def test_verification_reports_the_services_whose_rollups_differ(data, world):
    services.refresh_rollups(2024)
    services.refresh_rollups(2025)
    assert services.verify_rollups(2025) == []
    row = _tamper(data.a)
    assert services.verify_rollups(2025) == [data.a.pk]
    PersonYear.objects.filter(service=data.b, year=2025).delete()  # persons met of B missing
    assert services.verify_rollups(2025) == sorted([data.a.pk, data.b.pk])
    EventMonth.objects.filter(pk=row.pk).update(n=row.n)
    # A counter for a service that has no raw rows at all (service C) is a mismatch too.
    EventMonth.objects.create(service=world.service_c, month=datetime.date(2025, 2, 1), indicator="health_actions",
                              key="vaccination", n=1)
    assert services.verify_rollups(2025) == sorted([data.b.pk, world.service_c.pk])
    assert services.verify_rollups(2024) == []  # other years untouched


@postgresql_only
def test_verification_after_writes_finds_the_triggers_exact(data, world):
    services.refresh_rollups(2025)
    nurse = world.users["nurse"]
    encounter, _created = encounter_services.create_encounter(
        nurse, occurred_at=at(2025, 12, 31, 23, 30), place_kind="street", mode="street_round",
        service_id=data.a.pk, persons=[data.p5.pk], acts=[{"kind": "screening"}, {"kind": "first_aid"}])
    Encounter.objects.filter(pk=data.e1.pk).update(service_id=data.b.pk)  # acts move with it
    Encounter.objects.get(pk=encounter.pk).delete()
    assert services.verify_rollups(2025) == []


def test_the_nightly_job_builds_a_year_once_then_only_verifies(data, monkeypatch, caplog):
    monkeypatch.setattr(services, "rollups_maintained", lambda: True)  # as on PostgreSQL
    assert services.maintain_rollups(2025) == {"year": 2025, "action": "built"}
    built_at = RollupState.objects.get(year=2025).refreshed_at
    assert services.maintain_rollups(2025) == {"year": 2025, "action": "verified", "mismatching_services": 0,
                                               "service_ids": []}
    row = _tamper(data.a)
    with caplog.at_level("WARNING", logger="aupres.indicators.services"):
        report = services.maintain_rollups(2025)
    assert report == {"year": 2025, "action": "verified", "mismatching_services": 1, "service_ids": [data.a.pk]}
    assert f"[{data.a.pk}]" in caplog.text and "1 services" in caplog.text
    # Verified, not rebuilt: the drift is still there and the year was not rebuilt again.
    assert EventMonth.objects.get(pk=row.pk).n == row.n + 2
    assert RollupState.objects.get(year=2025).refreshed_at == built_at


def test_without_triggers_the_nightly_job_does_not_verify(data, monkeypatch):
    monkeypatch.setattr(services, "rollups_maintained", lambda: False)  # SQLite
    calls = []
    monkeypatch.setattr(services, "verify_rollups", calls.append)
    assert services.maintain_rollups(2025)["action"] == "built"
    assert services.maintain_rollups(2025) == {"year": 2025, "action": "skipped"}
    assert calls == []


@pytest.mark.parametrize(("today", "years"), [(datetime.date(2026, 1, 15), [2025, 2026]),
                                              (datetime.date(2026, 5, 4), [2026])])
def test_the_scheduled_task_covers_the_current_year_and_in_january_the_last(monkeypatch, today, years):
    from django.utils import timezone

    from aupres.indicators import tasks

    monkeypatch.setattr(timezone, "localdate", lambda: today)
    monkeypatch.setattr(services, "maintain_rollups", lambda year: {"year": year})
    assert tasks.maintain_current_rollups.call() == [{"year": y} for y in years]


def test_the_rebuild_command_repairs_a_year(data, world):
    from io import StringIO

    from django.core.management import CommandError, call_command

    services.refresh_rollups(2025)
    row = _tamper(data.a)
    out = StringIO()
    call_command("rebuild_rollups", "--year", "2025", "--verify-only", stdout=out)
    assert f"1 services whose rollups differ from the raw tables: {data.a.pk}" in out.getvalue()
    assert EventMonth.objects.get(pk=row.pk).n == row.n + 2  # verification changes nothing
    with pytest.raises(CommandError):
        call_command("rebuild_rollups", "--year", "2025", "--service", "999999")
    call_command("rebuild_rollups", "--year", "2025", "--service", str(data.a.pk), stdout=StringIO())
    assert services.verify_rollups(2025) == []
    _tamper(data.a)
    call_command("rebuild_rollups", "--year", "2025", stdout=out)
    assert services.verify_rollups(2025) == [] and "rebuilt for every service" in out.getvalue()


def test_verification_sees_a_wrong_shared_flag(data):
    """PersonYear.shared (persons met by more than one service in the year) is checked by the
    verification and recomputed for every service by any rebuild of the year (both databases)."""
    services.refresh_rollups(2025)
    assert not PersonYear.objects.filter(year=2025, shared=True).exists()  # nobody met by A and B in 2025
    PersonYear.objects.filter(year=2025, person_id=data.p7.pk).update(shared=True)
    assert services.verify_rollups(2025) == [data.b.pk]
    services.refresh_rollups(2025, service_ids=[data.a.pk])
    assert services.verify_rollups(2025) == []
    PersonYear.objects.create(year=2025, service=data.a, person_id=data.p7.pk, months=1)  # now met by A too
    assert services.verify_rollups(2025) == sorted([data.a.pk, data.b.pk])


def test_a_scope_without_services_counts_nothing(data):
    """An operator or a territory without services yet: every indicator is empty or zero, on the
    rollups (PostgreSQL, built year) as on the raw tables."""
    services.refresh_rollups(2025)
    for empty in (Service.objects.none(), Service.objects.filter(operator__name="Sans dispositif")):
        figures_ = engine.compute_all(empty, Y2025)
        assert figures_["caseload"] == {"all": 0} and figures_["persons_met"] == {"all": 0}
        assert not any(figures_["persons_met_by_month"].values()) and figures_["new_persons"] == {"all": 0}
        assert figures_["occupancy"]["followed_days"] == 0 and not any(figures_["encounters_by_place"].values())
