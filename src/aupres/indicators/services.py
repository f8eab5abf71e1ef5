"""Indicators: who may see which scope, disclosure control, submissions, the funders' view,
budgets, report sections and report generation. Views, API and tasks call these functions.

Everything returned by `published_*` and `regional_view` is disclosure-controlled: exports, the
report and the funders only ever receive these tables.
"""

import datetime
import logging

from django.db import connection, transaction
from django.db.models import Count, DateField, Exists, F, Func, Max, OuterRef
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.accounts.models import AccountKind
from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.encounters.models import EncounterPerson
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
    from django.db.models import Q

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

def publish_one(code, table):
    """One indicator table of one scope, disclosure-controlled: {"values", "hidden", "total"}."""
    ind = engine.REGISTRY[code]
    keys = list(table)
    total = sum(v or 0 for v in table.values()) if ind.has_total else None
    if not ind.suppressed:
        return {"values": dict(table), "hidden": {}, "total": _round(total)}
    grid = disclosure.one_dimensional(table, total=ind.has_total)
    masked = disclosure.suppress(grid)
    values = {k: masked.shown(("cell", "", k)) for k in keys}
    hidden = {k: masked.hidden[("cell", "", k)] for k in keys if ("cell", "", k) in masked.hidden}
    shown_total = masked.shown(("row", "")) if ind.has_total else None
    if ind.has_total and ("row", "") in masked.hidden:
        hidden["__total__"] = masked.hidden[("row", "")]
    return {"values": values, "hidden": hidden, "total": shown_total}


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
    """The disclosure-controlled tables of a live scope, with the previous period for comparison."""
    if is_funder(user):
        raise NotFound()
    services, label = live_scope(user, scope, scope_id)
    return publish_services(services, label, period, codes, scope=scope, scope_id=scope_id)


