"""API of indicators, submissions and activity reports. Only aggregates, always disclosure-controlled.

Funder accounts read submitted indicators of their territory only; team members read the live
indicators of their services (heads of service: of their operator)."""

import datetime
from decimal import Decimal
from typing import Literal

from django.http import FileResponse, HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from aupres.core.errors import NotFound
from aupres.indicators import changes, exports, needs, reports, services, tasks
from aupres.indicators.engine import REGISTRY
from aupres.indicators.models import FunderKind, ServiceYearBudget

router = Router(tags=["indicators"])

Scope = Literal["service", "operator", "territory"]
MIN_DATE, MAX_DATE = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


class IndicatorQuery(Schema):
    scope: Scope | None = None  # funders: their territory; team members: a service
    id: int | None = Field(None, ge=1, le=2**62)
    from_: datetime.date | None = Field(None, alias="from", ge=MIN_DATE, le=MAX_DATE)
    to: datetime.date | None = Field(None, ge=MIN_DATE, le=MAX_DATE)


def _report(request, q):
    period = services.make_period(q.from_, q.to)
    if q.scope is None:
        q.scope = "territory" if services.is_funder(request.user) else "service"
    if services.is_funder(request.user) or (request.user.is_superuser and q.scope == "territory"):
        scope_id = q.id
        if q.scope == "territory" and scope_id is None and request.user.territory_id:
            scope_id = request.user.territory_id
        return services.regional_view(request.user, period, q.scope, scope_id)
    if q.id is None:
        raise NotFound()
    return services.published_live(request.user, q.scope, q.id, period)


@router.get("/indicators", response=dict)
def indicators(request, q: Query[IndicatorQuery]):
    """Disclosure-controlled indicator tables of a scope and period (previous period alongside)."""
    return _report(request, q)


@router.get("/indicators/definitions", response=list[dict])
def definitions(request):
    return [services.describe(code) for code in REGISTRY]


@router.get("/indicators/needs", response=dict)
def needs_against_responses(request, year: int | None = Query(None, ge=2000, le=2100)):
    """Needs against responses, by territory (issue #18): the referrals received in a year over by the
    reader's territory (funders, regulators), their outcomes on 31 December, delays, needs unanswered and
    the same per kind of service, disclosure-controlled (indicators.needs)."""
    return needs.analysis(request.user, year)


class ExportQuery(IndicatorQuery):
    format: Literal["csv", "xlsx", "json"] = "csv"


@router.get("/indicators/export")
def export(request, q: Query[ExportQuery]):
    report = _report(request, q)
    render, content_type = exports.FORMATS[q.format]
    response = HttpResponse(render(report), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(report, q.scope, q.id, q.format)}"'
    return response


class SubmissionQuery(Schema):
    service: int | None = Field(None, ge=1, le=2**62)
    from_: datetime.date | None = Field(None, alias="from", ge=MIN_DATE, le=MAX_DATE)
    to: datetime.date | None = Field(None, ge=MIN_DATE, le=MAX_DATE)


@router.get("/submissions", response=list[dict])
def submissions(request, q: Query[SubmissionQuery]):
    qs = services.visible_submissions(request.user)
    if q.service:
        qs = qs.filter(service_id=q.service)
    if q.from_:
        qs = qs.filter(period_start=q.from_)
    if q.to:
        qs = qs.filter(period_end=q.to)
    return [services.submission_out(s) for s in qs[:200]]


@router.get("/submissions/{int:submission_id}", response=dict)
def submission(request, submission_id: int):
    sub = services.visible_submissions(request.user).filter(pk=submission_id).first()
    if sub is None:
        raise NotFound()
    # A re-submission says what it changed against the version before it (published cells only).
    return {**services.submission_out(sub), "changes_from_previous_version": changes.from_previous_version(sub)}


class SubmissionIn(Schema):
    service: int = Field(..., ge=1, le=2**62)
    from_: datetime.date = Field(..., alias="from", ge=MIN_DATE, le=MAX_DATE)
    to: datetime.date = Field(..., ge=MIN_DATE, le=MAX_DATE)
    comment: str = Field("", max_length=500)


@router.post("/submissions", response={201: dict})
def create_submission(request, payload: SubmissionIn):
    period = services.make_period(payload.from_, payload.to)
    sub = services.submit(request.user, payload.service, period, payload.comment)
    return Status(201, services.submission_out(sub))


class BudgetIn(Schema):
    service: int = Field(..., ge=1, le=2**62)
    year: int = Field(..., ge=2000, le=2100)
    funder: FunderKind
    amount: Decimal = Field(..., ge=0, le=Decimal("9999999999"), max_digits=12, decimal_places=2)


class BudgetOut(Schema):
    service_id: int
    year: int
    funder: FunderKind
    amount: Decimal
    envelope_amount: Decimal = Field(description="Of which granted from funding envelopes: the amount never goes "
                                                 "below it (409 envelope_funded)")


@router.get("/budgets", response=list[BudgetOut])
def budgets(request, service: int = Query(..., ge=1, le=2**62), year: int = Query(..., ge=2000, le=2100)):
    if service not in set(services.dashboard_services(request.user).values_list("pk", flat=True)):
        raise NotFound()
    return list(ServiceYearBudget.objects.filter(service_id=service, year=year))


@router.put("/budgets", response=BudgetOut)
def put_budget(request, payload: BudgetIn):
    return services.set_budget(request.user, payload.service, payload.year, payload.funder, payload.amount)


def _generation_out(request, gen):
    out = {"id": gen.pk, "service_id": gen.service_id, "year": gen.year, "status": gen.status,
           "progress": gen.progress, "step": gen.step, "requested_at": gen.requested_at,
           "finished_at": gen.finished_at, "download_url": None}
    if gen.status == "done":
        out["download_url"] = reverse("api:report_file", kwargs={"service_id": gen.service_id, "year": gen.year})
    return out


@router.post("/reports/{int:service_id}/{int:year}", response={202: dict})
def start_report(request, service_id: int, year: int):
    """Start generating the activity report (PDF) of a service's year."""
    gen = tasks.start_report(request.user, service_id, _year(year))
    return Status(202, _generation_out(request, gen))


@router.get("/reports/{int:service_id}/{int:year}", response=dict)
def report_status(request, service_id: int, year: int):
    gen = reports.latest(request.user, service_id, _year(year))
    return _generation_out(request, gen)


@router.get("/reports/{int:service_id}/{int:year}/file", url_name="report_file")
def report_file(request, service_id: int, year: int):
    gen = reports.latest(request.user, service_id, _year(year), done=True)
    return FileResponse(reports.open_file(gen), content_type="application/pdf", as_attachment=True,
                        filename=f"rapport-activite-{service_id}-{year}.pdf")


def _year(year):
    if not 2000 <= year <= 2100:
        raise NotFound()
    return year
