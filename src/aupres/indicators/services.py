"""Indicators: who may see which scope, disclosure control, submissions, the funders' view,
budgets, report sections and report generation. Views, API and tasks call these functions.

Everything returned by `published_*` and `regional_view` is disclosure-controlled: exports, the
report and the funders only ever receive these tables.
"""

import datetime
import hashlib
import logging

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, DateField, Exists, F, Func, JSONField, Max, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractMonth, TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aupres.accounts.models import AccountKind, User
from aupres.core import access, text
from aupres.core.errors import Conflict, DomainError, Forbidden, NotFound
from aupres.core.models import Compartment
from aupres.encounters.models import ACT_COMPARTMENT, EncounterPerson
from aupres.indicators import disclosure, engine, rollup_sql
from aupres.indicators.models import (
    CaseloadYear,
    EventMonth,
    PersonYear,
    ReportSection,
    RollupState,
    ServiceYearBudget,
    StaffingEntry,
    Submission,
)
from aupres.services.models import Membership, Operator, Service, Territory

logger = logging.getLogger(__name__)

SERVICE, OPERATOR, TERRITORY = "service", "operator", "territory"
MAX_PERIOD_DAYS = 3 * 366


def make_period(start, end):
    if start is None and end is None:  # the last calendar year over: the first one that is published
        return engine.Period.year(timezone.localdate().year - 1)
    if start is None or end is None:
        today = timezone.localdate()
        start, end = start or datetime.date(today.year, 1, 1), end or today
    if end < start:
        raise DomainError(_("The period ends before it starts."), field="to", code="invalid_period")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise DomainError(_("A period covers at most three years."), field="to", code="invalid_period")
    return engine.Period(start, end)


# Who sees what -------------------------------------------------------------------------------------

def is_funder(user):
    return getattr(user, "is_authenticated", False) and user.kind == AccountKind.FUNDER


def member_service_ids(user):
    """Services whose indicators a user reads live: any active membership, whatever the profession."""
    if not getattr(user, "is_authenticated", False) or user.kind != AccountKind.STAFF:
        return set()
    return set(Membership.objects.active().filter(user=user).values_list("service_id", flat=True))


def dashboard_services(user):
    """Services a team member may open a dashboard for: theirs, and those of operators they head."""
    if not getattr(user, "is_authenticated", False):
        return Service.objects.none()
    if user.is_superuser:
        return Service.objects.all()
    if user.kind != AccountKind.STAFF:
        return Service.objects.none()
    ids = member_service_ids(user)
    managed = access.managed_operator_ids(user)

    return Service.objects.filter(Q(pk__in=ids) | Q(operator_id__in=managed))


def funder_territory_ids(user):
    if not is_funder(user) or user.territory_id is None:
        return set()
    return user.territory.self_and_descendant_ids()


def funder_services(user):
    return Service.objects.filter(territories__in=funder_territory_ids(user)).distinct()


def live_scope(user, scope, scope_id):
    """(services queryset, label) for live indicators; NotFound when out of reach. Funders never
    reach live data: they read submissions (regional_view)."""
    if scope == SERVICE:
        service = dashboard_services(user).filter(pk=scope_id).select_related("operator").first()
        if service is None:
            raise NotFound()
        return Service.objects.filter(pk=service.pk), service.name
    if scope == OPERATOR:
        if not (user.is_superuser or scope_id in access.managed_operator_ids(user)):
            raise NotFound()
        operator = Operator.objects.filter(pk=scope_id).first()
        if operator is None:
            raise NotFound()
        return Service.objects.filter(operator=operator), operator.name
    if scope == TERRITORY:
        if not user.is_superuser:
            raise NotFound()
        territory = Territory.objects.filter(pk=scope_id).first()
        if territory is None:
            raise NotFound()
        return (Service.objects.filter(territories__in=territory.self_and_descendant_ids()).distinct(),
                territory.name)
    raise DomainError(_("Unknown scope."), field="scope", code="invalid_scope")


# Publishing (disclosure control) ----------------------------------------------------------------
#
# Combination (issue #11, docs/indicators.md "Disclosure control"): what a reader may ask is a fixed
# grid — one calendar year that is over, for a scope it reaches — so no two publications differ by a
# few days; within one scope and year, tables that count the same population hide their shared total
# together and cells counted in two tables are hidden in both; sums over published parts (an
# operator's events, a region's Sum row) are shown only when none of their parts is hidden; and health
# figures reach only readers holding the health compartment, or large populations.

# Tables of one scope and period that count the same records: their totals are one number.
FAMILIES = (
    ("caseload", "persons_by_sex", "persons_by_age", "persons_by_living_situation",
     "persons_by_administrative_situation", "persons_by_health_cover"),
    ("encounters_by_place", "encounters_by_mode", "encounters_by_month"),
    ("referrals_by_source", "referrals_by_status"),
    ("exits_by_reason", "exits_by_destination", "followup_length",
     # entry against exit (registered by the care record, aupres.care.indicators): the same exits
     "housing_at_entry", "housing_at_exit", "health_cover_at_entry", "health_cover_at_exit", "income_at_entry",
     "income_at_exit"),
)
# Tables whose only cell is their family's total (no total of their own).
TOTAL_CELLS = {"caseload": "all"}
# Cells counted in two tables: (code, key) -> (code, key), the same number.
LINKED = {("health_actions", k): ("acts_by_kind", k) for k, _label in engine.HEALTH_ACTS}
# Health figures: withheld from a reader without the health compartment on every service of the scope
# unless the scope's caseload of the period counts at least this many persons.
HEALTH_MIN_POPULATION = 50


def health_withheld(code, table=()):
    """The keys of a table that count health acts, or of a health figure (Indicator.health: all its
    keys), withheld from readers outside the health compartment in small populations."""
    if engine.REGISTRY[code].health:
        return [str(k) for k in table]
    if code == "health_actions":
        return [str(k) for k, _label in engine.HEALTH_ACTS]
    if code == "acts_by_kind":
        return [str(k) for k, comp in ACT_COMPARTMENT.items() if comp == Compartment.HEALTH]
    return []


