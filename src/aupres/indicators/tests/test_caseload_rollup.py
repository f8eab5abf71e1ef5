"""The caseload rollup (CaseloadYear) and PersonYear.shared (docs/indicators.md, "Rollups"): the rebuild
describes each person as at the end of the year, the triggers on follow-ups, persons, living
situations and rights keep it equal to the raw tables, and the engine's caseload indicators read
from it give the live figures. PostgreSQL only: elsewhere the caseload is always read live."""

import datetime
import importlib
import random
import time
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, transaction

from aupres.encounters.models import Encounter, EncounterPerson
from aupres.followups.models import FollowUp
from aupres.indicators import engine, services
from aupres.indicators.engine import Period
from aupres.indicators.models import CaseloadYear, PersonYear
from aupres.indicators.tests.dataset import Dataset, at
from aupres.persons.models import LivingSituation, Person, RightStatus
from aupres.services.models import Service

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="rollups are read, and kept by triggers, on PostgreSQL only"),
]

D = datetime.date
Y2024, Y2025 = Period.year(2024), Period.year(2025)
CASELOAD_CODES = ("caseload", "new_persons", "persons_by_sex", "persons_by_age", "persons_by_living_situation",
                  "persons_by_administrative_situation", "persons_by_health_cover", "occupancy", "persons_met",
                  "persons_met_by_month")


@pytest.fixture
def data(world):
    return Dataset(world)


def scopes(data):
    return {"A+B": Service.objects.filter(pk__in=[data.a.pk, data.b.pk]),
            "A": Service.objects.filter(pk=data.a.pk), "B": Service.objects.filter(pk=data.b.pk)}


def figures(services_qs, period, rollups, monkeypatch):
    monkeypatch.setattr(engine, "ROLLUP_MIN_SERVICES", 1 if rollups else 10**9)
    if rollups:
        assert engine._caseload_rolled(services_qs, period), "the rollup path is not taken"
    else:
        assert not engine._rollup_ready(services_qs, period)
    return engine.compute_all(services_qs, period, CASELOAD_CODES)


def assert_rolled_equals_live(data, monkeypatch, periods=(Y2025,)):
    for period in periods:
        for name, qs in scopes(data).items():
            assert figures(qs, period, True, monkeypatch) == figures(qs, period, False, monkeypatch), (name, period)
        assert services.verify_rollups(period.start.year) == []


def rows(year=2025):
    return {(r.service_id, r.person_id): (r.followed_days, r.first_opened, r.person_first_opened, r.shared, r.sex,
                                          r.born, r.administrative_situation, r.living_situation, r.health_cover)
            for r in CaseloadYear.objects.filter(year=year)}


def test_the_rebuild_describes_each_person_at_the_end_of_the_year(data, monkeypatch):
    """Rows of 2025 from the dataset's comments: P1 is followed by A (since 2024) and by B (since
    March 2025), so shared; P4 (closed 2024) and P6 (opened 2026) are not in 2025; P3's birth year is
    estimated (30 in 2023 → 1993); living situation and health cover are those started on or before
    31 December 2025 (P1's own housing of 2026 and P5's PUMa of 2026 do not count)."""
    services.refresh_rollups(2025)
    a, b = data.a.pk, data.b.pk
    assert rows() == {
        (a, data.p1.pk): (365, D(2024, 6, 1), D(2024, 6, 1), True, "female", 1990, "asylum_seeker",
                          "emergency_shelter", "ame"),
        (b, data.p1.pk): (306, D(2025, 3, 1), D(2024, 6, 1), True, "female", 1990, "asylum_seeker",
                          "emergency_shelter", "ame"),
        (a, data.p2.pk): (60, D(2025, 2, 1), D(2025, 2, 1), False, "male", 2010, "unknown", None, None),
        (a, data.p3.pk): (47, D(2025, 11, 15), D(2025, 11, 15), False, "male", 1993, "unknown", None, "css"),
        (a, data.p5.pk): (1, D(2025, 12, 31), D(2025, 12, 31), False, "female", 1960, "unknown", None, None),
        (b, data.p7.pk): (245, D(2025, 5, 1), D(2025, 5, 1), False, "male", 2000, "unknown", None, None),
    }
    rolled = figures(scopes(data)["A+B"], Y2025, True, monkeypatch)
    assert rolled["caseload"] == {"all": 5}  # P1 once, though in two rows
    assert rolled["new_persons"] == {"all": 4}  # P2, P3, P5, P7; P1 was first followed in 2024
    assert rolled["occupancy"]["followed_days"] == 365 + 306 + 60 + 47 + 1 + 245
    # P1 is new for B alone (B's first follow-up of P1 opened in 2025): the shared path decides it.
    assert figures(scopes(data)["B"], Y2025, True, monkeypatch)["new_persons"] == {"all": 2}
    assert figures(scopes(data)["A"], Y2025, True, monkeypatch)["new_persons"] == {"all": 3}
    assert_rolled_equals_live(data, monkeypatch)


