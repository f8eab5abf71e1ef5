"""Rules of the follow-up cycle, called alike by screens, API, demo and tasks.

- The allowed changes of state are data (TRANSITIONS); transition() is the only way a state changes.
- Who may act on a follow-up: members of its service who see the person; what they may read or
  write is what their profession gives them in that service (aupres.core.access).
- Alerts are computed by a pure function from the service's rules (data on Service).
"""

import dataclasses
from types import SimpleNamespace

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.audit.services import record
from aupres.core import access
from aupres.core.errors import DomainError, NotFound
from aupres.core.models import Compartment
from aupres.core.pages import counted_page, page_of
from aupres.followups.models import (
    DOMAIN_COMPARTMENT,
    SCREENINGS,
    Assessment,
    AssessmentItem,
    Domain,
    Evaluation,
    EvaluationResult,
    ExitDestination,
    ExitReason,
    FollowUp,
    FollowUpState,
    FollowUpTransition,
    HealthCheck,
    Level,
    Objective,
    ObjectiveDomain,
    ObjectiveStatus,
    Plan,
    Pregnancy,
    Result,
    Satisfaction,
    objective_compartment,
)
from aupres.persons.models import Person
from aupres.persons.services import fields_compartments, new_person
from aupres.services.models import load_rule_changes

S = FollowUpState

# The follow-up itself (state, dates, steps) is administrative information (FollowUp.compartment).
FOLLOWUP = FollowUp.compartment


def _journal(user, followup, action, compartments):
    """The access journal of what this module reads or changes of a follow-up's person (issue #16); the
    channel and route come from the request or task (aupres.core.context)."""
    record(user, followup.person_id, action, compartments, service_id=followup.service_id)

# The cycle as a graph: from a state, the states one may go to. Re-assessment loops back from
# monitoring and evaluation to assessment; exit is possible from every open state and is final.
TRANSITIONS = {
    S.INTAKE: (S.ASSESSMENT, S.EXIT),
    S.ASSESSMENT: (S.PLAN, S.EXIT),
    S.PLAN: (S.MONITORING, S.ASSESSMENT, S.EXIT),
    S.MONITORING: (S.EVALUATION, S.ASSESSMENT, S.EXIT),
    S.EVALUATION: (S.MONITORING, S.ASSESSMENT, S.EXIT),
    S.EXIT: (),
}

# What must exist before entering a state (checked by transition()).
NEEDS_ASSESSMENT = "assessment"
NEEDS_OBJECTIVE = "objective"
REQUIREMENTS = {
    (S.ASSESSMENT, S.PLAN): NEEDS_ASSESSMENT,
    (S.PLAN, S.MONITORING): NEEDS_OBJECTIVE,
}

# States where the follow-up may be lightened (less frequent contact before the end).
LIGHTENABLE = (S.PLAN, S.MONITORING, S.EVALUATION)
# A lightened follow-up is alerted after this many times the service's no-encounter delay.
LIGHTENED_DELAY_FACTOR = 2
# "Maximum length soon" is shown this many days before the service's maximum length.
MAX_LENGTH_WARNING_DAYS = 30


def allowed_next_states(followup):
    return list(TRANSITIONS[followup.state])


# Access ---------------------------------------------------------------------------------------

def visible_followups(user):
    """Follow-ups of the user's services whose person the user sees."""
    services = access.service_ids(user)
    if not services:
        return FollowUp.objects.none()
    return FollowUp.objects.filter(service_id__any_of=services, person_id__in=access.visible_person_ids(user))


def with_compartments(user, followup):
    followup.compartments = access.compartments_by_service(user).get(followup.service_id, frozenset())
    return followup


def get_followup(user, followup_id):
    """The follow-up with `.compartments` (the user's, in its service), or NotFound."""
    followup = visible_followups(user).select_related("person", "service", "referent").filter(
        pk=followup_id).first()
    if followup is None:
        raise NotFound()
    return with_compartments(user, followup)


