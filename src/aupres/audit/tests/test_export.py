"""GDPR access request: everything held about a person, JSON (API) and PDF (screen)."""

import pytest

from aupres.audit.export import collect
from aupres.audit.models import AccessEvent, RectificationEntry

pytestmark = pytest.mark.django_db


def test_export_collects_every_record_pointing_to_the_person(world):
    RectificationEntry.objects.create(person=world.person, record="person", compartment="administrative",
                                      field="phone", old_value="0611", new_value="0600000000")
    data = collect(world.person)
    models = {s["model"] for s in data["sections"]}
    assert {"persons.note", "persons.livingsituation", "persons.rightstatus", "persons.medicalprofile",
            "followups.followup", "audit.rectificationentry"} <= models
    assert "audit.accessevent" not in models
    assert data["person"]["values"]["first_name"] == "Amina"
    assert "search_text" not in data["person"]["values"]
    notes = next(s for s in data["sections"] if s["model"] == "persons.note")
    assert {r["values"]["text"] for r in notes["rows"]} == {f"note-{c}-secrete" for c in
                                                             ("health", "social", "administrative")}


def test_head_of_service_exports_json_and_the_export_is_audited(world, api_as):
    r = api_as(world.users["head_of_service"]).get(f"/persons/{world.person.pk}/export")
    assert r.status_code == 200
    body = r.json()
    assert body["person"]["last_name"] == "Benali"
    # What the head reads (administrative); the health part is asked of the doctor (test_export_scope.py).
    assert "persons.medicalprofile" not in body["records"]
    assert len(body["records"]["persons.note"]) == 1
    [event] = AccessEvent.objects.filter(action="export")
    assert event.channel == "api" and event.user == world.users["head_of_service"]
    assert event.compartment_list == ["identity", "administrative"]


@pytest.mark.parametrize("who, status", [("social_worker", 403), ("mediator", 403), ("partner", 404),
                                         ("funder", 404)])
def test_only_the_head_of_a_following_service_exports(world, api_as, who, status):
    r = api_as(world.users[who]).get(f"/persons/{world.person.pk}/export")
    assert r.status_code == status
    assert not AccessEvent.objects.filter(action="export").exists()


def test_head_of_another_service_cannot_export(world, api_as, client_as):
    assert api_as(world.outsider_head).get(f"/persons/{world.person.pk}/export").status_code == 404
    assert client_as(world.outsider_head).get(f"/journal/personnes/{world.person.pk}/export.pdf").status_code == 404


def test_pdf_export_from_the_person_page(world, client_as):
    client = client_as(world.users["head_of_service"])
    page = client.get(f"/personnes/{world.person.pk}/")
    assert 'id="export-pdf"' in page.content.decode()
    r = client.get(f"/journal/personnes/{world.person.pk}/export.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and len(r.content) > 2000
    assert r["Cache-Control"] == "no-store"
    assert AccessEvent.objects.filter(action="export", channel="export", route="audit:person_export_pdf").count() == 1
    social = client_as(world.users["social_worker"])
    assert 'id="export-pdf"' not in social.get(f"/personnes/{world.person.pk}/").content.decode()
    assert social.get(f"/journal/personnes/{world.person.pk}/export.pdf").status_code == 403
