"""/api/v1/ for calls for projects (issue #18): the same services as the screens."""

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from aupres.calls import services
from aupres.calls.models import ExistingProject, ExtensionKind, Stage
from aupres.core.errors import DomainError
from aupres.indicators.models import FunderKind
from aupres.services.models import Profession, ServiceKind, Territory

router = Router(tags=["calls"])


class EnvelopeIn(Schema):
    measure: str = Field(min_length=1, max_length=120)
    year: int = Field(ge=2000, le=2100)
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    funder: FunderKind = FunderKind.HEALTH_AGENCY


class EnvelopeOut(Schema):
    id: int
    measure: str
    year: int
    funder: str
    amount: Decimal
    committed: Decimal
    left: Decimal


@router.get("/envelopes", response=list[EnvelopeOut], summary="The funder's envelopes, committed and left")
def list_envelopes(request):
    return list(services.envelopes(request.user))


@router.post("/envelopes", response={201: EnvelopeOut})
def create_envelope(request, payload: EnvelopeIn):
    return Status(201, services.create_envelope(request.user, payload.measure.strip(), payload.year, payload.amount,
                                                payload.funder))


class Rule(Schema):
    code: str = Field(max_length=40)
    professions: list[Profession] | None = Field(None, max_length=20)
    value: Decimal | None = Field(None, ge=0, le=1000)


class CallIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=20_000)
    envelope: int = Field(ge=1, le=2**31 - 1)
    kinds: list[str] = Field(min_length=1, max_length=20, description="Codes of the kinds sought")
    territories: list[int] = Field(min_length=1, max_length=500)
    letter_deadline: datetime.date
    application_deadline: datetime.date
    rules: list[Rule] = Field(default_factory=list, max_length=20)


class CallOut(Schema):
    id: int
    title: str
    description: str
    envelope_id: int
    letter_deadline: datetime.date
    application_deadline: datetime.date
    rules: list[dict]
    kinds: list[str]
    territories: list[int]

    @staticmethod
    def resolve_kinds(obj):
        return [k.code for k in obj.kinds.all()]

    @staticmethod
    def resolve_territories(obj):
        return [t.pk for t in obj.territories.all()]


@router.get("/calls", response=list[CallOut])
def list_calls(request):
    return list(services.visible_calls(request.user).prefetch_related("kinds", "territories"))


@router.get("/calls/{int:call_id}", response=CallOut)
def read_call(request, call_id: int):
    return services.get_call(request.user, call_id)


@router.post("/calls", response={201: CallOut}, summary="Publish a call for projects (funders)")
def publish_call(request, payload: CallIn):
    services.require_funder(request.user)
    envelope = services.envelopes(request.user).filter(pk=payload.envelope).first()
    kinds = list(ServiceKind.objects.filter(code__in=payload.kinds))
    if len(kinds) != len(set(payload.kinds)):
        raise DomainError(_("Unknown service kind."), field="kinds")
    territories = list(Territory.objects.filter(pk__in=payload.territories))
    rules = [r.dict(exclude_none=True) for r in payload.rules]
    for r in rules:
        if "value" in r:
            r["value"] = str(r["value"])
    values = payload.dict(include={"title", "description", "letter_deadline", "application_deadline"})
    return Status(201, services.publish_call(request.user, {**values, "envelope": envelope, "rules": rules},
                                             kinds, territories))


class ProposalIn(Schema):
    organisation_status: str = Field(min_length=1, max_length=200)
    experience: str = Field("", max_length=10_000)
    authorisations: str = Field("", max_length=10_000)
    kind: str | None = Field(None, max_length=40, description="Code of the kind envisaged; null: undecided")
    existing_project: ExistingProject = ExistingProject.NONE
    extension: ExtensionKind = ExtensionKind.NONE
    existing_service: int | None = Field(None, ge=1, le=2**31 - 1)
    persons_concerned: str = Field(min_length=1, max_length=10_000)
    territories: list[int] = Field(min_length=1, max_length=500)
    nature: str = Field(min_length=1, max_length=20_000)
    mediation_alliance: str = Field("", max_length=10_000)
    estimated_caseload: int = Field(ge=1, le=100_000)
    partnerships_written: str = Field("", max_length=10_000)
    partnerships_planned: str = Field("", max_length=10_000)
    planned_team: dict[Profession, Decimal] = Field(default_factory=dict)
    requested_amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)


class LetterIn(ProposalIn):
    operator: int = Field(ge=1, le=2**31 - 1)


class ApplicationIn(ProposalIn):
    version: int = Field(ge=1, le=2**31 - 1)


class ProposalOut(Schema):
    id: int
    version: int
    call_id: int
    operator_id: int
    operator: str
    stage: Stage
    kind: str | None
    estimated_caseload: int
    planned_team: dict
    requested_amount: Decimal | None
    granted_amount: Decimal | None
    target_caseload: int | None
    refusal_reason: str
    service_id: int | None
    eligibility: list[str]
    pending_questions: int = Field(description="Questions of the funder waiting for the operator's answer")

    @staticmethod
    def resolve_operator(obj):
        return obj.operator.name

    @staticmethod
    def resolve_kind(obj):
        return obj.kind.code if obj.kind_id else None

    @staticmethod
    def resolve_eligibility(obj):
        return services.eligibility(obj)

    @staticmethod
    def resolve_pending_questions(obj):
        return obj.questions.filter(answered_at__isnull=True).count()