def _require_open(followup):
    if not followup.is_open:
        raise DomainError(_("This follow-up is closed."), code="followup_closed")


def _check_date(on, followup, field, today=None):
    today = today or timezone.localdate()
    if on > today:
        raise DomainError(_("The date is in the future."), field=field, code="date_in_future")
    if on < followup.opened_on:
        raise DomainError(_("The date is before the follow-up was opened."), field=field,
                          code="date_before_opening")


# Transitions ----------------------------------------------------------------------------------

def _requirement_met(followup, requirement):
    if requirement == NEEDS_ASSESSMENT:
        return followup.assessments.exists() or followup.health_checks.exists()
    if requirement == NEEDS_OBJECTIVE:
        plan = current_plan(followup)
        return plan is not None and plan.objectives.exists()
    return True


REQUIREMENT_MESSAGES = {
    NEEDS_ASSESSMENT: lambda: _("Record an assessment or a health check before drawing up the plan."),
    NEEDS_OBJECTIVE: lambda: _("Record the plan with at least one objective before monitoring."),
}


@transaction.atomic
def transition(user, followup, to_state, version, *, on=None, note="", exit_reason="",
               exit_destination=""):
    """Move the follow-up to `to_state`, dated `on` (today by default) and attributed to `user`."""
    access.require(followup, Compartment.ADMINISTRATIVE)
    _require_open(followup)
    on = on or timezone.localdate()
    if to_state not in FollowUpState.values:
        raise DomainError(_("Unknown state."), field="to_state", code="unknown_state")
    from_state = followup.state
    if to_state not in TRANSITIONS[from_state]:
        raise DomainError(
            _("A follow-up cannot go from “%(from)s” to “%(to)s”.") % {
                "from": FollowUpState(from_state).label, "to": FollowUpState(to_state).label},
            field="to_state", code="transition_not_allowed")
    _check_date(on, followup, "on")
    last = followup.transitions.order_by("-on", "-pk").values_list("on", flat=True).first()
    if last and on < last:
        raise DomainError(_("The date is before the previous change of state."), field="on",
                          code="date_before_previous")
    requirement = REQUIREMENTS.get((from_state, to_state))
    if requirement and not _requirement_met(followup, requirement):
        raise DomainError(REQUIREMENT_MESSAGES[requirement](), field="to_state", code=f"{requirement}_required")
    fields = ["state"]
    if to_state == S.EXIT:
        if exit_reason not in ExitReason.values:
            raise DomainError(_("Give the exit reason."), field="exit_reason", code="exit_reason_required")
        if exit_destination not in ExitDestination.values:
            raise DomainError(_("Give the destination."), field="exit_destination",
                              code="exit_destination_required")
        followup.exit_reason, followup.exit_destination = exit_reason, exit_destination
        followup.close(on)
        fields += ["closed_on", "access_until", "exit_reason", "exit_destination"]
    else:
        followup.state = to_state
    followup.save_versioned(version, update_fields=fields)
    FollowUpTransition.objects.create(followup=followup, from_state=from_state, to_state=to_state, on=on,
                                      by=user, note=(note or "").strip()[:500])
    _journal(user, followup, "update", {FOLLOWUP})
    return followup


def lighten(user, followup, version, *, on=None, lightened=True):
    """Mark the follow-up as lightened from `on` (or lift it with lightened=False)."""
    access.require(followup, Compartment.ADMINISTRATIVE)
    _require_open(followup)
    if lightened:
        if followup.state not in LIGHTENABLE:
            raise DomainError(_("A follow-up is lightened once its plan is drawn up."), code="not_lightenable")
        on = on or timezone.localdate()
        _check_date(on, followup, "on")
        followup.lightened_on = on
    else:
        followup.lightened_on = None
    followup.save_versioned(version, update_fields=["lightened_on"])
    _journal(user, followup, "update", {FOLLOWUP})
    return followup


