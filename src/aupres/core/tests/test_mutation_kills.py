"""Tests written for mutants that survived bench/mutation.py (issue #22), one per gap."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation

from aupres.core import access
from aupres.core.errors import Forbidden, NotFound
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.referrals import services as referrals
from aupres.referrals.models import Status
from aupres.referrals.tests.helpers import join, referral
from aupres.services.models import CapacityUnit, Membership
from aupres.sharing.models import EmergencyAccess, SharingConsent

from .expectations import ADMINISTRATIVE, HEALTH, SOCIAL

pytestmark = pytest.mark.django_db


def test_a_membership_starting_tomorrow_gives_no_access_yet(world):
    """services.models MembershipQuerySet.active mutant 7 (start_date ignored)."""
    doctor = world.users["doctor"]
    Membership.objects.filter(user=doctor).update(start_date=timezone.localdate() + datetime.timedelta(days=1))
    access.forget(doctor)
    assert access.compartments_on(doctor, world.person) == frozenset()
    assert not Membership.objects.active().filter(user=doctor).exists()


def test_a_membership_not_yet_journaled_and_notified_gives_no_access(world):
    """services.models MembershipQuerySet.active mutant 8 (notified_at ignored): D19."""
    doctor = world.users["doctor"]
    Membership.objects.filter(user=doctor).update(notified_at=None)
    access.forget(doctor)
    assert access.compartments_on(doctor, world.person) == frozenset()


def test_full_with_adds_one_by_default():
    """referrals.services Capacity.full_with mutant 1 (default 2)."""
    assert not referrals.Capacity(used=2, limit=3, unit=CapacityUnit.BEDS).full_with()
    assert referrals.Capacity(used=3, limit=3, unit=CapacityUnit.BEDS).full_with()


def test_case_managers_are_counted_on_the_day_asked(world):
    """referrals.services capacity_usage mutant 45 (active(None): today instead of `on`)."""
    service = world.service_b
    service.capacity, service.capacity_unit = 10, CapacityUnit.SITUATIONS_PER_CASE_MANAGER
    service.save()
    Membership.objects.create(user=world.users["case_manager"], service=service, profession="case_manager",
                              etp="0.5", start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2025, 12, 31))
    assert referrals.capacity_usage(service, on=datetime.date(2025, 6, 1)).limit == 10
    assert referrals.capacity_usage(service).limit == 0  # ended: no case manager today


# core.access (issue #22, second pass) ------------------------------------------------------------------

def test_forget_drops_the_cached_memberships(world):
    """core.access forget mutant 1 (never forgets): a membership ended in the request is seen after forget."""
    nurse = world.users["nurse"]
    assert world.service_a.pk in access.compartments_by_service(nurse)  # cached on the user
    Membership.objects.filter(user=nurse).update(end_date=timezone.localdate() - datetime.timedelta(days=1))
    assert world.service_a.pk in access.compartments_by_service(nurse)  # still the cache
    access.forget(nurse)
    assert access.compartments_by_service(nurse) == {}
    access.forget(nurse)  # nothing cached: no error


def _person_with(read, written):
    """A person as get_visible_person returns it, with the grants written out by hand."""
    person = SimpleNamespace(compartments=frozenset(read))
    if written is not None:
        person.writable_compartments = frozenset(written)
    return person


def test_require_write_on_identity_needs_any_compartment_written():
    """core.access require_write mutants 1, 17, 20: identity (compartment None) is written by whoever writes
    any compartment through a following service, and by nobody who only reads."""
    access.require_write(_person_with({HEALTH, SOCIAL, ADMINISTRATIVE}, {SOCIAL, ADMINISTRATIVE}))
    with pytest.raises(Forbidden) as refused:
        access.require_write(_person_with({HEALTH, SOCIAL}, set()))
    assert refused.value.code == "read_only_access"
    assert refused.value.details == {"compartment": "identity"}


def test_require_write_on_a_compartment_read_but_not_written():
    """core.access require_write mutants 16, 19, 23, 26: read through a consent (health) while the team
    writes social only: writing health is refused as read-only, social passes."""
    person = _person_with({HEALTH, SOCIAL, ADMINISTRATIVE}, {SOCIAL, ADMINISTRATIVE})
    access.require_write(person, SOCIAL)
    with pytest.raises(Forbidden) as refused:
        access.require_write(person, HEALTH)
    assert refused.value.code == "read_only_access"
    assert refused.value.details == {"compartment": "health"}


def test_require_write_checks_the_compartment_first():
    """core.access require_write mutant 1: a compartment not even read is refused as such."""
    with pytest.raises(Forbidden) as refused:
        access.require_write(_person_with({SOCIAL, ADMINISTRATIVE}, {SOCIAL, ADMINISTRATIVE}), HEALTH)
    assert refused.value.code == "compartment_forbidden"
    assert refused.value.details == {"compartment": "health"}


def test_require_write_without_known_grants_checks_the_compartment_only():
    """core.access require_write mutants 11, 14: a person whose writable compartments were not computed
    (no get_visible_person) is checked on what is read."""
    access.require_write(_person_with({SOCIAL}, None), SOCIAL)
    access.require_write(_person_with({SOCIAL}, None))


def test_the_read_only_message_in_english_and_french():
    """core.access require_write mutants 21, 28-30: the refusal says why, in the user's language."""
    person = _person_with({HEALTH}, set())
    for language, text in READ_ONLY_MESSAGE.items():
        with translation.override(language), pytest.raises(Forbidden) as refused:
            access.require_write(person, HEALTH)
        assert str(refused.value.message) == text


