"""Rules of the quality approach of a service (issue #18, seed 000, decision D50).

Who: the head of the service and the operator administrators (superusers) keep its self-assessment,
improvement plan, adverse events and participation meetings; the funders of the service's territory read
the summary of its imperative criteria only (levels, no evidence or comment); an administrator edits the
criteria's texts. Nobody else learns that these records exist (NotFound).

No person is named in what leaves the service: no row here points at a person, and the declaration of an
adverse event to the authority (PDF) replaces the names of the persons the service follows or followed, and
of its team, in every free text by « [personne] ».

Evidence: the figures of each criterion come from Auprès's own records (FIGURES): the indicator engine's
functions where they exist (referral_to_first_contact, exits_by_destination), otherwise the small counts
below; every count table is published through the indicators' disclosure control (protect_1d), as on the
dashboards.
"""

import datetime
import re

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.core.models import StaleEdit
from aupres.followups.models import Evaluation, FollowUp, Plan, Satisfaction
from aupres.indicators import disclosure, engine, formats, reports
from aupres.indicators import services as indicators
from aupres.persons.models import Person
from aupres.quality.models import (
    MET_LEVELS,
    OPEN_ACTION_STATUSES,
    ActionStatus,
    AdverseEvent,
    Axis,
    Criterion,
    CriterionAssessment,
    CriterionWording,
    EventKind,
    EventStatus,
    ImprovementAction,
    Level,
    ParticipationMeeting,
    Theme,
)
from aupres.services.models import Membership, Operator, Service

FIRST_YEAR = 2022  # the referential of the 2022 reform
PLAN_DAYS = 30
ANONYMISED = "[personne]"


# Who ----------------------------------------------------------------------------------------------

def is_administrator(user):
    return bool(getattr(user, "is_authenticated", False) and user.is_superuser)


def may_keep(user, service_id):
    """The head of this service, or an operator administrator."""
    if not getattr(user, "is_authenticated", False):
        return False
    return is_administrator(user) or access.is_head_of_service(user, service_id)


def kept_service(user, service_id):
    """The service, for those who keep its quality approach; NotFound for anyone else."""
    service = Service.objects.filter(pk=service_id).select_related("operator").first()
    if service is None or not may_keep(user, service.pk):
        raise NotFound()
    return service


def _require_keeper(user, service):
    """The writes check it again: a service is callable from anywhere, not only after kept_service."""
    if not may_keep(user, service.pk):
        raise Forbidden(_("Only the head of this service keeps its quality approach."))


def _kept_row(user, model, row_id, *related):
    """A row of a service's quality approach, for those who keep it; NotFound for anyone else."""
    row = model.objects.filter(pk=row_id).select_related(*related).first()
    if row is None or not may_keep(user, row.service_id):
        raise NotFound()
    return row


def kept_services(user):
    if not getattr(user, "is_authenticated", False):
        return Service.objects.none()
    qs = Service.objects.filter(is_active=True).select_related("operator").order_by("name")
    if is_administrator(user):
        return qs
    headed = Membership.objects.active().filter(user=user, profession="head_of_service").values("service_id")
    return qs.filter(pk__in=headed)


def summary_service(user, service_id):
    """The service, for its keepers and for the funders of its territory (the imperative summary only)."""
    service = Service.objects.filter(pk=service_id).select_related("operator").first()
    if service is None:
        raise NotFound()
    if may_keep(user, service.pk):
        return service
    if indicators.is_funder(user) and indicators.funder_services(user).filter(pk=service.pk).exists():
        return service
    raise NotFound()


def check_year(year, future=0):
    """A year of the reform's referential: from 2022 to this year (`future` years more for a plan)."""
    year = int(year)
    if not FIRST_YEAR <= year <= timezone.localdate().year + future:
        raise DomainError(_("Choose a year from %(first)s to this year.") % {"first": FIRST_YEAR}, field="year",
                          code="invalid_year")
    return year


def _text(value, field, message):
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field)
    return value