# Reads: what the user may read of a follow-up, journaled -----------------------------------------

def read_followup(user, followup_id):
    """A follow-up with its alerts, journaled as read (its state, dates and steps)."""
    followup = get_followup(user, followup_id)
    attach_alerts([followup])
    _journal(user, followup, "read", {FOLLOWUP})
    return followup


def followups_page(user, queryset, offset, limit):
    """(total, a page of follow-ups with their alerts), the page journaled."""
    total, page = counted_page(queryset.annotate(last_encounter_at=last_encounter_annotation()), offset, limit)
    page = attach_alerts(page)
    record(user, [f.person_id for f in page], "list", {"identity", FOLLOWUP})
    return total, page


def read_assessments(user, followup):
    found = assessments(user, followup)
    _journal(user, followup, "read", {FOLLOWUP, *(i.compartment for a in found for i in a.visible_items)})
    return found


def read_health_checks(user, followup):
    found = list(health_checks(user, followup))
    _journal(user, followup, "read", {Compartment.HEALTH})
    return found


def read_plans(user, followup):
    access.require(followup, Compartment.SOCIAL)
    found = list(followup.plans.all())
    _journal(user, followup, "read", {Compartment.SOCIAL})
    return found


def read_objectives(user, followup):
    found = list(objectives(user, followup))
    _journal(user, followup, "read", {o.compartment for o in found})  # none: identity only
    return found


def read_evaluations(user, followup):
    access.require(followup, Compartment.SOCIAL)
    found = evaluations(user, followup)
    _journal(user, followup, "read", {Compartment.SOCIAL, *(r.compartment for e in found for r in e.visible_results)})
    return found


def followup_view(user, followup):
    """What the follow-up's page shows, as the user may read it (sections absent when not readable), the
    whole page journaled as one read of what it shows."""
    comps = followup.compartments
    attach_alerts([followup])
    plan = current_plan(followup) if Compartment.SOCIAL in comps else None
    view = {
        "f": followup, "person": followup.person, "history": history(followup),
        "can_health": Compartment.HEALTH in comps, "can_social": Compartment.SOCIAL in comps,
        "next_states": allowed_next_states(followup),
        "assessments": assessments(user, followup)[:3],
        "plan": plan,
        "objectives": list(objectives(user, followup, plan)) if plan else [],
        "evaluations": evaluations(user, followup)[:3],
        "lightenable": followup.is_open and followup.state in LIGHTENABLE,
    }
    shown = {"identity", FOLLOWUP}
    shown |= {i.compartment for a in view["assessments"] for i in a.visible_items}
    shown |= {o.compartment for o in view["objectives"]}
    shown |= {r.compartment for e in view["evaluations"] for r in e.visible_results}
    if plan or view["evaluations"]:
        shown.add(Compartment.SOCIAL)
    if Compartment.HEALTH in comps:
        view["health_checks"] = list(health_checks(user, followup)[:5])
        if view["health_checks"]:
            shown.add(Compartment.HEALTH)
    _journal(user, followup, "read", shown)
    return view


def read_for_form(user, followup, shown=()):
    """A follow-up's form page shows the person's name and `shown` of an existing record: journaled."""
    _journal(user, followup, "read", {"identity", *shown})
    return followup


def history(followup):
    return followup.transitions.select_related("by").order_by("on", "pk")


# Assessments ----------------------------------------------------------------------------------

