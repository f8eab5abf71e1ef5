"""The indicator engine: one registry, one compute function per indicator (docs/indicators.md).

Every compute function takes (services, period) — a queryset of services and a Period — and returns
an ordered table {dimension value: number}. Scopes (a service, an operator, a territory) differ only
by the set of services passed: a person followed by two services of the set counts once, because
person indicators count DISTINCT persons over the whole set.

Screens, API, exports, submissions and the activity report all call `compute()`; nothing else
counts. Results here are EXACT; disclosure control is applied by services.py before anything leaves.
"""

import calendar
import contextvars
import datetime
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear, Greatest, Least, TruncMonth
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aupres.encounters.models import (
    Act,
    ActKind,
    CollectiveAction,
    CollectiveActionKind,
    Encounter,
    EncounterPerson,
    Mode,
    Orientation,
    OrientationKind,
    OrientationStatus,
    PlaceKind,
    RightsApplicationKind,
    RightsStatusChange,
)
from aupres.followups.models import EvaluationResult, ExitDestination, ExitReason, FollowUp, Result
from aupres.indicators import rollup_sql
from aupres.indicators.models import (
    CaseloadYear,
    EventMonth,
    FunderKind,
    PersonYear,
    RollupState,
    ServiceYearBudget,
    ServiceYearPart,
    StaffingEntry,
)
from aupres.ops.replica import reading_connection
from aupres.persons.models import (
    AdministrativeSituation,
    LivingSituation,
    LivingSituationKind,
    Person,
    RightStatus,
    Sex,
)
from aupres.referrals.models import Referral, Source
from aupres.referrals.models import Status as ReferralStatus
from aupres.services.models import Membership, Profession


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("period ends before it starts")

    @classmethod
    def year(cls, year):
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    @property
    def days(self):
        return (self.end - self.start).days + 1

    def bounds(self):
        """Aware datetimes [start 00:00, day after end 00:00) in the current time zone."""
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        return start, end

    def previous(self):
        """The period of the same length just before; a whole year gives the previous year."""
        if self.is_whole_years():
            return Period(self.start.replace(year=self.start.year - 1), self.end.replace(year=self.end.year - 1))
        if (self.start.month, self.start.day) == (1, 1) and self.end.year == self.start.year:
            # A year to date: the same dates of the year before (29 February -> 28 February).
            end = self.end.replace(year=self.end.year - 1, day=min(self.end.day, 28 if self.end.month == 2 else 31))
            return Period(self.start.replace(year=self.start.year - 1), end)
        end = self.start - datetime.timedelta(days=1)
        return Period(end - datetime.timedelta(days=self.days - 1), end)

    def is_whole_years(self):
        return (self.start.month, self.start.day) == (1, 1) and (self.end.month, self.end.day) == (12, 31)

    def is_whole_months(self):
        last = calendar.monthrange(self.end.year, self.end.month)[1]
        return self.start.day == 1 and self.end.day == last

    def months(self):
        out, d = [], self.start.replace(day=1)
        while d <= self.end:
            out.append(d)
            d = (d + datetime.timedelta(days=32)).replace(day=1)
        return out

    def years(self):
        return list(range(self.start.year, self.end.year + 1))

    def overlap_days(self, start, end):
        lo, hi = max(start, self.start), min(end, self.end)
        return max(0, (hi - lo).days + 1)

    def __str__(self):
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


PERSONS, EVENTS, FOLLOWUPS, REFERRALS, ETP, EUROS, DAYS = (
    "persons", "events", "followups", "referrals", "etp", "euros", "days")
UNIT_LABELS = {PERSONS: _("persons"), EVENTS: _("events"), FOLLOWUPS: _("follow-ups"),
               REFERRALS: _("referrals"), ETP: _("full-time equivalents"), EUROS: _("euros"), DAYS: _("days")}


@dataclass(frozen=True)
class Indicator:
    code: str
    label: object
    unit: str
    date_rule: object  # which date decides whether a record falls in the period
    dimension: object  # label of the breakdown
    choices: tuple  # ((value, label), ...) — fixed columns, in order; empty: keys come from the data
    compute: object
    has_total: bool = True
    suppressed: bool = True  # counts of persons/events get disclosure control; ETP and euros do not
    chart: str = "bar"  # "bar", "line" or ""
    additive: bool = True  # can a scope's value be summed from its services' values (events: yes)
    health: bool = False  # a health figure: withheld from readers without health in small populations

    def labels(self):
        return {str(k): str(v) for k, v in self.choices}


REGISTRY = {}


def indicator(code, label, unit, date_rule, dimension, choices=(), **kw):
    def register(fn):
        REGISTRY[code] = Indicator(code, label, unit, date_rule, dimension, tuple(choices), fn, **kw)
        return fn
    return register


def _table(choices, rows, unknown=None):
    """An ordered {value: n} with every choice present (0 when absent) and stray values appended."""
    out = {str(k): 0 for k, _label in choices}
    for key, n in rows:
        if key in (None, ""):
            key = unknown or ""
        key = str(key)
        out[key] = out.get(key, 0) + (n or 0)
    return out