READ_ONLY_MESSAGE = {
    "en": "You read this record through the person's consent to sharing or an emergency access: only the team "
          "following the person changes it.",
    "fr": "Vous consultez ce dossier grâce au consentement de la personne au partage ou à un accès d'urgence : "
          "seule l'équipe qui suit la personne peut le modifier.",
}

# DOMAIN.md §5 in the words of the screens: who each compartment is reserved for.
DENIED = {
    "en": {HEALTH: "Health information is reserved for the health professionals of the team following this person.",
           SOCIAL: "Social information is reserved for the team following this person.",
           ADMINISTRATIVE: "Administrative information is reserved for the team following this person and its "
                           "head of service."},
    "fr": {HEALTH: "Les informations de santé sont réservées aux professionnel·les de santé de l'équipe qui suit "
                   "cette personne.",
           SOCIAL: "Les informations sociales sont réservées à l'équipe qui suit cette personne.",
           ADMINISTRATIVE: "Les informations administratives sont réservées à l'équipe qui suit cette personne "
                           "et à son chef ou sa cheffe de service."},
}


@pytest.mark.parametrize("language", DENIED)
def test_each_compartment_refusal_says_whom_it_is_reserved_for(language):
    """core.access _messages mutants 1-16 (the table is built at import: built again here)."""
    with translation.override(language):
        built = {str(k): str(v) for k, v in access._messages().items()}
        assert built == DENIED[language]
        assert {str(k): str(v) for k, v in access.COMPARTMENT_DENIED_MESSAGES.items()} == DENIED[language]
        with pytest.raises(Forbidden) as refused:
            access.require(_person_with({SOCIAL}, None), HEALTH)
        assert str(refused.value.message) == DENIED[language][HEALTH]


def test_nobody_signed_in_is_head_of_service(world):
    """core.access is_head_of_service mutants 7, 11 (None and an anonymous user)."""
    assert access.is_head_of_service(AnonymousUser()) is False
    assert access.is_head_of_service(AnonymousUser(), world.service_a.pk) is False
    assert access.is_head_of_service(None) is False
    assert access.is_head_of_service(world.users["head_of_service"]) is True
    assert access.is_head_of_service(world.users["head_of_service"], world.service_b.pk) is False


# core.access, third pass (issue #22): the ways in, one function at a time ------------------------------

def _ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


def _reached_two_ways(world):
    """A person followed by A (open follow-up) and referred to B (pending); C declined them, and C's old
    follow-up gives no access any more (access_until passed)."""
    person = Person.objects.create(first_name="Jo", last_name="Martin")
    FollowUp.objects.create(person=person, service=world.service_a, opened_on=_ago(30))
    referral(world.service_b, person=person, status=Status.PENDING)
    referral(world.service_c, person=person, status=Status.DECLINED)
    FollowUp.objects.create(person=person, service=world.service_c, opened_on=_ago(400), closed_on=_ago(300),
                            access_until=_ago(1))
    # Another person, followed by A and B: never counted for Jo.
    other = Person.objects.create(first_name="Lou", last_name="Petit")
    FollowUp.objects.create(person=other, service=world.service_a, opened_on=_ago(30))
    FollowUp.objects.create(person=other, service=world.service_b, opened_on=_ago(30))
    return person


