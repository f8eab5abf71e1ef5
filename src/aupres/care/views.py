"""Screens of the care record: the ward's day view, the person's care record and its forms, health figures.

A nurse's round: home (menu "Care") -> ward day view -> a patient's care record, where the day's doses,
a targeted transmission and a pain score are recorded on the same screen (two screens per patient)."""

import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aupres.audit.services import record, route_of
from aupres.care import forms as care_forms
from aupres.care import indicators, pathology, services
from aupres.care.models import DoseStatus
from aupres.care.scales import SCALES
from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.core.forms import add_domain_error
from aupres.core.models import Compartment
from aupres.indicators import charts
from aupres.indicators.services import make_period
from aupres.services.models import Service

HEALTH = {Compartment.HEALTH}


def _audit(request, persons, action):
    record(request.user, persons, action, HEALTH, "screen", route_of(request))


def _denied(request, error):
    if isinstance(error, NotFound):
        raise Http404
    return render(request, "403.html", {"message": error.message}, status=403)


def _day(request):
    try:
        return datetime.date.fromisoformat(request.GET.get("jour", ""))
    except ValueError:
        return timezone.localdate()


def home(request):
    wards = list(services.ward_services(request.user))
    if not wards:
        return render(request, "403.html", {"message": _("The care record is reserved for health professionals.")},
                      status=403)
    return render(request, "care/home.html", {"wards": wards})


def ward(request, service_id):
    try:
        service = services.ward_service(request.user, service_id)
    except NotFound:
        raise Http404 from None
    day = _day(request)
    rows = services.day_chart(service, day)
    alerts = services.alerts(service) if day == timezone.localdate() else []
    _audit(request, [r["person"] for r in rows], "list")
    return render(request, "care/ward.html", {
        "service": service, "day": day, "rows": rows, "alerts": alerts,
        "previous": day - datetime.timedelta(days=1), "next": day + datetime.timedelta(days=1),
        "today": timezone.localdate()})


def figures(request, service_id):
    try:
        service = services.ward_service(request.user, service_id)
        year = int(request.GET.get("annee") or timezone.localdate().year)
        period = make_period(datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), timezone.localdate()))
    except NotFound:
        raise Http404 from None
    except (ValueError, DomainError):
        return redirect("care:figures", service_id)
    scope = Service.objects.filter(pk=service.pk)
    tables = indicators.health_figures(scope, period) + indicators.entry_exit_figures(scope, period)
    return render(request, "care/figures.html", {"service": service, "tables": tables, "period": period,
                                                 "year": year})


def _person_context(request, person, **forms):
    user, today = request.user, timezone.localdate()
    prescriptions = services.prescriptions_of(user, person)
    results = services.scale_series(user, person)
    series = {}
    for r in results:
        series.setdefault(r.scale, []).append(r)
    charts_by_scale = [{"scale": SCALES[code], "results": rs, "last": rs[-1],
                        "chart": charts.line_chart(str(SCALES[code].label),
                                                   [(r.on.isoformat(), r.on.strftime("%d/%m"), float(r.score), None)
                                                    for r in rs[-24:]])}
                       for code, rs in series.items()]
    writable = Compartment.HEALTH in (person.writable_compartments or ())
    conditions = services.conditions_of(user, person)
    context = {
        "person": person, "can_write": writable, "today": today,
        "conditions": [{"c": c, "description": pathology.description(c.code)} for c in conditions],
        "doses": services.person_doses(prescriptions, today),
        "prescriptions": prescriptions, "adherence": services.adherence(prescriptions),
        "transmissions": services.transmissions_of(user, person, limit=50),
        "scales": charts_by_scale, "trends": services.trend(results), "all_scales": SCALES.values(),
        "stay_reasons": services.stay_reasons_of(user, person),
        "care_prescriptions": services.care_prescriptions_of(user, person),
        "care_network": services.care_contacts_of(user, person),
        "dose_statuses": DoseStatus,
        "wards": Service.objects.filter(pk__in=access.following_services_of(user, person, Compartment.HEALTH)),
    }
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
    try:
        found = services.person_for_read(request.user, person_id)
    except (NotFound, Forbidden) as error:
        return _denied(request, error)
    context = _person_context(request, found)
    _audit(request, found, "read")
    return render(request, "care/person.html", context)


def _write_view(request, person_id):
    try:
        found = services.person_for_write(request.user, person_id)
    except (NotFound, Forbidden) as error:
        return None, _denied(request, error)
    if request.method == "GET":  # the empty form names the person: that is a read
        _audit(request, found, "read")
    return found, None


def _back(person):
    return redirect(reverse("care:person", args=[person.pk]))


def _render_person(request, person, status=400, **forms):
    context = _person_context(request, person, **forms)
    _audit(request, person, "read")
    return render(request, "care/person.html", context, status=status)


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
    except NotFound:
        raise Http404 from None
    except Forbidden as error:
        return _denied(request, error)
    except DomainError as error:
        prescription = services.Prescription.objects.filter(pk=prescription_id).first()
        person = services.person_for_read(request.user, prescription.person_id)
        messages.error(request, error.message)
        return _back(person) if error.status == 409 else _render_person(request, person, status=error.status)
    _audit(request, person, "create" if created else "read")
    messages.success(request, _("The dose is recorded.") if created else _("This dose was already recorded."))
    return _back(person)


