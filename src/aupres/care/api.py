"""The care record under /api/v1/ (issue #20): every capability of the screens. Health compartment only."""

import datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply

from aupres.care import fhir, indicators, pathology, services
from aupres.care.models import (
    CareContactKind,
    ConditionStatus,
    DoseStatus,
    PathologyGroup,
    Route,
    Shift,
    StayReasonKind,
)
from aupres.care.scales import AGGIR_ADVERBS, SCALES
from aupres.core.models import Compartment
from aupres.indicators.services import make_period
from aupres.services.models import Service

router = Router(tags=["care"])
HEALTH = {Compartment.HEALTH}
ID = {"ge": 1, "le": 2**62}


class CodeOut(Schema):
    code: str
    description: str
    french: str = ""  # the French search term that leads to the code (no French label ships with ICD-10)


class SearchIn(Schema):
    text: str = Field(..., min_length=1, max_length=100)


class ConditionIn(Schema):
    code: str = Field(..., max_length=10)
    onset_on: datetime.date | None = None
    status: ConditionStatus = ConditionStatus.ACTIVE
    note: str = Field("", max_length=2000)
    service: int | None = Field(None, **ID)


class ConditionPatch(Schema):
    version: int = Field(..., ge=1, le=2**31)
    status: ConditionStatus
    onset_on: datetime.date | None = None
    note: str | None = Field(None, max_length=2000)


class ConditionOut(Schema):
    id: int
    person_id: int
    service_id: int
    code: str
    description: str
    group: PathologyGroup
    onset_on: datetime.date | None
    status: ConditionStatus
    resolved_on: datetime.date | None
    note: str
    version: int

    @staticmethod
    def resolve_description(obj):
        return pathology.description(obj.code)


class StayReasonIn(Schema):
    followup: int = Field(..., **ID)
    code: str = Field(..., max_length=10)
    version: int | None = Field(None, ge=1, le=2**31)


class StayReasonOut(Schema):
    id: int
    followup_id: int
    code: str
    kind: StayReasonKind
    version: int


class PrescriptionIn(Schema):
    drug: str = Field(..., max_length=200)
    dose: str = Field(..., max_length=100)
    route: Route = Route.ORAL
    times: list[str] = Field(..., max_length=8)
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    prescriber: str = Field(..., max_length=200)
    notes: str = Field("", max_length=2000)
    service: int | None = Field(None, **ID)


class StopIn(Schema):
    version: int = Field(..., ge=1, le=2**31)
    ends_on: datetime.date


class PrescriptionOut(Schema):
    id: int
    person_id: int
    service_id: int
    drug: str
    dose: str
    route: Route
    times: list[str]
    starts_on: datetime.date
    ends_on: datetime.date | None
    prescriber: str
    notes: str
    version: int


class DoseIn(Schema):
    due_on: datetime.date
    due_time: str = Field(..., max_length=5, description="HH:MM, one of the prescription's times")
    status: DoseStatus
    reason: str = Field("", max_length=1000)


class DoseOut(Schema):
    id: int
    prescription_id: int
    person_id: int
    due_on: datetime.date
    due_time: datetime.time
    status: DoseStatus
    reason: str
    by_id: int | None
    at: datetime.datetime


class TransmissionIn(Schema):
    target: str = Field(..., max_length=200)
    data: str = Field("", max_length=4000)
    actions: str = Field("", max_length=4000)
    results: str = Field("", max_length=4000)
    on: datetime.date | None = None
    shift: Shift | None = None
    service: int | None = Field(None, **ID)


class TransmissionOut(Schema):
    id: int
    person_id: int
    service_id: int
    on: datetime.date
    shift: Shift
    target: str
    data: str
    actions: str
    results: str
    by_id: int | None
    at: datetime.datetime


class ScaleIn(Schema):
    scale: str = Field(..., max_length=24)
    answers: dict[str, str | float | int] = Field(..., max_length=60)  # AGGIR: 24 items and their adverbs
    on: datetime.date | None = None
    service: int | None = Field(None, **ID)


class ScaleOut(Schema):
    id: int
    person_id: int
    service_id: int
    scale: str
    on: datetime.date
    answers: dict
    score: Decimal
    level: str


class CarePrescriptionIn(Schema):
    followup: int = Field(..., **ID)
    prescribed_on: datetime.date
    starts_on: datetime.date
    ends_on: datetime.date
    prescriber: str = Field(..., max_length=200)
    renews: int | None = Field(None, **ID)


class CarePrescriptionOut(Schema):
    id: int
    followup_id: int
    prescribed_on: datetime.date
    starts_on: datetime.date
    ends_on: datetime.date
    prescriber: str
    renews_id: int | None


