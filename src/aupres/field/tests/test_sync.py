"""POST /api/v1/sync, GET /api/v1/field/caseload and /field/key (issue #12)."""

import datetime
import uuid

import pytest
from django.utils import timezone

from aupres.audit.models import AccessEvent
from aupres.encounters.models import Act, Encounter, EncounterPerson
from aupres.field.models import SyncReceipt
from aupres.followups.models import FollowUp
from aupres.persons.models import Note, Person

pytestmark = pytest.mark.django_db


def now():
    return timezone.now().isoformat()


def encounter_capture(world, person=None, version=None, acts=("social_interview",), **extra):
    person = person or world.person
    person.refresh_from_db()
    return {
        "client_uuid": str(uuid.uuid4()), "kind": "encounter", "captured_at": now(),
        "persons_seen": [{"id": person.pk, "version": person.version if version is None else version}],
        "encounter": {"service": world.service_a.pk, "occurred_at": now(), "place_kind": "street",
                      "mode": "street_round", "persons": [person.pk],
                      "acts": [{"kind": k, "person": person.pk} for k in acts], **extra},
    }


def sync(client, items):
    response = client.post("/sync", {"items": items})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_capture_is_applied_once_whatever_the_retries(world, api_as):
    client = api_as(world.users["social_worker"])
    item = encounter_capture(world, acts=("social_interview", "material_aid"))
    first = sync(client, [item])
    assert first[0]["status"] == "created"
    again = sync(client, [item, item])
    assert [r["status"] for r in again] == ["already_applied", "already_applied"]
    encounter = Encounter.objects.get(client_uuid=item["client_uuid"])
    assert again[0]["record"] == encounter.pk == first[0]["record"]
    assert Encounter.objects.filter(client_uuid=item["client_uuid"]).count() == 1
    assert sorted(Act.objects.filter(encounter=encounter).values_list("kind", flat=True)) == [
        "material_aid", "social_interview"]
    assert SyncReceipt.objects.filter(client_uuid=item["client_uuid"]).count() == 1
    # The write is journalled like other encounter writes (ids and compartment names only).
    event = AccessEvent.objects.concerning(world.person.pk).get(action="create", channel="api")
    assert "social" in event.compartments and event.route == "api:sync"


def test_each_item_is_all_or_nothing_and_alone(world, api_as):
    client = api_as(world.users["social_worker"])
    good = encounter_capture(world)
    # A street round with a new person and an act the social worker may not record (health): nothing of
    # it is saved, not even the new person; the good capture of the same batch is.
    bad = encounter_capture(world, acts=("wound_care",), new_persons=[{"alias": "Nouveau-au-pont"}])
    persons_before = Person.objects.count()
    results = sync(client, [bad, good])
    assert results[0]["status"] == "refused" and results[0]["code"] == "compartment_forbidden"
    assert results[0]["message"] and "santé" in results[0]["message"].lower()
    assert results[1]["status"] == "created"
    assert Person.objects.count() == persons_before
    assert not Encounter.objects.filter(client_uuid=bad["client_uuid"]).exists()
    assert not SyncReceipt.objects.filter(client_uuid=bad["client_uuid"]).exists()
    # The refused capture can be corrected and sent again with the same UUID.
    bad["encounter"]["acts"] = [{"kind": "social_interview", "person": world.person.pk}]
    assert sync(client, [bad])[0]["status"] == "created"
    assert Person.objects.filter(alias="Nouveau-au-pont").count() == 1


def test_malformed_items_are_refused_in_french_one_by_one(world, api_as):
    client = api_as(world.users["social_worker"])
    good = encounter_capture(world)
    results = sync(client, [{"kind": "encounter"}, {"client_uuid": str(uuid.uuid4()), "kind": "teleport"},
                            {**encounter_capture(world), "encounter": {"mode": "flying"}}, good])
    assert [r["status"] for r in results] == ["refused"] * 3 + ["created"]
    assert results[0]["message"] == "La saisie n'a pas d'identifiant valide."
    assert results[1]["message"] == "Type de saisie inconnu."
    assert results[2]["message"].startswith("Certains champs de la saisie")


