"""The emergency-access cap at its edge (issue #22): the fifth opening in 24 hours is allowed, the sixth
refused (429); an attempt 24 hours old still counts, one older does not; the reason's minimum length."""

import datetime
import smtplib
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aupres.audit.models import AccessEvent
from aupres.core import access
from aupres.core.errors import DomainError
from aupres.core.tests.expectations import EMERGENCY_PER_DAY
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.services.models import Membership, Profession, ServiceKind
from aupres.sharing import services
from aupres.sharing.models import EmergencyAccess, EmergencyAttempt, EmergencyNotification
from aupres.sharing.services import emergency_attempts_today
from aupres.sharing.services import find_person_for_emergency as find

pytestmark = pytest.mark.django_db

REASON = "Personne inconsciente aux urgences, traitements"


def test_the_default_cap_is_the_documented_one(settings):
    assert settings.EMERGENCY_ACCESS_PER_DAY == EMERGENCY_PER_DAY


def test_the_cap_and_one_more(world, api_as):
    api = api_as(world.outsider)
    persons = [Person.objects.create(alias=f"Urgence {i}") for i in range(EMERGENCY_PER_DAY + 1)]
    for person in persons[:EMERGENCY_PER_DAY]:
        r = api.post("/emergency-access", {"reason": REASON, "person": person.pk})
        assert r.status_code == 201, r.content
    refused = api.post("/emergency-access", {"reason": REASON, "person": persons[-1].pk})
    assert refused.status_code == 429 and refused.json()["code"] == "emergency_limit"
    assert api.get(f"/persons/{persons[-1].pk}").status_code == 404
    assert api.get(f"/persons/{persons[0].pk}").status_code == 200


def test_the_24_hour_window(world):
    now = timezone.now()
    user = world.outsider
    for age in (datetime.timedelta(hours=24), datetime.timedelta(hours=24, seconds=1),
                datetime.timedelta(hours=23, minutes=59)):
        EmergencyAttempt.objects.create(user=user, outcome="opened", at=now - age)
    assert emergency_attempts_today(user, now) == 2  # exactly 24 hours old still counts
    EmergencyAttempt.objects.create(user=user, outcome="no_match", at=now)
    EmergencyAttempt.objects.create(user=user, outcome="already_following", at=now)  # not counted
    assert emergency_attempts_today(user, now) == 3
    EmergencyAttempt.objects.create(user=world.users["doctor"], outcome="opened", at=now)  # someone else's
    assert emergency_attempts_today(user, now) == 3


@pytest.mark.parametrize(("length", "status"), [(19, 400), (20, 201)])
def test_the_reason_needs_twenty_characters(world, api_as, length, status):
    r = api_as(world.outsider).post("/emergency-access", {"reason": "x" * length, "person": world.person.pk})
    assert r.status_code == status, r.content


# The rules of emergency access one by one (issue #22): each refusal names its code, its field and says why
# (in French, as shown); the person is found only by an exact identification; the heads of the services that
# follow or followed the person are told, each once, by a mail without personal content.

def refusal(call):
    """(kind of error, code, field, message) of a refused call."""
    with pytest.raises(DomainError) as caught:
        call()
    error = caught.value
    return type(error).__name__, error.code, error.field, str(error.message)


def join(user, service, profession, **kw):
    Membership.objects.create(user=user, service=service, profession=profession, etp=Decimal("0.1"),
                              start_date=datetime.date(2025, 1, 1), **kw)
    access.forget(user)


NO_MATCH = ("DomainError", "no_match", "person", "Aucun dossier unique ne correspond exactement : vérifiez la "
            "saisie, ou demandez le numéro de dossier de la personne.")
NOT_IDENTIFIED = ("DomainError", "identification_required", "person",
                  "Indiquez le numéro de dossier, ou le prénom, le nom et l'année de naissance.")