class CareContactIn(Schema):
    kind: CareContactKind
    name: str = Field(..., max_length=200)
    speciality: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)
    notes: str = Field("", max_length=2000)
    service: int | None = Field(None, **ID)


class CareContactOut(Schema):
    id: int
    person_id: int
    service_id: int
    kind: CareContactKind
    name: str
    speciality: str
    phone: str
    notes: str
    ended_on: datetime.date | None


class CareRecordOut(Schema):
    person_id: int
    conditions: list[ConditionOut]
    stay_reasons: list[StayReasonOut]
    prescriptions: list[PrescriptionOut]
    adherence: dict
    transmissions: list[TransmissionOut]
    scales: list[ScaleOut]
    care_prescriptions: list[CarePrescriptionOut]
    care_network: list[CareContactOut]


# ICD-10 catalogue ------------------------------------------------------------------------------------

@router.post("/care/icd10/search", response=list[CodeOut], summary="ICD-10 codes matching a code or words")
def icd10_search(request, payload: SearchIn):
    return [{"code": c, "description": d, "french": f} for c, d, f in services.search_codes(request.user, payload.text)]


# The person's care record -----------------------------------------------------------------------------

@router.get("/persons/{int:person_id}/care", response=CareRecordOut, summary="The person's care record")
def care_record(request, person_id: int):
    person = services.person_for_read(request.user, person_id)
    return {"person_id": person.pk, **services.care_record(request.user, person)}


@router.get("/persons/{int:person_id}/fhir", summary="The person's health compartment as a FHIR R4 Bundle "
            "(collection: Patient, EpisodeOfCare, Encounter, Observation, Condition, Immunization, ServiceRequest)")
def fhir_bundle(request, person_id: int):
    _person, bundle = fhir.health_bundle(request.user, person_id)
    return bundle


@router.post("/persons/{int:person_id}/conditions", response={201: ConditionOut}, summary="Code a health problem")
def add_condition(request, person_id: int, payload: ConditionIn):
    person = services.person_for_write(request.user, person_id)
    condition = services.add_condition(request.user, person, payload.code, payload.onset_on, payload.status,
                                       payload.note, payload.service)
    return Reply(201, condition)


@router.patch("/conditions/{int:condition_id}", response=ConditionOut, summary="Change a health problem's status")
def update_condition(request, condition_id: int, payload: ConditionPatch):
    condition, person = services.update_condition(request.user, condition_id, payload.version, payload.status,
                                                  payload.onset_on, payload.note)
    return condition


@router.post("/persons/{int:person_id}/stay-reasons", response={201: StayReasonOut},
             summary="Code the reason for a residential stay")
def set_stay_reason(request, person_id: int, payload: StayReasonIn):
    person = services.person_for_write(request.user, person_id)
    reason = services.set_stay_reason(request.user, person, payload.followup, payload.code, payload.version)
    return Reply(201, reason)


@router.post("/persons/{int:person_id}/prescriptions", response={201: PrescriptionOut}, summary="Prescribe a drug")
def add_prescription(request, person_id: int, payload: PrescriptionIn):
    person = services.person_for_write(request.user, person_id)
    prescription = services.add_prescription(
        request.user, person, payload.drug, payload.dose, payload.route, payload.times, payload.starts_on,
        payload.ends_on, payload.prescriber, payload.notes, payload.service)
    return Reply(201, prescription)


@router.post("/prescriptions/{int:prescription_id}/stop", response=PrescriptionOut, summary="End a prescription")
def stop_prescription(request, prescription_id: int, payload: StopIn):
    prescription, person = services.stop_prescription(request.user, prescription_id, payload.version, payload.ends_on)
    return prescription


@router.post("/prescriptions/{int:prescription_id}/doses", response={200: DoseOut, 201: DoseOut},
             summary="Record a dose: given, refused or not given (idempotent: 200 when already recorded)")
def record_dose(request, prescription_id: int, payload: DoseIn):
    dose, created, person = services.record_dose(request.user, prescription_id, payload.due_on, payload.due_time,
                                                 payload.status, payload.reason)
    return Reply(201 if created else 200, dose)


@router.post("/persons/{int:person_id}/transmissions", response={201: TransmissionOut},
             summary="Write a targeted transmission (target, data, actions, results)")
def add_transmission(request, person_id: int, payload: TransmissionIn):
    person = services.person_for_write(request.user, person_id)
    t = services.add_transmission(request.user, person, payload.target, payload.data, payload.actions,
                                  payload.results, payload.on, payload.shift, payload.service)
    return Reply(201, t)


