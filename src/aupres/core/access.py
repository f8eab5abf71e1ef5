"""The access model, in one place (DOMAIN.md §5, docs/decisions.md D2, D7, D12, D13).

- A team member sees a person only while one of their services follows the person (an open
  follow-up, or a closed one within the service's `access_after_exit_days`) or has to decide on an
  open referral for that person (pending, before the committee, or on the waiting list).
- Each piece of information belongs to a compartment. On a person followed by service S, a
  member of S reads and writes: health (health professions), social (the following team, not the
  head of service), administrative (the following team and the head of service).
- Consent to sharing (aupres.sharing): an active consent from S to service T with a scope (social,
  health or both) makes the person visible to T's members, who READ the consented compartments they
  hold by profession (never the administrative one), in S's content. It is checked at every request:
  a withdrawal takes effect at once.
- Emergency access (bris de glace): a health professional who opened one reads the person's health and
  social compartments, in every service's content, until it expires (every read is audited as such).
- Reading is not writing: only the following team changes the record (`require_write`).
- Partner, regulator and funder accounts see no person at all.

Views, API and tasks all go through these functions; querysets are filtered here, never in
templates.
"""

from django.db.models import Value
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from aupres.accounts.models import AccountKind
from aupres.core.errors import Forbidden, NotFound
from aupres.core.models import Compartment
from aupres.core.prepared import PreparedQuery
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.referrals.models import Referral
from aupres.services.models import Membership, Operator, Profession, compartments_held
from aupres.sharing.models import (
    EMERGENCY_COMPARTMENTS,
    SCOPE_COMPARTMENTS,
    EmergencyAccess,
    SharingConsent,
    scopes_with,
)

_CACHE_ATTR = "_aupres_compartments_by_service"
_PROFESSIONS_ATTR = "_aupres_professions_by_service"


def compartments_by_service(user):
    """{service_id: compartments} over the user's active memberships, cached on the user object."""
    if not getattr(user, "is_authenticated", False) or user.kind != AccountKind.STAFF:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached

    result, professions = {}, {}
    for service_id, profession in _MEMBERSHIPS.rows(user=user.pk, today=timezone.localdate()):
        # A health profession opens health only once confirmed, when the RPPS is required (D55).
        result[service_id] = result.get(service_id, frozenset()) | compartments_held(user, profession)
        professions.setdefault(service_id, set()).add(profession)
    setattr(user, _CACHE_ATTR, result)
    setattr(user, _PROFESSIONS_ATTR, professions)
    return result


def _professions_by_service(user):
    """{service_id: professions} over the staff user's active memberships, read with compartments_by_service."""
    compartments_by_service(user)
    return getattr(user, _PROFESSIONS_ATTR)


_MEMBERSHIPS = PreparedQuery(
    lambda *, user, today: Membership.objects.active(today).filter(user_id=user).values_list(
        "service_id", "profession"),
    user="int", today="date")


