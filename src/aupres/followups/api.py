"""API of the follow-up cycle: /api/v1/followups…  Same access model as the screens: a follow-up
is visible to the members of its service who see the person; its parts are filtered by compartment."""

import datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from aupres.core import access
from aupres.core.errors import NotFound
from aupres.core.models import Compartment
from aupres.core.schemas import Out
from aupres.followups import services
from aupres.followups.models import (
    Domain,
    ExitDestination,
    ExitReason,
    FollowUp,
    FollowUpState,
    Level,
    ObjectiveDomain,
    ObjectiveStatus,
    Pregnancy,
    Result,
    Satisfaction,
    ScreeningStatus,
    YesNoUnknown,
)

router = Router(tags=["followups"])

# The follow-up itself (state, dates, steps) is administrative information (FollowUp.compartment).
FOLLOWUP = FollowUp.compartment


class TransitionOut(Schema):
    from_state: FollowUpState
    to_state: FollowUpState
    on: datetime.date
    by_id: int | None
    note: str


class AlertOut(Out):
    code: str
    level: str
    message: str


class FollowUpOut(Out):
    id: int
    version: int
    person_id: int
    service_id: int
    state: FollowUpState
    opened_on: datetime.date
    closed_on: datetime.date | None
    lightened_on: datetime.date | None
    referent_id: int | None
    exit_reason: ExitReason | None
    exit_destination: ExitDestination | None
    compartments: list[Compartment]
    next_states: list[FollowUpState]
    alerts: list[AlertOut]


class FollowUpDetailOut(FollowUpOut):
    transitions: list[TransitionOut]


class FollowUpListOut(Out):
    count: int
    items: list[FollowUpOut]


def followup_out(f, with_history=False):
    data = {
        "id": f.pk, "version": f.version, "person_id": f.person_id, "service_id": f.service_id,
        "state": f.state, "opened_on": f.opened_on, "closed_on": f.closed_on, "lightened_on": f.lightened_on,
        "referent_id": f.referent_id, "exit_reason": f.exit_reason or None,
        "exit_destination": f.exit_destination or None, "compartments": sorted(f.compartments),
        "next_states": services.allowed_next_states(f),
        "alerts": [a.__dict__ for a in getattr(f, "alerts", [])],
    }
    if with_history:
        data["transitions"] = list(services.history(f))
    return data


class FollowUpFilter(Schema):
    state: FollowUpState | None = None
    service: int | None = Field(None, ge=1, le=2**31 - 1)
    person: int | None = Field(None, ge=1, le=2**62)
    open: bool | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10**9)


@router.get("/followups", response=FollowUpListOut, summary="Follow-ups of your services")
def list_followups(request, filters: Query[FollowUpFilter]):
    # The services by a query of their own (prefetch), not a join: PostgreSQL expects one follow-up from the
    # visibility semi-join and would scan the services once per follow-up (4 ms for a thousand, D77).
    qs = services.visible_followups(request.user).prefetch_related("service")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.service:
        qs = qs.filter(service_id=filters.service)
    if filters.person:
        qs = qs.filter(person_id=filters.person)
    if filters.open is not None:
        qs = qs.filter(closed_on__isnull=filters.open)
    qs = qs.annotate(plan_review_due=services.plan_review_due_annotation()).order_by("-opened_on", "-pk")
    total, page = services.followups_page(request.user, qs, filters.offset, filters.limit)
    return {"count": total, "items": [followup_out(services.with_compartments(request.user, f)) for f in page]}


@router.get("/followups/{int:followup_id}", response=FollowUpDetailOut)
def read_followup(request, followup_id: int):
    return followup_out(services.read_followup(request.user, followup_id), with_history=True)


class TransitionIn(Schema):
    to_state: FollowUpState
    version: int = Field(ge=0, le=2**31 - 1)
    on: datetime.date | None = None
    note: str = Field("", max_length=500)
    exit_reason: ExitReason | None = None
    exit_destination: ExitDestination | None = None


@router.post("/followups/{int:followup_id}/transition", response=FollowUpDetailOut,
             summary="Change the state of a follow-up (exit needs a reason and a destination)")
def transition(request, followup_id: int, payload: TransitionIn):
    f = services.get_followup(request.user, followup_id)
    services.transition(request.user, f, payload.to_state, payload.version, on=payload.on, note=payload.note,
                        exit_reason=payload.exit_reason or "", exit_destination=payload.exit_destination or "")
    services.attach_alerts([f])
    return followup_out(f, with_history=True)


class LightenIn(Schema):
    version: int = Field(ge=0, le=2**31 - 1)
    lightened: bool = True
    on: datetime.date | None = None


@router.post("/followups/{int:followup_id}/lighten", response=FollowUpDetailOut,
             summary="Lighten a follow-up before it ends (or lift the lightening)")
