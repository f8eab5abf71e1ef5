"""Eligibility and capacity: each rule comes from the service's data, refuses with its reason, and only
the head of service may override it, with a recorded justification."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aupres.core.errors import DomainError, Forbidden
from aupres.followups.models import FollowUp
from aupres.persons.models import Household, HouseholdMember, Person
from aupres.referrals import services
from aupres.referrals.models import Consent, Referral, ReferralAttachment, Source, Status
from aupres.referrals.tests.helpers import join, referral, tiny_pdf
from aupres.services.models import CapacityUnit, Profession, Public, ServiceKind

pytestmark = pytest.mark.django_db

PDF = tiny_pdf()


def codes(service, r):
    return [c for c, _m in services.eligibility(service, r)]


def configure(service, **values):
    for name, value in values.items():
        setattr(service, name, value)
    service.save()
    return service


# Eligibility, rule by rule ----------------------------------------------------------------------

def test_adults_only_refuses_a_minor_and_accepts_an_adult_or_unknown_age(world):
    service = world.service_a  # LHSS mobile: adults
    this_year = timezone.localdate().year
    assert "wrong_public" in codes(service, referral(service, birth_year=this_year - 15))
    assert codes(service, referral(service, birth_year=this_year - 40)) == []
    assert codes(service, referral(service)) == []  # age unknown is never a reason


@given(age=st.integers(min_value=0, max_value=110))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_min_and_max_age_come_from_the_service(world, age):
    # The world is only read here; the referral is never saved.
    service = world.service_c
    service.min_age, service.max_age = 25, 60
    r = Referral(service=service, source="pass", alias="X", needs=["health"], estimated_age=age)
    got = codes(service, r)
    assert ("too_young" in got) is (age < 25)
    assert ("too_old" in got) is (age > 60)


def test_paediatric_lhss_refuses_an_adult_without_a_child_and_requires_both_files(world):
    kind = ServiceKind.objects.get(code="lhss_paediatric")
    service = world.service("LHSS pédiatrique", kind, world.operator)
    join(world.users["doctor"], service, Profession.DOCTOR)
    alone = referral(service, sex="female", birth_year=1990, needs=["maternity"])
    assert "wrong_public" in codes(service, alone)
    assert codes(service, alone).count("missing_document") == 2
    mother = referral(service, sex="female", birth_year=1990, minor_children=2, needs=["maternity"])
    for doc in ("medical_file", "social_file"):
        ReferralAttachment.objects.create(referral=mother, kind=doc, file="x.pdf", original_name="x.pdf",
                                          content_type="application/pdf", size=10)
    assert codes(service, mother) == []
    assert "wrong_public" in codes(service, referral(service, sex="male", minor_children=1, needs=["maternity"]))


def test_women_only_and_newborn_publics(world):
    service = configure(world.service_c, public=Public.WOMEN)
    assert "wrong_public" in codes(service, referral(service, sex="male"))
    assert codes(service, referral(service, sex="female")) == []
    configure(service, public=Public.MOTHERS_WITH_NEWBORNS)
    assert "wrong_public" in codes(service, referral(service, sex="female"))
    assert codes(service, referral(service, sex="female", newborn=True)) == []


def test_ssiad_requires_prescription_date_and_prescriber(world):
    service = world.service("SSIAD", ServiceKind.objects.get(code="ssiad_precarity"), world.operator)
    assert "missing_prescription" in codes(service, referral(service, needs=["nursing"]))
    assert "missing_prescription" in codes(service, referral(service, needs=["nursing"],
                                                            prescriber="Dr Lefort"))
    ok = referral(service, needs=["nursing"], prescriber="Dr Lefort", prescription_date=datetime.date(2026, 1, 2))
    assert codes(service, ok) == []


def test_case_management_refuses_more_than_six_months_on_the_street_and_needs_the_persons_demand(world):
    service = world.service("Case management", ServiceKind.objects.get(code="case_management"), world.operator)
    today = timezone.localdate()
    long_ago = today - datetime.timedelta(days=250)
    recently = today - datetime.timedelta(days=60)
    assert "too_long_on_street" in codes(service, referral(service, on_street_since=long_ago,
                                                          consent=Consent.ASKS, needs=["social"]))
    assert codes(service, referral(service, on_street_since=recently, consent=Consent.ASKS, needs=["social"])) == []
    assert "no_expressed_demand" in codes(service, referral(service, on_street_since=recently,
                                                           consent=Consent.AGREES, needs=["social"]))
    assert codes(service, referral(service, source=Source.SELF, needs=["social"])) == []


def test_the_months_on_the_street_of_a_linked_person_count(world):
    service = world.service("Case management", ServiceKind.objects.get(code="case_management"), world.operator)
    world.person.on_street_since = timezone.localdate() - datetime.timedelta(days=400)
    world.person.save()
    assert "too_long_on_street" in codes(service, referral(service, person=world.person, consent=Consent.ASKS,
                                                          needs=["social"]))


def test_need_not_matching_uses_the_services_accepted_needs(world):
    service = world.service_c  # PASS mobile: health, rights by default
    assert "need_not_matching" in codes(service, referral(service, needs=["housing"]))
    assert codes(service, referral(service, needs=["housing", "rights"])) == []
    configure(service, accepted_needs=["housing"])
    assert codes(service, referral(service, needs=["housing"])) == []
    configure(service, accepted_needs=[])
    assert codes(service, referral(service, needs=["violence"])) == []  # empty: any need


def test_an_ineligible_referral_is_refused_with_reasons_and_only_the_head_overrides(world):
    r = referral(world.service_a, birth_year=timezone.localdate().year - 16)
    with pytest.raises(DomainError) as refused:
        services.accept(world.users["social_worker"], r, r.version)
    assert refused.value.code == "not_eligible" and "wrong_public" in refused.value.details["reasons"]
    with pytest.raises(Forbidden):
        services.accept(world.users["social_worker"], r, r.version, override_justification="Je le veux")
    assert not FollowUp.objects.filter(service=world.service_a, person__alias="Le Grand").exists()
    head = world.users["head_of_service"]
    services.accept(head, r, r.version, override_justification="Mineur émancipé, accord du juge")
    r.refresh_from_db()
    assert r.status == Status.ACCEPTED and r.overridden_rules == ["not_eligible"]
    assert r.override_justification == "Mineur émancipé, accord du juge"
    assert r.events.filter(action="accepted", note__contains="juge").exists()


# Capacity ---------------------------------------------------------------------------------------

def _followed(service, n, prefix="P"):
    persons = []
    for i in range(n):
        p = Person.objects.create(alias=f"{prefix}{i}")
        FollowUp.objects.create(person=p, service=service, opened_on=datetime.date(2026, 1, 1))
        persons.append(p)
    return persons


def test_households_count_once_and_persons_alone_count_one_each(world):
    service = configure(world.service_b, capacity=5, capacity_unit=CapacityUnit.HOUSEHOLDS)
    a, b, c, d = _followed(service, 4)
    family = Household.objects.create(label="Famille")
    for p in (a, b, c):
        HouseholdMember.objects.create(household=family, person=p, role="other")
    usage = services.capacity_usage(service)
    assert (usage.used, usage.limit, usage.free) == (2, 5, 3)  # the family + d
    HouseholdMember.objects.filter(person=c).update(until=datetime.date(2026, 1, 2))
    assert services.capacity_usage(service).used == 3


def test_situations_per_case_manager_multiply_by_active_case_managers(world):
    service = configure(world.service_b, capacity=10, capacity_unit=CapacityUnit.SITUATIONS_PER_CASE_MANAGER)
    assert services.capacity_usage(service).limit == 0
    join(world.users["case_manager"], service, Profession.CASE_MANAGER)
    join(world.users["nurse"], service, Profession.CASE_MANAGER)
    join(world.users["doctor"], service, Profession.DOCTOR)
    gone = join(world.users["mediator"], service, Profession.CASE_MANAGER)
    gone.end_date = datetime.date(2025, 6, 1)
    gone.save()
    _followed(service, 3)
    assert (services.capacity_usage(service).used, services.capacity_usage(service).limit) == (3, 20)


def test_beds_and_persons_per_day(world):
    service = configure(world.service_b, capacity=2, capacity_unit=CapacityUnit.BEDS)
    _followed(service, 2)
    assert services.capacity_usage(service).full_with(1)
    configure(service, capacity_unit=CapacityUnit.PERSONS_PER_DAY)
    assert services.capacity_usage(service).limit is None


def test_accepting_beyond_capacity_is_refused_with_the_count_unless_the_head_overrides(world):
    service = configure(world.service_a, capacity=2, capacity_unit=CapacityUnit.BEDS)
    _followed(service, 1)  # + world.person: 2 of 2
    r = referral(service, alias="Jojo")
    with pytest.raises(DomainError) as refused:
        services.accept(world.users["nurse"], r, r.version)
    assert refused.value.code == "capacity_full"
    assert refused.value.details == {"used": 2, "limit": 2}
    assert "2" in str(refused.value.message)
    head = world.users["head_of_service"]
    with pytest.raises(DomainError):
        services.accept(head, r, r.version)  # no reason given
    services.accept(head, r, r.version, override_justification="Sortie d'hôpital, lit libéré demain")
    r.refresh_from_db()
    assert r.status == Status.ACCEPTED and r.overridden_rules == ["capacity_full"]
    assert services.capacity_usage(service).used == 3


def test_a_member_of_an_already_counted_household_fits_a_full_household_service(world):
    service = configure(world.service_a, capacity=1, capacity_unit=CapacityUnit.HOUSEHOLDS)
    partner = Person.objects.create(first_name="Karim", last_name="Benali")
    family = Household.objects.create(label="Benali")
    HouseholdMember.objects.create(household=family, person=world.person, role="head")
    HouseholdMember.objects.create(household=family, person=partner, role="partner")
    FollowUp.objects.create(person=partner, service=world.service_b, opened_on=datetime.date(2026, 1, 1))
    join(world.users["nurse"], world.service_b, Profession.NURSE)
    r = referral(service, person=partner)
    services.accept(world.users["nurse"], r, r.version)
    assert FollowUp.objects.filter(person=partner, service=service, closed_on__isnull=True).exists()
    other = referral(service, alias="Seul")
    with pytest.raises(DomainError) as refused:
        services.accept(world.users["nurse"], other, other.version)
    assert refused.value.code == "capacity_full"


def test_attachment_limits_size_and_type(world, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    with pytest.raises(DomainError) as bad:
        services.check_attachment("medical_file", SimpleUploadedFile("a.exe", b"MZ\x90\x00"))
    assert bad.value.code == "file_type"
    big = SimpleUploadedFile("a.pdf", PDF + b"0" * services.MAX_ATTACHMENT_BYTES)
    with pytest.raises(DomainError) as heavy:
        services.check_attachment("medical_file", big)
    assert heavy.value.code == "file_too_large"
    services.check_attachment("medical_file", SimpleUploadedFile("a.pdf", PDF))