def _in_period(field, period, is_datetime):
    if is_datetime:
        start, end = period.bounds()
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


# Persons ---------------------------------------------------------------------------------------

def followups_overlapping(services, period):
    return FollowUp.objects.filter(service__in=services, opened_on__lte=period.end).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=period.start))


def caseload_persons(services, period):
    """The active caseload (file active): persons with a follow-up of one of the services open at
    any time during the period."""
    return Person.objects.filter(pk__in=followups_overlapping(services, period).values("person_id"))


_MEMO = contextvars.ContextVar("indicators_memo", default=None)


def _compiled(qs):
    """(sql, params) of a queryset for raw SQL around it, or None when it matches nothing by
    construction (`.none()`, `__in=[]`: Django then compiles no SQL at all)."""
    try:
        return qs.query.sql_with_params()
    except EmptyResultSet:
        return None


def _memoised(name, services, period, fn):
    """Within one compute_all, a result shared by several indicators is computed once."""
    memo = _MEMO.get()
    if memo is None:
        return fn()
    sql, params = _compiled(services) or ("", ())
    key = (name, sql, tuple(map(str, params)), period)
    if key not in memo:
        memo[key] = fn()
    return memo[key]


def _born(year):
    return Coalesce(F("birth_year"), Coalesce(ExtractYear("estimated_on"), Value(year)) - F("estimated_age"),
                    output_field=IntegerField())


# The profile columns of the caseload, in the order of the raw grouping below.
PROFILE_COLUMNS = ("sex", "age", "administrative_situation", "living_situation", "health_cover")


def caseload_profile(services, period):
    """The caseload persons counted by each profile column — sex, age band, administrative
    situation, and living situation and health cover at the end of the period: {column: [(key, n)]}.
    The six caseload indicators read it, and compute_all computes it once for all of them."""
    def query():
        year = period.end.year
        out = {column: {} for column in PROFILE_COLUMNS}
        if _caseload_rolled(services, period):
            # Persons followed by one service only (not `shared`) are counted in their service's parts
            # (ServiceYearPart, summed over the scope's services); the shared ones, few, with a
            # DISTINCT over their CaseloadYear rows, grouped by the whole profile (a person has the
            # same profile in each of its rows of a year).
            parts = _parts(services, period)
            for column in PROFILE_COLUMNS:
                for key, n in parts.get((year, f"caseload_{column}"), {}).items():
                    out[column][key] = out[column].get(key, 0) + n
            # Each shared person once (their profile is the same in every row of the year), then counted by
            # profile: read with their first openings in one pass (_shared_caseload), which new persons reads too.
            rows = _shared_caseload(services, period)["profile"]
        else:
            rows = (caseload_persons(services, period).order_by()
                    .annotate(born=_born(year), lv=_latest(LivingSituation, period),
                              hc=_latest(RightStatus, period, kind="health_cover"))
                    .values_list("sex", "born", "administrative_situation", "lv", "hc").annotate(n=Count("pk")))
        for sex, born, adm, lv, hc, n in rows:
            age = _band(None if born is None else year - born)
            for column, key in zip(PROFILE_COLUMNS, (sex, age, adm, lv, hc), strict=True):
                key = "" if key is None else key
                out[column][key] = out[column].get(key, 0) + n
        return {column: list(counts.items()) for column, counts in out.items()}
    return _memoised("caseload_profile", services, period, query)


def _shared_caseload(services, period):
    """The persons followed by several services (`shared` CaseloadYear rows) of the scope, in one whole
    built year, read once for the caseload profile and the new persons (D74): each person once — the
    row of their earliest opening by a service of the scope, from the partial index in person order
    (a stream, no hashing of the rows) — then grouped by profile with, per profile, how many are surely
    new (first follow-up by any service in the year) and which may be (first opening elsewhere before the
    year, first opening by the scope in it: new_persons looks up their earlier follow-ups)."""
    def query():
        out = {"profile": [], "new": 0, "doubtful": set()}
        service_ids = _service_ids(services, period)
        if not service_ids:  # no services: Django would raise EmptyResultSet compiling the SQL
            return out
        start = period.start
        sql, params = (CaseloadYear.objects.filter(year=period.end.year, service__any_of=service_ids, shared=True)
                       .order_by("person_id", "first_opened").distinct("person_id")
                       .values_list("person_id", "first_opened", "person_first_opened", *_SHARED_PROFILE)
                       .query.sql_with_params())
        columns = ", ".join(f"x.{c}" for c in _SHARED_PROFILE)
        with reading_connection().cursor() as cursor:  # the replica inside a replica window (ops/replica.py)
            cursor.execute(
                f"SELECT {columns}, count(*), count(*) FILTER (WHERE x.person_first_opened >= %s), "  # noqa: S608
                f"array_agg(x.person_id) FILTER (WHERE x.person_first_opened < %s AND x.first_opened >= %s) "
                f"FROM ({sql}) x GROUP BY {columns}", (start, start, start, *params))
            for *profile, n, new, doubtful in cursor.fetchall():
                out["profile"].append((*profile, n))
                out["new"] += new
                out["doubtful"].update(doubtful or ())
        return out
    return _memoised("shared_caseload", services, period, query)


