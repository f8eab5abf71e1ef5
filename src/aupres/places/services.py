"""Rules about places and stays, called alike by screens, API, the referral acceptance and the demo.

- Places: create_place, update_place, add_out_of_service (head of service of the place's service).
- Stays: admit, extend, transfer, end_stay (the service's team). Two stays never share a night on an
  exclusive place (bed, room, individual apartment, family unit) and a shared apartment never holds
  more than its persons. Every writer locks the place row first (SELECT … FOR UPDATE on PostgreSQL;
  on SQLite every transaction is BEGIN IMMEDIATE, one writer at a time), then checks; on PostgreSQL
  exclusion constraints (migration 0002) also refuse overlapping stays, whatever wrote them.
- Free places: free_places(service, on), fitting(...) for a referral; the occupancy board; the
  regional view of free places for regulators.
- Confidential locations: place_address(user, place) — the address only to the service's team.
"""

import datetime
import time
from dataclasses import dataclass, field

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.accounts.models import AccountKind
from aupres.audit.models import IDENTITY
from aupres.audit.services import record
from aupres.core import access
from aupres.core.errors import Conflict, DomainError, Forbidden, NotFound, stale_edit_error
from aupres.core.models import Compartment, StaleEdit
from aupres.encounters.models import ACT_COMPARTMENT, ActKind
from aupres.followups.models import ExitDestination, ExitReason, FollowUp
from aupres.indicators import engine
from aupres.indicators import services as indicators
from aupres.persons.models import HouseholdMember
from aupres.places.models import (
    EXCLUSIVE_KINDS,
    Attendance,
    Extension,
    FamilyRestriction,
    OutOfService,
    OutOfServiceReason,
    Place,
    PlaceKind,
    PlaceRouting,
    SexRestriction,
    Stay,
)
from aupres.places.nights import MONTHS, free_nights_by_service, mean_free_by_month
from aupres.referrals import services as referrals
from aupres.services.models import CapacityUnit, Membership, Profession, Service, Territory

BOARD_DAYS = 30
PLACE_FIELDS = ("label", "kind", "persons", "wheelchair", "ground_floor", "sex", "family", "address", "is_active")


# Service rules, as dated rules (issue #19: Service.rule_on reads the value in force on a day).

def usual_length_days(service, on=None):
    """The service's usual length of stay in days, in force on `on` (None: open)."""
    return service.rule_on("usual_length_max_days", on or timezone.localdate())


def max_length_days(service, on=None):
    """The service's maximum length of stay in days, in force on `on` (None: open)."""
    return service.rule_on("max_length_days", on or timezone.localdate())


# Who may do what ----------------------------------------------------------------------------------

def team_service_ids(user):
    """Services whose places and stays the user reads and changes: their team (administrative)."""
    return access.service_ids(user, Compartment.ADMINISTRATIVE)


def head_service_ids(user):
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Membership.objects.active().filter(user=user, profession=Profession.HEAD_OF_SERVICE)
                .values_list("service_id", flat=True))