def test_the_engine_reads_the_rollup_and_the_check_sees_a_drift(data, monkeypatch):
    services.refresh_rollups(2025)
    CaseloadYear.objects.filter(year=2025, person_id=data.p2.pk).update(living_situation="squat")
    assert figures(scopes(data)["A"], Y2025, True, monkeypatch)["persons_by_living_situation"]["squat"] == 1
    assert figures(scopes(data)["A"], Y2025, False, monkeypatch)["persons_by_living_situation"]["squat"] == 0
    assert services.verify_rollups(2025) == [data.a.pk]
    PersonYear.objects.filter(year=2025, person_id=data.p1.pk).update(shared=True)  # P1 is met by A only
    assert services.verify_rollups(2025) == [data.a.pk]
    services.refresh_rollups(2025, service_ids=[data.a.pk])
    assert services.verify_rollups(2025) == []
    # A period that is not one whole year is read live.
    assert not engine._caseload_rolled(scopes(data)["A"], Period(D(2025, 1, 1), D(2025, 6, 30)))
    assert not engine._caseload_rolled(scopes(data)["A"], Period(D(2024, 1, 1), D(2025, 12, 31)))


def test_a_person_new_to_the_scope_but_followed_before_elsewhere(data, world, monkeypatch):
    """P8 was followed by B in 2024 (closed), then by A from April 2025: new for A, not for A+B,
    although B has no row of P8 in 2025 (the earlier follow-up is found on the follow-ups)."""
    p8 = Person.objects.create(first_name="Octavie", sex="female", birth_year=1975)
    FollowUp.objects.create(person=p8, service=data.b, opened_on=D(2024, 3, 1), closed_on=D(2024, 6, 1),
                            state="exit", exit_reason="other")
    services.refresh_rollups(2025)
    FollowUp.objects.create(person=p8, service=data.a, opened_on=D(2025, 4, 1))  # after the rebuild: triggers
    assert rows()[(data.a.pk, p8.pk)][3] is True  # shared: followed by two services, ever
    assert figures(scopes(data)["A"], Y2025, True, monkeypatch)["new_persons"] == {"all": 4}
    assert figures(scopes(data)["A+B"], Y2025, True, monkeypatch)["new_persons"] == {"all": 4}  # not P8
    assert_rolled_equals_live(data, monkeypatch)