def is_sum_of_services(code):
    """Whether a scope's figure is exactly the sum of its services' (events, referrals, follow-ups,
    collective counts); persons counted once over several services are not."""
    ind = engine.REGISTRY[code]
    return ind.suppressed and ind.additive and (ind.unit != engine.PERSONS or code == "collective_participants")


def publication_period(period, year_to_date=False):
    """The grid every disclosure-controlled publication is made on: one calendar year, over. Two
    periods that differ by a day (or a month) would give the day's (the month's) records by
    subtraction; years do not overlap. `year_to_date`: the live dashboards and the report of the
    team (issue #19) may also show the current year from 1 January to today (not another day)."""
    today = timezone.localdate()
    if year_to_date and period.start == datetime.date(today.year, 1, 1) and period.end == today:
        return period
    if not period.is_whole_years() or period.start.year != period.end.year:
        raise DomainError(_("Indicators are published for one whole calendar year (1 January to 31 December)."),
                          field="from", code="period_not_on_grid")
    if period.end >= timezone.localdate():
        raise DomainError(_("Indicators of a year are published once the year is over."),
                          field="to", code="period_not_over")
    return period


def comparison_period(period):
    """The period published next to another for comparison: on the grid too. A year's is the year
    before; the year to date's is the whole year before (its same dates, next to that whole year
    published on its own, would give last year's remaining days by subtraction)."""
    if period.is_whole_years():
        return period.previous()
    return engine.Period.year(period.start.year - 1)


def reader_holds_health(user, services):
    """Whether the reader holds the health compartment on every service of the scope."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    held = set(access.service_ids(user, access.Compartment.HEALTH))
    ids = set(services.values_list("pk", flat=True))
    return bool(ids) and ids <= held


def publish_one(code, table, hidden=None, hide_total=False, withheld=(), no_decoy=()):
    """One indicator table of one scope, disclosure-controlled: {"values", "hidden", "total"}.
    `hidden`, `hide_total`, `withheld`: see disclosure.protect_1d (publish_tables coordinates them)."""
    ind = engine.REGISTRY[code]
    total = sum(v or 0 for v in table.values()) if ind.has_total else None
    if not ind.suppressed:
        return {"values": dict(table), "hidden": {}, "total": _round(total)}
    cells, total_kind = disclosure.protect_1d(table, total=ind.has_total, hidden=hidden, hide_total=hide_total,
                                              withheld=withheld, no_decoy=no_decoy)
    values = {k: (None if k in cells else table[k]) for k in table}
    hidden_out = dict(cells)
    if total_kind:
        hidden_out["__total__"] = total_kind
    return {"values": values, "hidden": hidden_out, "total": None if total_kind else total}


def publish_tables(exact, health=True, population=None, parts=None):
    """Every table of one scope and period, coordinated: {code: {"values", "hidden", "total"}}.

    health: the reader holds the health compartment on the scope; otherwise health figures are
    withheld unless `population` (the caseload) reaches HEALTH_MIN_POPULATION. parts: for a scope
    whose additive figures are sums of published parts (an operator and its services), the parts'
    published tables {code: [published, ...]}: a sum is then shown only where no part hides."""
    if population is None and "caseload" in exact:
        population = exact["caseload"].get("all") or 0
    withheld = {}
    if not health and (population or 0) < HEALTH_MIN_POPULATION:
        withheld = {code: keys for code, table in exact.items() if (keys := health_withheld(code, table))}
    forced = {code: {} for code in exact}
    forced_total, no_decoy = set(), {code: set() for code in exact}
    derived = {}
    for code, published in (parts or {}).items():
        if code not in exact or not engine.REGISTRY[code].suppressed:
            continue
        if is_sum_of_services(code):
            # The scope's figure is the sum of its services': shown exactly where no service hides,
            # with nothing else hidden (it adds nothing to what the services publish).
            derived[code] = _derived_table(code, exact[code], published)
            continue
        for k, v in exact[code].items():
            kinds = [p["hidden"].get(k) for p in published]
            kind = disclosure.derived_sum_hidden(kinds, v)
            if kind:
                forced[code][k] = kind
            else:
                no_decoy[code].add(k)
        if any(p["hidden"].get("__total__") for p in published):
            if code in TOTAL_CELLS:
                forced[code].setdefault(TOTAL_CELLS[code], disclosure.WITHHELD)
            elif engine.REGISTRY[code].has_total:
                forced_total.add(code)
    for _attempt in range(10):
        out = {code: derived[code] if code in derived else publish_one(
            code, table, forced[code], code in forced_total, withheld.get(code, ()), no_decoy[code])
            for code, table in exact.items()}
        changed = False
        for family in FAMILIES:
            # A table withheld whole from this reader (a health figure) publishes nothing, not even its
            # total: it can neither give away nor need another member's total.
            members = [c for c in family if c in out and engine.REGISTRY[c].suppressed and c not in derived
                       and not (c in withheld and set(withheld[c]) >= set(exact[c]))]
            if any(_total_hidden(c, out[c]) for c in members):
                for c in members:
                    if not _total_hidden(c, out[c]):
                        if c in TOTAL_CELLS:
                            forced[c][TOTAL_CELLS[c]] = disclosure.WITHHELD
                        else:
                            forced_total.add(c)
                        changed = True
        for (c1, k1), (c2, k2) in LINKED.items():
            if c1 in out and c2 in out and c1 not in derived and c2 not in derived:
                h1, h2 = out[c1]["hidden"].get(k1), out[c2]["hidden"].get(k2)
                if h1 and not h2:
                    forced[c2][k2] = h1
                    changed = True
                elif h2 and not h1:
                    forced[c1][k1] = h2
                    changed = True
        if not changed:
            return out
    raise RuntimeError("disclosure coordination did not converge")  # pragma: no cover


def _derived_table(code, table, parts):
    """The published table of a sum of services from its services' published tables."""
    hidden = {k: kind for k, v in table.items()
              if (kind := disclosure.derived_sum_hidden([p["hidden"].get(k) for p in parts], v))}
    total = None
    if engine.REGISTRY[code].has_total:
        total = sum(v or 0 for v in table.values())
        kind = disclosure.derived_sum_hidden([p["hidden"].get("__total__") for p in parts], total)
        if kind:
            hidden["__total__"], total = kind, None
    return {"values": {k: (None if k in hidden else v) for k, v in table.items()}, "hidden": hidden,
            "total": total}


