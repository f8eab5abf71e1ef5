"""The access model, in one place (DOMAIN.md §5, docs/decisions.md).

- A team member sees a person only while one of their services follows the person (an open
  follow-up, or a closed one within the service's `access_after_exit_days`) or has to decide on an
  open referral for that person (pending, before the committee, or on the waiting list).
- Each piece of information belongs to a compartment. On a person followed by service S, a
  member of S reads and writes: health (health professions), social (the following team, not the
  head of service), administrative (the following team and the head of service).
- Partner, regulator and funder accounts see no person at all.

Views, API and tasks all go through these functions; querysets are filtered here, never in
templates.
"""

from django.utils import timezone

from aupres.accounts.models import AccountKind
from aupres.core.errors import Forbidden, NotFound
from aupres.core.models import Compartment

_CACHE_ATTR = "_aupres_compartments_by_service"


def compartments_by_service(user):
    """{service_id: compartments} over the user's active memberships, cached on the user object."""
    if not getattr(user, "is_authenticated", False) or user.kind != AccountKind.STAFF:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from aupres.services.models import Membership, compartments_of

    result = {}
    for service_id, profession in Membership.objects.active().filter(user=user).values_list(
        "service_id", "profession"
    ):
        result[service_id] = result.get(service_id, frozenset()) | compartments_of(profession)
    setattr(user, _CACHE_ATTR, result)
    return result


def forget(user):
    """Call after changing a user's memberships within one request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def service_ids(user, compartment=None):
    return [sid for sid, comps in compartments_by_service(user).items()
            if compartment is None or compartment in comps]


def _access_followups(services):
    from aupres.followups.models import FollowUp

    return FollowUp.objects.giving_access(timezone.localdate()).filter(service_id__in=services)


def _open_referrals(services):
    from aupres.referrals.models import Referral

    return Referral.objects.open().filter(service_id__in=services, person__isnull=False)


def _giving_access(services, person):
    """Ids of those services that follow the person or have an open referral for them."""
    ids = set(_access_followups(services).filter(person=person).values_list("service_id", flat=True))
    ids.update(_open_referrals(services).filter(person=person).values_list("service_id", flat=True))
    return ids


def compartments_by_person(user, persons):
    """{person_id: compartments} for a page of persons, in two queries (follow-ups, open referrals)."""
    by_service = compartments_by_service(user)
    result = {p.pk: frozenset() for p in persons}
    if not by_service or not persons:
        return result
    services = list(by_service)
    rows = list(_access_followups(services).filter(person__in=persons).values_list("person_id", "service_id"))
    rows += list(_open_referrals(services).filter(person__in=persons).values_list("person_id", "service_id"))
    for person_id, service_id in rows:
        result[person_id] = result[person_id] | by_service[service_id]
    return result


def visible_persons(user, queryset=None, compartment=None):
    from django.db.models import Exists, OuterRef

    from aupres.persons.models import Person

    qs = Person.objects.all() if queryset is None else queryset
    services = service_ids(user, compartment)
    if not services:
        return qs.none()
    return qs.filter(
        Exists(_access_followups(services).filter(person=OuterRef("pk")))
        | Exists(_open_referrals(services).filter(person=OuterRef("pk")))
    )


def compartments_on(user, person):
    """The compartments of this person the user may read and write (empty: not visible)."""
    by_service = compartments_by_service(user)
    if not by_service:
        return frozenset()
    result = frozenset()
    for sid in _giving_access(list(by_service), person):
        result |= by_service[sid]
    return result


def get_visible_person(user, person_id):
    """The person, with `.compartments` set, or NotFound (also when it exists but is not visible)."""

    person = visible_persons(user).filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    person.compartments = compartments_on(user, person)
    return person


def require(person, compartment):
    if compartment not in person.compartments:
        raise Forbidden(
            COMPARTMENT_DENIED_MESSAGES[compartment], code="compartment_forbidden",
            details={"compartment": str(compartment)},
        )


def following_services_of(user, person, compartment=None):
    """The user's services that give access to the person (follow-up or open referral)."""
    return sorted(_giving_access(service_ids(user, compartment), person))


def is_head_of_service(user, service_id=None):
    from aupres.services.models import Membership, Profession

    if not getattr(user, "is_authenticated", False):
        return False
    qs = Membership.objects.active().filter(user=user, profession=Profession.HEAD_OF_SERVICE)
    if service_id is not None:
        qs = qs.filter(service_id=service_id)
    return qs.exists()


def managed_operator_ids(user):
    """Operators whose services a user may configure: as head of one of their services."""
    from aupres.services.models import Membership, Profession

    if not getattr(user, "is_authenticated", False):
        return set()
    if user.is_superuser:
        from aupres.services.models import Operator

        return set(Operator.objects.values_list("pk", flat=True))
    return set(
        Membership.objects.active()
        .filter(user=user, profession=Profession.HEAD_OF_SERVICE)
        .values_list("service__operator_id", flat=True)
    )


def _messages():
    from django.utils.translation import gettext_lazy as _

    return {
        Compartment.HEALTH: _("Health information is reserved for the health professionals of the "
                              "team following this person."),
        Compartment.SOCIAL: _("Social information is reserved for the team following this person."),
        Compartment.ADMINISTRATIVE: _("Administrative information is reserved for the team "
                                      "following this person and its head of service."),
    }


COMPARTMENT_DENIED_MESSAGES = _messages()
