"""Screens of the quality approach of a service (issue #18, D50), reached from the head of service's home."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aupres.core.errors import DomainError, Forbidden
from aupres.core.forms import add_domain_error
from aupres.quality import services
from aupres.quality.forms import (
    ActionEditForm,
    ActionForm,
    AssessForm,
    AxisForm,
    CriterionForm,
    EventFollowForm,
    EventForm,
    MeetingForm,
    WordingForm,
)


def _this_year():
    return timezone.localdate().year


def index(request):
    user = request.user
    services.require_reader(user)
    counts, soon = services.overdue_counts(user), services.due_soon_counts(user)
    kept = [{"service": s, "overdue": counts.get(s.pk, 0), "due_soon": soon.get(s.pk, 0),
             "axes": services.axes_progress(s, _this_year())} for s in services.kept_services(user)]
    return render(request, "quality/index.html", {
        "kept": kept, "funded": services.summary_services(user), "year": _this_year(),
        "years": list(range(_this_year(), services.FIRST_YEAR - 1, -1))})


def referential(request):
    return render(request, "quality/referential.html", {
        "themes": services.themes(), "axes": services.axes(),
        "admin": services.is_administrator(request.user),
        "operators": services.administered_operators(request.user)})


def operator_referential(request, operator_id):
    """The referential in an operator's own wording, and its axes, for its administrators (D58)."""
    operator = services.administered_operator(request.user, operator_id)
    return render(request, "quality/operator_referential.html", {
        "operator": operator, "themes": services.worded_themes(operator.pk),
        "axes": services.axes(operator), "superuser": services.is_administrator(request.user)})


