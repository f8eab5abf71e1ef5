"""ServiceYearPart (decision D66): the part of each service's person figures that needs no DISTINCT
(rollup rows not `shared`), appended as signed deltas by triggers on PersonYear and CaseloadYear. The
engine sums it over a scope and adds the shared persons; the check compares it with the rollups.
PostgreSQL only, as the rollups."""

import random

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from aupres.encounters.models import Encounter, EncounterPerson
from aupres.followups.models import FollowUp
from aupres.indicators import engine, services
from aupres.indicators.models import ServiceYearPart
from aupres.indicators.tests.dataset import Dataset, at
from aupres.indicators.tests.test_caseload_rollup import (
    Y2024,
    Y2025,
    D,
    assert_rolled_equals_live,
    figures,
    random_write,
    scopes,
)
from aupres.persons.models import LivingSituation, Person, RightStatus
from aupres.referrals.models import Referral

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="rollups are read, and kept by triggers, on PostgreSQL only"),
]


@pytest.fixture
def data(world):
    return Dataset(world)


def parts(service, year=2025):
    out = {}
    for ind, key, n in (ServiceYearPart.objects.filter(service=service, year=year).values_list("indicator", "key")
                        .annotate(n=Sum("n"))):
        if n:
            out.setdefault(ind, {})[key] = n
    return out


def test_the_parts_count_the_persons_of_one_service_and_the_engine_reads_them(data, monkeypatch):
    """From the dataset (see test_the_rebuild_describes_each_person_at_the_end_of_the_year): P1,
    followed by A and B, is in neither part; P2 (male, 2010), P3 (male, 1993), P5 (female, 1960) are
    A's alone, P7 (male, 2000) B's; the followed days count every row, P1's too."""
    services.refresh_rollups(2025)
    a = parts(data.a)
    assert a["caseload_sex"] == {"male": 2, "female": 1}
    assert a["caseload_age"] == {"0_17": 1, "25_39": 1, "60_plus": 1}
    assert a["caseload_living_situation"] == {"": 3}
    assert a["caseload_health_cover"] == {"": 2, "css": 1}
    assert a["new_persons"] == {"all": 3}
    assert a["followed_days"] == {"all": 365 + 60 + 47 + 1}
    assert parts(data.b)["caseload_age"] == {"25_39": 1}
    assert parts(data.b)["followed_days"] == {"all": 306 + 245}
    # The engine reads them: a drift shows in the figures, and the check names the service.
    ServiceYearPart.objects.create(year=2025, service=data.a, indicator="caseload_sex", key="female", n=3)
    assert figures(scopes(data)["A"], Y2025, True, monkeypatch)["persons_by_sex"]["female"] == 2 + 3  # P1, P5
    assert figures(scopes(data)["A"], Y2025, False, monkeypatch)["persons_by_sex"]["female"] == 2
    assert services.verify_rollups(2025) == [data.a.pk]
    ServiceYearPart.objects.create(year=2025, service=data.a, indicator="caseload_sex", key="female", n=-3)
    assert services.verify_rollups(2025) == []
    assert_rolled_equals_live(data, monkeypatch)


def test_a_person_becoming_shared_leaves_the_part_of_their_service(data, monkeypatch):
    """P2 is followed by A alone; a follow-up by B makes P2 shared (CaseloadYear), and an encounter
    by B too (PersonYear): P2 leaves A's part and is counted once over A+B; undone, P2 comes back."""
    services.refresh_rollups(2025)
    met_before = parts(data.a)["persons_met"]
    f = FollowUp.objects.create(person=data.p2, service=data.b, opened_on=D(2025, 9, 1))
    assert parts(data.a)["caseload_sex"] == {"male": 1, "female": 1}  # P3, P5
    assert "caseload_sex" not in parts(data.b) or parts(data.b)["caseload_sex"] == {"male": 1}  # P7
    encounter = Encounter.objects.create(service=data.b, occurred_at=at(2025, 9, 3), place_kind="street",
                                         mode="visit")
    EncounterPerson.objects.bulk_create([EncounterPerson(encounter=encounter, person_id=data.p2.pk, followup=f,
                                                         service=data.b, occurred_at=encounter.occurred_at)])
    assert parts(data.a)["persons_met"]["all"] == met_before["all"] - 1  # P2 was met by A in 2025
    rolled = figures(scopes(data)["A+B"], Y2025, True, monkeypatch)
    assert rolled == figures(scopes(data)["A+B"], Y2025, False, monkeypatch)
    assert rolled["caseload"] == {"all": 5}  # P2 once
    assert_rolled_equals_live(data, monkeypatch)
    EncounterPerson.objects.filter(encounter=encounter).delete()
    f.delete()
    assert parts(data.a)["persons_met"] == met_before
    assert parts(data.a)["caseload_sex"] == {"male": 2, "female": 1}
    assert_rolled_equals_live(data, monkeypatch)