def test_the_person_is_found_by_number_only_when_it_is_a_record_number(world):
    assert find(person_id=world.person.pk) == world.person
    first = Person.objects.filter(pk=1).first() or Person.objects.create(pk=1, alias="Numéro un")
    assert find(person_id=1) == first
    last = Person.objects.create(pk=2**62, alias="Plus grand numéro accepté")
    assert find(person_id=2**62) == last
    for number in (10**9, 2**63, 2**64, -5):
        assert refusal(lambda n=number: find(person_id=n)) == NO_MATCH


def test_the_person_is_found_by_exactly_three_names(world):
    # Near namesakes: each differs from the person in one of the three.
    Person.objects.create(first_name="Amina", last_name="Benali", birth_year=1981)
    Person.objects.create(first_name="Karim", last_name="Benali", birth_year=1980)
    Person.objects.create(first_name="Amina", last_name="Durand", birth_year=1980)
    assert find(first_name="  amina ", last_name=" BENALI", birth_year=1980) == world.person
    assert refusal(lambda: find(first_name="Amina", last_name="Benali", birth_year=1979)) == NO_MATCH
    for names in ({"last_name": "Benali", "birth_year": 1980}, {"first_name": "Amina", "birth_year": 1980},
                  {"first_name": "Amina", "last_name": "Benali"},
                  {"first_name": "   ", "last_name": "Benali", "birth_year": 1980},
                  {"first_name": "Amina", "last_name": "  ", "birth_year": 1980}, {}):
        assert refusal(lambda names=names: find(**names)) == NOT_IDENTIFIED, names
    Person.objects.create(first_name="amina", last_name="BENALI", birth_year=1980)
    assert refusal(lambda: find(first_name="Amina", last_name="Benali", birth_year=1980)) == NO_MATCH


def test_each_refusal_to_open_says_why(world, settings):
    def open_(user=world.outsider, reason=REASON, **kw):
        return services.open_emergency_access(user, reason=reason, **{"person_id": world.person.pk, **kw})

    assert refusal(lambda: open_(world.users["social_worker"])) == (
        "Forbidden", "health_professionals_only", None,
        "Seul·e un·e professionnel·le de santé peut ouvrir un dossier en urgence.")
    assert refusal(lambda: open_(reason="   " + "x" * 19 + "   ")) == (
        "DomainError", "reason_required", "reason", "Indiquez le motif de l'urgence (au moins 20 caractères).")
    assert refusal(lambda: open_(person_id=None)) == NOT_IDENTIFIED
    assert refusal(lambda: open_(person_id=None, last_name="Benali", birth_year=1980)) == NOT_IDENTIFIED
    assert refusal(lambda: open_(person_id=None, first_name="Amina", birth_year=1980)) == NOT_IDENTIFIED
    with pytest.raises(services.Conflict) as caught:
        open_(world.users["doctor"])
    assert (caught.value.code, str(caught.value.message), caught.value.details) == (
        "already_following", "Votre équipe suit cette personne : ouvrez son dossier.",
        {"person_id": world.person.pk})
    settings.EMERGENCY_ACCESS_PER_DAY = 2
    assert refusal(lambda: open_(person_id=10**9)) == NO_MATCH
    assert refusal(lambda: open_(person_id=10**9 + 1)) == NO_MATCH
    assert refusal(lambda: open_()) == (
        "EmergencyLimitReached", "emergency_limit", None,
        "Vous avez fait 2 demandes d'accès en urgence ces dernières 24 heures : adressez-vous à votre "
        "chef·fe de service.")
    assert services.EmergencyLimitReached.status == 429
    assert not EmergencyAccess.objects.exists()