def team_service(user, service_id):
    """A service of the user's team, or NotFound."""
    try:
        service_id = int(service_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if service_id not in team_service_ids(user):
        raise NotFound()
    return Service.objects.get(pk=service_id)


def require_head(user, service_id):
    if service_id not in head_service_ids(user):
        raise Forbidden(_("Only the head of service manages its places."), code="head_of_service_only")


def get_place(user, place_id):
    """A place of one of the user's services (NotFound otherwise)."""
    try:
        place_id = int(place_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    place = Place.objects.select_related("service").filter(pk=place_id, service_id__in=team_service_ids(user)).first()
    if place is None:
        raise NotFound()
    return place


# What a stay shows of its person (name, dates, place) in the journal (issue #16: the services journal).
STAY_COMPARTMENTS = (IDENTITY, Compartment.ADMINISTRATIVE)


def read_stay(user, stay_id):
    """A stay of one of the user's services, shown: journaled as a read of its person."""
    stay = get_stay(user, stay_id)
    record(user, stay.person_id, "read", STAY_COMPARTMENTS, service_id=stay.service_id)
    return stay


def get_stay(user, stay_id):
    try:
        stay_id = int(stay_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    stay = (Stay.objects.select_related("place", "service", "person")
            .filter(pk=stay_id, service_id__in=team_service_ids(user)).first())
    if stay is None:
        raise NotFound()
    return stay


def place_address(user, place):
    """The address of the place, or "" for whoever is not in the service's team when its location is
    confidential. Every screen, API answer and export that names an address goes through here."""
    if place.service.confidential_location and place.service_id not in team_service_ids(user):
        return ""
    return place.address


# Places --------------------------------------------------------------------------------------------

def _check_place_values(values):
    label = (values.get("label") or "").strip()
    if not label:
        raise DomainError(_("Give the place a name."), field="label", code="label_required")
    if values.get("kind") not in PlaceKind.values:
        raise DomainError(_("Choose the kind of place."), field="kind", code="kind_required")
    persons = values.get("persons") or 1
    if not isinstance(persons, int) or not 1 <= persons <= 30:
        raise DomainError(_("A place holds from 1 to 30 persons."), field="persons", code="persons_range")
    if values["kind"] in (PlaceKind.BED, PlaceKind.ROOM, PlaceKind.APARTMENT) and persons != 1 and \
            values["kind"] != PlaceKind.ROOM:
        raise DomainError(_("A bed or an individual apartment holds one person; use a shared apartment or a "
                            "family unit for more."), field="persons", code="persons_single")
    if values.get("sex", SexRestriction.ANY) not in SexRestriction.values:
        raise DomainError(_("Unknown restriction."), field="sex", code="invalid_choice")
    if values.get("family", FamilyRestriction.ANY) not in FamilyRestriction.values:
        raise DomainError(_("Unknown restriction."), field="family", code="invalid_choice")
    values["label"], values["persons"] = label, persons
    values["address"] = (values.get("address") or "").strip()
    return values


def create_place(user, service_id, values):
    require_head(user, int(service_id))
    values = _check_place_values({k: v for k, v in values.items() if k in PLACE_FIELDS})
    if Place.objects.filter(service_id=service_id, label=values["label"]).exists():
        raise DomainError(_("Another place of this service has this name."), field="label", code="label_taken")
    try:
        with transaction.atomic():
            return Place.objects.create(service_id=service_id, **values)
    except IntegrityError:
        raise DomainError(_("Another place of this service has this name."), field="label",
                          code="label_taken") from None


@transaction.atomic
def update_place(user, place, values, version):
    require_head(user, place.service_id)
    current = {name: getattr(place, name) for name in PLACE_FIELDS}
    current.update({k: v for k, v in values.items() if k in PLACE_FIELDS})
    current = _check_place_values(current)
    locked = Place.objects.select_for_update().get(pk=place.pk)
    if current["kind"] != locked.kind and locked.stays.filter(end_date__isnull=True).exists():
        raise DomainError(_("Someone stays on this place: end the stay before changing its kind."), field="kind",
                          code="place_occupied")
    if current["persons"] < locked.persons:
        used = _max_occupancy(locked, timezone.localdate(), None)
        if used > current["persons"]:
            raise DomainError(_("More persons stay here now than the new number."), field="persons",
                              code="place_occupied")
    if Place.objects.filter(service_id=place.service_id, label=current["label"]).exclude(pk=place.pk).exists():
        raise DomainError(_("Another place of this service has this name."), field="label", code="label_taken")
    for name, value in current.items():
        setattr(place, name, value)
    try:
        place.save_versioned(version, update_fields=list(PLACE_FIELDS))
    except StaleEdit:
        raise stale_edit_error() from None
    return place


def _overlapping(qs, start, end):
    """Rows of qs (with start_date / end_date, end excluded, None = open) sharing a night with [start, end)."""
    qs = qs.filter(Q(end_date__isnull=True) | Q(end_date__gt=start))
    if end is not None:
        qs = qs.filter(start_date__lt=end)
    return qs


@transaction.atomic
def add_out_of_service(user, place, *, start_date, end_date=None, reason, note=""):
    require_head(user, place.service_id)
    if reason not in OutOfServiceReason.values:
        raise DomainError(_("Give the reason."), field="reason", code="reason_required")
    if end_date is not None and end_date <= start_date:
        raise DomainError(_("The end comes after the start."), field="end_date", code="dates_order")
    Place.objects.select_for_update().filter(pk=place.pk).first()
    if _overlapping(place.stays.all(), start_date, end_date).exists():
        raise Conflict(_("Someone stays on this place during these dates: transfer them first."),
                       code="place_occupied", field="start_date")
    return OutOfService.objects.create(place=place, start_date=start_date, end_date=end_date, reason=reason,
                                       note=(note or "").strip()[:300], recorded_by=user)


# Occupancy -----------------------------------------------------------------------------------------

def _max_occupancy(place, start, end, exclude=None):
    """The most persons on the place on any night of [start, end) (end None: open)."""
    stays = list(_overlapping(place.stays.exclude(pk=exclude), start, end).values_list(
        "start_date", "end_date", "occupants"))
    points = {start} | {s for s, _e, _n in stays if s > start}
    best = 0
    for day in points:
        best = max(best, sum(n for s, e, n in stays if s <= day and (e is None or e > day)))
    return best


def _out_of_service_during(place, start, end):
    return _overlapping(place.out_of_service.all(), start, end).exists()


@dataclass
class Fit:
    sex: str = "unknown"
    family: bool = False
    persons: int = 1
    wheelchair: bool = False
    ground_floor: bool = False


def fit_reasons(place, fit):
    """Why the place does not fit the person or household: [(code, message)], empty when it fits."""
    reasons = []
    if place.sex != SexRestriction.ANY and fit.sex in ("female", "male") and fit.sex != place.sex:
        reasons.append(("sex", _("This place is reserved for %(who)s.") % {
            "who": SexRestriction(place.sex).label.lower()}))
    if place.family == FamilyRestriction.FAMILIES and not fit.family:
        reasons.append(("family", _("This place is for families.")))
    if place.family == FamilyRestriction.SINGLES and fit.family:
        reasons.append(("family", _("This place is for single persons.")))
    if fit.persons > place.persons:
        reasons.append(("persons", _("This place holds %(n)s persons.") % {"n": place.persons}))
    if fit.wheelchair and not place.wheelchair:
        reasons.append(("wheelchair", _("This place is not wheelchair accessible.")))
    if fit.ground_floor and not (place.ground_floor or place.wheelchair):
        reasons.append(("ground_floor", _("This place is not on the ground floor.")))
    return reasons


def free_count(kind, persons, used, closed=False):
    """Free places in the place's own terms: an exclusive place (bed, room, apartment, family unit) is one
    free place when nobody stays there; a shared apartment counts its free persons."""
    if closed:
        return 0
    if kind in EXCLUSIVE_KINDS:
        return 0 if used else 1
    return max(0, persons - used)


def occupied_by_place(place_ids, day):
    """{place_id: persons} staying the night of `day`."""
    rows = (Stay.objects.filter(place_id__in=place_ids, start_date__lte=day)
            .filter(Q(end_date__isnull=True) | Q(end_date__gt=day))
            .order_by().values("place_id").annotate(n=Sum("occupants")))
    return {r["place_id"]: r["n"] for r in rows}


def out_of_service_ids(place_ids, day):
    return set(OutOfService.objects.filter(place_id__in=place_ids, start_date__lte=day)
               .filter(Q(end_date__isnull=True) | Q(end_date__gt=day)).values_list("place_id", flat=True))


def free_places(service, on=None, fit=None):
    """[(place, free persons)] of the service free the night of `on`, fitting `fit` when given."""
    on = on or timezone.localdate()
    places = list(Place.objects.filter(service=service, is_active=True))
    ids = [p.pk for p in places]
    used, closed = occupied_by_place(ids, on), out_of_service_ids(ids, on)
    result = []
    for place in places:
        free = free_count(place.kind, place.persons, used.get(place.pk, 0), place.pk in closed)
        if fit is not None and not place.exclusive and free < fit.persons:
            continue
        if free and (fit is None or not fit_reasons(place, fit)):
            result.append((place, free))
    return result


def fit_of_person(person, household=None, on=None):
    on = on or timezone.localdate()
    size = 1
    if household is not None:
        size = HouseholdMember.objects.filter(household=household).filter(
            Q(until__isnull=True) | Q(until__gt=on)).count() or 1
    return Fit(sex=person.sex, family=household is not None, persons=size)


def fit_of_referral(referral):
    size = max(referral.household_size or 1, 1 + (referral.minor_children or 0) + (1 if referral.newborn else 0))
    return Fit(sex=referral.sex, family=size > 1, persons=size)


# Stays ---------------------------------------------------------------------------------------------

def _lock_place(place):
    """The place row, locked until the end of the transaction (every writer of its stays goes here)."""
    return Place.objects.select_for_update().select_related("service").get(pk=place.pk)


def _retrying_sqlite_lock(fn):
    """On SQLite a concurrent writer holds the database: wait for it and try again (the loser then sees
    the winner's stay). Only outside an enclosing transaction."""
    def wrapper(*args, **kwargs):
        for attempt in range(20):
            try:
                return fn(*args, **kwargs)
            except OperationalError as error:
                if connection.vendor != "sqlite" or "locked" not in str(error) or connection.in_atomic_block \
                        or attempt == 19:
                    raise

                time.sleep(0.05 * (attempt + 1))
        return None
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _check_stay_dates(start_date, end_date=None, field="start_date"):
    today = timezone.localdate()
    if start_date is None:
        raise DomainError(_("Give the date."), field=field, code="date_required")
    if start_date > today + datetime.timedelta(days=60) or start_date < today - datetime.timedelta(days=3650):
        raise DomainError(_("This date is too far from today."), field=field, code="date_out_of_range")


def _place_taken(place, start, end, occupants, exclude=None):
    """Conflict when the place cannot take `occupants` more persons on every night of [start, end)."""
    if _out_of_service_during(place, start, end):
        raise Conflict(_("This place is out of service on these dates."), code="place_out_of_service",
                       field="place")
    used = _max_occupancy(place, start, end, exclude)
    if (place.exclusive and used) or used + occupants > place.persons:
        raise Conflict(_("This place is already taken on these dates: choose another one."), code="place_taken",
                       field="place")


def _household_of(person, household_id, on):
    if not household_id:
        return None
    member = (HouseholdMember.objects.select_related("household")
              .filter(person=person, household_id=household_id)
              .filter(Q(until__isnull=True) | Q(until__gt=on)).first())
    if member is None:
        raise DomainError(_("The person is not a current member of this household."), field="household",
                          code="not_a_member")
    return member.household


def _insert_stay(stay):
    try:
        with transaction.atomic():
            stay.save()
    except IntegrityError:
        # The PostgreSQL exclusion constraints: another stay took the place (or the person) meanwhile.
        raise Conflict(_("This place is already taken on these dates: choose another one."), code="place_taken",
                       field="place") from None
    return stay


@_retrying_sqlite_lock
@transaction.atomic
def admit(user, place, person_id, *, start_date=None, household_id=None, referral=None, followup=None,
          planned_end=None, fit_override=False, occupants=None):
    """Put the person (with their household, on a family place) on the place from `start_date`.

    The person needs an open follow-up in the place's service (given, or found). Refused when the place
    is out of service, taken, or does not fit (unless fit_override, decided by the head of service)."""
    if place.service_id not in team_service_ids(user):
        raise NotFound()
    start_date = start_date or timezone.localdate()
    _check_stay_dates(start_date)
    place = _lock_place(place)
    if not place.is_active:
        raise DomainError(_("This place is not in use."), field="place", code="place_inactive")
    if followup is None:
        person = access.visible_persons(user).filter(pk=person_id).first()
        if person is None:
            raise NotFound(field="person")
        followup = FollowUp.objects.open().filter(person=person, service_id=place.service_id).first()
        if followup is None:
            raise DomainError(_("This person has no open follow-up in this service: accept a referral or open "
                                "a follow-up first."), field="person", code="no_followup")
    person = followup.person
    household = _household_of(person, household_id, start_date)
    fit = fit_of_person(person, household, start_date)
    if household is None and occupants and occupants > 1:  # a family known from the referral only
        fit = Fit(sex=person.sex, family=True, persons=min(int(occupants), 30))
    occupants = fit.persons
    reasons = fit_reasons(place, fit)
    if reasons and not fit_override:
        raise DomainError(" ".join(str(m) for _c, m in reasons), field="place", code="place_does_not_fit",
                          details={"reasons": [c for c, _m in reasons]})
    if Stay.objects.filter(person=person, service_id=place.service_id).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=start_date)).exists():
        raise Conflict(_("This person already has a stay in this service on these dates."), field="person",
                       code="already_staying")
    _place_taken(place, start_date, None, occupants)
    if planned_end is None:
        length = usual_length_days(place.service, start_date)
        planned_end = start_date + datetime.timedelta(days=length) if length else None
    elif planned_end <= start_date:
        raise DomainError(_("The planned end comes after the admission."), field="planned_end", code="dates_order")
    stay = Stay(place=place, service_id=place.service_id, person=person, household=household, occupants=occupants,
                exclusive=place.exclusive, followup=followup, referral=referral, start_date=start_date,
                planned_end=planned_end, admitted_by=user)
    stay = _insert_stay(stay)
    record(user, person, "create", STAY_COMPARTMENTS, service_id=place.service_id)
    return stay


def _editing(user, stay, version):
    if stay.service_id not in team_service_ids(user):
        raise NotFound()
    locked = Stay.objects.select_for_update().select_related("place", "service").get(pk=stay.pk)
    if version is not None and locked.version != int(version):
        raise stale_edit_error()
    if locked.end_date is not None:
        raise DomainError(_("This stay has ended."), code="stay_ended")
    return locked


def _save(stay, version, fields):
    try:
        stay.save_versioned(version if version is not None else stay.version, update_fields=fields)
    except StaleEdit:
        raise stale_edit_error() from None


@transaction.atomic
def extend(user, stay, version, *, new_end, reason):
    """Move the planned end later, with the reason and who decided."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason of the extension."), field="reason", code="reason_required")
    if new_end is None:
        raise DomainError(_("Give the new planned end."), field="new_end", code="date_required")
    _lock_place(stay.place)
    stay = _editing(user, stay, version)
    if new_end <= max(stay.start_date, stay.planned_end or stay.start_date):
        raise DomainError(_("The new planned end comes after the current one."), field="new_end",
                          code="not_later")
    previous = stay.planned_end
    stay.planned_end = new_end
    _save(stay, version, ["planned_end"])
    Extension.objects.create(stay=stay, previous_end=previous, new_end=new_end, reason=reason[:2000],
                             decided_by=user, decided_on=timezone.localdate())
    record(user, stay.person_id, "update", STAY_COMPARTMENTS, service_id=stay.service_id)
    return stay


@_retrying_sqlite_lock
@transaction.atomic
def transfer(user, stay, version, *, to_place_id, on=None):
    """End the stay on `on` and open one on another place of the same service from that day."""
    on = on or timezone.localdate()
    target = get_place(user, to_place_id)
    if target.service_id != stay.service_id:
        raise DomainError(_("Transfer to a place of the same service."), field="to_place", code="other_service")
    if target.pk == stay.place_id:
        raise DomainError(_("The person is already on this place."), field="to_place", code="same_place")
    first, second = sorted([stay.place, target], key=lambda p: p.pk)  # always lock in id order
    _lock_place(first)
    _lock_place(second)
    stay = _editing(user, stay, version)
    if on < stay.start_date:
        raise DomainError(_("The transfer comes after the admission."), field="on", code="dates_order")
    _check_stay_dates(on, field="on")
    if not target.is_active:
        raise DomainError(_("This place is not in use."), field="to_place", code="place_inactive")
    reasons = fit_reasons(target, Fit(sex=stay.person.sex, family=stay.household_id is not None,
                                      persons=stay.occupants))
    if reasons:
        raise DomainError(" ".join(str(m) for _c, m in reasons), field="to_place", code="place_does_not_fit")
    _place_taken(target, on, None, stay.occupants)
    stay.end_date = on
    _save(stay, version, ["end_date"])
    new = Stay(place=target, service_id=stay.service_id, person=stay.person, household=stay.household,
               occupants=stay.occupants, exclusive=target.exclusive, followup=stay.followup, referral=stay.referral,
               start_date=on, planned_end=stay.planned_end, transferred_from=stay, admitted_by=user)
    new = _insert_stay(new)
    record(user, stay.person_id, "update", STAY_COMPARTMENTS, service_id=stay.service_id)
    return new


@transaction.atomic
def end_stay(user, stay, version, *, on=None, exit_reason, exit_destination):
    """The person leaves the place on `on` (their last night is the one before)."""
    on = on or timezone.localdate()
    if exit_reason not in ExitReason.values:
        raise DomainError(_("Give the exit reason."), field="exit_reason", code="exit_reason_required")
    if exit_destination not in ExitDestination.values:
        raise DomainError(_("Give the destination."), field="exit_destination", code="exit_destination_required")
    _lock_place(stay.place)
    stay = _editing(user, stay, version)
    if on < stay.start_date:
        raise DomainError(_("The exit comes before the admission."), field="on", code="dates_order")
    _check_stay_dates(on, field="on")
    stay.end_date, stay.exit_reason, stay.exit_destination = on, exit_reason, exit_destination
    _save(stay, version, ["end_date", "exit_reason", "exit_destination"])
    record(user, stay.person_id, "update", STAY_COMPARTMENTS, service_id=stay.service_id)
    return stay


# The occupancy board --------------------------------------------------------------------------------

@dataclass
class BoardRow:
    place: Place
    stays: list
    free: int
    out_of_service: bool
    free_by_day: list = field(default_factory=list)  # free persons, night by night, from today
    address: str = ""


@dataclass
class Board:
    service: Service
    day: datetime.date
    rows: list
    days: list
    free_now: int
    free_by_day: list  # (day, free places) over the next BOARD_DAYS nights
    ending: list  # stays whose planned end falls in the next BOARD_DAYS days


def board(user, service, day=None, days=BOARD_DAYS):
    """Who is where tonight, free places now and night by night over the next `days` (planned ends
    taken as exits), one query for the places, one for the stays, one for the out-of-service periods."""
    day = day or timezone.localdate()
    horizon = [day + datetime.timedelta(days=i) for i in range(days)]
    places = list(Place.objects.filter(service=service, is_active=True).order_by("label", "pk"))
    ids = [p.pk for p in places]
    stays = list(_overlapping(Stay.objects.filter(place_id__in=ids), day, horizon[-1] + datetime.timedelta(days=1))
                 .select_related("person").order_by("start_date", "pk"))
    oos = list(_overlapping(OutOfService.objects.filter(place_id__in=ids), day,
                            horizon[-1] + datetime.timedelta(days=1)))
    visible = set(access.visible_persons(user).filter(pk__in={s.person_id for s in stays})
                  .values_list("pk", flat=True))
    by_place, closed = {}, {}
    for s in stays:
        s.person_visible = s.person_id in visible
        by_place.setdefault(s.place_id, []).append(s)
    for o in oos:
        closed.setdefault(o.place_id, []).append(o)

    rows, totals = [], [0] * days
    for place in places:
        per_day = []
        for i, d in enumerate(horizon):
            if any(o.start_date <= d and (o.end_date is None or o.end_date > d) for o in closed.get(place.pk, [])):
                per_day.append(0)
                continue
            # After tonight, a stay counts until its exit, or else its planned end.
            used = sum(s.occupants for s in by_place.get(place.pk, [])
                       if s.start_date <= d and (s.end_date or (s.planned_end if i else None) or
                                                 datetime.date.max) > d)
            free = free_count(place.kind, place.persons, used)
            per_day.append(free)
            totals[i] += free
        tonight = [s for s in by_place.get(place.pk, [])
                   if s.start_date <= day and (s.end_date is None or s.end_date > day)]
        rows.append(BoardRow(place=place, stays=tonight, free=per_day[0], out_of_service=bool(
            [o for o in closed.get(place.pk, []) if o.start_date <= day]), free_by_day=per_day,
            address=place.address))
    ending = sorted((s for s in stays if s.end_date is None and s.planned_end and s.planned_end <= horizon[-1]),
                    key=lambda s: s.planned_end)
    shown = [s.person_id for row in rows for s in row.stays] + [s.person_id for s in ending]
    record(user, [pid for pid in shown if pid in visible], "list", STAY_COMPARTMENTS, service_id=service.pk)
    return Board(service=service, day=day, rows=rows, days=horizon, free_now=totals[0] if days else 0,
                 free_by_day=list(zip(horizon, totals, strict=True)), ending=ending)


def calendar(user, place, start=None, days=60):
    """The stays and out-of-service periods of one place over [start, start + days)."""
    start = start or timezone.localdate() - datetime.timedelta(days=14)
    end = start + datetime.timedelta(days=days)
    stays = list(_overlapping(place.stays.select_related("person"), start, end).order_by("start_date"))
    visible = set(access.visible_persons(user).filter(pk__in={s.person_id for s in stays})
                  .values_list("pk", flat=True))
    for s in stays:
        s.person_visible = s.person_id in visible
    periods = list(_overlapping(place.out_of_service.all(), start, end))
    record(user, [s.person_id for s in stays if s.person_visible], "list", STAY_COMPARTMENTS,
           service_id=place.service_id)
    cells = []
    for i in range(days):
        d = start + datetime.timedelta(days=i)
        here = [s for s in stays if s.start_date <= d and (s.end_date is None or s.end_date > d)]
        off = any(o.start_date <= d and (o.end_date is None or o.end_date > d) for o in periods)
        cells.append((d, here, off))
    return {"start": start, "end": end, "stays": stays, "periods": periods, "cells": cells}


# The regional view (regulators) ----------------------------------------------------------------------

def regional_services(user):
    """Active services with places in the regulator's territory (and below)."""
    if not getattr(user, "is_authenticated", False) or user.kind != AccountKind.REGULATOR or not user.territory_id:
        return Service.objects.none()
    ids = user.territory.self_and_descendant_ids()
    return Service.objects.filter(is_active=True, territories__in=ids).distinct()


REGIONAL_SQL = """
WITH scope AS (
  SELECT st.service_id, st.territory_id FROM services_service_territories st
  JOIN services_service s ON s.id = st.service_id
  WHERE s.is_active AND st.territory_id = ANY(%(scope)s)),
used AS (
  SELECT place_id, sum(occupants) AS n FROM (
    SELECT place_id, occupants FROM places_stay WHERE end_date IS NULL AND start_date <= %(on)s
    UNION ALL
    SELECT place_id, occupants FROM places_stay WHERE end_date > %(on)s AND start_date <= %(on)s) t
  GROUP BY place_id),
closed AS (
  SELECT DISTINCT place_id FROM places_outofservice WHERE start_date <= %(on)s
  AND (end_date IS NULL OR end_date > %(on)s)),
by_kind AS (
  SELECT p.service_id, p.kind, count(*) AS places, sum(CASE WHEN o.place_id IS NOT NULL THEN 0
           WHEN p.kind = ANY(%(exclusive)s) AND coalesce(u.n, 0) > 0 THEN 0
           WHEN p.kind = ANY(%(exclusive)s) THEN 1
           ELSE greatest(0, p.persons - coalesce(u.n, 0)) END)::int AS free
  FROM places_place p
  LEFT JOIN used u ON u.place_id = p.id
  LEFT JOIN closed o ON o.place_id = p.id
  WHERE p.is_active AND p.service_id IN (SELECT service_id FROM scope)
  GROUP BY p.service_id, p.kind)
SELECT 's', k.service_id, s.name, k.kind, k.places, k.free
FROM by_kind k JOIN services_service s ON s.id = k.service_id
UNION ALL
SELECT 't', sc.territory_id, NULL, k.kind, sum(k.places)::int, sum(k.free)::int
FROM by_kind k JOIN scope sc ON sc.service_id = k.service_id
GROUP BY sc.territory_id, k.kind
"""


def _free_by_service_kind(service_ids, on):
    """{(service, kind): (places, free tonight)} through the ORM (SQLite; REGIONAL_SQL is its PostgreSQL twin)."""
    tonight = (Stay.objects.filter(place_id=OuterRef("pk"), start_date__lte=on)
               .filter(Q(end_date__isnull=True) | Q(end_date__gt=on)).order_by().values("place_id")
               .annotate(n=Sum("occupants")).values("n"))
    closed = OutOfService.objects.filter(place_id=OuterRef("pk"), start_date__lte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=on))
    exclusive = list(EXCLUSIVE_KINDS)
    free = Case(When(closed=True, then=Value(0)), When(kind__in=exclusive, used__gt=0, then=Value(0)),
                When(kind__in=exclusive, then=Value(1)), default=Greatest(F("persons") - F("used"), Value(0)),
                output_field=IntegerField())
    rows = (Place.objects.filter(service_id__in=service_ids, is_active=True)
            .annotate(used=Coalesce(Subquery(tonight), Value(0)), closed=Exists(closed))
            .annotate(free=free).order_by().values("service_id", "kind")
            .annotate(count=Count("pk"), free_sum=Sum("free")))
    return {(r["service_id"], r["kind"]): (r["count"], r["free_sum"] or 0) for r in rows}