def record_assessment(user, followup, *, assessed_on, items):
    """items: {domain: (level, notes)}. Each item needs the compartment of its domain."""
    _require_open(followup)
    if not items:
        raise DomainError(_("Assess at least one domain."), field="items", code="items_required")
    _check_date(assessed_on, followup, "assessed_on")
    for domain, (level, _notes) in items.items():
        if domain not in Domain.values:
            raise DomainError(_("Unknown domain."), field="items", code="unknown_domain")
        if level not in Level.values:
            raise DomainError(_("Unknown level."), field=domain, code="unknown_level")
        access.require(followup, DOMAIN_COMPARTMENT[domain])
    with transaction.atomic():
        assessment = Assessment.objects.create(followup=followup, assessed_on=assessed_on, by=user)
        for domain, (level, notes) in items.items():
            AssessmentItem.objects.create(assessment=assessment, domain=domain, level=level,
                                          notes=(notes or "").strip())
    _journal(user, followup, "create", {DOMAIN_COMPARTMENT[d] for d in items})
    return assessment


def assessments(user, followup):
    """The follow-up's assessments, each with `.visible_items`: only the compartments the user holds."""
    result = list(followup.assessments.select_related("by"))
    items = AssessmentItem.objects.filter(assessment__in=result,
                                          compartment__in=list(followup.compartments))
    by_assessment = {}
    for item in items:
        by_assessment.setdefault(item.assessment_id, []).append(item)
    order = {d: i for i, d in enumerate(Domain.values)}
    for a in result:
        a.visible_items = sorted(by_assessment.get(a.pk, []), key=lambda i: order[i.domain])
    return result


VITAL_RANGES = {
    "weight_kg": (0.5, 400), "height_cm": (30, 250), "systolic_mmhg": (50, 300), "diastolic_mmhg": (20, 200),
    "heart_rate": (20, 250), "temperature_c": (30, 45), "spo2": (50, 100), "glycaemia_g_l": (0.1, 9.99),
}
HEALTH_CHECK_TEXTS = ("reasons", "chronic_illnesses", "treatments", "vaccinations", "orientation_proposed",
                      "notes")


def record_health_check(user, followup, *, done_on, **values):
    access.require(followup, Compartment.HEALTH)
    _require_open(followup)
    _check_date(done_on, followup, "done_on")
    for name, (lo, hi) in VITAL_RANGES.items():
        value = values.get(name)
        if value is not None and not (lo <= float(value) <= hi):
            raise DomainError(_("This value is out of the plausible range (%(lo)s–%(hi)s).") % {"lo": lo, "hi": hi},
                              field=name, code="out_of_range")
    if values.get("pregnancy_term") and values.get("pregnancy") != Pregnancy.YES:
        raise DomainError(_("An expected term is given only for a pregnancy."), field="pregnancy_term")
    for name in SCREENINGS:
        values.setdefault(name, "not_proposed")
    for name in HEALTH_CHECK_TEXTS:
        values[name] = (values.get(name) or "").strip()
    unknown = set(values) - {f.name for f in HealthCheck._meta.concrete_fields}
    if unknown:
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    check = HealthCheck.objects.create(followup=followup, done_on=done_on, by=user, **values)
    _journal(user, followup, "create", {Compartment.HEALTH})
    return check


def health_checks(user, followup):
    access.require(followup, Compartment.HEALTH)
    return followup.health_checks.select_related("by")


# Plan and objectives ----------------------------------------------------------------------------

def current_plan(followup):
    return followup.plans.order_by("-agreed_on", "-pk").first()


def record_plan(user, followup, *, agreed_on, review_due_on, person_took_part, person_words=""):
    access.require(followup, Compartment.SOCIAL)
    _require_open(followup)
    if followup.state != S.PLAN:
        raise DomainError(_("A plan is drawn up in the “personalised plan” step."), code="not_in_plan_state")
    _check_date(agreed_on, followup, "agreed_on")
    if review_due_on <= agreed_on:
        raise DomainError(_("The review comes after the plan is agreed."), field="review_due_on")
    plan = Plan.objects.create(followup=followup, agreed_on=agreed_on, review_due_on=review_due_on,
                               person_took_part=bool(person_took_part),
                               person_words=(person_words or "").strip(), by=user)
    _journal(user, followup, "create", {Compartment.SOCIAL})
    return plan


