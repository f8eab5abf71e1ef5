"""The day service's attendance register and the places' indicators in the engine (with its disclosure
control)."""

import datetime
from decimal import Decimal

import pytest

from aupres.core.errors import Conflict, DomainError, Forbidden, NotFound
from aupres.followups.models import FollowUp
from aupres.indicators import engine
from aupres.indicators.services import publish_one
from aupres.persons.models import Person
from aupres.places import services
from aupres.places.models import Attendance, Place, Stay
from aupres.services.models import Membership, ServiceKind

from .helpers import Residence

pytestmark = pytest.mark.django_db
D = datetime.timedelta


def last_weekday(iso, before=None):
    d = (before or datetime.date.today()) - D(days=1)
    while d.isoweekday() != iso:
        d -= D(days=1)
    return d


@pytest.fixture
def day_service(world):
    service = world.service("LHSS de jour", ServiceKind.objects.get(code="lhss_day"), world.operator)
    service.opening_days = "12345"
    service.save()
    nurse, social = world.user("jour_nurse"), world.user("jour_social")
    for user, profession in ((nurse, "nurse"), (social, "social_worker")):
        Membership.objects.create(user=user, service=service, profession=profession, etp=Decimal("0.5"),
                                  start_date=datetime.date(2025, 1, 1))
    persons = []
    for name in ("Jour A", "Jour B", "Jour C"):
        p = Person.objects.create(alias=name)
        FollowUp.objects.create(person=p, service=service, opened_on=datetime.date(2025, 1, 1))
        persons.append(p)
    return service, nurse, social, persons


def test_the_register_counts_persons_received_per_opening_day(day_service, world):
    service, nurse, social, persons = day_service
    # A whole past week, Monday first (on a Tuesday, the last Tuesday came before the last Monday).
    monday = last_weekday(1, before=datetime.date.today() - D(days=6))
    tuesday, saturday = monday + D(days=1), monday + D(days=5)
    services.record_attendance(nurse, service, persons[0].pk, on=monday, care=["nursing_care", "social_interview"])
    services.record_attendance(social, service, persons[1].pk, on=monday, care=["social_interview"])
    services.record_attendance(social, service, persons[2].pk, on=tuesday)
    with pytest.raises(Conflict):
        services.record_attendance(social, service, persons[2].pk, on=tuesday)
    with pytest.raises(DomainError) as closed:
        services.record_attendance(social, service, persons[0].pk, on=saturday)
    assert closed.value.code == "closed_day"
    with pytest.raises(Forbidden):  # a social worker does not record nursing care
        services.record_attendance(social, service, persons[0].pk, on=tuesday, care=["nursing_care"])
    with pytest.raises(NotFound):  # not followed by the day service
        services.record_attendance(nurse, service, world.person.pk, on=tuesday)
    with pytest.raises(NotFound):
        services.record_attendance(world.users["nurse"], service, persons[0].pk, on=tuesday)
    # The care is shown by compartment: the social worker does not see the nursing care.
    seen = {a.person_id: shown for a, shown in services.register(social, service, monday)}
    assert seen == {persons[0].pk: ["social_interview"], persons[1].pk: ["social_interview"]}
    seen = {a.person_id: shown for a, shown in services.register(nurse, service, monday)}
    assert sorted(seen[persons[0].pk]) == ["nursing_care", "social_interview"]
    mean, days, total = services.persons_per_opening_day([service.pk], monday, tuesday)
    assert (mean, days, total) == (1.5, 2, 3)
    week = services.opening_days_between(service, monday, monday + D(days=6))
    assert len(week) == 5


def test_persons_per_opening_day(day_service):
    """The indicator hides a handful of visits."""
    service, nurse, social, persons = day_service
    monday = last_weekday(1)
    for p in persons:
        services.record_attendance(social, service, p.pk, on=monday)
    period = engine.Period(monday, monday)
    services_qs = type(service).objects.filter(pk=service.pk)
    assert engine.compute("persons_per_opening_day", services_qs, period)["persons_received"] is None  # 3 < 5
    for i in range(3):
        p = Person.objects.create(alias=f"Autre {i}")
        FollowUp.objects.create(person=p, service=service, opened_on=datetime.date(2025, 1, 1))
        services.record_attendance(social, service, p.pk, on=monday)
    table = engine.compute("persons_per_opening_day", services_qs, period)
    assert table == {"persons_received": 6, "opening_days": 1, "per_opening_day": 6.0}
    assert Attendance.objects.count() == 6