def test_a_person_changed_on_the_server_makes_a_conflict_until_the_user_confirms(world, api_as):
    client = api_as(world.users["social_worker"])
    item = encounter_capture(world)
    person = Person.objects.get(pk=world.person.pk)
    person.languages = "arabe, français, anglais"
    person.save_versioned(person.version, update_fields=["languages"])
    result = sync(client, [item])[0]
    assert result["status"] == "conflict" and result["code"] == "person_changed"
    assert "modifiée sur le serveur" in result["message"]
    assert result["persons"] == [{"id": person.pk, "version": person.version, "name": person.display_name}]
    assert not Encounter.objects.filter(client_uuid=item["client_uuid"]).exists()
    # Sent again unchanged: still a conflict (never applied silently).
    assert sync(client, [item])[0]["status"] == "conflict"
    # The user looked at the record and confirms: the capture now refers to the current version.
    item["persons_seen"][0]["version"] = result["persons"][0]["version"]
    assert sync(client, [item])[0]["status"] == "created"
    person.refresh_from_db()
    assert person.languages == "arabe, français, anglais"  # the server's edit is kept


def test_a_capture_must_say_which_version_it_saw(world, api_as):
    client = api_as(world.users["social_worker"])
    item = encounter_capture(world)
    item["persons_seen"] = []
    result = sync(client, [item])[0]
    assert result["status"] == "refused" and result["field"] == "persons_seen"


def test_no_conflict_reveals_a_person_one_may_not_see(world, api_as):
    """Combining: a version mismatch on a person outside my services must not name them."""
    stranger = Person.objects.create(alias="Inconnu-B")
    FollowUp.objects.create(person=stranger, service=world.service_b, opened_on=datetime.date(2026, 1, 5))
    client = api_as(world.users["social_worker"])
    item = encounter_capture(world, person=stranger, version=stranger.version + 5)
    result = sync(client, [item])[0]
    assert result["status"] == "refused"
    assert "Inconnu" not in str(result) and not result.get("persons")
    assert not AccessEvent.objects.concerning(stranger.pk).exists()


def test_another_users_uuid_is_refused(world, api_as):
    item = encounter_capture(world)
    assert sync(api_as(world.users["social_worker"]), [item])[0]["status"] == "created"
    result = sync(api_as(world.users["nurse"]), [item])[0]
    assert result["status"] == "refused" and result["code"] == "duplicate_client_uuid"
    assert "record" not in result or result["record"] is None


def test_a_quick_note_is_applied_once_in_its_compartment(world, api_as):
    client = api_as(world.users["nurse"])
    world.person.refresh_from_db()
    item = {"client_uuid": str(uuid.uuid4()), "kind": "note",
            "persons_seen": [{"id": world.person.pk, "version": world.person.version}],
            "note": {"person": world.person.pk, "compartment": "health", "text": "Pansement refait"}}
    assert sync(client, [item])[0]["status"] == "created"
    assert sync(client, [item])[0]["status"] == "already_applied"
    assert Note.objects.filter(text="Pansement refait", compartment="health").count() == 1
    refused = sync(api_as(world.users["social_worker"]), [{**item, "client_uuid": str(uuid.uuid4())}])[0]
    assert refused["status"] == "refused" and refused["code"] == "compartment_forbidden"


def test_a_street_round_with_new_and_anonymous(world, api_as):
    client = api_as(world.users["social_worker"])
    item = encounter_capture(world, acts=("social_interview", "material_aid"),
                             new_persons=[{"alias": "Lulu", "sex": "female", "estimated_age": 30}],
                             anonymous_contacts=3)
    item["encounter"]["acts"].append({"kind": "material_aid", "new_person": 0})
    assert sync(client, [item])[0]["status"] == "created"
    encounter = Encounter.objects.get(client_uuid=item["client_uuid"])
    assert encounter.anonymous_contacts == 3
    lulu = Person.objects.get(alias="Lulu")
    assert EncounterPerson.objects.filter(encounter=encounter).count() == 2
    assert Act.objects.filter(encounter=encounter, person=lulu).count() == 1
    assert FollowUp.objects.filter(person=lulu, service=world.service_a).exists()