def update_plan(user, followup, plan, values, version):
    access.require(followup, Compartment.SOCIAL)
    _require_open(followup)
    for name, value in values.items():
        setattr(plan, name, value)
    if plan.review_due_on <= plan.agreed_on:
        raise DomainError(_("The review comes after the plan is agreed."), field="review_due_on")
    plan.save_versioned(version, update_fields=list(values))
    _journal(user, followup, "update", {Compartment.SOCIAL})
    return plan


def _check_objective(domain, title, due_on, status):
    if domain not in ObjectiveDomain.values:
        raise DomainError(_("Unknown domain."), field="domain")
    if not (title or "").strip():
        raise DomainError(_("Say what the objective is."), field="title", code="title_required")
    if status not in ObjectiveStatus.values:
        raise DomainError(_("Unknown status."), field="status")


def add_objective(user, followup, *, domain, title, due_on, actions="", status=ObjectiveStatus.PLANNED):
    _require_open(followup)
    _check_objective(domain, title, due_on, status)
    access.require(followup, objective_compartment(domain))
    plan = current_plan(followup)
    if plan is None:
        raise DomainError(_("Record the plan agreed with the person first."), code="plan_required")
    if due_on < plan.agreed_on:
        raise DomainError(_("The due date is before the plan was agreed."), field="due_on")
    objective = Objective.objects.create(followup=followup, plan=plan, domain=domain, title=title.strip(),
                                         actions=(actions or "").strip(), due_on=due_on, status=status, by=user)
    _journal(user, followup, "create", {objective.compartment})
    return objective


def objectives(user, followup, plan=None):
    qs = followup.objectives.filter(compartment__in=list(followup.compartments))
    if plan is not None:
        qs = qs.filter(plan=plan)
    return qs


def get_objective(user, followup, objective_id):
    objective = objectives(user, followup).filter(pk=objective_id).first()
    if objective is None:
        raise NotFound()
    return objective


def update_objective(user, followup, objective, values, version):
    _require_open(followup)
    access.require(followup, objective.compartment)
    if "domain" in values and objective_compartment(values["domain"]) != objective.compartment:
        # Moving an objective between compartments would disclose or hide it: record a new one.
        raise DomainError(_("An objective cannot move between health and social domains."), field="domain")
    merged = {k: getattr(objective, k) for k in ("domain", "title", "due_on", "status")} | values
    _check_objective(merged["domain"], merged["title"], merged["due_on"], merged["status"])
    for name, value in values.items():
        setattr(objective, name, value.strip() if isinstance(value, str) and name in ("title", "actions")
                else value)
    objective.save_versioned(version, update_fields=[*values, "updated_at"])
    _journal(user, followup, "update", {objective.compartment})
    return objective


# Evaluation -----------------------------------------------------------------------------------

RESULT_STATUS = {Result.REACHED: ObjectiveStatus.REACHED, Result.PARTLY_REACHED: ObjectiveStatus.PARTLY_REACHED,
                 Result.NOT_REACHED: ObjectiveStatus.NOT_REACHED}


@transaction.atomic
def record_evaluation(user, followup, *, evaluated_on, satisfaction, results, person_words=""):
    """results: {objective_id: result}; each needs the compartment of its objective."""
    access.require(followup, Compartment.SOCIAL)
    _require_open(followup)
    if followup.state != S.EVALUATION:
        raise DomainError(_("Results are recorded in the “evaluation” step."), code="not_in_evaluation_state")
    _check_date(evaluated_on, followup, "evaluated_on")
    if satisfaction not in Satisfaction.values:
        raise DomainError(_("Record the person's satisfaction, or that they did not say."),
                          field="satisfaction", code="satisfaction_required")
    found = {o.pk: o for o in Objective.objects.filter(followup=followup, pk__in=list(results))}
    for objective_id, result in results.items():
        objective = found.get(int(objective_id))
        if objective is None:
            raise DomainError(_("This objective is not part of this follow-up."), field="results",
                              code="unknown_objective")
        access.require(followup, objective.compartment)
        if result not in Result.values:
            raise DomainError(_("Unknown result."), field="results")
    evaluation = Evaluation.objects.create(followup=followup, evaluated_on=evaluated_on, satisfaction=satisfaction,
                                           person_words=(person_words or "").strip(), by=user)
    for objective_id, result in results.items():
        objective = found[int(objective_id)]
        EvaluationResult.objects.create(evaluation=evaluation, objective=objective,
                                        compartment=objective.compartment, result=result)
        Objective.objects.filter(pk=objective.pk).update(status=RESULT_STATUS[result], version=objective.version + 1,
                                                         updated_at=timezone.now())
    _journal(user, followup, "create",
             {Compartment.SOCIAL, *evaluation.results.values_list("compartment", flat=True)})
    return evaluation