def test_the_professional_opens_from_the_service_they_name(world):
    doctor = world.outsider  # a doctor of B
    d = world.service("EMSP D", ServiceKind.objects.get(code="lhss_mobile"), world.operator)
    join(doctor, d, Profession.NURSE)
    join(doctor, world.service_c, Profession.SOCIAL_WORKER)
    assert sorted(services.emergency_services(doctor)) == sorted([world.service_b.pk, d.pk])
    assert refusal(lambda: services.open_emergency_access(
        doctor, reason=REASON, person_id=world.person.pk, service_id=world.service_c.pk)) == (
        "Forbidden", "health_professionals_only", "service",
        "Vous n'êtes pas professionnel·le de santé de ce dispositif.")
    opened = services.open_emergency_access(doctor, reason=REASON, person_id=world.person.pk,
                                            service_id=str(d.pk))
    assert EmergencyAccess.objects.get().service_id == opened.service_id == d.pk
    assert list(EmergencyAttempt.objects.filter(user=doctor).order_by("pk").values_list(
        "outcome", "service_id", "person_id")) == [("health_professionals_only", None, None),
                                                   ("opened", d.pk, world.person.pk)]


def test_an_opening_keeps_the_reason_trimmed_the_times_and_is_journaled(world):
    doctor = world.outsider
    before = timezone.now()
    opened = services.open_emergency_access(doctor, reason=f"  {REASON}  ", person_id=world.person.pk)
    got = EmergencyAccess.objects.get()
    assert (got.pk, got.user, got.person, got.service, got.reason) == (
        opened.pk, doctor, world.person, world.service_b, REASON)
    assert before <= got.opened_at <= timezone.now()
    assert got.expires_at - got.opened_at == datetime.timedelta(hours=24)
    events = AccessEvent.objects.concerning(world.person.pk).filter(user=doctor)
    assert list(events.values_list("action", "compartments", "emergency", "emergency_access_id")) == [
        ("create", "identity", True, got.pk)]


def test_the_heads_of_the_services_that_follow_or_followed_are_told_each_once(world, mailoutbox):
    a, b, c = world.service_a, world.service_b, world.service_c
    FollowUp.objects.create(person=world.person, service=c, opened_on=datetime.date(2025, 1, 6),
                            closed_on=datetime.date(2025, 6, 30))  # C followed the person last year
    users = type(world.outsider).objects

    def head(username, service, email, **kw):
        user = world.member(Profession.HEAD_OF_SERVICE, service, username=username)
        users.filter(pk=user.pk).update(email=email, **kw)
        return user

    head_a, head_c = world.users["head_of_service"], world.outsider_head
    users.filter(pk=head_a.pk).update(email="chef-a@example.org")
    users.filter(pk=head_c.pk).update(email="chef-c@example.org")
    both = head("chef_a_et_c", a, "chef-ac@example.org")
    join(both, c, Profession.HEAD_OF_SERVICE)
    twice = head("chef_deux_fois", a, "")  # two memberships in A, no e-mail address
    join(twice, a, Profession.HEAD_OF_SERVICE)
    head("chef_parti", a, "parti@example.org", is_active=False)
    left = head("chef_ancien", a, "ancien@example.org")
    left.memberships.update(end_date=datetime.date(2025, 6, 30))
    head("chef_b", b, "chef-b@example.org")  # B does not follow the person
    users.filter(pk=world.users["nurse"].pk).update(email="infirmiere@example.org")

    opened = services.open_emergency_access(world.outsider, reason=REASON, person_id=world.person.pk,
                                            base_url="https://aupres.example.org/")
    told = sorted(EmergencyNotification.objects.filter(access=opened).values_list("head__username", "service_id"))
    assert told == sorted([("head_of_service", a.pk), ("outsider_head", c.pk), ("chef_a_et_c", a.pk),
                           ("chef_a_et_c", c.pk), ("chef_deux_fois", a.pk)])  # each once
    assert (opened.heads_notified, opened.mails_sent) == (4, 3)
    assert opened.notified_at is not None
    assert [m.to for m in mailoutbox] == [["chef-a@example.org"], ["chef-ac@example.org"], ["chef-c@example.org"]]
    message = mailoutbox[0]
    assert message.subject == "Auprès : accès d'urgence à un dossier de votre dispositif"
    assert message.body == (
        "Un accès d'urgence (bris de glace) a été ouvert sur un dossier suivi par votre dispositif.\n"
        "Consultez-le sur l'écran des notifications : https://aupres.example.org/partage/urgence/notifications/"
        "\n\nCe message ne contient aucune donnée personnelle.")


