"""Places and stays: overlaps refused, apartments and family units counted, out of service, extend,
transfer, end; the occupancy board at each step."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from aupres.core.errors import Conflict, DomainError, Forbidden, NotFound
from aupres.places import services
from aupres.places.models import Extension, Stay

from .helpers import Residence

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def res(world):
    return Residence(world)


def row_of(board, place):
    return next(r for r in board.rows if r.place.pk == place.pk)


def test_admission_sets_the_planned_end_from_the_service_usual_length(res):
    person = res.person("Alpha")
    stay = services.admit(res.nurse, res.bed1, person.pk)
    assert stay.start_date == TODAY and stay.occupants == 1 and stay.followup.service == res.service
    assert stay.planned_end == TODAY + datetime.timedelta(days=res.service.usual_length_max_days)
    res.service.usual_length_max_days = None
    res.service.save()
    other = services.admit(res.nurse, res.bed2, res.person("Beta").pk)
    assert other.planned_end is None


def test_two_stays_never_share_a_night_on_a_bed(res):
    services.admit(res.nurse, res.bed1, res.person("Alpha").pk, start_date=TODAY - 5 * DAY)
    with pytest.raises(Conflict) as refused:
        services.admit(res.nurse, res.bed1, res.person("Beta").pk)
    assert refused.value.code == "place_taken"
    # a stay starting before an existing one is refused as well (it would run into it: open-ended)
    with pytest.raises(Conflict):
        services.admit(res.nurse, res.bed1, res.person("Gamma").pk, start_date=TODAY - 9 * DAY)
    assert Stay.objects.filter(place=res.bed1).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL's")
def test_the_database_refuses_overlapping_stays_written_around_the_rules(res):
    a, b = res.person("Alpha"), res.person("Beta")
    Stay.objects.create(place=res.bed1, service=res.service, person=a, start_date=TODAY - 10 * DAY,
                        end_date=TODAY, exclusive=True)
    Stay.objects.create(place=res.bed1, service=res.service, person=b, start_date=TODAY, exclusive=True)  # touches
    with pytest.raises(IntegrityError), transaction.atomic():
        Stay.objects.create(place=res.bed1, service=res.service, person=res.person("C"), start_date=TODAY + 3 * DAY,
                            exclusive=True)
    with pytest.raises(IntegrityError), transaction.atomic():  # one person, two places on the same night
        Stay.objects.create(place=res.bed2, service=res.service, person=b, start_date=TODAY + DAY, exclusive=True)
    # a shared apartment is not exclusive: the constraint lets several stays share it
    for name in ("D", "E"):
        Stay.objects.create(place=res.shared, service=res.service, person=res.person(name), start_date=TODAY,
                            exclusive=False)


def test_a_shared_apartment_holds_at_most_its_persons(res):
    for name in ("A", "B", "C"):
        services.admit(res.nurse, res.shared, res.person(name).pk)
    with pytest.raises(Conflict):
        services.admit(res.nurse, res.shared, res.person("D").pk)
    # one leaves tomorrow: a new person may come from tomorrow, not tonight
    stay = Stay.objects.filter(place=res.shared).first()
    services.end_stay(res.nurse, stay, stay.version, on=TODAY + DAY, exit_reason="oriented",
                      exit_destination="act")
    with pytest.raises(Conflict):
        services.admit(res.nurse, res.shared, res.person("E").pk, start_date=TODAY)
    services.admit(res.nurse, res.shared, res.person("F").pk, start_date=TODAY + DAY)


def test_a_family_unit_counts_the_household(res):
    mother = res.person("Mère", sex="female")
    household = res.household(mother, 3)
    with pytest.raises(DomainError) as refused:
        services.admit(res.nurse, res.family, mother.pk)  # alone: the unit is for families
    assert refused.value.code == "place_does_not_fit"
    stay = services.admit(res.nurse, res.family, mother.pk, household_id=household.pk)
    assert stay.occupants == 3 and stay.household == household
    assert row_of(services.board(res.nurse, res.service), res.family).free == 0  # a family unit is exclusive
    big = res.person("Grande", sex="female")
    with pytest.raises(DomainError) as too_big:
        services.admit(res.nurse, res.family, big.pk, household_id=res.household(big, 5).pk)
    assert too_big.value.code == "place_does_not_fit"
    with pytest.raises(DomainError):  # not a member of that household
        services.admit(res.nurse, res.bed2, res.person("X").pk, household_id=household.pk)


def test_out_of_service_periods(res):
    services.add_out_of_service(res.head, res.bed1, start_date=TODAY - DAY, end_date=TODAY + 5 * DAY,
                                reason="works", note="peinture")
    with pytest.raises(Conflict) as refused:
        services.admit(res.nurse, res.bed1, res.person("Alpha").pk)
    assert refused.value.code == "place_out_of_service"
    board = services.board(res.nurse, res.service)
    row = row_of(board, res.bed1)
    assert row.out_of_service and row.free == 0 and row.free_by_day[5] == 1 and row.free_by_day[4] == 0
    # not over an occupied place; not by a nurse
    services.admit(res.nurse, res.bed2, res.person("Beta").pk)
    with pytest.raises(Conflict):
        services.add_out_of_service(res.head, res.bed2, start_date=TODAY + 2 * DAY, reason="damage")
    with pytest.raises(Forbidden):
        services.add_out_of_service(res.nurse, res.shared, start_date=TODAY, reason="damage")
    with pytest.raises(DomainError):
        services.add_out_of_service(res.head, res.shared, start_date=TODAY, end_date=TODAY, reason="damage")


def test_extend_transfer_and_end_show_on_the_board(res):
    person = res.person("Alpha")
    stay = services.admit(res.nurse, res.bed1, person.pk, start_date=TODAY - 10 * DAY)
    planned = stay.planned_end
    with pytest.raises(DomainError):
        services.extend(res.nurse, stay, stay.version, new_end=planned + 10 * DAY, reason="  ")
    stay = services.extend(res.nurse, stay, stay.version, new_end=planned + 10 * DAY, reason="Soins en cours")
    ext = Extension.objects.get(stay=stay)
    assert (ext.previous_end, ext.new_end, ext.decided_by) == (planned, planned + 10 * DAY, res.nurse)
    with pytest.raises(Conflict):  # stale version
        services.extend(res.nurse, stay, stay.version - 1, new_end=planned + 20 * DAY, reason="x")
    moved = services.transfer(res.nurse, stay, stay.version, to_place_id=res.bed2.pk, on=TODAY)
    assert moved.place == res.bed2 and moved.transferred_from_id == stay.pk and moved.planned_end == planned + 10 * DAY
    stay.refresh_from_db()
    assert stay.end_date == TODAY
    board = services.board(res.nurse, res.service)
    occupied = {row.place.label: [s.person for s in row.stays] for row in board.rows}
    assert occupied["Lit 1"] == [] and occupied["Lit 2"] == [person]
    services.end_stay(res.nurse, moved, moved.version, on=TODAY + DAY, exit_reason="oriented",
                      exit_destination="lam")
    moved.refresh_from_db()
    assert (moved.end_date, moved.exit_reason, moved.exit_destination) == (TODAY + DAY, "oriented", "lam")
    row = row_of(services.board(res.nurse, res.service), res.bed2)
    assert row.stays == [moved] and row.free_by_day[:2] == [0, 1]  # tonight taken, free from tomorrow
    with pytest.raises(DomainError):
        services.end_stay(res.nurse, moved, moved.version, on=TODAY + 2 * DAY, exit_reason="oriented",
                          exit_destination="lam")


def test_planned_ends_free_places_on_the_board(res):
    stay = services.admit(res.nurse, res.bed1, res.person("A").pk, start_date=TODAY - 50 * DAY)
    assert stay.planned_end == TODAY + 10 * DAY
    board = services.board(res.nurse, res.service)
    assert row_of(board, res.bed1).free_by_day[9] == 0 and row_of(board, res.bed1).free_by_day[10] == 1
    assert board.ending == [stay]
    assert board.free_now == 0 + 1 + 3 + 1


def test_only_the_service_team_reaches_places_and_stays(res, world):
    stay = services.admit(res.nurse, res.bed1, res.person("A").pk)
    for user in (world.outsider, world.users["nurse"], world.users["regulator"]):
        with pytest.raises(NotFound):
            services.get_stay(user, stay.pk)
        with pytest.raises(NotFound):
            services.admit(user, res.bed2, stay.person_id)
    with pytest.raises(NotFound):  # a person the service does not follow
        services.admit(res.nurse, res.bed2, world.person.pk)
    with pytest.raises(Forbidden):
        services.create_place(res.nurse, res.service.pk, {"label": "Lit 9", "kind": "bed"})
    place = services.create_place(res.head, res.service.pk, {"label": "Lit 9", "kind": "bed"})
    with pytest.raises(DomainError):
        services.create_place(res.head, res.service.pk, {"label": "Lit 9", "kind": "bed"})
    with pytest.raises(Conflict):
        services.update_place(res.head, place, {"label": "Lit 10"}, place.version + 1)


def test_a_person_already_staying_is_not_admitted_twice(res):
    person = res.person("A")
    services.admit(res.nurse, res.bed1, person.pk)
    with pytest.raises(Conflict) as refused:
        services.admit(res.nurse, res.bed2, person.pk)
    assert refused.value.code == "already_staying"
