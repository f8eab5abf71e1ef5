"""Rollup triggers under concurrent writers (PostgreSQL only; docs/indicators.md, "Rollups").

These tests commit in several connections at once (transaction=True): each thread has its own
Django connection, closed when the thread ends."""

import datetime
import threading

import psycopg.errors
import pytest
from django.db import connection, connections, transaction
from django.db.models import Count

from aupres.encounters.models import ACT_COMPARTMENT, Act, Encounter, EncounterPerson
from aupres.followups.models import FollowUp
from aupres.indicators import services
from aupres.indicators.models import EventMonth, PersonYear, RollupState
from aupres.indicators.rollup_sql import HEALTH_ACT_KINDS
from aupres.indicators.tests.dataset import at
from aupres.persons.models import Person

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers and locks of PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

KINDS = ["first_aid", "health_check", "nursing_care", "screening", "vaccination", "wound_care"]


def _causes(error):
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


def _in_threads(*targets):
    """Runs each target in its own thread (own connection); returns the exceptions raised."""
    errors = []

    def run(target):
        try:
            target()
        except Exception as error:  # noqa: BLE001 — reported to the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer is still blocked"
    return errors


def _month_rollup(service, month):
    return {(ind, key): n for ind, key, n in EventMonth.objects.filter(service=service, month=month)
            .exclude(n=0).values_list("indicator", "key", "n")}


def _month_raw(service, encounters):
    raw = {}
    for e in Encounter.objects.filter(pk__in=[e.pk for e in encounters]):
        raw[("encounters_by_place", e.place_kind)] = raw.get(("encounters_by_place", e.place_kind), 0) + 1
        raw[("encounters_by_mode", e.mode)] = raw.get(("encounters_by_mode", e.mode), 0) + 1
    for kind, n in (Act.objects.filter(encounter__in=encounters).order_by().values_list("kind")
                    .annotate(n=Count("pk"))):
        raw[("acts_by_kind", kind)] = n
        if kind in HEALTH_ACT_KINDS:
            raw[("health_actions", kind)] = n
    return raw


def test_acts_written_in_opposite_orders_never_deadlock(world):
    """Two transactions write acts of several kinds for the same service and month, in opposite
    orders, at the same instant, many times. With row-level triggers, each one locked the counter
    rows in the order of its rows and they deadlocked (checked against migration 0002's triggers);
    the statement-level triggers lock them in key order."""
    service = world.service_a
    encounters = [Encounter.objects.create(service=service, occurred_at=at(2025, 3, day), place_kind="street",
                                           mode="visit") for day in (3, 4)]
    rounds, per_kind = 25, 8
    barrier = threading.Barrier(2, timeout=60)

    def writer(encounter, kinds):
        def run():
            try:
                for _round in range(rounds):
                    barrier.wait()
                    with transaction.atomic():
                        Act.objects.bulk_create([Act(encounter=encounter, kind=k, compartment=ACT_COMPARTMENT[k])
                                                 for k in kinds for _i in range(per_kind)])
                        # and one more statement in the same transaction, in the same opposite order
                        Act.objects.bulk_create([Act(encounter=encounter, kind=k, compartment=ACT_COMPARTMENT[k])
                                                 for k in kinds])
            except Exception:
                barrier.abort()  # the other writer stops waiting
                raise
        return run

    errors = _in_threads(writer(encounters[0], KINDS), writer(encounters[1], KINDS[::-1]))
    deadlocks = [e for e in errors if any(isinstance(c, psycopg.errors.DeadlockDetected) for c in _causes(e))]
    assert not deadlocks, f"{len(deadlocks)} deadlocks: {deadlocks[0]}"
    assert not errors, errors
    assert Act.objects.filter(encounter__in=encounters).count() == 2 * rounds * (per_kind + 1) * len(KINDS)
    assert _month_rollup(service, at(2025, 3, 1).date()) == _month_raw(service, encounters)


def test_persons_met_in_opposite_orders_never_deadlock(world):
    """Two transactions meet the same persons (same service and year, other months) in opposite
    orders, and delete the participants of their previous round, at the same instant, many times:
    PersonYear rows are locked in key order by the insert upsert and by the deletion's lock, then
    their months are OR-ed in or recomputed; no deadlock, and the months equal the raw links."""
    service = world.service_a
    followups = [FollowUp.objects.create(person=Person.objects.create(first_name=f"P{i}"), service=service,
                                         opened_on=datetime.date(2025, 1, 1)) for i in range(8)]
    services.refresh_rollups(2025)
    rounds = 20
    barrier = threading.Barrier(2, timeout=60)

    def writer(month, order):
        def run():
            previous = None
            try:
                for i in range(rounds):
                    barrier.wait()
                    with transaction.atomic():
                        when = at(2025, month, 1 + i % 28)
                        encounter = Encounter.objects.create(service=service, occurred_at=when,
                                                             place_kind="street", mode="visit")
                        EncounterPerson.objects.bulk_create([
                            EncounterPerson(encounter=encounter, person_id=f.person_id, followup=f,
                                            service=service, occurred_at=when) for f in order])
                        if previous is not None and i % 2:
                            EncounterPerson.objects.filter(encounter=previous).delete()
                    previous = encounter
            except Exception:
                barrier.abort()
                raise
        return run

    errors = _in_threads(writer(3, followups), writer(4, followups[::-1]))
    deadlocks = [e for e in errors if any(isinstance(c, psycopg.errors.DeadlockDetected) for c in _causes(e))]
    assert not deadlocks, f"{len(deadlocks)} deadlocks: {deadlocks[0]}"
    assert not errors, errors
    assert services.verify_rollups(2025) == []
    months = set(PersonYear.objects.filter(service=service, year=2025).values_list("months", flat=True))
    assert months == {1 << 2 | 1 << 3}  # each writer's last round is kept: March and April