def test_a_mail_that_fails_is_logged_and_the_others_are_sent(world, monkeypatch, caplog, mailoutbox):
    users = type(world.outsider).objects
    users.filter(pk=world.users["head_of_service"].pk).update(email="chef-a@example.org")
    second = world.member("head_of_service", world.service_a, username="chef_a2")
    users.filter(pk=second.pk).update(email="chef-a2@example.org")
    third = world.member("head_of_service", world.service_a, username="chef_a3")
    users.filter(pk=third.pk).update(email="chef-a3@example.org")
    send = services.send_mail
    failures = {"chef-a@example.org": smtplib.SMTPException("refused"), "chef-a2@example.org": OSError("down")}

    def flaky(subject, body, sender, recipients):
        if recipients[0] in failures:
            raise failures[recipients[0]]
        return send(subject, body, sender, recipients)

    monkeypatch.setattr(services, "send_mail", flaky)
    caplog.set_level("INFO", logger="aupres.sharing.services")
    opened = services.open_emergency_access(world.outsider, reason=REASON, person_id=world.person.pk,
                                            base_url="http://testserver")
    assert (opened.heads_notified, opened.mails_sent) == (3, 1)
    assert [m.to for m in mailoutbox] == [["chef-a3@example.org"]]
    assert "http://testserver/partage/urgence/notifications/\n" in mailoutbox[0].body
    failed = f"emergency access {opened.pk}: an e-mail to a head of service failed"
    assert [r.getMessage() for r in caplog.records] == [
        failed, failed, f"emergency access {opened.pk} opened by user {world.outsider.pk}"]


def test_a_head_reads_their_notifications_named_and_marks_them_read(world):
    head_a, head_c = world.users["head_of_service"], world.outsider_head
    opened = services.open_emergency_access(world.outsider, reason=REASON, person_id=world.person.pk)
    first = EmergencyNotification.objects.get(head=head_a)
    second = EmergencyNotification.objects.create(access=opened, head=head_a, service=world.service_a)
    other = EmergencyNotification.objects.create(access=opened, head=head_c, service=world.service_c)
    items = services.named_notifications(head_a)
    assert sorted((n.pk, n.person_name) for n in items) == [(first.pk, "Amina BENALI « Mina »"),
                                                            (second.pk, "Amina BENALI « Mina »")]
    listed = AccessEvent.objects.concerning(world.person.pk).filter(user=head_a)
    assert list(listed.values_list("action", "compartments")) == [("list", "identity")]
    assert services.named_notifications(world.users["nurse"]) == []
    assert [n.pk for n in services.notifications_for(head_c)] == [other.pk]

    assert (services.unread_count(head_a), services.unread_count(head_c)) == (2, 1)
    assert services.unread_count(AnonymousUser()) == 0
    assert services.unread_count(None) == 0  # no user on the request at all
    assert services.mark_read(head_a, [first.pk, other.pk]) == 1  # only the head's own
    assert (services.unread_count(head_a), services.unread_count(head_c)) == (1, 1)
    first.refresh_from_db()
    assert first.read_at is not None
    assert services.mark_read(head_a) == 1
    assert services.mark_read(head_a) == 0
    assert (services.unread_count(head_a), services.unread_count(head_c)) == (0, 1)


def test_a_head_s_list_holds_two_hundred_notifications_at_most(world):
    head_a = world.users["head_of_service"]
    opened = EmergencyAccess.objects.create(user=world.outsider, person=world.person, service=world.service_b,
                                            reason=REASON, expires_at=timezone.now() + datetime.timedelta(hours=1))
    EmergencyNotification.objects.bulk_create(
        EmergencyNotification(access=opened, head=head_a, service=world.service_a) for _ in range(201))
    assert len(services.named_notifications(head_a)) == 200