@pytest.fixture
def res(world):
    r = Residence(world)
    Place.objects.filter(pk__in=[r.shared.pk, r.family.pk]).update(is_active=False)
    return r


def test_place_occupancy(res):
    """Nights occupied ÷ nights available, out-of-service nights left out."""
    today = datetime.date.today()
    period = engine.Period(today - D(days=40), today - D(days=11))  # 30 days
    stay = services.admit(res.nurse, res.bed1, res.person("A").pk, start_date=today - D(days=45))
    services.end_stay(res.nurse, stay, stay.version, on=today - D(days=30), exit_reason="oriented",
                      exit_destination="lam")
    services.add_out_of_service(res.head, res.bed2, start_date=today - D(days=20), end_date=today - D(days=15),
                                reason="works")
    qs = type(res.service).objects.filter(pk=res.service.pk)
    table = engine.compute("place_occupancy", qs, period)
    # bed 1 occupied the nights [today-40, today-30): 10; available: 2 beds × 30 nights - 5 out of service.
    assert table == {"occupied_nights": 10, "available_nights": 55, "rate_percent": 18.2}


LENGTHS = [10, 20, 30, 40, 50, 70, 100]


@pytest.fixture
def exits(res):
    """Seven stays ended over the last year (one extended), six to ordinary housing, one to the street."""
    today = datetime.date.today()
    res.service.max_length_days = res.service.max_length_days or 60
    res.service.save()
    cursor = today - D(days=360)  # one after the other (the PostgreSQL constraint refuses overlaps)
    for i, length in enumerate(LENGTHS):
        start, cursor = cursor + D(days=length), cursor + D(days=length + 1)
        person = res.person(f"L{i}")
        stay = Stay.objects.create(place=res.bed1 if i % 2 else res.bed2, service=res.service, person=person,
                                   start_date=start - D(days=length), end_date=start, exit_reason="oriented",
                                   exit_destination="ordinary_housing" if i < 6 else "street",
                                   followup=person.followups.first())
        if i == 0:
            services.Extension.objects.create(stay=stay, new_end=start, reason="x", decided_on=start - D(days=3))
    return type(res.service).objects.filter(pk=res.service.pk), engine.Period(today - D(days=365), today)


def test_stay_length(exits):
    qs, period = exits
    assert engine.compute("stay_length", qs, period) == {
        "lt_15d": 1, "15d_2m": 4, "2_6m": 2, "6_12m": 0, "12_24m": 0, "24m_plus": 0}


def test_stay_length_counts_a_chain_of_transfers_from_its_first_admission(res):
    today = datetime.date.today()
    stay = services.admit(res.nurse, res.bed1, res.person("T").pk, start_date=today - D(days=40))
    moved = services.transfer(res.nurse, stay, stay.version, to_place_id=res.bed2.pk, on=today - D(days=20))
    services.end_stay(res.nurse, moved, moved.version, on=today, exit_reason="oriented", exit_destination="act")
    qs = type(res.service).objects.filter(pk=res.service.pk)
    assert engine.compute("stay_length", qs, engine.Period(today - D(days=5), today))["15d_2m"] == 1  # 40 days


def test_stay_mean_length(exits, res):
    qs, period = exits
    assert engine.compute("stay_mean_length", qs, period) == {"mean_days": round(sum(LENGTHS) / 7, 1)}
    short = engine.Period(period.end - D(days=100), period.end)  # fewer than five exits: not given
    assert engine.compute("stay_mean_length", qs, short) == {"mean_days": None}


def test_stays_over_max(exits, res):
    qs, period = exits
    limit = res.service.max_length_days
    assert engine.compute("stays_over_max", qs, period) == {"over_max": sum(1 for n in LENGTHS if n > limit),
                                                            "within": sum(1 for n in LENGTHS if n <= limit)}


def test_stay_extensions(exits):
    qs, period = exits
    assert engine.compute("stay_extensions", qs, period) == {"extensions": 1}
    assert publish_one("stay_extensions", {"extensions": 1})["values"]["extensions"] is None  # suppressed


def test_stay_exits_by_destination(exits):
    qs, period = exits
    table = engine.compute("stay_exits_by_destination", qs, period)
    assert table["ordinary_housing"] == 6 and table["street"] == 1 and sum(table.values()) == 7
    # Disclosure control: the single exit to the street is not published.
    published = publish_one("stay_exits_by_destination", table)
    assert published["values"]["street"] is None and "street" in published["hidden"]
