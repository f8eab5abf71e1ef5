"""`field__any_of`: the rows of `__in`, with the list as one array parameter on PostgreSQL (D74)."""

import pytest
from django.db import connection

from aupres.followups.models import FollowUp
from aupres.services.models import Service

pytestmark = pytest.mark.django_db


def test_any_of_finds_what_in_finds_on_a_key_and_a_relation(world):
    ids = [world.service_a.pk, world.service_c.pk, 10**12]
    assert set(Service.objects.filter(pk__any_of=ids)) == set(Service.objects.filter(pk__in=ids)) == {
        world.service_a, world.service_c}
    assert list(FollowUp.objects.filter(service__any_of=ids)) == list(FollowUp.objects.filter(service__in=ids))
    assert FollowUp.objects.filter(service__any_of=ids).count() == 1
    assert not Service.objects.filter(pk__any_of=[]).exists()
    assert set(Service.objects.exclude(pk__any_of=ids)) == {world.service_b}


def test_a_thousand_ids_are_one_parameter_on_postgresql(world):
    sql, params = FollowUp.objects.filter(service__any_of=range(1, 1001)).query.sql_with_params()
    if connection.vendor != "postgresql":
        assert len(params) == 1000  # Django's IN elsewhere
        return
    assert "= ANY(%s::bigint[])" in sql
    assert params == (list(range(1, 1001)),)


def test_anything_but_ids_is_refused():
    with pytest.raises((TypeError, ValueError)):
        str(Service.objects.filter(pk__any_of=["a"]).query)