def evaluations(user, followup):
    """Evaluations with `.visible_results`; empty when the user lacks the social compartment."""
    if Compartment.SOCIAL not in followup.compartments:
        return []
    result = list(followup.evaluations.select_related("by"))
    rows = EvaluationResult.objects.filter(evaluation__in=result,
                                           compartment__in=list(followup.compartments)).select_related("objective")
    by_evaluation = {}
    for row in rows:
        by_evaluation.setdefault(row.evaluation_id, []).append(row)
    for e in result:
        e.visible_results = by_evaluation.get(e.pk, [])
    return result


# Alerts -----------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Alert:
    code: str
    level: str  # "info", "warning" or "danger"
    message: str


def alerts_for(followup, rules, today, last_encounter=None, plan_review_due=None):
    """The alerts of one open follow-up, from its service's rules (a Service, or any object with
    usual_length_max_days, max_length_days and no_encounter_alert_days). Pure: no database.

    - length beyond the usual length (warning), near (info) or beyond (danger) the maximum length;
    - plan review overdue (warning);
    - no encounter for more than the service's delay, counted from the last encounter or, without
      one, from the opening (warning); doubled for a lightened follow-up.
    """
    if followup.closed_on is not None:
        return []
    alerts = []
    days = (today - followup.opened_on).days
    usual_max, maximum = rules.usual_length_max_days, rules.max_length_days
    if maximum is not None and days > maximum:
        alerts.append(Alert("beyond_max_length", "danger",
                            _("Beyond the maximum length (%(max)s days): %(days)s days.") % {
                                "max": maximum, "days": days}))
    else:
        if usual_max is not None and days > usual_max:
            alerts.append(Alert("beyond_usual_length", "warning",
                                _("Beyond the usual length (%(max)s days): %(days)s days.") % {
                                    "max": usual_max, "days": days}))
        if maximum is not None and days > maximum - MAX_LENGTH_WARNING_DAYS:
            alerts.append(Alert("max_length_soon", "info",
                                _("The maximum length (%(max)s days) is reached in %(left)s days.") % {
                                    "max": maximum, "left": maximum - days}))
    if plan_review_due is not None and plan_review_due < today and followup.state in (S.PLAN, S.MONITORING):
        alerts.append(Alert("plan_review_overdue", "warning",
                            _("Plan review overdue since %(date)s.") % {"date": plan_review_due.strftime("%d/%m/%Y")}))
    delay = rules.no_encounter_alert_days
    if delay:
        if followup.lightened_on is not None:
            delay *= LIGHTENED_DELAY_FACTOR
        since = max(d for d in (last_encounter, followup.opened_on) if d is not None)
        quiet = (today - since).days
        if quiet > delay:
            alerts.append(Alert("no_encounter", "warning",
                                _("No encounter for %(days)s days (alert after %(delay)s).") % {
                                    "days": quiet, "delay": delay}))
    return alerts


