"""Access after exit at its edge (issue #22): the team keeps the person for `access_after_exit_days`
after the exit day — the last day of the window still gives access, the day after does not."""

import datetime

import pytest
from django.utils import timezone

from aupres.core import access
from aupres.core.errors import NotFound
from aupres.followups.models import FollowUp

pytestmark = pytest.mark.django_db

DAYS = 30


def _closed(world, days_ago):
    world.service_a.access_after_exit_days = DAYS
    world.service_a.save()
    followup = FollowUp.objects.get(person=world.person, service=world.service_a)
    followup.close(timezone.localdate() - datetime.timedelta(days=days_ago))
    followup.save()
    return followup


def test_close_sets_the_last_day_of_access(world):
    world.service_a.access_after_exit_days = DAYS
    followup = FollowUp(opened_on=datetime.date(2026, 1, 1), service=world.service_a)
    followup.close(datetime.date(2026, 3, 1))
    assert followup.access_until == datetime.date(2026, 3, 31)
    assert followup.closed_on == datetime.date(2026, 3, 1) and followup.state == "exit"


def test_giving_access_on_the_last_day_and_the_day_after(world):
    followup = _closed(world, 0)
    last = followup.access_until
    assert last == timezone.localdate() + datetime.timedelta(days=DAYS)
    window = FollowUp.objects.filter(pk=followup.pk)
    assert window.giving_access(last).exists()
    assert window.giving_access(last - datetime.timedelta(days=1)).exists()
    assert not window.giving_access(last + datetime.timedelta(days=1)).exists()
    assert window.open().count() == 0


@pytest.mark.parametrize(("days_ago", "visible"), [(0, True), (DAYS - 1, True), (DAYS, True), (DAYS + 1, False)])
def test_the_team_reads_the_person_until_the_last_day_of_the_window(world, days_ago, visible):
    _closed(world, days_ago)
    for profession in ("doctor", "social_worker", "head_of_service"):
        user = world.users[profession]
        access.forget(user)
        assert access.visible_persons(user).filter(pk=world.person.pk).exists() is visible
        if visible:
            assert access.get_visible_person(user, world.person.pk).pk == world.person.pk
        else:
            with pytest.raises(NotFound):
                access.get_visible_person(user, world.person.pk)
            assert access.compartments_on(user, world.person) == frozenset()