def regional_free_places(user, on=None, service_rows=None):
    """Free places tonight by kind and territory, and by service, for the regulator's territory.

    No person and no place is named: counts per (territory, kind) and per service only, so that a
    confidential service is shown as the service, never its places or address. On PostgreSQL one statement
    (REGIONAL_SQL) gives the counts per service and kind and per territory and kind; on SQLite the ORM
    groups per service and kind and Python sums by territory. `service_rows`: keep the services with the
    most free places only (the page shows a hundred; the API all)."""
    on = on or timezone.localdate()
    if not getattr(user, "is_authenticated", False) or user.kind != AccountKind.REGULATOR or not user.territory_id:
        return {"by_territory": [], "by_service": [], "kinds": [], "total": 0, "day": on}
    scope = set(user.territory.self_and_descendant_ids())
    if connection.vendor == "postgresql":
        # One statement: tonight's stays aggregated once and hash-joined (not a correlated subquery per
        # place), the services' names joined, and the sums by territory grouped in SQL, so that Python only
        # reshapes about a thousand rows (bench/places.py: ×5 faster than the correlated form).
        with connection.cursor() as cursor:
            cursor.execute(REGIONAL_SQL, {"scope": list(scope), "on": on,
                                          "exclusive": sorted(str(k) for k in EXCLUSIVE_KINDS)})
            rows = cursor.fetchall()
        free_by_service_kind = {(sid, kind): (count, free_n) for tag, sid, _n, kind, count, free_n in rows
                                if tag == "s"}
        names = {sid: name for tag, sid, name, _k, _c, _f in rows if tag == "s"}
        by_territory = {(tid, kind): (count, free_n) for tag, tid, _n, kind, count, free_n in rows if tag == "t"}
    else:
        links = list(Service.territories.through.objects.filter(territory_id__in=scope, service__is_active=True)
                     .values_list("service_id", "territory_id"))
        territories = {}
        for sid, tid in links:
            territories.setdefault(sid, []).append(tid)
        free_by_service_kind = _free_by_service_kind(list(territories), on)
        names = dict(Service.objects.filter(pk__in={sid for sid, _k in free_by_service_kind})
                     .values_list("pk", "name"))
        by_territory = {}
        for (sid, kind), (count, free_n) in free_by_service_kind.items():
            for tid in territories.get(sid, []):
                n_places, n_free = by_territory.get((tid, kind), (0, 0))
                by_territory[(tid, kind)] = (n_places + count, n_free + free_n)
    territory_names = dict(Territory.objects.filter(pk__in=scope).values_list("pk", "name"))
    by_service = {}
    for (sid, kind), (count, free_n) in free_by_service_kind.items():
        row = by_service.setdefault(sid, {"service_id": sid, "service": names.get(sid, ""), "places": 0, "free": 0,
                                          "kinds": {}})
        row["places"] += count
        row["free"] += free_n
        row["kinds"][kind] = row["kinds"].get(kind, 0) + free_n
    ranked = sorted(by_service.values(), key=lambda r: (-r["free"], r["service"]))
    return {
        "day": on,
        "kinds": sorted({k for _s, k in free_by_service_kind}),
        "by_territory": sorted(({"territory_id": tid, "territory": territory_names.get(tid, ""), "kind": kind,
                                 "places": c, "free": f} for (tid, kind), (c, f) in by_territory.items()),
                               key=lambda r: (r["territory"], r["kind"])),
        "by_service": ranked[:service_rows] if service_rows else ranked,
        "services": len(ranked),
        "total": sum(f for _c, f in free_by_service_kind.values()),
    }