def last_encounter_subquery(followup="pk"):
    """The moment of the last encounter of the follow-up OuterRef(followup), as an annotation: per
    follow-up one backward probe (LIMIT 1) of the (followup, occurred_at) index, whatever the number
    of its encounters. Computed, not stored: nothing to keep in step when encounters are deleted.

    Encounters point at the follow-up they were recorded through; the follow-up reads them through
    that foreign key's reverse relation (`FollowUp.encounter_links`), so that this module does not
    import the encounters app, which sits above it (docs/architecture.md, "Layers")."""
    links = FollowUp.encounter_links.rel.related_model
    return Subquery(links.objects.filter(followup_id=OuterRef(followup)).order_by("-occurred_at")
                    .values("occurred_at")[:1])


def last_encounter_dates(followup_ids):
    """{followup_id: date of the last encounter of that follow-up} (absent when none), in one query.

    The follow-up is the one the encounter was recorded through, so only encounters of that person
    in that service since it opened count.
    """
    rows = (FollowUp.objects.filter(pk__in=list(followup_ids)).order_by()
            .annotate(last=last_encounter_subquery()).values_list("pk", "last"))
    return {pk: timezone.localtime(last).date() for pk, last in rows if last is not None}


def last_encounter_on(followups):
    """{followup_id: date of the last encounter} of these follow-ups; one without encounter is absent."""
    ids = [f.pk for f in followups]
    return last_encounter_dates(ids) if ids else {}


def plan_review_due_annotation():
    """Annotate follow-ups with the review date of their current plan (one correlated subquery)."""
    return Subquery(Plan.objects.filter(followup=OuterRef("pk")).order_by("-agreed_on", "-pk")
                    .values("review_due_on")[:1])


def last_encounter_annotation():
    """Annotate follow-ups with the moment of their last encounter (`last_encounter_at`): one indexed
    probe per follow-up, in the query that lists them."""
    return last_encounter_subquery()


def attach_alerts(followups, today=None):
    """Set `.alerts` and `.last_encounter` on each follow-up of a page (services already selected).
    Follow-ups should be annotated with `plan_review_due` (plan_review_due_annotation) and
    `last_encounter_at` (last_encounter_annotation); otherwise these are read here."""
    today = today or timezone.localdate()
    followups = list(followups)
    annotated = all(hasattr(f, "last_encounter_at") for f in followups)
    last = {} if annotated else last_encounter_on(followups)
    load_rule_changes([f.service for f in followups])
    for f in followups:
        due = f.plan_review_due if hasattr(f, "plan_review_due") else (
            getattr(current_plan(f), "review_due_on", None))
        if annotated:
            f.last_encounter = timezone.localtime(f.last_encounter_at).date() if f.last_encounter_at else None
        else:
            f.last_encounter = last.get(f.pk)
        f.alerts = alerts_for(f, alert_rules(f, today), today, f.last_encounter, due)
    return followups


def alert_rules(followup, today):
    """The rules a follow-up's alerts read: the lengths in force at its admission (a stay admitted for up to
    60 days keeps that length when the rule changes later), the no-encounter delay in force today."""
    service = followup.service
    return SimpleNamespace(
        usual_length_max_days=service.rule_on("usual_length_max_days", followup.opened_on),
        max_length_days=service.rule_on("max_length_days", followup.opened_on),
        no_encounter_alert_days=service.rule_on("no_encounter_alert_days", today))


# A new person, followed at once -------------------------------------------------------------------

@transaction.atomic
def create_person(user, values, service_id=None):
    """Create a person and open a follow-up in one of the user's services, so that the team sees them."""
    person, service_id = new_person(user, values, service_id)
    FollowUp.objects.create(person=person, service_id=service_id, opened_on=timezone.localdate())
    access.forget(user)
    person.compartments = access.compartments_on(user, person)
    record(user, person, "create", fields_compartments(values))
    return person


# Caseload ---------------------------------------------------------------------------------------

