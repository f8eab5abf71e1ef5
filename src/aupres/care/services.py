"""The care record's rules (issue #20). Views, API and tasks call these functions.

Access: everything here is the HEALTH compartment. Reading needs health on the person through any grant
(core/access.py: the following team's health professionals, a health consent, an emergency access) and
shows only the records of the services whose health content the reader may read
(access.readable_services); writing needs health through a service that follows the person
(access.require_write) and the record is filed under that service. Ward screens (day chart, alerts) list
the persons followed by one service where the user holds health. Each function that shows or changes a
person's care record journals it (audit.record, issue #16): ids and the health compartment only.
"""

import datetime
import re

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.audit.services import record
from aupres.care import pathology, scales
from aupres.care.models import (
    Administration,
    CareContact,
    CareContactKind,
    CarePrescription,
    Condition,
    ConditionStatus,
    DoseStatus,
    Prescription,
    Route,
    ScaleResult,
    Shift,
    StayReason,
    Transmission,
    VisitFrequency,
)
from aupres.core import access
from aupres.core.errors import Conflict, DomainError, Forbidden, NotFound, stale_edit_error
from aupres.core.models import Compartment, StaleEdit
from aupres.encounters.models import EncounterPerson
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.places import services as places
from aupres.services.models import CapacityUnit, Service

HEALTH = Compartment.HEALTH
JOURNALED = {HEALTH}
MISSED_AFTER = datetime.timedelta(hours=2)  # a dose not recorded 2 h after its time is missed
ENDING_WITHIN_DAYS = 3  # a prescription ending within 3 days is announced
CARE_PRESCRIPTION_ENDING_DAYS = 7
ADHERENCE_DAYS = 30
MAX_TIMES = 8
STAY_UNITS = (CapacityUnit.BEDS, CapacityUnit.FAMILIES, CapacityUnit.APARTMENTS, CapacityUnit.PLACES)


# Access ---------------------------------------------------------------------------------------------

def person_for_read(user, person_id):
    person = access.get_visible_person(user, person_id)
    access.require(person, HEALTH)
    return person


def person_for_write(user, person_id):
    person = access.get_visible_person(user, person_id)
    access.require_write(person, HEALTH)
    return person


def person_for_form(user, person_id):
    """The person for a care form's screen (it names them and files under their record): a read."""
    person = person_for_write(user, person_id)
    record(user, person, "read", JOURNALED)
    return person


def care_record(user, person):
    """The person's care record as the user may read it (records of the services whose health content
    they read), journaled as a read of the health compartment."""
    access.require(person, HEALTH)
    prescriptions = prescriptions_of(user, person)
    found = {"person": person, "conditions": conditions_of(user, person),
             "stay_reasons": stay_reasons_of(user, person), "prescriptions": prescriptions,
             "adherence": adherence(prescriptions), "transmissions": transmissions_of(user, person),
             "scales": scale_series(user, person), "care_prescriptions": care_prescriptions_of(user, person),
             "care_network": care_contacts_of(user, person)}
    record(user, person, "read", JOURNALED)
    return found


def readable_service_ids(user, person):
    """Services whose health records about this person the user may read."""
    return sorted(sid for sid, comps in access.readable_services(user, person).items() if HEALTH in comps)


def writing_service(user, person, service_id=None):
    """The user's service following the person (with health) under which a new record is filed."""
    services = access.following_services_of(user, person, HEALTH)
    if service_id is not None:
        if int(service_id) not in services:
            raise DomainError(_("Choose one of your services that follows this person."), field="service",
                              code="invalid_service")
        return int(service_id)
    if not services:
        access.require_write(person, HEALTH)
        raise Forbidden(_("Only the team following this person records care."), code="read_only_access")
    return services[0]


def ward_services(user):
    """Services where the user holds health: their wards and rounds."""
    return Service.objects.filter(pk__in=access.service_ids(user, HEALTH)).order_by("name")


