"""The rules of calls for projects and funding (issue #18).

Who sees what: a funder reads and decides the calls of its own territory (and of the territories under it);
a head of service of an operator reads every published call and files, reads and completes only the
applications of the operators it manages. Everything else is NotFound: nobody learns that another
operator applied.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Prefetch, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.accounts.models import AccountKind
from aupres.calls import rules as call_rules
from aupres.calls.models import OPEN_STAGES, Call, Envelope, ExistingProject, Proposal, ProposalQuestion, Stage
from aupres.core import access, text
from aupres.core.errors import Conflict, DomainError, Forbidden, NotFound
from aupres.followups.models import FollowUp
from aupres.indicators import disclosure, formats
from aupres.indicators.models import ServiceYearBudget, StaffingEntry
from aupres.services import services as service_rules
from aupres.services.models import Membership, Operator, Profession, Service, ServiceKind, Territory

LETTER_FIELDS = ("organisation_status", "experience", "authorisations", "kind", "existing_project", "extension",
                 "existing_service", "persons_concerned", "nature", "mediation_alliance", "estimated_caseload",
                 "partnerships_written", "partnerships_planned", "planned_team", "requested_amount")


# Who -------------------------------------------------------------------------------------------------

def is_funder(user):
    return getattr(user, "is_authenticated", False) and user.kind == AccountKind.FUNDER


def funder_territory_ids(user):
    if not is_funder(user) or user.territory_id is None:
        return set()
    return user.territory.self_and_descendant_ids()


def operator_ids(user):
    """Operators on whose behalf the user files applications: those it heads a service of."""
    if not getattr(user, "is_authenticated", False) or user.kind != AccountKind.STAFF:
        return set()
    return set(access.managed_operator_ids(user))


def can_use(user):
    return bool(is_funder(user) and user.territory_id) or bool(operator_ids(user))


def require_funder(user):
    if not (is_funder(user) and user.territory_id):
        raise Forbidden(_("Only a funder with a territory manages calls for projects."))


# Envelopes -------------------------------------------------------------------------------------------

def envelopes(user):
    if is_funder(user):
        return Envelope.objects.filter(territory_id__in=funder_territory_ids(user))
    return Envelope.objects.none()


def create_envelope(user, measure, year, amount, funder=None):
    require_funder(user)
    if amount is None or amount <= 0:
        raise DomainError(_("An envelope is more than 0 €."), field="amount")
    if not 2000 <= year <= 2100:
        raise DomainError(_("Give a year between 2000 and 2100."), field="year")
    measure = (measure or "").strip()
    if not measure:
        raise DomainError(_("Name the measure."), field="measure")
    try:
        with transaction.atomic():
            return Envelope.objects.create(territory_id=user.territory_id, measure=measure, year=year,
                                           amount=amount, **({"funder": funder} if funder else {}))
    except IntegrityError:
        raise DomainError(_("This measure already has an envelope for this year."), field="measure",
                          code="duplicate") from None


def commit(envelope_id, amount):
    """Take `amount` from an envelope, or Conflict when what is left is not enough.

    One conditional UPDATE: the database checks what is left and adds in the same statement, so two
    decisions at once never both take the last euros (PostgreSQL re-reads the row after the other's
    commit; SQLite writes one transaction at a time). The check constraint backs it up."""
    taken = Envelope.objects.filter(pk=envelope_id, committed__lte=F("amount") - amount).update(
        committed=F("committed") + amount, version=F("version") + 1)
    if not taken:
        envelope = Envelope.objects.get(pk=envelope_id)
        raise Conflict(_("The envelope %(envelope)s has %(left)s left: it cannot commit %(amount)s.")
                       % {"envelope": envelope, "left": text.euros(envelope.left), "amount": text.euros(amount)},
                       field="granted_amount", code="envelope_exceeded")


def envelope_lines(envelope):
    """The services an envelope funds: the accepted applications of its calls."""
    return (Proposal.objects.filter(call__envelope=envelope, stage=Stage.ACCEPTED)
            .select_related("service", "operator").order_by("service__name"))


# Calls -----------------------------------------------------------------------------------------------

def visible_calls(user):
    calls = Call.objects.select_related("envelope", "territory")
    if getattr(user, "is_superuser", False):
        return calls
    if is_funder(user):
        return calls.filter(territory_id__in=funder_territory_ids(user))
    if operator_ids(user):
        return calls  # a published call is public to the operators
    return calls.none()


def get_call(user, call_id):
    call = visible_calls(user).filter(pk=call_id).first()
    if call is None:
        raise NotFound()
    return call


def manages_call(user, call):
    return call.territory_id in funder_territory_ids(user)


@transaction.atomic
def publish_call(user, values, kinds, territories):
    require_funder(user)
    reach = funder_territory_ids(user)
    envelope = values.get("envelope")
    if envelope is None or envelope.territory_id not in reach:
        raise DomainError(_("Choose one of your envelopes."), field="envelope")
    if not kinds:
        raise DomainError(_("Choose at least one kind of service."), field="kinds")
    territories = list(territories)
    if not territories or any(t.pk not in reach for t in territories):
        raise DomainError(_("Choose territories within yours."), field="territories")
    if values["application_deadline"] < values["letter_deadline"]:
        raise DomainError(_("Applications close after letters of intent."), field="application_deadline")
    try:
        stored_rules = call_rules.validate(values.get("rules", []))
    except ValueError as error:
        raise DomainError(str(error), field="rules") from None
    call = Call.objects.create(
        territory_id=user.territory_id, envelope=envelope, title=values["title"].strip(),
        description=values.get("description", ""), letter_deadline=values["letter_deadline"],
        application_deadline=values["application_deadline"], rules=stored_rules, published_by=user)
    call.kinds.set(kinds)
    call.territories.set(territories)
    return call


def call_territory_reach(call):
    ids = set()
    for territory in call.territories.all():
        ids |= territory.self_and_descendant_ids()
    return ids


# Applications ----------------------------------------------------------------------------------------

def visible_proposals(user):
    proposals = Proposal.objects.select_related("call", "operator", "kind", "service")
    if getattr(user, "is_superuser", False):
        return proposals
    if is_funder(user):
        return proposals.filter(call__territory_id__in=funder_territory_ids(user))
    ids = operator_ids(user)
    if ids:
        return proposals.filter(operator_id__in=ids)
    return proposals.none()


def get_proposal(user, proposal_id):
    proposal = visible_proposals(user).filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound()
    return proposal


def is_applicant(user, proposal):
    return proposal.operator_id in operator_ids(user)


def _clean_team(team):
    out = {}
    for profession, etp in (team or {}).items():
        if profession not in Profession.values:
            raise DomainError(_("Unknown profession."), field="planned_team")
        try:
            value = Decimal(str(etp)).quantize(Decimal("0.01"))
        except ArithmeticError:
            raise DomainError(_("Give each ETP as a number."), field="planned_team") from None
        if value < 0 or value > 99:
            raise DomainError(_("An ETP is between 0 and 99."), field="planned_team")
        if value:
            out[profession] = str(value)
    return out


def _apply(user, proposal, values, territories):
    for name in LETTER_FIELDS:
        if name in values:
            setattr(proposal, name, values[name])
    proposal.planned_team = _clean_team(proposal.planned_team)
    if not (proposal.organisation_status or "").strip():
        raise DomainError(_("Give the organisation's legal status."), field="organisation_status")
    for name in ("persons_concerned", "nature"):
        if not (getattr(proposal, name) or "").strip():
            raise DomainError(_("This field is required."), field=name)
    if proposal.estimated_caseload is None or proposal.estimated_caseload < 1:
        raise DomainError(_("Estimate the active caseload (at least 1)."), field="estimated_caseload")
    if proposal.existing_project == ExistingProject.NONE:
        proposal.extension, proposal.existing_service = "", None
    if proposal.existing_service is not None and proposal.existing_service.operator_id != proposal.operator_id:
        raise DomainError(_("Choose a service of this operator."), field="existing_service")
    if territories is not None and not territories:
        raise DomainError(_("Choose at least one territory."), field="territories")


def eligibility(proposal, territory_ids=None):
    """The reasons why the application breaks the call's rules (empty: eligible)."""
    call = proposal.call
    if territory_ids is None:
        territory_ids = [t.pk for t in proposal.territories.all()] if proposal.pk else []
    return call_rules.check(
        call.rules, kind_id=proposal.kind_id, kinds_sought=[k.pk for k in call.kinds.all()],
        territory_ids=territory_ids, call_territory_ids=call_territory_reach(call),
        mediation_alliance=proposal.mediation_alliance, planned_team=proposal.planned_team)


