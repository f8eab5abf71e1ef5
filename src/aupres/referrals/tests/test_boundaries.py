"""Each intake rule at its edge (issue #22): the last free place and one more with a closed follow-up
present, the adults-only public at 17/18, minimum and maximum ages at min−1/min/max/max+1 (explicit
Hypothesis examples, so that an off-by-one is caught on every run, not 2 runs out of 6)."""

import datetime

import pytest
from django.utils import timezone, translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.followups.models import FollowUp
from aupres.persons.models import Household, HouseholdMember, Person
from aupres.referrals import services
from aupres.referrals.models import Referral, Status
from aupres.referrals.tests.helpers import referral
from aupres.services.models import CapacityUnit, Public

pytestmark = pytest.mark.django_db

ADULT = 18  # DOMAIN.md §2: LHSS and LAM take adults (majeurs), written here, not read from the product
MIN_AGE, MAX_AGE = 25, 60


def _codes(service, r):
    return [c for c, _m in services.eligibility(service, r)]


def _unsaved(service, age):
    return Referral(service=service, source="pass", alias="X", needs=["health"], estimated_age=age,
                    received_at=timezone.now())


@given(age=st.integers(min_value=0, max_value=110))
@example(age=ADULT - 1)
@example(age=ADULT)
@example(age=ADULT + 1)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_adults_only_public_at_seventeen_and_eighteen(world, age):
    service = world.service_c
    service.public, service.min_age, service.max_age = Public.ADULTS, None, None  # the public alone decides
    assert ("wrong_public" in _codes(service, _unsaved(service, age))) is (age < ADULT)


@given(age=st.integers(min_value=0, max_value=110))
@example(age=MIN_AGE - 1)
@example(age=MIN_AGE)
@example(age=MAX_AGE)
@example(age=MAX_AGE + 1)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_min_and_max_age_at_their_edges(world, age):
    service = world.service_c
    service.public, service.min_age, service.max_age = Public.ANY, MIN_AGE, MAX_AGE
    got = _codes(service, _unsaved(service, age))
    assert ("too_young" in got) is (age < MIN_AGE)
    assert ("too_old" in got) is (age > MAX_AGE)


def test_the_adults_rule_through_accept(world):
    """18 years old is accepted by an adults-only service without any override; 17 is refused."""
    service = world.service_a
    service.min_age = None
    service.save()
    year = timezone.localdate().year
    nurse = world.users["nurse"]
    minor = referral(service, alias="Dix-sept", birth_year=year - 17)
    with pytest.raises(DomainError) as refused:
        services.accept(nurse, minor, minor.version)
    assert refused.value.details["reasons"] == ["wrong_public"]
    adult = referral(service, alias="Dix-huit", birth_year=year - 18)
    services.accept(nurse, adult, adult.version)
    adult.refresh_from_db()
    assert adult.status == Status.ACCEPTED and adult.overridden_rules == []


def test_a_refusal_says_each_reason_in_words(world):
    """The refusal of accept names every reason, one sentence after the other (the nurse reads why)."""
    service = world.service_a
    service.min_age = 25
    service.save()
    minor = referral(service, alias="Dix-sept", birth_year=timezone.localdate().year - 17)
    with pytest.raises(DomainError) as refused:
        services.accept(world.users["nurse"], minor, minor.version)
    assert refused.value.details["reasons"] == ["wrong_public", "too_young"]
    assert str(refused.value.message) == ("Ce dispositif n'accueille que des adultes. La personne est plus jeune "
                                          "que l'âge minimum du dispositif (25).")