_SHARED_PROFILE = ("sex", "born", "administrative_situation", "living_situation", "health_cover")


def _profile_rows(services, period, column):
    return caseload_profile(services, period)[column]


def _parts(services, period):
    """{(year, indicator): {key: n}} of ServiceYearPart over the scope's services and the period's
    years (PostgreSQL, built years): the persons of one service only, the followed days, the exits
    and the referrals. One grouped read of about fifty rows per service and year, once per
    compute_all."""
    def query():
        out = {}
        rows = (ServiceYearPart.objects.filter(year__in=period.years(), service__any_of=_service_ids(services, period))
                .order_by().values_list("year", "indicator", "key").annotate(n=Sum("n")))
        for year, ind, key, n in rows:
            if n:  # deltas that cancel out (a record written then deleted) are no key
                out.setdefault((year, ind), {})[key] = n
        return out
    return _memoised("parts", services, period, query)


CASELOAD_RULE = _("follow-up open at some time in the period "
                  "(opened on or before its end, not closed before its start)")


@indicator("caseload", _("Active caseload (file active)"), PERSONS, CASELOAD_RULE, _("all"),
           (("all", _("Persons")),), chart="", has_total=False)
def caseload(services, period):
    return {"all": sum(n for _key, n in _profile_rows(services, period, "sex"))}


@indicator("new_persons", _("New persons"), PERSONS,
           _("first follow-up by any service of the scope opened in the period"), _("all"),
           (("all", _("New persons")),), chart="", has_total=False)
def new_persons(services, period):
    if _caseload_rolled(services, period):
        return {"all": _new_persons_rolled(services, period)}
    n = (FollowUp.objects.filter(service__in=services).values("person_id").annotate(first=Min("opened_on"))
         .filter(first__gte=period.start, first__lte=period.end).count())
    return {"all": n}


@indicator("persons_by_sex", _("Persons by sex"), PERSONS, CASELOAD_RULE, _("sex"), Sex.choices)
def persons_by_sex(services, period):
    return _table(Sex.choices, _profile_rows(services, period, "sex"), unknown="unknown")


AGE_BANDS = (("0_17", _("under 18")), ("18_24", _("18 to 24")), ("25_39", _("25 to 39")),
             ("40_59", _("40 to 59")), ("60_plus", _("60 and over")), ("unknown", _("unknown")))


def _band(age):
    if age is None:
        return "unknown"
    for limit, band in rollup_sql.AGE_LIMITS:  # the bands ServiceYearPart counts too
        if age <= limit:
            return band
    return "60_plus"


@indicator("persons_by_age", _("Persons by age band"), PERSONS, CASELOAD_RULE,
           _("age reached in the year the period ends (from the birth date, birth year or estimate)"),
           AGE_BANDS)
def persons_by_age(services, period):
    return _table(AGE_BANDS, _profile_rows(services, period, "age"))


def _latest(model, period, **filters):
    return Subquery(model.objects.filter(person=OuterRef("pk"), started_on__lte=period.end, **filters)
                    .order_by("-started_on", "-pk").values("kind" if model is LivingSituation else "value")[:1])


@indicator("persons_by_living_situation", _("Persons by living situation"), PERSONS, CASELOAD_RULE,
           _("living situation in effect at the end of the period"), LivingSituationKind.choices)
def persons_by_living_situation(services, period):
    return _table(LivingSituationKind.choices, _profile_rows(services, period, "living_situation"), unknown="unknown")


@indicator("persons_by_administrative_situation", _("Persons by administrative situation"), PERSONS,
           CASELOAD_RULE, _("administrative situation as currently recorded"), AdministrativeSituation.choices)
def persons_by_administrative_situation(services, period):
    return _table(AdministrativeSituation.choices, _profile_rows(services, period, "administrative_situation"),
                  unknown="unknown")


HEALTH_COVER_CHOICES = (("puma", _("PUMa")), ("css", _("CSS")), ("ame", _("AME")), ("none", _("None")),
                        ("unknown", _("Unknown")))


@indicator("persons_by_health_cover", _("Persons by health cover"), PERSONS, CASELOAD_RULE,
           _("health cover in effect at the end of the period"), HEALTH_COVER_CHOICES)
def persons_by_health_cover(services, period):
    return _table(HEALTH_COVER_CHOICES, _profile_rows(services, period, "health_cover"), unknown="unknown")


# Event indicators whose counts the rollup EventMonth holds, kept current on write by PostgreSQL
# triggers (rollup_sql.py). The other event indicators count small tables: always read live.
ROLLUP_CODES = ("encounters_by_place", "encounters_by_mode", "acts_by_kind", "health_actions")
# Since triggers keep them exact, rollups serve every scope (one service included); raise this to
# send small scopes to the raw tables.
ROLLUP_MIN_SERVICES = 1