# The referential ----------------------------------------------------------------------------------

def themes():
    """The themes with their criteria, in order."""
    return Theme.objects.prefetch_related("criteria").order_by("position")


def axes(operator=None):
    """The axes offered to every operator (seed 000's four) and the operator's own."""
    qs = Axis.objects.filter(Q(operator__isnull=True) | Q(operator=operator)) if operator else \
        Axis.objects.filter(operator__isnull=True)
    # The shared axes first on every database (PostgreSQL sorts NULL last, SQLite first).
    return qs.prefetch_related("criteria").order_by(F("operator").asc(nulls_first=True), "position", "pk")


def get_axis(axis_id):
    axis = Axis.objects.filter(pk=axis_id).first()
    if axis is None:
        raise NotFound()
    return axis


# An operator's own wording and axes (D58) ------------------------------------------------------------

def administered_operator_ids(user):
    """Operators whose wording of the referential and own axes the user administers: the role that
    administers an operator in Auprès is a head of one of its services (core.access.managed_operator_ids,
    the same who configures its services); a superuser administers every operator."""
    return set(access.managed_operator_ids(user))


def administered_operator(user, operator_id):
    """The operator, for its administrators; NotFound for anyone else."""
    if operator_id not in administered_operator_ids(user):
        raise NotFound()
    operator = Operator.objects.filter(pk=operator_id).first()
    if operator is None:
        raise NotFound()
    return operator


def administered_operators(user):
    return Operator.objects.filter(pk__in=administered_operator_ids(user)).order_by("name")


def wordings(operator_id):
    """{criterion_id: CriterionWording} of an operator (empty for None)."""
    if operator_id is None:
        return {}
    return {w.criterion_id: w for w in CriterionWording.objects.filter(operator_id=operator_id)}


def worded_themes(operator_id):
    """The themes with their criteria, each criterion's `text` in the operator's wording when it has one
    (`wording` set), the shared text otherwise."""
    own = wordings(operator_id)
    out = list(themes())
    for theme in out:
        for criterion in theme.criteria.all():
            criterion.wording = own.get(criterion.pk)
            criterion.text = criterion.wording.title if criterion.wording else criterion.title
    return out


def criterion_text(criterion, operator_id):
    wording = wordings(operator_id).get(criterion.pk) if operator_id else None
    return wording.title if wording else criterion.title


@transaction.atomic
def word_criterion(user, operator_id, criterion_id, title, version=None):
    """An operator's administrator writes the operator's own wording of a criterion. The shared text is never
    changed; a wording equal to it (or empty when `title` is None) removes the operator's, back to the shared
    text. `version`: the wording's, None or 0 for a first one (409 when someone wrote one meanwhile)."""
    operator = administered_operator(user, operator_id)
    criterion = get_criterion(criterion_id)
    current = CriterionWording.objects.select_for_update().filter(operator=operator, criterion=criterion).first()
    title = (title or "").strip()
    if not title or title == criterion.title:
        if current is not None:
            if version and int(version) != current.version:
                raise StaleEdit(current.version)
            current.delete()
        return None
    if current is None:
        if version:
            raise StaleEdit(None)
        try:
            with transaction.atomic():
                return CriterionWording.objects.create(operator=operator, criterion=criterion, title=title[:300],
                                                       updated_by=user, version=1)
        except IntegrityError:
            raise StaleEdit(None) from None
    if not version:
        raise StaleEdit(current.version)
    current.title, current.updated_by = title[:300], user
    return current.save_versioned(version, update_fields=["title", "updated_by"])


def may_edit_axis(user, axis):
    """A shared axis (seed 000's four, offered to every operator) by a superuser only; an operator's own axis
    by its administrators."""
    if is_administrator(user):
        return True
    return axis.operator_id is not None and axis.operator_id in administered_operator_ids(user)


