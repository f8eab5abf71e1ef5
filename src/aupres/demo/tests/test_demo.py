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
