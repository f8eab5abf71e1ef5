import io

import pytest
from django.core.management import CommandError, call_command

from aupres.accounts.models import User
from aupres.demo.loader import DEMO_USERS, Demo
from aupres.persons.models import Household, Person
from aupres.services.models import Service, ServiceKind

pytestmark = pytest.mark.django_db


def test_demo_needs_the_demo_flag(settings):
    settings.DEMO = False
    with pytest.raises(CommandError):
        call_command("load_demo")


def test_demo_dataset_is_plausible_and_complete(settings):
    Demo(persons=60).load()
    assert Service.objects.values("kind").distinct().count() == ServiceKind.objects.count() == 15
    assert Service.objects.values("operator").distinct().count() == 2
    assert Person.objects.count() >= 60 and Household.objects.exists()
    for username in DEMO_USERS:
        assert User.objects.get(username=username).check_password("demo")
    assert not User.objects.get(username="partenaire").memberships.exists()
    for username in ("medecin", "infirmier", "social", "psychologue", "chef"):
        assert User.objects.get(username=username).memberships.exists()
    # Loading twice adds nothing.
    before = Person.objects.count()
    Demo(persons=60).load()
    assert Person.objects.count() == before


def test_loading_again_after_the_demo_was_used_keeps_the_users_changes(settings):
    """Issue #23: `make demo` after playing with the demo (the head of service joined a team, a person
    was edited, a capacity changed, a referral decided…) must start again, keeping every change."""
    from aupres.core import access
    from aupres.persons import services as person_services
    from aupres.referrals import services as referral_services
    from aupres.referrals.models import Referral, Status
    from aupres.services import services as service_services
    from aupres.services.models import Membership, Profession

    Demo(persons=40).load()
    chef = User.objects.get(username="chef")
    service = Service.objects.get(name__startswith="LHSS mobile", operator__name="Association Abri Nord")
    # The head of service is added to their team a second time, in another profession (the reported crash);
    # an administrator does it, since nobody changes their own memberships.
    admin = User.objects.create_superuser("admin", "admin@demo.invalid", "x")
    service_services.add_membership(admin, service, chef, {
        "profession": Profession.DRIVER, "etp": "0.20", "start_date": service.memberships.first().start_date})
    # And the head ends another member's membership.
    social = User.objects.get(username="social")
    ended = Membership.objects.filter(user=social).exclude(service=service).order_by("pk").first()
    service_services.update_membership(chef, ended, {"end_date": ended.start_date}, ended.version)
    # A person is edited.
    person = access.get_visible_person(social, access.visible_persons(social).order_by("pk").first().pk)
    person_services.update_person(social, person, {"alias": "Le Marin"}, person.version)
    # The capacity of a service changes; a new service is added.
    capacity = service.capacity + 4
    service_services.update_service(chef, service, {"capacity": capacity}, service.version)
    new = service_services.create_service(chef, service.operator, service.kind, {"name": "LHSS mobile bis"})
    # A referral is decided.
    referral = Referral.objects.filter(status=Status.PENDING, service__operator__name="Association Abri Nord",
                                       service__has_orientation_committee=False).order_by("pk").first()
    referral_services.decline(chef, referral, referral.version, reason="unreachable", note="Injoignable")
    counts = {model: model.objects.count() for model in (Person, Service, Membership, Referral, Household)}

    settings.DEMO = True
    out = io.StringIO()
    call_command("load_demo", persons=40, port=8123, stdout=out)  # the second load succeeds…
    console = out.getvalue()
    assert "Démo déjà chargée" in console and "make demo-reset" in console
    assert "http://127.0.0.1:8123/" in console and "8000" not in console
    for english in ("operators", "persons", "follow-ups", "Demo", "Open ", "password"):
        assert english not in console

    # …and keeps every change.
    assert Membership.objects.filter(user=chef, service=service).count() == 2
    assert Membership.objects.get(pk=ended.pk).end_date == ended.start_date
    assert Person.objects.get(pk=person.pk).alias == "Le Marin"
    assert Service.objects.get(pk=service.pk).capacity == capacity
    assert Service.objects.filter(pk=new.pk, name="LHSS mobile bis").exists()
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED and referral.decision_note == "Injoignable"
    assert {model: model.objects.count() for model in counts} == counts
