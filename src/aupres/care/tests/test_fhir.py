"""FHIR R4 export of the health compartment (issue #17, D51): the bundle validates with fhir.resources, holds
the expected resources for a hand-built person, only the health compartment, only for health readers, journaled."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from aupres.audit.models import AccessEvent
from aupres.care.models import Condition, ScaleResult
from aupres.encounters.models import Act, Encounter, EncounterPerson, Orientation
from aupres.followups.models import FollowUp, HealthCheck
from aupres.persons.models import Person

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def record(world):
    """world.person (followed by service A) with one of everything the export carries, and social content
    that must stay out of it; a person of service B whose records must not appear either."""
    person, followup = world.person, FollowUp.objects.get(person=world.person, service=world.service_a)
    nurse = world.users["nurse"]
    world.condition = Condition.objects.create(person=person, service=world.service_a, code="E11.9",
                                               group="diabetes", onset_on=datetime.date(2020, 3, 1),
                                               note="suivi-diabete", recorded_by=nurse)
    HealthCheck.objects.create(followup=followup, done_on=TODAY, by=nurse, weight_kg=Decimal("61.5"),
                               height_cm=170, systolic_mmhg=128, diastolic_mmhg=82, heart_rate=74,
                               temperature_c=Decimal("37.2"), spo2=97, notes="constat-sante")
    ScaleResult.objects.create(person=person, service=world.service_a, scale="pain_nrs", on=TODAY,
                               answers={"pain": 4}, score=Decimal("4"), level="moderate", by=nurse)
    at = timezone.now() - datetime.timedelta(days=2)
    encounter = Encounter.objects.create(service=world.service_a, occurred_at=at, place_kind="street",
                                         mode="street_round")
    EncounterPerson.objects.create(encounter=encounter, person=person, followup=followup, service=world.service_a,
                                   occurred_at=at)
    Act.objects.create(encounter=encounter, person=person, kind="vaccination", details="DTP rappel")
    Act.objects.create(encounter=encounter, person=person, kind="social_interview", details="entretien-social-secret")
    # An encounter with social acts only: not in the health export.
    social = Encounter.objects.create(service=world.service_a, occurred_at=at, place_kind="street", mode="visit")
    EncounterPerson.objects.create(encounter=social, person=person, followup=followup, service=world.service_a,
                                   occurred_at=at)
    Act.objects.create(encounter=social, person=person, kind="material_aid", details="aide-materielle-secrete")
    Orientation.objects.create(person=person, service=world.service_a, kind="orientation", target="hospital",
                               partner_name="CHU de Lille", sent_on=TODAY, status_on=TODAY,
                               appointment_on=TODAY + datetime.timedelta(days=3))
    Orientation.objects.create(person=person, service=world.service_a, kind="orientation", target="shelter",
                               partner_name="CHRS-secret", sent_on=TODAY, status_on=TODAY, note="hebergement-secret")
    # Service B's records of a person it follows: never in service A's export.
    other = Person.objects.create(first_name="Autre", last_name="Personne")
    FollowUp.objects.create(person=other, service=world.service_b, opened_on=TODAY)
    Condition.objects.create(person=person, service=world.service_b, code="F20.0", group="psychiatric")
    return world


def _bundle(response):
    assert response.status_code == 200, response.content[:300]
    return json.loads(response.content)


def _by_type(bundle):
    found = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def test_the_bundle_validates_and_holds_the_expected_resources(record, api_as):
    bundle = _bundle(api_as(record.users["nurse"]).get(f"/persons/{record.person.pk}/fhir"))
    parsed = Bundle.model_validate(bundle)  # parsed back by fhir.resources (R4B: the R4 structure)
    assert parsed.type == "collection" and len(parsed.entry) == len(bundle["entry"])
    for entry in bundle["entry"]:  # each resource also by its own model
        get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(entry["resource"])
        assert entry["fullUrl"].startswith("urn:uuid:")
    found = _by_type(bundle)
    assert {k: len(v) for k, v in found.items()} == {
        "Patient": 1, "EpisodeOfCare": 1, "Encounter": 1, "Observation": 7, "Condition": 1, "Immunization": 1,
        "ServiceRequest": 1}
    patient = found["Patient"][0]
    assert patient["name"][0] == {"use": "official", "family": "Benali", "given": ["Amina"]}
    assert patient["birthDate"] == "1980-05-01"
    condition = found["Condition"][0]
    assert condition["code"]["coding"][0]["system"] == "http://hl7.org/fhir/sid/icd-10"
    assert condition["code"]["coding"][0]["code"] == "E11.9"
    assert condition["clinicalStatus"]["coding"][0]["code"] == "active"
    loinc = {o["code"]["coding"][0]["code"]: o for o in found["Observation"]}
    assert loinc["29463-7"]["valueQuantity"]["value"] == 61.5 and loinc["29463-7"]["valueQuantity"]["code"] == "kg"
    assert [c["valueQuantity"]["value"] for c in loinc["85354-9"]["component"]] == [128, 82]
    assert loinc["72514-3"]["valueQuantity"]["value"] == 4
    assert found["Immunization"][0]["note"] == [{"text": "DTP rappel"}]
    request = found["ServiceRequest"][0]
    assert request["performer"] == [{"display": "CHU de Lille"}] and request["status"] == "active"
    encounter = found["Encounter"][0]
    assert encounter["class"]["code"] == "FLD" and [t["text"] for t in encounter["type"]] == ["Vaccination"]
    # references inside the bundle resolve
    urls = {entry["fullUrl"] for entry in bundle["entry"]}
    assert encounter["subject"]["reference"] in urls and encounter["episodeOfCare"][0]["reference"] in urls
    assert found["Immunization"][0]["encounter"]["reference"] in urls


def test_no_social_content_and_no_other_service_leaks(record, api_as):
    text = json.dumps(_bundle(api_as(record.users["doctor"]).get(f"/persons/{record.person.pk}/fhir")),
                      ensure_ascii=False)
    for secret in ("note-social-secrete", "note-administrative-secrete", "entretien-social-secret",
                   "aide-materielle-secrete", "CHRS-secret", "hebergement-secret", "F20.0", "0600000000",
                   "Lille — gare", "Social interview", "Material aid"):
        assert secret not in text, secret


def test_refused_to_who_does_not_hold_health(record, api_as, client_as):
    path = f"/persons/{record.person.pk}/fhir"
    for role in ("social_worker", "head_of_service", "mediator"):
        assert api_as(record.users[role]).get(path).status_code == 403, role
        assert client_as(record.users[role]).post(f"/soins/personnes/{record.person.pk}/fhir/").status_code == 403
    for user in (record.outsider, record.users["funder"], record.users["partner"]):
        assert api_as(user).get(path).status_code == 404
    assert not AccessEvent.objects.filter(action="export").exists()


def test_the_export_is_journaled_without_content(record, api_as):
    nurse = record.users["nurse"]
    api_as(nurse).get(f"/persons/{record.person.pk}/fhir")
    event = AccessEvent.objects.concerning(record.person.pk).filter(user=nurse, action="export").get()
    assert event.compartments == "health" and event.channel == "api"
    assert "fhir" in event.route and "E11" not in str(event.__dict__)


def test_the_screen_downloads_the_file(record, client_as):
    nurse = record.users["nurse"]
    page = client_as(nurse).get(f"/soins/personnes/{record.person.pk}/")
    assert b'data-testid="fhir-export"' in page.content
    response = client_as(nurse).post(f"/soins/personnes/{record.person.pk}/fhir/")
    assert response["Content-Type"] == "application/fhir+json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="fhir-personne-{record.person.pk}-{TODAY:%Y-%m-%d}.json"')
    Bundle.model_validate(json.loads(response.content))
    event = AccessEvent.objects.concerning(record.person.pk).filter(user=nurse, action="export").get()
    assert event.channel == "screen"
    assert client_as(nurse).get(f"/soins/personnes/{record.person.pk}/fhir/").status_code == 405