def routable_places(user, referral, service):
    """The free places of a service that fit the referral, for a regulator routing it; none for a service
    whose location is confidential (the regulator routes to the service only)."""
    if service.confidential_location:
        return []
    return [p for p, _n in free_places(service, fit=fit_of_referral(referral))]


@transaction.atomic
def route_to_place(user, referral, version, *, place_id, note=""):
    """A regulator routes a referral to one free place of a service (the service decides at acceptance)."""
    place = Place.objects.select_related("service").filter(pk=place_id, is_active=True).first()
    if place is None or place.service_id not in set(regional_services(user).values_list("pk", flat=True)):
        raise NotFound(field="place")
    if place.service.confidential_location:
        raise DomainError(_("The location of this service is confidential: route to the service."), field="place",
                          code="confidential_location")
    if place not in routable_places(user, referral, place.service):
        raise Conflict(_("This place is not free, or does not fit."), field="place", code="place_taken")
    referrals.route(user, referral, version, service_id=place.service_id, note=note)
    PlaceRouting.objects.update_or_create(referral=referral, defaults={"place": place, "routed_by": user})
    return place


# Acceptance of a referral (a step of referrals.services.accept, registered in apps.py) -----------------

def service_has_places(service):
    return service is not None and Place.objects.filter(service=service, is_active=True).exists()