@pytest.mark.parametrize("unit", [CapacityUnit.BEDS, CapacityUnit.HOUSEHOLDS])
def test_the_last_free_place_and_one_more_with_a_closed_follow_up_present(world, unit):
    """Capacity 3: world.person and one more are followed, a third left (closed follow-up, still in its
    access window): the third referral takes the last place, the fourth is refused."""
    service = world.service_a
    service.capacity, service.capacity_unit = 3, unit
    service.save()
    FollowUp.objects.create(person=Person.objects.create(alias="Suivi"), service=service,
                            opened_on=datetime.date(2026, 1, 2))
    gone = FollowUp.objects.create(person=Person.objects.create(alias="Sorti"), service=service,
                                   opened_on=datetime.date(2025, 6, 1))
    gone.close(timezone.localdate() - datetime.timedelta(days=3))
    gone.save()
    family = Household.objects.create(label="Famille sortie")  # the household left with the person
    HouseholdMember.objects.create(household=family, person=gone.person, role="head")
    sibling = Person.objects.create(alias="Sœur")
    HouseholdMember.objects.create(household=family, person=sibling, role="other")
    assert services._adds_to_capacity(service, sibling) == 1  # her household is no longer counted
    usage = services.capacity_usage(service)
    assert (usage.used, usage.limit, usage.free) == (2, 3, 1)
    nurse = world.users["nurse"]
    last = referral(service, alias="Dernière place")
    services.accept(nurse, last, last.version)
    last.refresh_from_db()
    assert last.status == Status.ACCEPTED and last.overridden_rules == []
    assert services.capacity_usage(service).free == 0
    one_more = referral(service, alias="Une de trop")
    with pytest.raises(DomainError) as refused:
        services.accept(nurse, one_more, one_more.version)
    assert refused.value.code == "capacity_full" and refused.value.details == {"used": 3, "limit": 3}
    assert str(refused.value.message) == "Le dispositif est complet : 3 pour une capacité de 3."


def test_capacity_full_with_is_strict_at_the_limit():
    cap = services.Capacity(used=2, limit=3, unit=CapacityUnit.BEDS)
    assert not cap.full_with(1) and cap.full_with(2) and cap.free == 1
    assert services.Capacity(used=3, limit=3, unit=CapacityUnit.BEDS).full_with(1)
    assert services.Capacity(used=5, limit=3, unit=CapacityUnit.BEDS).free == 0
    assert not services.Capacity(used=99, limit=None, unit=CapacityUnit.BEDS).full_with(1)


@pytest.mark.parametrize(("since", "on", "months"), [
    (datetime.date(2026, 1, 15), datetime.date(2026, 7, 15), 6),
    (datetime.date(2026, 1, 15), datetime.date(2026, 7, 14), 5),
    (datetime.date(2025, 12, 31), datetime.date(2026, 2, 28), 1),
    (datetime.date(2025, 7, 1), datetime.date(2026, 1, 1), 6),
])
def test_months_on_the_street_are_whole_months(since, on, months):
    assert services._months_between(since, on) == months


@pytest.mark.parametrize(("months", "too_long"), [(5, False), (6, False), (7, True)])
def test_case_management_takes_six_months_on_the_street_not_seven(world, months, too_long):
    service = world.service_c
    service.public, service.min_age, service.max_age, service.max_months_on_street = Public.ANY, None, None, 6
    on = datetime.date(2026, 9, 15)
    r = Referral(service=service, source="pass", alias="X", needs=["health"], received_at=timezone.now(),
                 on_street_since=datetime.date(2026, 9 - months, 15))
    got = [c for c, _m in services.eligibility(service, r, on=on)]
    assert ("too_long_on_street" in got) is too_long


@pytest.mark.parametrize(("date", "prescriber", "missing"), [
    (None, "", True), (datetime.date(2026, 1, 2), "", True), (None, "Dr Roux", True),
    (datetime.date(2026, 1, 2), "  ", True), (datetime.date(2026, 1, 2), "Dr Roux", False)])
@pytest.mark.parametrize("how", ["flag", "document"])
def test_a_prescription_needs_both_its_date_and_its_prescriber(world, date, prescriber, missing, how):
    service = world.service_c
    service.public, service.min_age, service.max_age = Public.ANY, None, None
    service.requires_prescription = how == "flag"
    service.required_documents = ["prescription"] if how == "document" else []
    r = Referral(service=service, source="pass", alias="X", needs=["health"], received_at=timezone.now(),
                 prescription_date=date, prescriber=prescriber)
    assert ("missing_prescription" in _codes(service, r)) is missing
    assert "missing_document" not in _codes(service, r)  # the prescription is no attached document


