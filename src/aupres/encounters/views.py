"""Capture screens (mobile first): encounter, street round, orientations, rights, collective actions.

Person searches are POSTed; names never travel in URLs.
"""

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aupres.core import access
from aupres.core.errors import DomainError
from aupres.core.forms import add_domain_error, add_row_errors, blank_row, rows_shown
from aupres.customfields import services as custom_services
from aupres.customfields.forms import add_custom_fields, custom_data
from aupres.encounters import services
from aupres.encounters.forms import (
    ActFormSet,
    CollectiveActionForm,
    EncounterForm,
    NewPersonFormSet,
    OrientationForm,
    OrientationInlineForm,
    RightsApplicationForm,
    RightsFilterForm,
    RightsStatusForm,
    StatusChangeForm,
)
from aupres.encounters.models import (
    ACT_COMPARTMENT,
    ENCOUNTER_COMPARTMENT,
    OPEN_ORIENTATION_STATUSES,
    TARGET_COMPARTMENT,
    ActKind,
    Mode,
    OrientationTarget,
    RightsApplication,
)
from aupres.persons import services as person_services
from aupres.services.models import Service

RIGHTS = RightsApplication.compartment


def _services(user, compartment=None):
    return Service.objects.filter(pk__in=access.service_ids(user, compartment)).order_by("name")


def _act_choices(user):
    """Act kinds the user may record in at least one of their services."""
    comps = frozenset().union(*[c for sid, c in access.compartments_by_service(user).items()
                                if ENCOUNTER_COMPARTMENT in c])
    return [(k.value, k.label) for k in ActKind if ACT_COMPARTMENT[k] in comps]


def _int(value):
    return int(value) if str(value).isdigit() else None


def index(request):
    user = request.user
    alerts = services.rights_applications_page(user, services.renewal_alerts(user), 0, 20)
    recent = services.recent_encounters(user)
    return render(request, "encounters/index.html", {
        "alerts": alerts,
        "recent": recent,
        "can_record": bool(access.service_ids(user, ENCOUNTER_COMPARTMENT)),
    })


# Encounter -------------------------------------------------------------------------------------

def _act_formset(user, persons, data=None):
    return ActFormSet(data, prefix="acts", form_kwargs={"act_choices": _act_choices(user), "persons": persons})


def _rows(formset, add):
    """The rows to draw and the count the page posts back (with "add a row" without JavaScript: one more)."""
    rows = rows_shown(formset) if formset.is_bound else list(formset)
    total = formset.total_form_count()
    if add or not rows:
        rows.append(blank_row(formset, total))
        total += 1
    return rows, total


@require_http_methods(["GET", "POST"])
def encounter_create(request):
    user = request.user
    my_services = _services(user, ENCOUNTER_COMPARTMENT)
    if not my_services:
        messages.error(request, _("You may not record encounters."))
        return redirect("encounters:index")
    post = request.POST if request.method == "POST" else None
    if post is not None:
        person_ids = [_int(p) for p in post.getlist("person")]
    else:
        person_ids = [_int(request.GET.get("personne", ""))]
    persons = services.picked_persons(user, person_ids)
    default_service = services.default_service_for(user, persons) if post is None else None
    form = EncounterForm(post, services=my_services,
                         initial={"service": default_service} if default_service else None)
    add_custom_fields(form, custom_services.new_encounter_fields(user, my_services),
                      prefix_service=len(my_services) > 1)
    orientation_form = OrientationInlineForm(post, prefix="orientation")
    acts = _act_formset(user, persons, post)
    adding = post is not None and "add_act" in post  # without JavaScript: one more act row
    if post is not None and not adding:
        encounter = _record_encounter(request, form, orientation_form, acts, persons)
        if encounter is not None:
            messages.success(request, _("Encounter recorded."))
            if len(persons) == 1:
                return redirect("persons:detail", person_id=persons[0].pk)
            return redirect("encounters:index")
    rows, total = _rows(acts, adding)
    if post is not None and not adding:
        add_row_errors(form, acts, rows, _("Act"))
    return render(request, "encounters/encounter_form.html", {
        "form": form, "orientation_form": orientation_form, "persons": persons, "rows": rows,
        "acts": acts, "total": total, "client_uuid": post.get("client_uuid") if post else
        services.new_client_uuid(),
    })


def _record_encounter(request, form, orientation_form, acts, persons):
    """The encounter written when the form, the orientation and every act row are valid; else None (the
    errors are on the forms, nothing is written)."""
    if not all([form.is_valid(), orientation_form.is_valid(), acts.is_valid()]):
        return None
    data = form.cleaned_data
    orientation = orientation_form.values()
    one = persons[0].pk if len(persons) == 1 else None
    try:
        encounter, _created = custom_services.create_encounter(
            request.user, custom=custom_data(form), service_id=data["service"], occurred_at=data["occurred_at"],
            place_kind=data["place_kind"], mode=data["mode"], persons=[p.pk for p in persons],
            acts=[row.values(default_person=one) for row in acts if row.has_changed()],
            orientations=[{**orientation, "person": one}] if orientation else [],
            client_uuid=_uuid(request.POST.get("client_uuid")))
    except DomainError as error:
        add_domain_error(form, error)
        return None
    return encounter


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