@transaction.atomic
def file_letter(user, call, operator, values, territories, today=None):
    """An operator's letter of intent to a call (the fields of seed 003, annex 1)."""
    today = today or timezone.localdate()
    if operator is None or operator.pk not in operator_ids(user):
        raise Forbidden(_("Only a head of service of this operator files for it."), field="operator")
    if today > call.letter_deadline:
        raise DomainError(_("Letters of intent closed on %(date)s.") % {
            "date": call.letter_deadline.strftime("%d/%m/%Y")}, code="deadline_passed")
    proposal = Proposal(call=call, operator=operator, filed_by=user, stage=Stage.LETTER)
    _apply(user, proposal, values, territories)
    proposal.letter_filed_at = timezone.now()
    try:
        with transaction.atomic():
            proposal.save()
    except IntegrityError:
        raise DomainError(_("This operator already filed for this kind of service in this call."),
                          field="kind", code="duplicate") from None
    proposal.territories.set(territories)
    return proposal


@transaction.atomic
def file_application(user, proposal, values, territories, version, today=None):
    """Complete the letter into an application: the amount requested is required and the call's rules
    must hold (the reasons are shown; nothing typed is lost)."""
    today = today or timezone.localdate()
    if not is_applicant(user, proposal):
        raise Forbidden(_("Only a head of service of this operator files for it."))
    if proposal.stage not in OPEN_STAGES:
        raise DomainError(_("This application was decided: it can no longer change."), code="decided")
    if today > proposal.call.application_deadline:
        raise DomainError(_("Applications closed on %(date)s.") % {
            "date": proposal.call.application_deadline.strftime("%d/%m/%Y")}, code="deadline_passed")
    _apply(user, proposal, values, territories)
    if proposal.requested_amount is None or proposal.requested_amount <= 0:
        raise DomainError(_("Give the amount requested per year."), field="requested_amount")
    reasons = eligibility(proposal, [t.pk for t in territories])
    if reasons:
        raise DomainError(_("Not eligible: %(reasons)s") % {"reasons": " ".join(reasons)},
                          code="not_eligible", details={"reasons": reasons})
    # Changing the application does not answer the funder's questions: the stage stays « questions asked ».
    proposal.stage = Stage.QUESTIONS if proposal.questions.filter(answered_at__isnull=True).exists() \
        else Stage.APPLICATION
    proposal.application_filed_at = proposal.application_filed_at or timezone.now()
    proposal.save_versioned(version, update_fields=[*LETTER_FIELDS, "stage", "application_filed_at"])
    proposal.territories.set(territories)
    return proposal


