"""Screens of the care record: the ward's day view, the person's care record and its forms, health figures.

A nurse's round: home (menu "Care") -> ward day view -> a patient's care record, where the day's doses,
a targeted transmission and a pain score are recorded on the same screen (two screens per patient)."""

import datetime

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aupres.care import fhir, indicators, pathology, services
from aupres.care import forms as care_forms
from aupres.care.models import DoseStatus
from aupres.care.scales import SCALES
from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.core.forms import add_domain_error
from aupres.core.models import Compartment
from aupres.indicators import charts
from aupres.indicators.services import make_period
from aupres.services.models import Service


def _day(request):
    try:
        return datetime.date.fromisoformat(request.GET.get("jour", ""))
    except ValueError:
        return timezone.localdate()


def home(request):
    wards = list(services.ward_services(request.user))
    if not wards:
        raise Forbidden(_("The care record is reserved for health professionals."))
    return render(request, "care/home.html", {"wards": wards})


def ward(request, service_id):
    day = _day(request)
    service, rows, board = services.ward_chart(request.user, service_id, day)
    alerts = services.ward_alerts(request.user, service) if day == timezone.localdate() else []
    return render(request, "care/ward.html", {
        "service": service, "day": day, "rows": rows, "alerts": alerts,
        "has_places": bool(board),
        "free_places": [row.place for row in board if not row.stays and not row.out_of_service],
        "closed_places": [row.place for row in board if row.out_of_service],
        "previous": day - datetime.timedelta(days=1), "next": day + datetime.timedelta(days=1),
        "today": timezone.localdate()})


def figures(request, service_id):
    try:
        service = services.ward_service(request.user, service_id)
        year = int(request.GET.get("annee") or timezone.localdate().year)
        period = make_period(datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), timezone.localdate()))
    except (NotFound, Forbidden):
        raise  # 404/403 by DomainErrorMiddleware, never the redirect below (it would loop)
    except (ValueError, DomainError):
        return redirect("care:figures", service_id)
    scope = Service.objects.filter(pk=service.pk)
    tables = indicators.health_figures(scope, period)
    return render(request, "care/figures.html", {"service": service, "tables": tables, "period": period,
                                                 "year": year})


def _person_context(request, person, **forms):
    """The care record screen: services.care_record (journaled) and what the screen draws from it."""
    user, today = request.user, timezone.localdate()
    context = services.care_record(user, person)
    results, prescriptions = context["scales"], context["prescriptions"]
    series = {}
    for r in results:
        series.setdefault(r.scale, []).append(r)
    charts_by_scale = [{"scale": SCALES[code], "results": rs, "last": rs[-1],
                        "chart": charts.line_chart(str(SCALES[code].label),
                                                   [(r.on.isoformat(), r.on.strftime("%d/%m"), float(r.score), None)
                                                    for r in rs[-24:]])}
                       for code, rs in series.items()]
    writable = Compartment.HEALTH in (person.writable_compartments or ())
    following = access.following_services_of(user, person, Compartment.HEALTH)
    context.update({
        "can_write": writable, "today": today,
        "conditions": [{"c": c, "description": pathology.description(c.code)} for c in context["conditions"]],
        "doses": services.person_doses(prescriptions, today),
        "transmissions": context["transmissions"][:50],
        "scales": charts_by_scale, "trends": services.trend(results), "all_scales": SCALES.values(),
        "dose_statuses": DoseStatus,
        "wards": Service.objects.filter(pk__in=following),
        # records the user's teams wrote, which they may change (services.condition_for_write, prescription_for)
        "my_services": set(following) if writable else set(),
    })
    if writable:
        context.update({
            "transmission_form": forms.get("transmission_form") or care_forms.TransmissionForm(
                initial={"shift": services.shift_at()}),
            "pain_form": forms.get("pain_form") or care_forms.PainForm(),
            "condition_form": forms.get("condition_form") or care_forms.ConditionForm(),
            "stay_followups": services.stay_followups(user, person),
        })
    return context


def person(request, person_id):
    found = services.person_for_read(request.user, person_id)
    return render(request, "care/person.html", _person_context(request, found))


