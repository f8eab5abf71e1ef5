"""Screens about persons. Searches are POSTed: names never travel in URLs (and so in logs)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aupres.audit.services import record, route_of
from aupres.core import access
from aupres.core.errors import DomainError
from aupres.core.forms import add_domain_error
from aupres.core.models import Compartment
from aupres.followups import services as followup_services
from aupres.persons import services
from aupres.persons.forms import (
    HouseholdForm,
    LivingSituationForm,
    MedicalProfileForm,
    NoteForm,
    PersonForm,
    RightForm,
)
from aupres.persons.models import HouseholdRole
from aupres.services.models import Service


def _audit(request, persons, action, compartments=()):
    record(request.user, persons, action, compartments, "screen", route_of(request))



def caseload(request):
    rows = followup_services.caseload(request.user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    _audit(request, list(page), "list")
    return render(request, "persons/caseload.html", {
        "page": page, "total": page.paginator.count,
        "no_team": not access.service_ids(request.user),
    })


@require_http_methods(["GET", "POST"])
def search(request):
    text = request.POST.get("q", "")[:100]
    results = []
    if text.strip():
        results = list(access.visible_persons(request.user).search(text)[:30])
        _audit(request, results, "list")
    template = "persons/_search_results.html" if request.htmx else "persons/search.html"
    return render(request, template, {"results": results, "q": text, "searched": bool(text.strip()),
                                      "pick": request.POST.get("pick") == "1"})


@require_POST
def household_member_row(request):
    """One member row for the household form, added by htmx when a person is picked."""
    person_id = request.POST.get("person", "")
    person = access.visible_persons(request.user, compartment=Compartment.SOCIAL).filter(
        pk=int(person_id) if person_id.isdigit() else 0).first()
    if person is None:
        raise Http404
    _audit(request, person, "list")
    return render(request, "persons/_member_row.html", {"p": person, "roles": HouseholdRole.choices})


def person_detail(request, person_id):
    person = access.get_visible_person(request.user, person_id)
    comps = person.compartments
    writes = getattr(person, "writable_compartments", comps)
    context = {
        "person": person,
        "followups": person.followups.filter(service_id__in=access.service_ids(request.user))
        .select_related("service", "referent"),
        "can_health": Compartment.HEALTH in comps,
        "can_social": Compartment.SOCIAL in comps,
        "can_admin": Compartment.ADMINISTRATIVE in comps,
        # What the user may change: only through a service that follows the person (consent to sharing
        # and emergency access only let read), so the page offers no button that would be refused.
        "writes": {str(c) for c in writes},
        "can_write": bool(writes),
        "notes": services.visible_notes(request.user, person)[:50],
        "note_form": NoteForm(compartments=writes) if writes else None,
    }
    if Compartment.SOCIAL in comps:
        context["living_situations"] = person.living_situations.all()
        context["households"] = person.household_memberships.filter(until__isnull=True).select_related(
            "household")
    if Compartment.ADMINISTRATIVE in comps:
        context["rights"] = services.current_rights(person).values()
    if Compartment.HEALTH in comps:
        context["medical"] = getattr(person, "medical_profile", None)
    _audit(request, person, "read", {"identity", *comps})
    return render(request, "persons/detail.html", context)


def _my_services(user):
    return Service.objects.filter(pk__in=access.service_ids(user)).order_by("name")


@require_http_methods(["GET", "POST"])
def person_create(request):
    my_services = _my_services(request.user)
    if not my_services:
        messages.error(request, _("You are not a member of any team: you cannot create a person."))
        return redirect("persons:caseload")
    by_service = access.compartments_by_service(request.user)
    # The form offers what the user may fill in some service; the service checks the chosen one.
    compartments = frozenset().union(*by_service.values())
    form = PersonForm(request.POST or None, compartments=compartments, services=my_services)
    if request.method == "POST" and form.is_valid():
        try:
            person = followup_services.create_person(request.user, form.values(), form.cleaned_data["service"].pk)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            _audit(request, person, "create", _compartments_of(form.values()))
            messages.success(request, _("Person created."))
            return redirect("persons:detail", person_id=person.pk)
    return render(request, "persons/form.html", {"form": form, "title": _("New person")})


@require_http_methods(["GET", "POST"])
def person_edit(request, person_id):
    person = access.get_visible_person(request.user, person_id)
    form = PersonForm(request.POST or None, instance=person, compartments=person.compartments)
    if request.method == "POST" and form.is_valid():
        changed = {k: v for k, v in form.values().items() if k in form.changed_data}
        try:
            services.update_person(request.user, person, changed, form.cleaned_data["version"] or 0)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            _audit(request, person, "update", _compartments_of(changed))
            messages.success(request, _("Changes saved."))
            return redirect("persons:detail", person_id=person.pk)
    if request.method == "GET":
        _audit(request, person, "read", {"identity", *person.compartments})
    return render(request, "persons/form.html", {"form": form, "person": person,
                                                 "title": _("Edit %(name)s") % {"name": person}})


def _compartments_of(values):
    return {str(services.field_compartment(name)) for name in values} or {"identity"}


def _history_add(request, person_id, form_class, action, title, compartment):
    person = access.get_visible_person(request.user, person_id)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action(request.user, person, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            _audit(request, person, "create", {compartment})
            messages.success(request, _("Saved."))
            return redirect("persons:detail", person_id=person.pk)
    return render(request, "persons/form.html", {"form": form, "person": person, "title": title})


@require_http_methods(["GET", "POST"])
def living_situation_add(request, person_id):
    return _history_add(request, person_id, LivingSituationForm, services.add_living_situation,
                        _("New living situation"), Compartment.SOCIAL)


@require_http_methods(["GET", "POST"])
def right_add(request, person_id):
    return _history_add(request, person_id, RightForm, services.add_right, _("Rights: new status"),
                        Compartment.ADMINISTRATIVE)


@require_http_methods(["GET", "POST"])
def medical_profile_edit(request, person_id):
    person = access.get_visible_person(request.user, person_id)
    try:
        profile = services.medical_profile(request.user, person)
    except DomainError:
        raise Http404 from None
    form = MedicalProfileForm(request.POST or None, instance=profile)
    if request.method == "GET":
        _audit(request, person, "read", {Compartment.HEALTH})
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data and k != "version"}
        try:
            services.update_medical_profile(request.user, person, values, form.cleaned_data["version"] or 0)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            _audit(request, person, "update", {Compartment.HEALTH})
            messages.success(request, _("Changes saved."))
            return redirect("persons:detail", person_id=person.pk)
    return render(request, "persons/form.html", {"form": form, "person": person,
                                                 "title": _("Health information")})


@require_POST
def note_add(request, person_id):
    person = access.get_visible_person(request.user, person_id)
    form = NoteForm(request.POST, compartments=person.compartments)
    if form.is_valid():
        try:
            services.add_note(request.user, person, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            _audit(request, person, "create", {form.cleaned_data["compartment"]})
            messages.success(request, _("Note added."))
    else:
        messages.error(request, _("The note could not be saved: %(errors)s") % {
            "errors": " ".join(e for errs in form.errors.values() for e in errs)})
    return redirect("persons:detail", person_id=person.pk)


# Households ---------------------------------------------------------------------------------

def household_list(request):
    households = list(services.visible_households(request.user).prefetch_related("members__person"))
    shown = [m.person_id for h in households for m in h.members.all()]
    _audit(request, access.visible_persons(request.user).filter(pk__in=shown).values_list("pk", flat=True),
           "list", {Compartment.SOCIAL})
    return render(request, "persons/households.html", {"households": households})


@require_http_methods(["GET", "POST"])
def household_create(request):
    form = HouseholdForm(request.POST or None)
    candidates = access.visible_persons(request.user, compartment=Compartment.SOCIAL)
    members, chosen_ids = [], request.POST.getlist("member") if request.method == "POST" else []
    for pid in chosen_ids:
        members.append((pid, request.POST.get(f"role_{pid}", HouseholdRole.OTHER)))
    if request.method == "POST" and form.is_valid():
        try:
            household = services.create_household(request.user, form.cleaned_data["label"],
                                                   [(int(p), r) for p, r in members if p.isdigit()])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            _audit(request, [m.person_id for m in household.members.all()], "update", {Compartment.SOCIAL})
            messages.success(request, _("Household created."))
            return redirect("persons:household_detail", household_id=household.pk)
    preselected = request.GET.get("avec")
    chosen = list(candidates.filter(pk__in=[int(p) for p in chosen_ids if p.isdigit()]))
    if preselected and preselected.isdigit() and not chosen:
        chosen = list(candidates.filter(pk=int(preselected)))
    _audit(request, chosen, "list", {Compartment.SOCIAL})
    return render(request, "persons/household_form.html", {
        "form": form, "chosen": chosen, "roles": HouseholdRole.choices,
        "chosen_roles": dict(members),
    })


@require_http_methods(["GET", "POST"])
def household_detail(request, household_id):
    household = services.get_visible_household(request.user, household_id)
    if request.method == "POST":
        try:
            version = int(request.POST.get("version", 0))
            if request.POST.get("remove"):
                services.remove_household_member(request.user, household, int(request.POST["remove"]), version)
            elif request.POST.get("add"):
                services.add_household_member(request.user, household, int(request.POST["add"]),
                                              request.POST.get("role", HouseholdRole.OTHER), version)
        except (DomainError, ValueError) as error:
            messages.error(request, getattr(error, "message", _("Invalid request.")))
        else:
            changed = request.POST.get("remove") or request.POST.get("add") or ""
            if changed.isdigit():
                _audit(request, int(changed), "update", {Compartment.SOCIAL})
            messages.success(request, _("Household updated."))
        return redirect("persons:household_detail", household_id=household.pk)
    visible = set(access.visible_persons(request.user).values_list("pk", flat=True).filter(
        household_memberships__household=household))
    members = household.members.filter(until__isnull=True).select_related("person")
    _audit(request, visible, "list", {Compartment.SOCIAL})
    return render(request, "persons/household_detail.html", {
        "household": household, "members": members, "visible": visible, "roles": HouseholdRole.choices,
    })