def ward_service(user, service_id):
    try:
        service_id = int(service_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if service_id not in access.service_ids(user, HEALTH):
        raise NotFound()
    return Service.objects.get(pk=service_id)


def ward_chart(user, service_id, day):
    """The ward (one of the user's health services), its day chart in the order of its beds, and its places
    that night (bed_plan: the board's rows), the persons listed journaled."""
    service = ward_service(user, service_id)
    plan = bed_plan(user, service, day)
    rows = day_chart(service, day, plan=plan)
    record(user, [r["person"] for r in rows], "list", JOURNALED, service_id=service.pk)
    return service, rows, plan[1]


def ward_alerts(user, service):
    """The ward's alerts (the service is one of the user's wards: ward_service), persons journaled."""
    found = alerts(service)
    record(user, [a["person"] for a in found], "list", JOURNALED, service_id=service.pk)
    return found


def care_followups(user, person):
    """The person's follow-ups by the user's services holding health (a care prescription is filed under one)."""
    return list(FollowUp.objects.filter(person=person, service_id__in=access.following_services_of(
        user, person, HEALTH)).select_related("service"))


def ward_persons(service, day):
    """Persons whose follow-up by the service is open on that day (the ward, the round), by name."""
    ids = (FollowUp.objects.filter(service=service, opened_on__lte=day)
           .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=day)).values("person_id"))
    return list(Person.objects.filter(pk__in=ids).order_by("last_name", "first_name", "alias", "pk"))


def _text(value, limit, field, required=False):
    value = (value or "").strip()
    if "\x00" in value:
        raise DomainError(_("Some values contain characters that cannot be stored."), field=field)
    if required and not value:
        raise DomainError(_("This field is required."), field=field, code="required")
    if len(value) > limit:
        raise DomainError(_("This text is too long."), field=field)
    return value


def _versioned_save(obj, version, fields):
    try:
        obj.save_versioned(version, update_fields=fields)
    except StaleEdit:
        raise stale_edit_error() from None


# Coded health problems ----------------------------------------------------------------------------

def _code(code, field="code"):
    normalised = pathology.normalise(code)
    if not normalised:
        raise DomainError(_("Enter an ICD-10 code (for example E11.9), or pick one from the list."), field=field,
                          code="invalid_icd10")
    return normalised


def search_codes(user, text, limit=20):
    """ICD-10 codes for the picker of the health professionals' forms (the catalogue: nothing personal, but
    only for those who code, the users holding health somewhere): [(code, WHO label, French term)]."""
    if not access.service_ids(user, HEALTH):
        raise NotFound()
    return pathology.search(str(text or "")[:100], limit=limit)


def add_condition(user, person, code, onset_on=None, status=ConditionStatus.ACTIVE, note="", service_id=None):
    access.require_write(person, HEALTH)
    service_id = writing_service(user, person, service_id)
    code = _code(code)
    if status not in ConditionStatus.values:
        raise DomainError(_("Unknown status."), field="status")
    if onset_on and onset_on > timezone.localdate():
        raise DomainError(_("The onset cannot be in the future."), field="onset_on")
    condition = Condition.objects.create(
        person=person, service_id=service_id, code=code, group=pathology.group_of(code), onset_on=onset_on,
        status=status, resolved_on=timezone.localdate() if status == ConditionStatus.RESOLVED else None,
        note=_text(note, 2000, "note"), recorded_by=user)
    record(user, person, "create", JOURNALED, service_id=service_id)
    return condition


def condition_for_write(user, condition_id):
    """(condition, person) for a change: 404 unless the user reads it, 403 unless their team recorded it."""
    condition = Condition.objects.filter(pk=condition_id).first()
    if condition is None:
        raise NotFound()
    person = access.get_visible_person(user, condition.person_id)
    if condition.service_id not in readable_service_ids(user, person):
        raise NotFound()
    access.require_write(person, HEALTH)
    if condition.service_id not in access.following_services_of(user, person, HEALTH):
        raise Forbidden(_("Only the team that recorded this problem changes it."), code="read_only_access")
    return condition, person


def condition_for_form(user, condition_id):
    """(condition, person) for the screen that changes it: it shows the problem, a read (journaled)."""
    condition, person = condition_for_write(user, condition_id)
    record(user, person, "read", JOURNALED, service_id=condition.service_id)
    return condition, person