@pytest.mark.parametrize("seed", range(2))
def test_random_writes_keep_the_parts_exact_and_compaction_keeps_the_sums(data, world, monkeypatch, seed):
    rng = random.Random(seed)
    services.refresh_rollups(2024)
    services.refresh_rollups(2025)
    persons = [data.p1, data.p2, data.p3, data.p5, data.p7,
               *(Person.objects.create(first_name=f"Partie {i}", sex=rng.choice(["female", "male"]),
                                       birth_year=rng.choice([None, 1970, 2001])) for i in range(3))]
    for _step in range(30):
        try:
            with transaction.atomic():
                random_write(rng, rng.random(), persons, [data.a, data.b],
                             lambda: D(rng.choice([2024, 2025, 2026]), rng.randint(1, 12), rng.randint(1, 28)))
        except IntegrityError:
            pass
    assert_rolled_equals_live(data, monkeypatch, (Y2024, Y2025))  # the check compares the parts too
    sums = {svc.pk: parts(svc) for svc in (data.a, data.b)}
    keys = ServiceYearPart.objects.filter(year=2025).values("service", "indicator", "key").distinct().count()
    assert ServiceYearPart.objects.filter(year=2025).count() > keys  # deltas were appended
    services.compact_parts(2025)
    assert ServiceYearPart.objects.filter(year=2025).count() <= keys  # one row per key (zero sums dropped)
    assert {svc.pk: parts(svc) for svc in (data.a, data.b)} == sums
    assert services.verify_rollups(2025) == []


def test_the_migration_backfill_gives_what_the_triggers_give(data):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps

    from aupres.indicators import rollup_sql

    services.refresh_rollups(2024)
    services.refresh_rollups(2025)
    before = {(y, svc.pk): parts(svc, y) for y in (2024, 2025) for svc in (data.a, data.b)}
    with connection.cursor() as cur:
        cur.execute(rollup_sql.PART_DROP_SQL)
    ServiceYearPart.objects.all().delete()
    importlib.import_module("aupres.indicators.migrations.0008_serviceyearpart").triggers_and_backfill(
        apps, SimpleNamespace(connection=connection))
    assert {(y, svc.pk): parts(svc, y) for y in (2024, 2025) for svc in (data.a, data.b)} == before
    assert services.verify_rollups(2025) == []
    # 0009 (the situations at entry and at exit, D69) runs after 0008 made today's parts: it replaces
    # its six indicators' rows, it does not add them twice.
    assert any(before[(2025, data.a.pk)].get(code) for code in ENTRY_EXIT)
    importlib.import_module("aupres.indicators.migrations.0009_entry_exit_parts").triggers_and_backfill(
        apps, SimpleNamespace(connection=connection))
    assert {(y, svc.pk): parts(svc, y) for y in (2024, 2025) for svc in (data.a, data.b)} == before
    assert services.verify_rollups(2025) == []


EVENT_CODES = ("exits_by_reason", "exits_by_destination", "followup_length", "referrals_by_source",
               "referrals_by_status")


def events(services_qs, period, rollups, monkeypatch):
    monkeypatch.setattr(engine, "ROLLUP_MIN_SERVICES", 1 if rollups else 10**9)
    return engine.compute_all(services_qs, period, EVENT_CODES)


def assert_events_rolled_equal_live(data, monkeypatch):
    for period in (Y2024, Y2025):
        for name, qs in scopes(data).items():
            rolled, live = events(qs, period, True, monkeypatch), events(qs, period, False, monkeypatch)
            assert rolled == live, (name, period)
    assert services.verify_rollups(2025) == []
    assert services.verify_rollups(2024) == []


