"""The budget line an accepted application funded from an envelope (issue #18, D54): the head of the service may
raise it (other money of the same funder) but never bring it below what the envelope committed, whatever the
path; otherwise the envelope's committed amount would no longer be what the services received."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from aupres.calls import services
from aupres.calls.models import Envelope
from aupres.core.errors import Conflict, DomainError
from aupres.core.tests.race import race
from aupres.indicators import services as indicators
from aupres.indicators.models import ServiceYearBudget

from .helpers import TODAY, call_of, file, funder_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(world):
    """An application extending the head's service, accepted with 80 000 € from the envelope."""
    funder = funder_of(world)
    call = call_of(funder)
    head = world.users["head_of_service"]
    proposal = file(head, call, world.operator, existing_project="fir", extension="perpetuation",
                    existing_service=world.service_a)
    services.accept(funder, proposal, Decimal("80000"), 60, proposal.version)
    return world, head, funder, call


def _line(world):
    return ServiceYearBudget.objects.get(service=world.service_a, year=TODAY.year, funder="health_agency")


def test_the_head_cannot_overwrite_the_line_an_envelope_funded(funded):
    world, head, _funder, _call = funded
    with pytest.raises(Conflict) as error:
        indicators.set_budget(head, world.service_a.pk, TODAY.year, "health_agency", Decimal("5000"))
    assert error.value.code == "envelope_funded" and error.value.field == "amount"
    line = _line(world)
    assert (line.amount, line.envelope_amount) == (Decimal("80000"), Decimal("80000"))
    assert Envelope.objects.get().committed == Decimal("80000")


def test_the_head_may_add_other_money_and_a_later_grant_adds_to_it(funded, world):
    _world, head, funder, call = funded
    indicators.set_budget(head, world.service_a.pk, TODAY.year, "health_agency", Decimal("90000"))
    assert (_line(world).amount, _line(world).envelope_amount) == (Decimal("90000"), Decimal("80000"))
    # Exactly the envelope's part is allowed; a line of another funder is free.
    indicators.set_budget(head, world.service_a.pk, TODAY.year, "health_agency", Decimal("80000"))
    indicators.set_budget(head, world.service_a.pk, TODAY.year, "department", Decimal("1"))
    assert _line(world).amount == Decimal("80000")
    assert Envelope.objects.get().committed == Decimal("80000")


def test_the_database_refuses_a_line_below_its_envelope_part(funded, world):
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceYearBudget.objects.filter(service=world.service_a).update(amount=Decimal("79999.99"))


@pytest.mark.django_db(transaction=True)
def test_a_budget_edit_and_a_grant_at_once_keep_the_line_consistent(world):
    """The head rewrites the line while the funder grants more on it: whatever the order, the line ends at or
    above the envelopes' part, and that part is exactly what the envelope committed."""
    funder = funder_of(world)
    call = call_of(funder)
    head = world.users["head_of_service"]
    first = file(head, call, world.operator, existing_project="fir", extension="perpetuation",
                 existing_service=world.service_a)
    services.accept(funder, first, Decimal("30000"), 20, first.version)
    second = file(head, call, world.operator, kind=None, existing_project="fir", extension="geographic",
                  existing_service=world.service_a)
    outcomes = race([lambda: ("grant", services.accept(funder, second, Decimal("20000"), 20, second.version).pk),
                     lambda: ("edit", indicators.set_budget(head, world.service_a.pk, TODAY.year, "health_agency",
                                                            Decimal("35000")).pk)], lost=DomainError)
    line = _line(world)
    assert line.envelope_amount == Envelope.objects.get().committed == Decimal("50000")
    assert line.amount >= line.envelope_amount
    # The grant always lands; the edit to 35 000 € lands only if it came first (then the grant adds to it),
    # otherwise it is refused (the line already holds 50 000 € from the envelope).
    won = {v[0] for o, v in outcomes if o == "won"}
    assert "grant" in won and [o for o, _v in outcomes if o == "error"] == [], outcomes
    if "edit" in won:
        assert line.amount == Decimal("55000"), outcomes
    else:
        assert line.amount == Decimal("50000") and ("lost", "envelope_funded") in outcomes, outcomes