def test_changes_to_the_person_reach_the_rollup(data, monkeypatch):
    services.refresh_rollups(2024)
    services.refresh_rollups(2025)
    p1 = Person.objects.get(pk=data.p1.pk)
    p1.sex, p1.birth_year, p1.administrative_situation = "male", 1991, "protected"
    p1.save()
    LivingSituation.objects.create(person=data.p1, kind="hotel", started_on=D(2025, 11, 1))
    RightStatus.objects.create(person=data.p2, kind="health_cover", value="puma", started_on=D(2025, 3, 1))
    RightStatus.objects.create(person=data.p2, kind="income", value="rsa", started_on=D(2025, 3, 1))  # not read
    assert rows()[(data.b.pk, data.p1.pk)][4:] == ("male", 1991, "protected", "hotel", "ame")
    assert rows()[(data.a.pk, data.p2.pk)][8] == "puma"
    assert rows(2024)[(data.a.pk, data.p1.pk)][7] == "street"  # at the end of 2024
    LivingSituation.objects.filter(person=data.p1, kind="hotel").update(started_on=D(2026, 1, 5))
    RightStatus.objects.filter(person=data.p2, kind="health_cover").update(value="css")
    assert rows()[(data.b.pk, data.p1.pk)][7] == "emergency_shelter"
    assert rows()[(data.a.pk, data.p2.pk)][8] == "css"
    RightStatus.objects.filter(person=data.p2).delete()
    assert rows()[(data.a.pk, data.p2.pk)][8] is None
    assert_rolled_equals_live(data, monkeypatch, (Y2024, Y2025))


@pytest.mark.parametrize("seed", range(3))
def test_random_writes_keep_the_caseload_rollup_equal_to_raw(data, world, monkeypatch, seed):
    """Random follow-ups opened, closed, reopened, moved to another service or person, deleted;
    persons edited; living situations and health cover recorded, moved, deleted; encounters with
    persons at both services (PersonYear.shared) — after a rebuild of 2024 and 2025."""
    rng = random.Random(seed)
    services.refresh_rollups(2024)
    services.refresh_rollups(2025)
    persons = [data.p1, data.p2, data.p3, data.p5, data.p7,
               *(Person.objects.create(first_name=f"Aléatoire {i}", sex=rng.choice(["female", "male"]),
                                       birth_year=rng.choice([None, 1970, 2001])) for i in range(4))]
    svc = [data.a, data.b]

    def a_date():
        return D(rng.choice([2024, 2025, 2025, 2026]), rng.randint(1, 12), rng.randint(1, 28))

    for _step in range(30):
        try:
            with transaction.atomic():  # a write the constraints refuse (two open follow-ups…) changes nothing
                random_write(rng, rng.random(), persons, svc, a_date)
        except IntegrityError:
            pass
    assert_rolled_equals_live(data, monkeypatch, (Y2024, Y2025))


def random_write(rng, op, persons, svc, a_date):
    """One random write (op in [0, 1)): follow-ups, persons, living situations, rights, encounters."""
    followups = list(FollowUp.objects.filter(service__in=svc).order_by("pk"))
    person = rng.choice(persons)
    if op < 0.2:
        opened = a_date()
        closed = rng.choice([None, opened + datetime.timedelta(days=rng.randint(0, 400))])
        FollowUp.objects.create(person=person, service=rng.choice(svc), opened_on=opened, closed_on=closed,
                                state="exit" if closed else "intake")
    elif op < 0.35:
        f = rng.choice(followups)
        f.closed_on = rng.choice([None, max(f.opened_on, a_date())])
        f.save()
    elif op < 0.45:
        FollowUp.objects.filter(pk=rng.choice(followups).pk).update(
            service_id=rng.choice(svc).pk, person_id=rng.choice(persons).pk)
    elif op < 0.5:
        FollowUp.objects.filter(pk=rng.choice(followups).pk).delete()
    elif op < 0.6:
        p = Person.objects.get(pk=person.pk)
        p.sex = rng.choice(["female", "male", "unknown"])
        p.birth_year = rng.choice([None, 1950, 1999])
        p.estimated_age, p.estimated_on = rng.choice([(None, None), (40, D(2024, 2, 1))])
        p.administrative_situation = rng.choice(["french", "undocumented", "unknown"])
        p.save()
    elif op < 0.7:
        LivingSituation.objects.create(person=person, kind=rng.choice(["street", "squat", "hotel"]),
                                       started_on=a_date())
    elif op < 0.75 and LivingSituation.objects.exists():
        ls = rng.choice(list(LivingSituation.objects.order_by("pk")))
        if rng.random() < 0.5:
            LivingSituation.objects.filter(pk=ls.pk).update(started_on=a_date(), person_id=person.pk)
        else:
            ls.delete()
    elif op < 0.85:
        RightStatus.objects.create(person=person, kind=rng.choice(["health_cover", "income"]),
                                   value=rng.choice(["puma", "ame", "none"]), started_on=a_date())
    elif op < 0.9 and RightStatus.objects.exists():
        RightStatus.objects.filter(pk=rng.choice(list(RightStatus.objects.order_by("pk"))).pk).update(
            started_on=a_date(), kind=rng.choice(["health_cover", "income"]))
    else:  # a person followed by the service met (PersonYear and its `shared` flag), as the product writes it
        followup = rng.choice(followups) if followups else None
        if followup is not None:
            when = at(2025, rng.randint(1, 12), rng.randint(1, 28))
            encounter = Encounter.objects.create(service=followup.service, occurred_at=when, place_kind="street",
                                                 mode="visit")
            EncounterPerson.objects.bulk_create([EncounterPerson(
                encounter=encounter, person_id=followup.person_id, followup=followup, service=followup.service,
                occurred_at=when)])