class Caseload:
    """The caseload of persons, one row per person, shown a page at a time: the page and the total in one
    query (core.pages.page_of), then one more for the page's follow-ups (services, plan review dates, last
    encounters), which get their alerts."""

    def __init__(self, user, queryset, today=None):
        self.user = user
        self.queryset = queryset
        self.today = today

    def page(self, number, per_page):
        """The Django Page `number` (as Paginator.get_page takes it), journaled as listed."""
        return page_of(self.queryset, number, per_page, prepare=self.prepare)

    def prepare(self, persons):
        """The rows of a page as shown: with their follow-ups and alerts, journaled as listed."""
        page = attach_caseload_followups(self.user, persons, self.today)
        record(self.user, page, "list")
        return page


@dataclasses.dataclass(frozen=True)
class CaseloadFilter:
    """Filters of « Ma file active » (issue #13), kept in the URL by the screen: the follow-ups of which I am
    the referent, one of my services, one step, only those with an alert."""
    mine: bool = False
    service_id: int | None = None
    state: str = ""
    in_alert: bool = False


def caseload(user, today=None, filters=None):
    """My active caseload (file active): the persons with an open follow-up in my services, each once,
    with those follow-ups (`.caseload_followups`) and their alerts (`.alerts`)."""
    return Caseload(user, caseload_persons(user, filters, today), today)


def caseload_persons(user, filters=None, today=None):
    """The persons of my active caseload (file active): an open follow-up in one of my services.
    One row per person, however many of my services follow them (D15). With `filters`, a person is kept
    when one of those follow-ups matches them all (an alert is worked out as on the screen, so the alert
    filter reads the open follow-ups left by the other filters once)."""
    services = access.service_ids(user)
    if not services:
        return Person.objects.none()
    followups = FollowUp.objects.open().filter(service_id__in=services)
    if filters is not None:
        if filters.service_id is not None:
            followups = followups.filter(service_id=filters.service_id)
        if filters.mine:
            followups = followups.filter(referent=user)
        if filters.state:
            followups = followups.filter(state=filters.state)
        if filters.in_alert:
            rows = attach_alerts(followups.select_related("service").annotate(
                plan_review_due=plan_review_due_annotation(), last_encounter_at=last_encounter_annotation()), today)
            followups = FollowUp.objects.filter(pk__in=[f.pk for f in rows if f.alerts])
    return Person.objects.filter(pk__in=followups.values("person_id")).order_by(
        "last_name", "first_name", "alias", "pk")


def attach_caseload_followups(user, persons, today=None):
    """Set on each person of a page `.caseload_followups` (their open follow-ups in my services, with
    service, referent, `.alerts` and `.last_encounter`) and `.alerts` (all of them): one query."""
    persons = list(persons)
    if not persons:
        return persons
    rows = (FollowUp.objects.open()
            .filter(service_id__in=access.service_ids(user), person_id__in=[p.pk for p in persons])
            .select_related("service", "referent")
            .annotate(plan_review_due=plan_review_due_annotation(), last_encounter_at=last_encounter_annotation())
            .order_by("service__name", "pk"))
    by_person = {}
    for f in attach_alerts(rows, today):
        by_person.setdefault(f.person_id, []).append(f)
    for p in persons:
        p.caseload_followups = by_person.get(p.pk, [])
        for f in p.caseload_followups:
            f.person = p
        p.alerts = [a for f in p.caseload_followups for a in f.alerts]
    return persons


def attach_following_services(user, persons):
    """Set `.following` on each person: the names of my services that follow them (open follow-ups), to
    tell namesakes apart in search results (issue #13). One query."""
    persons = list(persons)
    rows = (FollowUp.objects.open().filter(person__in=persons, service_id__in=access.service_ids(user))
            .order_by("service__name").values_list("person_id", "service__name", "opened_on"))
    by_person = {}
    for person_id, name, opened_on in rows:
        by_person.setdefault(person_id, []).append((name, opened_on))
    for p in persons:
        p.following = by_person.get(p.pk, [])
    return persons