def _rollup_ready(services, period, months=False, min_services=None):
    """Rollups serve large scopes of whole years (whole months for event counts) on PostgreSQL, once
    the years were built by services.refresh_rollups; triggers keep them current afterwards
    (docs/indicators.md)."""
    min_services = ROLLUP_MIN_SERVICES if min_services is None else min_services
    whole = period.is_whole_months() if months else period.is_whole_years()
    if connection.vendor != "postgresql" or not whole:
        return False
    built = _memoised("built_years", services, period,
                      lambda: RollupState.objects.filter(year__in=period.years()).count())
    if built != len(period.years()):
        return False
    return min_services <= 1 or services.count() >= min_services


def _service_ids(services, period):
    """The scope's service ids, read once per compute_all. The rollup queries filter on this list
    rather than on the scope's subquery: PostgreSQL estimates a list well, whereas under an
    anti-join a DISTINCT subquery of services was estimated at one row and planned as a nested
    loop (1.5 s instead of 0.1 s for new persons over a region)."""
    return _memoised("service_ids", services, period, lambda: list(services.values_list("pk", flat=True)))


def _caseload_rolled(services, period):
    """The caseload rollup (CaseloadYear) serves one whole built year: it describes each person as
    at the end of ITS year, which is the end of the period only then."""
    return period.start.year == period.end.year and _rollup_ready(services, period)


def _new_persons_rolled(services, period):
    """New persons of one whole year from CaseloadYear: a person new in the year has a follow-up
    opened in it, so is in the year's caseload, in a row whose first opening (by that service) is in
    the year. Followed by one service only, that decides (counted in the service's parts,
    ServiceYearPart). Followed by several (`shared`): new if their first follow-up by ANY service
    opened in the year; otherwise new unless a follow-up of a service of the scope opened before the
    year (looked up on the follow-ups, for those only)."""
    ids = _service_ids(services, period)
    shared = _shared_caseload(services, period)
    # Looked up for the doubtful persons only: planned as one anti-join, PostgreSQL hashed every earlier
    # follow-up of the scope (a million) even when no person needed it.
    doubtful = shared["doubtful"]
    earlier = set(FollowUp.objects.filter(person_id__any_of=doubtful, service__any_of=ids, opened_on__lt=period.start)
                  .values_list("person_id", flat=True)) if doubtful else set()
    alone = _parts(services, period).get((period.end.year, "new_persons"), {}).get("all", 0)
    return alone + shared["new"] + len(doubtful - earlier)


@indicator("persons_met", _("Persons met"), PERSONS, _("at least one encounter in the period"), _("all"),
           (("all", _("Persons met")),), chart="", has_total=False)
def persons_met(services, period):
    if _rollup_ready(services, period) and period.start.year == period.end.year:
        n = _person_months_rolled(services, period).get(period.end.year, (0,))[0]
    elif _rollup_ready(services, period):  # several years: a person met in two of them counts once
        n = (PersonYear.objects.filter(service__in=services, year__in=period.years())
             .aggregate(n=Count("person_id", distinct=True))["n"])
    else:
        n = (EncounterPerson.objects.filter(_in_period("occurred_at", period, True), service__in=services)
             .aggregate(n=Count("person_id", distinct=True))["n"])
    return {"all": n or 0}


def _month_keys(period):
    return [(m.strftime("%Y-%m"), m.strftime("%m/%Y")) for m in period.months()]


def _by_month(rows, period):
    out = {k: 0 for k, _label in _month_keys(period)}
    for month, n in rows:
        if month is None:
            continue
        key = (timezone.localtime(month) if isinstance(month, datetime.datetime) else month).strftime("%Y-%m")
        if key in out:
            out[key] += n
    return out


@indicator("persons_met_by_month", _("Persons met, by month"), PERSONS,
           _("at least one encounter in the month"), _("month"), (), has_total=False, chart="line",
           additive=False)
def persons_met_by_month(services, period):
    if _rollup_ready(services, period):
        return _persons_met_by_month_rolled(services, period)
    rows = (EncounterPerson.objects.filter(_in_period("occurred_at", period, True), service__in=services)
            .annotate(m=TruncMonth("occurred_at")).order_by().values_list("m")
            .annotate(n=Count("person_id", distinct=True)))
    return _by_month(rows, period)


def _person_months_rolled(services, period):
    """{year: (persons met, [persons met in month 1..12])} from the rollups (PostgreSQL, whole built
    years), shared by persons_met and persons_met_by_month (memoised). Persons met by one service
    only in the year (not `shared`) are counted in their service's parts (ServiceYearPart, summed);
    the persons met by several, by their OR-ed months (_shared_person_months)."""
    def query():
        parts, shared = _parts(services, period), _shared_person_months(services, period)
        out = {}
        for year in period.years():
            alone = parts.get((year, "persons_met"), {})
            n, by_month = shared.get(year, (0, [0] * 12))
            out[year] = (alone.get("all", 0) + n, [alone.get(str(m), 0) + by_month[m - 1] for m in range(1, 13)])
        return out
    return _memoised("person_months", services, period, query)