def _values(user, payload):
    values = payload.dict(exclude={"territories", "operator", "version", "kind", "existing_service"})
    values["planned_team"] = {str(k): str(v) for k, v in payload.planned_team.items()}
    values["kind"] = None
    if payload.kind:
        values["kind"] = ServiceKind.objects.filter(code=payload.kind).first()
        if values["kind"] is None:
            raise DomainError(_("Unknown service kind."), field="kind")
    values["existing_service"] = None
    if payload.existing_service:
        values["existing_service"] = services.operator_services(user).filter(pk=payload.existing_service).first()
        if values["existing_service"] is None:
            raise DomainError(_("Choose a service of this operator."), field="existing_service")
    territories = list(Territory.objects.filter(pk__in=payload.territories))
    if len(territories) != len(set(payload.territories)):
        raise DomainError(_("Unknown territory."), field="territories")
    return values, territories


@router.get("/proposals", response=list[ProposalOut], summary="Letters and applications you may read")
def list_proposals(request):
    return list(services.visible_proposals(request.user))


@router.get("/proposals/{int:proposal_id}", response=ProposalOut)
def read_proposal(request, proposal_id: int):
    return services.get_proposal(request.user, proposal_id)


@router.post("/calls/{int:call_id}/proposals", response={201: ProposalOut}, summary="File a letter of intent")
def file_letter(request, call_id: int, payload: LetterIn):
    call = services.get_call(request.user, call_id)
    operator = services.operators_of(request.user).filter(pk=payload.operator).first()
    values, territories = _values(request.user, payload)
    return Status(201, services.file_letter(request.user, call, operator, values, territories))


@router.put("/proposals/{int:proposal_id}/application", response=ProposalOut,
            summary="Complete the letter into an application (checked against the call's rules)")
def file_application(request, proposal_id: int, payload: ApplicationIn):
    proposal = services.get_proposal(request.user, proposal_id)
    values, territories = _values(request.user, payload)
    return services.file_application(request.user, proposal, values, territories, payload.version)


class DecisionIn(Schema):
    version: int = Field(ge=1, le=2**31 - 1)
    accept: bool
    granted_amount: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    target_caseload: int | None = Field(None, ge=1, le=100_000)
    kind: str | None = Field(None, max_length=40)
    service_name: str = Field("", max_length=200)
    refusal_reason: str = Field("", max_length=5_000)


@router.post("/proposals/{int:proposal_id}/decision", response=ProposalOut, summary="The funder decides")
def decide(request, proposal_id: int, payload: DecisionIn):
    proposal = services.get_proposal(request.user, proposal_id)
    if not payload.accept:
        return services.refuse(request.user, proposal, payload.refusal_reason, payload.version)
    kind = ServiceKind.objects.filter(code=payload.kind).first() if payload.kind else None
    return services.accept(request.user, proposal, payload.granted_amount, payload.target_caseload,
                           payload.version, kind=kind, service_name=payload.service_name)


class QuestionIn(Schema):
    question: str = Field(min_length=1, max_length=5_000)


class AnswerIn(Schema):
    answer: str = Field(min_length=1, max_length=20_000)


class QuestionOut(Schema):
    id: int
    proposal_id: int
    question: str
    asked_at: datetime.datetime
    answer: str
    answered_at: datetime.datetime | None
    pending: bool


class HistoryEvent(Schema):
    at: datetime.datetime
    event: str = Field(description="letter_filed, application_filed, question_asked, question_answered, accepted, "
                                   "refused")
    label: str
    by: str
    question_id: int | None = None


@router.get("/proposals/{int:proposal_id}/questions", response=list[QuestionOut],
            summary="The thread of an application: the funder's questions and the operator's answers")
def list_questions(request, proposal_id: int):
    return services.questions(services.get_proposal(request.user, proposal_id))


@router.post("/proposals/{int:proposal_id}/questions", response={201: QuestionOut},
             summary="The funder asks a question (the application is then at the stage « questions asked »)")
def ask_question(request, proposal_id: int, payload: QuestionIn):
    proposal = services.get_proposal(request.user, proposal_id)
    return Status(201, services.ask(request.user, proposal, payload.question))


@router.put("/proposals/{int:proposal_id}/questions/{int:question_id}/answer", response=QuestionOut,
            summary="The operator answers a question")
def answer_question(request, proposal_id: int, question_id: int, payload: AnswerIn):
    proposal = services.get_proposal(request.user, proposal_id)
    return services.answer(request.user, proposal, question_id, payload.answer)


@router.get("/proposals/{int:proposal_id}/history", response=list[HistoryEvent],
            summary="The journal of an application: filed, questions, answers, decision")
def proposal_history(request, proposal_id: int):
    return services.history(services.get_proposal(request.user, proposal_id))


class TeamLine(Schema):
    profession: str
    planned: Decimal = Field(description="Planned ETP of the profession (the service's planned team)")
    actual: Decimal = Field(description="Team members active today and the year's staffing, in ETP")


class SteeringRow(Schema):
    service_id: int
    service: str
    operator: str
    amount: Decimal
    target: int
    actual: str = Field(description="The active caseload today; « < 5 » for 1 to 4")
    planned_etp: Decimal
    actual_etp: Decimal
    team: list[TeamLine] = Field(description="Planned and actual ETP by profession")


@router.get("/steering", response=list[SteeringRow], summary="Funded services: target against actual")
def steering(request):
    services.require_funder(request.user)
    return [{**r, "service_id": r["service"].pk, "service": r["service"].name, "operator": r["operator"].name,
             "actual": r["actual_label"]} for r in services.steering(request.user)]