@transaction.atomic
def create_axis(user, operator_id, title, criterion_codes):
    """An operator's administrator adds one of its own priority axes."""
    operator = administered_operator(user, operator_id)
    criteria = _axis_criteria(criterion_codes)
    last = Axis.objects.filter(operator=operator).aggregate(m=Max("position"))["m"] or 0
    axis = Axis.objects.create(operator=operator, title=_text(title, "title", _("Write the axis's title."))[:300],
                               position=last + 1, version=1)
    axis.criteria.set(criteria)
    return axis


def _axis_criteria(criterion_codes):
    criteria = list(Criterion.objects.filter(code__in=set(criterion_codes)))
    if len(criteria) != len(set(criterion_codes)):
        raise DomainError(_("Unknown criterion."), field="criteria", code="unknown_criterion")
    if not criteria:
        raise DomainError(_("Choose at least one criterion."), field="criteria")
    return criteria


@transaction.atomic
def edit_axis(user, axis_id, title, criterion_codes, version):
    """An administrator rewrites a priority axis: its title and the criteria it gathers (may_edit_axis)."""
    axis = get_axis(axis_id)
    if not may_edit_axis(user, axis):
        if axis.operator_id is not None and not is_administrator(user):
            raise NotFound()  # another operator's axis: nobody learns it exists
        raise Forbidden(_("Only an operator administrator edits the referential."))
    criteria = _axis_criteria(criterion_codes)
    axis.title = _text(title, "title", _("Write the axis's title."))[:300]
    axis.save_versioned(version, update_fields=["title"])
    axis.criteria.set(criteria)
    return axis


def axes_progress(service, year):
    """The priority axes of the service's operator (seed 000's four and its own), each with its criteria and
    how many of them the service assessed and met this year."""
    done = assessments(service, year)
    out = []
    for axis in axes(service.operator):
        criteria = list(axis.criteria.all())
        levels = [done[c.pk].level for c in criteria if c.pk in done]
        out.append({"axis": axis, "criteria": criteria, "total": len(criteria), "assessed": len(levels),
                    "met": sum(1 for level in levels if level in MET_LEVELS)})
    return out


def get_criterion(criterion_id):
    criterion = Criterion.objects.filter(pk=criterion_id).select_related("theme").first()
    if criterion is None:
        raise NotFound()
    return criterion


@transaction.atomic
def edit_criterion(user, criterion_id, title, version):
    """An operator administrator rewrites a criterion's text (never its code or whether it is imperative)."""
    if not is_administrator(user):
        raise Forbidden(_("Only an operator administrator edits the referential."))
    criterion = get_criterion(criterion_id)
    criterion.title = _text(title, "title", _("Write the criterion's text."))[:300]
    return criterion.save_versioned(version, update_fields=["title"])


# Self-assessment ----------------------------------------------------------------------------------

def assessments(service, year):
    """{criterion_id: CriterionAssessment} of a service and year."""
    return {a.criterion_id: a for a in CriterionAssessment.objects.filter(service=service, year=year)}


def assessment_grid(service, year):
    """The themes, each with its criteria, their assessment (or None) and their figure (or None)."""
    done = assessments(service, year)
    figures_by_code = figures(service, year)
    out = []
    for theme in worded_themes(service.operator_id):
        rows = [{"criterion": c, "text": c.text, "assessment": done.get(c.pk),
                 "figure": figures_by_code.get(c.figure)} for c in theme.criteria.all()]
        out.append({"theme": theme, "rows": rows})
    return out


def check_assessment(criterion, level, evidence, comment, figure_linked=False):
    """The self-assessment rules: an imperative criterion always applies; a criterion said to be met says on
    what (evidence, or the Auprès figure linked to it); « not applicable » says why."""
    if level not in Level.values:
        raise DomainError(_("Choose a level."), field="level", code="invalid_level")
    if level == Level.NOT_APPLICABLE and criterion.imperative:
        raise DomainError(_("An imperative criterion applies to every service."), field="level",
                          code="imperative_applies")
    if level in MET_LEVELS and not evidence.strip() and not figure_linked:
        raise DomainError(_("Say on what evidence the criterion is met."), field="evidence",
                          code="evidence_required")
    if level == Level.NOT_APPLICABLE and not comment.strip():
        raise DomainError(_("Say why the criterion does not apply."), field="comment", code="reason_required")