@router.post("/persons/{int:person_id}/scales", response={201: ScaleOut}, summary="Score a standard scale")
def add_scale(request, person_id: int, payload: ScaleIn):
    person = services.person_for_write(request.user, person_id)
    result = services.record_scale(request.user, person, payload.scale, payload.answers, payload.on, payload.service)
    return Reply(201, result)


@router.get("/care/scales", summary="The standard scales: items, answers and their points, thresholds")
def list_scales(request):
    return [{"code": s.code, "label": str(s.label), "kind": s.kind, "higher_is_worse": s.higher_is_worse,
             "items": [{"code": i.code, "label": str(i.label), "computed": i.computed, "adverbs": i.adverbs,
                        "minimum": i.minimum,
                        "maximum": i.maximum, "choices": [{"value": v, "label": str(lab), "points": p}
                                                          for v, lab, p in i.choices]} for i in s.items],
             "levels": [{"code": c, "label": str(lab), "from": low} for c, lab, low in s.levels],
             # AGGIR: an item may be answered by "<item>_adverbs" (letters among these; "-" for none)
             "adverbs": [{"code": c, "label": str(lab)} for c, lab in AGGIR_ADVERBS] if s.kind == "aggir" else []}
            for s in SCALES.values()]


@router.post("/persons/{int:person_id}/care-prescriptions", response={201: CarePrescriptionOut},
             summary="Record the medical prescription (or its renewal) of a home-nursing follow-up")
def add_care_prescription(request, person_id: int, payload: CarePrescriptionIn):
    person = services.person_for_write(request.user, person_id)
    cp = services.add_care_prescription(request.user, person, payload.followup, payload.prescribed_on,
                                        payload.starts_on, payload.ends_on, payload.prescriber, payload.renews)
    return Reply(201, cp)


@router.post("/persons/{int:person_id}/care-contacts", response={201: CareContactOut},
             summary="Add a member of the person's care network (GP, specialist, hospital, pharmacy, home nursing)")
def add_care_contact(request, person_id: int, payload: CareContactIn):
    person = services.person_for_write(request.user, person_id)
    contact = services.add_care_contact(request.user, person, payload.kind, payload.name, payload.speciality,
                                        payload.phone, payload.notes, payload.service)
    return Reply(201, contact)


# Wards and rounds -----------------------------------------------------------------------------------

class FiguresQuery(Schema):
    service: int = Field(..., **ID)
    start: datetime.date | None = None
    end: datetime.date | None = None


def _slot(slot):
    r = slot["record"]
    return {"time": slot["time"].strftime("%H:%M"), "state": slot["state"],
            "record": None if r is None else {"id": r.pk, "status": r.status, "reason": r.reason,
                                               "by_id": r.by_id, "at": r.at}}


@router.get("/care/wards/{int:service_id}/chart", summary="The day's administration chart of a ward or round")
def ward_chart(request, service_id: int, day: datetime.date | None = None):
    service, rows, _places = services.ward_chart(request.user, service_id, day or timezone.localdate())
    day = day or timezone.localdate()
    return {"service_id": service.pk, "day": day, "persons": [{
        "person_id": r["person"].pk, "name": str(r["person"]),
        "place": None if r["place"] is None else {"id": r["place"].pk, "label": r["place"].label},
        "doses": [{"prescription_id": line["prescription"].pk, "drug": line["prescription"].drug,
                   "dose": line["prescription"].dose, "route": line["prescription"].route,
                   "slots": [_slot(s) for s in line["slots"]]} for line in r["lines"]],
        "transmissions": [TransmissionOut.from_orm(t).dict() for t in r["transmissions"]],
        "pain": None if r["pain"] is None else {"on": r["pain"].on, "score": r["pain"].score}} for r in rows]}


@router.get("/care/wards/{int:service_id}/alerts", summary="Missed doses, prescriptions ending, visits behind")
def ward_alerts(request, service_id: int):
    service = services.ward_service(request.user, service_id)
    found = services.ward_alerts(request.user, service)
    return [{"kind": a["kind"], "person_id": a["person"].pk, "on": a["on"],
             "time": a["time"].strftime("%H:%M") if a.get("time") else None,
             "record_id": a["record"].pk, "days": a.get("days"), "every": a.get("every")} for a in found]


@router.get("/care/indicators", summary="Health figures of a service (disclosure-controlled; health readers only)")
def health_indicators(request, q: Query[FiguresQuery]):
    found = services.ward_service(request.user, q.service)
    period = make_period(q.start, q.end)
    return {"service_id": found.pk, "from": period.start, "to": period.end,
            "tables": indicators.health_figures(Service.objects.filter(pk=found.pk), period)}