def places_for_acceptance(referral):
    """Free places of the referral's service that fit it (empty when the service has none)."""
    return [p for p, _n in free_places(referral.service, fit=fit_of_referral(referral))]


def admit_on_acceptance(user, referral, followup, *, place_id=None, override_justification="", check_override):
    """Within the acceptance: a service with places puts the person on a free place that fits (the one
    chosen, or the one the regulator routed to); when none is free, the acceptance is refused unless the
    head of service overrides with a justification (then no stay is opened: the place is found later)."""
    service = referral.service
    if not service_has_places(service):
        return None
    fitting = places_for_acceptance(referral)
    if place_id in (None, "") and not fitting:
        check_override(user, referral, "no_free_place",
                       _("No free place of this service fits this person tonight."), override_justification)
        return None
    if place_id in (None, ""):
        routed = PlaceRouting.objects.filter(referral=referral).values_list("place_id", flat=True).first()
        place_id = routed if routed in {p.pk for p in fitting} else fitting[0].pk
    place = get_place(user, place_id)
    if place.service_id != service.pk:
        raise NotFound(field="place")
    fit = fit_of_referral(referral)
    overridden = bool((override_justification or "").strip()) and access.is_head_of_service(user, service.pk)
    if fit_reasons(place, fit) and not overridden:
        check_override(user, referral, "place_does_not_fit", " ".join(str(m) for _c, m in fit_reasons(place, fit)),
                       override_justification)
    return admit(user, place, followup.person_id, followup=followup, referral=referral, fit_override=True,
                 occupants=fit.persons)


