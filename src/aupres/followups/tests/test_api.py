"""API of the cycle (list, read, transition, assessments, objectives…) and the caseload alerts."""

import datetime

import pytest
from django.utils import timezone

from aupres.followups.models import FollowUp, Plan
from aupres.followups.tests.helpers import followup_of, put_in_state

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def test_list_read_and_walk_the_cycle(world, api_as):
    api = api_as(world.users["nurse"])
    f = followup_of(world)
    listed = api.get("/followups").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == f.pk
    assert api.get("/followups?state=plan").json()["count"] == 0
    body = api.get(f"/followups/{f.pk}").json()
    assert body["state"] == "intake" and body["next_states"] == ["assessment", "exit"]

    body = api.post(f"/followups/{f.pk}/transition", {"to_state": "assessment", "version": body["version"]}).json()
    assert body["state"] == "assessment" and body["transitions"][0]["by_id"] == world.users["nurse"].pk
    r = api.post(f"/followups/{f.pk}/transition", {"to_state": "plan", "version": body["version"]})
    assert r.status_code == 400 and r.json()["code"] == "assessment_required"
    r = api.post(f"/followups/{f.pk}/assessments", {"assessed_on": TODAY.isoformat(), "items": [
        {"domain": "housing", "level": "severe", "notes": "dort dehors"},
        {"domain": "somatic", "level": "moderate"}]})
    assert r.status_code == 201 and {i["compartment"] for i in r.json()["items"]} == {"social", "health"}
    body = api.post(f"/followups/{f.pk}/transition", {"to_state": "plan", "version": body["version"]}).json()
    r = api.post(f"/followups/{f.pk}/objectives", {"domain": "housing", "title": "CHRS", "due_on": TODAY.isoformat()})
    assert r.status_code == 400 and r.json()["code"] == "plan_required"
    r = api.post(f"/followups/{f.pk}/plans", {"agreed_on": TODAY.isoformat(), "person_took_part": True,
                                               "review_due_on": (TODAY + datetime.timedelta(days=90)).isoformat()})
    assert r.status_code == 201
    r = api.post(f"/followups/{f.pk}/objectives", {"domain": "housing", "title": "CHRS", "due_on": TODAY.isoformat(),
                                                    "actions": "Demande SIAO"})
    assert r.status_code == 201 and r.json()["compartment"] == "social"
    objective = r.json()
    r = api.patch(f"/followups/{f.pk}/objectives/{objective['id']}", {"version": objective["version"],
                                                                       "status": "in_progress"})
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    r = api.patch(f"/followups/{f.pk}/objectives/{objective['id']}", {"version": objective["version"],
                                                                       "status": "abandoned"})
    assert r.status_code == 409 and r.json()["code"] == "stale_edit"
    body = api.post(f"/followups/{f.pk}/transition", {"to_state": "monitoring", "version": body["version"]}).json()
    body = api.post(f"/followups/{f.pk}/transition", {"to_state": "evaluation", "version": body["version"]}).json()
    r = api.post(f"/followups/{f.pk}/evaluations", {"evaluated_on": TODAY.isoformat(), "satisfaction": "satisfied",
                                                     "results": [{"objective": objective["id"], "result": "reached"}]})
    assert r.status_code == 201
    assert api.get(f"/followups/{f.pk}/objectives").json()[0]["status"] == "reached"
    r = api.post(f"/followups/{f.pk}/transition", {"to_state": "exit", "version": body["version"]})
    assert r.status_code == 400 and r.json()["field"] == "exit_reason"
    r = api.post(f"/followups/{f.pk}/transition", {"to_state": "exit", "version": body["version"],
                                                   "exit_reason": "objectives_reached", "exit_destination": "shelter"})
    assert r.status_code == 200 and r.json()["closed_on"] == TODAY.isoformat()
    assert [t["to_state"] for t in r.json()["transitions"]] == [
        "assessment", "plan", "monitoring", "evaluation", "exit"]


def test_stale_transition_is_409(world, api_as):
    api = api_as(world.users["social_worker"])
    f = followup_of(world)
    r = api.post(f"/followups/{f.pk}/transition", {"to_state": "assessment", "version": f.version + 3})
    assert r.status_code == 409 and r.json()["code"] == "stale_edit"


def test_others_get_404(world, api_as):
    f = followup_of(world)
    for user in (world.outsider, world.users["partner"], world.users["funder"]):
        api = api_as(user)
        assert api.get(f"/followups/{f.pk}").status_code == 404
        assert api.get(f"/followups/{f.pk}/objectives").status_code == 404
        assert api.post(f"/followups/{f.pk}/transition", {"to_state": "assessment", "version": 1}).status_code == 404
        assert api.get("/followups").json()["count"] == 0


def test_bad_input_is_a_422_not_a_500(world, api_as):
    api = api_as(world.users["nurse"])
    f = followup_of(world)
    assert api.post(f"/followups/{f.pk}/transition", {"to_state": "nowhere", "version": 1}).status_code == 422
    assert api.post(f"/followups/{f.pk}/health-checks", {"done_on": TODAY.isoformat(), "spo2": 120}).status_code == 422
    r = api.post(f"/followups/{f.pk}/assessments", {"assessed_on": TODAY.isoformat(), "items": []})
    assert r.status_code == 422


def test_lighten_via_api(world, api_as):
    f = put_in_state(followup_of(world), "monitoring")
    api = api_as(world.users["head_of_service"])
    r = api.post(f"/followups/{f.pk}/lighten", {"version": f.version})
    assert r.status_code == 200 and r.json()["lightened_on"] == TODAY.isoformat()


def test_caseload_shows_the_alerts(world, client_as):
    f = followup_of(world)
    service = world.service_a
    service.no_encounter_alert_days = 10
    service.usual_length_max_days = 30
    service.save()
    FollowUp.objects.filter(pk=f.pk).update(opened_on=TODAY - datetime.timedelta(days=40), state="monitoring")
    Plan.objects.create(followup=f, agreed_on=TODAY - datetime.timedelta(days=39),
                        review_due_on=TODAY - datetime.timedelta(days=2))
    body = client_as(world.users["social_worker"]).get("/personnes/").content.decode()
    for code in ("beyond_usual_length", "plan_review_overdue", "no_encounter"):
        assert f'data-alert="{code}"' in body
    service.no_encounter_alert_days = 60
    service.save()
    body = client_as(world.users["social_worker"]).get("/personnes/").content.decode()
    assert 'data-alert="no_encounter"' not in body and 'data-alert="plan_review_overdue"' in body
