"""The service's own encounter fields in the field app (issue #17, D57): the cached caseload carries the
definitions the user may fill in (a social worker never gets a health field), the sync stores the values
through the custom fields' rules, and a bad value refuses its capture alone."""

import decimal
import json

import pytest

from aupres.customfields import services as customfields
from aupres.customfields.models import CustomValue
from aupres.encounters.models import Encounter

from .test_sync import encounter_capture, sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def defined(world):
    head = world.users["head_of_service"]

    def define(**values):
        return customfields.create_definition(head, world.service_a.pk, {"target": "encounter", **values})

    return {
        "dog": define(label="Chien présent", kind="yes_no", compartment="social"),
        "meals": define(label="Repas donnés", kind="number", compartment="social"),
        "spot": define(label="Secteur", kind="choice", options=["Gare", "Port"], compartment="social"),
        "withdrawal": define(label="Signes de sevrage", kind="choice", options=["Oui", "Non"],
                             compartment="health"),
        "person_field": customfields.create_definition(head, world.service_a.pk, {
            "target": "person", "label": "Référent CCAS", "kind": "text", "compartment": "social"}),
    }


def _service(caseload, world):
    return next(s for s in caseload["services"] if s["id"] == world.service_a.pk)


def test_the_caseload_carries_the_encounter_fields_of_the_compartments_held(world, api_as, defined):
    nurse = _service(api_as(world.users["nurse"]).get("/field/caseload").json(), world)
    assert [(f["label"], f["kind"], f["compartment"]) for f in nurse["custom_fields"]] == [
        ("Chien présent", "yes_no", "social"), ("Repas donnés", "number", "social"), ("Secteur", "choice", "social"),
        ("Signes de sevrage", "choice", "health")]
    assert nurse["custom_fields"][2]["options"] == ["Gare", "Port"]
    response = api_as(world.users["social_worker"]).get("/field/caseload")
    social = _service(response.json(), world)
    assert [f["label"] for f in social["custom_fields"]] == ["Chien présent", "Repas donnés", "Secteur"]
    # Nothing of the health field anywhere in what the social worker's phone caches.
    assert "sevrage" not in response.content.decode() and "Oui" not in json.dumps(social)


def test_sync_stores_the_values_and_refuses_a_bad_one_alone(world, api_as, defined):
    nurse = api_as(world.users["nurse"])
    good = encounter_capture(world, custom={f"cf_{defined['dog'].pk}": True, f"cf_{defined['meals'].pk}": "2",
                                            f"cf_{defined['spot'].pk}": "Gare",
                                            f"cf_{defined['withdrawal'].pk}": "Non"})
    bad_choice = encounter_capture(world, custom={f"cf_{defined['spot'].pk}": "Lune"})
    bad_number = encounter_capture(world, custom={f"cf_{defined['meals'].pk}": "beaucoup"})
    not_encounter = encounter_capture(world, custom={f"cf_{defined['person_field'].pk}": "Mme X"})
    results = sync(nurse, [good, bad_choice, bad_number, not_encounter])
    assert [r["status"] for r in results] == ["created", "refused", "refused", "refused"]
    assert results[1]["message"] == "« Secteur » : choisissez l’une des options proposées."
    assert results[1]["field"] == f"cf_{defined['spot'].pk}"
    assert results[2]["field"] == f"cf_{defined['meals'].pk}" and "Repas donnés" in results[2]["message"]
    assert results[3]["field"] == f"cf_{defined['person_field'].pk}"  # not an encounter field: refused
    encounter = Encounter.objects.get(client_uuid=good["client_uuid"])
    values = {v.field.label: v.value for v in CustomValue.objects.filter(encounter=encounter)}
    assert values == {"Chien présent": True, "Repas donnés": decimal.Decimal(2), "Secteur": "Gare",
                      "Signes de sevrage": "Non"}
    # A refused capture wrote nothing: neither its encounter nor its values.
    assert not Encounter.objects.filter(client_uuid__in=[bad_choice["client_uuid"], bad_number["client_uuid"]])
    assert CustomValue.objects.count() == 4
    # Sent again: already applied, the values are not written twice.
    assert sync(nurse, [good])[0]["status"] == "already_applied"
    assert CustomValue.objects.count() == 4


def test_a_social_worker_cannot_fill_a_health_field_through_the_sync(world, api_as, defined):
    social = api_as(world.users["social_worker"])
    item = encounter_capture(world, custom={f"cf_{defined['withdrawal'].pk}": "Oui",
                                            f"cf_{defined['dog'].pk}": False})
    result = sync(social, [item])[0]
    assert (result["status"], result["code"]) == ("refused", "compartment_forbidden")
    assert not Encounter.objects.filter(client_uuid=item["client_uuid"]).exists()
    assert not CustomValue.objects.exists()
    item = encounter_capture(world, custom={f"cf_{defined['dog'].pk}": False})
    assert sync(social, [item])[0]["status"] == "created"
    assert CustomValue.objects.get().value is False
