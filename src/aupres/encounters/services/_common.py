"""What the encounters' rules share: the user's services and compartments, the scoping of rows."""

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.core import access
from aupres.core.errors import DomainError, Forbidden
from aupres.followups.models import FollowUp

MAX_ANONYMOUS_CONTACTS = 1000
FUTURE_TOLERANCE = datetime.timedelta(minutes=15)


def _today():
    return timezone.localdate()


def _comps(user, service_id):
    return access.compartments_by_service(user).get(service_id, frozenset())


def _member_service(user, service_id, compartment=None):
    """The service the user records for: given, or the only one they belong to (with the compartment)."""
    services = access.service_ids(user, compartment)
    if service_id is None:
        if len(services) == 1:
            return services[0]
        if not services:
            raise Forbidden(_("You are not a member of any team that may record this."), field="service")
        raise DomainError(_("Choose the service."), field="service", code="service_required")
    if int(service_id) not in access.service_ids(user):
        raise Forbidden(_("You are not a member of this service."), field="service")
    if int(service_id) not in services:
        raise Forbidden(access.COMPARTMENT_DENIED_MESSAGES[compartment], field="service",
                        code="compartment_forbidden", details={"compartment": str(compartment)})
    return int(service_id)


def _require_compartment(user, service_id, compartment, field):
    if compartment not in _comps(user, service_id):
        raise Forbidden(access.COMPARTMENT_DENIED_MESSAGES[compartment], field=field,
                        code="compartment_forbidden", details={"compartment": str(compartment)})


def _followed_in_service(service_id):
    """Exists() filter: the row's person is followed (giving access) by the row's service."""
    return Exists(FollowUp.objects.giving_access(_today()).filter(
        person=OuterRef("person"), service_id=service_id if service_id is not None else OuterRef("service")))


def _scoped(qs, user, compartment=None, compartment_field="compartment"):
    """Rows of the user's services, whose person that service follows, in compartments held there.

    With `compartment`, the model has one fixed compartment; else each row carries its own.
    """
    q = Q(pk__in=[])
    for sid, comps in access.compartments_by_service(user).items():
        if compartment is not None:
            if compartment in comps:
                q |= Q(service_id=sid)
        else:
            q |= Q(service_id=sid, **{f"{compartment_field}__in": sorted(comps)})
    return qs.filter(q).filter(_followed_in_service(None))


def _following_service(user, person, service_id, compartment):
    """One of the user's services that follows the person and gives the compartment."""
    services = access.following_services_of(user, person, compartment)
    if service_id is None:
        if services:
            return sorted(services)[0]
        access.require(person, compartment)  # 403 with the compartment's message
        raise Forbidden(access.COMPARTMENT_DENIED_MESSAGES[compartment], code="compartment_forbidden")
    if int(service_id) not in services:
        if int(service_id) in access.following_services_of(user, person):
            raise Forbidden(access.COMPARTMENT_DENIED_MESSAGES[compartment], field="service",
                            code="compartment_forbidden", details={"compartment": str(compartment)})
        raise Forbidden(_("This service does not follow this person."), field="service")
    return int(service_id)


_CHOICE_VALUES = {}


def _check_choice(value, choices, field):
    values = _CHOICE_VALUES.get(choices)
    if values is None:
        values = _CHOICE_VALUES[choices] = frozenset(choices.values)
    if value not in values:
        raise DomainError(_("Unknown value."), field=field)


def _denied(compartment):
    """Visible to the team, but not in this compartment: 403, as the house rules say."""
    return Forbidden(access.COMPARTMENT_DENIED_MESSAGES[compartment], code="compartment_forbidden",
                     details={"compartment": str(compartment)})
