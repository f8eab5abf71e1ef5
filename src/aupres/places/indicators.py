"""Indicators of places and stays, registered in the indicator engine (aupres.indicators.engine), so that
dashboards, exports, submissions and the funders' view compute them and apply its disclosure control
(counts of persons and stays are suppressed; ratios and nights are not, like the engine's `occupancy`).

Imported by PlacesConfig.ready()."""

import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aupres.followups.models import ExitDestination
from aupres.indicators.engine import DAYS, EVENTS, PERSONS, indicator
from aupres.places.models import EXCLUSIVE_KINDS, Extension, OutOfService, Place, Stay
from aupres.places.nights import MONTHS, free_nights_by_service, mean_free_by_month
from aupres.places.services import day_services, max_length_days
from aupres.places.services import persons_per_opening_day as per_day

STAYS = PERSONS  # a stay is a person's (or a household's): counts of stays are suppressed like persons
STAY_RULE = _("stay ended (exit) in the period")
ONE = datetime.timedelta(days=1)


def _nights(start, end, period):
    """Nights of [start, end) (end None: open) within the period's days."""
    lo = max(start, period.start)
    hi = min(end or period.end + ONE, period.end + ONE)
    return max(0, (hi - lo).days)


@indicator("place_occupancy", _("Occupancy of places (nights)"), DAYS,
           _("nights occupied ÷ nights available; nights out of service are not available"), _("measure"),
           (("occupied_nights", _("nights occupied")), ("available_nights", _("nights available")),
            ("rate_percent", _("occupancy (%)"))), has_total=False, suppressed=False, chart="", additive=False)
def place_occupancy(services, period):
    """An exclusive place (bed, room, apartment, family unit) counts one night per night; a shared
    apartment counts a night per person it holds."""
    places = {pk: (kind, persons) for pk, kind, persons in Place.objects.filter(service__in=services, is_active=True)
              .values_list("pk", "kind", "persons")}

    def weight(pk, occupants=None):
        kind, persons = places[pk]
        if kind in EXCLUSIVE_KINDS:
            return 1
        return persons if occupants is None else occupants

    available = sum(period.days * weight(pk) for pk in places)
    for pk, start, end in OutOfService.objects.filter(place_id__in=list(places), start_date__lte=period.end).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=period.start)).values_list("place_id", "start_date", "end_date"):
        available -= _nights(start, end, period) * weight(pk)
    occupied = 0
    for pk, start, end, occupants in Stay.objects.filter(place_id__in=list(places), start_date__lte=period.end).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=period.start)).values_list(
            "place_id", "start_date", "end_date", "occupants"):
        occupied += _nights(start, end, period) * weight(pk, occupants)
    available = max(available, 0)
    return {"occupied_nights": occupied, "available_nights": available,
            "rate_percent": round(100 * occupied / available, 1) if available else None}


def _exits(services, period):
    """Stays ended in the period by an exit (not by a transfer), with the admission of the first stay of
    their chain of transfers."""
    ended = list(Stay.objects.filter(service__in=services, end_date__gte=period.start, end_date__lte=period.end)
                 .exclude(exit_reason="").values_list("pk", "start_date", "end_date", "exit_destination",
                                                      "transferred_from_id", "service_id"))
    starts = {}
    for _pk, start, _end, _dest, previous, _sid in ended:
        first = start
        while previous:
            row = Stay.objects.filter(pk=previous).values_list("start_date", "transferred_from_id").first()
            if row is None:
                break
            first, previous = row
        starts[_pk] = first
    return [(pk, starts[pk], end, dest, sid) for pk, _s, end, dest, _p, sid in ended]


LENGTH_BANDS = (("lt_15d", _("less than 15 days")), ("15d_2m", _("15 days to 2 months")),
                ("2_6m", _("2 to 6 months")), ("6_12m", _("6 to 12 months")), ("12_24m", _("12 to 24 months")),
                ("24m_plus", _("24 months or more")))