@require_http_methods(["GET", "POST"])
def wording_edit(request, operator_id, criterion_id):
    operator = services.administered_operator(request.user, operator_id)
    criterion = services.get_criterion(criterion_id)
    wording = services.wordings(operator.pk).get(criterion.pk)
    form = WordingForm(request.POST or None, initial={
        "title": wording.title if wording else criterion.title, "version": wording.version if wording else 0})
    if form.is_bound and form.is_valid():
        try:
            services.word_criterion(request.user, operator.pk, criterion.pk, form.cleaned_data["title"],
                                    form.cleaned_data["version"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Criterion saved."))
            return redirect("quality:operator_referential", operator_id=operator.pk)
    return render(request, "quality/wording_edit.html", {"operator": operator, "criterion": criterion,
                                                         "wording": wording, "form": form})


@require_http_methods(["GET", "POST"])
def criterion_edit(request, criterion_id):
    if not services.is_administrator(request.user):
        raise Forbidden(_("Only an operator administrator edits the referential."))
    criterion = services.get_criterion(criterion_id)
    form = CriterionForm(request.POST or None, initial={"title": criterion.title, "version": criterion.version})
    if form.is_bound and form.is_valid():
        try:
            services.edit_criterion(request.user, criterion.pk, form.cleaned_data["title"],
                                    form.cleaned_data["version"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Criterion saved."))
            return redirect("quality:referential")
    return render(request, "quality/criterion_edit.html", {"criterion": criterion, "form": form})


@require_http_methods(["GET", "POST"])
def axis_edit(request, axis_id):
    axis = services.get_axis(axis_id)
    if not services.may_edit_axis(request.user, axis):
        raise Forbidden(_("Only an operator administrator edits the referential."))
    form = AxisForm(request.POST or None, initial={
        "title": axis.title, "version": axis.version, "criteria": [c.code for c in axis.criteria.all()]})
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            services.edit_axis(request.user, axis.pk, d["title"], [c.code for c in d["criteria"]], d["version"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Axis saved."))
            if axis.operator_id and not services.is_administrator(request.user):
                return redirect("quality:operator_referential", operator_id=axis.operator_id)
            return redirect("quality:referential")
    return render(request, "quality/axis_edit.html", {"axis": axis, "form": form})


def assessment(request, service_id, year):
    service = services.kept_service(request.user, service_id)
    year = services.check_year(year)
    return render(request, "quality/assessment.html", {
        "service": service, "year": year, "grid": services.assessment_grid(service, year),
        "summary": services.summary(service, year), "axes": services.axes_progress(service, year),
        "admin": services.is_administrator(request.user)})


@require_http_methods(["GET", "POST"])
def assess(request, service_id, year, criterion_id):
    service = services.kept_service(request.user, service_id)
    year = services.check_year(year)
    criterion = services.get_criterion(criterion_id)
    row = services.assessments(service, year).get(criterion.pk)
    initial = {"level": row.level, "evidence": row.evidence, "comment": row.comment, "version": row.version} \
        if row else {}
    form = AssessForm(request.POST or None, initial=initial)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            services.assess(request.user, service, year, criterion.pk, level=d["level"], evidence=d["evidence"],
                            comment=d["comment"], version=d.get("version"))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Self-assessment saved."))
            return redirect("quality:assessment", service_id=service.pk, year=year)
    figure = services.figures(service, year).get(criterion.figure)
    return render(request, "quality/assess.html", {"service": service, "year": year, "criterion": criterion,
                                                   "text": services.criterion_text(criterion, service.operator_id),
                                                   "form": form, "figure": figure})


def summary(request, service_id, year):
    service = services.summary_service(request.user, service_id)
    year = services.check_year(year)
    return render(request, "quality/summary.html", {
        "service": service, "year": year, "summary": services.summary(service, year),
        "keeper": services.may_keep(request.user, service.pk)})


@require_http_methods(["GET", "POST"])
def plan(request, service_id):
    service = services.kept_service(request.user, service_id)
    form = ActionForm(request.POST or None, initial={"year": _this_year()})
    if form.is_bound and form.is_valid():
        try:
            services.add_action(request.user, service, form.values())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Action added to the improvement plan."))
            return redirect("quality:plan", service_id=service.pk)
    overdue = set(services.overdue([service]).values_list("pk", flat=True))
    actions = list(services.actions(service))
    for action in actions:
        action.due_in_days = services.due_in_days(action)
    return render(request, "quality/plan.html", {"service": service, "actions": actions,
                                                 "overdue": overdue, "form": form})


@require_http_methods(["GET", "POST"])
def action(request, quality_action_id):
    item = services.get_action(request.user, quality_action_id)
    form = ActionEditForm(request.POST or None, initial={
        "title": item.title, "owner": item.owner, "due_on": item.due_on, "criterion": item.criterion_id,
        "year": item.year, "status": item.status, "done_on": item.done_on, "version": item.version})
    if form.is_bound and form.is_valid():
        try:
            services.update_action(request.user, item.pk, form.values(), form.cleaned_data["version"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Action saved."))
            return redirect("quality:plan", service_id=item.service_id)
    return render(request, "quality/action.html", {"item": item, "service": item.service, "form": form})


@require_http_methods(["GET", "POST"])
def events(request, service_id):
    service = services.kept_service(request.user, service_id)
    form = EventForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            event = services.declare_event(request.user, service, form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Event recorded."))
            return redirect("quality:event", event_id=event.pk)
    return render(request, "quality/events.html", {"service": service, "events": services.events(service),
                                                   "form": form})


@require_http_methods(["GET", "POST"])
def event(request, event_id):
    item = services.get_event(request.user, event_id)
    form = EventFollowForm(request.POST or None, initial={
        "informed": item.informed, "measures": item.measures, "status": item.status, "declared_on": item.declared_on,
        "closed_on": item.closed_on, "closing_note": item.closing_note, "version": item.version})
    if form.is_bound and form.is_valid():
        d = dict(form.cleaned_data)
        version = d.pop("version")
        try:
            services.update_event(request.user, item.pk, d, version)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Event saved."))
            return redirect("quality:event", event_id=item.pk)
    return render(request, "quality/event.html", {"item": item, "service": item.service, "form": form,
                                                  "closed": item.status == "closed"})


def declaration(request, event_id):
    item, pdf = services.declaration_pdf(request.user, event_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="declaration-EI-{item.pk}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
def participation(request, service_id, year):
    service = services.kept_service(request.user, service_id)
    year = services.check_year(year)
    form = MeetingForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            services.add_meeting(request.user, service, form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Meeting recorded."))
            return redirect("quality:participation", service_id=service.pk, year=year)
    return render(request, "quality/participation.html", {
        "service": service, "year": year, "p": services.participation(service, year), "form": form})
