"""Calls for projects (issue #18): eligibility as data, envelope arithmetic, who sees whose application."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from aupres.calls import rules, services
from aupres.calls.models import Envelope, Proposal, Stage
from aupres.core.errors import Conflict, DomainError, Forbidden, NotFound
from aupres.followups.models import FollowUp
from aupres.indicators import formats
from aupres.indicators.models import ServiceYearBudget
from aupres.persons.models import Person
from aupres.services.models import Membership, Service, ServiceKind, Territory

from .helpers import TODAY, call_of, file, funder_of, letter_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(world):
    funder = funder_of(world)
    call = call_of(funder)
    return world, funder, call, world.users["head_of_service"]


# Eligibility rules as data -----------------------------------------------------------------------------

def test_a_team_without_a_health_profession_is_not_eligible_and_says_why(setup):
    world, _funder, call, head = setup
    with pytest.raises(DomainError) as error:
        file(head, call, world.operator, planned_team={"social_worker": "2", "mediator": "1"})
    assert error.value.code == "not_eligible"
    assert "infirmier" in error.value.message.lower() and "médecin" in error.value.message.lower()
    letter = Proposal.objects.get()
    assert letter.stage == Stage.LETTER  # the letter stays; the application was not filed


def test_a_nurse_makes_the_team_eligible(setup):
    world, _funder, call, head = setup
    assert file(head, call, world.operator).stage == Stage.APPLICATION


@pytest.mark.parametrize("over, reason", [
    ({"kind": "pass_mobile"}, "kinds this call funds"),
    ({"territory": "75"}, "outside the call's territories"),
])
def test_kind_and_territory_rules(setup, over, reason):
    world, _funder, call, head = setup
    proposal = services.file_letter(head, call, world.operator, letter_values(
        kind=ServiceKind.objects.get(code=over.get("kind", "emsp"))),
        [Territory.objects.get_or_create(level="departement", code=over.get("territory", "59"))[0]])
    reasons = services.eligibility(proposal)
    with pytest.raises(DomainError):
        services.file_application(head, proposal, letter_values(kind=proposal.kind),
                                  list(proposal.territories.all()), proposal.version)
    assert len(reasons) == 1
    with translation.override("en"):
        assert reason in services.eligibility(proposal)[0]


def test_rules_check_written_out():
    seed = rules.validate(rules.SEED_003 + [{"code": "mediation_alliance"}, {"code": "min_team_etp", "value": 2}])
    base = dict(kind_id=1, kinds_sought=[1, 2], territory_ids=[5], call_territory_ids={5, 6},
                mediation_alliance="Oui", planned_team={"nurse": "1", "social_worker": "1"})
    assert rules.check(seed, **base) == []
    assert len(rules.check(seed, **{**base, "planned_team": {"nurse": "0", "social_worker": "3"}})) == 1
    assert len(rules.check(seed, **{**base, "planned_team": {"doctor": "0.5"}})) == 1  # below 2 ETP
    assert len(rules.check(seed, **{**base, "kind_id": None})) == 0  # undecided is allowed
    assert len(rules.check(seed, **{**base, "kind_id": 3, "mediation_alliance": " "})) == 2
    assert len(rules.check(seed, **{**base, "territory_ids": []})) == 1
    with pytest.raises(ValueError):
        rules.validate([{"code": "no_such_rule"}])
    with pytest.raises(ValueError):
        rules.validate([{"code": "team_includes", "professions": ["wizard"]}])


def test_deadlines(setup):
    world, _funder, call, head = setup
    late = call.letter_deadline + datetime.timedelta(days=1)
    with pytest.raises(DomainError) as error:
        services.file_letter(head, call, world.operator, letter_values(), [world.territory], today=late)
    assert error.value.code == "deadline_passed"


# Decisions and envelope arithmetic ---------------------------------------------------------------------

def test_acceptance_creates_the_service_with_its_budget_line(setup):
    world, funder, call, head = setup
    proposal = file(head, call, world.operator)
    services.accept(funder, proposal, Decimal("80000"), 60, proposal.version, service_name="EMSP Lille")
    proposal.refresh_from_db()
    service = proposal.service
    assert proposal.stage == Stage.ACCEPTED and service.name == "EMSP Lille"
    assert service.operator == world.operator and service.kind.code == "emsp" and service.capacity == 60
    assert list(service.territories.all()) == [world.territory]
    line = ServiceYearBudget.objects.get(service=service)
    assert (line.year, line.funder, line.amount) == (TODAY.year, "health_agency", Decimal("80000"))
    envelope = Envelope.objects.get()
    assert (envelope.committed, envelope.left) == (Decimal("80000"), Decimal("20000"))


def test_the_envelope_is_never_over_committed(world):
    funder = funder_of(world)
    call = call_of(funder, amount="100000")
    head_a, head_c = world.users["head_of_service"], world.outsider_head
    first = file(head_a, call, world.operator)
    second = file(head_c, call, world.other_operator)
    services.accept(funder, first, Decimal("70000"), 50, first.version)
    with pytest.raises(Conflict) as error:
        services.accept(funder, second, Decimal("30000.01"), 50, second.version)
    assert error.value.code == "envelope_exceeded"
    second.refresh_from_db()
    assert second.stage == Stage.APPLICATION and second.service is None
    assert Service.objects.filter(name__contains="Opérateur C").count() == 0  # rolled back
    services.accept(funder, second, Decimal("30000"), 50, second.version)
    envelope = Envelope.objects.get()
    assert (envelope.committed, envelope.left) == (Decimal("100000"), Decimal("0"))


def test_the_database_refuses_an_over_commitment_whatever_the_code(world):
    funder = funder_of(world)
    call_of(funder, amount="1000")
    with pytest.raises(IntegrityError), transaction.atomic():
        Envelope.objects.update(committed=Decimal("1000.01"))


def test_a_stale_decision_commits_nothing(setup):
    world, funder, call, head = setup
    proposal = file(head, call, world.operator)
    with pytest.raises(Conflict):
        services.accept(funder, proposal, Decimal("1000"), 10, proposal.version - 1)
    assert Envelope.objects.get().committed == 0 and not ServiceYearBudget.objects.exists()


def test_refusal_needs_a_reason_and_a_letter_cannot_be_accepted(setup):
    world, funder, call, head = setup
    letter = services.file_letter(head, call, world.operator, letter_values(), [world.territory])
    with pytest.raises(DomainError) as error:
        services.accept(funder, letter, Decimal("1000"), 10, letter.version)
    assert error.value.code == "not_filed"
    with pytest.raises(DomainError):
        services.refuse(funder, letter, "  ", letter.version)
    services.refuse(funder, letter, "Hors périmètre", letter.version)
    letter.refresh_from_db()
    assert letter.stage == Stage.REFUSED
    with pytest.raises(DomainError):
        services.refuse(funder, letter, "encore", letter.version)


def test_extension_funds_the_existing_service(setup):
    world, funder, call, head = setup
    proposal = file(head, call, world.operator, existing_project="fir", extension="geographic",
                    existing_service=world.service_a)
    services.accept(funder, proposal, Decimal("5000"), 20, proposal.version)
    proposal.refresh_from_db()
    assert proposal.service == world.service_a
    assert ServiceYearBudget.objects.get(service=world.service_a).amount == Decimal("5000")


# Who sees what (an attacker who combines) ----------------------------------------------------------------

def test_an_operator_never_sees_another_operators_application(setup, client_as, api_as):
    world, _funder, call, head = setup
    proposal = file(head, call, world.operator)
    other = world.outsider_head  # head of service C, another operator
    assert not services.visible_proposals(other).exists()
    with pytest.raises(NotFound):
        services.get_proposal(other, proposal.pk)
    assert client_as(other).get(reverse("calls:proposal", args=[proposal.pk])).status_code == 404
    page = client_as(other).get(reverse("calls:call_detail", args=[call.pk]))
    assert page.status_code == 200 and "Opérateur A" not in page.content.decode()
    api = api_as(other)
    assert api.get(f"/proposals/{proposal.pk}").status_code == 404
    assert api.get("/proposals").json() == []
    body = {**{k: v for k, v in letter_values().items() if k not in ("kind", "existing_service")},
            "kind": "emsp", "territories": [world.territory.pk], "version": proposal.version,
            "requested_amount": "1000"}
    assert api.client.put(f"/api/v1/proposals/{proposal.pk}/application", data=body, content_type="application/json",
                          headers=api.headers).status_code == 404
    # nor files a letter for an operator it does not head
    with pytest.raises(Forbidden):
        services.file_letter(other, call, world.operator, letter_values(kind=None), [world.territory])
    assert api.post(f"/calls/{call.pk}/proposals", {**body, "operator": world.operator.pk}).status_code == 403
    # a team member who is not head files nothing and reads nothing
    nurse = world.users["nurse"]
    assert not services.visible_proposals(nurse).exists()
    assert client_as(nurse).get(reverse("calls:index")).status_code == 403


def test_a_funder_sees_only_its_own_territorys_calls(setup, client_as, api_as):
    world, funder, call, head = setup
    proposal = file(head, call, world.operator)
    elsewhere = Territory.objects.get_or_create(level="departement", code="62", defaults={"name": "Pas-de-Calais"})[0]
    other_funder = type(funder).objects.create_user("funder62", kind="funder", territory=elsewhere)
    assert not services.visible_calls(other_funder).exists()
    assert not services.visible_proposals(other_funder).exists()
    assert not services.envelopes(other_funder).exists()
    client = client_as(other_funder)
    assert client.get(reverse("calls:call_detail", args=[call.pk])).status_code == 404
    assert client.get(reverse("calls:proposal", args=[proposal.pk])).status_code == 404
    assert client.post(reverse("calls:proposal", args=[proposal.pk]), {
        "what": "decision", "decision": "accept", "granted_amount": "1", "target_caseload": "1",
        "version": proposal.version}).status_code == 404
    api = api_as(other_funder)
    assert api.post(f"/proposals/{proposal.pk}/decision", {"version": proposal.version, "accept": True,
                                                           "granted_amount": "1", "target_caseload": 1}
                    ).status_code == 404
    assert api.get("/calls").json() == [] and api.get("/steering").json() == []
    # nor publishes a call on another funder's envelope or outside its territory
    with pytest.raises(DomainError):
        services.publish_call(other_funder, {"title": "x", "envelope": call.envelope, "rules": [],
                                             "letter_deadline": TODAY, "application_deadline": TODAY},
                              [ServiceKind.objects.get(code="emsp")], [elsewhere])
    own = services.create_envelope(other_funder, "M", TODAY.year, Decimal("10"))
    with pytest.raises(DomainError):
        services.publish_call(other_funder, {"title": "x", "envelope": own, "rules": [],
                                             "letter_deadline": TODAY, "application_deadline": TODAY},
                              [ServiceKind.objects.get(code="emsp")], [world.territory])
    # a head of service does not decide, even its own application
    with pytest.raises(Forbidden):
        services.accept(head, proposal, Decimal("1"), 1, proposal.version)
    # a region's funder sees the département's call
    region = Territory.objects.get_or_create(level="region", code="32", defaults={"name": "Hauts-de-France"})[0]
    Territory.objects.filter(pk=world.territory.pk).update(parent=region)
    region_funder = type(funder).objects.create_user("funder32", kind="funder", territory=region)
    assert list(services.visible_calls(region_funder)) == [call]


# The funder's page ----------------------------------------------------------------------------------------

def test_steering_compares_target_and_actual_under_disclosure_control(setup, client_as):
    world, funder, call, head = setup
    first = file(head, call, world.operator)
    services.accept(funder, first, Decimal("50000"), 40, first.version, service_name="EMSP Une")
    second = file(world.outsider_head, call, world.other_operator)
    services.accept(funder, second, Decimal("40000"), 30, second.version, service_name="EMSP Deux")
    one, two = Service.objects.get(name="EMSP Une"), Service.objects.get(name="EMSP Deux")
    for i in range(12):
        FollowUp.objects.create(person=Person.objects.create(alias=f"p{i}"), service=one, opened_on=TODAY)
    for i in range(3):
        FollowUp.objects.create(person=Person.objects.create(alias=f"q{i}"), service=two, opened_on=TODAY)
    FollowUp.objects.create(person=Person.objects.create(alias="gone"), service=one, opened_on=TODAY,
                            closed_on=TODAY)
    Membership.objects.create(user=world.users["nurse"], service=one, profession="nurse", etp=Decimal("0.8"),
                              start_date=TODAY)
    rows = {r["service"].name: r for r in services.steering(funder)}
    assert (rows["EMSP Une"]["target"], rows["EMSP Une"]["actual"], rows["EMSP Une"]["ratio"]) == (40, 12, 30)
    assert rows["EMSP Deux"]["actual"] is None and rows["EMSP Deux"]["actual_label"] == "< 5"
    # The indicators' one rendering of a hidden cell (issue #16), not a text of its own.
    assert rows["EMSP Deux"]["actual_label"] == formats.cell(3, "small") and rows["EMSP Une"]["actual_label"] == "12"
    assert (rows["EMSP Une"]["planned_etp"], rows["EMSP Une"]["actual_etp"]) == (Decimal("2.00"), Decimal("0.8"))
    page = client_as(funder).get(reverse("calls:steering")).content.decode()
    assert "EMSP Une" in page and "&lt; 5" in page and "q0" not in page
    assert services.steering(head) == []