def lighten(request, followup_id: int, payload: LightenIn):
    f = services.get_followup(request.user, followup_id)
    services.lighten(request.user, f, payload.version, on=payload.on, lightened=payload.lightened)
    services.attach_alerts([f])
    return followup_out(f, with_history=True)


# Assessments ------------------------------------------------------------------------------------

class ItemIn(Schema):
    domain: Domain
    level: Level
    notes: str = Field("", max_length=5000)


class ItemOut(ItemIn):
    compartment: Compartment


class AssessmentIn(Schema):
    assessed_on: datetime.date
    items: list[ItemIn] = Field(min_length=1, max_length=len(Domain.values))


class AssessmentOut(Schema):
    id: int
    assessed_on: datetime.date
    by_id: int | None
    items: list[ItemOut] = Field(description="Only the items of the compartments you hold.")


def assessment_out(a):
    return {"id": a.pk, "assessed_on": a.assessed_on, "by_id": a.by_id,
            "items": [{"domain": i.domain, "level": i.level, "notes": i.notes, "compartment": i.compartment}
                      for i in a.visible_items]}


@router.get("/followups/{int:followup_id}/assessments", response=list[AssessmentOut])
def list_assessments(request, followup_id: int):
    f = services.get_followup(request.user, followup_id)
    return [assessment_out(a) for a in services.read_assessments(request.user, f)]


@router.post("/followups/{int:followup_id}/assessments", response={201: AssessmentOut},
             summary="Record an assessment grid; each item needs the compartment of its domain")
def add_assessment(request, followup_id: int, payload: AssessmentIn):
    f = services.get_followup(request.user, followup_id)
    items = {}
    for item in payload.items:
        items[item.domain] = (item.level, item.notes)
    a = services.record_assessment(request.user, f, assessed_on=payload.assessed_on, items=items)
    a.visible_items = list(a.items.filter(compartment__in=list(f.compartments)))
    return Status(201, assessment_out(a))


class HealthCheckIn(Schema):
    done_on: datetime.date
    weight_kg: Decimal | None = Field(None, ge=Decimal("0.5"), le=400, max_digits=4, decimal_places=1)
    height_cm: int | None = Field(None, ge=30, le=250)
    systolic_mmhg: int | None = Field(None, ge=50, le=300)
    diastolic_mmhg: int | None = Field(None, ge=20, le=200)
    heart_rate: int | None = Field(None, ge=20, le=250)
    temperature_c: Decimal | None = Field(None, ge=30, le=45, max_digits=3, decimal_places=1)
    spo2: int | None = Field(None, ge=50, le=100)
    glycaemia_g_l: Decimal | None = Field(None, ge=Decimal("0.1"), le=Decimal("9.99"), max_digits=3,
                                          decimal_places=2)
    reasons: str = Field("", max_length=5000)
    chronic_illnesses: str = Field("", max_length=5000)
    treatments: str = Field("", max_length=5000)
    vaccinations: str = Field("", max_length=5000)
    vaccinations_up_to_date: YesNoUnknown = YesNoUnknown.UNKNOWN
    screening_tb: ScreeningStatus = ScreeningStatus.NOT_PROPOSED
    screening_hiv: ScreeningStatus = ScreeningStatus.NOT_PROPOSED
    screening_hbv: ScreeningStatus = ScreeningStatus.NOT_PROPOSED
    screening_hcv: ScreeningStatus = ScreeningStatus.NOT_PROPOSED
    pregnancy: Pregnancy = Pregnancy.NOT_APPLICABLE
    pregnancy_term: datetime.date | None = None
    orientation_proposed: str = Field("", max_length=5000)
    notes: str = Field("", max_length=5000)


class HealthCheckOut(HealthCheckIn):
    id: int
    by_id: int | None


@router.get("/followups/{int:followup_id}/health-checks", response=list[HealthCheckOut],
            summary="Health checks (bilans de santé): health compartment")
def list_health_checks(request, followup_id: int):
    f = services.get_followup(request.user, followup_id)
    return services.read_health_checks(request.user, f)


@router.post("/followups/{int:followup_id}/health-checks", response={201: HealthCheckOut})
def add_health_check(request, followup_id: int, payload: HealthCheckIn):
    f = services.get_followup(request.user, followup_id)
    values = payload.model_dump()
    done_on = values.pop("done_on")
    check = services.record_health_check(request.user, f, done_on=done_on, **values)
    return Status(201, check)


# Plan and objectives ------------------------------------------------------------------------------

class PlanIn(Schema):
    agreed_on: datetime.date
    review_due_on: datetime.date
    person_took_part: bool
    person_words: str = Field("", max_length=5000)


class PlanOut(PlanIn):
    id: int
    version: int


class PlanUpdate(Schema):
    version: int = Field(ge=0, le=2**31 - 1)
    review_due_on: datetime.date | None = None
    person_took_part: bool | None = None
    person_words: str | None = Field(None, max_length=5000)