# Day services: the attendance register (LHSS de jour) ----------------------------------------------

def is_day_service(service):
    return service.capacity_unit == CapacityUnit.PERSONS_PER_DAY


def day_services(services):
    """The day services of a queryset of services (is_day_service, in SQL)."""
    return services.filter(capacity_unit=CapacityUnit.PERSONS_PER_DAY)


def opening_days_between(service, start, end):
    """The service's opening days in [start, end] (Service.opening_days, ISO weekdays)."""
    days, d = [], start
    while d <= end:
        if str(d.isoweekday()) in service.opening_days:
            days.append(d)
        d += datetime.timedelta(days=1)
    return days


def _care_compartments(care):
    return {kind: ACT_COMPARTMENT.get(kind, Compartment.SOCIAL) for kind in care}


def record_attendance(user, service, person_id, *, on=None, care=()):
    """The person came to the day service on `on` (an opening day), with the care given."""
    if service.pk not in team_service_ids(user):
        raise NotFound()
    if not is_day_service(service):
        raise DomainError(_("This service does not keep an attendance register."), code="not_a_day_service")
    on = on or timezone.localdate()
    _check_stay_dates(on, field="on")
    if on > timezone.localdate():
        raise DomainError(_("The day has not come yet."), field="on", code="future_day")
    if str(on.isoweekday()) not in service.opening_days:
        raise DomainError(_("The service is closed on that day."), field="on", code="closed_day")
    care = sorted(set(care or []))
    if set(care) - set(ActKind.values):
        raise DomainError(_("Unknown kind of care."), field="care", code="invalid_choice")
    held = access.compartments_by_service(user).get(service.pk, frozenset())
    if any(comp not in held for comp in _care_compartments(care).values()):
        raise Forbidden(_("Health care is recorded by the health professionals of the team."), field="care",
                        code="compartment_forbidden")
    person = access.visible_persons(user).filter(pk=person_id).first()
    if person is None or not FollowUp.objects.filter(person=person, service=service).giving_access(on).exists():
        raise NotFound(field="person")
    try:
        with transaction.atomic():
            entry = Attendance.objects.create(service=service, person=person, on=on, care=care, recorded_by=user)
    except IntegrityError:
        raise Conflict(_("This person is already in the register of that day."), field="person",
                       code="already_recorded") from None
    record(user, person, "create", STAY_COMPARTMENTS, service_id=service.pk)
    return entry