def _waiting_on_locks():
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction the view is read once, then cached
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'")
        return cur.fetchone()[0]


def test_a_deletion_and_an_insertion_of_the_same_persons_queue_in_key_order(world):
    """Deterministic: a third transaction holds the PersonYear row of a person in the middle, so
    that a writer meeting the persons again (new links, another month) and a writer deleting
    their earlier links both wait on it; when it lets go, both lock the remaining rows in key
    order (the insertion's upsert, the deletion's lock before its recomputation from the raw
    links): they queue, they do not deadlock (a deletion locking in another order would), and
    the months are exact."""
    service = world.service_a
    followups = [FollowUp.objects.create(person=Person.objects.create(first_name=f"P{i}"), service=service,
                                         opened_on=datetime.date(2025, 1, 1)) for i in range(10)]
    first = Encounter.objects.create(service=service, occurred_at=at(2025, 3, 2), place_kind="street", mode="visit")
    EncounterPerson.objects.bulk_create([EncounterPerson(encounter=first, person_id=f.person_id, followup=f,
                                                         service=service, occurred_at=first.occurred_at)
                                         for f in followups])
    services.refresh_rollups(2025)
    middle = sorted(f.person_id for f in followups)[5]
    held, release = threading.Event(), threading.Event()

    def holder():
        with transaction.atomic():
            assert PersonYear.objects.select_for_update().filter(year=2025, service=service,
                                                                 person_id=middle).exists()
            held.set()
            assert release.wait(60)

    def inserter():
        assert held.wait(30)
        with transaction.atomic():
            again = Encounter.objects.create(service=service, occurred_at=at(2025, 5, 2), place_kind="street",
                                             mode="visit")
            EncounterPerson.objects.bulk_create([EncounterPerson(
                encounter=again, person_id=f.person_id, followup=f, service=service,
                occurred_at=again.occurred_at) for f in followups[::-1]])

    def deleter():
        assert held.wait(30)
        EncounterPerson.objects.filter(encounter=first).delete()

    def conductor():
        assert held.wait(30)
        for _i in range(300):
            if _waiting_on_locks() >= 2:
                break
            threading.Event().wait(0.1)
        waiting = _waiting_on_locks()
        release.set()
        assert waiting >= 2, "the writers did not both wait on the held row"

    errors = _in_threads(holder, inserter, deleter, conductor)
    deadlocks = [e for e in errors if any(isinstance(c, psycopg.errors.DeadlockDetected) for c in _causes(e))]
    assert not deadlocks, f"{len(deadlocks)} deadlocks: {deadlocks[0]}"
    assert not errors, errors
    assert services.verify_rollups(2025) == []
    assert set(PersonYear.objects.filter(service=service, year=2025).values_list("months", flat=True)) == {1 << 4}


def test_the_nightly_job_verifies_without_waiting_for_writers(world):
    """While a writer holds an open transaction on the rollups (its trigger took row locks), the
    nightly job verifies a built year without waiting; the locked rebuild would wait (lock_timeout)."""
    service = world.service_a
    e = Encounter.objects.create(service=service, occurred_at=at(2025, 5, 2), place_kind="street", mode="visit")
    services.refresh_rollups(2025)
    writing, done = threading.Event(), threading.Event()

    def writer():
        with transaction.atomic():
            Encounter.objects.create(service=service, occurred_at=at(2025, 5, 3), place_kind="street", mode="visit")
            Act.objects.create(encounter=e, kind="vaccination")
            writing.set()
            assert done.wait(60)

    errors = []
    thread = threading.Thread(target=lambda: errors.extend(_in_threads(writer)))
    thread.start()
    try:
        assert writing.wait(30)
        with connection.cursor() as cur:
            cur.execute("SET lock_timeout = '2s'")
        report = services.maintain_rollups(2025)
        assert report == {"year": 2025, "action": "verified", "mismatching_services": 0, "service_ids": []}
        with pytest.raises(Exception) as raised:  # the locked rebuild waits for the writer
            services.refresh_rollups(2025)
        assert any(isinstance(c, psycopg.errors.LockNotAvailable) for c in _causes(raised.value))
    finally:
        done.set()
        thread.join(60)
        with connection.cursor() as cur:
            cur.execute("RESET lock_timeout")
    assert not errors, errors
    # The writer committed: the triggers counted its encounter and act, the verification agrees.
    assert services.maintain_rollups(2025)["mismatching_services"] == 0
    assert _month_rollup(service, at(2025, 5, 1).date()) == _month_raw(
        service, Encounter.objects.filter(service=service))
    assert RollupState.objects.filter(year=2025).exists()
    assert not PersonYear.objects.exists() and not EncounterPerson.objects.exists()


