"""Concurrent admissions on the last free bed: exactly one wins, on SQLite (BEGIN IMMEDIATE: one writer at a
time, the check runs under the write lock) and on PostgreSQL (the place row locked, and the exclusion
constraint behind it). Each thread has its own connection, committing for real (transaction=True)."""

import threading

import pytest
from django.db import connections

from aupres.core.errors import Conflict
from aupres.places import services
from aupres.places.models import Place, Stay

from .helpers import Residence

pytestmark = pytest.mark.django_db(transaction=True)


def _race(targets):
    barrier = threading.Barrier(len(targets))
    outcomes = []

    def run(target):
        try:
            barrier.wait(timeout=30)
            outcomes.append(("won", target()))
        except Conflict as error:
            outcomes.append(("lost", error.code))
        except Exception as error:  # noqa: BLE001 — any other failure is reported below
            outcomes.append(("error", repr(error)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "an admission is still blocked"
    return outcomes


@pytest.mark.parametrize("rounds", [5])
def test_concurrent_admissions_on_the_last_free_bed(world, rounds):
    res = Residence(world)
    Place.objects.filter(service=res.service).exclude(pk=res.bed1.pk).update(is_active=False)
    for round_ in range(rounds):
        persons = [res.person(f"P{round_}-{i}") for i in range(3)]
        outcomes = _race([lambda p=p: services.admit(res.nurse, res.bed1, p.pk).pk for p in persons])
        assert sorted(o for o, _v in outcomes) == ["lost", "lost", "won"], outcomes
        assert {v for o, v in outcomes if o == "lost"} == {"place_taken"}
        assert Stay.objects.filter(place=res.bed1, end_date__isnull=True).count() == 1
        Stay.objects.filter(place=res.bed1).delete()


def test_concurrent_admissions_on_the_last_places_of_a_shared_apartment(world):
    res = Residence(world)
    services.admit(res.nurse, res.shared, res.person("Déjà là").pk)
    persons = [res.person(f"Q{i}") for i in range(4)]
    outcomes = _race([lambda p=p: services.admit(res.nurse, res.shared, p.pk).pk for p in persons])
    assert sorted(o for o, _v in outcomes) == ["lost", "lost", "won", "won"], outcomes
    assert Stay.objects.filter(place=res.shared).count() == 3