def test_persons_met_by_two_services_are_counted_once(data, world, monkeypatch):
    """PersonYear.shared follows the persons met by more than one service in the year; persons met
    over a scope count them once (P1, met by A in January and March, by B in June)."""
    services.refresh_rollups(2025)
    assert not PersonYear.objects.filter(year=2025, shared=True).exists()
    encounter = Encounter.objects.create(service=data.b, occurred_at=at(2025, 6, 3), place_kind="street",
                                         mode="visit")
    EncounterPerson.objects.bulk_create([EncounterPerson(encounter=encounter, person_id=data.p1.pk,
                                                         followup=data.f1b, service=data.b,
                                                         occurred_at=encounter.occurred_at)])
    assert set(PersonYear.objects.filter(year=2025, shared=True).values_list("service_id", "person_id")) == {
        (data.a.pk, data.p1.pk), (data.b.pk, data.p1.pk)}
    rolled = figures(scopes(data)["A+B"], Y2025, True, monkeypatch)
    assert rolled["persons_met"] == {"all": 4}  # P1, P2, P3, P7
    assert {k: v for k, v in rolled["persons_met_by_month"].items() if v} == {
        "2025-01": 1, "2025-03": 2, "2025-06": 2, "2025-12": 1}  # June: P7 and P1 (by B)
    assert_rolled_equals_live(data, monkeypatch)
    EncounterPerson.objects.filter(encounter=encounter).delete()
    assert not PersonYear.objects.filter(year=2025, shared=True).exists()
    assert_rolled_equals_live(data, monkeypatch)


def test_migration_backfills_give_what_the_rebuild_gives(data):
    from django.apps import apps

    services.refresh_rollups(2024)
    services.refresh_rollups(2025)
    caseload = rows(2024) | {("2025",) + k: v for k, v in rows().items()}
    CaseloadYear.objects.all().delete()
    importlib.import_module("aupres.indicators.migrations.0005_caseload_year").backfill(
        apps, SimpleNamespace(connection=connection))
    assert rows(2024) | {("2025",) + k: v for k, v in rows().items()} == caseload
    PersonYear.objects.create(year=2025, service=data.b, person_id=data.p1.pk, months=1 << 5)  # met by B too
    PersonYear.objects.update(shared=False)  # as the column added with its default
    importlib.import_module("aupres.indicators.migrations.0006_personyear_shared").functions_and_backfill(
        apps, SimpleNamespace(connection=connection))
    assert set(PersonYear.objects.filter(shared=True).values_list("year", "service_id", "person_id")) == {
        (2025, data.a.pk, data.p1.pk), (2025, data.b.pk, data.p1.pk)}