def test_the_cached_caseload_has_no_health_content_without_the_health_compartment(world, api_as):
    social = api_as(world.users["social_worker"]).get("/field/caseload")
    assert social.status_code == 200 and social["Cache-Control"] == "no-store"
    body = social.json()
    row = next(p for p in body["persons"] if p["id"] == world.person.pk)
    assert "allergies" not in row["card"] and "treatments" not in row["card"]
    assert "Diabète" not in social.content.decode() and "health" not in row["note_compartments"]
    assert row["service"] == world.service_a.pk and row["version"] == world.person.version
    nurse = api_as(world.users["nurse"]).get("/field/caseload").json()
    nurse_row = next(p for p in nurse["persons"] if p["id"] == world.person.pk)
    assert "allergies" in nurse_row["card"] and "health" in nurse_row["note_compartments"]
    # The administrative compartment (phone) only for those who hold it.
    assert ("phone" in row["card"]) == ("administrative" in _comps(world, "social_worker"))
    # An outsider's team does not follow the person; accounts without a team are refused; reads journalled.
    assert api_as(world.outsider).get("/field/caseload").json()["persons"] == []
    for kind in ("partner", "funder", "regulator"):
        refused = api_as(world.users[kind]).get("/field/caseload")
        assert refused.status_code == 403 and refused.json()["code"] == "no_team"
        assert "persons" not in refused.json()
    assert AccessEvent.objects.concerning(world.person.pk).filter(action="list", route="api:field_caseload").exists()


def _comps(world, profession):
    from aupres.core.tests.expectations import READS

    return set(READS[profession])


def test_quick_encounter_defaults(world, api_as):
    """Service = the one following the person; place and mode = last used; act = the team's most frequent."""
    worker = world.users["social_worker"]
    client = api_as(worker)
    for kind in ("material_aid", "material_aid", "social_interview"):
        item = encounter_capture(world, acts=(kind,))
        item["encounter"].update(place_kind="squat", mode="visit")
        assert sync(client, [item])[0]["status"] == "created"
    body = client.get("/field/caseload").json()
    service = next(s for s in body["services"] if s["id"] == world.service_a.pk)
    assert (service["place_kind"], service["mode"], service["act"]) == ("squat", "visit", "material_aid")
    assert "wound_care" not in service["acts"]


def test_the_key_is_given_to_the_browser_session_only_and_changes_with_it(world, api_as, client_as):
    assert api_as(world.users["nurse"]).get("/field/key").status_code == 401
    browser = client_as(world.users["nurse"])
    first = browser.get("/api/v1/field/key")
    assert first.status_code == 200 and first["Cache-Control"] == "no-store"
    assert browser.get("/api/v1/field/key").json() == first.json()
    assert len(__import__("base64").b64decode(first.json()["key"])) == 32
    other = client_as(world.users["nurse"]).get("/api/v1/field/key").json()
    assert other["kid"] != first.json()["kid"] and other["key"] != first.json()["key"]
    browser.post("/compte/deconnexion/")
    assert browser.get("/api/v1/field/key").status_code == 401


def test_odd_persons_seen_are_refused_not_crashing(world, api_as):
    client = api_as(world.users["social_worker"])
    for odd in (5, "abc", {"id": 1}, [{"id": "x", "version": 1}], [None]):
        item = encounter_capture(world)
        item["persons_seen"] = odd
        result = sync(client, [item])[0]
        assert result["status"] == "refused" and result["field"] == "persons_seen", (odd, result)
    # An integer no database stores is refused for the whole request by the API's typed-value check.
    item = encounter_capture(world)
    item["persons_seen"] = [{"id": 2**70, "version": 1}]
    response = client.post("/sync", {"items": [item]})
    assert response.status_code == 400 and response.json()["code"] == "number_too_large", response.content
    assert not Encounter.objects.exists()