@require_POST
def transmission_add(request, person_id):
    found, denied = _write_view(request, person_id)
    if denied:
        return denied
    form = care_forms.TransmissionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.add_transmission(request.user, found, d["target"], d["data"], d["actions"], d["results"],
                                      shift=d["shift"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            _audit(request, found, "create")
            messages.success(request, _("The transmission is recorded."))
            return _back(found)
    return _render_person(request, found, transmission_form=form)


@require_POST
def pain_add(request, person_id):
    found, denied = _write_view(request, person_id)
    if denied:
        return denied
    form = care_forms.PainForm(request.POST)
    if form.is_valid():
        try:
            services.record_scale(request.user, found, "pain_nrs", {"pain": form.cleaned_data["pain"]})
        except DomainError as error:
            add_domain_error(form, error)
        else:
            _audit(request, found, "create")
            messages.success(request, _("The pain score is recorded."))
            return _back(found)
    return _render_person(request, found, pain_form=form)


@require_POST
def condition_add(request, person_id):
    found, denied = _write_view(request, person_id)
    if denied:
        return denied
    form = care_forms.ConditionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.add_condition(request.user, found, d["code"], d["onset_on"], d["status"], d["note"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            _audit(request, found, "create")
            messages.success(request, _("The health problem is recorded."))
            return _back(found)
    return _render_person(request, found, condition_form=form)


@require_http_methods(["GET", "POST"])
def prescription_add(request, person_id):
    found, denied = _write_view(request, person_id)
    if denied:
        return denied
    form = care_forms.PrescriptionForm(request.POST or None, initial={"starts_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.add_prescription(request.user, found, d["drug"], d["dose"], d["route"], d["times"],
                                      d["starts_on"], d["ends_on"], d["prescriber"], d["notes"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            _audit(request, found, "create")
            messages.success(request, _("The prescription is recorded."))
            return _back(found)
    return render(request, "care/form.html", {"form": form, "person": found, "title": _("New prescription"),
                                              "form_id": "prescription-form"})


@require_http_methods(["GET", "POST"])
def scale_add(request, person_id):
    found, denied = _write_view(request, person_id)
    if denied:
        return denied
    code = request.POST.get("scale") or request.GET.get("echelle") or ""
    if code not in SCALES:
        return render(request, "care/scale_pick.html", {"person": found, "scales": SCALES.values()})
    form = care_forms.scale_form(code, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_scale(request.user, found, code, {k: str(v) for k, v in form.cleaned_data.items()})
        except DomainError as error:
            add_domain_error(form, error)
        else:
            _audit(request, found, "create")
            messages.success(request, _("The scale is recorded."))
            return _back(found)
    return render(request, "care/form.html", {"form": form, "person": found, "title": SCALES[code].label,
                                              "form_id": "scale-form", "scale": code})


@require_http_methods(["GET", "POST"])
def stay_reason_add(request, person_id):
    found, denied = _write_view(request, person_id)
    if denied:
        return denied
    form = care_forms.StayReasonForm(request.POST or None, followups=services.stay_followups(request.user, found))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.set_stay_reason(request.user, found, d["followup"], d["code"], d.get("version"))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            _audit(request, found, "update")
            messages.success(request, _("The reason for the stay is recorded."))
            return _back(found)
    return render(request, "care/form.html", {"form": form, "person": found, "title": _("Reason for the stay"),
                                              "form_id": "stay-form"})


@require_http_methods(["GET", "POST"])
def care_prescription_add(request, person_id):
    from aupres.followups.models import FollowUp

    found, denied = _write_view(request, person_id)
    if denied:
        return denied
    followups = FollowUp.objects.filter(person=found, service_id__in=access.following_services_of(
        request.user, found, Compartment.HEALTH)).select_related("service")
    form = care_forms.CarePrescriptionForm(request.POST or None, followups=followups)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.add_care_prescription(request.user, found, d["followup"], d["prescribed_on"], d["starts_on"],
                                           d["ends_on"], d["prescriber"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            _audit(request, found, "create")
            messages.success(request, _("The care prescription is recorded."))
            return _back(found)
    return render(request, "care/form.html", {"form": form, "person": found, "title": _("Care prescription"),
                                              "form_id": "care-prescription-form"})


@require_http_methods(["GET", "POST"])
def contact_add(request, person_id):
    found, denied = _write_view(request, person_id)
    if denied:
        return denied
    form = care_forms.CareContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.add_care_contact(request.user, found, d["kind"], d["name"], d["speciality"], d["phone"],
                                      d["notes"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            _audit(request, found, "create")
            messages.success(request, _("The care provider is added to the network."))
            return _back(found)
    return render(request, "care/form.html", {"form": form, "person": found, "title": _("Care network"),
                                              "form_id": "care-contact-form"})