def _three_teams(world):
    """A nurse in A, a social worker in B, a doctor in C (one account)."""
    user = world.user("three_teams")
    join(user, world.service_a, "nurse")
    join(user, world.service_b, "social_worker")
    join(user, world.service_c, "doctor")
    return user


def _emergency(user, person, service, hours=1):
    return EmergencyAccess.objects.create(user=user, person=person, service=service, reason="Malaise grave, " * 3,
                                          expires_at=timezone.now() + datetime.timedelta(hours=hours))


def _consent(person, from_service, to_service, scope):
    return SharingConsent.objects.create(person=person, from_service=from_service, to_service=to_service,
                                         scope=scope, given_on=timezone.localdate(), given_how="oral")


def test_following_services_are_those_that_follow_or_decide(world):
    """core.access following_services_of and _giving_access (no grants read before): the follow-up of A and
    the open referral to B count, not C (declined, access after exit over), not another person's teams."""
    user, person = _three_teams(world), _reached_two_ways(world)
    a, b = world.service_a.pk, world.service_b.pk
    assert access.following_services_of(user, person) == sorted([a, b])
    assert access.following_services_of(user, person, HEALTH) == [a]  # a social worker in B
    assert access.following_services_of(user, person, SOCIAL) == sorted([a, b])
    assert access.following_services_of(world.outsider, person) == [b]  # the referral alone
    # The referral alone is a following team's access: all the doctor holds, in B's own content.
    assert access.compartments_on(world.outsider, person) == {HEALTH, SOCIAL, ADMINISTRATIVE}
    assert access.readable_services(world.outsider, person) == {b: {HEALTH, SOCIAL, ADMINISTRATIVE}}
    assert access.following_services_of(world.outsider_head, person) == []  # C: declined, access over
    assert access.following_services_of(world.users["partner"], person) == []


def test_following_services_from_the_grants_already_read(world, django_assert_num_queries):
    """core.access following_services_of and _cached_grants on a person from get_visible_person: the same
    answer without a query; a consent to C (the user's, as a doctor) does not make C a following service."""
    user, person = _three_teams(world), _reached_two_ways(world)
    _consent(person, world.service_a, world.service_c, "health")
    a, b = world.service_a.pk, world.service_b.pk
    seen = access.get_visible_person(user, person.pk)
    with django_assert_num_queries(0):
        assert access.following_services_of(user, seen) == sorted([a, b])
        assert access.following_services_of(user, seen, HEALTH) == [a]
        assert access.following_services_of(user, seen, ADMINISTRATIVE) == sorted([a, b])
    assert access.following_services_of(world.outsider, seen) == [b]  # not the grants of another user
    assert access.following_services_of(None, seen) == []
    assert access.following_services_of(AnonymousUser(), seen) == []


def test_readable_services_join_a_following_team_and_a_consent_to_the_same_source(world, django_assert_num_queries):
    """core.access readable_services: a head of service in A (administrative) who is also a social worker in B,
    to which A's person consented to share health and social: A's content in administrative (following) and
    social (the consent, cut to what a social worker holds), nothing in B's own content."""
    user = world.user("head_and_social")
    join(user, world.service_a, "head_of_service")
    join(user, world.service_b, "social_worker")
    _consent(world.person, world.service_a, world.service_b, "health_social")
    a = world.service_a.pk
    assert access.compartments_by_service(user)  # memberships read once, cached on the user
    with django_assert_num_queries(1):
        assert access.readable_services(user, world.person) == {a: {ADMINISTRATIVE, SOCIAL}}
    seen = access.get_visible_person(user, world.person.pk)
    with django_assert_num_queries(0):
        assert access.readable_services(user, seen) == {a: {ADMINISTRATIVE, SOCIAL}}


def test_readable_services_of_a_following_team_alone(world):
    """core.access readable_services: no consent, no emergency: only the team's own service, in what the member
    holds; the services that followed the person are not opened."""
    FollowUp.objects.create(person=world.person, service=world.service_c, opened_on=_ago(400), closed_on=_ago(300),
                            access_until=_ago(1))
    # Another person, followed by B, shares social with A: nothing of it for Amina.
    other = Person.objects.create(first_name="Lou", last_name="Petit")
    FollowUp.objects.create(person=other, service=world.service_b, opened_on=_ago(30))
    _consent(other, world.service_b, world.service_a, "social")
    a = world.service_a.pk
    assert access.readable_services(world.users["social_worker"], world.person) == {a: {SOCIAL, ADMINISTRATIVE}}
    assert access.readable_services(world.users["nurse"], world.person) == {a: {HEALTH, SOCIAL, ADMINISTRATIVE}}
    assert access.readable_services(world.outsider, world.person) == {}
    assert access.readable_services(world.users["partner"], world.person) == {}