def test_a_capacity_of_zero_or_per_opening_day_limits_nothing(world):
    service = world.service_a
    service.capacity, service.capacity_unit = 0, CapacityUnit.BEDS
    assert services.capacity_usage(service).limit is None
    service.capacity, service.capacity_unit = 4, CapacityUnit.PERSONS_PER_DAY
    usage = services.capacity_usage(service)
    assert usage.limit is None and usage.free is None and not usage.full_with(10)
    service.capacity_unit = CapacityUnit.PLACES
    usage = services.capacity_usage(service)
    assert (usage.used, usage.limit, usage.free, usage.unit) == (1, 4, 3, CapacityUnit.PLACES)


# What each refusal says, and who may lift it (mutants of referrals.services) ---------------------------

def _any_public(service, **values):
    service.public, service.min_age, service.max_age = Public.ANY, None, None
    service.max_months_on_street, service.requires_prescription = None, False
    service.required_documents, service.requires_expressed_demand, service.accepted_needs = [], False, []
    for name, value in values.items():
        setattr(service, name, value)
    return service


def _messages(service, r, on=None):
    with translation.override("en"):
        return {c: str(m) for c, m in services.eligibility(service, r, on=on)}


def test_each_refusal_says_its_reason_with_the_services_figures(world):
    """The reasons the deciding team reads (English msgids; the French catalogue translates them)."""
    service = _any_public(world.service_c, min_age=MIN_AGE, max_age=MAX_AGE, max_months_on_street=6,
                          requires_expressed_demand=True, accepted_needs=["housing", "rights"])
    young = _unsaved(service, MIN_AGE - 1)
    young.needs, young.consent = ["health"], "agrees"
    young.on_street_since = datetime.date(2025, 1, 15)
    got = _messages(service, young, on=datetime.date(2026, 1, 20))
    assert got == {
        "too_young": f"The person is younger than the service's minimum age ({MIN_AGE}).",
        "too_long_on_street": "The person has been on the street for 12 months; this service takes people on "
                              "the street for at most 6 months.",
        "no_expressed_demand": "This service requires the person's own demand.",
        "need_not_matching": "This service does not take this kind of need (it takes: Housing, shelter or "
                             "tenancy, Rights and papers).",
    }
    assert _messages(service, _unsaved(service, MAX_AGE + 1))["too_old"] == \
        f"The person is older than the service's maximum age ({MAX_AGE})."


def test_the_public_refusals_say_whom_the_service_takes(world):
    service = _any_public(world.service_c, public=Public.ADULTS)
    assert _messages(service, _unsaved(service, ADULT - 1)) == {"wrong_public": "This service takes adults only."}
    service.public = Public.WOMEN
    man = _unsaved(service, 30)
    man.sex = "male"
    assert _messages(service, man) == {"wrong_public": "This service takes women only."}
    service.public = Public.MOTHERS_WITH_CHILDREN
    assert _messages(service, man) == {"wrong_public": "This service takes mothers with their minor children; the "
                                                       "referral mentions no minor child with a mother."}
    service.public = Public.MOTHERS_WITH_NEWBORNS
    assert _messages(service, man) == {"wrong_public": "This service takes mothers with a newborn; the referral "
                                                       "mentions no newborn with a mother."}


@pytest.mark.parametrize("public", [Public.WOMEN, Public.MOTHERS_WITH_CHILDREN, Public.MOTHERS_WITH_NEWBORNS])
def test_an_unknown_sex_is_no_reason_but_the_linked_persons_is(world, public):
    """DOMAIN.md §3: what is unknown is never a reason. A referral that does not say the sex of a linked person
    takes the person's."""
    service = _any_public(world.service_c, public=public)
    r = _unsaved(service, 30)
    r.sex, r.minor_children, r.newborn = "unknown", 2, True
    assert _codes(service, r) == []
    r.sex = "female"
    assert _codes(service, r) == []
    man = Person.objects.create(alias="Lui", sex="male")
    r.sex, r.person = "unknown", man
    assert _codes(service, r) == ["wrong_public"]
    woman = Person.objects.create(alias="Elle", sex="female")
    r.person = woman
    assert _codes(service, r) == []