def _shared_person_months(services, period):
    """{year: (persons, [persons met in month 1..12])} of the persons met by several services in the year
    (`shared` PersonYear rows) over the scope: each person once, months OR-ed over the scope's rows."""
    def query():
        out = {}
        service_ids = _service_ids(services, period)
        if not service_ids:  # a scope without services: Django would raise EmptyResultSet compiling the SQL
            return out
        # The shared rows in person order (from their partial index in that order, a stream rather than a hash
        # of every row: 50 ms instead of 85 over a region, D74), OR-ed by person, then counted by mask: at most
        # 4 096 masks, whose months are added up here rather than by twelve filters over every person.
        for year in period.years():  # one at a time: grouped by person alone, PostgreSQL streams the index
            sql, params = (PersonYear.objects.filter(service__any_of=service_ids, year=year, shared=True)
                           .order_by("person_id").values_list("person_id", "months").query.sql_with_params())
            n, by_month = 0, [0] * 12
            with reading_connection().cursor() as cur:  # the replica inside a replica window (ops/replica.py)
                cur.execute("SELECT g.mb, count(*) FROM (SELECT s.person_id, bit_or(s.months) AS mb "  # noqa: S608
                            f"FROM ({sql}) s GROUP BY s.person_id) g GROUP BY g.mb", params)
                for mask, count in cur.fetchall():
                    n += count
                    by_month = [m + (count if mask & (1 << i) else 0) for i, m in enumerate(by_month)]
            out[year] = (n, by_month)
        return out
    return _memoised("shared_person_months", services, period, query)


def _persons_met_by_month_rolled(services, period):
    out = {k: 0 for k, _label in _month_keys(period)}
    for year, (_n, by_month) in _person_months_rolled(services, period).items():
        for month, n in enumerate(by_month, start=1):
            key = f"{year:04d}-{month:02d}"
            if key in out:
                out[key] = n
    return out


# Events (additive: rollups by month apply) -----------------------------------------------------

@dataclass(frozen=True)
class EventCount:
    """An additive count of records: model, path to the service, date field, breakdown field."""

    model: object
    service_path: str
    date_field: str
    is_datetime: bool
    key: str | None
    filters: tuple = ()
    count: str = "pk"
    annotations: tuple = ()  # ((name, expression), ...): computed keys, e.g. a length band

    def queryset(self, services):
        return self.model.objects.filter(**{f"{self.service_path}__in": services}, **dict(self.filters)).annotate(
            **dict(self.annotations))

    def rows(self, services, period, extra_group=()):
        qs = self.queryset(services).filter(_in_period(self.date_field, period, self.is_datetime)).order_by()
        group = [*extra_group, *([self.key] if self.key else [])]
        return qs.values_list(*group).annotate(n=Count(self.count, distinct=self.count != "pk"))


def _events(code, spec, choices, services, period):
    if code in rollup_sql.PART_EVENT_CODES and period.start.year == period.end.year and _rollup_ready(
            services, period):
        # One whole built year: the services' yearly counts (ServiceYearPart, kept by triggers on
        # follow-ups and referrals), read with the persons' parts in one query.
        return _table(choices, _parts(services, period).get((period.end.year, code), {}).items())
    if code in ROLLUP_CODES and spec.count == "pk" and _rollup_ready(services, period, months=True):
        rows = [(key, n) for (ind, key), n in _event_months(services, period)["by_key"].items() if ind == code]
    else:
        rows = _family_rows(spec, services, period)
    return _table(choices, rows)


def _event_months(services, period):
    """The EventMonth counts of the scope and period (whole months, built), every rolled-up indicator in
    ONE grouped read per compute_all (D74): by (indicator, key), and the encounters by month (each
    encounter has one place, so its place counts summed by month are the encounters of the month)."""
    def query():
        by_key, by_month = {}, {}
        ids = _service_ids(services, period)
        rows = (EventMonth.objects.filter(indicator__in=ROLLUP_CODES, service__any_of=ids, month__gte=period.start,
                                          month__lte=period.end)
                .order_by().values_list("indicator", "month", "key").annotate(n=Sum("n"))) if ids else ()
        for ind, month, key, n in rows:
            by_key[(ind, key)] = by_key.get((ind, key), 0) + n
            if ind == "encounters_by_place":
                by_month[month] = by_month.get(month, 0) + n
        return {"by_key": by_key, "encounters_by_month": by_month}
    return _memoised("event_months", services, period, query)


def _family(spec):
    """Event indicators that count the same records (same model, dates and filters) by different
    keys form a family: within one compute_all they are counted by ONE query grouped by all their
    keys (exits by reason and by destination, referrals by source and by status)."""
    return (spec.model, spec.service_path, spec.date_field, spec.is_datetime, spec.filters)


def _family_rows(spec, services, period):
    family = [s for s in EVENT_SPECS.values() if _family(s) == _family(spec) and s.count == "pk"]
    keys = sorted({s.key for s in family})
    if spec.count != "pk" or len(keys) < 2 or _MEMO.get() is None:
        return spec.rows(services, period)
    annotations = {name: expr for s in family for name, expr in s.annotations}
    rows = _memoised(("events", repr(_family(spec)), tuple(keys)), services, period, lambda: list(
        replace(spec, annotations=tuple(annotations.items())).queryset(services)
        .filter(_in_period(spec.date_field, period, spec.is_datetime)).order_by()
        .values_list(*keys).annotate(n=Count("pk"))))
    i = keys.index(spec.key)
    return [(row[i], row[-1]) for row in rows]


