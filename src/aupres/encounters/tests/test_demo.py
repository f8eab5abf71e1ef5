"""The demo activity: a year for every service kind, deterministic."""

import datetime

import pytest
from django.db.models import Count

from aupres.demo.loader import Demo
from aupres.encounters import services
from aupres.encounters.models import (
    Act,
    CollectiveAction,
    Encounter,
    EncounterPerson,
    Orientation,
    RightsApplication,
)
from aupres.followups.models import FollowUp
from aupres.services.models import ServiceKind

pytestmark = pytest.mark.django_db


def test_demo_has_a_year_of_activity_for_every_kind():
    Demo(persons=80, today=datetime.date(2026, 6, 15)).load()
    by_kind = dict(Encounter.objects.values_list("service__kind__code").annotate(n=Count("id")))
    assert set(by_kind) == set(ServiceKind.objects.values_list("code", flat=True))
    assert Encounter.objects.filter(mode="street_round", anonymous_contacts__gt=0).exists()
    assert Encounter.objects.filter(mode="street_round").annotate(n=Count("participants")).filter(n__gte=2).exists()
    assert Orientation.objects.filter(kind="admission_request").exists()
    assert Orientation.objects.filter(kind="orientation", status="honoured").exists()
    assert RightsApplication.objects.filter(status="granted").exists()
    assert set(CollectiveAction.objects.values_list("service__kind__code", flat=True)) == set(by_kind)
    # Every link goes through a follow-up of the same person and service, on or after it opened.
    for link in EncounterPerson.objects.select_related("followup")[:500]:
        assert (link.followup.person_id, link.followup.service_id) == (link.person_id, link.service_id)
        assert link.occurred_at.date() >= link.followup.opened_on
    assert all(a.compartment for a in Act.objects.all()[:500])
    first = services.last_encounter_dates(EncounterPerson.objects.values_list("followup_id", flat=True)[:50])
    assert first


@pytest.mark.parametrize("today", [datetime.date(2026, 12, 1), datetime.date(2026, 1, 10)])
def test_every_month_of_the_last_whole_year_has_activity(today):
    """Issue #13: the funder reads the last whole year; its monthly line must not be flat at zero for the
    months before the demo's « today minus a year »."""
    Demo(persons=60, today=today).load()
    last_year = today.year - 1
    months = {d.month for d in Encounter.objects.filter(occurred_at__year=last_year).dates("occurred_at", "month")}
    assert months == set(range(1, 13))
    opened = set(FollowUp.objects.filter(opened_on__year=last_year).dates("opened_on", "month"))
    assert len(opened) >= 10