def test_exits_and_referrals_are_counted_by_year_and_kept_by_triggers(data, monkeypatch):
    """Referrals of A in 2025 (dataset): R1 street team accepted, R2 hospital accepted, R3 self
    declined, R5 street team waiting (R4 is of 2024). Then referrals and follow-ups written, moved,
    closed, reopened and deleted: the yearly counts follow, and equal the live ones."""
    services.refresh_rollups(2024)
    services.refresh_rollups(2025)
    assert parts(data.a)["referrals_by_source"] == {"street_team": 2, "hospital": 1, "self": 1}
    assert parts(data.a)["referrals_by_status"] == {"accepted": 2, "declined": 1, "waiting": 1}
    assert events(scopes(data)["A"], Y2025, True, monkeypatch)["referrals_by_status"]["accepted"] == 2
    assert_events_rolled_equal_live(data, monkeypatch)
    r = Referral.objects.create(door="team", source="hospital", service=data.b, received_at=at(2025, 12, 31, 23, 30),
                                status="pending", alias="r9")  # 31 December 23:30 in Paris: 2025
    assert parts(data.b)["referrals_by_source"] == {"hospital": 1}
    Referral.objects.filter(pk=r.pk).update(status="accepted")
    Referral.objects.filter(source="self").update(service=data.b)
    Referral.objects.filter(source="street_team", status="waiting").delete()
    assert_events_rolled_equal_live(data, monkeypatch)
    before = parts(data.b).get("followup_length", {}).get("6_12m", 0)
    f = FollowUp.objects.create(person=data.p5, service=data.b, opened_on=D(2024, 3, 1), closed_on=D(2025, 1, 2),
                                state="exit", exit_reason="other")  # 307 days
    assert parts(data.b)["followup_length"]["6_12m"] == before + 1
    FollowUp.objects.filter(pk=f.pk).update(closed_on=D(2024, 12, 31))  # now an exit of 2024
    assert_events_rolled_equal_live(data, monkeypatch)
    FollowUp.objects.filter(pk=f.pk).update(closed_on=None, state="intake")
    FollowUp.objects.filter(pk=data.f2.pk).update(closed_on=D(2025, 8, 1), exit_reason="housed", state="exit")
    assert_events_rolled_equal_live(data, monkeypatch)
    # A drift is seen by the check and repaired by the rebuild of the service.
    ServiceYearPart.objects.create(year=2025, service=data.a, indicator="exits_by_reason", key="other", n=2)
    assert events(scopes(data)["A"], Y2025, True, monkeypatch) != events(scopes(data)["A"], Y2025, False, monkeypatch)
    assert services.verify_rollups(2025) == [data.a.pk]
    services.refresh_rollups(2025, service_ids=[data.a.pk])
    assert_events_rolled_equal_live(data, monkeypatch)


def test_referral_delays_follow_referrals_and_encounter_links(data, monkeypatch):
    """R1 (received 1 February, accepted, P2's follow-up, first contact 32 days later) and R2
    (30 December, accepted, P3's, 1 day). Links added before the first, moved and deleted, and
    referrals accepted, moved to another follow-up or another year: the bands follow."""
    services.refresh_rollups(2024)
    services.refresh_rollups(2025)
    assert parts(data.a)["referral_to_first_contact"] == {"31_plus": 1, "0_2": 1}
    code = ("referral_to_first_contact",)

    def assert_equal():
        for period in (Y2024, Y2025):
            for qs in scopes(data).values():
                monkeypatch.setattr(engine, "ROLLUP_MIN_SERVICES", 1)
                rolled = engine.compute_all(qs, period, code)
                monkeypatch.setattr(engine, "ROLLUP_MIN_SERVICES", 10**9)
                assert rolled == engine.compute_all(qs, period, code)
        assert services.verify_rollups(2025) == []

    encounter = Encounter.objects.create(service=data.a, occurred_at=at(2025, 2, 5), place_kind="street",
                                         mode="visit")
    EncounterPerson.objects.bulk_create([EncounterPerson(encounter=encounter, person_id=data.p2.pk, followup=data.f2,
                                                         service=data.a, occurred_at=encounter.occurred_at)])
    assert parts(data.a)["referral_to_first_contact"] == {"3_7": 1, "0_2": 1}  # R1: 4 days now
    assert_equal()
    EncounterPerson.objects.filter(encounter=encounter).update(occurred_at=at(2025, 2, 2))
    assert parts(data.a)["referral_to_first_contact"] == {"0_2": 2}
    EncounterPerson.objects.filter(followup=data.f3).update(followup=data.f2)  # R2 loses its contact
    assert parts(data.a)["referral_to_first_contact"] == {"0_2": 1, "no_contact": 1}
    assert_equal()
    EncounterPerson.objects.filter(followup=data.f2).delete()
    assert parts(data.a)["referral_to_first_contact"] == {"no_contact": 2}
    Referral.objects.filter(alias="r3").update(status="accepted", followup=data.f1a)  # P1 met in January
    Referral.objects.filter(alias="r1").update(received_at=at(2024, 12, 20))  # now of 2024
    assert_equal()
    Referral.objects.filter(alias="r2").delete()
    assert_equal()


# The situations at admission and at exit (decision D69) --------------------------------------------

ENTRY_EXIT = ("housing_at_entry", "housing_at_exit", "health_cover_at_entry", "health_cover_at_exit",
              "income_at_entry", "income_at_exit")


def entry_exit(service, year=2025):
    return {code: keys for code, keys in parts(service, year).items() if code in ENTRY_EXIT}


def delta(before, after):
    """{indicator: {key: change}} without the keys that did not move."""
    out = {}
    for code in set(before) | set(after):
        for key in set(before.get(code, {})) | set(after.get(code, {})):
            change = after.get(code, {}).get(key, 0) - before.get(code, {}).get(key, 0)
            if change:
                out.setdefault(code, {})[key] = change
    return out