def _total_hidden(code, published):
    if code in TOTAL_CELLS:
        return bool(published["hidden"].get(TOTAL_CELLS[code]))
    return bool(published["hidden"].get("__total__"))


def _round(v):
    return round(v, 2) if isinstance(v, float) else v


def describe(code):
    ind = engine.REGISTRY[code]
    return {"code": code, "label": str(ind.label), "unit": ind.unit, "unit_label": str(engine.UNIT_LABELS[ind.unit]),
            "date_rule": str(ind.date_rule), "dimension": str(ind.dimension), "suppressed": ind.suppressed,
            "chart": ind.chart, "has_total": ind.has_total}


def _labelled(code, published, exact_keys):
    labels = engine.column_labels(code, dict.fromkeys(exact_keys))
    return {**describe(code), "columns": [{"key": k, "label": labels[k]} for k in exact_keys], **published}


def published_live(user, scope, scope_id, period, codes=None):
    """The disclosure-controlled tables of a live scope, with the previous year for comparison."""
    if is_funder(user):
        raise NotFound()
    services, label = live_scope(user, scope, scope_id)
    publication_period(period, year_to_date=True)
    return publish_services(services, label, period, codes, scope=scope, scope_id=scope_id, reader=user)


def _published_year(services, period, codes, reader, exact=None):
    """The coordinated tables of a scope and period for a reader (None: a public document)."""
    exact = exact if exact is not None else engine.compute_all(services, period, codes)
    health = reader_holds_health(reader, services)
    population = exact["caseload"].get("all") if "caseload" in exact else engine.compute(
        "caseload", services, period).get("all")
    parts = None
    ids = list(services.values_list("pk", flat=True))
    if len(ids) > 1 and reader is not None and not reader.is_superuser:
        # The reader reads each service of the scope too (an operator's heads): the scope's tables
        # are published consistently with the services' (publish_tables, parts).
        suppressed = [c for c in exact if engine.REGISTRY[c].suppressed]
        parts = {c: [] for c in suppressed}
        for sid in ids:
            published = _published_year(Service.objects.filter(pk=sid), period, list(exact), reader)
            for c in suppressed:
                parts[c].append(published[c])
    return publish_tables(exact, health=health, population=population, parts=parts)


def publish_services(services, label, period, codes=None, scope=SERVICE, scope_id=None, progress=None,
                     reader=None):
    """Compute (exact) then publish (disclosure-controlled, publish_tables) every indicator of a set
    of services for a reader (None: a document for anyone, e.g. the yearly report)."""
    current_exact = engine.compute_all(services, period, codes)
    current = _published_year(services, period, codes, reader, exact=current_exact)
    if progress:
        progress(30, "current period")
    previous = _published_year(services, comparison_period(period), codes, reader)
    tables = []
    for code, table in current_exact.items():
        item = _labelled(code, current[code], list(table))
        prev = previous[code]
        item["previous"] = {"values": prev["values"], "hidden": prev["hidden"], "total": prev["total"]}
        tables.append(item)
    extra = {}
    n, mean = engine.mean_followup_days(services, period)
    extra["mean_followup_days"] = mean if n >= disclosure.THRESHOLD else None
    if progress:
        progress(50, "previous period")
    return {"scope": scope, "id": scope_id, "label": label, "from": period.start, "to": period.end,
            "previous_from": comparison_period(period).start, "previous_to": comparison_period(period).end,
            "services": services.count(), "tables": tables, "extra": extra}


# Submissions ---------------------------------------------------------------------------------------

def can_submit(user, service_id):
    return access.is_head_of_service(user, service_id)


@transaction.atomic
def submit(user, service_id, period, comment=""):
    """Freeze and submit a period's indicators: a new version each time, never changed after."""
    service = Service.objects.select_for_update().filter(pk=service_id).first()
    if service is None or service.pk not in set(dashboard_services(user).values_list("pk", flat=True)):
        raise NotFound()
    if not can_submit(user, service_id):
        raise Forbidden(_("Only the head of this service may submit its indicators."), code="not_head_of_service")
    if period.end > timezone.localdate():
        raise DomainError(_("A period can be submitted once it is over."), field="to", code="period_not_over")
    publication_period(period)
    services = Service.objects.filter(pk=service.pk)
    exact = engine.compute_all(services, period)
    # What funders read: they hold no health compartment (health figures of small services withheld).
    tables = {**publish_tables(exact, health=False), DISCLOSURE_KEY: DISCLOSURE_VERSION}
    last = (Submission.objects.filter(service=service, period_start=period.start, period_end=period.end)
            .aggregate(v=Max("version"))["v"] or 0)
    return Submission.objects.create(service=service, period_start=period.start, period_end=period.end,
                                     version=last + 1, tables=_jsonable(tables), exact=_jsonable(exact),
                                     comment=comment, submitted_by=user)


# Submissions made before issue #11 carry tables protected cell by cell; they are re-published from
# their exact aggregates with today's rules whenever they are read.
DISCLOSURE_KEY, DISCLOSURE_VERSION = "__disclosure__", 2


def submitted_tables(sub):
    """The published tables of a submission, under the current disclosure rules."""
    if sub.tables.get(DISCLOSURE_KEY) == DISCLOSURE_VERSION:
        return sub.tables
    exact = {code: table for code, table in sub.exact.items() if code in engine.REGISTRY}
    return publish_tables(exact, health=False)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def visible_submissions(user):
    """Funders: submissions of the services of their territory. Team members: of their dashboards."""
    qs = Submission.objects.select_related("service", "service__operator")
    if user.is_superuser:
        return qs
    if is_funder(user):  # only the grid (whole calendar years): overlapping periods would be differenced
        return qs.filter(service__in=funder_services(user), period_start__month=1, period_start__day=1,
                         period_end__month=12, period_end__day=31,
                         period_end__year=F("period_start__year"))
    if getattr(user, "kind", None) == AccountKind.STAFF:
        return qs.filter(service__in=dashboard_services(user))
    return qs.none()