def _require_decider(user, proposal):
    if not manages_call(user, proposal.call):
        raise Forbidden(_("Only the funder of the call decides."))
    if proposal.stage in (Stage.ACCEPTED, Stage.REFUSED):
        raise DomainError(_("This application was already decided."), code="decided")


@transaction.atomic
def refuse(user, proposal, reason, version):
    _require_decider(user, proposal)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the application is refused."), field="refusal_reason")
    proposal.stage, proposal.refusal_reason = Stage.REFUSED, reason
    proposal.decided_by, proposal.decided_at = user, timezone.now()
    proposal.save_versioned(version, update_fields=["stage", "refusal_reason", "decided_by", "decided_at"])
    return proposal


@transaction.atomic
def accept(user, proposal, amount, target_caseload, version, kind=None, service_name=""):
    """Accept with an amount and a target caseload: the amount is committed on the call's envelope (never
    beyond it), the service is created from its kind's template (or the service extended is funded), with
    the territories of the application, the target as its capacity, and a budget line for the year."""
    _require_decider(user, proposal)
    if proposal.stage == Stage.QUESTIONS:
        raise DomainError(_("Questions wait for the operator's answer: accept once they are answered."),
                          code="questions_pending")
    if proposal.stage != Stage.APPLICATION:
        raise DomainError(_("Only a filed application is accepted (a letter of intent is not enough)."),
                          code="not_filed")
    if amount is None or amount <= 0:
        raise DomainError(_("Give the amount granted."), field="granted_amount")
    if target_caseload is None or target_caseload < 1:
        raise DomainError(_("Give the target active caseload."), field="target_caseload")
    reasons = eligibility(proposal)
    if reasons:
        raise DomainError(_("Not eligible: %(reasons)s") % {"reasons": " ".join(reasons)},
                          code="not_eligible", details={"reasons": reasons})
    # The version first: a stale decision must not commit money.
    proposal.stage = Stage.ACCEPTED
    proposal.granted_amount, proposal.target_caseload = amount, target_caseload
    proposal.decided_by, proposal.decided_at = user, timezone.now()
    envelope = proposal.call.envelope
    commit(envelope.pk, amount)
    service = proposal.existing_service
    if service is None:
        kind = kind or proposal.kind
        if kind is None:
            raise DomainError(_("The application left the kind of service undecided: choose it."), field="kind")
        if kind.pk not in {k.pk for k in proposal.call.kinds.all()}:
            raise DomainError(_("The service envisaged is not among the kinds this call funds."), field="kind")
        service = Service(operator=proposal.operator, kind=kind)
        service.apply_kind_template()
        service.name = (service_name or "").strip()[:200] or f"{kind.name} — {proposal.operator.name}"
        service.capacity = target_caseload
        service.full_clean(exclude=["territories"])
        service.save()
        service.territories.set(proposal.territories.all())
    # The line records which part came from envelopes: indicators.services.set_budget never goes below it (D54).
    line, created = ServiceYearBudget.objects.select_for_update().get_or_create(
        service=service, year=envelope.year, funder=envelope.funder,
        defaults={"amount": amount, "envelope_amount": amount})
    if not created:
        ServiceYearBudget.objects.filter(pk=line.pk).update(
            amount=F("amount") + amount, envelope_amount=F("envelope_amount") + amount, version=F("version") + 1)
    # The planned team lands on the service (D58): the funder's page compares it with the team actually there.
    service_rules.add_planned_team(service, proposal.planned_team)
    proposal.service = service
    proposal.save_versioned(version, update_fields=[
        "stage", "granted_amount", "target_caseload", "decided_by", "decided_at", "service"])
    return proposal