def update_condition(user, condition_id, version, status, onset_on=None, note=None):
    condition, person = condition_for_write(user, condition_id)
    if status not in ConditionStatus.values:
        raise DomainError(_("Unknown status."), field="status")
    if onset_on and onset_on > timezone.localdate():
        raise DomainError(_("The onset cannot be in the future."), field="onset_on")
    if status == ConditionStatus.RESOLVED and condition.status != ConditionStatus.RESOLVED:
        condition.resolved_on = timezone.localdate()
    elif status != ConditionStatus.RESOLVED:
        condition.resolved_on = None
    condition.status, condition.onset_on = status, onset_on
    if note is not None:
        condition.note = _text(note, 2000, "note")
    _versioned_save(condition, version, ["status", "onset_on", "resolved_on", "note"])
    record(user, person, "update", JOURNALED, service_id=condition.service_id)
    return condition, person


def conditions_of(user, person):
    return list(Condition.objects.filter(person=person, service_id__in=readable_service_ids(user, person))
                .select_related("service").order_by("status", "-onset_on", "pk"))


def stay_followups(user, person):
    """The person's residential stays (follow-ups of services counted in beds, places…) the user may code."""
    mine = access.following_services_of(user, person, HEALTH)
    return list(FollowUp.objects.filter(person=person, service_id__in=mine,
                                        service__capacity_unit__in=STAY_UNITS).select_related("service"))


def set_stay_reason(user, person, followup_id, code, version=None):
    access.require_write(person, HEALTH)
    followup = next((f for f in stay_followups(user, person) if f.pk == int(followup_id)), None)
    if followup is None:
        raise DomainError(_("Choose a stay of this person in one of your services with beds or places."),
                          field="followup", code="invalid_followup")
    code = _code(code)
    existing = StayReason.objects.filter(followup=followup).first()
    if existing is None:
        try:
            with transaction.atomic():
                created = StayReason.objects.create(followup=followup, person=person, code=code,
                                                    kind=pathology.stay_reason_of(code), recorded_by=user)
        except IntegrityError:
            raise stale_edit_error() from None
        record(user, person, "create", JOURNALED, service_id=followup.service_id)
        return created
    if version is None:
        raise stale_edit_error()
    existing.code, existing.kind, existing.recorded_by = code, pathology.stay_reason_of(code), user
    _versioned_save(existing, version, ["code", "kind", "recorded_by"])
    record(user, person, "update", JOURNALED, service_id=followup.service_id)
    return existing


def stay_reasons_of(user, person):
    return list(StayReason.objects.filter(person=person, followup__service_id__in=readable_service_ids(user, person))
                .select_related("followup__service"))


# Treatment plan and administration record -----------------------------------------------------------

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _times(times):
    if isinstance(times, str):
        times = [t for t in re.split(r"[\s,;]+", times) if t]
    out = []
    for t in times or []:
        t = str(t).strip()
        if len(t) == 4 and t[1] == ":":
            t = "0" + t
        if not _TIME.match(t):
            raise DomainError(_("Write the times of day as HH:MM, for example 08:00, 20:00."), field="times")
        out.append(t)
    out = sorted(set(out))
    if not out:
        raise DomainError(_("Give at least one time of day."), field="times", code="required")
    if len(out) > MAX_TIMES:
        raise DomainError(_("At most %(n)s times a day.") % {"n": MAX_TIMES}, field="times")
    return out


def add_prescription(user, person, drug, dose, route, times, starts_on, ends_on=None, prescriber="", notes="",
                     service_id=None):
    access.require_write(person, HEALTH)
    service_id = writing_service(user, person, service_id)
    if route not in Route.values:
        raise DomainError(_("Unknown route."), field="route")
    if starts_on is None:
        raise DomainError(_("This field is required."), field="starts_on", code="required")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(_("The prescription ends before it starts."), field="ends_on")
    prescription = Prescription.objects.create(
        person=person, service_id=service_id, drug=_text(drug, 200, "drug", True), dose=_text(dose, 100, "dose", True),
        route=route, times=_times(times), starts_on=starts_on, ends_on=ends_on,
        prescriber=_text(prescriber, 200, "prescriber", True), notes=_text(notes, 2000, "notes"), recorded_by=user)
    record(user, person, "create", JOURNALED, service_id=service_id)
    return prescription


