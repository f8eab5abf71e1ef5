"""Consent to sharing and emergency access (issue #6): access is granted exactly, withdrawn at once, audited."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from aupres.audit.models import AccessEvent
from aupres.core import access
from aupres.core.models import Compartment
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.services.models import Membership, Profession
from aupres.sharing import services
from aupres.sharing.models import EmergencyAccess, EmergencyNotification, SharingConsent

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today().isoformat()
SOCIAL, HEALTH, ADMIN = Compartment.SOCIAL, Compartment.HEALTH, Compartment.ADMINISTRATIVE


def consent(api, person, scope="social", **extra):
    body = {"scope": scope, "given_on": TODAY, "given_how": "oral", **extra}
    return api.post(f"/persons/{person.pk}/consents", body)


def test_a_social_consent_shows_the_person_and_social_content_to_the_other_service_and_nothing_more(
        world, api_as):
    person, doctor_b = world.person, world.outsider
    b_social = world.member(Profession.SOCIAL_WORKER, world.service_b, username="b_social")
    other = api_as(doctor_b)
    assert other.get(f"/persons/{person.pk}").status_code == 404

    r = consent(api_as(world.users["social_worker"]), person, to_service=world.service_b.pk)
    assert r.status_code == 201, r.content
    assert r.json()["from_service_id"] == world.service_a.pk and r.json()["active"] is True

    # The person is visible to service B, with the social compartment only (not health, not administrative).
    assert other.get(f"/persons/{person.pk}").status_code == 200
    assert other.get(f"/persons/{person.pk}/living-situations").status_code == 200
    r = other.get(f"/persons/{person.pk}/medical-profile")
    assert r.status_code == 403 and r.json()["code"] == "compartment_forbidden"
    assert other.get(f"/persons/{person.pk}/rights").status_code in (403,)
    notes = {n["compartment"] for n in other.get(f"/persons/{person.pk}/notes").json()}
    assert notes == {"social"}
    assert access.compartments_on(doctor_b, person) == {SOCIAL}
    assert access.compartments_on(b_social, person) == {SOCIAL}
    assert access.readable_services(doctor_b, person) == {world.service_a.pk: {SOCIAL}}
    assert person in access.visible_persons(doctor_b, compartment=SOCIAL)
    assert person not in access.visible_persons(doctor_b, compartment=HEALTH)
    # Reading is not writing: only the following team changes the record.
    r = other.post(f"/persons/{person.pk}/living-situations", {"kind": "street", "started_on": TODAY})
    assert r.status_code == 403 and r.json()["code"] == "read_only_access"
    r = other.post(f"/persons/{person.pk}/notes", {"compartment": "social", "text": "vu"})
    assert r.status_code == 403
    # Service C, not named in the consent, still sees nothing.
    assert api_as(world.outsider_head).get(f"/persons/{person.pk}").status_code == 404

    # Withdrawal (by service B's own social worker here): effective at the next request.
    consent_id = r_id = SharingConsent.objects.get().pk
    r = api_as(b_social).post(f"/consents/{r_id}/withdraw", {"note": "La personne ne veut plus"})
    assert r.status_code == 200 and r.json()["active"] is False
    assert other.get(f"/persons/{person.pk}").status_code == 404
    assert access.readable_services(doctor_b, person) == {}
    # Kept, never deleted; withdrawing twice is refused.
    assert SharingConsent.objects.filter(pk=consent_id, withdrawn_by=b_social).exists()
    r = api_as(world.users["social_worker"]).post(f"/consents/{consent_id}/withdraw", {})
    assert r.status_code == 409 and r.json()["code"] == "already_withdrawn"
    # Every consent operation is in the audit trail.
    trail = set(AccessEvent.objects.concerning(person.pk).values_list("username", "action", "route"))
    assert {(u, a) for u, a, r in trail if "consent" in r} == {("social_worker", "create"),
                                                               ("b_social", "update")}


def test_a_health_consent_gives_health_to_health_professionals_only_and_is_recorded_by_one(world, api_as):
    person, doctor_b = world.person, world.outsider
    b_social = world.member(Profession.SOCIAL_WORKER, world.service_b, username="b_social")
    r = consent(api_as(world.users["social_worker"]), person, scope="health", to_service=world.service_b.pk)
    assert r.status_code == 403 and r.json()["code"] == "consent_forbidden"
    r = consent(api_as(world.users["head_of_service"]), person, scope="social", to_service=world.service_b.pk)
    assert r.status_code == 403
    r = consent(api_as(world.users["nurse"]), person, scope="health", to_service=world.service_b.pk)
    assert r.status_code == 201
    assert access.compartments_on(doctor_b, person) == {HEALTH}
    assert api_as(doctor_b).get(f"/persons/{person.pk}/medical-profile").status_code == 200
    # A social worker of B sees the person (identity) but no compartment.
    assert access.compartments_on(b_social, person) == frozenset()
    assert api_as(b_social).get(f"/persons/{person.pk}/medical-profile").status_code == 403
    assert api_as(b_social).get(f"/persons/{person.pk}/living-situations").status_code == 403


def test_consent_input_is_checked(world, api_as):
    api = api_as(world.users["social_worker"])
    person = world.person
    assert consent(api, person).status_code == 400  # no recipient
    both = consent(api, person, to_service=world.service_b.pk, to_organisation="CCAS de Lille")
    assert both.status_code == 400 and both.json()["field"] == "to_service"
    assert consent(api, person, to_service=world.service_a.pk).status_code == 400  # itself
    future = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    r = consent(api, person, to_service=world.service_b.pk, given_on=future)
    assert r.status_code == 400 and r.json()["field"] == "given_on"
    assert consent(api, person, scope="administrative", to_service=world.service_b.pk).status_code == 422
    # A partner organisation: recorded, but partner accounts still see no person (D12).
    r = consent(api, person, to_organisation="CCAS de Lille", given_how="written")
    assert r.status_code == 201 and r.json()["recipient"] == "CCAS de Lille"
    assert consent(api, person, to_organisation="CCAS de Lille", given_how="written").status_code == 409
    assert api_as(world.users["partner"]).get(f"/persons/{person.pk}").status_code == 404
    listed = api.get(f"/persons/{person.pk}/consents").json()
    assert [c["to_organisation"] for c in listed] == ["CCAS de Lille"]
    # Someone who does not see the person learns nothing.
    assert api_as(world.outsider).get(f"/persons/{person.pk}/consents").status_code == 404
    assert api_as(world.outsider).post(f"/consents/{listed[0]['id']}/withdraw", {}).status_code == 404


def test_lists_stay_bounded_with_consents_and_emergencies(world, django_assert_max_num_queries):
    doctor_b = world.outsider
    persons = [Person.objects.create(alias=f"P{i}") for i in range(12)]
    for p in persons[:6]:
        SharingConsent.objects.create(person=p, from_service=world.service_a, to_service=world.service_b,
                                      scope="health_social", given_on=datetime.date.today(), given_how="oral")
    EmergencyAccess.objects.create(user=doctor_b, person=persons[7], service=world.service_b, reason="x" * 30,
                                   expires_at=timezone.now() + datetime.timedelta(hours=1))
    access.compartments_by_service(doctor_b)
    with django_assert_max_num_queries(1):
        result = access.compartments_by_person(doctor_b, persons)
    assert [bool(result[p.pk]) for p in persons] == [True] * 6 + [False, True] + [False] * 4
    with django_assert_max_num_queries(1):
        visible = list(access.visible_persons(doctor_b, Person.objects.filter(pk__in=[p.pk for p in persons])))
    assert len(visible) == 7


def open_emergency(api, person, reason="Personne inconsciente aux urgences, besoin des traitements", **extra):
    return api.post("/emergency-access", {"reason": reason, "person": person.pk, **extra})


def test_emergency_access_is_for_health_professionals_of_another_service(world, api_as):
    person = world.person
    b_social = world.member(Profession.SOCIAL_WORKER, world.service_b, username="b_social")
    r = open_emergency(api_as(b_social), person)
    assert r.status_code == 403 and r.json()["code"] == "health_professionals_only"
    r = open_emergency(api_as(world.users["partner"]), person)
    assert r.status_code == 403
    r = open_emergency(api_as(world.users["doctor"]), person)  # their team follows the person
    assert r.status_code == 409 and r.json()["code"] == "already_following"
    r = open_emergency(api_as(world.outsider), person, reason="urgence")
    assert r.status_code == 400 and r.json()["field"] == "reason"
    assert not EmergencyAccess.objects.exists()


def test_emergency_access_opens_health_and_social_for_a_while_audited_and_notified(world, api_as, client_as):
    person, doctor_b = world.person, world.outsider
    head = world.users["head_of_service"]
    type(head).objects.filter(pk=head.pk).update(email="chef@example.org")
    api = api_as(doctor_b)
    r = open_emergency(api, person)
    assert r.status_code == 201, r.content
    emergency = EmergencyAccess.objects.get()
    assert (emergency.user, emergency.service, emergency.heads_notified) == (doctor_b, world.service_b, 1)
    assert emergency.expires_at - emergency.opened_at == datetime.timedelta(hours=24)

    assert api.get(f"/persons/{person.pk}/medical-profile").status_code == 200
    assert api.get(f"/persons/{person.pk}/living-situations").status_code == 200
    assert api.get(f"/persons/{person.pk}/rights").status_code == 403  # never the administrative compartment
    assert access.readable_services(doctor_b, person) == {world.service_a.pk: {HEALTH, SOCIAL}}
    assert {n["compartment"] for n in api.get(f"/persons/{person.pk}/notes").json()} == {"health", "social"}
    r = api.patch(f"/persons/{person.pk}/medical-profile", {"version": 1, "allergies": "x"})
    assert r.status_code == 403

    # Every read during the emergency access carries the flag, the access and the doctor's service.
    events = AccessEvent.objects.concerning(person.pk).filter(user=doctor_b)
    assert events.count() >= 4
    assert set(events.values_list("emergency", "emergency_access_id", "service_id")) == {
        (True, emergency.pk, world.service_b.pk)}
    # Others' reads are not flagged.
    api_as(world.users["nurse"]).get(f"/persons/{person.pk}")
    assert not AccessEvent.objects.filter(user=world.users["nurse"], emergency=True).exists()

    # The head of the following service is notified, in the application and by an e-mail without
    # personal content.
    [notification] = EmergencyNotification.objects.all()
    assert (notification.head, notification.service) == (head, world.service_a)
    [message] = mail.outbox
    assert message.to == ["chef@example.org"]
    text = f"{message.subject}\n{message.body}"
    for secret in ("Amina", "Benali", "Mina", "Diabète", "inconsciente", "traitements", "outsider",
                   str(person.pk) + "/"):
        assert secret not in text, secret
    assert "/partage/urgence/notifications/" in message.body
    listed = api_as(head).get("/emergency-access").json()["notifications"]
    assert [(n["person_id"], n["opened_by"]) for n in listed] == [(person.pk, "outsider_doctor")]
    assert api.get("/emergency-access").json()["opened"][0]["active"] is True
    # Screens: the count in the navigation, the list, the flag on the person page.
    head_screen = client_as(head)
    page = head_screen.get("/personnes/").content.decode()
    assert 'data-testid="emergency-unread">1<' in page
    page = head_screen.get("/partage/urgence/notifications/").content.decode()
    assert "Amina" in page and "inconsciente" in page
    head_screen.post("/partage/urgence/notifications/lues/")
    assert 'data-testid="emergency-unread"' not in head_screen.get("/personnes/").content.decode()
    page = head_screen.get(f"/personnes/{person.pk}/").content.decode()
    assert 'data-testid="emergency-flag"' in page
    # Opening again while active neither duplicates nor notifies again.
    assert open_emergency(api, person).status_code == 201
    assert EmergencyAccess.objects.count() == 1 and len(mail.outbox) == 1

    # Expiry: the record is closed again, and reads after it are not flagged (nothing is disclosed).
    EmergencyAccess.objects.filter(pk=emergency.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert api.get(f"/persons/{person.pk}").status_code == 404
    assert api.get(f"/persons/{person.pk}/medical-profile").status_code == 404
    assert access.readable_services(doctor_b, person) == {}


def test_emergency_access_after_the_setting(world, api_as, settings):
    settings.EMERGENCY_ACCESS_HOURS = 2
    assert open_emergency(api_as(world.outsider), world.person).status_code == 201
    emergency = EmergencyAccess.objects.get()
    assert emergency.expires_at - emergency.opened_at == datetime.timedelta(hours=2)


def test_finding_the_person_needs_an_exact_identification(world, api_as):
    api = api_as(world.outsider)
    reason = "Malaise grave dans la rue, besoin des antécédents"
    r = api.post("/emergency-access", {"reason": reason})
    assert r.status_code == 400 and r.json()["code"] == "identification_required"
    r = api.post("/emergency-access", {"reason": reason, "first_name": "Amina", "last_name": "Benali"})
    assert r.status_code == 400 and r.json()["code"] == "identification_required"
    r = api.post("/emergency-access", {"reason": reason, "first_name": "Amin", "last_name": "Benali",
                                       "birth_year": 1980})
    assert r.status_code == 400 and r.json()["code"] == "no_match"
    assert api.post("/emergency-access", {"reason": reason, "person": 10**9}).json()["code"] == "no_match"
    twin = Person.objects.create(first_name="AMINA", last_name="benali", birth_year=1980)
    r = api.post("/emergency-access", {"reason": reason, "first_name": "amina", "last_name": "BENALI",
                                       "birth_year": 1980})
    assert r.status_code == 400 and r.json()["code"] == "no_match"  # several: the same refusal (issue #11)
    assert "Amina" not in r.content.decode() and str(twin.pk) not in r.content.decode()
    twin.delete()
    r = api.post("/emergency-access", {"reason": reason, "first_name": "amina", "last_name": "BENALI",
                                       "birth_year": 1980})
    assert r.status_code == 201 and r.json()["person_id"] == world.person.pk


def test_services_reject_a_consent_to_an_unknown_service(world):
    person = access.get_visible_person(world.users["social_worker"], world.person.pk)
    with pytest.raises(services.DomainError):
        services.record_consent(world.users["social_worker"], person, scope="social", given_on=datetime.date.today(),
                                given_how="oral", to_service_id=10**9)


def test_a_consent_recorded_without_a_note_or_organisation_keeps_them_empty(world):
    person = access.get_visible_person(world.users["social_worker"], world.person.pk)
    consent = services.record_consent(world.users["social_worker"], person, scope="social",
                                      given_on=datetime.date.today(), given_how="oral",
                                      to_service_id=world.service_b.pk)
    consent.refresh_from_db()
    assert (consent.note, consent.to_organisation, consent.to_service_id) == ("", "", world.service_b.pk)


def test_reading_through_consent_or_emergency_records_no_activity(world, api_as):
    """The encounter, orientation and follow-up paths have their own checks: a reader through consent or
    emergency access is not of the following team and changes nothing there."""
    person, doctor_b = world.person, world.outsider
    assert consent(api_as(world.users["doctor"]), person, scope="health_social",
                   to_service=world.service_b.pk).status_code == 201
    c_nurse = world.member(Profession.NURSE, world.service_c, username="c_nurse")
    assert open_emergency(api_as(c_nurse), person).status_code == 201
    followup = person.followups.get(service=world.service_a)
    for reader in (doctor_b, c_nurse):
        api = api_as(reader)
        assert api.get(f"/persons/{person.pk}").status_code == 200
        r = api.post("/encounters", {"occurred_at": timezone.now().isoformat(), "place_kind": "street",
                                     "mode": "visit", "persons": [person.pk],
                                     "acts": [{"kind": "wound_care", "person": person.pk, "details": "x"}]})
        assert r.status_code in (400, 403, 404), r.content
        r = api.post(f"/followups/{followup.pk}/transition", {"to_state": "assessment", "version": followup.version})
        assert r.status_code in (403, 404), r.content
        r = api.post("/orientations", {"person": person.pk, "kind": "orientation", "target": "shelter"})
        assert r.status_code in (400, 403, 404), r.content
    from aupres.encounters.models import Act, Orientation

    assert not Act.objects.filter(person=person).exists()
    assert not Orientation.objects.filter(person=person).exists()


def test_a_confidential_service_is_named_only_to_the_two_services_of_a_consent(world, api_as):
    """D8: a service with a confidential location is never named to another team; its consents neither."""
    from aupres.followups.models import FollowUp

    person, shelter = world.person, world.service_b
    shelter.confidential_location = True
    shelter.save(update_fields=["confidential_location"])
    FollowUp.objects.create(person=person, service=shelter, opened_on=datetime.date.today())
    b_social = world.member(Profession.SOCIAL_WORKER, shelter, username="b_social")
    c_social = world.member(Profession.SOCIAL_WORKER, world.service_c, username="c_social")
    r = consent(api_as(b_social), person, to_service=world.service_c.pk)
    assert r.status_code == 201, r.content
    consent_id = r.json()["id"]

    def listed(user):
        return [c["id"] for c in api_as(user).get(f"/persons/{person.pk}/consents").json()]

    assert consent_id in listed(b_social)  # the sharing service
    assert consent_id in listed(c_social)  # the receiving service
    assert consent_id not in listed(world.users["social_worker"])  # service A also follows: not told


def test_one_professional_opens_a_limited_number_of_emergency_accesses_a_day(world, api_as, settings):
    from aupres.followups.models import FollowUp

    settings.EMERGENCY_ACCESS_PER_DAY = 2
    others = []
    for i in range(3):
        p = Person.objects.create(first_name=f"Autre{i}", last_name="PERSONNE")
        FollowUp.objects.create(person=p, service=world.service_a, opened_on=datetime.date.today())
        others.append(p)
    api = api_as(world.outsider)
    assert open_emergency(api, others[0]).status_code == 201
    assert open_emergency(api, others[1]).status_code == 201
    # The cap is checked before anyone is looked up (issue #11): even the one already open is refused
    # (it stays open: its record is read directly).
    assert open_emergency(api, others[0]).status_code == 429
    assert api.get(f"/persons/{others[0].pk}").status_code == 200
    r = open_emergency(api, others[2])
    assert r.status_code == 429 and r.json()["code"] == "emergency_limit"
    assert EmergencyAccess.objects.filter(user=world.outsider).count() == 2
    assert api.get(f"/persons/{others[2].pk}").status_code == 404


# Each rule of the consent services at its edge (issue #22): the refusal names its field, its code and says
# why (in French, as the screens show it); what is recorded is what was given.

def refusal(call):
    """(kind of error, code, field, message) of a refused call."""
    with pytest.raises(services.DomainError) as caught:
        call()
    error = caught.value
    return type(error).__name__, error.code, error.field, str(error.message)


def join(user, service, profession):
    """The user also becomes a member of the service (their cached compartments forgotten)."""
    Membership.objects.create(user=user, service=service, profession=profession, etp=Decimal("0.1"),
                              start_date=datetime.date(2025, 1, 1))
    access.forget(user)


def follow(person, service):
    FollowUp.objects.create(person=person, service=service, opened_on=datetime.date(2026, 1, 5))


def test_who_may_record_a_consent_and_for_what(world):
    person, a = world.person, world.service_a.pk
    social, nurse = world.users["social_worker"], world.users["nurse"]
    assert services.recording_services(social, person) == [a]
    assert services.recording_services(social, person, "social") == [a]
    assert services.recording_services(social, person, "health") == []
    assert services.recording_services(social, person, "health_social") == []
    assert services.recording_services(nurse, person, "health") == [a]
    assert services.recording_services(nurse, person, "health_social") == [a]
    assert services.can_record_consent(social, person) is True
    assert services.can_record_consent(nurse, person) is True
    # The head of service (administrative only) and a team that does not follow the person: no.
    assert services.can_record_consent(world.users["head_of_service"], person) is False
    assert services.recording_services(world.users["head_of_service"], person, "social") == []
    assert services.can_record_consent(world.outsider, person) is False


def test_a_refused_consent_names_its_field_its_code_and_why(world):
    person, social = world.person, world.users["social_worker"]
    today = datetime.date.today()

    def attempt(user=social, **kw):
        args = {"scope": "social", "given_on": today, "given_how": "oral", "to_service_id": world.service_b.pk,
                **kw}
        return refusal(lambda: services.record_consent(user, person, **args))

    assert attempt(scope="administrative") == ("DomainError", "invalid", "scope", "Choisissez ce qui est partagé.")
    assert attempt(given_how="by_pigeon") == (
        "DomainError", "invalid", "given_how", "Indiquez comment la personne a donné son accord.")
    assert attempt(scope="health") == (
        "Forbidden", "consent_forbidden", None,
        "Seule l'équipe qui suit cette personne, et qui détient ce qui est partagé, peut enregistrer un "
        "consentement.")
    assert attempt(from_service_id=world.service_b.pk, to_service_id=world.service_c.pk) == (
        "Forbidden", "consent_forbidden", "from_service", "Vous ne pouvez pas partager au nom de ce dispositif.")
    either = ("DomainError", "invalid", "to_service",
              "Indiquez soit l'un de nos dispositifs, soit un organisme partenaire.")
    assert attempt(to_service_id=None) == either
    assert attempt(to_service_id=None, to_organisation="   ") == either  # blanks are no organisation
    assert attempt(to_organisation="CCAS de Lille") == either
    assert attempt(to_service_id=world.service_a.pk) == (
        "DomainError", "invalid", "to_service", "Un dispositif ne peut pas partager avec lui-même.")
    unknown = ("DomainError", "invalid", "to_service", "Dispositif inconnu.")
    assert attempt(to_service_id=10**9) == unknown
    world.service_c.is_active = False
    world.service_c.save(update_fields=["is_active"])
    assert attempt(to_service_id=world.service_c.pk) == unknown  # a closed service receives nothing
    bad_date = ("DomainError", "invalid", "given_on", "La date de l'accord n'est pas valide.")
    assert attempt(given_on=None) == bad_date
    assert attempt(given_on=today + datetime.timedelta(days=1)) == bad_date
    assert attempt(given_on=datetime.date(1999, 12, 31)) == bad_date
    assert not SharingConsent.objects.exists()


def test_the_date_of_the_agreement_runs_from_2000_to_today(world):
    person, social = world.person, world.users["social_worker"]
    for given_on, recipient in ((datetime.date(2000, 1, 1), "CCAS de Lille"),
                                (datetime.date.today(), "Mairie de Roubaix")):
        made = services.record_consent(social, person, scope="social", given_on=given_on, given_how="oral",
                                       to_organisation=recipient)
        assert SharingConsent.objects.get(pk=made.pk).given_on == given_on


def test_a_recorded_consent_is_what_was_given_and_is_journaled(world):
    person, doctor = world.person, world.users["doctor"]
    made = services.record_consent(doctor, person, scope="health_social", given_on=datetime.date(2020, 3, 4),
                                   given_how="written", to_service_id=world.service_b.pk,
                                   note="  Accord signé au local  ")
    got = SharingConsent.objects.get(pk=made.pk)
    assert (got.person_id, got.from_service_id, got.to_service_id, got.to_organisation) == (
        person.pk, world.service_a.pk, world.service_b.pk, "")
    assert (got.scope, got.given_on, got.given_how, got.note) == (
        "health_social", datetime.date(2020, 3, 4), "written", "Accord signé au local")
    assert (got.recorded_by, got.withdrawn_at, got.withdrawn_by, got.withdrawal_note) == (doctor, None, None, "")
    events = AccessEvent.objects.concerning(person.pk).filter(user=doctor)
    assert list(events.values_list("action", "compartments")) == [("create", "identity,administrative")]
    # A partner organisation, its name trimmed; no note is an empty note.
    made = services.record_consent(doctor, person, scope="social", given_on=datetime.date(2021, 5, 6),
                                   given_how="trusted_person", to_organisation="  CCAS de Lille ", note=None)
    got = SharingConsent.objects.get(pk=made.pk)
    assert (got.to_service_id, got.to_organisation, got.note, got.given_how) == (
        None, "CCAS de Lille", "", "trusted_person")


def test_only_the_same_active_consent_is_a_duplicate(world):
    person, doctor = world.person, world.users["doctor"]
    b, c = world.service_b.pk, world.service_c.pk
    today = datetime.date.today()

    def record(to_service_id=None, to_organisation="", scope="social", who=person, **kw):
        return services.record_consent(doctor, who, scope=scope, given_on=today, given_how="oral",
                                       to_service_id=to_service_id, to_organisation=to_organisation, **kw)

    first = record(to_service_id=b)
    assert refusal(lambda: record(to_service_id=b)) == (
        "Conflict", "consent_exists", None, "Ce consentement est déjà enregistré.")
    # Another scope, another recipient, another organisation, another person: not the same consent.
    record(to_service_id=b, scope="health")
    record(to_service_id=b, scope="health_social")
    record(to_service_id=c)
    record(to_organisation="CCAS de Lille")
    record(to_organisation="Mairie de Roubaix")
    assert refusal(lambda: record(to_organisation="CCAS de Lille"))[1] == "consent_exists"
    other = Person.objects.create(first_name="Karim", last_name="Haddad")
    follow(other, world.service_a)
    record(to_service_id=b, who=other)
    # Another sharing service: the doctor also works in B, which follows the person too.
    join(doctor, world.service_b, Profession.DOCTOR)
    follow(person, world.service_b)
    record(to_service_id=c, from_service_id=b)
    # Withdrawn, the consent may be recorded again.
    services.withdraw_consent(doctor, first.pk)
    again = record(to_service_id=b, from_service_id=world.service_a.pk)
    assert again.pk != first.pk
    assert SharingConsent.objects.filter(person=person).count() == 8


def test_a_member_of_two_following_services_says_which_one_shares(world):
    person, social = world.person, world.users["social_worker"]
    follow(person, world.service_b)
    join(social, world.service_b, Profession.NURSE)
    a, b = world.service_a.pk, world.service_b.pk
    assert sorted(services.recording_services(social, person)) == [a, b]
    assert services.recording_services(social, person, "health") == [b]
    today = datetime.date.today()
    assert refusal(lambda: services.record_consent(
        social, person, scope="social", given_on=today, given_how="oral", to_organisation="CCAS de Lille")) == (
        "DomainError", "service_required", "from_service", "Choisissez le dispositif qui partage.")
    made = services.record_consent(social, person, scope="social", given_on=today, given_how="oral",
                                   to_organisation="CCAS de Lille", from_service_id=str(b))
    assert SharingConsent.objects.get(pk=made.pk).from_service_id == b
    # Health: only B, where they are a nurse, may share it; it is chosen without being named.
    made = services.record_consent(social, person, scope="health", given_on=today, given_how="oral",
                                   to_service_id=world.service_c.pk)
    assert SharingConsent.objects.get(pk=made.pk).from_service_id == b


def test_a_withdrawal_is_kept_with_who_when_and_why_and_journaled(world):
    person, social, doctor_b = world.person, world.users["social_worker"], world.outsider
    made = services.record_consent(social, person, scope="social", given_on=datetime.date.today(),
                                   given_how="oral", to_service_id=world.service_b.pk)
    other = services.record_consent(social, person, scope="social", given_on=datetime.date.today(),
                                    given_how="oral", to_organisation="CCAS de Lille")
    before = timezone.now()
    gone = services.withdraw_consent(doctor_b, made.pk, note="  La personne a changé d'avis ")
    assert gone.withdrawn_at is not None and gone.is_active is False
    assert SharingConsent.objects.get(pk=other.pk).is_active  # only that one
    got = SharingConsent.objects.get(pk=made.pk)
    assert got.withdrawn_at >= before and got.withdrawn_by == doctor_b
    assert got.withdrawal_note == "La personne a changé d'avis"
    events = AccessEvent.objects.concerning(person.pk).filter(user=doctor_b, action="update")
    assert list(events.values_list("compartments", flat=True)) == ["identity,administrative"]
    assert refusal(lambda: services.withdraw_consent(social, made.pk)) == (
        "Conflict", "already_withdrawn", None, "Ce consentement a déjà été retiré.")
    # B no longer sees the person: for B the consent is not found any more.
    assert refusal(lambda: services.withdraw_consent(doctor_b, made.pk))[:2] == ("NotFound", "not_found")
    # No note is an empty note.
    assert services.withdraw_consent(social, other.pk).withdrawal_note == ""


def test_a_consent_is_found_only_by_its_two_services_and_while_the_person_is_seen(world):
    person, social = world.person, world.users["social_worker"]
    today = datetime.date.today()
    to_org = services.record_consent(social, person, scope="social", given_on=today, given_how="oral",
                                     to_organisation="CCAS de Lille")
    services.record_consent(social, person, scope="social", given_on=today, given_how="oral",
                            to_service_id=world.service_c.pk)
    c_social = world.member(Profession.SOCIAL_WORKER, world.service_c, username="c_social")
    # C sees the person (through its own consent) but the consent to the CCAS is none of its business.
    assert access.visible_persons(c_social).filter(pk=person.pk).exists()
    assert refusal(lambda: services.get_consent(c_social, to_org.pk))[:2] == ("NotFound", "not_found")
    assert refusal(lambda: services.get_consent(social, 10**9))[:2] == ("NotFound", "not_found")
    assert services.get_consent(social, to_org.pk) == to_org


def test_who_reads_which_consents(world):
    """The following teams read every consent on the person; a team reading through consent reads those
    made to it; a service with a confidential location is named only to the two services of the consent."""
    person, b, c = world.person, world.service_b, world.service_c
    follow(person, b)
    a_social, b_social = world.users["social_worker"], world.member(Profession.SOCIAL_WORKER, b, username="b_social")
    c_social = world.member(Profession.SOCIAL_WORKER, c, username="c_social")
    today = datetime.date.today()

    def make(user, **kw):
        return services.record_consent(user, person, scope="social", given_on=today, given_how="oral", **kw).pk

    a_to_c = make(a_social, to_service_id=c.pk)
    b_to_org = make(b_social, to_organisation="CCAS de Lille")
    a_to_org = make(a_social, to_organisation="Mairie de Roubaix")

    def read(user):
        return sorted(consent.pk for consent in services.consents_of(user, person))

    assert read(a_social) == read(b_social) == sorted([a_to_c, b_to_org, a_to_org])
    assert read(c_social) == [a_to_c]
    # Each reading is journaled.
    events = AccessEvent.objects.concerning(person.pk).filter(user=c_social)
    assert list(events.values_list("action", "compartments")) == [("read", "identity,administrative")]

    c.confidential_location = True
    c.save(update_fields=["confidential_location"])
    assert read(a_social) == sorted([a_to_c, b_to_org, a_to_org])
    assert read(b_social) == sorted([b_to_org, a_to_org])  # neither A nor C is B's: C is not named to B
    assert read(c_social) == [a_to_c]
    c.confidential_location = False
    c.save(update_fields=["confidential_location"])
    b.confidential_location = True
    b.save(update_fields=["confidential_location"])
    assert read(a_social) == sorted([a_to_c, a_to_org])  # B's consent to the CCAS would name B
    assert read(b_social) == sorted([a_to_c, b_to_org, a_to_org])


def test_a_person_s_consents_are_listed_two_hundred_at_most(world):
    person, social = world.person, world.users["social_worker"]
    SharingConsent.objects.bulk_create(
        SharingConsent(person=person, from_service=world.service_a, to_organisation=f"Partenaire {i}",
                       scope="social", given_on=datetime.date.today(), given_how="oral") for i in range(201))
    assert len(services.consents_of(social, person)) == 200


def test_consents_are_read_with_their_services_and_accounts_in_one_query(world, django_assert_num_queries):
    person, social = world.person, world.users["social_worker"]
    today = datetime.date.today()
    for recipient in (world.service_b, world.service_c):
        made = services.record_consent(social, person, scope="social", given_on=today, given_how="oral",
                                       to_service_id=recipient.pk)
    services.withdraw_consent(social, made.pk)
    listed = services.person_consents(social, person)
    with django_assert_num_queries(1):
        seen = sorted((c.from_service.name, c.to_service.name, c.recorded_by.username,
                       c.withdrawn_by.username if c.withdrawn_by else None) for c in listed)
    assert seen == [("EMSP A", "EMSP B", "social_worker", None), ("EMSP A", "PASS C", "social_worker", "social_worker")]
    # The withdrawal screen names the person and both services without reading them again.
    consent = services.get_consent(social, made.pk)
    with django_assert_num_queries(0):
        assert (consent.person.first_name, consent.from_service.name, consent.to_service.name) == (
            "Amina", "EMSP A", "PASS C")