# PostgreSQL: of a submission's published tables (current disclosure version), only what the Sum row
# and each service's row need — the hidden marks and the total of each table —, extracted in the
# database: the published values repeat the exact ones, and decoding them for a thousand submissions
# was a third of the funder's regional view.
_MARKS_SQL = (
    f'CASE WHEN "{Submission._meta.db_table}"."tables" ->> %s = %s THEN ('  # noqa: S608 — constants
    "SELECT jsonb_object_agg(t.key, jsonb_build_object('hidden', t.value -> 'hidden', 'total', t.value -> 'total'))"
    f' FROM jsonb_each("{Submission._meta.db_table}"."tables") t WHERE jsonb_typeof(t.value) = \'object\') END')


def latest_submissions(user, period, services=None, marks_only=False, ids=None):
    """The last version of each service's submission for exactly this period. `marks_only`
    (PostgreSQL): `tables` is not loaded but `marks` holds its hidden marks and totals (None for a
    submission of an older disclosure version: `submitted_tables` re-publishes it). `ids`: only these
    submissions (the ones a cache key was computed from)."""
    qs = visible_submissions(user).filter(period_start=period.start, period_end=period.end)
    if services is not None:
        qs = qs.filter(service__in=services)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    if marks_only and connection.vendor == "postgresql":
        qs = qs.defer("tables").annotate(marks=RawSQL(  # noqa: S611 — constants and bound parameters
            _MARKS_SQL, [DISCLOSURE_KEY, str(DISCLOSURE_VERSION)], output_field=JSONField()))
    latest = {}
    for sub in qs.order_by("service_id", "-version"):
        latest.setdefault(sub.service_id, sub)
    return sorted(latest.values(), key=lambda s: (s.service.operator.name, s.service.name))


def submission_out(sub):
    """What anyone allowed may read of a submission: the disclosure-controlled tables only."""
    return {"id": sub.pk, "service_id": sub.service_id, "service": sub.service.name,
            "operator_id": sub.service.operator_id, "operator": sub.service.operator.name,
            "from": sub.period_start, "to": sub.period_end, "version": sub.version,
            "submitted_at": sub.submitted_at, "comment": sub.comment,
            "tables": [_labelled(code, t, list(t["values"])) for code, t in submitted_tables(sub).items()
                       if code in engine.REGISTRY]}


def regional_view(user, period, scope=TERRITORY, scope_id=None):
    """Funders (and superusers): the submitted services of a territory (or one operator of it),
    side by side, and their sum, disclosure-controlled as a whole (disclosure.protect_margins)."""
    if not (is_funder(user) or user.is_superuser):
        raise NotFound()
    services = funder_services(user) if is_funder(user) else Service.objects.all()
    label = user.territory.name if is_funder(user) and user.territory_id else _("All territories")
    if scope == TERRITORY and scope_id is not None:
        if is_funder(user) and scope_id not in funder_territory_ids(user):
            raise NotFound()
        territory = Territory.objects.filter(pk=scope_id).first()
        if territory is None:
            raise NotFound()
        services = services.filter(territories__in=territory.self_and_descendant_ids())
        label = territory.name
    elif scope == OPERATOR:
        operator = Operator.objects.filter(pk=scope_id, services__in=services).distinct().first()
        if operator is None:
            raise NotFound()
        services, label = services.filter(operator=operator), operator.name
    elif scope == SERVICE:
        service = services.filter(pk=scope_id).first()
        if service is None:
            raise NotFound()
        services, label = services.filter(pk=service.pk), service.name
    publication_period(period)
    return {"scope": scope, "id": scope_id, "label": label, "from": period.start, "to": period.end,
            **_side_by_side(user, period, services)}


# The side-by-side tables are a function of the latest submissions read (rows never updated: a new
# version is a new row), the services' and operators' names, the disclosure rules and the language:
# all in the key, so that an entry is never stale and two readers share one only when they read the
# same submissions. Bump when the tables' shape or rules change without DISCLOSURE_VERSION moving.
SIDE_BY_SIDE_VERSION = 1
SIDE_BY_SIDE_SECONDS = 24 * 3600


def _side_by_side(user, period, services):
    """{"submissions", "tables"} of regional_view, from the shared cache when these submissions were
    read before (the funder's page reads up to four years; a region has a thousand services)."""
    latest = {}
    for row in (visible_submissions(user).filter(period_start=period.start, period_end=period.end,
                                                 service__in=services)
                .order_by("service_id", "-version")
                .values_list("service_id", "pk", "version", "submitted_at", "service__name",
                             "service__operator__name")):
        latest.setdefault(row[0], row)
    digest = hashlib.sha256(repr((SIDE_BY_SIDE_VERSION, DISCLOSURE_VERSION, tuple(engine.REGISTRY),
                                  translation.get_language(), period.start, period.end,
                                  sorted(latest.values()))).encode()).hexdigest()
    key = f"aupres:side-by-side:{digest}"
    found = cache.get(key)
    if found is not None:
        return found
    subs = latest_submissions(user, period, marks_only=True, ids=[row[1] for row in latest.values()])
    rows = [(str(s.service_id), f"{s.service.operator.name} — {s.service.name}", s,
             marks if (marks := getattr(s, "marks", None)) is not None else submitted_tables(s)) for s in subs]
    tables = []
    for code, ind in engine.REGISTRY.items():
        seen = {}  # the keys of the services' tables, in the order first met (a dict: no list scans)
        for _key, _label, s, _tables in rows:
            seen.update(s.exact.get(code) or {})
        keys = list(seen) or [str(k) for k, _l in ind.choices]
        table = _matrix(code, ind, keys, rows)
        # lazy labels evaluated: the entry is pickled, and read back in the same language (the key)
        table["columns"] = [{"key": c["key"], "label": str(c["label"])} for c in table["columns"]]
        tables.append(table)
    out = {"submissions": [{"id": s.pk, "service_id": s.service_id, "service": s.service.name,
                            "operator": s.service.operator.name, "version": s.version,
                            "submitted_at": s.submitted_at} for s in subs],
           "tables": tables}
    cache.set(key, out, SIDE_BY_SIDE_SECONDS)
    return out