def register(user, service, on):
    """[(attendance, care shown)] of one day: the care kinds the user may read in that service."""
    held = access.compartments_by_service(user).get(service.pk, frozenset())
    rows = list(Attendance.objects.filter(service=service, on=on).select_related("person"))
    out = []
    for a in rows:
        shown = [k for k, comp in _care_compartments(a.care).items() if comp in held]
        out.append((a, shown))
    record(user, [a.person_id for a in rows], "list", STAY_COMPARTMENTS, service_id=service.pk)
    return out


def attendance_candidates(user, service, day):
    """The persons the day service follows on that day whom the user sees (the register's form), listed."""
    followed = (FollowUp.objects.giving_access(day).filter(service=service).select_related("person")
                .order_by("person__last_name", "person__alias"))
    visible = set(access.visible_persons(user).filter(
        pk__in=[f.person_id for f in followed]).values_list("pk", flat=True))
    persons = list({f.person_id: f.person for f in followed if f.person_id in visible}.values())
    record(user, persons, "list", STAY_COMPARTMENTS, service_id=service.pk)
    return persons


def admittable_persons(user, service):
    """Persons of the service's open follow-ups who have no current stay in it (the admission form), listed."""
    staying = Stay.objects.filter(service=service, end_date__isnull=True).values("person_id")
    followups = (FollowUp.objects.open().filter(service=service).exclude(person_id__in=staying)
                 .select_related("person").order_by("person__last_name", "person__alias"))
    visible = set(access.visible_persons(user).filter(
        pk__in=[f.person_id for f in followups]).values_list("pk", flat=True))
    persons = [f.person for f in followups if f.person_id in visible]
    record(user, persons, "list", STAY_COMPARTMENTS, service_id=service.pk)
    return persons


