"""Screens about persons. Searches are POSTed: names never travel in URLs (and so in logs)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aupres.core import access
from aupres.core.errors import DomainError
from aupres.core.forms import add_domain_error, id_param
from aupres.customfields import services as custom_services
from aupres.customfields.forms import add_custom_fields, custom_data
from aupres.followups import services as followup_services
from aupres.persons import services
from aupres.persons.forms import (
    CaseloadFilterForm,
    HouseholdForm,
    LivingSituationForm,
    MedicalProfileForm,
    NoteForm,
    PersonForm,
    RightForm,
)
from aupres.persons.models import HouseholdRole
from aupres.services.models import Service


def caseload(request):
    mine = Service.objects.filter(pk__in=access.service_ids(request.user)).order_by("name")
    form = CaseloadFilterForm(request.GET, services=mine)
    rows = followup_services.caseload(request.user, filters=form.filters())
    page = rows.page(request.GET.get("page"), 50)  # the page journals itself
    return render(request, "persons/caseload.html", {
        "page": page, "total": page.paginator.count, "form": form, "query": form.query(),
        "filtered": bool(form.query()), "no_team": not mine,
    })


@require_http_methods(["GET", "POST"])
def search(request):
    text = request.POST.get("q", "")[:100]
    results = []
    if text.strip():
        results = services.search_persons(request.user, text, limit=30)
        followup_services.attach_following_services(request.user, results)
    template = "persons/_search_results.html" if request.htmx else "persons/search.html"
    return render(request, template, {"results": results, "q": text, "searched": bool(text.strip()),
                                      "pick": request.POST.get("pick") == "1"})


@require_POST
def household_member_row(request):
    """One member row for the household form, added by htmx when a person is picked."""
    found = services.pick_social_persons(request.user, [request.POST.get("person", "")])
    if not found:
        raise Http404
    person = found[0]
    return render(request, "persons/_member_row.html", {"p": person, "roles": HouseholdRole.choices})


def person_detail(request, person_id):
    record = services.read_person(request.user, person_id)
    view = services.person_view(request.user, record)
    writes = view["writable"]
    return render(request, "persons/detail.html", {
        # The template renders the read model: a compartment the user does not read is absent from it.
        # `record` is only handed to the other apps' panels (timeline, sharing, accesses), which decide
        # for themselves through their own services.
        "person": view, "record": record,
        # What the user may change: only through a service that follows the person (consent to sharing
        # and emergency access only let read), so the page offers no button that would be refused.
        "can_write": bool(writes),
        "note_form": NoteForm(compartments=writes) if writes else None,
        # The team's own fields (D56): those of the services whose content the user reads, per compartment.
        "custom_values": custom_services.person_values(request.user, record),
        "show_service": len(access.readable_services(request.user, record)) > 1,
    })


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
    add_custom_fields(form, custom_services.new_person_fields(request.user), prefix_service=len(my_services) > 1)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.values().items() if not k.startswith("cf_")}
        try:
            person = custom_services.create_person(request.user, values, form.cleaned_data["service"].pk,
                                                   custom_data(form))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Person created."))
            return redirect("persons:detail", person_id=person.pk)
    return render(request, "persons/form.html", {"form": form, "title": _("New person")})


@require_http_methods(["GET", "POST"])
def person_edit(request, person_id):
    person = _shown_person(request, person_id)
    form = PersonForm(request.POST or None, instance=person, compartments=person.compartments)
    add_custom_fields(form, custom_services.person_fields(request.user, person),
                      custom_services.person_values(request.user, person))
    if request.method == "POST" and form.is_valid():
        changed = {k: v for k, v in form.values().items() if k in form.changed_data and not k.startswith("cf_")}
        try:
            custom_services.update_person(request.user, person, changed, form.cleaned_data["version"] or 0,
                                          custom_data(form, changed_only=True))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("persons:detail", person_id=person.pk)
    return render(request, "persons/form.html", {"form": form, "person": person,
                                                 "title": _("Edit %(name)s") % {"name": person}})


def _shown_person(request, person_id):
    """The person of a form page: a GET shows them (journaled as read by the service); a POST changes
    them (journaled as changed by the service that saves)."""
    if request.method == "GET":
        return services.read_person(request.user, person_id)
    return access.get_visible_person(request.user, person_id)


def _history_add(request, person_id, form_class, action, title):
    person = _shown_person(request, person_id)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            action(request.user, person, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("persons:detail", person_id=person.pk)
    return render(request, "persons/form.html", {"form": form, "person": person, "title": title})


@require_http_methods(["GET", "POST"])
def living_situation_add(request, person_id):
    return _history_add(request, person_id, LivingSituationForm, services.add_living_situation,
                        _("New living situation"))


@require_http_methods(["GET", "POST"])
def right_add(request, person_id):
    return _history_add(request, person_id, RightForm, services.add_right, _("Rights: new status"))


@require_http_methods(["GET", "POST"])
def medical_profile_edit(request, person_id):
    person = access.get_visible_person(request.user, person_id)
    read = services.read_medical_profile if request.method == "GET" else services.medical_profile
    try:
        profile = read(request.user, person)
    except DomainError:
        raise Http404 from None
    form = MedicalProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data and k != "version"}
        try:
            services.update_medical_profile(request.user, person, values, form.cleaned_data["version"] or 0)
        except DomainError as error:
            add_domain_error(form, error)
        else:
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
            messages.success(request, _("Note added."))
    else:
        messages.error(request, _("The note could not be saved: %(errors)s") % {
            "errors": " ".join(e for errs in form.errors.values() for e in errs)})
    return redirect("persons:detail", person_id=person.pk)


# Households ---------------------------------------------------------------------------------

def household_list(request):
    """The households, 50 a page, narrowed to one of my services if asked (issue #13: every list paginated
    and filtered); the filter stays in the page links."""
    service_id = id_param(request.GET.get("dispositif"))
    qs = services.visible_households(request.user, service_id).order_by("label", "pk")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "persons/households.html", {
        "households": services.listed_households(request.user, page.object_list), "page": page,
        "my_services": Service.objects.filter(pk__in=access.service_ids(request.user)).order_by("name"),
        "service_id": service_id,
    })


@require_http_methods(["GET", "POST"])
def household_create(request):
    form = HouseholdForm(request.POST or None)
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
            messages.success(request, _("Household created."))
            return redirect("persons:household_detail", household_id=household.pk)
    preselected = request.GET.get("avec")
    chosen = services.pick_social_persons(request.user, chosen_ids)
    if preselected and not chosen:
        chosen = services.pick_social_persons(request.user, [preselected])
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
            messages.success(request, _("Household updated."))
        return redirect("persons:household_detail", household_id=household.pk)
    return render(request, "persons/household_detail.html", {
        **services.household_view(request.user, household), "roles": HouseholdRole.choices,
    })