@require_POST
def fhir_export(request, person_id):
    """The person's health compartment as a FHIR R4 bundle (JSON file), for a transfer to a hospital (care/fhir.py:
    health readers only, journaled). POST: the download is an export, never a link to follow or prefetch."""
    found, bundle = fhir.health_bundle(request.user, person_id)
    response = JsonResponse(bundle, content_type="application/fhir+json", json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{fhir.file_name(found)}"'
    response["Cache-Control"] = "no-store"
    return response


def _back(person):
    return redirect(reverse("care:person", args=[person.pk]))


def _render_person(request, person, status=400, **forms):
    return render(request, "care/person.html", _person_context(request, person, **forms), status=status)


def _save(request, form, save, success):
    """Calls save(cleaned_data) once the form is valid; True when saved (its message shown), False with
    the DomainError on the form (what was typed stays)."""
    if not (request.method == "POST" and form.is_valid()):
        return False
    try:
        save(form.cleaned_data)
    except DomainError as error:
        add_domain_error(form, error)
        return False
    messages.success(request, success)
    return True


def _inline_add(request, person_id, form_class, form_name, save, success):
    """A form of the care record screen (transmission, pain score, problem): saved, or the record shown
    again with the form and its errors."""
    found = services.person_for_write(request.user, person_id)
    form = form_class(request.POST)
    if _save(request, form, lambda d: save(found, d), success):
        return _back(found)
    return _render_person(request, found, **{form_name: form})


def _form_page(request, person_id, make_form, save, success, title, form_id, **extra):
    """A care form on its own page (GET shows it, POST saves it): the person is read for the page
    (services.person_for_form journals it), the service called with the cleaned data journals the change."""
    found = services.person_for_form(request.user, person_id)
    form = make_form(found, request.POST if request.method == "POST" else None)
    if _save(request, form, lambda d: save(found, d), success):
        return _back(found)
    return render(request, "care/form.html", {"form": form, "person": found, "title": title, "form_id": form_id,
                                              **extra})


@require_POST
def dose(request, prescription_id):
    try:
        due_on = datetime.date.fromisoformat(request.POST.get("due_on", ""))
        due_time = request.POST.get("due_time", "")
    except ValueError:
        due_on, due_time = None, ""
    try:
        if due_on is None:
            raise DomainError(_("Enter a valid date."), field="due_on")
        _dose, created, person = services.record_dose(request.user, prescription_id, due_on, due_time,
                                                      request.POST.get("status", ""), request.POST.get("reason", ""))
    except (NotFound, Forbidden):
        raise  # answered 404/403 by DomainErrorMiddleware
    except DomainError as error:
        prescription = services.Prescription.objects.filter(pk=prescription_id).first()
        person = services.person_for_read(request.user, prescription.person_id)
        messages.error(request, error.message)
        return _back(person) if error.status == 409 else _render_person(request, person, status=error.status)
    messages.success(request, _("The dose is recorded.") if created else _("This dose was already recorded."))
    return _back(person)


@require_POST
def transmission_add(request, person_id):
    def save(found, d):
        services.add_transmission(request.user, found, d["target"], d["data"], d["actions"], d["results"],
                                  shift=d["shift"])
    return _inline_add(request, person_id, care_forms.TransmissionForm, "transmission_form", save,
                       _("The transmission is recorded."))


@require_POST
def pain_add(request, person_id):
    def save(found, d):
        services.record_scale(request.user, found, "pain_nrs", {"pain": d["pain"]})
    return _inline_add(request, person_id, care_forms.PainForm, "pain_form", save, _("The pain score is recorded."))


@require_POST
def condition_add(request, person_id):
    def save(found, d):
        services.add_condition(request.user, found, d["code"], d["onset_on"], d["status"], d["note"])
    return _inline_add(request, person_id, care_forms.ConditionForm, "condition_form", save,
                       _("The health problem is recorded."))


@require_http_methods(["GET", "POST"])
def prescription_add(request, person_id):
    def save(found, d):
        services.add_prescription(request.user, found, d["drug"], d["dose"], d["route"], d["times"],
                                  d["starts_on"], d["ends_on"], d["prescriber"], d["notes"])
    today = {"starts_on": timezone.localdate()}
    return _form_page(request, person_id, lambda _found, data: care_forms.PrescriptionForm(data, initial=today),
                      save, _("The prescription is recorded."), _("New prescription"), "prescription-form")


@require_http_methods(["GET", "POST"])
def scale_add(request, person_id):
    code = request.POST.get("scale") or request.GET.get("echelle") or ""
    if code not in SCALES:
        found = services.person_for_form(request.user, person_id)
        return render(request, "care/scale_pick.html", {"person": found, "scales": SCALES.values()})

    def save(found, d):
        services.record_scale(request.user, found, code, {k: str(v) for k, v in d.items()})
    return _form_page(request, person_id, lambda _found, data: care_forms.scale_form(code, data), save,
                      _("The scale is recorded."), SCALES[code].label, "scale-form", scale=code)


@require_http_methods(["GET", "POST"])
def stay_reason_add(request, person_id):
    def save(found, d):
        services.set_stay_reason(request.user, found, d["followup"], d["code"], d.get("version"))
    return _form_page(request, person_id,
                      lambda found, data: care_forms.StayReasonForm(
                          data, followups=services.stay_followups(request.user, found)),
                      save, _("The reason for the stay is recorded."), _("Reason for the stay"), "stay-form")


@require_http_methods(["GET", "POST"])
def care_prescription_add(request, person_id):
    def save(found, d):
        services.add_care_prescription(request.user, found, d["followup"], d["prescribed_on"], d["starts_on"],
                                       d["ends_on"], d["prescriber"])
    return _form_page(request, person_id,
                      lambda found, data: care_forms.CarePrescriptionForm(
                          data, followups=services.care_followups(request.user, found)),
                      save, _("The care prescription is recorded."), _("Care prescription"), "care-prescription-form")


@require_http_methods(["GET", "POST"])
def contact_add(request, person_id):
    def save(found, d):
        services.add_care_contact(request.user, found, d["kind"], d["name"], d["speciality"], d["phone"], d["notes"])
    return _form_page(request, person_id, lambda _found, data: care_forms.CareContactForm(data), save,
                      _("The care provider is added to the network."), _("Care network"), "care-contact-form")


@require_POST
def icd10_search(request):
    """The ICD-10 picker's results (htmx; POST: what is typed stays out of URLs): buttons that fill the code."""
    text = request.POST.get("q", "")[:100]
    results = services.search_codes(request.user, text, limit=12) if text.strip() else []
    return render(request, "care/_icd10_results.html", {"results": results, "searched": bool(text.strip())})


def _edit_page(request, record, person, form_class, initial, save, success, title, form_id, **extra):
    """An edit of one versioned record of the care record on its own page (GET: the form with the version
    read; POST: the service's change, which journals it, through _save). A refusal shows on the form with
    what was typed kept and the version now stored, so that the user sees the record as it is and confirms
    again (409 when someone changed it meanwhile)."""
    status, refused = 200, []

    def attempt(data):
        try:
            save(data)
        except DomainError as error:
            refused.append(error)
            raise

    if request.method == "POST":
        form = form_class(request.POST)
        if _save(request, form, attempt, success):
            return _back(person)
        status = 400
        if refused:
            record.refresh_from_db()
            form = form_class({**request.POST.dict(), "version": record.version})
            form.is_valid()
            add_domain_error(form, refused[0])
            status = refused[0].status
    else:
        form = form_class(initial={**initial, "version": record.version})
    return render(request, "care/form.html", {"form": form, "person": person, "title": title, "form_id": form_id,
                                              **extra}, status=status)


@require_http_methods(["GET", "POST"])
def condition_edit(request, condition_id):
    condition, person = services.condition_for_form(request.user, condition_id)
    return _edit_page(
        request, condition, person, care_forms.ConditionStatusForm,
        {"status": condition.status, "onset_on": condition.onset_on, "note": condition.note},
        lambda d: services.update_condition(request.user, condition.pk, d["version"], d["status"], d["onset_on"],
                                            d["note"]),
        _("The health problem is updated."), _("Health problem"), "condition-edit-form",
        record_title=f"{condition.code} {pathology.description(condition.code)}")


@require_http_methods(["GET", "POST"])
def prescription_stop(request, prescription_id):
    prescription, person = services.prescription_for_form(request.user, prescription_id)
    return _edit_page(
        request, prescription, person, care_forms.PrescriptionStopForm,
        {"ends_on": min(timezone.localdate(), prescription.ends_on or datetime.date.max)},
        lambda d: services.stop_prescription(request.user, prescription.pk, d["version"], d["ends_on"]),
        _("The prescription is stopped."), _("Stop a prescription"), "prescription-stop-form",
        record_title=f"{prescription.drug} — {prescription.dose}")