def publish_services(services, label, period, codes=None, scope=SERVICE, scope_id=None, progress=None):
    """Compute (exact) then publish (disclosure-controlled) every indicator of a set of services."""
    current = engine.compute_all(services, period, codes)
    if progress:
        progress(30, "current period")
    previous = engine.compute_all(services, period.previous(), codes)
    tables = []
    for code, table in current.items():
        item = _labelled(code, publish_one(code, table), list(table))
        prev = publish_one(code, previous[code])
        item["previous"] = {"values": prev["values"], "hidden": prev["hidden"], "total": prev["total"]}
        tables.append(item)
    extra = {}
    n, mean = engine.mean_followup_days(services, period)
    extra["mean_followup_days"] = mean if n >= disclosure.THRESHOLD else None
    if progress:
        progress(50, "previous period")
    return {"scope": scope, "id": scope_id, "label": label, "from": period.start, "to": period.end,
            "previous_from": period.previous().start, "previous_to": period.previous().end,
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
    services = Service.objects.filter(pk=service.pk)
    exact = engine.compute_all(services, period)
    tables = {code: publish_one(code, table) for code, table in exact.items()}
    last = (Submission.objects.filter(service=service, period_start=period.start, period_end=period.end)
            .aggregate(v=Max("version"))["v"] or 0)
    return Submission.objects.create(service=service, period_start=period.start, period_end=period.end,
                                     version=last + 1, tables=_jsonable(tables), exact=_jsonable(exact),
                                     comment=comment, submitted_by=user)


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
    if is_funder(user):
        return qs.filter(service__in=funder_services(user))
    if getattr(user, "kind", None) == AccountKind.STAFF:
        return qs.filter(service__in=dashboard_services(user))
    return qs.none()


def latest_submissions(user, period, services=None):
    """The last version of each service's submission for exactly this period."""
    qs = visible_submissions(user).filter(period_start=period.start, period_end=period.end)
    if services is not None:
        qs = qs.filter(service__in=services)
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
            "tables": [_labelled(code, t, list(t["values"])) for code, t in sub.tables.items()
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
    subs = latest_submissions(user, period, services)
    rows = [(str(s.service_id), f"{s.service.operator.name} — {s.service.name}", s) for s in subs]
    tables = []
    for code, ind in engine.REGISTRY.items():
        keys = []
        for _key, _label, s in rows:
            for k in s.exact.get(code, {}):
                if k not in keys:
                    keys.append(k)
        if not keys:
            keys = [str(k) for k, _l in ind.choices]
        tables.append(_matrix(code, ind, keys, rows))
    return {"scope": scope, "id": scope_id, "label": label, "from": period.start, "to": period.end,
            "submissions": [{"id": s.pk, "service_id": s.service_id, "service": s.service.name,
                             "operator": s.service.operator.name, "version": s.version,
                             "submitted_at": s.submitted_at} for s in subs],
            "tables": tables}


def _matrix(code, ind, keys, rows):
    row_keys = [r[0] for r in rows]
    cells, row_totals, prehidden = {}, {}, {}
    for rkey, _label, sub in rows:
        exact = sub.exact.get(code, {})
        frozen = sub.tables.get(code, {"hidden": {}})
        for k in keys:
            cells[(rkey, k)] = exact.get(k) or 0
            if k in frozen["hidden"]:
                prehidden[("cell", rkey, k)] = frozen["hidden"][k]
        row_totals[rkey] = sum(v or 0 for v in exact.values())
        if "__total__" in frozen["hidden"]:
            prehidden[("row", rkey)] = frozen["hidden"]["__total__"]
    additive_total = ind.has_total and ind.additive
    col_totals = {k: sum(cells[(r, k)] or 0 for r in row_keys) for k in keys} if ind.additive else None
    grid = disclosure.Grid(rows=row_keys, cols=keys, cells=cells,
                           row_totals=row_totals if additive_total else None, col_totals=col_totals,
                           grand=sum(row_totals.values()) if (additive_total and col_totals is not None) else None)
    masked = disclosure.protect_margins(grid, prehidden) if ind.suppressed else disclosure.Masked(grid, {})
    out_rows = []
    for rkey, rlabel, _sub in rows:
        out_rows.append({"key": rkey, "label": rlabel,
                         "values": {k: _round(masked.shown(("cell", rkey, k))) for k in keys},
                         "hidden": {k: masked.hidden[("cell", rkey, k)] for k in keys
                                    if ("cell", rkey, k) in masked.hidden},
                         "total": _round(masked.shown(("row", rkey))) if grid.row_totals is not None else None})
    region = None
    if col_totals is not None:
        region = {"values": {k: _round(masked.shown(("col", k))) for k in keys},
                  "hidden": {k: masked.hidden[("col", k)] for k in keys if ("col", k) in masked.hidden},
                  "total": _round(masked.shown(("grand",))) if grid.grand is not None else None}
    labels = engine.column_labels(code, dict.fromkeys(keys))
    return {**describe(code), "columns": [{"key": k, "label": labels[k]} for k in keys], "rows": out_rows,
            "region": region}


# Budgets, staffing, report sections -------------------------------------------------------------

def _require_head(user, service_id):
    if not (user.is_superuser or access.is_head_of_service(user, service_id)):
        if service_id in set(dashboard_services(user).values_list("pk", flat=True)):
            raise Forbidden(_("Only the head of this service may change this."), code="not_head_of_service")
        raise NotFound()


def set_budget(user, service_id, year, funder, amount):
    _require_head(user, service_id)
    if amount < 0:
        raise DomainError(_("An amount cannot be negative."), field="amount")
    line, _created = ServiceYearBudget.objects.update_or_create(
        service_id=service_id, year=year, funder=funder, defaults={"amount": amount})
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
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:  # fresh statistics for the plans that read them (hashed grouping)
            cur.execute(f"ANALYZE {PersonYear._meta.db_table}, {CaseloadYear._meta.db_table}")


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
    from django.db.models.functions import ExtractMonth


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
        bad = _person_year_mismatches(year, period) | _caseload_mismatches(year) | _shared_mismatches(year)
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
    if bad:
        logger.warning("Rollups of %s differ from the raw tables for %d services (ids: %s); repair with "
                       "`manage.py rebuild_rollups --year %s --service ID…`.", year, len(bad), bad[:100], year)
    else:
        logger.info("Rollups of %s verified: equal to the raw tables.", year)
    return {"year": year, "action": "verified", "mismatching_services": len(bad), "service_ids": bad[:100]}