def _overlapping_writers(first, second):
    """`first` writes in a transaction that stays open ~1 s; `second` writes the same person
    meanwhile (it waits for `first`'s person lock, then sees its rows). Returns the errors."""
    written = threading.Event()

    def one():
        with transaction.atomic():
            first()
            written.set()
            threading.Event().wait(1)

    def two():
        assert written.wait(30)
        with transaction.atomic():
            second()
    return _in_threads(one, two)


def test_two_services_meeting_a_new_person_at_once_both_see_the_person_shared(world):
    """Without the per-person lock, each transaction would decide PersonYear.shared from a snapshot
    without the other's row: both rows would stay unshared and the person counted twice over a
    scope. With it, the second waits, then sees the first's row."""
    person = Person.objects.create(first_name="Partagée")
    followups = [FollowUp.objects.create(person=person, service=s, opened_on=datetime.date(2025, 1, 1))
                 for s in (world.service_a, world.service_b)]
    services.refresh_rollups(2025)

    def meet(followup):
        def run():
            e = Encounter.objects.create(service=followup.service, occurred_at=at(2025, 4, 2), place_kind="street",
                                         mode="visit")
            EncounterPerson.objects.create(encounter=e, person_id=person.pk, followup=followup,
                                           service=followup.service, occurred_at=e.occurred_at)
        return run

    errors = _overlapping_writers(meet(followups[0]), meet(followups[1]))
    assert not errors, errors
    assert set(PersonYear.objects.filter(person_id=person.pk).values_list("service_id", "shared")) == {
        (world.service_a.pk, True), (world.service_b.pk, True)}
    assert services.verify_rollups(2025) == []


def test_two_services_opening_a_follow_up_of_one_person_at_once(world):
    """The caseload rows of a person are recomputed whole: two transactions opening follow-ups of
    the same person (two services) queue on the person's lock; the rows of both are there, shared,
    and nothing collides on the rollup's unique key."""
    from aupres.indicators.models import CaseloadYear

    person = Person.objects.create(first_name="Suivie deux fois")
    services.refresh_rollups(2025)

    def open_at(service):
        return lambda: FollowUp.objects.create(person=person, service=service, opened_on=datetime.date(2025, 2, 1))

    errors = _overlapping_writers(open_at(world.service_a), open_at(world.service_b))
    assert not errors, errors
    assert set(CaseloadYear.objects.filter(person_id=person.pk).values_list("service_id", "shared")) == {
        (world.service_a.pk, True), (world.service_b.pk, True)}
    assert services.verify_rollups(2025) == []


def test_a_load_locking_the_rollups_while_a_writer_waits_for_one_of_its_persons(world):
    """A load has locked some persons one by one, then passes PERSON_LOCKS_MAX and locks the rollup
    tables whole, while another writer waits for one of its persons. The waiting writer holds no
    rollup table while it waits (person locks come first), so the load's table lock does not wait
    for it: they queue, no deadlock (with the table lock taken first, they deadlocked)."""
    from aupres.indicators.models import CaseloadYear
    from aupres.indicators.rollup_sql import PERSON_LOCKS_MAX

    services.refresh_rollups(2025)
    persons = Person.objects.bulk_create([Person(first_name=f"Lot {i}") for i in range(PERSON_LOCKS_MAX + 10)])
    first, rest = persons[:PERSON_LOCKS_MAX - 4], persons[PERSON_LOCKS_MAX - 4:]
    target = first[0]
    started = threading.Event()

    def opened(people, service, on):
        return [FollowUp(person=p, service=service, opened_on=on) for p in people]

    def load():
        with transaction.atomic():
            FollowUp.objects.bulk_create(opened(first, world.service_a, datetime.date(2025, 2, 1)))
            started.set()
            for _i in range(300):  # until the other writer waits for the target's lock
                if _waiting_on_locks() >= 1:
                    break
                threading.Event().wait(0.1)
            assert _waiting_on_locks() >= 1, "the other writer did not wait"
            FollowUp.objects.bulk_create(opened(rest, world.service_a, datetime.date(2025, 2, 1)))

    def writer():
        assert started.wait(30)
        FollowUp.objects.create(person=target, service=world.service_b, opened_on=datetime.date(2025, 3, 1))

    errors = _in_threads(load, writer)
    deadlocks = [e for e in errors if any(isinstance(c, psycopg.errors.DeadlockDetected) for c in _causes(e))]
    assert not deadlocks, f"{len(deadlocks)} deadlocks: {deadlocks[0]}"
    assert not errors, errors
    assert set(CaseloadYear.objects.filter(person_id=target.pk).values_list("service_id", "shared")) == {
        (world.service_a.pk, True), (world.service_b.pk, True)}
    assert CaseloadYear.objects.filter(person_id__in=[p.pk for p in persons]).count() == len(persons) + 1
    assert services.verify_rollups(2025) == []
