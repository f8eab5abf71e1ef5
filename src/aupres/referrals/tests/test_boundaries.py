"""Each intake rule at its edge (issue #22): the last free place and one more with a closed follow-up
present, the adults-only public at 17/18, minimum and maximum ages at min−1/min/max/max+1 (explicit
Hypothesis examples, so that an off-by-one is caught on every run, not 2 runs out of 6)."""

import datetime

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aupres.core.errors import DomainError
from aupres.followups.models import FollowUp
from aupres.persons.models import Household, HouseholdMember, Person
from aupres.referrals import services
from aupres.referrals.models import Referral, Status
from aupres.referrals.tests.helpers import referral
from aupres.services.models import CapacityUnit, Public

pytestmark = pytest.mark.django_db

ADULT = 18  # DOMAIN.md §2: LHSS and LAM take adults (majeurs), written here, not read from the product
MIN_AGE, MAX_AGE = 25, 60


def _codes(service, r):
    return [c for c, _m in services.eligibility(service, r)]


def _unsaved(service, age):
    return Referral(service=service, source="pass", alias="X", needs=["health"], estimated_age=age,
                    received_at=timezone.now())


@given(age=st.integers(min_value=0, max_value=110))
@example(age=ADULT - 1)
@example(age=ADULT)
@example(age=ADULT + 1)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_adults_only_public_at_seventeen_and_eighteen(world, age):
    service = world.service_c
    service.public, service.min_age, service.max_age = Public.ADULTS, None, None  # the public alone decides
    assert ("wrong_public" in _codes(service, _unsaved(service, age))) is (age < ADULT)


@given(age=st.integers(min_value=0, max_value=110))
@example(age=MIN_AGE - 1)
@example(age=MIN_AGE)
@example(age=MAX_AGE)
@example(age=MAX_AGE + 1)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_min_and_max_age_at_their_edges(world, age):
    service = world.service_c
    service.public, service.min_age, service.max_age = Public.ANY, MIN_AGE, MAX_AGE
    got = _codes(service, _unsaved(service, age))
    assert ("too_young" in got) is (age < MIN_AGE)
    assert ("too_old" in got) is (age > MAX_AGE)


def test_the_adults_rule_through_accept(world):
    """18 years old is accepted by an adults-only service without any override; 17 is refused."""
    service = world.service_a
    service.min_age = None
    service.save()
    year = timezone.localdate().year
    nurse = world.users["nurse"]
    minor = referral(service, alias="Dix-sept", birth_year=year - 17)
    with pytest.raises(DomainError) as refused:
        services.accept(nurse, minor, minor.version)
    assert refused.value.details["reasons"] == ["wrong_public"]
    adult = referral(service, alias="Dix-huit", birth_year=year - 18)
    services.accept(nurse, adult, adult.version)
    adult.refresh_from_db()
    assert adult.status == Status.ACCEPTED and adult.overridden_rules == []


@pytest.mark.parametrize("unit", [CapacityUnit.BEDS, CapacityUnit.HOUSEHOLDS])
def test_the_last_free_place_and_one_more_with_a_closed_follow_up_present(world, unit):
    """Capacity 3: world.person and one more are followed, a third left (closed follow-up, still in its
    access window): the third referral takes the last place, the fourth is refused."""
    service = world.service_a
    service.capacity, service.capacity_unit = 3, unit
    service.save()
    FollowUp.objects.create(person=Person.objects.create(alias="Suivi"), service=service,
                            opened_on=datetime.date(2026, 1, 2))
    gone = FollowUp.objects.create(person=Person.objects.create(alias="Sorti"), service=service,
                                   opened_on=datetime.date(2025, 6, 1))
    gone.close(timezone.localdate() - datetime.timedelta(days=3))
    gone.save()
    family = Household.objects.create(label="Famille sortie")  # the household left with the person
    HouseholdMember.objects.create(household=family, person=gone.person, role="head")
    sibling = Person.objects.create(alias="Sœur")
    HouseholdMember.objects.create(household=family, person=sibling, role="other")
    assert services._adds_to_capacity(service, sibling) == 1  # her household is no longer counted
    usage = services.capacity_usage(service)
    assert (usage.used, usage.limit, usage.free) == (2, 3, 1)
    nurse = world.users["nurse"]
    last = referral(service, alias="Dernière place")
    services.accept(nurse, last, last.version)
    last.refresh_from_db()
    assert last.status == Status.ACCEPTED and last.overridden_rules == []
    assert services.capacity_usage(service).free == 0
    one_more = referral(service, alias="Une de trop")
    with pytest.raises(DomainError) as refused:
        services.accept(nurse, one_more, one_more.version)
    assert refused.value.code == "capacity_full" and refused.value.details == {"used": 3, "limit": 3}