@pytest.mark.parametrize("public", [Public.MOTHERS_WITH_CHILDREN, Public.MOTHERS_WITH_NEWBORNS])
def test_a_mother_without_the_child_the_service_takes_is_refused(world, public):
    service = _any_public(world.service_c, public=public)
    r = _unsaved(service, 30)
    r.sex, r.minor_children, r.newborn = "female", 0, False
    assert _codes(service, r) == ["wrong_public"]
    r.minor_children, r.newborn = (1, False) if public == Public.MOTHERS_WITH_CHILDREN else (0, True)
    assert _codes(service, r) == []


def test_the_months_on_the_street_of_the_referral_come_before_the_persons(world):
    service = _any_public(world.service_c, max_months_on_street=6)
    on = datetime.date(2026, 9, 15)
    r = _unsaved(service, 30)
    r.person = Person.objects.create(alias="Longtemps", on_street_since=datetime.date(2024, 1, 1))
    assert [c for c, _m in services.eligibility(service, r, on=on)] == ["too_long_on_street"]  # the person's
    r.on_street_since = datetime.date(2026, 8, 1)  # the referral's own, more recent, wins
    assert [c for c, _m in services.eligibility(service, r, on=on)] == []


def test_required_documents_are_named_and_counted_from_the_pending_uploads(world):
    service = _any_public(world.service_c, required_documents=["medical_file", "social_file", "prescription"])
    r = _unsaved(service, 30)
    r.prescription_date, r.prescriber = datetime.date(2026, 1, 2), "Dr Roux"
    with translation.override("en"):
        missing = [str(m) for c, m in services.eligibility(service, r) if c == "missing_document"]
    assert missing == ["Missing document: Medical file.", "Missing document: Social file."]
    r._pending_documents = ["social_file"]
    assert [c for c, _m in services.eligibility(service, r)] == ["missing_document"]
    r._pending_documents = ["social_file", "medical_file"]
    assert _codes(service, r) == []


@pytest.mark.parametrize(("consent", "source", "refused"), [
    ("asks", "pass", False), ("agrees", "self", False), ("agrees", "pass", True), ("refuses", "pass", True)])
def test_the_persons_own_demand_is_asking_or_coming_alone(world, consent, source, refused):
    service = _any_public(world.service_c, requires_expressed_demand=True)
    r = _unsaved(service, 30)
    r.consent, r.source = consent, source
    assert ("no_expressed_demand" in _codes(service, r)) is refused


@pytest.mark.parametrize(("needs", "refused"), [(["housing"], True), (["housing", "health"], False), ([], False)])
def test_a_need_is_matched_by_any_need_the_service_takes(world, needs, refused):
    service = _any_public(world.service_c, accepted_needs=["health", "addiction"])
    r = _unsaved(service, 30)
    r.needs = needs
    assert ("need_not_matching" in _codes(service, r)) is refused
    service.accepted_needs = []  # takes every need
    assert "need_not_matching" not in _codes(service, r)


def test_a_decided_referral_is_not_decided_again_and_one_for_nobody_is_not_found(world):
    nurse = world.users["nurse"]
    r = referral(world.service_a, birth_year=timezone.localdate().year - 40)
    services.decline(nurse, r, r.version, reason="other", note="Hors secteur")
    r.refresh_from_db()
    with pytest.raises(DomainError) as again:
        services.accept(nurse, r, r.version)
    assert again.value.code == "already_decided"
    assert str(again.value.message) == "Une décision a déjà été prise sur cette orientation."  # tests run in French
    orphan = referral(None)
    with pytest.raises(NotFound):
        services.decline(nurse, orphan, orphan.version, reason="other", note="x")


