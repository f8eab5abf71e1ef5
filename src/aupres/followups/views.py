"""Screens of the follow-up cycle, mobile first. Every rule is in services.py."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aupres.core.errors import DomainError, Forbidden
from aupres.core.forms import add_domain_error
from aupres.core.models import Compartment
from aupres.customfields import services as custom_services
from aupres.followups import services
from aupres.followups.forms import (
    AssessmentForm,
    EvaluationForm,
    ExitForm,
    HealthCheckForm,
    ObjectiveForm,
    PlanForm,
    TransitionForm,
)
from aupres.followups.models import FollowUp, ObjectiveDomain, objective_compartment

# The follow-up itself (state, dates, steps) is administrative information (FollowUp.compartment).
FOLLOWUP = FollowUp.compartment


def _followup(request, followup_id, compartment=None):
    followup = services.get_followup(request.user, followup_id)
    if compartment is not None and compartment not in followup.compartments:
        raise Http404
    return followup


def _detail(request, f, transition_form=None, exit_form=None, evaluation_form=None, status=200):
    comps = f.compartments
    context = services.followup_view(request.user, f)  # journals what the page shows
    plan, next_states = context["plan"], context["next_states"]
    context["custom_values"] = custom_services.read_followup_values(request.user, f, journal_empty=False)
    context["custom_editable"] = bool(custom_services.followup_fields(request.user, f))
    if f.is_open:
        context["transition_form"] = transition_form or TransitionForm(
            initial={"version": f.version}, next_states=next_states)
        context["exit_form"] = exit_form or ExitForm(initial={"version": f.version}, prefix="exit")
        if f.state == "evaluation" and Compartment.SOCIAL in comps:
            context["evaluation_form"] = evaluation_form or EvaluationForm(
                objectives=services.objectives(request.user, f, plan) if plan else [])
    return render(request, "followups/detail.html", context, status=status)


def detail(request, followup_id):
    return _detail(request, _followup(request, followup_id))


@require_POST
def transition(request, followup_id):
    f = _followup(request, followup_id)
    is_exit = request.POST.get("exit") == "1"
    form = (ExitForm(request.POST, prefix="exit") if is_exit
            else TransitionForm(request.POST, next_states=services.allowed_next_states(f)))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.transition(
                request.user, f, "exit" if is_exit else data["to_state"], data["version"], on=data["on"],
                note=data["note"], exit_reason=data.get("exit_reason", ""),
                exit_destination=data.get("exit_destination", ""))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The follow-up is now at the step: %(state)s.") % {
                "state": f.get_state_display()})
            return redirect("followups:detail", followup_id=f.pk)
    f.refresh_from_db()
    services.with_compartments(request.user, f)
    return _detail(request, f, **{"exit_form" if is_exit else "transition_form": form}, status=400)


@require_POST
def lighten(request, followup_id):
    f = _followup(request, followup_id)
    try:
        services.lighten(request.user, f, int(request.POST.get("version") or 0),
                         lightened=request.POST.get("lightened") == "1")
    except (DomainError, ValueError) as error:
        messages.error(request, getattr(error, "message", _("Invalid request.")))
    else:
        messages.success(request, _("Changes saved."))
    return redirect("followups:detail", followup_id=f.pk)


def _form_page(request, f, form, save, title, template="followups/form.html", extra=None, shown=()):
    """`save` records (the service journals the change); `shown`: what the page shows of an existing
    record (besides the person's name), journaled when the page is shown."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("followups:detail", followup_id=f.pk)
    services.read_for_form(request.user, f, shown)
    return render(request, template, {"form": form, "f": f, "title": title, **(extra or {})},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def assessment_add(request, followup_id):
    f = _followup(request, followup_id)
    form = AssessmentForm(request.POST or None, compartments=f.compartments)

    def save(form):
        items = form.items()
        services.record_assessment(request.user, f, assessed_on=form.cleaned_data["assessed_on"], items=items)

    return _form_page(request, f, form, save, _("New assessment"), template="followups/assessment_form.html")


@require_http_methods(["GET", "POST"])
def health_check_add(request, followup_id):
    f = _followup(request, followup_id, Compartment.HEALTH)
    form = HealthCheckForm(request.POST or None)

    def save(form):
        values = dict(form.cleaned_data)
        services.record_health_check(request.user, f, **values)

    return _form_page(request, f, form, save, _("Health check"))


@require_http_methods(["GET", "POST"])
def plan_add(request, followup_id):
    f = _followup(request, followup_id, Compartment.SOCIAL)
    form = PlanForm(request.POST or None)

    def save(form):
        services.record_plan(request.user, f, **form.cleaned_data)

    return _form_page(request, f, form, save, _("Personalised plan"))


def _objective_domains(f):
    return [d for d in ObjectiveDomain.values if objective_compartment(d) in f.compartments]


@require_http_methods(["GET", "POST"])
def objective_add(request, followup_id):
    f = _followup(request, followup_id, Compartment.SOCIAL)
    form = ObjectiveForm(request.POST or None, domains=_objective_domains(f))

    def save(form):
        values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        services.add_objective(request.user, f, **values)

    return _form_page(request, f, form, save, _("New objective"))


@require_http_methods(["GET", "POST"])
def objective_edit(request, followup_id, objective_id):
    f = _followup(request, followup_id)
    objective = services.get_objective(request.user, f, objective_id)
    form = ObjectiveForm(request.POST or None, instance=objective)

    def save(form):
        values = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data and k != "version"}
        services.update_objective(request.user, f, objective, values, form.cleaned_data["version"] or 0)

    return _form_page(request, f, form, save, _("Objective"), shown={objective.compartment})


@require_POST
def evaluation_add(request, followup_id):
    f = _followup(request, followup_id, Compartment.SOCIAL)
    plan = services.current_plan(f)
    form = EvaluationForm(request.POST, objectives=services.objectives(request.user, f, plan) if plan else [])
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_evaluation(
                request.user, f, evaluated_on=data["evaluated_on"], satisfaction=data["satisfaction"],
                person_words=data["person_words"], results=form.results())
        except (DomainError, Forbidden) as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Evaluation recorded."))
            return redirect("followups:detail", followup_id=f.pk)
    return _detail(request, f, evaluation_form=form, status=400)
