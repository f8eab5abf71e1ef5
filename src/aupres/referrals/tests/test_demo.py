import pytest

from aupres.accounts.models import AccountKind, User
from aupres.demo.loader import Demo
from aupres.referrals import demo as referrals_demo
from aupres.referrals import duplicates, services
from aupres.referrals.models import DuplicatePair, Referral, Source, Status

pytestmark = pytest.mark.django_db


def test_demo_has_referrals_in_every_state_from_every_source_and_a_regulator():
    demo = Demo(persons=20)
    demo.territories()
    demo.operators_and_services()
    demo.users()
    demo.persons()
    referrals_demo.load(demo)
    assert set(Referral.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(Referral.objects.values_list("source", flat=True)) == set(Source.values)
    assert Referral.objects.filter(service__isnull=True).exists()
    assert set(Referral.objects.values_list("door", flat=True)) == {"team", "partner", "public"}
    regulator = User.objects.get(username="regulateur")
    assert regulator.kind == AccountKind.REGULATOR and regulator.territory.code == "32"
    assert regulator.check_password("demo")
    assert services.visible_referrals(regulator).count() >= 2
    partner = User.objects.get(username="partenaire")
    assert services.visible_referrals(partner).exists()
    for r in Referral.objects.filter(status=Status.ACCEPTED):
        assert r.followup.person == r.person and r.followup.service == r.service
    # Persons known twice were planted and the sweep ran: the head of service has pairs to review at once.
    queue = duplicates.review_queue(demo.staff["chef"])
    assert len(queue) >= 3
    assert all("same_phone" in pair.reasons or "same_birth_year" in pair.reasons for pair, _a, _b in queue)
    count, pairs = Referral.objects.count(), DuplicatePair.objects.count()
    referrals_demo.load(demo)  # idempotent
    assert Referral.objects.count() == count and DuplicatePair.objects.count() == pairs