def test_capacity_full_with_is_strict_at_the_limit():
    cap = services.Capacity(used=2, limit=3, unit=CapacityUnit.BEDS)
    assert not cap.full_with(1) and cap.full_with(2) and cap.free == 1
    assert services.Capacity(used=3, limit=3, unit=CapacityUnit.BEDS).full_with(1)
    assert services.Capacity(used=5, limit=3, unit=CapacityUnit.BEDS).free == 0
    assert not services.Capacity(used=99, limit=None, unit=CapacityUnit.BEDS).full_with(1)


@pytest.mark.parametrize(("since", "on", "months"), [
    (datetime.date(2026, 1, 15), datetime.date(2026, 7, 15), 6),
    (datetime.date(2026, 1, 15), datetime.date(2026, 7, 14), 5),
    (datetime.date(2025, 12, 31), datetime.date(2026, 2, 28), 1),
    (datetime.date(2025, 7, 1), datetime.date(2026, 1, 1), 6),
])
def test_months_on_the_street_are_whole_months(since, on, months):
    assert services._months_between(since, on) == months


@pytest.mark.parametrize(("months", "too_long"), [(5, False), (6, False), (7, True)])
def test_case_management_takes_six_months_on_the_street_not_seven(world, months, too_long):
    service = world.service_c
    service.public, service.min_age, service.max_age, service.max_months_on_street = Public.ANY, None, None, 6
    on = datetime.date(2026, 9, 15)
    r = Referral(service=service, source="pass", alias="X", needs=["health"], received_at=timezone.now(),
                 on_street_since=datetime.date(2026, 9 - months, 15))
    got = [c for c, _m in services.eligibility(service, r, on=on)]
    assert ("too_long_on_street" in got) is too_long


@pytest.mark.parametrize(("date", "prescriber", "missing"), [
    (None, "", True), (datetime.date(2026, 1, 2), "", True), (None, "Dr Roux", True),
    (datetime.date(2026, 1, 2), "  ", True), (datetime.date(2026, 1, 2), "Dr Roux", False)])
@pytest.mark.parametrize("how", ["flag", "document"])
def test_a_prescription_needs_both_its_date_and_its_prescriber(world, date, prescriber, missing, how):
    service = world.service_c
    service.public, service.min_age, service.max_age = Public.ANY, None, None
    service.requires_prescription = how == "flag"
    service.required_documents = ["prescription"] if how == "document" else []
    r = Referral(service=service, source="pass", alias="X", needs=["health"], received_at=timezone.now(),
                 prescription_date=date, prescriber=prescriber)
    assert ("missing_prescription" in _codes(service, r)) is missing
    assert "missing_document" not in _codes(service, r)  # the prescription is no attached document


def test_a_capacity_of_zero_or_per_opening_day_limits_nothing(world):
    service = world.service_a
    service.capacity, service.capacity_unit = 0, CapacityUnit.BEDS
    assert services.capacity_usage(service).limit is None
    service.capacity, service.capacity_unit = 4, CapacityUnit.PERSONS_PER_DAY
    usage = services.capacity_usage(service)
    assert usage.limit is None and usage.free is None and not usage.full_with(10)
    service.capacity_unit = CapacityUnit.PLACES
    usage = services.capacity_usage(service)
    assert (usage.used, usage.limit, usage.free, usage.unit) == (1, 4, 3, CapacityUnit.PLACES)