@transaction.atomic
def assess(user, service, year, criterion_id, *, level, evidence="", comment="", version=None):
    """Record or change the self-assessment of one criterion. A change carries the version read (a stale one
    is a 409); a first assessment made while someone else made theirs is a 409 too."""
    _require_keeper(user, service)
    year = check_year(year)
    criterion = get_criterion(criterion_id)
    evidence, comment = (evidence or "").strip(), (comment or "").strip()
    check_assessment(criterion, level, evidence, comment, figure_linked=bool(criterion.figure))
    row = CriterionAssessment.objects.filter(service=service, year=year, criterion=criterion).first()
    if row is None:
        if version not in (None, "", 0):
            raise StaleEdit(None)
        try:
            with transaction.atomic():
                return CriterionAssessment.objects.create(service=service, year=year, criterion=criterion,
                                                          level=level, evidence=evidence, comment=comment,
                                                          updated_by=user)
        except IntegrityError:
            raise StaleEdit(1) from None
    if version in (None, ""):
        raise StaleEdit(row.version)
    row.level, row.evidence, row.comment, row.updated_by = level, evidence, comment, user
    return row.save_versioned(version, update_fields=["level", "evidence", "comment", "updated_by"])


def summary(service, year):
    """Counts per level, and the imperative criteria one by one (level only): what a funder reads."""
    done = assessments(service, year)
    criteria = list(Criterion.objects.select_related("theme").order_by("theme__position", "position"))
    by_level = dict.fromkeys(Level.values, 0)
    imperative = []
    for c in criteria:
        a = done.get(c.pk)
        if a:
            by_level[a.level] += 1
        if c.imperative:
            imperative.append({"code": c.code, "title": c.title, "theme": c.theme.title,
                               "level": a.level if a else "", "level_label": a.get_level_display() if a else ""})
    return {
        "service": service.name, "year": year, "criteria": len(criteria), "assessed": len(done),
        "by_level": by_level, "imperative": imperative,
        "imperative_count": len(imperative),
        "imperative_met": sum(1 for i in imperative if i["level"] in MET_LEVELS),
        "imperative_not_met": sum(1 for i in imperative if i["level"] in (Level.NOT_MET, Level.PARTLY_MET)),
        "imperative_not_assessed": sum(1 for i in imperative if not i["level"]),
    }


# Evidence: Auprès's own figures --------------------------------------------------------------------

def figure_period(year, today=None):
    """The year, or this year up to today; None for a year to come."""
    today = today or timezone.localdate()
    if year > today.year:
        return None
    if year == today.year:
        return engine.Period(datetime.date(year, 1, 1), today)
    return engine.Period.year(year)


def _published(values, labels):
    """A count table through the indicators' disclosure control: [(label, shown)], the total shown."""
    hidden, total_hidden = disclosure.protect_1d(values)
    cells = [{"key": k, "label": str(labels.get(k, k)), "value": formats.cell(v, hidden.get(k))}
             for k, v in values.items()]
    total = sum(values.values())
    return cells, formats.cell(total, total_hidden), hidden, total_hidden


def _share_figure(label, values, labels, good):
    """A figure: the share of `good` keys among the counts, shown only when no count of the table is hidden."""
    cells, total_shown, hidden, total_hidden = _published(values, labels)
    total = sum(values.values())
    share = None
    if total and not hidden and not total_hidden:
        share = formats.percent(100 * sum(values[k] for k in good) / total)
    return {"label": label, "share": share, "cells": cells, "total": total_shown}


def plans_within_30_days(services, period):
    """Follow-ups opened in the period: first personalised plan agreed within 30 days of the admission,
    later, or not yet."""
    rows = (FollowUp.objects.filter(service__in=services, opened_on__gte=period.start, opened_on__lte=period.end)
            .annotate(first_plan=Min("plans__agreed_on")).values_list("opened_on", "first_plan"))
    out = {"within": 0, "later": 0, "none": 0}
    for opened, first in rows:
        if first is None:
            out["none"] += 1
        else:
            out["within" if (first - opened).days <= PLAN_DAYS else "later"] += 1
    return out


