import datetime
from decimal import Decimal

import pytest

from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.services.models import Membership, ServiceKind


@pytest.fixture
def care(world):
    """world, plus a residential LHSS (beds) and a SSIAD précarité of operator A where the nurse and the doctor
    work, each following one more person."""
    for code, attr in (("lhss_residential", "lhss"), ("ssiad_precarity", "ssiad"), ("act_outreach", "act")):
        service = world.service(f"{code} A", ServiceKind.objects.get(code=code), world.operator)
        setattr(world, attr, service)
        for profession in ("nurse", "doctor", "social_worker", "head_of_service"):
            Membership.objects.create(user=world.users[profession], service=service, profession=profession,
                                      etp=Decimal("0.5"), start_date=datetime.date(2025, 1, 1))
    world.resident = Person.objects.create(first_name="Paul", last_name="Durand", alias="Paulo")
    world.stay = FollowUp.objects.create(person=world.resident, service=world.lhss, opened_on=datetime.date(2026, 1, 2))
    world.patient = Person.objects.create(first_name="Rosa", last_name="Lima")
    world.home_care = FollowUp.objects.create(person=world.patient, service=world.ssiad,
                                              opened_on=datetime.date(2026, 1, 2))
    return world