def _band(days):
    for limit, band in ((15, "lt_15d"), (61, "15d_2m"), (183, "2_6m"), (365, "6_12m"), (730, "12_24m")):
        if days < limit:
            return band
    return "24m_plus"


@indicator("stay_length", _("Length of stay"), STAYS, STAY_RULE, _("days from admission to exit"), LENGTH_BANDS)
def stay_length(services, period):
    out = {k: 0 for k, _label in LENGTH_BANDS}
    for _pk, start, end, _dest, _sid in _exits(services, period):
        out[_band((end - start).days)] += 1
    return out


@indicator("stay_mean_length", _("Mean length of stay"), DAYS, STAY_RULE, _("measure"),
           (("mean_days", _("mean (days)")),), has_total=False, suppressed=False, chart="", additive=False)
def stay_mean_length(services, period):
    lengths = [(end - start).days for _pk, start, end, _d, _s in _exits(services, period)]
    # A mean of fewer than 5 stays would tell about one person: not given.
    return {"mean_days": round(sum(lengths) / len(lengths), 1) if len(lengths) >= 5 else None}


@indicator("stays_over_max", _("Stays longer than the service's maximum"), STAYS,
           _("stay at some time in the period, length counted to its exit or the end of the period"), _("length"),
           (("over_max", _("over the maximum")), ("within", _("within the maximum"))))
def stays_over_max(services, period):
    limits = {s.pk: max_length_days(s, period.end) for s in services}
    out = {"over_max": 0, "within": 0}
    for sid, start, end in Stay.objects.filter(service__in=services, start_date__lte=period.end).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=period.start)).exclude(transferred_to__isnull=False).values_list(
            "service_id", "start_date", "end_date"):
        limit = limits.get(sid)
        if limit is None:
            continue
        length = ((end or period.end + ONE) - start).days
        out["over_max" if length > limit else "within"] += 1
    return out


@indicator("stay_extensions", _("Extensions of stays"), EVENTS, _("extension decided in the period"), _("count"),
           (("extensions", _("extensions")),), has_total=False)
def stay_extensions(services, period):
    n = Extension.objects.filter(stay__service__in=services, decided_on__gte=period.start,
                                 decided_on__lte=period.end).count()
    return {"extensions": n}


@indicator("stay_exits_by_destination", _("Exits from residential services by destination"), STAYS, STAY_RULE,
           _("destination"), ExitDestination.choices)
def stay_exits_by_destination(services, period):
    out = {k: 0 for k, _label in ExitDestination.choices}
    for _pk, _start, _end, dest, _sid in _exits(services, period):
        out[dest] = out.get(dest, 0) + 1
    return out


@indicator("persons_per_opening_day", _("Persons received per opening day (day services)"), PERSONS,
           _("attendance register, opening days of the period"), _("measure"),
           (("persons_received", _("persons received")), ("opening_days", _("opening days")),
            ("per_opening_day", _("per opening day"))), has_total=False, suppressed=False, chart="",
           additive=False)
def persons_per_opening_day(services, period):
    ids = list(day_services(services).values_list("pk", flat=True))
    mean, days, total = per_day(ids, period.start, min(period.end, datetime.date.today()))
    if 0 < total < 5:  # a handful of visits could single someone out: not given
        mean = total = None
    return {"persons_received": total, "opening_days": days, "per_opening_day": mean}


@indicator("free_places_by_month", _("Free places over time (mean per night)"), DAYS,
           _("nights of the month; a place out of service is not free"), _("month"), MONTHS, has_total=False,
           suppressed=False, chart="line", additive=True)
def free_places_by_month(services, period):
    """Free places month by month, as the mean number of places free per night (free place-nights ÷ nights
    of the month in the period): a measure of capacity like the occupancy (no person is counted); summed over
    the services of a territory, it is the regulator's "free places by territory over time" (issue #14).
    Months outside the period: None."""
    total = {}
    for months in free_nights_by_service(services.values_list("pk", flat=True), period).values():
        for month, free in months.items():
            total[month] = total.get(month, 0) + free
    return mean_free_by_month(total, period)