def prescription_for(user, prescription_id, write=True):
    prescription = Prescription.objects.filter(pk=prescription_id).first()
    if prescription is None:
        raise NotFound()
    person = access.get_visible_person(user, prescription.person_id)
    if prescription.service_id not in readable_service_ids(user, person):
        raise NotFound()
    if write:
        access.require_write(person, HEALTH)
        if prescription.service_id not in access.following_services_of(user, person, HEALTH):
            raise Forbidden(_("Only the team following this person records care."), code="read_only_access")
    return prescription, person


def prescription_for_form(user, prescription_id):
    """(prescription, person) for the screen that stops it: it shows the line, a read (journaled)."""
    prescription, person = prescription_for(user, prescription_id)
    record(user, person, "read", JOURNALED, service_id=prescription.service_id)
    return prescription, person


def stop_prescription(user, prescription_id, version, ends_on):
    """End a prescription on `ends_on` (its last day of doses); not beyond the end already prescribed."""
    prescription, person = prescription_for(user, prescription_id)
    if ends_on is None or ends_on < prescription.starts_on:
        raise DomainError(_("The prescription ends before it starts."), field="ends_on")
    if prescription.ends_on is not None and ends_on > prescription.ends_on:
        raise DomainError(_("The prescription already ends on %(day)s: stop it on that day or before.") % {
            "day": prescription.ends_on.strftime("%d/%m/%Y")}, field="ends_on")
    prescription.ends_on = ends_on
    _versioned_save(prescription, version, ["ends_on"])
    record(user, person, "update", JOURNALED, service_id=prescription.service_id)
    return prescription, person


def prescriptions_of(user, person, day=None):
    qs = Prescription.objects.filter(person=person, service_id__in=readable_service_ids(user, person))
    if day is not None:
        qs = qs.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
    return list(qs.order_by("-starts_on", "drug", "pk"))


def record_dose(user, prescription_id, due_on, due_time, status, reason="", at=None):
    """Record how a scheduled dose went. Idempotent: the same dose recorded again (a double tap, two
    tablets at once) returns the record already there; a different outcome for a dose already recorded
    is a conflict (409), never a second record. A refused or not-given dose needs its reason."""
    prescription, person = prescription_for(user, prescription_id)
    if status not in DoseStatus.values:
        raise DomainError(_("Unknown status."), field="status")
    reason = _text(reason, 1000, "reason")
    if status != DoseStatus.GIVEN and not reason:
        raise DomainError(_("Say why the dose was refused or not given."), field="reason", code="reason_required")
    if isinstance(due_time, str):
        due_time = datetime.time.fromisoformat(_times([due_time])[0])
    if due_time.strftime("%H:%M") not in prescription.times:
        raise DomainError(_("This prescription has no dose at that time."), field="due_time")
    if not prescription.active_on(due_on):
        raise DomainError(_("The prescription is not current on that day."), field="due_on")
    now = timezone.now()
    if due_on > timezone.localdate() + datetime.timedelta(days=1):
        raise DomainError(_("A dose is recorded on its day, not in advance."), field="due_on")
    values = {"person_id": prescription.person_id, "service_id": prescription.service_id, "status": status,
              "reason": reason, "by": user, "at": at or now}
    try:
        with transaction.atomic():
            dose, created = Administration.objects.get_or_create(
                prescription=prescription, due_on=due_on, due_time=due_time, defaults=values)
    except IntegrityError:  # the other tap won the race between our read and our insert
        dose, created = Administration.objects.get(prescription=prescription, due_on=due_on, due_time=due_time), False
    if not created and (dose.status != status or (reason and dose.reason != reason)):
        raise Conflict(_("This dose was already recorded (%(status)s) by someone else.") % {
            "status": dose.get_status_display()}, code="dose_already_recorded")
    record(user, person, "create" if created else "read", JOURNALED, service_id=prescription.service_id)
    return dose, created, person


def _due_slots(prescription, day):
    return [datetime.time.fromisoformat(t) for t in prescription.times] if prescription.active_on(day) else []


def _is_missed(day, time, now):
    due = timezone.make_aware(datetime.datetime.combine(day, time))
    return due + MISSED_AFTER < now