def test_an_emergency_opens_every_service_that_followed_the_person(world, django_assert_num_queries):
    """core.access readable_services, emergency: health and social of A (following) and of C (followed once,
    access over), never administrative, never B (the doctor's own service, which does not follow)."""
    FollowUp.objects.create(person=world.person, service=world.service_c, opened_on=_ago(400), closed_on=_ago(300),
                            access_until=_ago(1))
    doctor = world.outsider
    _emergency(doctor, world.person, world.service_b)
    want = {world.service_a.pk: {HEALTH, SOCIAL}, world.service_c.pk: {HEALTH, SOCIAL}}
    assert access.readable_services(doctor, world.person) == want
    seen = access.get_visible_person(doctor, world.person.pk)
    access.compartments_by_service(doctor)
    with django_assert_num_queries(1):  # the services that followed the person
        assert access.readable_services(doctor, seen) == want
    # Another member of B, whose grants are not these: reads nothing (not the doctor's emergency).
    colleague = world.user("colleague_b")
    join(colleague, world.service_b, "social_worker")
    assert access.readable_services(colleague, seen) == {}


def test_managed_operators(world):
    """core.access managed_operator_ids: a head of service manages the operator of their service, an
    administrator every operator, nobody else any."""
    assert access.managed_operator_ids(world.users["head_of_service"]) == {world.operator.pk}
    assert access.managed_operator_ids(world.outsider_head) == {world.other_operator.pk}
    assert access.managed_operator_ids(world.users["doctor"]) == set()
    assert access.managed_operator_ids(world.users["partner"]) == set()
    assert access.managed_operator_ids(AnonymousUser()) == set()
    assert access.managed_operator_ids(None) == set()
    admin = world.user("admin")
    admin.is_superuser = True
    admin.save()
    assert access.managed_operator_ids(admin) == {world.operator.pk, world.other_operator.pk}
    former = world.user("former_head")
    Membership.objects.create(user=former, service=world.service_b, profession="head_of_service", etp="0.5",
                              start_date=_ago(400), end_date=_ago(1))
    assert access.managed_operator_ids(former) == set()


def test_memberships_of_one_account_add_up_per_service(world, django_assert_num_queries):
    """core.access compartments_by_service: two professions in one service add up; read once per request."""
    user = world.user("two_hats")
    # The larger first: a union that kept only the last membership read would lose social.
    join(user, world.service_b, "mediator")
    join(user, world.service_b, "head_of_service")
    join(user, world.service_c, "psychologist")
    want = {world.service_b.pk: {SOCIAL, ADMINISTRATIVE}, world.service_c.pk: {HEALTH, SOCIAL, ADMINISTRATIVE}}
    assert access.compartments_by_service(user) == want
    with django_assert_num_queries(0):
        assert access.compartments_by_service(user) == want
    assert access.compartments_by_service(None) == {}
    assert access.compartments_by_service(AnonymousUser()) == {}


def test_a_partner_account_holds_nothing_even_with_a_membership(world):
    """core.access compartments_by_service: partner, funder and regulator accounts see no person (§5), even
    if a membership was recorded for one by mistake."""
    partner = world.users["partner"]
    join(partner, world.service_a, "social_worker")
    assert access.compartments_by_service(partner) == {}
    assert access.compartments_on(partner, world.person) == frozenset()


def test_health_held_only_by_a_confirmed_profession_when_required(world, settings):
    """core.access compartments_by_service with D55 on: the doctor whose RPPS the identity provider confirmed
    as a doctor holds health; the nurse, not confirmed, holds social and administrative."""
    settings.OIDC_REQUIRE_RPPS_FOR_HEALTH = True
    doctor, nurse = world.users["doctor"], world.users["nurse"]
    # As accounts.services.sign_in_professional leaves it: the RPPS returned equals the account's, as a doctor.
    doctor.rpps = doctor.rpps_verified = "10003456789"
    doctor.idp_professions = ["10"]
    doctor.save()
    a = world.service_a.pk
    assert access.compartments_by_service(doctor) == {a: {HEALTH, SOCIAL, ADMINISTRATIVE}}
    assert access.compartments_by_service(nurse) == {a: {SOCIAL, ADMINISTRATIVE}}


