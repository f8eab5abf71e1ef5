"""Screens: the team's places, the occupancy board, admissions and stays, the regulator's free places."""

import datetime

from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aupres.accounts.models import AccountKind
from aupres.core import access
from aupres.core.errors import DomainError
from aupres.core.forms import add_domain_error
from aupres.core.models import Compartment
from aupres.encounters.models import ACT_COMPARTMENT, ActKind
from aupres.persons.models import HouseholdMember
from aupres.places import park, services
from aupres.places.forms import (
    AdmitForm,
    ApartmentEditForm,
    ApartmentForm,
    AttendanceForm,
    EndForm,
    ExtendForm,
    IncidentEditForm,
    IncidentForm,
    InventoryForm,
    OutOfServiceForm,
    PlaceForm,
    PropertyGrantForm,
    TransferForm,
)
from aupres.places.models import Place
from aupres.services.models import Operator, Service


def index(request):
    """The team's services with places (members), or the regional view (regulators)."""
    if request.user.kind == AccountKind.REGULATOR:
        return redirect("places:regional")
    ids = services.team_service_ids(request.user)
    heads = set(services.head_service_ids(request.user))
    rows = []
    for service in Service.objects.filter(pk__in=ids).order_by("name"):
        free = services.free_places(service)
        rows.append({"service": service, "places": service.places.filter(is_active=True).count(),
                     "free": sum(n for _p, n in free), "is_head": service.pk in heads,
                     "day_service": services.is_day_service(service)})

    return render(request, "places/index.html", {"rows": rows, "park_user": park.is_park_user(request.user)})


def board(request, service_id):
    service = services.team_service(request.user, service_id)
    b = services.board(request.user, service)
    return render(request, "places/board.html", {
        "service": service, "board": b, "is_head": service.pk in services.head_service_ids(request.user),
        "week": b.free_by_day[:7], "later": b.free_by_day[7:]})


@require_http_methods(["GET", "POST"])
def place_new(request, service_id):
    service = services.team_service(request.user, service_id)
    if service.pk not in services.head_service_ids(request.user):
        raise Http404
    form = PlaceForm(request.POST or None, initial={"kind": "bed", "persons": 1, "is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            services.create_place(request.user, service.pk, form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The place is added."))
            return redirect("places:board", service.pk)
    return render(request, "places/place_form.html", {"form": form, "service": service})


@require_http_methods(["GET", "POST"])
def place_edit(request, place_id):
    place = services.get_place(request.user, place_id)
    if place.service_id not in services.head_service_ids(request.user):
        raise Http404
    form = PlaceForm(request.POST if request.POST.get("form") == "place" else None, instance=place)
    oos_form = OutOfServiceForm(request.POST if request.POST.get("form") == "oos" else None)
    if request.method == "POST":
        try:
            if request.POST.get("form") == "oos" and oos_form.is_valid():
                services.add_out_of_service(request.user, place, **oos_form.cleaned_data)
                messages.success(request, _("The out-of-service period is recorded."))
                return redirect("places:place_calendar", place.pk)
            if request.POST.get("form") == "place" and form.is_valid():
                values = {k: form.cleaned_data[k] for k in services.PLACE_FIELDS}
                services.update_place(request.user, place, values, form.cleaned_data.get("version") or 0)
                messages.success(request, _("The place is saved."))
                return redirect("places:board", place.service_id)
        except DomainError as error:
            add_domain_error(oos_form if request.POST.get("form") == "oos" else form, error)
    return render(request, "places/place_edit.html", {"form": form, "oos_form": oos_form, "place": place})


def place_calendar(request, place_id):
    place = services.get_place(request.user, place_id)
    cal = services.calendar(request.user, place)
    return render(request, "places/calendar.html", {
        "place": place, "cal": cal, "is_head": place.service_id in services.head_service_ids(request.user)})