EVENT_SPECS = {}


def event_indicator(code, label, unit, date_rule, dimension, choices, spec, **kw):
    EVENT_SPECS[code] = spec

    def compute(services, period):
        return _events(code, spec, choices, services, period)
    REGISTRY[code] = Indicator(code, label, unit, date_rule, dimension, tuple(choices), compute, **kw)


REFERRAL_RULE = _("referral received in the period")
event_indicator("referrals_by_source", _("Referrals received, by source"), REFERRALS, REFERRAL_RULE,
                _("who referred"), Source.choices,
                EventCount(Referral, "service", "received_at", True, "source"))
event_indicator("referrals_by_status", _("Referrals received, by decision"), REFERRALS, REFERRAL_RULE,
                _("current status (accepted, declined, waiting…)"), ReferralStatus.choices,
                EventCount(Referral, "service", "received_at", True, "status"))

DELAY_BANDS = (("0_2", _("2 days or less")), ("3_7", _("3 to 7 days")), ("8_30", _("8 to 30 days")),
               ("31_plus", _("more than 30 days")), ("no_contact", _("no contact yet")))


@indicator("referral_to_first_contact", _("Time from referral to first contact"), REFERRALS,
           _("accepted referral received in the period; first encounter of its follow-up"), _("delay"),
           DELAY_BANDS)
def referral_to_first_contact(services, period):
    if period.start.year == period.end.year and _rollup_ready(services, period):
        # One whole built year: the services' yearly counts by band (ServiceYearPart, kept by triggers
        # on referrals and on encounter links).
        return _table(DELAY_BANDS, _parts(services, period).get((period.end.year, "referral_to_first_contact"),
                                                                {}).items())
    first = Subquery(EncounterPerson.objects.filter(followup_id=OuterRef("followup_id")).order_by("occurred_at")
                     .values("occurred_at")[:1])  # the first link of the follow-up, on its (follow-up, time) index
    rows = (Referral.objects.filter(_in_period("received_at", period, True), service__in=services,
                                    status=ReferralStatus.ACCEPTED).order_by()
            .annotate(first=first).values_list("received_at", "first"))
    if connection.vendor == "postgresql":
        # Banded in the database: five numbers come back instead of one row per referral. Whole
        # days rounded down as timedelta.days below ("2 days or less" is a delay under 3 days).
        compiled = _compiled(rows)
        if compiled is None:  # a scope without services
            return _table(DELAY_BANDS, [])
        sql, params = compiled
        with reading_connection().cursor() as cur:  # the replica inside a replica window (ops/replica.py)
            # MATERIALIZED: the first link is looked up once per referral, not once per CASE branch.
            cur.execute(f"WITH r(received_at, first) AS MATERIALIZED ({sql}) "  # noqa: S608 — constants
                        "SELECT CASE WHEN r.first IS NULL THEN 'no_contact' "
                        "WHEN r.first - r.received_at < interval '3 days' THEN '0_2' "
                        "WHEN r.first - r.received_at < interval '8 days' THEN '3_7' "
                        "WHEN r.first - r.received_at < interval '31 days' THEN '8_30' ELSE '31_plus' END, "
                        "count(*) FROM r GROUP BY 1", params)
            return _table(DELAY_BANDS, cur.fetchall())
    out = {k: 0 for k, _label in DELAY_BANDS}
    for received, first_at in rows:
        if first_at is None:
            out["no_contact"] += 1
            continue
        days = max(0, (first_at - received).days)
        out["0_2" if days <= 2 else "3_7" if days <= 7 else "8_30" if days <= 30 else "31_plus"] += 1
    return out


ENCOUNTER_RULE = _("encounter date in the period")
event_indicator("encounters_by_place", _("Encounters by place"), EVENTS, ENCOUNTER_RULE, _("place"),
                PlaceKind.choices, EventCount(Encounter, "service", "occurred_at", True, "place_kind"))
event_indicator("encounters_by_mode", _("Encounters by kind"), EVENTS, ENCOUNTER_RULE, _("mode"),
                Mode.choices, EventCount(Encounter, "service", "occurred_at", True, "mode"))
event_indicator("acts_by_kind", _("Acts by kind"), EVENTS, _("date of the encounter of the act in the period"),
                _("act"), ActKind.choices,
                EventCount(Act, "encounter__service", "encounter__occurred_at", True, "kind"))
HEALTH_ACTS = ((ActKind.HEALTH_CHECK, ActKind.HEALTH_CHECK.label), (ActKind.VACCINATION, ActKind.VACCINATION.label),
               (ActKind.SCREENING, ActKind.SCREENING.label))
event_indicator("health_actions", _("Health checks, vaccinations and screenings"), EVENTS,
                _("date of the encounter of the act in the period"), _("act"), HEALTH_ACTS,
                EventCount(Act, "encounter__service", "encounter__occurred_at", True, "kind",
                           filters=(("kind__in", [k for k, _label in HEALTH_ACTS]),)))
