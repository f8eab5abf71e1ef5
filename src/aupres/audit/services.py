"""Recording and reading the audit trail. Every app calls `record` after it read or changed a person.

    record(user, person, "read", person.compartments)   # channel and route: the request's or task's
    record(user, page_of_persons, "list")                 # a list: one event naming every person listed

Events carry ids and names of compartments only: never what was read or written.
"""

import contextlib
import contextvars
import decimal
import logging
import smtplib

from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.audit.models import (
    IDENTITY,
    AccessEvent,
    Action,
    Channel,
    MembershipAction,
    MembershipEvent,
    PropertyRoleEvent,
    RectificationEntry,
    SignInEvent,
    ids_text,
)
from aupres.core import access, context
from aupres.core.context import route_of  # noqa: F401  (kept for the edges that still name it)
from aupres.core.errors import Forbidden
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.services.models import Membership, Profession, opens_health

COMPARTMENT_ORDER = (IDENTITY, "administrative", "social", "health")


def _ids(persons):
    if persons is None:
        return []
    if isinstance(persons, int) or hasattr(persons, "pk"):
        persons = [persons]
    seen, ids = set(), []
    for p in persons:
        pid = p if isinstance(p, int) else p.pk
        if pid is not None and pid not in seen:
            seen.add(pid)
            ids.append(pid)
    return ids


def _compartments(compartments):
    names = {str(c) for c in (compartments or ())} or {IDENTITY}
    return ",".join(c for c in COMPARTMENT_ORDER if c in names) or ",".join(sorted(names))


def _service_for(user, person_ids):
    """The service through which the user reached the person(s): their only service, or for a single
    person the first of their services that gives access to that person."""
    services = access.service_ids(user)
    if len(services) == 1:
        return services[0]
    if len(person_ids) == 1 and services:

        following = access.following_services_of(user, Person(pk=person_ids[0]))
        return following[0] if following else None
    return None


def record(user, persons, action, compartments=(), channel=None, route=None, service_id=None):
    """Append the event: one row for one person, and one row naming them all for several (a list of 50
    persons is one row, not 50: issue #16); a person reached through an emergency access has a row of
    their own, which carries that access. Returns the number of persons journaled.

    The channel and route default to the origin of the work (aupres.core.context: the request's screen or
    API route, or the task), so that a service records what it reads or changes without being told."""
    ids = _ids(persons)
    if not ids:
        return 0
    here = context.current()
    if channel is None:
        channel = here.channel if here is not None else Channel.TASK
    if route is None:
        route = here.route if here is not None else ""
    user = user if getattr(user, "is_authenticated", False) else None
    if service_id is None and user is not None:
        service_id = _service_for(user, ids)
    pending = (user, ids, service_id, _compartments(compartments), str(Action(action)), str(Channel(channel)),
               (route or "")[:100], timezone.now())
    deferred = _deferred.get()
    if deferred is not None:
        deferred.append(pending)
    else:
        _write([pending])
    return len(ids)


_deferred = contextvars.ContextVar("aupres_audit_deferred", default=None)


@contextlib.contextmanager
def batched():
    """Inside this block, the events `record` makes are written in ONE insert when the block ends (issue #12:
    a sync of 500 captures journals them at once, in the same transaction). A nested block hands its events
    to the outer one; a block left by an exception drops them, as its savepoint drops what they describe."""
    outer = _deferred.get()
    mine = []
    token = _deferred.set(mine)
    try:
        yield
    finally:
        _deferred.reset(token)
    if outer is not None:
        outer.extend(mine)
    else:
        _write(mine)


