"""The person's timeline (access model), the API and the capture screens."""

import datetime
import uuid

import pytest
from django.utils import timezone

from aupres.core import access
from aupres.encounters import services
from aupres.encounters.models import Act, CollectiveAction, Encounter, Orientation, RightsApplication
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.services.models import Profession

pytestmark = pytest.mark.django_db


def when(days=1):
    return timezone.now() - datetime.timedelta(days=days)


def seed(world):
    """Service A records health, social and administrative content; service B follows the person too."""
    nurse = world.users[Profession.NURSE]
    person = access.get_visible_person(nurse, world.person.pk)
    encounter, _ = services.create_encounter(
        nurse, service_id=world.service_a.pk, occurred_at=when(3), place_kind="street", mode="visit",
        persons=[world.person.pk], acts=[{"kind": "wound_care", "details": "plaie-secrete"},
                                         {"kind": "social_interview", "details": "entretien-social"},
                                         {"kind": "rights_application", "details": "dossier-ame"}])
    services.create_orientation(nurse, person, kind="admission_request", target="lhss", partner_name="LHSS Lille")
    services.create_orientation(nurse, person, kind="orientation", target="shelter", partner_name="CHU Nord")
    services.create_rights_application(nurse, person, kind="ame")
    FollowUp.objects.create(person=world.person, service=world.service_b, opened_on=datetime.date(2026, 2, 1))
    services.create_encounter(world.outsider, service_id=world.service_b.pk, occurred_at=when(1),
                              place_kind="shelter", mode="visit", persons=[world.person.pk],
                              acts=[{"kind": "medical_consultation", "details": "secret-de-b"}])
    return encounter


def flat(events):
    out = []
    for e in events:
        out.append((e.kind, e.service.name, tuple(sorted(a.kind for a in e.acts)),
                    getattr(e.record, "target", None) or getattr(e.record, "kind", None)))
    return out


@pytest.mark.parametrize("profession", list(Profession))
def test_timeline_shows_what_the_viewer_may_see(world, profession):
    seed(world)
    user = world.users[profession]
    person = access.get_visible_person(user, world.person.pk)
    comps = services._comps(user, world.service_a.pk)
    events = services.timeline(user, person)
    kinds = [e.kind for e in events]
    # Service B's content never shows; only the fact that it follows the person.
    assert all(e.service == world.service_a for e in events if e.own)
    other = [e for e in events if not e.own]
    assert [(e.kind, e.service) for e in other] == [("other_service", world.service_b)]
    assert not other[0].acts and other[0].encounter is None
    acts = {a.kind for e in events for a in e.acts}
    expected_acts = {k for k, c in (("wound_care", "health"), ("social_interview", "social"),
                                    ("rights_application", "administrative")) if c in comps}
    assert acts == expected_acts
    if "social" in comps:
        assert kinds.count("encounter") == 1 and "act" not in kinds
    else:  # head of service: no encounter, the administrative act alone
        assert "encounter" not in kinds and kinds.count("act") == 1
    orientations = {e.record.target for e in events if e.kind == "orientation"}
    assert orientations == {t for t, c in (("lhss", "health"), ("shelter", "social")) if c in comps}
    assert ("rights_application" in kinds) == ("administrative" in comps)
    assert "followup_opened" in kinds


def test_a_confidential_service_is_not_even_named_to_other_teams(world):
    world.service_b.confidential_location = True
    world.service_b.save()
    seed(world)
    user = world.users[Profession.DOCTOR]
    events = services.timeline(user, access.get_visible_person(user, world.person.pk))
    assert not [e for e in events if e.service == world.service_b]