def warm_side_by_side(years=4):
    """The funders' regional views of the last `years` submitted years, computed where the submissions
    changed (periodic job): the first funder to open the page after a submission no longer waits for
    a thousand services' tables. One funder per territory (they read the same submissions). Returns
    the number of views read."""
    readers = {}
    for user in User.objects.filter(kind=AccountKind.FUNDER, is_active=True, territory__isnull=False
                                    ).order_by("pk"):
        readers.setdefault(user.territory_id, user)
    done = 0
    for user in readers.values():
        periods = (visible_submissions(user).order_by("-period_start").values_list("period_start", "period_end")
                   .distinct()[:years])
        for start, end in periods:
            try:
                regional_view(user, engine.Period(start, end))
            except DomainError:  # a period no longer published (rules changed): the page will not show it
                continue
            done += 1
    return done


_NOTHING_PUBLISHED = {"values": {}, "hidden": {}, "total": None}


def _matrix(code, ind, keys, rows):
    """The side-by-side table of one indicator: each service's row as it publishes it (its
    submission), and the Sum row, each entry shown only when none of the rows hides a part of it
    (disclosure.derived_sum_hidden): the Sum then adds nothing to the rows, so the sums of a region
    and of one of its départements (or an operator) cannot be subtracted to isolate a hidden cell.

    One pass over the rows (a region: a thousand, for each of some fifty indicators): only the kinds
    of the hidden parts are collected for the Sum (derived_sum_hidden reads nothing else)."""
    out_rows, sums, parts = [], dict.fromkeys(keys, 0), {k: [] for k in keys}
    total, total_parts = 0, []
    row_total = ind.has_total and ind.additive
    with_total = [*keys, "__total__"]
    plain = ind.suppressed  # counts (ints): nothing to round; ETP, euros and rates are rounded
    zeros = dict.fromkeys(keys, 0)
    for rkey, rlabel, sub, tables in rows:
        exact = sub.exact.get(code) or {}
        published = tables.get(code) or _NOTHING_PUBLISHED
        hidden = published["hidden"]
        if plain:  # copied in C: the keys in order, 0 where the service has none (a None too, below)
            values = zeros.copy()
            values.update(exact)
            if None in exact.values():
                values = {k: v or 0 for k, v in values.items()}
        else:
            values = {k: _round(exact.get(k) or 0) for k in keys}
        for k, v in exact.items():
            if v:
                sums[k] += v
                total += v
        if hidden:
            for k in keys:
                if k in hidden:
                    values[k] = None
                    if hidden[k]:
                        parts[k].append(hidden[k])
            if hidden.get("__total__"):
                total_parts.append(hidden["__total__"])
            hidden = {k: hidden[k] for k in with_total if k in hidden}
        out_rows.append({"key": rkey, "label": rlabel, "values": values, "hidden": hidden,
                         "total": _round(published.get("total")) if row_total else None})
    region = None
    if ind.additive:
        hidden = {}
        if ind.suppressed:
            hidden = {k: kind for k in keys if (kind := disclosure.derived_sum_hidden(parts[k], sums[k]))}
        total_kind = disclosure.derived_sum_hidden(total_parts, total) if ind.suppressed else None
        region = {"values": {k: _round(None if k in hidden else sums[k]) for k in keys}, "hidden": hidden,
                  "total": (_round(None if total_kind else total) if ind.has_total else None)}
        if total_kind and ind.has_total:
            region["hidden"]["__total__"] = total_kind
    labels = engine.column_labels(code, dict.fromkeys(keys))
    return {**describe(code), "columns": [{"key": k, "label": labels[k]} for k in keys], "rows": out_rows,
            "region": region}


# Budgets, staffing, report sections -------------------------------------------------------------

def _require_head(user, service_id):
    if not (user.is_superuser or access.is_head_of_service(user, service_id)):
        if service_id in set(dashboard_services(user).values_list("pk", flat=True)):
            raise Forbidden(_("Only the head of this service may change this."), code="not_head_of_service")
        raise NotFound()


@transaction.atomic
def set_budget(user, service_id, year, funder, amount):
    """Set what a funder gives a service for a year. The part granted from funding envelopes (accepted
    applications: calls.services.accept) stays: the line is locked while it is compared, and the UPDATE
    repeats the comparison, so a grant landing at the same time is never overwritten (D54)."""
    _require_head(user, service_id)
    if amount < 0:
        raise DomainError(_("An amount cannot be negative."), field="amount")
    lines = ServiceYearBudget.objects.select_for_update().filter(service_id=service_id, year=year, funder=funder)
    line = lines.first()
    if line is None:
        try:
            with transaction.atomic():
                return ServiceYearBudget.objects.create(service_id=service_id, year=year, funder=funder,
                                                        amount=amount)
        except IntegrityError:  # created meanwhile (a grant): compare with it
            line = lines.get()
    if not lines.filter(envelope_amount__lte=amount).update(amount=amount, version=F("version") + 1):
        line.refresh_from_db()
        raise Conflict(_("%(funded)s of this line were granted from a funding envelope: the line cannot go "
                         "below.") % {"funded": text.euros(line.envelope_amount)}, field="amount",
                       code="envelope_funded")
    line.refresh_from_db()
    return line


def add_staffing(user, service_id, year, profession, etp, note=""):
    _require_head(user, service_id)
    if etp <= 0:
        raise DomainError(_("A full-time equivalent is more than 0."), field="etp")
    return StaffingEntry.objects.create(service_id=service_id, year=year, profession=profession, etp=etp, note=note)


def sections(service_id, year):
    return ReportSection.objects.filter(service_id=service_id, year=year)