@pytest.mark.parametrize("person_id", [0, -1, 2**63, 2**64, "12a", None])
def test_an_id_no_row_can_have_is_not_found_without_a_query(world, person_id, django_assert_num_queries):
    """core.access get_visible_person: ids out of the 64-bit range, zero, negative or not numbers."""
    access.compartments_by_service(world.users["doctor"])
    with django_assert_num_queries(0), pytest.raises(NotFound):
        access.get_visible_person(world.users["doctor"], person_id)


def test_the_largest_and_smallest_ids_are_looked_up(world):
    """core.access get_visible_person: 1 and 2**63 - 1 are ids a row may have."""
    with pytest.raises(NotFound):
        access.get_visible_person(world.users["doctor"], 2**63 - 1)
    for pk in (1, 10**9):
        if not Person.objects.filter(pk=pk).exists():
            person = Person.objects.create(pk=pk, first_name="Id", last_name=str(pk))
            FollowUp.objects.create(person=person, service=world.service_a, opened_on=_ago(3))
        seen = access.get_visible_person(world.users["doctor"], str(pk))
        assert seen.pk == pk and seen.compartments == {HEALTH, SOCIAL, ADMINISTRATIVE}


def test_compartments_by_person_takes_persons_or_ids(world, django_assert_num_queries):
    """core.access _grants_by_person: a page of Person objects or of ids; a person nobody reaches is empty."""
    nobody = Person.objects.create(first_name="Sans", last_name="Suivi")
    nurse = world.users["nurse"]
    want = {world.person.pk: {HEALTH, SOCIAL, ADMINISTRATIVE}, nobody.pk: set()}
    assert access.compartments_by_person(nurse, [world.person, nobody]) == want
    assert access.compartments_by_person(nurse, [world.person.pk, nobody.pk]) == want
    assert access.compartments_by_person(nurse, []) == {}
    with django_assert_num_queries(0):  # no memberships: nothing to ask
        assert access.compartments_by_person(world.users["partner"], [world.person]) == {world.person.pk: set()}


def test_read_and_written_add_up_over_the_ways_in(world):
    """core.access _grants_by_person: a social worker in A who is also a doctor in B, to which A's person
    consented to share health: reads all three, writes social and administrative (A's) only."""
    user = world.user("doctor_b_social_a")
    join(user, world.service_a, "social_worker")
    join(user, world.service_b, "doctor")
    _consent(world.person, world.service_a, world.service_b, "health")
    assert access.compartments_on(user, world.person) == {HEALTH, SOCIAL, ADMINISTRATIVE}
    assert access.writable_compartments_on(user, world.person) == {SOCIAL, ADMINISTRATIVE}
    seen = access.get_visible_person(user, world.person.pk)
    assert (seen.compartments, seen.writable_compartments) == ({HEALTH, SOCIAL, ADMINISTRATIVE},
                                                              {SOCIAL, ADMINISTRATIVE})


def test_a_consent_grants_its_scope_cut_to_what_is_held(world):
    """core.access _grant: a consent of social only to B gives B's doctor social (not health, not
    administrative), read only; B's head of service, who holds no social, nothing."""
    head_b = world.user("head_b")
    join(head_b, world.service_b, "head_of_service")
    _consent(world.person, world.service_a, world.service_b, "social")
    assert access.compartments_on(world.outsider, world.person) == {SOCIAL}
    assert access.writable_compartments_on(world.outsider, world.person) == set()
    assert access.compartments_on(head_b, world.person) == set()
    assert access.readable_services(world.outsider, world.person) == {world.service_a.pk: {SOCIAL}}


def test_an_emergency_reads_health_and_social_only(world):
    """core.access _grant, _active_emergencies: the doctor of B reads health and social, writes nothing."""
    _emergency(world.outsider, world.person, world.service_b)
    assert access.compartments_on(world.outsider, world.person) == {HEALTH, SOCIAL}
    assert access.writable_compartments_on(world.outsider, world.person) == set()


def test_an_emergency_is_the_openers_own_from_a_service_where_they_hold_health(world):
    """core.access _active_emergencies: another member of B reads nothing of the doctor's emergency; an
    emergency recorded from a service where its author holds no health (a social worker in C) opens nothing."""
    _emergency(world.outsider, world.person, world.service_b)
    colleague = world.user("nurse_b")
    join(colleague, world.service_b, "nurse")
    assert access.compartments_on(colleague, world.person) == set()
    assert not access.visible_persons(colleague).filter(pk=world.person.pk).exists()
    both = world.user("doctor_b_social_c")
    join(both, world.service_b, "doctor")
    join(both, world.service_c, "social_worker")
    _emergency(both, world.person, world.service_c)
    assert access.compartments_on(both, world.person) == set()
    assert not access.visible_persons(both).filter(pk=world.person.pk).exists()
    assert access.active_emergency_person_ids(both, [world.person.pk]) == {}


