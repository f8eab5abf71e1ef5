"""The follow-up screens: access, compartments, transitions and errors that keep what was typed."""

import datetime

import pytest
from django.utils import timezone

from aupres.core.tests.expectations import PROFESSIONS, READS
from aupres.followups import services
from aupres.followups.tests.helpers import followup_of, loaded, put_in_state

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def recorded(world):
    doctor = world.users["doctor"]
    f = loaded(world, doctor, put_in_state(followup_of(world), "plan"))
    services.record_assessment(doctor, f, assessed_on=TODAY, items={
        "somatic": ("severe", "grid-health-secret"), "housing": ("moderate", "grid-social-note"),
        "income": ("mild", "grid-admin-note")})
    services.record_health_check(doctor, f, done_on=TODAY, reasons="hc-secret-reason")
    services.record_plan(doctor, f, agreed_on=TODAY, review_due_on=TODAY + datetime.timedelta(days=30),
                         person_took_part=True)
    services.add_objective(doctor, f, domain="health_care", title="objective-health-secret", due_on=TODAY)
    services.add_objective(doctor, f, domain="housing", title="objective-social", due_on=TODAY)
    return f


@pytest.mark.parametrize("profession", PROFESSIONS)
def test_detail_page_shows_only_the_compartments_held(world, client_as, recorded, profession):
    held = READS[profession]
    body = client_as(world.users[profession]).get(f"/suivis/{recorded.pk}/").content.decode()
    assert ("grid-health-secret" in body) is ("health" in held)
    assert ("hc-secret-reason" in body) is ("health" in held)
    assert ("objective-health-secret" in body) is ("health" in held)
    assert ("grid-social-note" in body) is ("social" in held)
    assert ("objective-social" in body) is ("social" in held)
    assert "grid-admin-note" in body


def test_outsiders_get_404(world, client_as, recorded):
    for user in (world.outsider, world.users["partner"]):
        client = client_as(user)
        assert client.get(f"/suivis/{recorded.pk}/").status_code == 404
        assert client.post(f"/suivis/{recorded.pk}/etape/", {"to_state": "monitoring", "version": 1,
                                                              "on": TODAY}).status_code == 404


def test_health_forms_are_404_without_health(world, client_as, recorded):
    client = client_as(world.users["social_worker"])
    assert client.get(f"/suivis/{recorded.pk}/bilan-de-sante/").status_code == 404
    page = client.get(f"/suivis/{recorded.pk}/evaluations/nouvelle/").content.decode()
    assert 'name="level_housing"' in page and 'name="level_somatic"' not in page


def test_transition_by_screen_then_a_refused_exit_keeps_what_was_typed(world, client_as, recorded):
    client = client_as(world.users["nurse"])
    r = client.post(f"/suivis/{recorded.pk}/etape/", {"to_state": "monitoring", "version": recorded.version,
                                                      "on": TODAY.isoformat(), "note": "ok"})
    assert r.status_code == 302
    recorded.refresh_from_db()
    assert recorded.state == "monitoring"
    r = client.post(f"/suivis/{recorded.pk}/etape/", {"exit": "1", "exit-version": recorded.version,
                                                      "exit-on": TODAY.isoformat(), "exit-exit_reason": "oriented",
                                                      "exit-exit_destination": "", "exit-note": "typed-note"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "typed-note" in body and 'value="oriented" selected' in body
    recorded.refresh_from_db()
    assert recorded.closed_on is None
    r = client.post(f"/suivis/{recorded.pk}/etape/", {"exit": "1", "exit-version": recorded.version,
                                                      "exit-on": TODAY.isoformat(), "exit-exit_reason": "oriented",
                                                      "exit-exit_destination": "lam"})
    assert r.status_code == 302
    recorded.refresh_from_db()
    assert (recorded.state, recorded.exit_destination, recorded.closed_on) == ("exit", "lam", TODAY)


def test_assessment_screen_records_a_grid(world, client_as):
    f = followup_of(world)
    client = client_as(world.users["psychologist"])
    r = client.post(f"/suivis/{f.pk}/evaluations/nouvelle/", {
        "assessed_on": TODAY.isoformat(), "level_psychiatric": "moderate", "notes_psychiatric": "anxiété",
        "level_housing": "severe"})
    assert r.status_code == 302
    assert {(i.domain, i.level) for i in f.assessments.get().items.all()} == {
        ("psychiatric", "moderate"), ("housing", "severe")}
    r = client.post(f"/suivis/{f.pk}/evaluations/nouvelle/", {"assessed_on": TODAY.isoformat()})
    assert r.status_code == 400 and f.assessments.count() == 1