# Questions and answers: the thread of an application -----------------------------------------------------

def questions(proposal):
    return list(proposal.questions.select_related("asked_by", "answered_by"))


def _lock(proposal):
    """The application's row, locked until the transaction ends: a question and an answer at the same time
    are applied one after the other, so the stage always says whether a question waits."""
    return Proposal.objects.select_for_update().get(pk=proposal.pk)


@transaction.atomic
def ask(user, proposal, question):
    """The funder of the call asks a question on a filed application: the application is at the stage
    « questions asked » until every question is answered."""
    if not manages_call(user, proposal.call):
        raise Forbidden(_("Only the funder of the call asks questions on its applications."))
    question = (question or "").strip()
    if not question:
        raise DomainError(_("Write the question."), field="question")
    locked = _lock(proposal)
    if locked.stage not in (Stage.APPLICATION, Stage.QUESTIONS):
        raise DomainError(_("Questions are asked on a filed application that is not decided yet."),
                          code="not_open_to_questions")
    item = ProposalQuestion.objects.create(proposal=locked, question=question[:5000], asked_by=user)
    Proposal.objects.filter(pk=locked.pk).update(stage=Stage.QUESTIONS, version=F("version") + 1)
    proposal.refresh_from_db()
    return item


@transaction.atomic
def answer(user, proposal, question_id, text_):
    """A head of service of the operator answers one question; once none waits, the application is back at
    the stage « application filed » and the funder may decide."""
    if not is_applicant(user, proposal):
        raise Forbidden(_("Only a head of service of this operator answers for it."))
    text_ = (text_ or "").strip()
    if not text_:
        raise DomainError(_("Write the answer."), field="answer")
    locked = _lock(proposal)
    if locked.stage != Stage.QUESTIONS:
        raise DomainError(_("This application has no question waiting for an answer."), code="no_question")
    item = locked.questions.filter(pk=question_id).first()
    if item is None:
        raise NotFound()
    if item.answered_at is not None:
        raise Conflict(_("This question was already answered."), field="answer", code="already_answered")
    item.answer, item.answered_by, item.answered_at = text_[:20_000], user, timezone.now()
    item.save(update_fields=["answer", "answered_by", "answered_at"])
    if not locked.questions.filter(answered_at__isnull=True).exists():
        Proposal.objects.filter(pk=locked.pk).update(stage=Stage.APPLICATION, version=F("version") + 1)
    else:
        Proposal.objects.filter(pk=locked.pk).update(version=F("version") + 1)
    proposal.refresh_from_db()
    return item


