"""Screens: record and withdraw a consent to sharing, open a record in an emergency, the heads' notifications."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aupres.core import access
from aupres.core.errors import Conflict, DomainError, Forbidden
from aupres.core.forms import add_domain_error
from aupres.persons import services as person_services
from aupres.services.models import Service
from aupres.sharing import services
from aupres.sharing.forms import ConsentForm, EmergencyForm, WithdrawForm


@require_http_methods(["GET", "POST"])
def consent_add(request, person_id):
    # The form page shows the person's name (journaled by the service); the saving service journals the rest.
    person = (person_services.read_identity if request.method == "GET" else access.get_visible_person)(
        request.user, person_id)
    allowed = services.recording_services(request.user, person)
    if not allowed:
        raise Forbidden(_("Only the team following this person records a consent."))
    from_services = Service.objects.filter(pk__in=allowed).order_by("name")
    form = ConsentForm(request.POST or None, services=Service.objects.filter(is_active=True).order_by("name"),
                       from_services=from_services)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_consent(
                request.user, person, scope=data["scope"], given_on=data["given_on"], given_how=data["given_how"],
                from_service_id=data["from_service"].pk if data.get("from_service") else None,
                to_service_id=data["to_service"].pk if data.get("to_service") else None,
                to_organisation=data["to_organisation"], note=data["note"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The consent is recorded."))
            return redirect("persons:detail", person.pk)
    return render(request, "sharing/consent_form.html", {"form": form, "person": person})


@require_http_methods(["GET", "POST"])
def consent_withdraw(request, consent_id):
    consent = services.get_consent(request.user, consent_id)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_consent(request.user, consent.pk, form.cleaned_data["note"])
        except Conflict as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The consent is withdrawn: the other service no longer sees what it shared."))
            return redirect("persons:detail", consent.person_id)
    return render(request, "sharing/withdraw_confirm.html", {"form": form, "consent": consent})


@require_http_methods(["GET", "POST"])
def emergency(request):
    health_services = Service.objects.filter(pk__in=services.emergency_services(request.user)).order_by("name")
    if not health_services:
        raise Forbidden(_("Only a health professional may open a record in an emergency."))
    form = EmergencyForm(request.POST or None, services=health_services)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            opened = services.open_emergency_access(
                request.user, reason=data["reason"], person_id=data["person"], first_name=data["first_name"],
                last_name=data["last_name"], birth_year=data["birth_year"],
                service_id=data["service"].pk if data.get("service") else None,
                base_url=request.build_absolute_uri("/"))
        except Conflict as error:
            if error.code == "already_following":
                return redirect("persons:detail", error.details["person_id"])
            add_domain_error(form, error)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("persons:detail", opened.person_id)
    return render(request, "sharing/emergency.html", {
        "form": form, "opened": services.my_emergency_accesses(request.user)[:20],
    })


def notifications(request):
    is_head = access.is_head_of_service(request.user)
    items = services.named_notifications(request.user) if is_head else []
    opened = list(services.my_emergency_accesses(request.user)[:50])
    return render(request, "sharing/notifications.html", {"items": items, "opened": opened, "is_head": is_head})


@require_POST
def notifications_read(request):
    if not access.is_head_of_service(request.user):
        raise Forbidden(_("Only a head of service reads the emergency access notifications."))
    services.mark_read(request.user)
    return redirect("sharing:notifications")
