"""/api/v1/quality/ (issue #18, D50): the referential, a service's self-assessment and its summary, the
improvement plan, adverse events and their declaration (PDF), participation meetings. Same services, same
rules as the screens."""

import datetime

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status

from aupres.quality import services
from aupres.quality.models import ActionStatus, EventKind, EventStatus, Level

router = Router(tags=["quality"])


class CriterionOut(Schema):
    id: int
    code: str
    theme: str
    title: str
    imperative: bool
    figure: str
    version: int

    @staticmethod
    def resolve_theme(obj):
        return obj.theme.title


class ThemeOut(Schema):
    code: str
    title: str
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_criteria(obj):
        return list(obj.criteria.all())


class AxisOut(Schema):
    id: int
    version: int
    title: str
    operator_id: int | None
    criteria: list[str]

    @staticmethod
    def resolve_criteria(obj):
        return [c.code for c in obj.criteria.all()]


class ReferentialOut(Schema):
    themes: list[ThemeOut]
    axes: list[AxisOut]


class AxisIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    criteria: list[str] = Field(min_length=1, max_length=42, description="Codes of the criteria it gathers")
    version: int = Field(ge=1)


class AxisProgressOut(Schema):
    axis: AxisOut
    total: int
    assessed: int
    met: int


class CriterionIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    version: int = Field(ge=1)


class AssessmentIn(Schema):
    level: Level
    evidence: str = Field("", max_length=4000)
    comment: str = Field("", max_length=4000)
    version: int | None = Field(None, ge=1)


class AssessmentOut(Schema):
    criterion: str
    imperative: bool
    level: str
    evidence: str
    comment: str
    version: int | None
    figure: dict | None


class AssessmentSavedOut(Schema):
    id: int
    criterion_id: int
    year: int
    level: str
    evidence: str
    comment: str
    version: int


class ImperativeOut(Schema):
    code: str
    title: str
    theme: str
    level: str


class SummaryOut(Schema):
    service: str
    year: int
    criteria: int
    assessed: int
    imperative_count: int
    imperative_met: int
    imperative_not_met: int
    imperative_not_assessed: int
    imperative: list[ImperativeOut]


class ActionIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    owner: str = Field(min_length=1, max_length=120)
    due_on: datetime.date
    criterion: int | None = None
    year: int | None = Field(None, ge=2022, le=2100)


class ActionPatch(Schema):
    version: int = Field(ge=1)
    title: str | None = Field(None, min_length=1, max_length=300)
    owner: str | None = Field(None, min_length=1, max_length=120)
    due_on: datetime.date | None = None
    status: ActionStatus | None = None
    done_on: datetime.date | None = None


class ActionOut(Schema):
    id: int
    service_id: int
    year: int
    criterion: str | None
    title: str
    owner: str
    due_on: datetime.date
    status: str
    done_on: datetime.date | None
    overdue: bool
    due_in_days: int | None = Field(None, description="Days left when open and due within 14 days (0: today)")
    version: int

    @staticmethod
    def resolve_criterion(obj):
        return obj.criterion.code if obj.criterion_id else None

    @staticmethod
    def resolve_overdue(obj):
        return obj.status in ("planned", "in_progress") and obj.due_on < timezone.localdate()

    @staticmethod
    def resolve_due_in_days(obj):
        return services.due_in_days(obj)


class EventIn(Schema):
    kind: EventKind
    occurred_on: datetime.date
    what: str = Field(min_length=1, max_length=4000)
    informed: str = Field("", max_length=2000)
    measures: str = Field("", max_length=4000)


class EventPatch(Schema):
    version: int = Field(ge=1)
    informed: str | None = Field(None, max_length=2000)
    measures: str | None = Field(None, max_length=4000)
    status: EventStatus | None = None
    declared_on: datetime.date | None = None
    closed_on: datetime.date | None = None
    closing_note: str | None = Field(None, max_length=4000)


class EventOut(Schema):
    id: int
    service_id: int
    kind: str
    occurred_on: datetime.date
    what: str
    informed: str
    measures: str
    status: str
    declared_on: datetime.date | None
    closed_on: datetime.date | None
    closing_note: str
    version: int


class MeetingIn(Schema):
    held_on: datetime.date
    participants: int = Field(ge=1, le=1000)
    topics: str = Field(min_length=1, max_length=4000)
    decisions: str = Field("", max_length=4000)


class MeetingOut(Schema):
    id: int
    held_on: datetime.date
    participants: int
    topics: str
    decisions: str


class ParticipationOut(Schema):
    year: int
    count: int
    participants: int
    satisfaction: dict
    meetings: list[MeetingOut]


@router.get("/quality/referential", response=ReferentialOut)
def referential(request):
    return {"themes": list(services.themes()), "axes": list(services.axes())}


@router.put("/quality/criteria/{int:criterion_id}", response=CriterionOut)
def edit_criterion(request, criterion_id: int, payload: CriterionIn):
    return services.edit_criterion(request.user, criterion_id, payload.title, payload.version)


@router.put("/quality/axes/{int:axis_id}", response=AxisOut,
            summary="Rewrite a priority axis (a shared one: superusers; an operator's own: its administrators)")
def edit_axis(request, axis_id: int, payload: AxisIn):
    return services.edit_axis(request.user, axis_id, payload.title, payload.criteria, payload.version)


