"""The access model against the hand-written table of expectations.py (issue #22), never against the
product's own constants: adding a profession to the health ones, or letting any head of service override,
must fail here."""

import datetime

import pytest
from django.utils import timezone

from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.referrals import duplicates
from aupres.referrals import services as referrals
from aupres.referrals.models import Status
from aupres.referrals.tests.helpers import join, referral
from aupres.services import services as configuration
from aupres.services.models import Membership, Profession, compartments_of

from . import expectations as want

pytestmark = pytest.mark.django_db


def test_the_product_has_exactly_the_professions_of_the_domain():
    """A new profession needs a decision on what it reads, written in expectations.py first."""
    assert set(Profession.values) == set(want.PROFESSIONS)


@pytest.mark.parametrize("profession", want.PROFESSIONS)
def test_compartments_of_each_profession(profession):
    assert {str(c) for c in compartments_of(profession)} == set(want.READS[profession])


@pytest.mark.parametrize("profession", want.PROFESSIONS)
def test_a_member_of_the_following_team_reads_what_the_domain_says(world, profession):
    user = world.users[profession]
    assert {str(c) for c in access.compartments_on(user, world.person)} == set(want.READS[profession])
    assert {str(c) for c in access.writable_compartments_on(user, world.person)} == set(want.READS[profession])
    person = access.get_visible_person(user, world.person.pk)
    for compartment in (want.HEALTH, want.SOCIAL, want.ADMINISTRATIVE):
        if compartment in want.READS[profession]:
            access.require(person, compartment)
        else:
            with pytest.raises(Forbidden):
                access.require(person, compartment)


@pytest.mark.parametrize("who", ["outsider", "outsider_head", "partner", "funder", "regulator"])
def test_nobody_outside_the_following_team_sees_the_person(world, who):
    user = getattr(world, who, None) or world.users[who]
    assert access.compartments_on(user, world.person) == frozenset()
    assert not access.visible_persons(user).filter(pk=world.person.pk).exists()
    with pytest.raises(NotFound):
        access.get_visible_person(user, world.person.pk)


# Decide and override on a referral -------------------------------------------------------------------

def _minor(world):
    return referral(world.service_a, birth_year=timezone.localdate().year - 16)


@pytest.mark.parametrize("profession", want.PROFESSIONS)
def test_every_member_of_the_addressed_service_decides_and_only_its_head_overrides(world, profession):
    user = world.users[profession]
    r = _minor(world)  # not eligible: LHSS mobile takes adults
    with pytest.raises(DomainError) as refused:
        referrals.accept(user, r, r.version)
    assert refused.value.code == "not_eligible"  # got past _deciding: a member decides
    if profession in want.MAY_OVERRIDE:
        referrals.accept(user, r, r.version, override_justification="Mineure émancipée")
        r.refresh_from_db()
        assert r.status == Status.ACCEPTED
    else:
        with pytest.raises(Forbidden):
            referrals.accept(user, r, r.version, override_justification="Mineure émancipée")
    decline = referral(world.service_a)
    referrals.decline(user, decline, decline.version, reason="other", note="Hors secteur")
    decline.refresh_from_db()
    assert decline.status == Status.DECLINED


def test_a_head_of_another_service_does_not_override_here(world):
    """The nurse of service A is also head of service B: in A she is a nurse, and may not override."""
    nurse = world.users["nurse"]
    join(nurse, world.service_b, Profession.HEAD_OF_SERVICE)
    access.forget(nurse)
    r = _minor(world)
    with pytest.raises(Forbidden):
        referrals.accept(nurse, r, r.version, override_justification="Mineure émancipée")
    full = referral(world.service_a, alias="Plein")
    world.service_a.capacity, world.service_a.capacity_unit = 1, "beds"
    world.service_a.save()
    with pytest.raises(Forbidden):
        referrals.accept(nurse, full, full.version, override_justification="Lit libéré demain")
    assert not FollowUp.objects.filter(service=world.service_a, person__alias="Plein").exists()


@pytest.mark.parametrize("who", ["outsider", "outsider_head", "partner", "funder", "regulator"])
def test_nobody_outside_the_addressed_service_decides(world, who):
    user = getattr(world, who, None) or world.users[who]
    r = referral(world.service_a)
    with pytest.raises(NotFound):
        referrals.decline(user, r, r.version, reason="other", note="x")
    with pytest.raises(NotFound):
        referrals.accept(user, r, r.version, override_justification="x")


# Merge ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("profession", want.PROFESSIONS)
def test_who_merges_two_records_followed_by_the_team(world, profession):
    user = world.users[profession]
    twin = Person.objects.create(alias="Mina bis")
    FollowUp.objects.create(person=twin, service=world.service_a, opened_on=datetime.date(2026, 1, 6))
    keep, absorb = (access.get_visible_person(user, pk) for pk in (world.person.pk, twin.pk))
    if profession in want.MAY_MERGE:
        duplicates.check_merge(user, keep, absorb)
    else:
        with pytest.raises((Forbidden, NotFound)):
            duplicates.check_merge(user, keep, absorb)


def test_merging_needs_a_following_team_on_both_records(world):
    """The outsider (service B) follows the twin but not world.person: no merge."""
    twin = Person.objects.create(alias="Mina bis")
    FollowUp.objects.create(person=twin, service=world.service_b, opened_on=datetime.date(2026, 1, 6))
    doctor = world.users["doctor"]
    keep = access.get_visible_person(doctor, world.person.pk)
    with pytest.raises(NotFound):
        access.get_visible_person(doctor, twin.pk)
    with pytest.raises((Forbidden, NotFound)):
        duplicates.check_merge(doctor, keep, twin)


# Grant -------------------------------------------------------------------------------------------------

VALID_RPPS = "10003380671"


@pytest.mark.parametrize("profession", want.PROFESSIONS)
def test_who_grants_each_profession(world, profession):
    """A head of service of the operator grants the professions without health; a health profession is the
    medical lead's call (D19). The newcomer has an RPPS so that only the grantor decides."""
    head, lead = world.users["head_of_service"], world.users["doctor"]
    lead.rpps = VALID_RPPS
    lead.save()
    world.operator.medical_lead = lead
    world.operator.save()
    newcomer = world.user(f"new_{profession}")
    newcomer.rpps = VALID_RPPS
    newcomer.save()
    values = {"profession": profession, "etp": "0.5", "start_date": datetime.date(2026, 1, 1)}
    health = want.HEALTH in want.READS[profession]
    if health:
        with pytest.raises(Forbidden):
            configuration.add_membership(head, world.service_b, newcomer, values)
        configuration.add_membership(lead, world.service_b, newcomer, values)
    else:
        configuration.add_membership(head, world.service_b, newcomer, values)
    assert Membership.objects.filter(user=newcomer, service=world.service_b, profession=profession).exists()


@pytest.mark.parametrize("profession", want.PROFESSIONS)
def test_nobody_grants_themselves(world, profession):
    user = world.users[profession]
    with pytest.raises(Forbidden):
        configuration.add_membership(user, world.service_b, user, {
            "profession": "social_worker", "etp": "0.5", "start_date": datetime.date(2026, 1, 1)})


def test_a_head_of_another_operator_grants_nothing_here(world):
    newcomer = world.user("newcomer")
    with pytest.raises(Forbidden):
        configuration.add_membership(world.outsider_head, world.service_b, newcomer, {
            "profession": "social_worker", "etp": "0.5", "start_date": datetime.date(2026, 1, 1)})