def test_an_active_emergency_is_the_user_s_own_on_that_person(world):
    other_doctor = world.member("doctor", world.service_c, username="c_doctor")
    person, someone = world.person, Person.objects.create(alias="Quelqu'un")
    now = timezone.now()

    def emergency(user, who, hours):
        return EmergencyAccess.objects.create(user=user, person=who, service=world.service_b, reason=REASON,
                                              opened_at=now, expires_at=now + datetime.timedelta(hours=hours))

    mine = emergency(world.outsider, person, 1)
    emergency(world.outsider, someone, -1)  # expired
    theirs = emergency(other_doctor, someone, 1)
    assert services.active_emergency(world.outsider, person) == mine
    assert services.active_emergency(world.outsider, someone) is None
    assert services.active_emergency(other_doctor, person) is None
    assert services.active_emergency(other_doctor, someone) == theirs
    assert sorted(e.pk for e in services.my_emergency_accesses(other_doctor)) == [theirs.pk]


def test_the_mail_s_link_keeps_the_address_given(world, mailoutbox):
    users = type(world.outsider).objects
    users.filter(pk=world.users["head_of_service"].pk).update(email="chef-a@example.org")
    for base_url in ("https://AUPRES.BOX/", "https://AUPRES.BOX", ""):
        emergency = EmergencyAccess.objects.create(
            user=world.outsider, person=world.person, service=world.service_b, reason=REASON,
            expires_at=timezone.now() + datetime.timedelta(hours=1))
        services.notify_heads(emergency, base_url)
    services.notify_heads(emergency)
    links = [m.body.split(" : ")[1].split("\n")[0] for m in mailoutbox]
    assert links == ["https://AUPRES.BOX/partage/urgence/notifications/"] * 2 + ["/partage/urgence/notifications/"] * 2
    # Opened without the address of the site: the link is the path alone.
    other = Person.objects.create(first_name="Karim", last_name="Haddad")
    FollowUp.objects.create(person=other, service=world.service_a, opened_on=datetime.date(2026, 1, 5))
    services.open_emergency_access(world.outsider, reason=REASON, person_id=other.pk)
    assert len(mailoutbox) == 5
    assert "notifications : /partage/urgence/notifications/\n" in mailoutbox[-1].body


def test_telling_more_heads_costs_no_more_queries(world):
    def queries_to_notify():
        emergency = EmergencyAccess.objects.create(
            user=world.outsider, person=world.person, service=world.service_b, reason=REASON,
            expires_at=timezone.now() + datetime.timedelta(hours=1))
        with CaptureQueriesContext(connection) as captured:
            services.notify_heads(emergency)
        return emergency, len(captured)

    queries_to_notify()  # anything read once per process
    one, with_one_head = queries_to_notify()
    for name in ("chef_2", "chef_3"):
        world.member(Profession.HEAD_OF_SERVICE, world.service_a, username=name)
    three, with_three_heads = queries_to_notify()
    assert (one.heads_notified, three.heads_notified) == (1, 3)
    assert with_three_heads == with_one_head


def test_emergency_lists_read_their_accounts_services_and_persons_in_one_query(world, django_assert_num_queries):
    opened = services.open_emergency_access(world.outsider, reason=REASON, person_id=world.person.pk)
    head = world.users["head_of_service"]
    with django_assert_num_queries(1):
        assert [(n.access.user.username, n.access.service.name, n.access.person.first_name, n.service.name)
                for n in services.notifications_for(head)] == [("outsider_doctor", "EMSP B", "Amina", "EMSP A")]
    with django_assert_num_queries(1):
        assert [(e.pk, e.person.first_name, e.service.name) for e in services.my_emergency_accesses(
            world.outsider)] == [(opened.pk, "Amina", "EMSP B")]