@require_POST
def act_row(request):
    """One more act row for the encounter form (htmx), numbered by the count the page posts, which the
    answer raises (out of band)."""
    persons = services.picked_persons(request.user, [_int(p) for p in request.POST.getlist("person")])
    return _more_row(request, _act_formset(request.user, persons), "encounters/_act_row.html", {"persons": persons})


def _more_row(request, formset, template, context):
    index = min(_int(request.POST.get(f"{formset.prefix}-TOTAL_FORMS", "")) or 0,
                formset.absolute_max)
    return render(request, "encounters/_more_row.html", {
        **context, "row": blank_row(formset, index), "row_template": template, "formset": formset,
        "total": index + 1})


@require_POST
def person_pick(request):
    """Search persons to add to an encounter or a round (POST: names stay out of URLs)."""
    text = request.POST.get("q", "")[:100]
    results = []
    if text.strip():
        results = services.search_persons_to_meet(request.user, text)
    return render(request, "encounters/_pick_results.html", {
        "results": results, "searched": bool(text.strip()), "target": request.POST.get("target", "encounter")})


@require_POST
def person_row(request):
    person = services.picked_persons(request.user, [_int(request.POST.get("person", ""))], action="read")
    if not person:
        raise Http404
    template = "encounters/_round_person_row.html" if request.POST.get("target") == "round" else \
        "encounters/_person_row.html"
    return render(request, template, {"p": person[0], "act_choices": _act_choices(request.user)})


@require_POST
def new_person_row(request):
    return _more_row(request, _new_formset(request.user), "encounters/_round_new_row.html", {})


def _new_formset(user, data=None):
    return NewPersonFormSet(data, prefix="new", form_kwargs={"act_choices": _act_choices(user)})


# Street round ----------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def street_round(request):
    user = request.user
    my_services = _services(user, ENCOUNTER_COMPARTMENT)
    if not my_services:
        messages.error(request, _("You may not record encounters."))
        return redirect("encounters:index")
    post = request.POST if request.method == "POST" else None
    form = EncounterForm(post, services=my_services, round_=True)
    known = services.picked_persons(user, [_int(p) for p in post.getlist("person")]) if post else []
    known_acts = {p.pk: post.get(f"act_{p.pk}", "") for p in known} if post else {}
    new = _new_formset(user, post)
    adding = post is not None and "add_new_person" in post  # without JavaScript: one more row
    if post is not None and not adding and all([form.is_valid(), new.is_valid()]):
        data = form.cleaned_data
        filled = [row for row in new if row.has_changed()]
        acts = [{"kind": k, "person": pid} for pid, k in known_acts.items() if k]
        acts += [{"kind": row.cleaned_data["act"], "new_person": i} for i, row in enumerate(filled)
                 if row.cleaned_data["act"]]
        try:
            encounter, _created = custom_services.create_encounter(
                user, custom=custom_data(form), service_id=data["service"], occurred_at=data["occurred_at"],
                place_kind=data["place_kind"], mode=Mode.STREET_ROUND, persons=[p.pk for p in known],
                anonymous_contacts=data["anonymous_contacts"],
                new_persons=[row.person_values() for row in filled], acts=acts,
                client_uuid=_uuid(post.get("client_uuid")))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Street round recorded: %(persons)d persons met, %(anonymous)d "
                                        "anonymous contacts.") % {
                "persons": encounter.participants.count(), "anonymous": encounter.anonymous_contacts})
            return redirect("encounters:index")
    rows, total = _rows(new, adding)
    if post is not None and not adding:
        add_row_errors(form, new, rows, _("New person"))
    return render(request, "encounters/round_form.html", {
        "form": form, "known_rows": [{"p": p, "act": known_acts.get(p.pk, "")} for p in known],
        "new_rows": rows, "new": new, "total": total, "act_choices": _act_choices(user),
        "client_uuid": post.get("client_uuid") if post else services.new_client_uuid(),
    })


# Orientations ----------------------------------------------------------------------------------

def orientation_list(request):
    qs = services.visible_orientations(request.user).select_related("person", "service")
    open_only = request.GET.get("tout") != "1"
    if open_only:

        qs = qs.filter(status__in=sorted(OPEN_ORIENTATION_STATUSES))
    shown = services.orientations_page(request.user, qs.order_by("-sent_on", "-pk"))
    return render(request, "encounters/orientations.html", {"orientations": shown, "open_only": open_only})