def _social(request, followup_id):
    f = services.get_followup(request.user, followup_id)
    access.require(f, Compartment.SOCIAL)
    return f


@router.get("/followups/{int:followup_id}/plans", response=list[PlanOut], summary="Plans, latest first")
def list_plans(request, followup_id: int):
    return services.read_plans(request.user, services.get_followup(request.user, followup_id))


@router.post("/followups/{int:followup_id}/plans", response={201: PlanOut},
             summary="Record the personalised plan agreed with the person")
def add_plan(request, followup_id: int, payload: PlanIn):
    f = services.get_followup(request.user, followup_id)
    plan = services.record_plan(request.user, f, **payload.model_dump())
    return Status(201, plan)


@router.patch("/followups/{int:followup_id}/plans/{int:plan_id}", response=PlanOut)
def update_plan(request, followup_id: int, plan_id: int, payload: PlanUpdate):
    f = _social(request, followup_id)
    plan = f.plans.filter(pk=plan_id).first()
    if plan is None:
        raise NotFound()
    values = {k: v for k, v in payload.model_dump(exclude_unset=True, exclude={"version"}).items()
              if v is not None}
    plan = services.update_plan(request.user, f, plan, values, payload.version)
    return plan


class ObjectiveIn(Schema):
    domain: ObjectiveDomain
    title: str = Field(min_length=1, max_length=200)
    actions: str = Field("", max_length=5000)
    due_on: datetime.date
    status: ObjectiveStatus = ObjectiveStatus.PLANNED


class ObjectiveOut(ObjectiveIn):
    id: int
    version: int
    plan_id: int
    compartment: Compartment


class ObjectiveUpdate(Schema):
    version: int = Field(ge=0, le=2**31 - 1)
    title: str | None = Field(None, min_length=1, max_length=200)
    actions: str | None = Field(None, max_length=5000)
    due_on: datetime.date | None = None
    status: ObjectiveStatus | None = None


@router.get("/followups/{int:followup_id}/objectives", response=list[ObjectiveOut],
            summary="Objectives of the plans, in the compartments you hold")
def list_objectives(request, followup_id: int):
    f = services.get_followup(request.user, followup_id)
    return services.read_objectives(request.user, f)


@router.post("/followups/{int:followup_id}/objectives", response={201: ObjectiveOut},
             summary="Add an objective to the current plan (health care objectives are health)")
def add_objective(request, followup_id: int, payload: ObjectiveIn):
    f = services.get_followup(request.user, followup_id)
    objective = services.add_objective(request.user, f, **payload.model_dump())
    return Status(201, objective)


@router.patch("/followups/{int:followup_id}/objectives/{int:objective_id}", response=ObjectiveOut)
def update_objective(request, followup_id: int, objective_id: int, payload: ObjectiveUpdate):
    f = services.get_followup(request.user, followup_id)
    objective = services.get_objective(request.user, f, objective_id)
    values = {k: v for k, v in payload.model_dump(exclude_unset=True, exclude={"version"}).items()
              if v is not None}
    objective = services.update_objective(request.user, f, objective, values, payload.version)
    return objective


# Evaluations ------------------------------------------------------------------------------------

class ResultIn(Schema):
    objective: int = Field(ge=1, le=2**62)
    result: Result


class ResultOut(ResultIn):
    compartment: Compartment


class EvaluationIn(Schema):
    evaluated_on: datetime.date
    satisfaction: Satisfaction
    person_words: str = Field("", max_length=5000)
    results: list[ResultIn] = Field(default_factory=list, max_length=100)


class EvaluationOut(Schema):
    id: int
    evaluated_on: datetime.date
    satisfaction: Satisfaction
    person_words: str
    results: list[ResultOut]


def evaluation_out(e):
    return {"id": e.pk, "evaluated_on": e.evaluated_on, "satisfaction": e.satisfaction,
            "person_words": e.person_words,
            "results": [{"objective": r.objective_id, "result": r.result, "compartment": r.compartment}
                        for r in e.visible_results]}


@router.get("/followups/{int:followup_id}/evaluations", response=list[EvaluationOut])
def list_evaluations(request, followup_id: int):
    f = services.get_followup(request.user, followup_id)
    return [evaluation_out(e) for e in services.read_evaluations(request.user, f)]


@router.post("/followups/{int:followup_id}/evaluations", response={201: EvaluationOut})
def add_evaluation(request, followup_id: int, payload: EvaluationIn):
    f = services.get_followup(request.user, followup_id)
    e = services.record_evaluation(request.user, f, evaluated_on=payload.evaluated_on,
                                   satisfaction=payload.satisfaction, person_words=payload.person_words,
                                   results={r.objective: r.result for r in payload.results})
    e.visible_results = list(e.results.filter(compartment__in=list(f.compartments)))
    return Status(201, evaluation_out(e))