def save_section(user, service_id, year, title, text, section_id=None, version=None, position=None):
    _require_head(user, service_id)
    if not title.strip():
        raise DomainError(_("Give the section a title."), field="title")
    if section_id is None:
        position = position or (sections(service_id, year).aggregate(p=Max("position"))["p"] or 0) + 1
        return ReportSection.objects.create(service_id=service_id, year=year, title=title, text=text,
                                            position=position, updated_by=user)
    section = sections(service_id, year).filter(pk=section_id).first()
    if section is None:
        raise NotFound()
    section.title, section.text, section.updated_by = title, text, user
    section.save_versioned(version or 0, update_fields=["title", "text", "updated_by", "updated_at"])
    return section


# Rollups --------------------------------------------------------------------------------------------

def refresh_rollups(year, service_ids=None):
    """Rebuild the rollups of a year (all services, or some): PersonYear (each person met, with the
    bitmask of the months met, and whether other services met them) from encounter participants,
    EventMonth from the event indicators of engine.ROLLUP_CODES, and on PostgreSQL CaseloadYear (the
    caseload with the person as at the end of the year). Set-based; run the first time a year
    is needed (`maintain_rollups`, nightly), by operators (`manage.py rebuild_rollups`, the task
    `indicators.tasks.refresh_rollups_task`) and after a load written with triggers disabled.
    Between rebuilds, PostgreSQL triggers keep the rollups current (rollup_sql.py).

    On PostgreSQL the rollup tables are locked (EXCLUSIVE: readers go on reading the previous
    rows) for the rebuild: a concurrent writer's trigger waits until the rebuild commits, then
    applies its change on top, so no write is lost between the rebuild's reading and its commit."""
    period = engine.Period.year(year)
    services = Service.objects.all() if service_ids is None else Service.objects.filter(pk__in=service_ids)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                # In the order writers lock them (a follow-up, then an encounter, then its
                # participants), so that a rebuild and a writer queue instead of deadlocking.
                cur.execute(f"LOCK TABLE {CaseloadYear._meta.db_table}, {EventMonth._meta.db_table}, "
                            f"{PersonYear._meta.db_table} IN EXCLUSIVE MODE")
        py = PersonYear.objects.filter(year=year)
        ev = EventMonth.objects.filter(month__gte=period.start, month__lte=period.end)
        cy = CaseloadYear.objects.filter(year=year)
        if service_ids is not None:
            py, ev = py.filter(service_id__in=service_ids), ev.filter(service_id__in=service_ids)
            cy = cy.filter(service_id__in=service_ids)
        py.delete()
        ev.delete()
        cy.delete()
        _refresh_person_year(year, period, services)
        for code in engine.ROLLUP_CODES:
            _refresh_event_month(code, engine.EVENT_SPECS[code], period, services)
        _refresh_caseload_year(year, service_ids)
        RollupState.objects.update_or_create(year=year, defaults={"refreshed_at": timezone.now()})
        _refresh_event_parts(year, service_ids)
    if connection.vendor == "postgresql":
        # The parts of the rollups followed them through their triggers (minus the old rows, plus the new).
        compact_parts(year)
        tables = (f"{PersonYear._meta.db_table}, {CaseloadYear._meta.db_table}, {EventMonth._meta.db_table}, "
                  f"{rollup_sql.PART_TABLE}")
        with connection.cursor() as cur:
            # Fresh statistics for the plans that read them (hashed grouping; EventMonth unanalysed was sorted,
            # 175 ms instead of 68); outside a transaction, also the visibility map that lets the shared
            # persons be read from their partial indexes alone rather than the rebuilt heap (D74).
            cur.execute(f"ANALYZE {tables}" if connection.in_atomic_block else f"VACUUM (ANALYZE) {tables}")


def _refresh_event_parts(year, service_ids=None):
    """The exits and referrals of ServiceYearPart (rollup_sql.PART_EVENT_CODES) recomputed from the
    raw tables for the year, PostgreSQL: the year's rows of those indicators deleted and the sums
    inserted in ONE statement, so both see the same snapshot (a writer's delta committed before it
    is deleted and its row counted; after it, kept and not counted)."""
    if connection.vendor != "postgresql":
        return
    where = "true" if service_ids is None else "service_id = ANY(%(ids)s)"
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [rollup_sql.PART_LOCK])
        cur.execute(
            f"WITH d AS (DELETE FROM {rollup_sql.PART_TABLE} WHERE year = %(year)s AND indicator = ANY(%(codes)s) "  # noqa: S608
            f"  AND {where}) "
            f"INSERT INTO {rollup_sql.PART_TABLE} (year, service_id, indicator, key, n) "
            f"{rollup_sql.part_rows_sql(('followups_followup', 'referrals_referral'), where)}",
            {"year": year, "codes": list(rollup_sql.PART_EVENT_CODES), "ids": list(service_ids or [])})


def compact_parts(year):
    """ServiceYearPart of a year down to one row per (service, indicator, key), PostgreSQL: the
    triggers append signed deltas, which readers sum; compacting keeps that sum short (one
    statement, exact under concurrent writers: rollup_sql.PART_COMPACT_SQL). Run by the rebuild
    and by the nightly job."""
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [rollup_sql.PART_LOCK])
        cur.execute(rollup_sql.PART_COMPACT_SQL, {"year": year})


def _part_mismatches(year):
    """The services whose ServiceYearPart sums of a year differ from the two rollups' rows now."""
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT DISTINCT coalesce(r.service_id, t.service_id) FROM ({rollup_sql.part_rows_sql()}) "  # noqa: S608
            "r(year, service_id, i, k, n) "
            f"FULL JOIN (SELECT service_id, indicator AS i, key AS k, sum(n) AS n FROM {rollup_sql.PART_TABLE} "
            "            WHERE year = %(year)s GROUP BY 1, 2, 3 HAVING sum(n) <> 0) t "
            "  ON t.service_id = r.service_id AND t.i = r.i AND t.k = r.k "
            "WHERE r.n IS DISTINCT FROM t.n", {"year": year})
        return {row[0] for row in cur.fetchall()}