def persons_per_opening_day(service_ids, start, end):
    """(distinct persons received per opening day, averaged over the opening days of the period; days)."""
    total_days = total = 0
    counts = dict(Attendance.objects.filter(service_id__in=service_ids, on__gte=start, on__lte=end).order_by()
                  .values_list("service_id").annotate(n=Count("pk")))
    days_of = {}  # services share a few weekly patterns: each counted over the period once (a region has hundreds)
    for service in Service.objects.filter(pk__in=service_ids).only("pk", "opening_days"):
        if service.opening_days not in days_of:
            days_of[service.opening_days] = len(opening_days_between(service, start, end))
        total_days += days_of[service.opening_days]
        total += counts.get(service.pk, 0)
    return (round(total / total_days, 1) if total_days else None), total_days, total


# The regulator's free places by territory over time (issue #14) -----------------------------------------

def regional_free_places_over_time(user, year):
    """For each territory of the regulator's scope (theirs and those below) that has services with places:
    the mean free places per night, month by month, of one calendar year that is over. Computed by the
    indicator engine (`free_places_by_month`) and published as every indicator is (the period grid, then
    indicators.services.publish_tables): no person and no place is named, a confidential service counts
    in its territory like any other."""
    if not getattr(user, "is_authenticated", False) or user.kind != AccountKind.REGULATOR or not user.territory_id:
        raise NotFound()
    try:
        period = indicators.publication_period(engine.Period.year(int(year)))
    except (TypeError, ValueError, OverflowError):
        raise DomainError(_("Choose a year."), field="year", code="invalid_year") from None
    scope = user.territory.self_and_descendant_ids()
    territories = {t.pk: t for t in Territory.objects.filter(pk__in=scope)}
    # A service counts in its territories and in every territory above them within the scope.
    counted_in = {}
    for sid, tid in (Service.territories.through.objects.filter(territory_id__in=scope, service__is_active=True)
                     .values_list("service_id", "territory_id")):
        t = territories.get(tid)
        while t is not None:
            counted_in.setdefault(sid, set()).add(t.pk)
            t = territories.get(t.parent_id)
    with_places = set(Place.objects.filter(service_id__in=list(counted_in), is_active=True)
                      .values_list("service_id", flat=True).distinct())
    by_service = free_nights_by_service(sorted(with_places), period)
    sums = {}
    for sid, months in by_service.items():
        for tid in counted_in.get(sid, ()):
            cell = sums.setdefault(tid, {})
            for month, free in months.items():
                cell[month] = cell.get(month, 0) + free
    rows = []
    for tid in sorted(sums, key=lambda t: (territories[t].level, territories[t].name)):
        exact = {"free_places_by_month": mean_free_by_month(sums[tid], period)}
        published = indicators.publish_tables(exact)["free_places_by_month"]
        rows.append({"territory_id": tid, "territory": territories[tid].name, "level": territories[tid].level,
                     "values": [published["values"].get(k) for k, _label in MONTHS],
                     "hidden": sorted(published["hidden"])})
    return {"year": period.start.year, "months": [str(label) for _k, label in MONTHS], "rows": rows}