def plans_with_person(services, period):
    """Personalised plans agreed in the period: drawn up with the person or not."""
    rows = Plan.objects.filter(followup__service__in=services, agreed_on__gte=period.start,
                               agreed_on__lte=period.end).aggregate(
        took_part=Count("pk", filter=Q(person_took_part=True)), without=Count("pk", filter=Q(person_took_part=False)))
    return {"took_part": rows["took_part"], "without": rows["without"]}


def satisfaction(services, period):
    """The persons' satisfaction from the evaluations of the period."""
    out = dict.fromkeys(Satisfaction.values, 0)
    rows = (Evaluation.objects.filter(followup__service__in=services, evaluated_on__gte=period.start,
                                      evaluated_on__lte=period.end)
            .values_list("satisfaction").annotate(n=Count("pk")).order_by())
    for key, n in rows:
        out[key] = out.get(key, 0) + n
    return out


SATISFIED = ("very_satisfied", "satisfied")
LABELS = {
    "within": gettext_lazy("within 30 days"), "later": gettext_lazy("after 30 days"),
    "none": gettext_lazy("no plan yet"), "took_part": gettext_lazy("drawn up with the person"),
    "without": gettext_lazy("without the person"),
}
FIGURES = ("plan_within_30_days", "plans_with_person", "referral_to_first_contact", "exits_with_destination",
           "satisfaction", "meetings", "adverse_events")


def figures(service, year, today=None):
    """{figure code: figure} of a service and year: each one a label, a share (or None), the published counts."""
    period = figure_period(year, today)
    if period is None:
        return {}
    scope = Service.objects.filter(pk=service.pk)
    delays = engine.compute("referral_to_first_contact", scope, period)  # the indicator engine's own
    exits = engine.compute("exits_by_destination", scope, period)
    unknown = ("", "unknown")
    exits = {"with": sum(n for k, n in exits.items() if k not in unknown),
             "without": sum(n for k, n in exits.items() if k in unknown)}
    meetings = ParticipationMeeting.objects.filter(service=service, held_on__year=year).aggregate(
        n=Count("pk"), persons=Sum("participants"))
    events = AdverseEvent.objects.filter(service=service, occurred_on__year=year).aggregate(
        n=Count("pk"), open=Count("pk", filter=~Q(status=EventStatus.CLOSED)))
    delay_labels = dict(engine.DELAY_BANDS)
    return {
        "plan_within_30_days": _share_figure(_("Personalised plan within 30 days of admission"),
                                             plans_within_30_days(scope, period), LABELS, ("within",)),
        "plans_with_person": _share_figure(_("Plans drawn up with the person"), plans_with_person(scope, period),
                                           LABELS, ("took_part",)),
        "referral_to_first_contact": _share_figure(_("First contact within 7 days of the referral"), delays,
                                                   delay_labels, ("0_2", "3_7")),
        "exits_with_destination": _share_figure(
            _("Exits with a known destination"), exits,
            {"with": _("destination known"), "without": _("destination unknown")}, ("with",)),
        "satisfaction": _share_figure(_("Persons satisfied or very satisfied at their evaluation"),
                                      satisfaction(scope, period), dict(Satisfaction.choices), SATISFIED),
        "meetings": {"label": _("Participation meetings"), "share": None, "total": str(meetings["n"]),
                     "cells": [{"key": "participants", "label": _("persons taking part, in all"),
                                "value": str(meetings["persons"] or 0)}]},
        "adverse_events": {"label": _("Adverse events"), "share": None, "total": str(events["n"]),
                           "cells": [{"key": "open", "label": _("being handled"), "value": str(events["open"])}]},
    }


# Improvement plan ---------------------------------------------------------------------------------