def bed_plan(user, service, day):
    """Who sleeps in which place (bed, room, apartment) of the service the night of `day`, from the places
    app's occupancy board: ({person_id: place}, the board's rows, in the order of their labels with numbers
    compared as numbers: each place with its stays, free persons and whether it is out of service). Empty
    for a service without places (a round)."""
    if not places.service_has_places(service):
        return {}, []
    rows = sorted(places.board(user, service, day, days=1).rows, key=lambda row: _natural(row.place.label))
    return {s.person_id: row.place for row in rows for s in row.stays}, rows


def _natural(label):
    """« Lit 2 » before « Lit 10 »: the numbers in a label compared as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.lower()) for part in re.split(r"(\d+)", label)]


def day_chart(service, day, now=None, plan=None):
    """The day's administration chart of a ward or round: per person, each scheduled dose with its record
    (or pending / missed), the day's transmissions and the latest pain score. Few queries, whatever the size.
    With the day's `plan` (bed_plan), each person carries the place they sleep in that night ("place", None
    when none) and the persons come in the order of the beds, those without one last."""
    now = now or timezone.now()
    persons = ward_persons(service, day)
    beds, board = plan or ({}, [])
    if beds:
        order = {row.place.pk: i for i, row in enumerate(board)}
        persons.sort(key=lambda p: order[beds[p.pk].pk] if p.pk in beds else len(order))
    ids = [p.pk for p in persons]
    prescriptions = list(Prescription.objects.filter(service=service, person_id__in=ids, starts_on__lte=day)
                         .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day)).order_by("drug", "pk"))
    doses = {(a.prescription_id, a.due_time): a for a in Administration.objects.filter(
        service=service, due_on=day, person_id__in=ids).select_related("by")}
    transmissions = {}
    day_notes = Transmission.objects.filter(service=service, on=day, person_id__in=ids)
    for t in day_notes.select_related("by").order_by("at"):
        transmissions.setdefault(t.person_id, []).append(t)
    pains = {}
    for r in (ScaleResult.objects.filter(service=service, person_id__in=ids, scale=scales.PAIN.code, on__lte=day)
              .order_by("person_id", "-on", "-recorded_at")):
        pains.setdefault(r.person_id, r)
    rows = []
    for person in persons:
        lines = []
        for p in (p for p in prescriptions if p.person_id == person.pk):
            slots = []
            for time in _due_slots(p, day):
                record = doses.get((p.pk, time))
                state = record.status if record else ("missed" if _is_missed(day, time, now) else "pending")
                slots.append({"time": time, "record": record, "state": state})
            lines.append({"prescription": p, "slots": slots})
        rows.append({"person": person, "lines": lines, "transmissions": transmissions.get(person.pk, []),
                     "pain": pains.get(person.pk), "place": beds.get(person.pk)})
    return rows


def adherence(prescriptions, today=None, days=ADHERENCE_DAYS, now=None):
    """{"due", "given", "refused", "not_given", "missed", "rate"} over the last `days` days (ACT follow-up of
    treatment: doses taken out of doses due; doses of the day still ahead are not counted)."""
    now = now or timezone.now()
    today = today or timezone.localdate()
    start = today - datetime.timedelta(days=days - 1)
    records = {(a.prescription_id, a.due_on, a.due_time): a.status for a in Administration.objects.filter(
        prescription__in=prescriptions, due_on__gte=start, due_on__lte=today)}
    counts = {"due": 0, DoseStatus.GIVEN: 0, DoseStatus.REFUSED: 0, DoseStatus.NOT_GIVEN: 0, "missed": 0}
    for p in prescriptions:
        day = max(start, p.starts_on)
        while day <= today and (p.ends_on is None or day <= p.ends_on):
            for time in _due_slots(p, day):
                status = records.get((p.pk, day, time))
                if status is None and not _is_missed(day, time, now):
                    continue
                counts["due"] += 1
                counts[status or "missed"] += 1
            day += datetime.timedelta(days=1)
    counts = {str(k): v for k, v in counts.items()}
    counts["rate"] = round(100 * counts["given"] / counts["due"]) if counts["due"] else None
    return counts


# Targeted transmissions ---------------------------------------------------------------------------

def shift_at(moment=None):
    hour = timezone.localtime(moment or timezone.now()).hour
    return Shift.MORNING if 7 <= hour < 14 else Shift.AFTERNOON if 14 <= hour < 21 else Shift.NIGHT


def add_transmission(user, person, target, data="", actions="", results="", on=None, shift=None, service_id=None):
    access.require_write(person, HEALTH)
    service_id = writing_service(user, person, service_id)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise DomainError(_("A transmission is written on the day or after."), field="on")
    shift = shift or shift_at()
    if shift not in Shift.values:
        raise DomainError(_("Unknown shift."), field="shift")
    values = {"data": _text(data, 4000, "data"), "actions": _text(actions, 4000, "actions"),
              "results": _text(results, 4000, "results")}
    if not any(values.values()):
        raise DomainError(_("Write the data, the actions or the results."), field="data", code="required")
    transmission = Transmission.objects.create(person=person, service_id=service_id, on=on, shift=shift,
                                               target=_text(target, 200, "target", True), by=user, **values)
    record(user, person, "create", JOURNALED, service_id=service_id)
    return transmission


def transmissions_of(user, person, limit=200):
    return list(Transmission.objects.filter(person=person, service_id__in=readable_service_ids(user, person))
                .select_related("by", "service").order_by("-at", "-pk")[:limit])


def ward_transmissions(service, day):
    return list(Transmission.objects.filter(service=service, on=day).select_related("by", "person")
                .order_by("shift", "at"))


# Scales -------------------------------------------------------------------------------------------

def record_scale(user, person, scale, answers, on=None, service_id=None):
    access.require_write(person, HEALTH)
    service_id = writing_service(user, person, service_id)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise DomainError(_("A scale is scored on the day or after."), field="on")
    try:
        kept, total, level = scales.score(scale, answers)
    except scales.ScaleError as error:
        raise DomainError(error.message, field=error.item, code="invalid_scale") from None
    result = ScaleResult.objects.create(person=person, service_id=service_id, scale=scale, on=on, answers=kept,
                                        score=total, level=level, by=user)
    record(user, person, "create", JOURNALED, service_id=service_id)
    return result


def scale_series(user, person, scale=None):
    qs = ScaleResult.objects.filter(person=person, service_id__in=readable_service_ids(user, person))
    if scale:
        qs = qs.filter(scale=scale)
    return list(qs.order_by("scale", "on", "recorded_at"))


def trend(results):
    """{scale: {"last", "previous", "direction"}} where direction is "better", "worse" or "same"."""
    out = {}
    for r in results:
        entry = out.setdefault(r.scale, {"last": None, "previous": None, "direction": ""})
        entry["previous"], entry["last"] = entry["last"], r
    for code, entry in out.items():
        if entry["previous"] is None:
            continue
        delta = entry["last"].score - entry["previous"].score
        worse = delta > 0 if scales.SCALES[code].higher_is_worse else delta < 0
        entry["direction"] = "same" if delta == 0 else "worse" if worse else "better"
    return out


# Prescribed duration (SSIAD) and visit frequency -----------------------------------------------------

def add_care_prescription(user, person, followup_id, prescribed_on, starts_on, ends_on, prescriber, renews_id=None):
    access.require_write(person, HEALTH)
    followup = FollowUp.objects.filter(pk=followup_id, person=person,
                                       service_id__in=access.following_services_of(user, person, HEALTH)).first()
    if followup is None:
        raise DomainError(_("Choose a follow-up of this person by one of your services."), field="followup",
                          code="invalid_followup")
    if ends_on < starts_on:
        raise DomainError(_("The prescription ends before it starts."), field="ends_on")
    if prescribed_on > starts_on:
        raise DomainError(_("The care starts after it is prescribed."), field="prescribed_on")
    renews = None
    if renews_id:
        renews = CarePrescription.objects.filter(pk=renews_id, followup=followup).first()
        if renews is None:
            raise DomainError(_("Renew a prescription of the same follow-up."), field="renews")
    created = CarePrescription.objects.create(followup=followup, person=person, prescribed_on=prescribed_on,
                                              starts_on=starts_on, ends_on=ends_on, renews=renews,
                                              prescriber=_text(prescriber, 200, "prescriber", True), recorded_by=user)
    record(user, person, "create", JOURNALED, service_id=followup.service_id)
    return created


def care_prescriptions_of(user, person):
    return list(CarePrescription.objects.filter(person=person,
                                                followup__service_id__in=readable_service_ids(user, person))
                .order_by("-ends_on", "-pk"))


def expected_every_days(service):
    found = VisitFrequency.objects.filter(kind_id=service.kind_id).values_list("every_days", flat=True).first()
    return found


# Alerts ---------------------------------------------------------------------------------------------

def alerts(service, today=None, now=None):
    """What the ward or round must act on today, as data: missed doses, prescriptions ending,
    care prescriptions (SSIAD) ending or ended without renewal, visits behind the expected frequency."""
    now = now or timezone.now()
    today = today or timezone.localdate()
    out = []
    persons = {p.pk: p for p in ward_persons(service, today)}
    for row in day_chart(service, today, now):
        for line in row["lines"]:
            for slot in line["slots"]:
                if slot["state"] == "missed":
                    out.append({"kind": "missed_dose", "person": row["person"], "on": today, "time": slot["time"],
                                "record": line["prescription"]})
    ending = Prescription.objects.filter(service=service, person_id__in=list(persons), ends_on__gte=today,
                                         ends_on__lte=today + datetime.timedelta(days=ENDING_WITHIN_DAYS))
    for p in ending.order_by("ends_on", "pk"):
        out.append({"kind": "prescription_ending", "person": persons[p.person_id], "on": p.ends_on, "record": p})
    followups = list(FollowUp.objects.filter(service=service, closed_on__isnull=True).select_related("person"))
    latest = {}
    for cp in CarePrescription.objects.filter(followup__in=followups).order_by("followup_id", "-ends_on"):
        latest.setdefault(cp.followup_id, cp)
    if service.requires_prescription:
        for f in followups:
            cp = latest.get(f.pk)
            if cp is None:
                out.append({"kind": "care_prescription_missing", "person": f.person, "on": f.opened_on, "record": f})
            elif cp.ends_on < today:
                out.append({"kind": "care_prescription_ended", "person": f.person, "on": cp.ends_on, "record": cp})
            elif cp.ends_on <= today + datetime.timedelta(days=CARE_PRESCRIPTION_ENDING_DAYS):
                out.append({"kind": "care_prescription_ending", "person": f.person, "on": cp.ends_on, "record": cp})
    every = expected_every_days(service)
    if every:
        visits = dict(EncounterPerson.objects.filter(service=service, followup__in=followups)
                      .values_list("followup_id").annotate(last=Max("occurred_at")))
        for f in followups:
            last = visits.get(f.pk)
            since = timezone.localtime(last).date() if last else f.opened_on
            if (today - since).days > every:
                out.append({"kind": "visit_overdue", "person": f.person, "on": since, "record": f,
                            "days": (today - since).days, "every": every})
    return out


def person_doses(prescriptions, day, now=None):
    """The day's doses of these prescriptions: [{"prescription", "slots": [{"time", "record", "state"}]}]."""
    now = now or timezone.now()
    current = [p for p in prescriptions if p.active_on(day)]
    doses = {(a.prescription_id, a.due_time): a for a in Administration.objects.filter(
        prescription__in=current, due_on=day).select_related("by")}
    lines = []
    for p in current:
        slots = []
        for time in _due_slots(p, day):
            record = doses.get((p.pk, time))
            state = record.status if record else ("missed" if _is_missed(day, time, now) else "pending")
            slots.append({"time": time, "record": record, "state": state})
        lines.append({"prescription": p, "slots": slots})
    return lines


# Care network ---------------------------------------------------------------------------------------

def add_care_contact(user, person, kind, name, speciality="", phone="", notes="", service_id=None):
    access.require_write(person, HEALTH)
    service_id = writing_service(user, person, service_id)
    if kind not in CareContactKind.values:
        raise DomainError(_("Unknown kind of care provider."), field="kind")
    contact = CareContact.objects.create(
        person=person, service_id=service_id, kind=kind, name=_text(name, 200, "name", True),
        speciality=_text(speciality, 200, "speciality"), phone=_text(phone, 40, "phone"),
        notes=_text(notes, 2000, "notes"), recorded_by=user)
    record(user, person, "create", JOURNALED, service_id=service_id)
    return contact


def care_contacts_of(user, person):
    return list(CareContact.objects.filter(person=person, service_id__in=readable_service_ids(user, person))
                .order_by("kind", "name", "pk"))