def _write(pending):
    """Insert the events of `record` calls: one query for the emergency flags per user, one insert."""
    by_user = {}
    for user, ids, *_rest in pending:
        if user is not None:
            by_user.setdefault(user.pk, (user, set()))[1].update(ids)
    # Reads during an emergency access carry its flag, its id and the
    # service of the professional who opened it.
    emergencies = {pk: access.active_emergency_person_ids(user, sorted(ids)) for pk, (user, ids) in by_user.items()}
    rows = []
    for user, ids, service_id, comps, action, channel, route, at in pending:
        flags = emergencies.get(user.pk, {}) if user is not None else {}
        common = {"at": at, "user": user, "username": user.get_username() if user else "", "compartments": comps,
                  "action": action, "channel": channel, "route": route}
        rows.extend(AccessEvent(person_id=pid, service_id=flags[pid][1], emergency=True,
                                emergency_access_id=flags[pid][0], **common)
                    for pid in ids if pid in flags)
        others = [pid for pid in ids if pid not in flags]
        if len(others) == 1:
            rows.append(AccessEvent(person_id=others[0], service_id=service_id, **common))
        elif others:
            rows.append(AccessEvent(person_id=None, person_ids=ids_text(others), person_count=len(others),
                                    service_id=service_id, **common))
    if rows:
        AccessEvent.objects.bulk_create(rows)


def record_rectifications(user, person, record_name, compartment_of, before, after):
    """Keep who changed which field, old and new value (only fields whose value changed)."""
    now = timezone.now()
    entries = [
        RectificationEntry(person=person, at=now, user=user, record=record_name,
                           compartment=str(compartment_of(name)), field=name,
                           old_value=_text(before.get(name)), new_value=_text(after.get(name)))
        for name in after
        if before.get(name) != after.get(name)
    ]
    RectificationEntry.objects.bulk_create(entries)
    return entries


def _text(value):
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def rectifications(user, person):
    """The rectification history of a visible person, cut to the compartments the user holds."""
    held = {str(c) for c in person.compartments} | {IDENTITY}
    return RectificationEntry.objects.filter(person=person, compartment__in=held).select_related("user")


def read_rectifications(user, person, limit=500):
    """rectifications(), a page of them, journaled as a read of the compartments they show."""
    entries = list(rectifications(user, person)[:limit])
    record(user, person, Action.READ, {IDENTITY, *{e.compartment for e in entries}})
    return entries


# Reading the trail ------------------------------------------------------------------------------

def person_accesses(user, person, limit=20):
    """Who consulted this person's record, for the person's page (the person must be visible)."""
    return list(AccessEvent.objects.concerning(person.pk).select_related("user")[:limit])


def read_person_accesses(user, person, limit=20):
    """person_accesses() on its own (the API), journaled: who consulted the record is part of what is read
    about the person (identity: who works with them). The person's page journals its own read."""
    events = person_accesses(user, person, limit)
    record(user, person, Action.READ, {IDENTITY})
    return events


def managed_service_ids(user):
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Membership.objects.active().filter(user=user, profession=Profession.HEAD_OF_SERVICE)
                .values_list("service_id", flat=True))


def journal(user, *, person_id=None, user_id=None, action=None, compartment=None):
    """The events on the persons the user's services follow or followed, for a head of service."""

    services = managed_service_ids(user)
    if not services:
        raise Forbidden(_("Only a head of service reads the access journal."), code="head_of_service_only")
    followed = FollowUp.objects.filter(service_id__in=services)
    qs = AccessEvent.objects.concerning_any(followed) | AccessEvent.objects.filter(service_id__in=services)
    if person_id is not None:
        qs = qs.concerning(person_id)
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    if action:
        qs = qs.filter(action=action)
    if compartment:
        qs = qs.filter(compartments__contains=compartment)
    return qs.select_related("user")


def person_names(user, person_ids):
    """Names of the persons the user may see; the others are shown by their number only."""

    visible = access.visible_persons(user, Person.objects.filter(pk__in=set(person_ids)))
    return {p.pk: p.display_name for p in visible}


def exportable_person(user, person_id):
    """The GDPR export is assembled by the head of a service following the person, or by one of its
    health professionals (who alone give the health part); others get 403 (404 when the person is not
    visible to them at all). What each may put in it: export.Scope."""
    person = access.get_visible_person(user, person_id)
    following = set(access.following_services_of(user, person))
    managed = set(managed_service_ids(user))
    health = set(access.service_ids(user, "health"))
    if not following & (managed | health):
        raise Forbidden(_("Only the head or a health professional of a service following this person can "
                          "export their record."), code="head_of_service_only")
    return person


# Team memberships: the journal of access grants (issue #11) ---------------------------------------

