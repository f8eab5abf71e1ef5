import datetime
from decimal import Decimal

from aupres.referrals.models import Door, Referral, Source, Status
from aupres.services.models import Membership


def referral(service, **values):
    """A referral as received, addressed to `service` (None: for the regulator)."""
    defaults = dict(door=Door.TEAM, source=Source.STREET_TEAM, alias="Le Grand", needs=["health"],
                    status=Status.COMMITTEE if service and service.has_orientation_committee else Status.PENDING)
    defaults.update(values)
    return Referral.objects.create(service=service, **defaults)


def join(user, service, profession, start=datetime.date(2025, 1, 1)):
    return Membership.objects.create(user=user, service=service, profession=profession, etp=Decimal("0.5"),
                                     start_date=start)