def actions(service, year=None):
    qs = ImprovementAction.objects.filter(service=service).select_related("criterion")
    return qs.filter(year=year) if year else qs


def overdue(services, today=None):
    """Open actions past their due date."""
    today = today or timezone.localdate()
    return ImprovementAction.objects.filter(service__in=services, status__in=OPEN_ACTION_STATUSES,
                                            due_on__lt=today)


def overdue_counts(user, today=None):
    """{service_id: overdue actions} of the services the user keeps (the head's home dashboard)."""
    rows = overdue(kept_services(user), today).values("service_id").annotate(n=Count("pk")).order_by()
    return {r["service_id"]: r["n"] for r in rows}


DUE_SOON_DAYS = 14


def due_soon(services, today=None, days=DUE_SOON_DAYS):
    """Open actions due within the next `days` days, today included (the reminder before they are overdue)."""
    today = today or timezone.localdate()
    return ImprovementAction.objects.filter(service__in=services, status__in=OPEN_ACTION_STATUSES,
                                            due_on__gte=today, due_on__lte=today + datetime.timedelta(days=days))


def due_soon_counts(user, today=None):
    """{service_id: actions due within DUE_SOON_DAYS} of the services the user keeps (the head's home)."""
    rows = due_soon(kept_services(user), today).values("service_id").annotate(n=Count("pk")).order_by()
    return {r["service_id"]: r["n"] for r in rows}


def due_in_days(action, today=None):
    """Days left before an open action's due date when it is due within DUE_SOON_DAYS (0: today), else None."""
    today = today or timezone.localdate()
    if action.status not in OPEN_ACTION_STATUSES:
        return None
    left = (action.due_on - today).days
    return left if 0 <= left <= DUE_SOON_DAYS else None


def _action_values(values, action=None):
    out = {}
    if action is None or "title" in values:
        out["title"] = _text(values.get("title"), "title", _("Say what the action is."))[:300]
    if action is None or "owner" in values:
        out["owner"] = _text(values.get("owner"), "owner", _("Say who carries the action."))[:120]
    if action is None or "due_on" in values:
        if not values.get("due_on"):
            raise DomainError(_("Give a due date."), field="due_on")
        out["due_on"] = values["due_on"]
    if "criterion" in values or action is None:
        criterion_id = values.get("criterion")
        out["criterion"] = get_criterion(criterion_id) if criterion_id else None
    return out


@transaction.atomic
def add_action(user, service, values):
    _require_keeper(user, service)
    year = check_year(values.get("year") or timezone.localdate().year, future=1)
    return ImprovementAction.objects.create(service=service, year=year, created_by=user, **_action_values(values))


def get_action(user, action_id):
    return _kept_row(user, ImprovementAction, action_id, "service", "criterion")


@transaction.atomic
def update_action(user, action_id, values, version):
    """Change an action (its status among them): done is dated, not in the future; reopened, the date goes."""
    action = get_action(user, action_id)
    for key, value in _action_values(values, action).items():
        setattr(action, key, value)
    status = values.get("status", action.status)
    if status not in ActionStatus.values:
        raise DomainError(_("Choose a status."), field="status")
    today = timezone.localdate()
    if status == ActionStatus.DONE:
        done_on = values.get("done_on") or action.done_on or today
        if done_on > today:
            raise DomainError(_("An action is done on a past day or today."), field="done_on")
        action.done_on = done_on
    else:
        action.done_on = None
    action.status = status
    return action.save_versioned(version, update_fields=["title", "owner", "due_on", "criterion", "status",
                                                         "done_on"])


# Adverse events -----------------------------------------------------------------------------------

def events(service):
    return AdverseEvent.objects.filter(service=service)


def get_event(user, event_id):
    return _kept_row(user, AdverseEvent, event_id, "service", "service__operator")