def forget(user):
    """Call after changing a user's memberships within one request."""
    for attr in (_CACHE_ATTR, _PROFESSIONS_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def service_ids(user, compartment=None):
    return [sid for sid, comps in compartments_by_service(user).items()
            if compartment is None or compartment in comps]


def _access_followups(services, today=None):
    return FollowUp.objects.giving_access(today or timezone.localdate()).filter(service_id__any_of=services)


def _open_referrals(services):
    return Referral.objects.open().filter(service_id__any_of=services, person__isnull=False)


def _giving_access(services, person):
    """Ids of those services that follow the person or have an open referral for them (one query)."""
    followed = _access_followups(services).filter(person=person).order_by().values_list("service_id", flat=True)
    referred = _open_referrals(services).filter(person=person).order_by().values_list("service_id", flat=True)
    return set(followed.union(referred).order_by())


def _active_consents(services, compartment=None):
    """Consents not withdrawn, to these services (sharing the compartment, when one is given)."""

    qs = SharingConsent.objects.active().filter(to_service_id__any_of=services)
    if compartment is not None:
        qs = qs.filter(scope__in=scopes_with(compartment))
    return qs


def _active_emergencies(user, compartment=None, *, health_services=None, now=None):
    """The user's emergency accesses not yet expired, opened from a service where they still hold health."""

    if compartment is not None and compartment not in EMERGENCY_COMPARTMENTS:
        return EmergencyAccess.objects.none()
    if health_services is None:
        health_services = service_ids(user, Compartment.HEALTH)
    return EmergencyAccess.objects.active(now).filter(user=user, service_id__any_of=health_services)


_FOLLOW, _EMERGENCY = "follow", "emergency"

# The access model's queries at every request, compiled once per process (core.prepared, D77). Each is the
# queryset written below with the ORM; `today`, `now` and the lists are the request's.
_VALUES = {"services": "ids", "health_services": "ids", "user": "int", "today": "date", "now": "datetime"}


def _grant_rows_query(*, services, health_services, user, today, now, persons):
    """(person_id, service_id, how, source_service_id) for every way the user reaches the persons, in ONE
    query (UNION ALL): how is "follow" (a follow-up or open referral of that service: its compartments in
    full, in its own content), a consent scope (the consent's compartments held in the receiving service,
    in the content of the consenting service `source_service_id`) or "emergency" (source: none, meaning
    every service that follows or followed the person)."""
    rows = [
        _access_followups(services, today).filter(person_id__any_of=persons).values_list(
            "person_id", "service_id", Value(_FOLLOW), "service_id"),
        _open_referrals(services).filter(person_id__any_of=persons).values_list(
            "person_id", "service_id", Value(_FOLLOW), "service_id"),
        _active_consents(services).filter(person_id__any_of=persons).values_list(
            "person_id", "to_service_id", "scope", "from_service_id"),
        _active_emergencies(user, health_services=health_services, now=now).filter(
            person_id__any_of=persons).values_list("person_id", "service_id", Value(_EMERGENCY), "service_id"),
    ]
    first, *others = [qs.order_by() for qs in rows]
    return first.union(*others, all=True).order_by()


_GRANT_ROWS = PreparedQuery(_grant_rows_query, **_VALUES, persons="ids")


def _ways_in_query(compartment, *, services, health_services, user, today, now):
    """The ids of the persons the user reaches, from the four ways in (UNION): each read by its own index,
    rather than four EXISTS tested on every person: with a million persons, 3 ms instead of 2.8 s (issue #15)."""
    first, *others = [qs.values("person_id").order_by() for qs in (
        _access_followups(services, today), _open_referrals(services), _active_consents(services, compartment),
        _active_emergencies(user, compartment, health_services=health_services, now=now))]
    return first.union(*others).order_by()


_WAYS_IN = PreparedQuery(_ways_in_query, **_VALUES)


def _request_values(user, services):
    return {"services": services, "health_services": service_ids(user, Compartment.HEALTH), "user": user.pk,
            "today": timezone.localdate(), "now": timezone.now()}


def _grant_rows(user, services, person_ids):
    return _GRANT_ROWS.rows(**_request_values(user, services), persons=person_ids)


def _grant(by_service, service_id, how):
    """(compartments read, compartments written) that one row grants."""

    held = by_service.get(service_id, frozenset())
    if how == _FOLLOW:
        return held, held
    if how == _EMERGENCY:
        return EMERGENCY_COMPARTMENTS & held, frozenset()
    return SCOPE_COMPARTMENTS.get(how, frozenset()) & held, frozenset()


def _grants_by_person(user, persons, rows_by_person=None):
    """{person_id: (read, written)} for a page of persons (one query). `rows_by_person`, when given, is
    filled with each person's grant rows (service_id, how, source_service_id)."""
    by_service = compartments_by_service(user)
    result = {p.pk if hasattr(p, "pk") else p: (frozenset(), frozenset()) for p in persons}
    if not by_service or not result:
        return result
    for person_id, service_id, how, source in _grant_rows(user, list(by_service), list(result)):
        read, written = _grant(by_service, service_id, how)
        old_read, old_written = result[person_id]
        result[person_id] = (old_read | read, old_written | written)
        if rows_by_person is not None:
            rows_by_person.setdefault(person_id, []).append((service_id, how, source))
    return result


def compartments_by_person(user, persons):
    """{person_id: compartments readable} for a page of persons, in one query (follow-ups, open
    referrals, consents and emergency accesses, UNION ALL)."""
    return {pid: read for pid, (read, _written) in _grants_by_person(user, persons).items()}


def visible_persons(user, queryset=None, compartment=None):
    qs = Person.objects.all() if queryset is None else queryset
    services = service_ids(user, compartment)
    if not services:
        return qs.none()
    return qs.filter(pk__in=visible_person_ids(user, compartment, services))


def visible_person_ids(user, compartment=None, services=None):
    """The ids of the persons visible_persons gives, as a subquery (for `person_id__in=`): without reading the
    persons themselves."""
    if services is None:
        services = service_ids(user, compartment)
    return _WAYS_IN.subquery(compartment, **_request_values(user, services))


def compartments_on(user, person):
    """The compartments of this person the user may read (empty: not visible or identity only). Writing
    needs the following team: see writable_compartments_on / require_write."""
    return _grants_by_person(user, [person.pk])[person.pk][0]


def writable_compartments_on(user, person):
    """The compartments the user may change: those of their services that follow the person."""
    return _grants_by_person(user, [person.pk])[person.pk][1]


def get_visible_person(user, person_id):
    """The person, with `.compartments` (readable) and `.writable_compartments` set, or NotFound (also when
    it exists but is not visible). Two queries: the grants (any grant makes the person visible, as in
    visible_persons), then the person; the grants are kept on the person for readable_services."""

    try:
        person_id = int(person_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < person_id < 2**63:
        raise NotFound()  # an id no database row can have (SQLite would overflow on it)
    rows = {}
    grants = _grants_by_person(user, [person_id], rows)
    if person_id not in rows:
        raise NotFound()
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    person.compartments, person.writable_compartments = grants[person_id]
    person._access_grants = (user.pk, rows[person_id])
    return person


def require(person, compartment):
    if compartment not in person.compartments:
        raise Forbidden(
            COMPARTMENT_DENIED_MESSAGES[compartment], code="compartment_forbidden",
            details={"compartment": str(compartment)},
        )


def require_write(person, compartment=None):
    """Changing the record needs the compartment (any, for identity: compartment None) through a service
    that follows the person: consent to sharing and emergency access only let read."""
    if compartment is not None:
        require(person, compartment)
    writable = getattr(person, "writable_compartments", None)
    if writable is not None and (compartment not in writable if compartment is not None else not writable):
        raise Forbidden(
            gettext("You read this record through the person's consent to sharing or an emergency access: only "
              "the team following the person changes it."),
            code="read_only_access", details={"compartment": str(compartment or "identity")},
        )


def following_services_of(user, person, compartment=None):
    """The user's services that give access to the person (follow-up or open referral)."""
    rows = _cached_grants(user, person)
    if rows is not None:
        held = set(service_ids(user, compartment))
        return sorted({sid for sid, how, _source in rows if how == _FOLLOW and sid in held})
    return sorted(_giving_access(service_ids(user, compartment), person))


def _cached_grants(user, person):
    """The grant rows get_visible_person read for this user and person, or None."""
    cached = getattr(person, "_access_grants", None)
    return cached[1] if cached is not None and cached[0] == getattr(user, "pk", None) else None


def readable_services(user, person):
    """{service_id: compartments}: whose records about this person the user may read, and in which
    compartments: the user's services giving access to the person (the compartments the user holds
    there); the services whose content the person agreed to share with one of the user's services
    (the consent's scope, cut to what the user holds in the receiving service); during an emergency
    access, every service that follows or followed the person (health and social).
    Every view of another service's content (the timeline) goes through this function. On a person
    from get_visible_person it reuses the grants read there (no query, but one with an emergency access).
    """
    by_service = compartments_by_service(user)
    if not by_service:
        return {}
    rows = _cached_grants(user, person)
    if rows is None:
        rows = [(sid, how, source) for _pid, sid, how, source
                in _grant_rows(user, list(by_service), [person.pk])]
    result = {}

    def add(sid, comps):
        if comps:
            result[sid] = result.get(sid, frozenset()) | comps

    emergency = False
    for service_id, how, source in rows:
        if how == _EMERGENCY:
            emergency = True
        else:
            add(source, _grant(by_service, service_id, how)[0])
    if emergency:

        for sid in set(FollowUp.objects.filter(person=person).values_list("service_id", flat=True)):
            add(sid, EMERGENCY_COMPARTMENTS)
    return result


_EMERGENCIES = PreparedQuery(
    lambda *, health_services, user, now, persons: _active_emergencies(
        user, health_services=health_services, now=now).filter(person_id__any_of=persons).values_list(
        "person_id", "pk", "service_id"),
    health_services="ids", user="int", now="datetime", persons="ids")


def active_emergency_person_ids(user, person_ids):
    """The persons among these that the user reads through an active emergency access (for the audit)."""
    if not service_ids(user, Compartment.HEALTH):
        return {}  # only health professionals open emergency accesses: no query on every audited request
    rows = _EMERGENCIES.rows(health_services=service_ids(user, Compartment.HEALTH), user=user.pk,
                             now=timezone.now(), persons=list(person_ids))
    return {person_id: (pk, service_id) for person_id, pk, service_id in rows}


def is_head_of_service(user, service_id=None):
    if not getattr(user, "is_authenticated", False):
        return False
    if user.kind == AccountKind.STAFF:  # the memberships every request reads already (no query)
        return any(Profession.HEAD_OF_SERVICE in professions for sid, professions in
                   _professions_by_service(user).items() if service_id is None or sid == int(service_id))
    qs = Membership.objects.active().filter(user=user, profession=Profession.HEAD_OF_SERVICE)
    if service_id is not None:
        qs = qs.filter(service_id=service_id)
    return qs.exists()


def managed_operator_ids(user):
    """Operators whose services a user may configure: as head of one of their services."""

    if not getattr(user, "is_authenticated", False):
        return set()
    if user.is_superuser:

        return set(Operator.objects.values_list("pk", flat=True))
    return set(
        Membership.objects.active()
        .filter(user=user, profession=Profession.HEAD_OF_SERVICE)
        .values_list("service__operator_id", flat=True)
    )


def _messages():
    return {
        Compartment.HEALTH: gettext_lazy("Health information is reserved for the health professionals of the "
                                         "team following this person."),
        Compartment.SOCIAL: gettext_lazy("Social information is reserved for the team following this person."),
        Compartment.ADMINISTRATIVE: gettext_lazy("Administrative information is reserved for the team "
                                                 "following this person and its head of service."),
    }


COMPARTMENT_DENIED_MESSAGES = _messages()
