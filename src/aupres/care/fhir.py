"""FHIR R4 export of a person's health compartment, for a transfer to a hospital (issue #17, D51).

One Bundle of type "collection" (not "document": a document needs a Composition, an author who attests it
and a signature the team does not give; a transfer sends the record as it stands, resources side by side):
- Patient: names (alias as a nickname), sex, birth date (or birth year);
- EpisodeOfCare: one per follow-up by a service whose health content the reader reads;
- Encounter: each encounter of those services with at least one health act for the person (social acts and
  the encounter's social details are left out: the export is the health compartment);
- Observation: the vital signs of the health checks (LOINC, UCUM units) and the pain scores (0–10);
- Condition: the health problems, coded in ICD-10 (http://hl7.org/fhir/sid/icd-10);
- Immunization: each « vaccination » act (the product records that a vaccination was given, not which
  vaccine: the vaccine code says « unknown » by the data-absent-reason code system, the act's details go in
  a note);
- ServiceRequest: the orientations and admission requests in the health compartment (to a health partner).

Built as plain dicts, then validated by `fhir.resources` (the package ships R4B, FHIR 4.3, whose structure
for these resources is R4's: fhir.resources.R4B). Access: the reader holds the health compartment on the
person (services.person_for_read), and only the records of the services whose health content they read are
exported (services.readable_service_ids). Journaled as an export of the health compartment; nothing logged.
"""

import json
import uuid

from django.utils import timezone

from aupres.audit.services import record
from aupres.care import pathology, services
from aupres.care.models import Condition, ConditionStatus, ScaleResult
from aupres.core.models import Compartment
from aupres.encounters.models import Act, ActKind, EncounterPerson, Mode, Orientation, OrientationStatus
from aupres.followups.models import FollowUp, HealthCheck

ICD10 = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
# Ids in the bundle: stable for a record (uuid5 of the kind and the row), never a name.
NAMESPACE = uuid.UUID("5b0f0c1e-8f1e-4a47-9a0e-617570726573")

SEX = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}
CLINICAL = {ConditionStatus.ACTIVE: "active", ConditionStatus.STABILISED: "active",
            ConditionStatus.REMISSION: "remission", ConditionStatus.RESOLVED: "resolved"}
ENCOUNTER_CLASS = {Mode.STREET_ROUND: ("FLD", "field"), Mode.ACCOMPANIMENT: ("FLD", "field"),
                   Mode.VISIT: ("HH", "home health"), Mode.PHONE: ("VR", "virtual")}
AMBULATORY = ("AMB", "ambulatory")
REQUEST_STATUS = {OrientationStatus.SENT: "active", OrientationStatus.PENDING: "active",
                  OrientationStatus.ACCEPTED: "active", OrientationStatus.HONOURED: "completed",
                  OrientationStatus.REFUSED: "revoked", OrientationStatus.NOT_HONOURED: "revoked",
                  OrientationStatus.CANCELLED: "revoked"}
# (health check field, LOINC code, display, UCUM unit, category)
VITALS = (
    ("weight_kg", "29463-7", "Body weight", "kg", "vital-signs"),
    ("height_cm", "8302-2", "Body height", "cm", "vital-signs"),
    ("heart_rate", "8867-4", "Heart rate", "/min", "vital-signs"),
    ("temperature_c", "8310-5", "Body temperature", "Cel", "vital-signs"),
    ("spo2", "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", "vital-signs"),
    ("glycaemia_g_l", "2339-0", "Glucose [Mass/volume] in Blood", "g/L", "laboratory"),
)
BLOOD_PRESSURE = ("85354-9", "Blood pressure panel with all children optional")
SYSTOLIC, DIASTOLIC = ("8480-6", "Systolic blood pressure"), ("8462-4", "Diastolic blood pressure")
PAIN = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")


def _url(kind, pk):
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}/{pk}')}"


def _ref(kind, pk):
    return {"reference": _url(kind, pk)}