event_indicator("rights_opened", _("Rights opened"), EVENTS, _("right granted in the period"), _("right"),
                RightsApplicationKind.choices,
                EventCount(RightsStatusChange, "application__service", "on", False, "application__kind",
                           filters=(("status", "granted"),)))
event_indicator("admission_requests", _("Admission requests, by outcome"), EVENTS,
                _("request sent in the period"), _("current status"), OrientationStatus.choices,
                EventCount(Orientation, "service", "sent_on", False, "status",
                           filters=(("kind", OrientationKind.ADMISSION_REQUEST),)))
event_indicator("orientations", _("Orientations, and whether they were honoured"), EVENTS,
                _("orientation sent in the period"), _("current status"), OrientationStatus.choices,
                EventCount(Orientation, "service", "sent_on", False, "status",
                           filters=(("kind", OrientationKind.ORIENTATION),)))
EXIT_RULE = _("follow-up closed in the period")
event_indicator("exits_by_reason", _("Exits by reason"), FOLLOWUPS, EXIT_RULE, _("reason"), ExitReason.choices,
                EventCount(FollowUp, "service", "closed_on", False, "exit_reason"))
event_indicator("exits_by_destination", _("Exits by destination"), FOLLOWUPS, EXIT_RULE, _("destination"),
                ExitDestination.choices, EventCount(FollowUp, "service", "closed_on", False, "exit_destination"))
event_indicator("objectives_results", _("Objectives evaluated, by result"), EVENTS,
                _("evaluation in the period"), _("result"), Result.choices,
                EventCount(EvaluationResult, "evaluation__followup__service", "evaluation__evaluated_on", False,
                           "result"))
event_indicator("collective_actions", _("Collective actions, by kind"), EVENTS, _("date of the action"),
                _("kind"), CollectiveActionKind.choices,
                EventCount(CollectiveAction, "service", "occurred_on", False, "kind"))


@indicator("encounters_by_month", _("Encounters, by month"), EVENTS, ENCOUNTER_RULE, _("month"), (),
           has_total=True, chart="line")
def encounters_by_month(services, period):
    if _rollup_ready(services, period, months=True):
        return _by_month(_event_months(services, period)["encounters_by_month"].items(), period)
    rows = (Encounter.objects.filter(_in_period("occurred_at", period, True), service__in=services).order_by()
            .annotate(m=TruncMonth("occurred_at")).values_list("m").annotate(n=Count("pk")))
    return _by_month(rows, period)


COLLECTIVE_COUNTS = (("participants", _("participants")), ("persons_trained", _("people trained")),
                     ("screenings", _("screenings in campaigns")), ("vaccinations", _("vaccinations in campaigns")))


@indicator("collective_participants", _("Collective actions: participants and people trained"), PERSONS,
           _("date of the action"), _("count"), COLLECTIVE_COUNTS, has_total=False)
def collective_participants(services, period):
    agg = CollectiveAction.objects.filter(service__in=services, occurred_on__gte=period.start,
                                          occurred_on__lte=period.end).aggregate(
        **{k: Sum(k) for k, _label in COLLECTIVE_COUNTS})
    return {k: agg[k] or 0 for k, _label in COLLECTIVE_COUNTS}


# Lengths and occupancy --------------------------------------------------------------------------

LENGTH_BANDS = (("lt_1m", _("less than 1 month")), ("1_3m", _("1 to 3 months")), ("3_6m", _("3 to 6 months")),
                ("6_12m", _("6 to 12 months")), ("12_24m", _("12 to 24 months")), ("24m_plus", _("24 months or more")))


_LENGTH = ExpressionWrapper(F("closed_on") - F("opened_on"), output_field=DurationField())
# Bands of whole days (a length under 30 days is "less than 1 month"), computed in the database so
# that the lengths are counted with the exits, in one query grouped by reason, destination and band.
LENGTH_BAND = Case(*(When(LessThan(_LENGTH, datetime.timedelta(days=limit)), then=Value(band))
                     for limit, band in rollup_sql.LENGTH_LIMITS),  # ServiceYearPart's bands too
                   default=Value("24m_plus"), output_field=CharField())
event_indicator("followup_length", _("Length of follow-up or stay"), FOLLOWUPS, EXIT_RULE,
                _("days from opening to closing"), LENGTH_BANDS,
                EventCount(FollowUp, "service", "closed_on", False, "length_band",
                           annotations=(("length_band", LENGTH_BAND),)))


def mean_followup_days(services, period):
    rows = (FollowUp.objects.filter(service__in=services, closed_on__gte=period.start, closed_on__lte=period.end)
            .order_by().annotate(length=_LENGTH).values_list("length").annotate(n=Count("pk")))
    total = count = 0
    for d, n in rows:
        days = d.days if isinstance(d, datetime.timedelta) else int(d or 0) // 86_400_000_000
        total, count = total + days * n, count + n
    return (count, round(total / count, 1) if count else None)


@indicator("occupancy", _("Occupancy of beds or places"), DAYS,
           _("days of follow-up within the period, against capacity × days"), _("measure"),
           (("followed_days", _("days followed")), ("capacity_days", _("capacity × days")),
            ("rate_percent", _("occupancy (%)"))), has_total=False, suppressed=False, chart="", additive=False)