def test_an_override_needs_words_and_records_each_rule_once(world):
    """A blank justification is no justification: the rule refuses (not the override); the head's
    justification records every rule lifted, sorted, once."""
    head = world.users["head_of_service"]
    service = world.service_a
    service.capacity, service.capacity_unit = 1, CapacityUnit.BEDS
    service.save()
    minor = referral(service, alias="Mineur", birth_year=timezone.localdate().year - 16)
    with pytest.raises(DomainError) as refused:
        services.accept(head, minor, minor.version, override_justification="   ")
    assert (refused.value.code, refused.value.field) == ("not_eligible", "override_justification")
    assert refused.value.details == {"reasons": ["wrong_public", "too_young"]}  # LHSS: adults, from 18
    with pytest.raises(Forbidden) as forbidden:
        services.accept(world.users["doctor"], minor, minor.version, override_justification="Urgence")
    assert (forbidden.value.code, forbidden.value.field) == ("override_forbidden", "override_justification")
    assert str(forbidden.value.message) == "Seuls les chef·fes de service peuvent accorder une dérogation."
    minor.overridden_rules = ["not_eligible"]  # as if a first attempt had recorded it
    services.accept(head, minor, minor.version, override_justification="  Mineur émancipé, lit libéré  ")
    minor.refresh_from_db()
    assert minor.overridden_rules == ["capacity_full", "not_eligible"]
    assert minor.override_justification == "Mineur émancipé, lit libéré"


def test_a_household_left_yesterday_is_no_longer_the_newcomers(world):
    """The sibling left the followed person's household today: from today, she is no member of a counted
    household and takes a place of her own; the day before, she did not."""
    service = world.service_a
    service.capacity, service.capacity_unit = 5, CapacityUnit.HOUSEHOLDS
    family = Household.objects.create(label="Famille")
    today = timezone.localdate()
    HouseholdMember.objects.create(household=family, person=world.person, role="head")
    sibling = Person.objects.create(alias="Sœur")
    HouseholdMember.objects.create(household=family, person=sibling, role="other", until=today)
    assert services._adds_to_capacity(service, sibling, on=today - datetime.timedelta(days=1)) == 0
    assert services._adds_to_capacity(service, sibling, on=today) == 1
    assert services._adds_to_capacity(service, sibling) == 1
    assert services._adds_to_capacity(service, None) == 1
    service.capacity_unit = CapacityUnit.BEDS
    assert services._adds_to_capacity(service, Person.objects.get(pk=world.person.pk)) == 1  # beds count persons


def test_the_age_is_taken_on_the_day_asked(world):
    """referrals.services eligibility mutant 8 (the age of today instead of `on`)."""
    service = _any_public(world.service_c, public=Public.ADULTS)
    r = _unsaved(service, None)
    r.birth_year = timezone.localdate().year - ADULT
    last_year = datetime.date(timezone.localdate().year - 1, 6, 1)
    assert [c for c, _m in services.eligibility(service, r, on=last_year)] == ["wrong_public"]  # 17 then
    assert _codes(service, r) == []  # 18 this year


def test_the_prescription_is_no_document_wherever_the_service_lists_it(world):
    """referrals.services eligibility mutants 151-153, 177, 190: the prescription's own message; a prescription
    listed first does not stop the other documents being checked; a kind the product no longer names is
    shown as stored."""
    service = _any_public(world.service_c, required_documents=["prescription", "medical_file", "legacy_kind"])
    r = _unsaved(service, 30)
    with translation.override("en"):
        got = [(c, str(m)) for c, m in services.eligibility(service, r)]
    assert got == [
        ("missing_prescription", "This service acts only on medical prescription: give the prescription date and "
                                 "the prescriber."),
        ("missing_document", "Missing document: Medical file."),
        ("missing_document", "Missing document: legacy_kind."),
    ]


def test_a_need_the_product_no_longer_names_is_shown_as_stored(world):
    """referrals.services eligibility mutants 229-231."""
    service = _any_public(world.service_c, accepted_needs=["housing", "legacy_need"])
    r = _unsaved(service, 30)
    assert _messages(service, r) == {"need_not_matching": "This service does not take this kind of need (it takes: "
                                                          "Housing, shelter or tenancy, legacy_need)."}