class WordingIn(Schema):
    title: str = Field("", max_length=300, description="Empty, or the shared text: back to the shared text")
    version: int | None = Field(None, ge=0, description="The wording's version; 0 or none for a first one")


class WordingOut(Schema):
    criterion: str
    shared_text: str
    text: str = Field(description="The operator's wording, or the shared text")
    version: int | None = Field(description="The wording's version; none when the operator has none")


class AxisNewIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    criteria: list[str] = Field(min_length=1, max_length=42, description="Codes of the criteria it gathers")


def _wording_out(criterion, wording):
    return {"criterion": criterion.code, "shared_text": criterion.title,
            "text": wording.title if wording else criterion.title, "version": wording.version if wording else None}


@router.get("/quality/operators/{int:operator_id}/criteria", response=list[WordingOut],
            summary="The criteria in the operator's wording (its administrators)")
def operator_criteria(request, operator_id: int):
    operator = services.administered_operator(request.user, operator_id)
    return [_wording_out(c, c.wording) for t in services.worded_themes(operator.pk) for c in t.criteria.all()]


@router.put("/quality/operators/{int:operator_id}/criteria/{int:criterion_id}", response=WordingOut,
            summary="Write the operator's own wording of a criterion (its administrators); the shared text stays")
def word_criterion(request, operator_id: int, criterion_id: int, payload: WordingIn):
    wording = services.word_criterion(request.user, operator_id, criterion_id, payload.title, payload.version)
    return _wording_out(services.get_criterion(criterion_id), wording)


@router.post("/quality/operators/{int:operator_id}/axes", response={201: AxisOut},
             summary="Add one of the operator's own priority axes (its administrators)")
def create_axis(request, operator_id: int, payload: AxisNewIn):
    return Status(201, services.create_axis(request.user, operator_id, payload.title, payload.criteria))


@router.get("/quality/services/{int:service_id}/axes/{int:year}", response=list[AxisProgressOut],
            summary="The operator's priority axes with the service's progress of the year")
def axes_progress(request, service_id: int, year: int):
    service = services.kept_service(request.user, service_id)
    return services.axes_progress(service, services.check_year(year))


@router.get("/quality/services/{int:service_id}/assessments/{int:year}", response=list[AssessmentOut])
def assessment(request, service_id: int, year: int):
    service = services.kept_service(request.user, service_id)
    year = services.check_year(year)
    out = []
    for block in services.assessment_grid(service, year):
        for row in block["rows"]:
            a, c = row["assessment"], row["criterion"]
            out.append({"criterion": c.code, "imperative": c.imperative, "level": a.level if a else "",
                        "evidence": a.evidence if a else "", "comment": a.comment if a else "",
                        "version": a.version if a else None, "figure": row["figure"]})
    return out


@router.put("/quality/services/{int:service_id}/assessments/{int:year}/{int:criterion_id}",
            response=AssessmentSavedOut)
def assess(request, service_id: int, year: int, criterion_id: int, payload: AssessmentIn):
    service = services.kept_service(request.user, service_id)
    return services.assess(request.user, service, year, criterion_id, level=payload.level,
                           evidence=payload.evidence, comment=payload.comment, version=payload.version)


@router.get("/quality/services/{int:service_id}/summary/{int:year}", response=SummaryOut)
def summary(request, service_id: int, year: int):
    service = services.summary_service(request.user, service_id)
    return services.summary(service, services.check_year(year))


@router.get("/quality/services/{int:service_id}/actions", response=list[ActionOut])
def actions(request, service_id: int):
    return list(services.actions(services.kept_service(request.user, service_id)))


@router.post("/quality/services/{int:service_id}/actions", response={201: ActionOut})
def add_action(request, service_id: int, payload: ActionIn):
    service = services.kept_service(request.user, service_id)
    return Status(201, services.add_action(request.user, service, payload.dict()))


@router.patch("/quality/actions/{int:quality_action_id}", response=ActionOut)
def update_action(request, quality_action_id: int, payload: ActionPatch):
    values = payload.dict(exclude_unset=True)
    version = values.pop("version")
    return services.update_action(request.user, quality_action_id, values, version)


@router.get("/quality/services/{int:service_id}/events", response=list[EventOut])
def events(request, service_id: int):
    return list(services.events(services.kept_service(request.user, service_id)))


@router.post("/quality/services/{int:service_id}/events", response={201: EventOut})
def declare_event(request, service_id: int, payload: EventIn):
    service = services.kept_service(request.user, service_id)
    return Status(201, services.declare_event(request.user, service, payload.dict()))


@router.patch("/quality/events/{int:event_id}", response=EventOut)
def update_event(request, event_id: int, payload: EventPatch):
    values = payload.dict(exclude_unset=True)
    version = values.pop("version")
    return services.update_event(request.user, event_id, values, version)


@router.get("/quality/events/{int:event_id}/declaration")
def declaration(request, event_id: int):
    event, pdf = services.declaration_pdf(request.user, event_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="declaration-EI-{event.pk}.pdf"'
    return response


@router.get("/quality/services/{int:service_id}/participation/{int:year}", response=ParticipationOut)
def participation(request, service_id: int, year: int):
    service = services.kept_service(request.user, service_id)
    return services.participation(service, services.check_year(year))


@router.post("/quality/services/{int:service_id}/meetings", response={201: MeetingOut})
def add_meeting(request, service_id: int, payload: MeetingIn):
    service = services.kept_service(request.user, service_id)
    return Status(201, services.add_meeting(request.user, service, payload.dict()))
