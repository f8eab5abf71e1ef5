"""Free place-nights month by month (issue #14): what the `free_places_by_month` indicator and the regulator's
free places by territory over time compute, from the models alone (so that places.services and
places.indicators both use it without importing each other)."""

import datetime

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aupres.indicators.engine import Period
from aupres.places.models import EXCLUSIVE_KINDS, OutOfService, Place, Stay

ONE = datetime.timedelta(days=1)


def _nights(start, end, period):
    """Nights of [start, end) (end None: open) within the period's days."""
    lo = max(start, period.start)
    hi = min(end or period.end + ONE, period.end + ONE)
    return max(0, (hi - lo).days)


MONTHS = (("01", _("January")), ("02", _("February")), ("03", _("March")), ("04", _("April")), ("05", _("May")),
          ("06", _("June")), ("07", _("July")), ("08", _("August")), ("09", _("September")), ("10", _("October")),
          ("11", _("November")), ("12", _("December")))


def free_place_nights(places, stays, periods, period):
    """{month (first day): (free place-nights, nights)} of these places over the period's months: each night,
    an exclusive place (bed, room, apartment, family unit) free and in service counts one, a shared apartment
    counts its free persons. places: {pk: (kind, persons)}; stays: (place, start, end, occupants); periods
    (out of service): (place, start, end)."""
    def weight(pk, occupants=None):
        kind, persons = places[pk]
        if kind in EXCLUSIVE_KINDS:
            return 1
        return persons if occupants is None else occupants

    out = {}
    for month in period.months():
        last = (month + datetime.timedelta(days=32)).replace(day=1) - ONE
        part = Period(max(month, period.start), min(last, period.end))
        free = sum(part.days * weight(pk) for pk in places)
        for pk, start, end in periods:
            free -= _nights(start, end, part) * weight(pk)
        for pk, start, end, occupants in stays:
            free -= _nights(start, end, part) * weight(pk, occupants)
        out[month] = (max(free, 0), part.days)
    return out


FREE_NIGHTS_SQL = """
WITH mr AS (
  SELECT mo::date AS mo, greatest(mo::date, %(start)s::date) AS m,
         least((mo + interval '1 month')::date, %(stop)s::date) AS e
  FROM generate_series(date_trunc('month', %(start)s::date), %(last)s::date, interval '1 month') mo),
pl AS (SELECT id, service_id, CASE WHEN kind = ANY(%(excl)s) THEN 1 ELSE persons END AS w, kind = ANY(%(excl)s) AS excl
       FROM places_place WHERE is_active AND service_id = ANY(%(sids)s)),
cap AS (SELECT pl.service_id, mr.mo, sum(pl.w * (mr.e - mr.m)) AS n FROM pl CROSS JOIN mr GROUP BY 1, 2),
occ AS (SELECT pl.service_id, mr.mo, sum((least(coalesce(s.end_date, mr.e), mr.e) - greatest(s.start_date, mr.m))
                                         * CASE WHEN pl.excl THEN 1 ELSE s.occupants END) AS n
        FROM places_stay s JOIN pl ON pl.id = s.place_id
        JOIN mr ON s.start_date < mr.e AND (s.end_date IS NULL OR s.end_date > mr.m) GROUP BY 1, 2),
off AS (SELECT pl.service_id, mr.mo, sum((least(coalesce(o.end_date, mr.e), mr.e) - greatest(o.start_date, mr.m))
                                         * pl.w) AS n
        FROM places_outofservice o JOIN pl ON pl.id = o.place_id
        JOIN mr ON o.start_date < mr.e AND (o.end_date IS NULL OR o.end_date > mr.m) GROUP BY 1, 2)
SELECT cap.service_id, cap.mo, greatest(cap.n - coalesce(occ.n, 0) - coalesce(off.n, 0), 0)
FROM cap LEFT JOIN occ USING (service_id, mo) LEFT JOIN off USING (service_id, mo)
"""


def free_nights_by_service(service_ids, period):
    """{service id: {month (first day): free place-nights}} of the services' active places over the period:
    one grouped query on PostgreSQL, free_place_nights per service elsewhere (same figures)."""
    service_ids = list(service_ids)
    out = {sid: {} for sid in service_ids}
    if not service_ids:
        return out
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(FREE_NIGHTS_SQL, {"start": period.start, "stop": period.end + ONE, "last": period.end,
                                             "excl": sorted(str(k) for k in EXCLUSIVE_KINDS), "sids": service_ids})
            for sid, month, free in cursor:
                out[sid][month] = int(free)
        return out
    places = {}
    for pk, sid, kind, persons in Place.objects.filter(service_id__in=service_ids, is_active=True).values_list(
            "pk", "service_id", "kind", "persons"):
        places.setdefault(sid, {})[pk] = (kind, persons)
    of_place = {pk: sid for sid, rows in places.items() for pk in rows}
    periods, stays = {}, {}
    for row in OutOfService.objects.filter(place_id__in=list(of_place), start_date__lte=period.end).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=period.start)).values_list("place_id", "start_date", "end_date"):
        periods.setdefault(of_place[row[0]], []).append(row)
    for row in Stay.objects.filter(place_id__in=list(of_place), start_date__lte=period.end).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=period.start)).values_list(
            "place_id", "start_date", "end_date", "occupants"):
        stays.setdefault(of_place[row[0]], []).append(row)
    for sid, rows in places.items():
        nights = free_place_nights(rows, stays.get(sid, []), periods.get(sid, []), period)
        out[sid] = {month: free for month, (free, _n) in nights.items()}
    return out


def month_nights(period):
    """{month (first day): nights of that month within the period}."""
    out = {}
    for month in period.months():
        last = (month + datetime.timedelta(days=32)).replace(day=1) - ONE
        out[month] = (min(last, period.end) - max(month, period.start)).days + 1
    return out


def mean_free_by_month(free_nights, period):
    """{"MM": mean free places per night} from {month: free place-nights} (months outside: None)."""
    out = dict.fromkeys((k for k, _label in MONTHS), None)
    for month, nights in month_nights(period).items():
        out[month.strftime("%m")] = round(free_nights.get(month, 0) / nights, 1) if nights else None
    return out