def test_visible_persons_by_compartment(world):
    """core.access visible_persons with a compartment: each way in counts for what it opens."""
    person = world.person
    doctor_b = world.outsider
    _consent(person, world.service_a, world.service_b, "social")

    def sees(user, compartment=None, queryset=None):
        return access.visible_persons(user, queryset, compartment).filter(pk=person.pk).exists()

    assert sees(doctor_b) and sees(doctor_b, SOCIAL)
    assert not sees(doctor_b, HEALTH) and not sees(doctor_b, ADMINISTRATIVE)
    assert sees(world.users["social_worker"], SOCIAL) and not sees(world.users["social_worker"], HEALTH)
    assert not sees(world.users["head_of_service"], SOCIAL) and sees(world.users["head_of_service"])
    assert not sees(doctor_b, queryset=Person.objects.exclude(pk=person.pk))
    emergency = world.user("doctor_c")
    join(emergency, world.service_c, "doctor")
    _emergency(emergency, person, world.service_c)
    assert sees(emergency) and sees(emergency, HEALTH) and sees(emergency, SOCIAL)
    assert not sees(emergency, ADMINISTRATIVE)


def test_visible_persons_through_each_way_in_alone(world):
    """core.access visible_persons: a follow-up, an open referral, a consent, an emergency each make the
    person visible on their own; a declined referral and a referral without a person do not."""
    referred, consented, urgent = (Person.objects.create(first_name=n, last_name="X") for n in ("R", "C", "U"))
    refused = Person.objects.create(first_name="D", last_name="X")
    referral(world.service_b, person=referred, status=Status.WAITING)
    referral(world.service_b, person=refused, status=Status.DECLINED)
    referral(world.service_b, status=Status.PENDING)  # no person yet
    _consent(consented, world.service_a, world.service_b, "health")
    _emergency(world.outsider, urgent, world.service_b)
    seen = set(access.visible_persons(world.outsider).values_list("pk", flat=True))
    assert seen == {referred.pk, consented.pk, urgent.pk}
    assert set(access.visible_persons(world.users["doctor"]).values_list("pk", flat=True)) == {world.person.pk}


def test_active_emergency_person_ids(world, django_assert_num_queries):
    """core.access active_emergency_person_ids: the persons read through the user's emergency, with the access
    and its service; no query for someone who holds no health."""
    other = Person.objects.create(first_name="Autre", last_name="Personne")
    opened = _emergency(world.outsider, world.person, world.service_b)
    assert access.active_emergency_person_ids(world.outsider, [world.person.pk, other.pk]) == {
        world.person.pk: (opened.pk, world.service_b.pk)}
    social = world.users["social_worker"]
    access.compartments_by_service(social)
    with django_assert_num_queries(0):
        assert access.active_emergency_person_ids(social, [world.person.pk]) == {}


def test_a_membership_ended_within_the_request_no_longer_opens_its_share(world):
    """core.access _grant (a service missing from the memberships read again): the grants read by
    get_visible_person named B's consent; once B's membership ended and forget() read the memberships again,
    B's share opens nothing, though the doctor is still a member of C."""
    doctor = world.user("doctor_b_and_c")
    join(doctor, world.service_b, "doctor")
    join(doctor, world.service_c, "doctor")
    _consent(world.person, world.service_a, world.service_b, "health_social")
    seen = access.get_visible_person(doctor, world.person.pk)
    assert access.readable_services(doctor, seen) == {world.service_a.pk: {HEALTH, SOCIAL}}
    Membership.objects.filter(user=doctor, service=world.service_b).update(end_date=_ago(1))
    access.forget(doctor)
    assert access.readable_services(doctor, seen) == {}


def test_a_consent_of_an_unknown_scope_opens_nothing(world):
    """core.access _grant: a scope the product does not know (a value written outside the form) shares no
    compartment: nothing of the person is read in B."""
    consent = _consent(world.person, world.service_a, world.service_b, "social")
    SharingConsent.objects.filter(pk=consent.pk).update(scope="everything")
    assert access.compartments_on(world.outsider, world.person) == set()
    assert access.readable_services(world.outsider, world.person) == {}
