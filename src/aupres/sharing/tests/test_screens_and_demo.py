"""Screens of sharing (person page section, record, withdraw with confirmation, emergency) and the demo."""

import datetime

import pytest

from aupres.audit.models import AccessEvent
from aupres.sharing.models import EmergencyAccess, SharingConsent

pytestmark = pytest.mark.django_db


def test_the_following_team_records_and_withdraws_a_consent_on_screen(world, client_as):
    person = world.person
    team = client_as(world.users["social_worker"])
    page = team.get(f"/personnes/{person.pk}/").content.decode()
    assert 'data-testid="person-sharing"' in page and 'id="consent-add"' in page
    # The head of service (administrative only) sees the section but cannot record.
    head_page = client_as(world.users["head_of_service"]).get(f"/personnes/{person.pk}/").content.decode()
    assert 'data-testid="person-sharing"' in head_page and 'id="consent-add"' not in head_page
    assert team.get(f"/partage/personnes/{person.pk}/consentement/").status_code == 200
    # A mistake keeps what was typed and shows the error on its field.
    r = team.post(f"/partage/personnes/{person.pk}/consentement/", {
        "scope": "social", "given_on": datetime.date.today().isoformat(), "given_how": "oral",
        "to_service": world.service_a.pk, "note": "avec son accord"})
    assert r.status_code == 200 and "avec son accord" in r.content.decode()
    assert not SharingConsent.objects.exists()
    r = team.post(f"/partage/personnes/{person.pk}/consentement/", {
        "scope": "social", "given_on": datetime.date.today().isoformat(), "given_how": "written",
        "to_service": world.service_b.pk})
    assert r.status_code == 302
    consent = SharingConsent.objects.get()
    outsider = client_as(world.outsider)
    assert outsider.get(f"/personnes/{person.pk}/").status_code == 200
    # Withdrawal asks for a confirmation first.
    page = team.get(f"/personnes/{person.pk}/").content.decode()
    assert f'id="withdraw-{consent.pk}"' in page
    confirm = team.get(f"/partage/consentements/{consent.pk}/retrait/")
    assert confirm.status_code == 200 and 'id="withdraw-submit"' in confirm.content.decode()
    assert SharingConsent.objects.get().withdrawn_at is None
    assert team.post(f"/partage/consentements/{consent.pk}/retrait/", {"note": ""}).status_code == 302
    assert outsider.get(f"/personnes/{person.pk}/").status_code == 404
    assert team.post(f"/partage/consentements/{consent.pk}/retrait/", {}).status_code == 200  # already withdrawn


def test_the_emergency_screen(world, client_as):
    person = world.person
    assert client_as(world.users["social_worker"]).get("/partage/urgence/").status_code == 403
    doctor_b = client_as(world.outsider)
    assert doctor_b.get("/partage/urgence/").status_code == 200
    r = doctor_b.post("/partage/urgence/", {"person": person.pk, "reason": "trop court"})
    assert r.status_code == 200 and not EmergencyAccess.objects.exists()
    r = doctor_b.post("/partage/urgence/", {"first_name": "Amina", "last_name": "Benali", "birth_year": 1980,
                                            "reason": "Malaise grave, besoin urgent des antécédents"})
    assert r.status_code == 302 and r.url == f"/personnes/{person.pk}/"
    page = doctor_b.get(r.url).content.decode()
    assert 'data-testid="emergency-banner"' in page and "Diabète secret" in page
    assert AccessEvent.objects.filter(user=world.outsider, emergency=True, route="persons:detail").exists()
    # The following team's doctor is sent to the record at once.
    r = client_as(world.users["doctor"]).post("/partage/urgence/", {
        "person": person.pk, "reason": "Malaise grave, besoin urgent des antécédents"})
    assert r.status_code == 302 and EmergencyAccess.objects.count() == 1


def test_demo_adds_consents_and_an_emergency_access(settings):
    from aupres.demo.loader import Demo

    Demo(persons=40).load()
    assert SharingConsent.objects.filter(to_service__isnull=False).count() >= 3
    assert SharingConsent.objects.filter(withdrawn_at__isnull=False).count() == 1
    assert SharingConsent.objects.filter(to_organisation="CCAS de Lille").count() == 1
    assert EmergencyAccess.objects.count() == 1
    Demo(persons=40).load()
    assert EmergencyAccess.objects.count() == 1 and SharingConsent.objects.count() <= 10


def test_the_search_page_leads_health_professionals_to_emergency_access(world, client_as):
    for profession, shown in (("doctor", True), ("nurse", True), ("social_worker", False), ("head_of_service", False)):
        page = client_as(world.users[profession]).get("/personnes/recherche/").content.decode()
        assert ('data-testid="emergency-entry"' in page) is shown, profession
        assert ('href="/partage/urgence/"' in page) is shown, profession