def _plain(snapshot):
    def plain(value):
        if hasattr(value, "isoformat"):
            return value.isoformat()
        if isinstance(value, decimal.Decimal):
            return f"{value:.2f}"
        return value if isinstance(value, (bool, type(None))) else str(value)

    return {k: plain(v) for k, v in (snapshot or {}).items()}


def _membership_action(before, after):
    if before is None:
        return MembershipAction.CREATE
    old_end, new_end = before.get("end_date"), after.get("end_date")
    only_end = all(before.get(k) == after.get(k) for k in after if k != "end_date")
    if only_end and new_end is not None and (old_end is None or new_end < old_end):
        return MembershipAction.END
    return MembershipAction.UPDATE


def operator_heads(operator_id):
    """The active heads of service of the operator's services (accounts, once each)."""

    memberships = (Membership.objects.active().filter(service__operator_id=operator_id,
                                                      profession=Profession.HEAD_OF_SERVICE)
                   .select_related("user").order_by("user_id"))
    heads = {}
    for m in memberships:
        if m.user.is_active:
            heads.setdefault(m.user_id, m.user)
    return list(heads.values())


def record_membership_change(user, membership, before, after, base_url=""):
    """Journal one membership created, changed or ended (who, whom, before/after), and tell the operator's
    heads of service by e-mail, one message each, with no personal content (a link to the journal)."""

    operator_id = membership.service.operator_id
    action = _membership_action(before, after)
    health = opens_health(after["profession"]) or (before is not None and opens_health(before["profession"]))
    heads = operator_heads(operator_id)
    link = base_url.rstrip("/") + reverse("audit:journal") + "#equipes"
    subject = _("Auprès: a team of your operator changed")
    body = _("A team membership of one of your operator's services was created, changed or ended.\n"
             "Check it in the access journal: %(link)s\n\n"
             "This message contains no personal information.") % {"link": link}
    if health:
        body = _("A profession giving access to health information is concerned.") + "\n" + body
    mails = 0
    for email in sorted({h.email for h in heads if h.email}):
        try:
            mails += send_mail(subject, body, None, [email])
        except (OSError, smtplib.SMTPException):
            logging.getLogger(__name__).warning("membership %s: an e-mail to a head of service failed",
                                                membership.pk)
    actor = user if getattr(user, "is_authenticated", False) else None
    return MembershipEvent.objects.create(
        user=actor, username=actor.get_username() if actor else "", member=membership.user,
        member_username=membership.user.get_username(), membership_id=membership.pk,
        service_id=membership.service_id, operator_id=operator_id, action=action,
        before=_plain(before), after=_plain(after), opens_health=health, heads_notified=len(heads),
        mails_sent=mails)


def record_property_role(user, grant, action):
    """Journal a property role granted or withdrawn (PropertyRoleEvent, append-only), in the caller's
    transaction: no grant changes without its event."""
    actor = user if getattr(user, "is_authenticated", False) else None
    return PropertyRoleEvent.objects.create(
        user=actor, username=actor.get_username() if actor else "", grantee_id=grant.user_id,
        grantee_username=grant.user.get_username(), operator_id=grant.operator_id, access_id=grant.pk,
        action=action)


def record_sign_in(user, outcome, method="oidc"):
    """Journal a sign-in through the identity provider, accepted or refused (SignInEvent, append-only): the
    account when one was found, the outcome, whether its RPPS is confirmed; never the provider's claims."""
    return SignInEvent.objects.create(
        user=user, username=user.get_username() if user else "", method=method, outcome=outcome,
        rpps_confirmed=bool(user and user.rpps_confirmed))


def property_role_journal(operator_ids):
    """The property role events of these operators, latest first."""
    return PropertyRoleEvent.objects.filter(operator_id__in=operator_ids)


def membership_journal(user):
    """The membership events of the operators the user heads a service of (or every one, for an
    administrator)."""

    if getattr(user, "is_superuser", False):
        return MembershipEvent.objects.all()
    operators = access.managed_operator_ids(user)
    if not operators:
        raise Forbidden(_("Only a head of service reads the access journal."), code="head_of_service_only")
    return MembershipEvent.objects.filter(operator_id__in=operators)