def test_person_page_shows_the_timeline_filtered(world, client_as):
    seed(world)
    page = client_as(world.users[Profession.SOCIAL_WORKER]).get(f"/personnes/{world.person.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="timeline"' in html
    assert "entretien-social" in html and "CHU Nord" in html
    assert "plaie-secrete" not in html and "LHSS Lille" not in html and "secret-de-b" not in html
    assert world.service_b.name in html  # followed by B, without content
    nurse_html = client_as(world.users[Profession.NURSE]).get(f"/personnes/{world.person.pk}/").content.decode()
    assert "plaie-secrete" in nurse_html and "LHSS Lille" in nurse_html and "secret-de-b" not in nurse_html


# API ------------------------------------------------------------------------------------------

def test_api_create_and_read_an_encounter(world, api_as):
    api = api_as(world.users[Profession.NURSE])
    key = str(uuid.uuid4())
    body = {"client_uuid": key, "occurred_at": when(1).isoformat(), "place_kind": "street", "mode": "visit",
            "persons": [world.person.pk], "acts": [{"kind": "wound_care", "details": "d1"},
                                                   {"kind": "social_interview"}],
            "orientations": [{"kind": "orientation", "target": "pass"}]}
    r = api.post("/encounters", body)
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["client_uuid"] == key and len(data["acts"]) == 3
    assert api.post("/encounters", body).status_code == 200  # retried sync: recorded once
    assert Encounter.objects.count() == 1
    social = api_as(world.users[Profession.SOCIAL_WORKER])
    seen = social.get(f"/encounters/{data['id']}").json()
    assert {a["kind"] for a in seen["acts"]} == {"social_interview", "orientation"}
    assert api_as(world.outsider).get(f"/encounters/{data['id']}").status_code == 404
    assert api_as(world.users[Profession.HEAD_OF_SERVICE]).get(f"/encounters/{data['id']}").status_code == 403
    listed = social.get(f"/encounters?person={world.person.pk}").json()
    assert listed["count"] == 1
    assert api_as(world.outsider).get(f"/encounters?person={world.person.pk}").status_code == 404


def test_api_refuses_a_health_act_from_a_social_worker(world, api_as):
    r = api_as(world.users[Profession.SOCIAL_WORKER]).post("/encounters", {
        "occurred_at": when(1).isoformat(), "place_kind": "street", "mode": "visit",
        "persons": [world.person.pk], "acts": [{"kind": "vaccination"}]})
    assert r.status_code == 403 and r.json()["code"] == "compartment_forbidden"


def test_api_street_round(world, api_as):
    r = api_as(world.users[Profession.NURSE]).post("/encounters", {
        "occurred_at": when(0).isoformat(), "place_kind": "camp", "mode": "street_round",
        "persons": [world.person.pk], "new_persons": [{"alias": "Petit Jean", "estimated_age": 30}],
        "anonymous_contacts": 4, "acts": [{"kind": "first_aid", "new_person": 0}]})
    assert r.status_code == 201, r.content
    assert r.json()["anonymous_contacts"] == 4 and len(r.json()["persons"]) == 2


def test_api_orientations_lifecycle(world, api_as):
    api = api_as(world.users[Profession.SOCIAL_WORKER])
    r = api.post("/orientations", {"person": world.person.pk, "kind": "admission_request", "target": "shelter",
                                   "partner_name": "CHRS"})
    assert r.status_code == 201
    o = r.json()
    assert o["status"] == "sent" and "accepted" in o["next_statuses"]
    r = api.patch(f"/orientations/{o['id']}", {"version": o["version"], "status": "accepted"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert api.patch(f"/orientations/{o['id']}", {"version": o["version"], "status": "honoured"}).status_code == 409
    r = api.patch(f"/orientations/{o['id']}", {"version": o["version"] + 1, "status": "sent"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_transition"
    assert [x["id"] for x in api.get("/orientations").json()] == [o["id"]]
    assert api_as(world.outsider).get(f"/orientations/{o['id']}").status_code == 404
    r = api.post("/orientations", {"person": world.person.pk, "kind": "admission_request", "target": "lam"})
    assert r.status_code == 403
    health = api_as(world.users[Profession.DOCTOR]).post("/orientations", {
        "person": world.person.pk, "kind": "admission_request", "target": "lam"}).json()
    r = api.get(f"/orientations/{health['id']}")
    assert r.status_code == 403 and r.json()["code"] == "compartment_forbidden"


def test_api_rights_applications_and_alert(world, api_as):
    api = api_as(world.users[Profession.SOCIAL_WORKER])
    today = timezone.localdate()
    r = api.post("/rights-applications", {
        "person": world.person.pk, "kind": "css", "status": "granted",
        "status_on": str(today - datetime.timedelta(days=300)),
        "valid_until": str(today + datetime.timedelta(days=20))})
    assert r.status_code == 201, r.content
    assert r.json()["renewal_alert"] is True
    assert [a["id"] for a in api.get("/rights-applications?renewal_alert=true").json()] == [r.json()["id"]]
    # The person's right statuses keep their own path.
    assert api.get(f"/persons/{world.person.pk}/rights").status_code == 200
    assert api_as(world.users[Profession.HEAD_OF_SERVICE]).get("/rights-applications").json()
    assert api_as(world.outsider).get("/rights-applications").json() == []


def test_api_collective_actions(world, api_as):
    api = api_as(world.users[Profession.NURSE])
    r = api.post("/collective-actions", {"occurred_on": str(timezone.localdate()), "kind": "vaccination_campaign",
                                         "title": "Grippe", "audience": "persons_supported", "participants": 30,
                                         "vaccinations": 25})
    assert r.status_code == 201
    assert len(api.get("/collective-actions").json()) == 1
    assert api_as(world.outsider).get(f"/collective-actions/{r.json()['id']}").status_code == 404


def test_api_timeline(world, api_as):
    seed(world)
    events = api_as(world.users[Profession.SOCIAL_WORKER]).get(f"/persons/{world.person.pk}/timeline").json()
    assert {"encounter", "orientation", "other_service"} <= {e["kind"] for e in events}
    assert not any(a["compartment"] == "health" for e in events for a in e["acts"])
    assert api_as(world.outsider).get(f"/persons/{world.person.pk}/timeline").status_code == 200
    assert api_as(world.users["partner"]).get(f"/persons/{world.person.pk}/timeline").status_code == 404


# Screens --------------------------------------------------------------------------------------

def rows(prefix, *rows):
    """A formset's rows as a browser posts them (D63): prefix-TOTAL_FORMS, prefix-N-field."""
    data = {f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def test_encounter_screen_records_two_acts_and_an_orientation(world, client_as):
    client = client_as(world.users[Profession.NURSE])
    assert client.get(f"/activite/rencontre/nouvelle/?personne={world.person.pk}").status_code == 200
    r = client.post("/activite/rencontre/nouvelle/", {
        "service": world.service_a.pk, "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place_kind": "street", "mode": "visit", "person": [world.person.pk],
        **rows("acts", {"kind": "wound_care", "details": "a"}, {"kind": "social_interview", "details": "b"}),
        "orientation-kind": "orientation", "orientation-target": "pass", "orientation-partner_name": "PASS"})
    assert r.status_code == 302, r.content.decode()[:2000]
    encounter = Encounter.objects.get()
    assert sorted(encounter.acts.values_list("kind", flat=True)) == ["orientation", "social_interview",
                                                                     "wound_care"]
    assert Orientation.objects.get().partner_name == "PASS"


def test_encounter_screen_keeps_what_was_typed_on_error(world, client_as):
    client = client_as(world.users[Profession.SOCIAL_WORKER])
    r = client.post("/activite/rencontre/nouvelle/", {
        "service": world.service_a.pk, "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place_kind": "street", "mode": "visit", "person": [world.person.pk],
        **rows("acts", {"kind": "vaccination", "person": "", "details": "tapé-par-moi"})})
    assert r.status_code == 200 and "tapé-par-moi" in r.content.decode()
    assert not Encounter.objects.exists() and not Act.objects.exists()


def test_round_screen(world, client_as):
    client = client_as(world.users[Profession.NURSE])
    assert client.get("/activite/maraude/").status_code == 200
    r = client.post("/activite/maraude/", {
        "service": world.service_a.pk, "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place_kind": "street", "mode": "street_round", "anonymous_contacts": 5,
        "person": [world.person.pk], f"act_{world.person.pk}": "social_interview",
        **rows("new", {"alias": "Grand Paul", "first_name": "", "sex": "male", "estimated_age": "45",
                       "act": "first_aid"}, {"alias": "", "first_name": "", "sex": "unknown", "estimated_age": "",
                                             "act": ""})})
    assert r.status_code == 302, r.content.decode()[:3000]
    encounter = Encounter.objects.get()
    assert encounter.anonymous_contacts == 5 and encounter.participants.count() == 2
    paul = Person.objects.get(alias="Grand Paul")
    assert encounter.acts.get(kind="first_aid").person == paul


def test_round_search_is_posted_and_scoped(world, client_as):
    r = client_as(world.outsider).post("/activite/personnes/", {"q": "benali", "target": "round"})
    assert r.status_code == 200 and "BENALI" not in r.content.decode()
    r = client_as(world.users[Profession.NURSE]).post("/activite/personnes/", {"q": "benali", "target": "round"})
    assert "BENALI" in r.content.decode()


def test_lists_and_updates(world, client_as):
    seed(world)
    client = client_as(world.users[Profession.NURSE])
    pid = world.person.pk
    for url in ("/activite/", "/activite/orientations/", "/activite/droits/", "/activite/actions-collectives/",
                f"/activite/personnes/{pid}/orientation/", f"/activite/personnes/{pid}/droits/"):
        assert client.get(url).status_code == 200, url
    o = Orientation.objects.get(target="shelter")
    r = client.post(f"/activite/orientations/{o.pk}/", {"version": o.version, "status": "pending",
                                                        "on": str(timezone.localdate())})
    assert r.status_code == 302
    o.refresh_from_db()
    assert o.status == "pending"
    a = RightsApplication.objects.get()
    r = client.post(f"/activite/droits/{a.pk}/", {"version": a.version, "status": "filed",
                                                  "on": str(timezone.localdate())})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == "filed"
    r = client.post("/activite/actions-collectives/", {
        "service": world.service_a.pk, "occurred_on": str(timezone.localdate()), "kind": "workshop",
        "title": "Atelier hygiène", "audience": "persons_supported", "place": "", "participants": 8,
        "persons_trained": 0, "screenings": 0, "vaccinations": 0})
    assert r.status_code == 302 and CollectiveAction.objects.get().participants == 8
    assert client_as(world.outsider).get(f"/activite/orientations/{o.pk}/").status_code == 404
