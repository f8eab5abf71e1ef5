"""The emergency-access cap at its edge (issue #22): the fifth opening in 24 hours is allowed, the sixth
refused (429); an attempt 24 hours old still counts, one older does not; the reason's minimum length."""

import datetime

import pytest
from django.utils import timezone

from aupres.core.tests.expectations import EMERGENCY_PER_DAY
from aupres.persons.models import Person
from aupres.sharing.models import EmergencyAttempt
from aupres.sharing.services import emergency_attempts_today

pytestmark = pytest.mark.django_db

REASON = "Personne inconsciente aux urgences, traitements"


def test_the_default_cap_is_the_documented_one(settings):
    assert settings.EMERGENCY_ACCESS_PER_DAY == EMERGENCY_PER_DAY


def test_the_cap_and_one_more(world, api_as):
    api = api_as(world.outsider)
    persons = [Person.objects.create(alias=f"Urgence {i}") for i in range(EMERGENCY_PER_DAY + 1)]
    for person in persons[:EMERGENCY_PER_DAY]:
        r = api.post("/emergency-access", {"reason": REASON, "person": person.pk})
        assert r.status_code == 201, r.content
    refused = api.post("/emergency-access", {"reason": REASON, "person": persons[-1].pk})
    assert refused.status_code == 429 and refused.json()["code"] == "emergency_limit"
    assert api.get(f"/persons/{persons[-1].pk}").status_code == 404
    assert api.get(f"/persons/{persons[0].pk}").status_code == 200


def test_the_24_hour_window(world):
    now = timezone.now()
    user = world.outsider
    for age in (datetime.timedelta(hours=24), datetime.timedelta(hours=24, seconds=1),
                datetime.timedelta(hours=23, minutes=59)):
        EmergencyAttempt.objects.create(user=user, outcome="opened", at=now - age)
    assert emergency_attempts_today(user, now) == 2  # exactly 24 hours old still counts
    EmergencyAttempt.objects.create(user=user, outcome="no_match", at=now)
    EmergencyAttempt.objects.create(user=user, outcome="already_following", at=now)  # not counted
    assert emergency_attempts_today(user, now) == 3


@pytest.mark.parametrize(("length", "status"), [(19, 400), (20, 201)])
def test_the_reason_needs_twenty_characters(world, api_as, length, status):
    r = api_as(world.outsider).post("/emergency-access", {"reason": "x" * length, "person": world.person.pk})
    assert r.status_code == status, r.content