def _caseload_rows_sql(year, service_ids=None):
    """(sql, params), PostgreSQL: the CaseloadYear rows of a year (rollup_sql.caseload_rows_sql,
    the triggers' definition), of all services or some; for the rebuild and for the check alike."""
    where, params = ("true", []) if service_ids is None else ("f.service_id = ANY(%s)", [list(service_ids)])
    return rollup_sql.caseload_rows_sql(where, "SELECT %s::int"), [year, *params]


def _refresh_caseload_year(year, service_ids=None):
    """CaseloadYear rows of the year, on PostgreSQL (elsewhere the caseload is read live, not rolled up)."""
    if connection.vendor != "postgresql":
        return
    sql, params = _caseload_rows_sql(year, service_ids)
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {CaseloadYear._meta.db_table} ({', '.join(rollup_sql.CASELOAD_COLUMNS)}) {sql}",
                    params)


def _caseload_mismatches(year):
    """The services whose CaseloadYear rows of a year differ from the raw tables (a missing or extra
    row, or any column different), PostgreSQL; compared in the database."""
    if connection.vendor != "postgresql":
        return set()
    columns = rollup_sql.CASELOAD_COLUMNS
    sql, params = _caseload_rows_sql(year)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT DISTINCT coalesce(r.service_id, t.service_id) FROM ({sql}) r({', '.join(columns)}) "  # noqa: S608
            f"FULL JOIN (SELECT {', '.join(columns)} FROM {CaseloadYear._meta.db_table} WHERE year = %s) t "
            "  ON t.service_id = r.service_id AND t.person_id = r.person_id "
            f"WHERE r.service_id IS NULL OR t.service_id IS NULL OR ({', '.join(f'r.{c}' for c in columns)}) "
            f"IS DISTINCT FROM ({', '.join(f't.{c}' for c in columns)})",
            [*params, year])
        return {row[0] for row in cur.fetchall()}


class _LocalMonth(Func):
    """The first day of the month of a datetime, in the current time zone, as a date (PostgreSQL)."""

    output_field = DateField()

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        tz = timezone.get_current_timezone_name().replace("'", "")  # a zone name from settings, not input
        return f"(DATE_TRUNC('month', {sql} AT TIME ZONE '{tz}'))::date", params


def _event_month_query(spec, period, services):
    """The raw counts of an event indicator by (service, local month, key): rs, rm, rk, rn."""
    qs = spec.queryset(services).filter(engine._in_period(spec.date_field, period, spec.is_datetime)).order_by()
    month = _LocalMonth(spec.date_field) if connection.vendor == "postgresql" else TruncMonth(spec.date_field)
    return (qs.annotate(rs=F(spec.service_path), rm=month, rk=F(spec.key))
            .values("rs", "rm", "rk").annotate(rn=Count("pk")))


def _event_month_rows(spec, period, services):
    for s, m, k, n in _event_month_query(spec, period, services).values_list("rs", "rm", "rk", "rn"):
        yield s, (timezone.localtime(m).date() if isinstance(m, datetime.datetime) else m), ("" if k is None
                                                                                           else str(k)), n


def _refresh_event_month(code, spec, period, services):
    if connection.vendor == "postgresql":
        sql, params = _event_month_query(spec, period, services).query.sql_with_params()
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {EventMonth._meta.db_table} (indicator, service_id, month, key, n) "  # noqa: S608
                        f"SELECT %s, q.rs, q.rm, coalesce(q.rk, ''), q.rn FROM ({sql}) q", [code, *params])
        return
    EventMonth.objects.bulk_create([EventMonth(service_id=s, month=m, indicator=code, key=k, n=n)
                                    for s, m, k, n in _event_month_rows(spec, period, services)],
                                   batch_size=5000)


def _month_bit_sql():
    """SQL (PostgreSQL) of the PersonYear.months bit of a link's Europe/Paris month; one parameter,
    the time zone. As rollup_sql._month_bit, which the triggers use."""
    return "(1 << (extract(month FROM occurred_at AT TIME ZONE %s)::int - 1))"


def _person_months_sql(period, service_ids=None):
    """(sql, params), PostgreSQL: the (service_id, person_id, months bitmask) of the period's links,
    the rows PersonYear holds; for the rebuild and for the check alike."""

    start, end = period.bounds()
    sql = (f"SELECT service_id, person_id, bit_or({_month_bit_sql()}) AS months "  # noqa: S608
           f"FROM {EncounterPerson._meta.db_table} WHERE occurred_at >= %s AND occurred_at < %s")
    params = [timezone.get_current_timezone_name(), start, end]
    if service_ids is not None:
        sql += " AND service_id = ANY(%s)"
        params.append(service_ids)
    return sql + " GROUP BY service_id, person_id", params


def _raw_person_months(year, period, services=None):
    """{(service, person): months bitmask} of a year from the raw links (the portable path, for
    SQLite; ExtractMonth reads the month in the current time zone, Europe/Paris)."""

    start, end = period.bounds()
    qs = EncounterPerson.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    if services is not None:
        qs = qs.filter(service__in=services)
    out = {}
    for s, p, m in (qs.order_by().annotate(m=ExtractMonth("occurred_at"))
                    .values_list("service_id", "person_id", "m").distinct()):
        out[(s, p)] = out.get((s, p), 0) | (1 << (m - 1))
    return out


def _refresh_person_year(year, period, services):
    if connection.vendor == "postgresql":
        sql, params = _person_months_sql(period, list(services.values_list("pk", flat=True)))
        with connection.cursor() as cur:
            cur.execute(f"INSERT INTO {PersonYear._meta.db_table} (service_id, year, person_id, months) "  # noqa: S608
                        f"SELECT r.service_id, %s, r.person_id, r.months FROM ({sql}) r", [year, *params])
    else:
        PersonYear.objects.bulk_create([PersonYear(service_id=s, year=year, person_id=p, months=m)
                                        for (s, p), m in _raw_person_months(year, period, services).items()],
                                       batch_size=5000)
    _mark_shared(year)


def _others_met(year):
    """Whether another service met the person of a PersonYear row in its year (PersonYear.shared)."""
    return Exists(PersonYear.objects.filter(year=year, person_id=OuterRef("person_id"))
                  .exclude(service_id=OuterRef("service_id")))