@transaction.atomic
def declare_event(user, service, values):
    _require_keeper(user, service)
    if values.get("kind") not in EventKind.values:
        raise DomainError(_("Choose the kind of event."), field="kind")
    occurred_on = values.get("occurred_on")
    if not occurred_on:
        raise DomainError(_("Say when it happened."), field="occurred_on")
    if occurred_on > timezone.localdate():
        raise DomainError(_("The event cannot have happened in the future."), field="occurred_on")
    return AdverseEvent.objects.create(
        service=service, kind=values["kind"], occurred_on=occurred_on,
        what=_text(values.get("what"), "what", _("Say what happened.")),
        informed=(values.get("informed") or "").strip(), measures=(values.get("measures") or "").strip(),
        created_by=user)


@transaction.atomic
def update_event(user, event_id, values, version):
    """Follow an event until it is closed: who was informed, measures taken, its declaration to the authority
    (dated), its closing (dated, with the measures written). A closed event is not reopened."""
    event = get_event(user, event_id)
    if event.status == EventStatus.CLOSED:
        raise DomainError(_("This event is closed."), field="status", code="event_closed")
    today = timezone.localdate()
    for key in ("informed", "measures", "closing_note"):
        if key in values:
            setattr(event, key, (values[key] or "").strip())
    if values.get("what") is not None:
        event.what = _text(values["what"], "what", _("Say what happened."))
    status = values.get("status") or event.status
    if status not in EventStatus.values:
        raise DomainError(_("Choose a status."), field="status")
    if status in (EventStatus.DECLARED, EventStatus.CLOSED) or values.get("declared_on"):
        declared_on = values.get("declared_on") or event.declared_on
        if status == EventStatus.DECLARED and not declared_on:
            raise DomainError(_("Give the date of the declaration to the authority."), field="declared_on")
        if declared_on and not event.occurred_on <= declared_on <= today:
            raise DomainError(_("The declaration is dated between the event and today."), field="declared_on")
        event.declared_on = declared_on
    if status == EventStatus.CLOSED:
        closed_on = values.get("closed_on") or today
        if not event.occurred_on <= closed_on <= today:
            raise DomainError(_("The event is closed between the day it happened and today."), field="closed_on")
        if not event.measures:
            raise DomainError(_("Write the measures taken before closing the event."), field="measures",
                              code="measures_required")
        event.closed_on = closed_on
    event.status = status
    return event.save_versioned(version, update_fields=["what", "informed", "measures", "closing_note", "status",
                                                        "declared_on", "closed_on"])


def _names(service):
    """The names of the persons the service follows or followed and of its team: never in a declaration."""
    persons = Person.objects.filter(followups__service=service).values_list("first_name", "last_name", "alias")
    team = Membership.objects.filter(service=service).values_list("user__first_name", "user__last_name")
    names = {n.strip() for row in [*persons, *team] for n in row if n and len(n.strip()) >= 2}
    return sorted(names, key=len, reverse=True)


# What else identifies someone in a free text, whoever it is (issue #18: « no person named in what leaves the
# service »): the names the service knows are not all the names typed. Civilities introduce a name; an e-mail,
# a phone number, a social security number or a street address point at one person.
_CIVILITY = re.compile(
    r"(?<!\w)(M\.|Mme|Mlle|Mr|Monsieur|Madame|Mademoiselle|Dr|Docteur|Pr|Professeur|Maître|Me)\s+"
    r"([A-ZÀ-Ý][\w'’-]*\.?(?:\s+[A-ZÀ-Ý][\w'’-]*\.?){0,2})", re.UNICODE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\d\w])(?:(?:\+|00)\s?33\s?\(?0?\)?\s?|0)[1-9](?:[\s.\-]?\d{2}){4}(?!\d)")
_NIR = re.compile(r"(?<!\d)[12]\s?\d{2}\s?(?:0[1-9]|1[0-2]|[2-9]\d)\s?(?:\d{2}|2[AB])\s?\d{3}\s?\d{3}"
                  r"(?:\s?\d{2})?(?!\d)")