def pending_questions(user):
    """The questions the heads of these operators have to answer (their home), oldest first."""
    ids = operator_ids(user)
    if not ids:
        return ProposalQuestion.objects.none()
    return (ProposalQuestion.objects.filter(proposal__operator_id__in=ids, proposal__stage=Stage.QUESTIONS,
                                            answered_at__isnull=True)
            .select_related("proposal__call", "proposal__operator", "proposal__kind").order_by("asked_at"))


def _who(user):
    return (user.get_full_name() or user.username) if user else ""


def history(proposal):
    """The journal of the application, oldest first: filed, questions asked and answered, decided. Read from the
    records themselves (each carries who and when), so that it can never disagree with them."""
    events = []
    if proposal.letter_filed_at:
        events.append({"at": proposal.letter_filed_at, "event": "letter_filed", "label": _("Letter of intent filed"),
                       "by": _who(proposal.filed_by)})
    if proposal.application_filed_at:
        events.append({"at": proposal.application_filed_at, "event": "application_filed",
                       "label": _("Application filed"), "by": _who(proposal.filed_by)})
    for q in questions(proposal):
        events.append({"at": q.asked_at, "event": "question_asked", "label": _("Question asked"),
                       "by": _who(q.asked_by), "question_id": q.pk})
        if q.answered_at:
            events.append({"at": q.answered_at, "event": "question_answered", "label": _("Question answered"),
                           "by": _who(q.answered_by), "question_id": q.pk})
    if proposal.decided_at:
        events.append({"at": proposal.decided_at, "event": proposal.stage, "label": proposal.get_stage_display(),
                       "by": _who(proposal.decided_by)})
    return sorted(events, key=lambda e: e["at"])


# The funder's page: target against actual ---------------------------------------------------------------

def steering(user, today=None):
    """One row per service funded by the funder's calls: amount, target and actual active caseload (under
    the indicators' disclosure control: a count of 1 to 4 persons is shown « < 5 »), planned and actual
    ETP (team members active today, plus the staffing entered for the year), in total and by profession."""
    today = today or timezone.localdate()
    accepted = list(visible_proposals(user).filter(stage=Stage.ACCEPTED).order_by("service__name"))
    if not is_funder(user) and not getattr(user, "is_superuser", False):
        accepted = []
    service_ids = {p.service_id for p in accepted}
    caseload = dict(FollowUp.objects.open().filter(service_id__in=service_ids).values("service_id")
                    .annotate(n=Count("person_id", distinct=True)).values_list("service_id", "n"))
    members = dict(Membership.objects.active(today).filter(service_id__in=service_ids).values("service_id")
                   .annotate(etp=Sum("etp")).values_list("service_id", "etp"))
    extra = dict(StaffingEntry.objects.filter(service_id__in=service_ids, year=today.year).values("service_id")
                 .annotate(etp=Sum("etp")).values_list("service_id", "etp"))
    teams = service_rules.team_by_profession(service_ids, today)
    values = {p.service_id: caseload.get(p.service_id, 0) for p in accepted}
    hidden, _total = disclosure.protect_1d(values, total=False)
    rows = []
    for p in accepted:
        sid = p.service_id
        actual = None if sid in hidden else values[sid]
        rows.append({
            "proposal": p, "service": p.service, "operator": p.operator, "amount": p.granted_amount,
            "target": p.target_caseload, "actual": actual, "actual_label": formats.cell(actual, hidden.get(sid)),
            "ratio": round(100 * actual / p.target_caseload) if actual is not None and p.target_caseload else None,
            # The service's planned team (every application accepted for it, D58), profession by profession.
            "planned_etp": sum((t["planned"] for t in teams[sid]), Decimal(0)),
            "actual_etp": (members.get(sid) or Decimal(0)) + (extra.get(sid) or Decimal(0)),
            "team": teams[sid],
        })
    return rows


def kinds():
    return ServiceKind.objects.all()


def territories_for(user):
    if is_funder(user):
        return Territory.objects.filter(pk__in=funder_territory_ids(user))
    return Territory.objects.all()


def operators_of(user):
    return Operator.objects.filter(pk__in=operator_ids(user))


def operator_services(user):
    return Service.objects.filter(operator_id__in=operator_ids(user))


def proposals_of_call(user, call):
    return visible_proposals(user).filter(call=call).prefetch_related(
        Prefetch("territories", queryset=Territory.objects.all()))


def deadlines_open(call, today=None):
    today = today or timezone.localdate()
    return {"letter": today <= call.letter_deadline, "application": today <= call.application_deadline}