def assert_entry_exit_rolled_equals_live(data, monkeypatch, period=Y2025):
    for name, qs in scopes(data).items():
        monkeypatch.setattr(engine, "ROLLUP_MIN_SERVICES", 1)
        assert engine._rollup_ready(qs, period)
        rolled = engine.compute_all(qs, period, ENTRY_EXIT)
        monkeypatch.setattr(engine, "ROLLUP_MIN_SERVICES", 10**9)
        assert rolled == engine.compute_all(qs, period, ENTRY_EXIT), name
    assert services.verify_rollups(period.start.year) == []


def test_the_situations_at_entry_and_at_exit_follow_the_histories(data, monkeypatch):
    """A new person followed by A from 1 February to 30 June 2025: in the street since December 2024,
    in their own housing from 15 June; no health cover from 2024, PUMa from March; no income recorded.
    Each change of the histories or of the follow-up moves the counts of A's exits of 2025 (keys as the
    parts keep them: '' is « not recorded »), and the engine reads the same as live."""
    services.refresh_rollups(2025)
    start = entry_exit(data.a)
    p = Person.objects.create(first_name="Entrée", sex="female", birth_year=1980)
    street = LivingSituation.objects.create(person=p, kind="street", started_on=D(2024, 12, 1))
    LivingSituation.objects.create(person=p, kind="own_housing", started_on=D(2025, 6, 15))
    RightStatus.objects.create(person=p, kind="health_cover", value="none", started_on=D(2024, 1, 1))
    RightStatus.objects.create(person=p, kind="health_cover", value="puma", started_on=D(2025, 3, 1))
    assert delta(start, entry_exit(data.a)) == {}  # no exit of theirs yet
    f = FollowUp.objects.create(person=p, service=data.a, opened_on=D(2025, 2, 1), closed_on=D(2025, 6, 30),
                                state="exit")
    assert delta(start, entry_exit(data.a)) == {
        "housing_at_entry": {"street": 1}, "housing_at_exit": {"own_housing": 1},
        "health_cover_at_entry": {"none": 1}, "health_cover_at_exit": {"puma": 1},
        "income_at_entry": {"": 1}, "income_at_exit": {"": 1}}
    assert_entry_exit_rolled_equals_live(data, monkeypatch)
    # A hotel recorded afterwards from 15 January: the situation at admission is the hotel now.
    hotel = LivingSituation.objects.create(person=p, kind="hotel", started_on=D(2025, 1, 15))
    assert delta(start, entry_exit(data.a))["housing_at_entry"] == {"hotel": 1}
    # An income on the day of exit counts at exit (on or before the day), not at admission.
    RightStatus.objects.create(person=p, kind="income", value="rsa", started_on=D(2025, 6, 30))
    assert delta(start, entry_exit(data.a))["income_at_exit"] == {"rsa": 1}
    assert delta(start, entry_exit(data.a))["income_at_entry"] == {"": 1}
    # Records moved to another person (a merge undone, a mistake corrected): gone from this exit.
    LivingSituation.objects.filter(pk__in=[street.pk, hotel.pk]).update(person=data.p7)
    assert delta(start, entry_exit(data.a))["housing_at_entry"] == {"": 1}
    assert_entry_exit_rolled_equals_live(data, monkeypatch)
    # The exit moved into 2026: out of 2025's counts; reopened: out of every year.
    FollowUp.objects.filter(pk=f.pk).update(closed_on=D(2026, 1, 10))
    assert delta(start, entry_exit(data.a)) == {}
    assert entry_exit(data.a, 2026)["housing_at_exit"] == {"own_housing": 1}
    FollowUp.objects.filter(pk=f.pk).update(closed_on=None)
    assert entry_exit(data.a, 2026) == {}
    assert_entry_exit_rolled_equals_live(data, monkeypatch)


@pytest.mark.parametrize("seed", range(2))
def test_random_writes_keep_the_situations_at_entry_and_exit_exact(data, monkeypatch, seed):
    """Random writes of follow-ups, persons, living situations and rights (test_caseload_rollup's): the
    six figures read from the parts equal the live ones, for each scope and for both years."""
    rng = random.Random(100 + seed)
    services.refresh_rollups(2024)
    services.refresh_rollups(2025)
    persons = [data.p1, data.p2, data.p3, data.p5, data.p7]
    for _step in range(40):
        try:
            with transaction.atomic():
                random_write(rng, rng.random(), persons, [data.a, data.b],
                             lambda: D(rng.choice([2024, 2025]), rng.randint(1, 12), rng.randint(1, 28)))
        except IntegrityError:
            pass
    for period in (Y2024, Y2025):
        assert_entry_exit_rolled_equals_live(data, monkeypatch, period)
