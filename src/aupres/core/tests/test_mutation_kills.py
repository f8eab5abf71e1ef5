"""Tests written for mutants that survived bench/mutation.py (issue #22), one per gap."""

import datetime

import pytest
from django.utils import timezone

from aupres.core import access
from aupres.referrals import services as referrals
from aupres.services.models import CapacityUnit, Membership

pytestmark = pytest.mark.django_db


def test_a_membership_starting_tomorrow_gives_no_access_yet(world):
    """services.models MembershipQuerySet.active mutant 7 (start_date ignored)."""
    doctor = world.users["doctor"]
    Membership.objects.filter(user=doctor).update(start_date=timezone.localdate() + datetime.timedelta(days=1))
    access.forget(doctor)
    assert access.compartments_on(doctor, world.person) == frozenset()
    assert not Membership.objects.active().filter(user=doctor).exists()


def test_a_membership_not_yet_journaled_and_notified_gives_no_access(world):
    """services.models MembershipQuerySet.active mutant 8 (notified_at ignored): D19."""
    doctor = world.users["doctor"]
    Membership.objects.filter(user=doctor).update(notified_at=None)
    access.forget(doctor)
    assert access.compartments_on(doctor, world.person) == frozenset()


def test_full_with_adds_one_by_default():
    """referrals.services Capacity.full_with mutant 1 (default 2)."""
    assert not referrals.Capacity(used=2, limit=3, unit=CapacityUnit.BEDS).full_with()
    assert referrals.Capacity(used=3, limit=3, unit=CapacityUnit.BEDS).full_with()


def test_case_managers_are_counted_on_the_day_asked(world):
    """referrals.services capacity_usage mutant 45 (active(None): today instead of `on`)."""
    service = world.service_b
    service.capacity, service.capacity_unit = 10, CapacityUnit.SITUATIONS_PER_CASE_MANAGER
    service.save()
    Membership.objects.create(user=world.users["case_manager"], service=service, profession="case_manager",
                              etp="0.5", start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2025, 12, 31))
    assert referrals.capacity_usage(service, on=datetime.date(2025, 6, 1)).limit == 10
    assert referrals.capacity_usage(service).limit == 0  # ended: no case manager today
