import datetime

import pytest
from django.db.models import Min

from aupres.care.models import Administration, CarePrescription, Condition, ScaleResult, StayReason, Transmission
from aupres.demo.loader import Demo

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_year_of_care_records_for_the_medical_services():
    demo = Demo(persons=200)
    demo.load()
    for kind in ("lhss_residential", "lam", "act", "ssiad_precarity"):
        for model in (Condition, Transmission, ScaleResult, Administration):
            assert model.objects.filter(service__kind__code=kind).exists(), (kind, model.__name__)
    oldest = Transmission.objects.aggregate(first=Min("on"))["first"]
    assert oldest <= demo.today - datetime.timedelta(days=300)
    assert StayReason.objects.filter(followup__service__kind__code="lam").exists()
    assert CarePrescription.objects.filter(renews__isnull=False).exists()  # SSIAD renewals
    assert ScaleResult.objects.filter(scale="aggir", service__kind__code="lam").exists()
    assert not Administration.objects.exclude(status="given").filter(reason="").exists()
    before = Condition.objects.count()
    Demo(persons=200).load()
    assert Condition.objects.count() == before
