from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aupres.core import access
from aupres.core.errors import DomainError
from aupres.core.forms import add_domain_error
from aupres.services import services
from aupres.services.forms import MembershipForm, OperatorForm, ServiceForm
from aupres.services.models import Membership


def fn(*args):
    return fn(*args)


def home(request):
    managed = services.manageable_operators(request.user).prefetch_related("services__kind")
    mine = services.visible_services(request.user).filter(pk__in=access.service_ids(request.user))
    return render(request, "services/home.html", {"operators": managed, "my_services": mine})


def service_detail(request, service_id):
    service = services.visible_services(request.user).filter(pk=service_id).first()
    if service is None:
        raise Http404
    can_manage = service.operator_id in services.team_operator_ids(request.user)
    team = service.memberships.select_related("user") if can_manage else None
    history = list(services.rule_history(service)[:50]) if can_manage else None
    team_plan = services.team_by_profession([service.pk])[service.pk]
    if not any(row["planned"] for row in team_plan):
        team_plan = []  # no planned team (never funded by a call): nothing to compare
    return render(request, "services/service_detail.html",
                  {"service": service, "can_manage": can_manage, "team": team, "rule_history": history,
                   "team_plan": team_plan,
                   "is_member": service.pk in access.service_ids(request.user),
                   "can_define_fields": (request.user.is_superuser
                                         or access.is_head_of_service(request.user, service.pk))})


def _edit(request, form, save, success_url, title, back):
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(success_url())
    return render(request, "services/form.html", {"form": form, "title": title, "back": back})


@require_http_methods(["GET", "POST"])
def operator_edit(request, operator_id):
    operator = services.get_manageable_operator(request.user, operator_id)
    form = OperatorForm(request.POST or None, instance=operator)
    return _edit(
        request, form,
        lambda f: services.update_operator(
            request.user, operator,
            {k: v for k, v in f.cleaned_data.items() if k in f.changed_data and k != "version"},
            f.cleaned_data["version"] or 0),
        lambda: "services:home", _("Operator: %(name)s") % {"name": operator.name}, "services:home",
    )


@require_http_methods(["GET", "POST"])
def service_create(request, operator_id):
    operator = services.get_manageable_operator(request.user, operator_id)
    form = ServiceForm(request.POST or None, creating=True)
    created = {}

    def save(f):
        created["service"] = services.create_service(
            request.user, operator, f.cleaned_data["kind"], f.values(), f.cleaned_data["territories"])

    response = _edit(request, form, save, lambda: "services:home",
                     _("New service for %(name)s") % {"name": operator.name}, "services:home")
    if "service" in created:
        return redirect("services:service_edit", service_id=created["service"].pk)
    return response


@require_http_methods(["GET", "POST"])
def service_edit(request, service_id):
    service = services.get_manageable_service(request.user, service_id)
    form = ServiceForm(request.POST or None, instance=service)
    return _edit(
        request, form,
        lambda f: services.update_service(request.user, service, f.values(), f.cleaned_data["version"] or 0,
                                          f.cleaned_data["territories"],
                                          effective_from=f.cleaned_data.get("effective_from"),
                                          correction_note=f.cleaned_data.get("correction_note", "")),
        lambda: f"/configuration/dispositifs/{service.pk}/", _("Service: %(name)s") % {"name": service.name},
        "services:home",
    )


@require_http_methods(["GET", "POST"])
def membership_add(request, service_id):
    service = services.get_team_service(request.user, service_id)
    form = MembershipForm(request.POST or None)
    return _edit(
        request, form,
        lambda f: services.add_membership(request.user, service, f.cleaned_data["user"], f.values(),
                                          f.identifiers(), base_url=request.build_absolute_uri("/")),
        lambda: f"/configuration/dispositifs/{service.pk}/",
        _("Add a team member to %(name)s") % {"name": service.name}, "services:home",
    )


@require_http_methods(["GET", "POST"])
def membership_edit(request, membership_id):
    membership = Membership.objects.select_related("service").filter(pk=membership_id).first()
    if membership is None:
        raise Http404
    service = services.get_team_service(request.user, membership.service_id)
    form = MembershipForm(request.POST or None, instance=membership)
    return _edit(
        request, form,
        lambda f: services.update_membership(
            request.user, membership, {k: v for k, v in f.values().items() if k in f.changed_data},
            f.cleaned_data["version"] or 0, base_url=request.build_absolute_uri("/")),
        lambda: f"/configuration/dispositifs/{service.pk}/",
        _("Team member: %(name)s") % {"name": membership.user}, "services:home",
    )