@require_http_methods(["GET", "POST"])
def admit(request, service_id):
    service = services.team_service(request.user, service_id)
    today = timezone.localdate()
    places = [p for p, _n in services.free_places(service)]
    persons = services.admittable_persons(request.user, service)
    households = {m.household for m in HouseholdMember.objects.select_related("household")
                  .filter(person__in=persons).filter(Q(until__isnull=True) | Q(until__gt=today))}
    initial = {"start_date": today}
    if request.GET.get("place"):
        initial["place"] = request.GET["place"]
    form = AdmitForm(request.POST or None, initial=initial, places=places, persons=persons,
                     households=sorted(households, key=lambda h: h.label))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            place = services.get_place(request.user, data["place"])
            services.admit(request.user, place, data["person"], start_date=data["start_date"],
                                  household_id=data["household"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The person is admitted on %(place)s.") % {"place": place.label})
            return redirect("places:board", service.pk)
    return render(request, "places/admit.html", {"form": form, "service": service, "persons": persons})


def _stay_forms(request, stay, bound=None):
    data = request.POST if bound else None
    others = [p for p, _n in services.free_places(stay.service) if p.pk != stay.place_id]
    initial = {"version": stay.version, "on": timezone.localdate()}
    return {
        "extend_form": ExtendForm(data if bound == "extend" else None, initial=initial),
        "transfer_form": TransferForm(data if bound == "transfer" else None, initial=initial, places=others),
        "end_form": EndForm(data if bound == "end" else None, initial=initial),
    }


def _stay_context(request, stay, forms):
    return {"stay": stay, "extensions": stay.extensions.select_related("decided_by"),
            "address": services.place_address(request.user, stay.place), **forms}


def stay_detail(request, stay_id):
    stay = services.read_stay(request.user, stay_id)
    return render(request, "places/stay.html", _stay_context(request, stay, _stay_forms(request, stay)))


@require_POST
def stay_action(request, stay_id, action):
    stay = services.get_stay(request.user, stay_id)
    if action not in ("extend", "transfer", "end"):
        raise Http404
    forms = _stay_forms(request, stay, bound=action)
    form = forms[f"{action}_form"]
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "extend":
                services.extend(request.user, stay, data["version"], new_end=data["new_end"], reason=data["reason"])
                messages.success(request, _("The stay is extended."))
            elif action == "transfer":
                stay = services.transfer(request.user, stay, data["version"], to_place_id=data["to_place"],
                                         on=data["on"])
                messages.success(request, _("The person is transferred to %(place)s.") % {"place": stay.place.label})
            else:
                services.end_stay(request.user, stay, data["version"], on=data["on"],
                                  exit_reason=data["exit_reason"], exit_destination=data["exit_destination"])
                messages.success(request, _("The stay has ended."))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("places:board", stay.service_id)
    services.read_stay(request.user, stay.pk)  # the stay shown again with the form's errors
    return render(request, "places/stay.html", _stay_context(request, stay, forms), status=400)


def regional(request):
    if request.user.kind != AccountKind.REGULATOR:
        raise Http404
    view = services.regional_free_places(request.user, service_rows=100)
    # Each label translated once, not once per cell (several hundred cells: a third of the page's time).
    labels = {code: str(label) for code, label in Place._meta.get_field("kind").choices}
    for row in view["by_territory"]:
        row["kind_label"] = labels.get(row["kind"], row["kind"])
    for row in view["by_service"]:
        # One line of text per service (a hundred rows of five kinds each: one template value, not twenty).
        row["kinds_text"] = " · ".join(f"{labels.get(k, k)} {n}" for k, n in sorted(row["kinds"].items()))
    return render(request, "places/regional.html", {"view": view})


def regional_over_time(request):
    """Free places by territory over time: a calendar year that is over (?annee=, the last one by default).
    A page of its own: a year of every place of the region is heavier than tonight's counts."""
    if request.user.kind != AccountKind.REGULATOR:
        raise Http404
    last_year = timezone.localdate().year - 1
    try:
        year = int(request.GET.get("annee") or last_year)
    except ValueError:
        year = last_year
    try:
        over_time = services.regional_free_places_over_time(request.user, year)
    except DomainError as error:
        over_time = {"error": error.message, "year": year, "rows": []}
    return render(request, "places/regional_over_time.html", {
        "over_time": over_time, "years": list(range(last_year, last_year - 5, -1))})


@require_http_methods(["GET", "POST"])
def attendance(request, service_id):
    """The attendance register of a day service, one opening day at a time (?jour=YYYY-MM-DD)."""
    service = services.team_service(request.user, service_id)
    if not services.is_day_service(service):
        return render(request, "places/attendance.html", {"service": service, "not_a_day_service": True})
    try:
        day = datetime.date.fromisoformat(request.GET.get("jour", "")) if request.GET.get("jour") else None
    except ValueError:
        day = None
    day = day or timezone.localdate()
    held = access.compartments_by_service(request.user).get(service.pk, frozenset())
    care_choices = [(k, label) for k, label in ActKind.choices if ACT_COMPARTMENT.get(k, Compartment.SOCIAL) in held]
    persons = services.attendance_candidates(request.user, service, day)
    form = AttendanceForm(request.POST or None, persons=persons, care_choices=care_choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_attendance(request.user, service, form.cleaned_data["person"], on=day,
                                               care=form.cleaned_data["care"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Recorded in the register."))
            return redirect(f"{request.path}?jour={day.isoformat()}")
    rows = services.register(request.user, service, day)
    labels = dict(ActKind.choices)
    mean, days, total = services.persons_per_opening_day(
        [service.pk], day.replace(day=1), min(timezone.localdate(), day))
    return render(request, "places/attendance.html", {
        "service": service, "day": day, "form": form, "open_day": str(day.isoweekday()) in service.opening_days,
        "rows": [(a, [labels.get(k, k) for k in shown]) for a, shown in rows],
        "previous": day - datetime.timedelta(days=1), "next": day + datetime.timedelta(days=1),
        "month_mean": mean, "month_days": days, "month_total": total, "is_today": day == timezone.localdate()})


# The housing park ----------------------------------------------------------------------------------

def _park_services(user):
    operators = park.property_operator_ids(user)
    return Service.objects.filter(Q(operator_id__in=operators) | Q(pk__in=services.head_service_ids(user))).order_by(
        "name")


def park_index(request):
    if not park.is_park_user(request.user):
        raise Http404
    apartments = park.visible_apartments(request.user).select_related("service").prefetch_related("incidents")
    rows = [{"apartment": a, "open_incidents": sum(1 for i in a.incidents.all() if i.status != "closed")}
            for a in apartments]
    return render(request, "places/park.html", {
        "rows": rows, "can_grant": bool(park.grantable_operator_ids(request.user))})


@require_http_methods(["GET", "POST"])
def apartment_new(request):
    if not park.is_park_user(request.user):
        raise Http404
    form = ApartmentForm(request.POST or None, services=_park_services(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            apartment = park.create_apartment(request.user, form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The apartment is added."))
            return redirect("places:apartment", apartment.pk)
    return render(request, "places/apartment_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def apartment(request, apartment_id):
    flat = park.get_apartment(request.user, apartment_id)
    which = request.POST.get("form")
    incident_form = IncidentForm(request.POST if which == "incident" else None,
                                 initial={"occurred_on": timezone.localdate(), "status": "open", "cost": 0})
    inventory_form = InventoryForm(request.POST if which == "inventory" else None,
                                   request.FILES if which == "inventory" else None,
                                   initial={"done_on": timezone.localdate()})
    if request.method == "POST":
        try:
            if which == "incident" and incident_form.is_valid():
                park.record_incident(request.user, flat, incident_form.cleaned_data)
                messages.success(request, _("The incident is recorded."))
                return redirect("places:apartment", flat.pk)
            if which == "inventory" and inventory_form.is_valid():
                data = inventory_form.cleaned_data
                park.record_inventory(request.user, flat, kind=data["kind"], done_on=data["done_on"],
                                      rooms=inventory_form.rooms_list(), signed_by_occupant=data["signed_by_occupant"],
                                      signed_by_operator=data["signed_by_operator"],
                                      photos=request.FILES.getlist("photos"))
                messages.success(request, _("The inventory is recorded."))
                return redirect("places:apartment", flat.pk)
        except DomainError as error:
            add_domain_error(incident_form if which == "incident" else inventory_form, error)
    return render(request, "places/apartment.html", {
        "apartment": flat, "incidents": flat.incidents.all(),
        "inventories": flat.inventories.prefetch_related("photos"),
        "incident_form": incident_form, "inventory_form": inventory_form})


def photo(request, photo_id):
    item = park.get_photo(request.user, photo_id)
    return FileResponse(item.file.open("rb"), content_type=item.content_type)


@require_http_methods(["GET", "POST"])
def apartment_edit(request, apartment_id):
    flat = park.get_apartment(request.user, apartment_id)
    initial = {f: getattr(flat, f) for f in park.APARTMENT_FIELDS}
    form = ApartmentEditForm(request.POST or None, initial={**initial, "version": flat.version},
                             services=_park_services(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            park.update_apartment(request.user, flat, form.cleaned_data, form.cleaned_data["version"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The apartment is saved."))
            return redirect("places:apartment", flat.pk)
    return render(request, "places/apartment_form.html", {"form": form, "apartment": flat},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def incident_edit(request, incident_id):
    incident = park.get_incident(request.user, incident_id)
    initial = {f: getattr(incident, f) for f in park.INCIDENT_FIELDS}
    form = IncidentEditForm(request.POST or None, initial={**initial, "version": incident.version})
    if request.method == "POST" and form.is_valid():
        try:
            park.update_incident(request.user, incident, form.cleaned_data, form.cleaned_data["version"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The incident is saved."))
            return redirect("places:apartment", incident.apartment_id)
    return render(request, "places/incident_form.html", {"form": form, "incident": incident},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def property_roles(request):
    """A head of service grants (and withdraws) the property role of their operator."""
    grants = park.property_accesses(request.user)
    operators = Operator.objects.filter(pk__in=park.grantable_operator_ids(request.user)).order_by("name")
    form = PropertyGrantForm(request.POST if request.POST.get("form") == "grant" else None, operators=operators)
    if request.method == "POST" and request.POST.get("form") == "revoke":
        # A grant already withdrawn (or out of reach) is not found: 404, nothing journaled.
        park.revoke_property_role(request.user, request.POST.get("access"))
        messages.success(request, _("The property role is withdrawn."))
        return redirect("places:property_roles")
    if request.method == "POST":
        try:
            if form.is_valid():
                park.grant_property_role(request.user, form.cleaned_data["operator"], form.cleaned_data["username"])
                messages.success(request, _("The property role is granted."))
                return redirect("places:property_roles")
        except DomainError as error:
            add_domain_error(form, error)
    return render(request, "places/property_roles.html",
                  {"form": form, "grants": grants, "events": park.property_role_events(request.user)},
                  status=400 if request.method == "POST" else 200)
