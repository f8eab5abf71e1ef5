"""Concurrent admissions on the last free bed: exactly one wins, on SQLite (BEGIN IMMEDIATE: one writer at a
time, the check runs under the write lock) and on PostgreSQL (the place row locked, and the exclusion
constraint behind it). Each thread has its own connection, committing for real (transaction=True)."""


import pytest

from aupres.core.errors import Conflict
from aupres.core.tests.race import race
from aupres.places import services
from aupres.places.models import Place, Stay

from .helpers import Residence

pytestmark = pytest.mark.django_db(transaction=True)


def _race(targets):
    return race(targets, lost=Conflict)


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