_ADDRESS = re.compile(
    r"(?<!\w)\d{1,4}\s?(?:bis|ter)?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|impasse|allée|chemin|route|quai|"
    r"cours|square|résidence|cité|passage|villa|sentier|lotissement|hameau)\b[^\n,;.()]*", re.IGNORECASE)
REDACTIONS = [(_EMAIL, "[courriel]"), (_NIR, "[numéro]"), (_PHONE, "[téléphone]"), (_ADDRESS, "[adresse]")]


def scrub(text, names):
    """The text with each of these names replaced by « [personne] » (whole words, any case), any name after a
    civility (« Mme Durand » → « Mme [personne] »), and e-mails, phone numbers, social security numbers and
    street addresses replaced by what they are."""
    if not text:
        return ""
    for pattern, label in REDACTIONS:
        text = pattern.sub(label, text)
    text = _CIVILITY.sub(lambda m: f"{m.group(1)} {ANONYMISED}", text)
    if names:
        pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.IGNORECASE)
        text = pattern.sub(ANONYMISED, text)
    return text


def declaration(event):
    """What leaves the service: the event's fields, its free texts without any name of a person."""
    names = _names(event.service)
    return {
        "service": event.service.name, "operator": event.service.operator.name,
        "kind": event.get_kind_display(), "occurred_on": event.occurred_on, "status": event.get_status_display(),
        "declared_on": event.declared_on, "closed_on": event.closed_on,
        "what": scrub(event.what, names), "informed": scrub(event.informed, names),
        "measures": scrub(event.measures, names), "closing_note": scrub(event.closing_note, names),
        "reference": f"EI-{event.service_id}-{event.pk}", "today": timezone.localdate(),
    }


def declaration_html(user, event_id):
    event = get_event(user, event_id)
    return event, render_to_string("quality/declaration.html", {"d": declaration(event), "for_pdf": True})


def declaration_pdf(user, event_id):
    """The declaration to the authority, as a PDF (WeasyPrint, as the yearly report: indicators.reports)."""
    event, html = declaration_html(user, event_id)
    return event, reports.render_pdf(html)


# Participation ------------------------------------------------------------------------------------

def meetings(service, year=None):
    qs = ParticipationMeeting.objects.filter(service=service)
    return qs.filter(held_on__year=year) if year else qs


@transaction.atomic
def add_meeting(user, service, values):
    _require_keeper(user, service)
    held_on = values.get("held_on")
    if not held_on:
        raise DomainError(_("Say when the meeting was held."), field="held_on")
    if held_on > timezone.localdate():
        raise DomainError(_("Record a meeting once it was held."), field="held_on")
    participants = values.get("participants")
    if participants is None or not 1 <= int(participants) <= 1000:
        raise DomainError(_("Count the persons who took part (1 to 1000)."), field="participants")
    return ParticipationMeeting.objects.create(
        service=service, held_on=held_on, participants=int(participants),
        topics=_text(values.get("topics"), "topics", _("Say what was discussed.")),
        decisions=(values.get("decisions") or "").strip(), created_by=user)


def participation(service, year, today=None):
    """A year's participation: the meetings, how many took part, and the persons' satisfaction (published)."""
    rows = list(meetings(service, year))
    period = figure_period(year, today)
    values = satisfaction(Service.objects.filter(pk=service.pk), period) if period else \
        dict.fromkeys(Satisfaction.values, 0)
    sat = _share_figure(_("Persons satisfied or very satisfied at their evaluation"), values,
                        dict(Satisfaction.choices), SATISFIED)
    return {"year": year, "meetings": rows, "count": len(rows), "participants": sum(m.participants for m in rows),
            "satisfaction": sat}


def summary_services(user):
    """The services whose imperative summary a funder reads: those of its territories."""
    if not indicators.is_funder(user):
        return Service.objects.none()
    return indicators.funder_services(user).select_related("operator").order_by("name")


def require_reader(user):
    """The quality screens are for heads of service, administrators and funders."""
    if not (is_administrator(user) or kept_services(user).exists() or indicators.is_funder(user)):
        raise Forbidden(_("The quality approach is kept by the heads of service."))