@require_http_methods(["GET", "POST"])
def orientation_create(request, person_id):
    person = person_services.read_identity(request.user, person_id)
    comps_services = access.following_services_of(request.user, person)
    form = OrientationForm(request.POST or None, services=Service.objects.filter(pk__in=comps_services))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_orientation(request.user, person, service_id=data["service"], kind=data["kind"],
                                            target=data["target"], partner_name=data["partner_name"],
                                            sent_on=data["sent_on"], appointment_on=data["appointment_on"],
                                            note=data["note"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("persons:detail", person_id=person.pk)
    health_targets = [OrientationTarget(t).label for t, c in TARGET_COMPARTMENT.items() if c == "health"]
    return render(request, "encounters/simple_form.html", {
        "form": form, "person": person, "title": _("New orientation or admission request"),
        "help": _("Orientations to health partners and care facilities (%(targets)s) are in the health "
                  "compartment.") % {"targets": ", ".join(str(t) for t in health_targets)}})


@require_http_methods(["GET", "POST"])
def orientation_detail(request, orientation_id):
    o = services.read_orientation(request.user, orientation_id)
    form = StatusChangeForm(request.POST or None, statuses=services.allowed_orientation_statuses(o),
                            initial={"version": o.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_orientation(request.user, o, version=form.cleaned_data["version"],
                                        status=form.cleaned_data["status"], on=form.cleaned_data["on"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Status changed."))
            return redirect("encounters:orientation", orientation_id=o.pk)
    return render(request, "encounters/orientation_detail.html", {
        "o": o, "form": form, "history": o.history.all()})


# Rights applications ---------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def rights_list(request):
    """Renewals due, then every application, filtered and paginated (issue #13): a name is searched by
    POST (never in a URL); the other filters may also come in the query string (links)."""
    mine = Service.objects.filter(pk__in=access.service_ids(request.user)).order_by("name")
    form = RightsFilterForm(request.POST if request.method == "POST" else request.GET, services=mine)
    qs = services.visible_rights_applications(request.user).select_related("person", "service")
    alerts = services.rights_applications_page(request.user, services.renewal_alerts(request.user), 0, 20)
    page = Paginator(services.filter_rights_applications(qs, **form.filters()), 30).get_page(
        request.POST.get("page") or request.GET.get("page"))
    applications = services.rights_applications_page(request.user, page.object_list, 0, None)
    return render(request, "encounters/rights.html", {
        "alerts": alerts, "applications": applications, "page": page, "form": form,
        "filtered": any(v for v in form.filters().values()), "today": timezone.localdate(),
    })


@require_http_methods(["GET", "POST"])
def rights_create(request, person_id):
    person = person_services.read_identity(request.user, person_id)
    following = access.following_services_of(request.user, person, "administrative")
    form = RightsApplicationForm(request.POST or None, services=Service.objects.filter(pk__in=following))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_rights_application(
                request.user, person, service_id=data["service"], kind=data["kind"], status=data["status"],
                status_on=data["status_on"], valid_until=data["valid_until"], renewal_on=data["renewal_on"],
                note=data["note"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("persons:detail", person_id=person.pk)
    return render(request, "encounters/simple_form.html", {
        "form": form, "person": person, "title": _("New rights application")})


@require_http_methods(["GET", "POST"])
def rights_detail(request, application_id):
    a = services.read_rights_application(request.user, application_id)
    form = RightsStatusForm(request.POST or None, statuses=[a.status, *services.allowed_rights_statuses(a)],
                            initial={"version": a.version, "status": a.status, "valid_until": a.valid_until,
                                     "renewal_on": a.renewal_on})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {}
        if data["valid_until"] != a.valid_until:
            changes["valid_until"] = data["valid_until"]
        if data["renewal_on"] != a.renewal_on and data["renewal_on"] is not None:
            changes["renewal_on"] = data["renewal_on"]
        try:
            services.change_rights_application(request.user, a, version=data["version"], status=data["status"],
                                               on=data["on"], **changes)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("encounters:rights_application", application_id=a.pk)
    return render(request, "encounters/rights_detail.html", {
        "a": a, "form": form, "history": a.history.all(), "alert": services.needs_renewal(a)})


# Collective actions ----------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def collective_actions(request):
    my_services = _services(request.user)
    form = CollectiveActionForm(request.POST or None, services=my_services) if my_services else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.create_collective_action(request.user, service_id=form.cleaned_data["service"],
                                              **form.values())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Collective action recorded."))
            return redirect("encounters:collective_actions")
    return render(request, "encounters/collective_actions.html", {
        "form": form,
        "actions": services.visible_collective_actions(request.user).select_related("service")[:200]})
