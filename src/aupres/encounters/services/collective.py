"""Collective actions: counted, never nominative."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from aupres.core import access
from aupres.core.errors import DomainError, NotFound
from aupres.encounters.models import (
    Audience,
    CollectiveAction,
    CollectiveActionKind,
)
from aupres.encounters.services._common import _check_choice, _member_service, _today
from aupres.services.models import Membership

COUNT_FIELDS = ("participants", "persons_trained", "screenings", "vaccinations")
MAX_COUNT = 100_000


def visible_collective_actions(user):
    return CollectiveAction.objects.filter(service_id__in=access.service_ids(user))


def get_collective_action(user, action_id):
    action = visible_collective_actions(user).select_related("service").filter(pk=action_id).first()
    if action is None:
        raise NotFound()
    return action


@transaction.atomic
def create_collective_action(user, *, occurred_on, kind, title, audience, service_id=None, place="",
                             staff=(), **counts):

    service_id = _member_service(user, service_id)
    _check_choice(kind, CollectiveActionKind, "kind")
    _check_choice(audience, Audience, "audience")
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the action a title."), field="title")
    if occurred_on > _today() + datetime.timedelta(days=366):
        raise DomainError(_("The date is too far in the future."), field="occurred_on")
    unknown = set(counts) - set(COUNT_FIELDS)
    if unknown:
        raise DomainError(_("Unknown value."), field=sorted(unknown)[0])
    for name, value in counts.items():
        if value is None or not 0 <= int(value) <= MAX_COUNT:
            raise DomainError(_("The count is not plausible."), field=name)
    if int(counts.get("persons_trained") or 0) > int(counts.get("participants") or 0):
        raise DomainError(_("More people trained than participants."), field="persons_trained")
    action = CollectiveAction.objects.create(service_id=service_id, occurred_on=occurred_on, kind=kind,
                                             title=title[:200], audience=audience, place=(place or "")[:160],
                                             recorded_by=user, **{k: int(v) for k, v in counts.items()})
    staff_ids = {int(s) for s in staff} | {user.pk}
    members = set(Membership.objects.active().filter(service_id=service_id, user_id__in=staff_ids)
                  .values_list("user_id", flat=True))
    if staff_ids - members:
        raise DomainError(_("Staff must be members of the service."), field="staff")
    action.staff.set(sorted(staff_ids))
    return action
