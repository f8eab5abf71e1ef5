"""Concurrent decisions on one envelope (issue #18): never over-committed, on SQLite (one writer at a time) and
on PostgreSQL (the conditional UPDATE re-reads the envelope row once the other decision committed). Each thread
has its own connection, committing for real (transaction=True)."""

from decimal import Decimal

import pytest

from aupres.calls import services
from aupres.calls.models import Envelope, Proposal, Stage
from aupres.core.errors import DomainError
from aupres.core.tests.race import race
from aupres.indicators.models import ServiceYearBudget
from aupres.services.models import Membership, Operator, Service

from .helpers import call_of, file, funder_of

pytestmark = pytest.mark.django_db(transaction=True)


def _race(targets):
    return race(targets, lost=DomainError)  # a Conflict, or a refusal read after the other commit


def _applications(world, call, n):
    out = []
    for i in range(n):
        operator = Operator.objects.create(name=f"Association {i}", kind="association")
        service = world.service(f"Existant {i}", world.service_a.kind, operator)
        head = world.member("head_of_service", service, username=f"head{i}")
        out.append(file(head, call, operator))
    return out


def test_four_decisions_at_once_on_an_envelope_that_holds_two(world):
    funder = funder_of(world)
    call = call_of(funder, amount="100000")
    proposals = _applications(world, call, 4)
    outcomes = _race([lambda p=p: services.accept(funder, p, Decimal("40000"), 30, p.version).pk
                      for p in proposals])
    assert sorted(o for o, _v in outcomes) == ["lost", "lost", "won", "won"], outcomes
    assert {v for o, v in outcomes if o == "lost"} == {"envelope_exceeded"}
    envelope = Envelope.objects.get()
    assert (envelope.committed, envelope.left) == (Decimal("80000"), Decimal("20000"))
    assert Proposal.objects.filter(stage=Stage.ACCEPTED).count() == 2
    funded = Service.objects.filter(funding_proposals__isnull=False)
    assert funded.count() == 2
    assert sum(line.amount for line in ServiceYearBudget.objects.filter(service__in=funded)) == Decimal("80000")


def test_the_same_application_accepted_twice_at_once_commits_once(world):
    funder = funder_of(world)
    call = call_of(funder, amount="100000")
    (proposal,) = _applications(world, call, 1)
    outcomes = _race([lambda: services.accept(funder, proposal, Decimal("10000"), 30, proposal.version).pk,
                      lambda: services.accept(funder, proposal, Decimal("10000"), 30, proposal.version).pk])
    assert sorted(o for o, _v in outcomes) == ["lost", "won"], outcomes
    # PostgreSQL: both read the application, the second write finds a newer version; SQLite: the second
    # transaction starts once the first committed, and reads a decided application.
    assert {v for o, v in outcomes if o == "lost"} <= {"stale_edit", "decided"}
    assert Envelope.objects.get().committed == Decimal("10000")
    assert Service.objects.filter(funding_proposals__isnull=False).count() == 1
    assert Membership.objects.exists()