def test_a_load_of_many_persons_locks_the_rollups_instead_of_each_person(data, monkeypatch):
    """Past PERSON_LOCKS_MAX persons in a transaction, the rollup tables are locked once instead of
    one advisory lock per person (a million of them would not fit in PostgreSQL's lock table); the
    rows are the same."""
    from aupres.indicators.rollup_sql import PERSON_LOCKS_MAX

    services.refresh_rollups(2025)
    many = Person.objects.bulk_create([Person(first_name=f"Chargée {i}") for i in range(PERSON_LOCKS_MAX + 10)])
    with transaction.atomic():
        FollowUp.objects.bulk_create([FollowUp(person=p, service=data.a, opened_on=D(2025, 5, 1)) for p in many])
        with connection.cursor() as cur:
            cur.execute("SELECT current_setting('aupres.person_locks'), array_agg(c.relname ORDER BY c.relname) "
                        "FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                        "WHERE l.pid = pg_backend_pid() AND l.mode = 'ShareRowExclusiveLock'")
            assert cur.fetchone() == ("-1", ["indicators_caseloadyear", "indicators_personyear"])
    assert CaseloadYear.objects.filter(year=2025, person_id__in=[p.pk for p in many]).count() == len(many)
    assert_rolled_equals_live(data, monkeypatch)


def test_a_scope_reads_each_rollup_once_for_every_indicator(data, world, monkeypatch):
    """Within one compute_all of a whole built year, the shared persons' caseload rows (profile and new persons)
    are read in ONE query, their months met in one, and the rolled-up event counts in one (D74): the region's
    figures cost one pass over each rollup, not one per indicator."""
    from django.test.utils import CaptureQueriesContext

    services.refresh_rollups(2025)
    encounter = Encounter.objects.create(service=data.b, occurred_at=at(2025, 6, 3), place_kind="street",
                                         mode="visit")
    EncounterPerson.objects.bulk_create([EncounterPerson(encounter=encounter, person_id=data.p1.pk,
                                                         followup=data.f1b, service=data.b,
                                                         occurred_at=encounter.occurred_at)])
    monkeypatch.setattr(engine, "ROLLUP_MIN_SERVICES", 1)
    with CaptureQueriesContext(connection) as queries:
        figures_all = engine.compute_all(scopes(data)["A+B"], Y2025)
    reads = [q["sql"] for q in queries.captured_queries]
    assert sum("indicators_caseloadyear" in sql for sql in reads) == 1, reads
    assert sum("indicators_personyear" in sql for sql in reads) == 1, reads
    assert sum("indicators_eventmonth" in sql for sql in reads) == 1, reads
    assert figures_all["persons_met"] == {"all": 4}
    assert {k: v for k, v in figures_all["persons_met_by_month"].items() if v} == {
        "2025-01": 1, "2025-03": 2, "2025-06": 2, "2025-12": 1}
    live = figures(scopes(data)["A+B"], Y2025, False, monkeypatch)
    assert {code: figures_all[code] for code in CASELOAD_CODES} == live



@pytest.mark.django_db(transaction=True)
def test_a_rebuild_outside_a_transaction_leaves_the_rollups_vacuumed(data, world):
    """The nightly rebuild runs outside a transaction: it ends with VACUUM (ANALYZE) of the rollups, so that the
    shared persons are read from their partial indexes alone (the visibility map) with fresh statistics (D74)."""
    tables = ("indicators_personyear", "indicators_caseloadyear", "indicators_eventmonth",
              "indicators_serviceyearpart")

    def vacuumed():
        with connection.cursor() as cur:
            cur.execute("SELECT relname, vacuum_count + autovacuum_count FROM pg_stat_user_tables "
                        "WHERE relname = ANY(%s)", [list(tables)])
            return dict(cur.fetchall())

    before = vacuumed()
    assert not connection.in_atomic_block
    services.refresh_rollups(2025)
    for _ in range(50):  # the statistics collector reports a moment later
        after = vacuumed()
        if all(after.get(t, 0) > before.get(t, 0) for t in tables):
            break
        connection.close()  # a new backend reads fresh statistics
        time.sleep(0.1)
    assert all(after.get(t, 0) > before.get(t, 0) for t in tables), (before, after)