# PostgreSQL: what PersonYear.shared of each person of a year (parameter) should be, in one grouped
# pass; for the rebuild and the check alike.
_SHARED_BY_PERSON = (f"SELECT person_id, count(*) > 1 AS shared FROM {PersonYear._meta.db_table} "  # noqa: S608
                     "WHERE year = %s GROUP BY person_id")


def _shared_mismatches(year):
    """The services with a PersonYear row of the year whose `shared` flag is wrong."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"SELECT DISTINCT t.service_id FROM {PersonYear._meta.db_table} t "  # noqa: S608
                        f"JOIN ({_SHARED_BY_PERSON}) x ON x.person_id = t.person_id "
                        "WHERE t.year = %s AND t.shared <> x.shared", [year, year])
            return {row[0] for row in cur.fetchall()}
    rows = PersonYear.objects.filter(year=year)
    return set(rows.filter(shared=False).filter(_others_met(year)).values_list("service_id", flat=True)) | set(
        rows.filter(shared=True).exclude(_others_met(year)).values_list("service_id", flat=True))


def _mark_shared(year):
    """PersonYear.shared of every row of the year (a rebuild of some services changes the others')."""
    if connection.vendor == "postgresql":  # one grouped pass (the portable form below probes row by row)
        with connection.cursor() as cur:
            # Statistics of the rows just written first: planned on an empty year's statistics, the
            # join below becomes a nested loop over a million rows (minutes instead of seconds).
            cur.execute(f"ANALYZE {PersonYear._meta.db_table}")
            cur.execute(f"UPDATE {PersonYear._meta.db_table} t SET shared = x.shared "  # noqa: S608
                        f"FROM ({_SHARED_BY_PERSON}) x "
                        "WHERE t.year = %s AND t.person_id = x.person_id AND t.shared <> x.shared", [year, year])
        return
    rows = PersonYear.objects.filter(year=year)
    rows.filter(shared=False).filter(_others_met(year)).update(shared=True)
    rows.filter(shared=True).exclude(_others_met(year)).update(shared=False)


def _person_year_mismatches(year, period):
    """The services whose PersonYear rows of a year differ from the raw links: a missing or extra
    (service, person) row, or different months. Exact, key by key."""
    if connection.vendor != "postgresql":
        raw = _raw_person_months(year, period)
        rolled = {(s, p): m for s, p, m in PersonYear.objects.filter(year=year)
                  .values_list("service_id", "person_id", "months")}
        return {key[0] for key in raw.keys() | rolled.keys() if raw.get(key) != rolled.get(key)}
    sql, params = _person_months_sql(period)
    with connection.cursor() as cur:  # one pass over the links of the year, compared in the database
        cur.execute(
            f"SELECT DISTINCT coalesce(r.service_id, t.service_id) FROM ({sql}) r "  # noqa: S608
            f"FULL JOIN (SELECT service_id, person_id, months FROM {PersonYear._meta.db_table} WHERE year = %s) t "
            "  ON t.service_id = r.service_id AND t.person_id = r.person_id "
            "WHERE r.service_id IS NULL OR t.service_id IS NULL OR r.months <> t.months",
            [*params, year])
        return {row[0] for row in cur.fetchall()}


def rollups_maintained():
    """Whether triggers keep the rollups current (PostgreSQL). Elsewhere they are neither kept nor read."""
    return connection.vendor == "postgresql"


def verify_rollups(year):
    """Compare the rollups of a year with the raw tables, per service, WITHOUT locking anything:
    PersonYear key by key (a row per service and person met, with the months of its links) and its
    `shared` flags, CaseloadYear row by row and column by column (PostgreSQL), and the counts of
    every (month, indicator, key) of engine.ROLLUP_CODES. Returns the sorted ids of the services
    whose rollups differ.

    On PostgreSQL, when called outside a transaction, both sides are read in ONE REPEATABLE READ,
    READ ONLY snapshot: triggers change the rollups in the writer's transaction, so any snapshot
    sees them equal to the raw tables, and concurrent writers are neither blocked nor a cause of
    false mismatches. (Inside a caller's transaction, that transaction's snapshots are used.)"""
    period = engine.Period.year(year)
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cur:  # the first statement of the transaction
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        bad = (_person_year_mismatches(year, period) | _caseload_mismatches(year) | _shared_mismatches(year)
               | _part_mismatches(year))
        services = Service.objects.all()
        raw = {(s, m, code, k): n for code in engine.ROLLUP_CODES
               for s, m, k, n in _event_month_rows(engine.EVENT_SPECS[code], period, services) if n}
        rolled = {(s, m, code, k): n for s, m, code, k, n in EventMonth.objects.filter(
            indicator__in=engine.ROLLUP_CODES, month__gte=period.start, month__lte=period.end, n__gt=0)
            .values_list("service_id", "month", "indicator", "key", "n")}
        bad |= {key[0] for key in raw.keys() | rolled.keys() if raw.get(key) != rolled.get(key)}
    return sorted(bad)


def maintain_rollups(year):
    """The nightly job, for one year (indicators.tasks.maintain_current_rollups). A year never built
    (no RollupState) is built, with the locked rebuild; afterwards triggers keep it exact, so the
    job only VERIFIES it, without locking, and reports the services whose rollups differ (ids and
    counts only). An operator repairs them with `manage.py rebuild_rollups --year Y [--service ID]`.
    Without triggers (SQLite) the rollups are neither kept nor read: nothing to verify."""
    if not RollupState.objects.filter(year=year).exists():
        refresh_rollups(year)
        logger.info("Rollups of %s built (first time).", year)
        return {"year": year, "action": "built"}
    if not rollups_maintained():
        return {"year": year, "action": "skipped"}
    bad = verify_rollups(year)
    compact_parts(year)
    if bad:
        logger.warning("Rollups of %s differ from the raw tables for %d services (ids: %s); repair with "
                       "`manage.py rebuild_rollups --year %s --service ID…`.", year, len(bad), bad[:100], year)
    else:
        logger.info("Rollups of %s verified: equal to the raw tables.", year)
    return {"year": year, "action": "verified", "mismatching_services": len(bad), "service_ids": bad[:100]}
