"""Screens of the team's own fields: the head of service's configuration, the follow-up's values, and the
indicator by a choice field. Every rule is in services.py."""

import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aupres.core.errors import DomainError
from aupres.core.forms import add_domain_error
from aupres.customfields import services
from aupres.customfields.forms import CustomValuesForm, DefinitionForm, custom_data
from aupres.followups import services as followup_services
from aupres.indicators.engine import Period


def definitions(request, service_id):
    service, fields = services.definitions(request.user, service_id)
    return render(request, "customfields/definitions.html", {"service": service, "fields": fields})


def _definition_form(request, form, save, service, title):
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except DomainError as error:
            add_domain_error(form, error if error.field != "options" else
                             DomainError(error.message, field="options_text"))
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customfields:definitions", service_id=service.pk)
    return render(request, "customfields/definition_form.html", {"form": form, "service": service,
                                                                 "title": title})


@require_http_methods(["GET", "POST"])
def definition_add(request, service_id):
    service = services.configurable_service(request.user, service_id)
    form = DefinitionForm(request.POST or None)
    return _definition_form(request, form, lambda f: services.create_definition(request.user, service.pk, f.values()),
                            service, _("New field for %(name)s") % {"name": service.name})


@require_http_methods(["GET", "POST"])
def definition_edit(request, field_id):
    definition = services.get_definition(request.user, field_id)
    form = DefinitionForm(request.POST or None, instance=definition)
    return _definition_form(
        request, form,
        lambda f: services.update_definition(request.user, definition, f.values(), f.cleaned_data["version"] or 0),
        definition.service, _("Field: %(label)s") % {"label": definition.label})


@require_http_methods(["GET", "POST"])
def followup_values(request, followup_id):
    followup = followup_services.get_followup(request.user, followup_id)
    fields = services.followup_fields(request.user, followup)
    current = (services.read_followup_values if request.method == "GET" else services.followup_values)(
        request.user, followup)
    form = CustomValuesForm(request.POST or None, definitions=fields, values=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_followup_values(request.user, followup, custom_data(form))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("followups:detail", followup_id=followup.pk)
    return render(request, "customfields/followup_form.html", {"form": form, "f": followup,
                                                               "title": _("The team's own fields")})


def indicator(request, field_id):
    today = timezone.localdate()
    year = request.GET.get("annee", "")
    if year.isdigit() and 1900 < int(year) < today.year:
        period = Period.year(int(year))
    else:
        year = str(today.year)
        period = Period(datetime.date(today.year, 1, 1), today)
    table = services.followups_by_field(request.user, field_id, period)
    years = [str(y) for y in range(today.year, today.year - 5, -1)]
    return render(request, "customfields/indicator.html", {**table, "year": year, "years": years})