def _instant(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _coding(system, code, display=None):
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _category(code):
    return [{"coding": [_coding(OBSERVATION_CATEGORY, code)]}]


def _quantity(value, unit):
    return {"value": float(value) if not isinstance(value, int) else value, "unit": unit, "system": UCUM,
            "code": unit}


def _patient(person):
    resource = {"resourceType": "Patient", "id": f"person-{person.pk}", "active": True,
                "gender": SEX.get(person.sex, "unknown")}
    names = []
    if person.first_name or person.last_name:
        name = {"use": "official"}
        if person.last_name:
            name["family"] = person.last_name
        if person.first_name:
            name["given"] = [person.first_name]
        names.append(name)
    if person.alias:
        names.append({"use": "nickname", "text": person.alias})
    if names:
        resource["name"] = names
    if person.birth_date:
        resource["birthDate"] = person.birth_date.isoformat()
    elif person.birth_year:
        resource["birthDate"] = str(person.birth_year)
    return resource


def _episode(followup, patient):
    period = {"start": followup.opened_on.isoformat()}
    if followup.closed_on:
        period["end"] = followup.closed_on.isoformat()
    return {"resourceType": "EpisodeOfCare", "id": f"followup-{followup.pk}",
            "status": "finished" if followup.closed_on else "active",
            "type": [{"text": followup.service.kind.name}],
            "patient": patient, "managingOrganization": {"display": followup.service.name}, "period": period}


def _encounter(link, acts, patient):
    code, display = ENCOUNTER_CLASS.get(link.encounter.mode, AMBULATORY)
    return {"resourceType": "Encounter", "id": f"encounter-{link.encounter_id}", "status": "finished",
            "class": _coding(ACT_CODE, code, display),
            "type": [{"text": str(act.get_kind_display())} for act in acts],
            "subject": patient, "episodeOfCare": [_ref("followup", link.followup_id)],
            "period": {"start": _instant(link.occurred_at)},
            "serviceProvider": {"display": link.service.name}}


def _vitals(check, patient):
    when = check.done_on.isoformat()
    base = {"resourceType": "Observation", "status": "final", "subject": patient, "effectiveDateTime": when}
    out = []
    for field, code, display, unit, category in VITALS:
        value = getattr(check, field)
        if value is not None:
            out.append({**base, "id": f"check-{check.pk}-{field.replace('_', '-')}", "category": _category(category),
                        "code": {"coding": [_coding(LOINC, code, display)], "text": display},
                        "valueQuantity": _quantity(value, unit)})
    if check.systolic_mmhg is not None or check.diastolic_mmhg is not None:
        components = [{"code": {"coding": [_coding(LOINC, c, d)]}, "valueQuantity": _quantity(v, "mm[Hg]")}
                      for (c, d), v in ((SYSTOLIC, check.systolic_mmhg), (DIASTOLIC, check.diastolic_mmhg))
                      if v is not None]
        out.append({**base, "id": f"check-{check.pk}-blood-pressure", "category": _category("vital-signs"),
                    "code": {"coding": [_coding(LOINC, *BLOOD_PRESSURE)], "text": BLOOD_PRESSURE[1]},
                    "component": components})
    return out


def _pain(result, patient):
    return {"resourceType": "Observation", "id": f"scale-{result.pk}", "status": "final",
            "category": _category("survey"), "code": {"coding": [_coding(LOINC, *PAIN)], "text": PAIN[1]},
            "subject": patient, "effectiveDateTime": result.on.isoformat(),
            "valueQuantity": {"value": float(result.score), "system": UCUM, "code": "{score}", "unit": "score"}}


def _condition(condition, patient):
    resource = {"resourceType": "Condition", "id": f"condition-{condition.pk}",
                "clinicalStatus": {"coding": [_coding(CONDITION_CLINICAL, CLINICAL.get(condition.status, "active"))]},
                "verificationStatus": {"coding": [_coding(CONDITION_VERIFICATION, "confirmed")]},
                "category": [{"coding": [_coding("http://terminology.hl7.org/CodeSystem/condition-category",
                                                 "problem-list-item")]}],
                "subject": patient, "recordedDate": _instant(condition.recorded_at)}
    if condition.code:
        description = pathology.description(condition.code)
        resource["code"] = {"coding": [_coding(ICD10, condition.code, description or None)],
                            "text": description or condition.code}
    if condition.onset_on:
        resource["onsetDateTime"] = condition.onset_on.isoformat()
    if condition.resolved_on:
        resource["abatementDateTime"] = condition.resolved_on.isoformat()
    if condition.note:
        resource["note"] = [{"text": condition.note}]
    return resource


def _immunization(act, link, patient):
    resource = {"resourceType": "Immunization", "id": f"act-{act.pk}", "status": "completed",
                "vaccineCode": {"coding": [_coding(DATA_ABSENT, "unknown", "Unknown")],
                                "text": "Vaccination (vaccin non codé)"},
                "patient": patient, "encounter": _ref("encounter", act.encounter_id),
                "occurrenceDateTime": _instant(link.occurred_at), "primarySource": True}
    if act.details:
        resource["note"] = [{"text": act.details}]
    return resource


def _service_request(orientation, patient):
    resource = {"resourceType": "ServiceRequest", "id": f"orientation-{orientation.pk}",
                "status": REQUEST_STATUS.get(orientation.status, "unknown"), "intent": "order",
                "category": [{"coding": [_coding(SNOMED, "3457005", "Patient referral")]}],
                "code": {"text": f"{orientation.get_kind_display()} — {orientation.get_target_display()}"},
                "subject": patient, "authoredOn": orientation.sent_on.isoformat(),
                "requester": {"display": orientation.service.name}}
    if orientation.partner_name:
        resource["performer"] = [{"display": orientation.partner_name}]
    if orientation.appointment_on:
        resource["occurrenceDateTime"] = orientation.appointment_on.isoformat()
    if orientation.note:
        resource["note"] = [{"text": orientation.note}]
    return resource


def _resources(user, person):
    """The person's health compartment as FHIR resources (dicts), from the services whose health content the
    user reads, in a stable order."""
    readable = services.readable_service_ids(user, person)
    patient = _ref("person", person.pk)
    out = [("person", person.pk, _patient(person))]
    followups = list(FollowUp.objects.filter(person=person, service_id__in=readable)
                     .select_related("service__kind").order_by("opened_on", "pk"))
    out += [("followup", f.pk, _episode(f, patient)) for f in followups]
    links = list(EncounterPerson.objects.filter(person=person, service_id__in=readable)
                 .select_related("encounter", "service").order_by("occurred_at", "encounter_id"))
    health_acts = {}
    for act in Act.objects.filter(person=person, encounter_id__in=[link.encounter_id for link in links],
                                  compartment=Compartment.HEALTH).order_by("pk"):
        health_acts.setdefault(act.encounter_id, []).append(act)
    vaccinations = []
    for link in links:
        acts = health_acts.get(link.encounter_id)
        if acts:
            out.append(("encounter", link.encounter_id, _encounter(link, acts, patient)))
            vaccinations += [(act, link) for act in acts if act.kind == ActKind.VACCINATION]
    for check in HealthCheck.objects.filter(followup__in=followups).order_by("done_on", "pk"):
        out += [("observation", o["id"], o) for o in _vitals(check, patient)]
    for result in ScaleResult.objects.filter(person=person, service_id__in=readable, scale="pain_nrs").order_by(
            "on", "pk"):
        out.append(("observation", f"scale-{result.pk}", _pain(result, patient)))
    for condition in Condition.objects.filter(person=person, service_id__in=readable).order_by("recorded_at", "pk"):
        out.append(("condition", condition.pk, _condition(condition, patient)))
    out += [("immunization", act.pk, _immunization(act, link, patient)) for act, link in vaccinations]
    orientations = (Orientation.objects.filter(person=person, service_id__in=readable,
                                               compartment=Compartment.HEALTH)
                    .select_related("service").order_by("sent_on", "pk"))
    out += [("orientation", o.pk, _service_request(o, patient)) for o in orientations]
    return out


def build_bundle(user, person, now=None):
    """The Bundle (a dict, validated by fhir.resources) of the person's health compartment as the user reads it.
    Raises a ValueError (pydantic's ValidationError) if a resource does not validate. Neither checks access
    nor journals: health_bundle does."""
    from fhir.resources.R4B.bundle import Bundle  # noqa: PLC0415 — heavy library (0.7 s, pydantic models), loaded only when a FHIR bundle is built

    now = now or timezone.now()
    entries = [{"fullUrl": _url(kind, pk), "resource": resource} for kind, pk, resource in _resources(user, person)]
    bundle = {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "collection",
              "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{uuid.uuid4()}"},
              "timestamp": _instant(now), "entry": entries}
    validated = Bundle.model_validate(bundle)
    return json.loads(validated.model_dump_json(exclude_none=True))


def health_bundle(user, person_id):
    """(person, bundle) for a reader holding the person's health compartment (404 when the person is not
    visible, 403 without health), journaled as an export of the health compartment."""
    person = services.person_for_read(user, person_id)
    bundle = build_bundle(user, person)
    record(user, person, "export", {Compartment.HEALTH})
    return person, bundle


def file_name(person, day=None):
    """The download's name: the person's id and the day, never a name."""
    day = day or timezone.localdate()
    return f"fhir-personne-{person.pk}-{day:%Y-%m-%d}.json"

