import pytest

from aupres.calls.models import Envelope, Proposal, Stage
from aupres.demo.loader import Demo
from aupres.indicators.models import ServiceYearBudget

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_call_with_three_applications_in_different_states():
    Demo(persons=20).load()
    stages = sorted(Proposal.objects.values_list("stage", flat=True))
    assert stages == sorted([Stage.ACCEPTED, Stage.APPLICATION, Stage.LETTER])
    accepted = Proposal.objects.get(stage=Stage.ACCEPTED)
    assert accepted.service.name == "EMSP Métropole lilloise"
    assert ServiceYearBudget.objects.get(service=accepted.service).amount == accepted.granted_amount
    assert Envelope.objects.get().committed == accepted.granted_amount
    assert ServiceYearBudget.objects.get(service=accepted.service).envelope_amount == accepted.granted_amount
    filed = Proposal.objects.get(stage=Stage.APPLICATION)
    assert [(q.pending, bool(q.answer)) for q in filed.questions.all()] == [(False, True)]
    Demo(persons=20).load()  # again: nothing added, nothing committed twice
    assert Proposal.objects.count() == 3 and Envelope.objects.get().committed == accepted.granted_amount
