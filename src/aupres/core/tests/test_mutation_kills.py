"""Tests written for mutants that survived bench/mutation.py (issue #22), one per gap."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation

from aupres.core import access
from aupres.core.errors import Forbidden
from aupres.referrals import services as referrals
from aupres.services.models import CapacityUnit, Membership

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