def occupancy(services, period):
    capacity_days = _capacity_days(services, period)
    if _rollup_ready(services, period):
        parts = _parts(services, period)
        followed = sum(parts.get((year, "followed_days"), {}).get("all", 0) for year in period.years())
    else:
        followed = _followed_days(services, period)
    rate = round(100 * followed / capacity_days, 1) if capacity_days else None
    return {"followed_days": followed, "capacity_days": capacity_days, "rate_percent": rate}


def _followed_days(services, period):
    lo = Greatest(F("opened_on"), Value(period.start))
    hi = Least(Coalesce(F("closed_on"), Value(period.end)), Value(period.end))
    span = ExpressionWrapper(hi - lo, output_field=DurationField())
    rows = followups_overlapping(services, period).order_by().annotate(span=span).values_list("span").annotate(
        n=Count("pk"))
    followed = 0
    for d, n in rows:
        days = d.days if isinstance(d, datetime.timedelta) else int(d or 0) // 86_400_000_000
        followed += (days + 1) * n
    return followed


# Staffing and budget (not about persons supported: no suppression) ------------------------------

@indicator("staffing_etp", _("Staffing in full-time equivalents"), ETP,
           _("memberships and staffing entries, prorated by their days within the period"), _("profession"),
           Profession.choices, suppressed=False)
def staffing_etp(services, period):
    out = {k: Decimal("0") for k, _label in Profession.choices}
    members = (Membership.objects.filter(service__in=services, start_date__lte=period.end)
               .filter(Q(end_date__isnull=True) | Q(end_date__gte=period.start))
               .values_list("profession", "etp", "start_date", "end_date"))
    for profession, etp, start, end in members:
        share = Decimal(period.overlap_days(start, end or period.end)) / period.days
        out[profession] = out.get(profession, Decimal("0")) + etp * share
    for profession, etp, year in StaffingEntry.objects.filter(service__in=services, year__in=period.years()) \
            .values_list("profession", "etp", "year"):
        share = Decimal(period.overlap_days(datetime.date(year, 1, 1), datetime.date(year, 12, 31))) / period.days
        out[profession] = out.get(profession, Decimal("0")) + etp * share
    return {k: float(round(v, 2)) for k, v in out.items()}


def _budget(services, period):
    out = {k: Decimal("0") for k, _label in FunderKind.choices}
    rows = (ServiceYearBudget.objects.filter(service__in=services, year__in=period.years()).order_by()
            .values_list("year", "funder").annotate(total=Sum("amount")))
    for year, funder, total in rows:
        days_in_year = 366 if calendar.isleap(year) else 365
        share = Decimal(period.overlap_days(datetime.date(year, 1, 1), datetime.date(year, 12, 31))) / days_in_year
        out[funder] = out.get(funder, Decimal("0")) + total * share
    return out


@indicator("budget_by_funder", _("Budget by funder"), EUROS,
           _("yearly budgets, prorated by the days of each year within the period"), _("funder"),
           FunderKind.choices, suppressed=False)
def budget_by_funder(services, period):
    return {k: float(round(v, 2)) for k, v in _budget(services, period).items()}


def _capacity_days(services, period):
    """Capacity × days of the period, each capacity counted for the days it was in force (dated rules)."""
    def compute():
        flat = services.filter(has_rule_changes=False).aggregate(c=Sum("capacity"))["c"] or 0
        dated = sum(s.capacity_days(period.start, period.end)
                    for s in services.filter(has_rule_changes=True).prefetch_related("rule_changes"))
        return flat * period.days + dated
    return _memoised("capacity_days", services, period, compute)


@indicator("cost_per_place", _("Cost per place"), EUROS,
           _("budget of the period ÷ places of the period (capacity × days ÷ days, each capacity for the days it "
             "was in force)"),
           _("measure"), (("budget", _("budget")), ("capacity", _("places (mean over the period)")),
                          ("cost_per_place", _("cost per place"))),
           has_total=False, suppressed=False, chart="", additive=False)
def cost_per_place(services, period):
    total = sum(_budget(services, period).values(), Decimal("0"))
    places = Decimal(_capacity_days(services, period)) / period.days
    capacity = int(places) if places == int(places) else float(round(places, 2))
    return {"budget": float(round(total, 2)), "capacity": capacity,
            "cost_per_place": float(round(total / places, 2)) if places else None}


# Entry points -----------------------------------------------------------------------------------

def compute(code, services, period):
    return REGISTRY[code].compute(services, period)


def compute_all(services, period, codes=None):
    token = _MEMO.set({})
    try:
        return {code: REGISTRY[code].compute(services, period) for code in (codes or REGISTRY)}
    finally:
        _MEMO.reset(token)


def column_labels(code, table):
    """Labels for the keys of a computed table (months and stray values included)."""
    ind = REGISTRY[code]
    labels = ind.labels()
    out = {}
    for key in table:
        if key in labels:
            out[key] = labels[key]
        elif key == "":
            out[key] = str(_("not recorded"))
        elif len(key) == 7 and key[4] == "-":
            out[key] = f"{key[5:]}/{key[:4]}"
        else:
            out[key] = key
    return out
