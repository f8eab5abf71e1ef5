"""Screens: the access journal (heads of service) and the GDPR export of a person as PDF."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from aupres.audit import export as gdpr_export
from aupres.audit import services
from aupres.audit.models import Action, Channel, compartment_choices
from aupres.core.forms import id_param
from aupres.persons import services as person_services
from aupres.services.models import Profession, Service


@require_http_methods(["GET", "POST"])
def journal(request):
    # POST: a search by name (names stay out of URLs); the results link to the journal of one person.
    named = _persons_named(request.user, request.POST.get("nom")) if request.method == "POST" else None
    filters = {
        "person_id": id_param(request.GET.get("personne"), 18),
        "user_id": id_param(request.GET.get("compte"), 18),
        "action": request.GET.get("action") if request.GET.get("action") in Action.values else None,
        "compartment": request.GET.get("compartiment")
        if request.GET.get("compartiment") in compartment_choices() else None,
    }
    events = services.journal(request.user, **filters)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    names = services.person_names(request.user, [pid for e in page for pid in e.person_id_list])
    for event in page:
        event.person_name = names.get(event.person_id)
        event.persons_named = [(pid, names.get(pid)) for pid in event.person_id_list]
    team_changes = _team_changes(request.user)
    return render(request, "audit/journal.html", {
        "page": page, "filters": filters, "actions": Action.choices, "team_changes": team_changes,
        "compartments": list(compartment_choices().items()), "named": named,
        "name_searched": request.POST.get("nom", "")[:100] if named is not None else "",
    })


def _persons_named(user, text, limit=20):
    """The persons whose name or alias contains these words, among those the head of service sees, to
    filter the journal by one of them. The name comes in a POST body and the journal is then filtered by
    the person's number: a name never goes into a URL. The search is journaled as a list, as every search."""
    services.journal(user)  # the journal's own refusal, for anyone but a head of service
    text = (text or "").strip()[:100]
    return person_services.search_persons(user, text, limit=limit) if text else []


def _team_changes(user, limit=50):
    events = list(services.membership_journal(user).select_related("user", "member")[:limit])
    names = dict(Service.objects.filter(pk__in={e.service_id for e in events}).values_list("pk", "name"))
    labels = dict(Profession.choices)
    for event in events:
        event.service_name = names.get(event.service_id, f"#{event.service_id}")
        event.change_list = [(field, labels.get(old, old) if field == "profession" else old,
                              labels.get(new, new) if field == "profession" else new)
                             for field, old, new in event.changes()]
    return events


def person_export_pdf(request, person_id):
    person = services.exportable_person(request.user, person_id)
    scope = gdpr_export.Scope(request.user, person)
    data = gdpr_export.collect(person, scope)
    pdf = gdpr_export.render_pdf(request, person, data)
    services.record(request.user, person, Action.EXPORT, scope.compartments(), Channel.EXPORT,
                    services.route_of(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="aupres-personne-{person.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
