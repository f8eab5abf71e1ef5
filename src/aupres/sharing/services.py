"""Consent to sharing and emergency access: the rules (docs/decisions.md D12–D14).

Who does what:
- recording a consent: a member of a service that follows the person (S), holding in S every compartment
  the consent shares (a health consent is recorded by a health professional of S); the head of service,
  who holds the administrative compartment only, does not;
- withdrawing: a member of the sharing service S or of the receiving service T (the person may tell
  either team); a withdrawal is never undone (a new consent is recorded instead);
- emergency access: a health professional of a service that does not follow the person, who identifies
  the person by their record number, or by exact first name, last name and birth year matching ONE
  record; the reason is written (at least EMERGENCY_REASON_MIN_LENGTH characters).
"""

import datetime
import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.audit.models import IDENTITY
from aupres.audit.services import person_names, record
from aupres.core import access
from aupres.core.errors import Conflict, DomainError, Forbidden, NotFound
from aupres.core.models import Compartment
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.services.models import Membership, Profession, Service
from aupres.sharing.models import (
    SCOPE_COMPARTMENTS,
    EmergencyAccess,
    EmergencyAttempt,
    EmergencyNotification,
    GivenHow,
    Scope,
    SharingConsent,
)

log = logging.getLogger(__name__)

EMERGENCY_REASON_MIN_LENGTH = 20
MAX_LOOKUP_MATCHES = 1


# Consent --------------------------------------------------------------------------------------------

# What a consent shows and changes, for the access journal (written here, issue #16).
CONSENT_COMPARTMENTS = (IDENTITY, Compartment.ADMINISTRATIVE)


def recording_services(user, person, scope=None):
    """The user's services following the person in which they hold what the scope shares (any of social
    and health when no scope is given)."""
    by_service = access.compartments_by_service(user)
    needed = SCOPE_COMPARTMENTS[Scope(scope)] if scope else None
    result = []
    for sid in access.following_services_of(user, person):
        held = by_service[sid]
        if (needed <= held) if needed is not None else bool(held & {Compartment.SOCIAL, Compartment.HEALTH}):
            result.append(sid)
    return result


def can_record_consent(user, person):
    return bool(recording_services(user, person))


def person_consents(user, person):
    """Consents about a visible person: all of them for the following team, those to their own services
    for a team that reads the person through consent."""
    mine = access.service_ids(user)
    qs = SharingConsent.objects.filter(person=person).select_related(
        "from_service", "to_service", "recorded_by", "withdrawn_by")
    if not access.following_services_of(user, person):
        qs = qs.filter(to_service_id__in=mine)
    # A service with a confidential location is named only to the two services of the consent (D8, D12).
    neither_mine = ~Q(from_service_id__in=mine) & ~Q(to_service_id__in=mine)
    return qs.exclude(Q(from_service__confidential_location=True) & neither_mine).exclude(
        Q(to_service__confidential_location=True) & neither_mine)


def record_consent(user, person, *, scope, given_on, given_how, from_service_id=None, to_service_id=None,
                   to_organisation="", note=""):
    with transaction.atomic():  # a block, not a decorator: mutmut skips decorated functions (D61)
        if scope not in Scope.values:
            raise DomainError(_("Choose what is shared."), field="scope")
        if given_how not in GivenHow.values:
            raise DomainError(_("Say how the person agreed."), field="given_how")
        allowed = recording_services(user, person, scope)
        if not allowed:
            raise Forbidden(_("Only the team following this person, holding what is shared, records a consent."),
                            code="consent_forbidden")
        if from_service_id is None:
            if len(allowed) > 1:
                raise DomainError(_("Choose the service that shares."), field="from_service", code="service_required")
            from_service_id = allowed[0]
        elif int(from_service_id) not in allowed:
            raise Forbidden(_("You cannot share on behalf of this service."), field="from_service",
                            code="consent_forbidden")
        to_organisation = (to_organisation or "").strip()
        if bool(to_service_id) == bool(to_organisation):
            raise DomainError(_("Name either one of our services or a partner organisation."), field="to_service")
        if to_service_id:
            if int(to_service_id) == int(from_service_id):
                raise DomainError(_("A service does not share with itself."), field="to_service")
            if not Service.objects.filter(pk=to_service_id, is_active=True).exists():
                raise DomainError(_("Unknown service."), field="to_service")
        today = timezone.localdate()
        if given_on is None or given_on > today or given_on < datetime.date(2000, 1, 1):
            raise DomainError(_("The date of the agreement is not valid."), field="given_on")
        duplicate = SharingConsent.objects.active().filter(
            person=person, from_service_id=from_service_id, to_service_id=to_service_id or None,
            to_organisation=to_organisation, scope=scope)
        if duplicate.exists():
            raise Conflict(_("This consent is already recorded."), code="consent_exists")
        consent = SharingConsent.objects.create(
            person=person, from_service_id=from_service_id, to_service_id=to_service_id or None,
            to_organisation=to_organisation, scope=scope, given_on=given_on, given_how=given_how,
            note=(note or "").strip(), recorded_by=user)
        record(user, person, "create", CONSENT_COMPARTMENTS)
        return consent


def consents_of(user, person, limit=200):
    """The person's consents the user may read (person_consents), journaled as read."""
    consents = list(person_consents(user, person)[:limit])
    record(user, person, "read", CONSENT_COMPARTMENTS)
    return consents


def get_consent(user, consent_id):
    """A consent on a person the user sees, recorded by or for one of their services; else NotFound."""
    consent = SharingConsent.objects.select_related("person", "from_service", "to_service").filter(
        pk=consent_id).first()
    if consent is None:
        raise NotFound()
    mine = set(access.service_ids(user))
    if not mine & {consent.from_service_id, consent.to_service_id}:
        raise NotFound()
    if not access.visible_persons(user).filter(pk=consent.person_id).exists():
        raise NotFound()
    return consent


def withdraw_consent(user, consent_id, note=""):
    """Withdraw at once (never undone, never deleted); the receiving team loses access at its next request."""
    with transaction.atomic():  # a block, not a decorator: mutmut skips decorated functions (D61)
        consent = get_consent(user, consent_id)
        now = timezone.now()
        changed = SharingConsent.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=now, withdrawn_by=user, withdrawal_note=(note or "").strip())
        if not changed:
            raise Conflict(_("This consent was already withdrawn."), code="already_withdrawn")
        consent.refresh_from_db()
        record(user, consent.person_id, "update", CONSENT_COMPARTMENTS)
        return consent


# Emergency access -----------------------------------------------------------------------------------

class EmergencyLimitReached(DomainError):
    status = 429
    code = "emergency_limit"


def emergency_services(user):
    """The user's services where they are a health professional (who may open an emergency access)."""
    return access.service_ids(user, Compartment.HEALTH)


def find_person_for_emergency(*, person_id=None, first_name="", last_name="", birth_year=None):
    """The one person the caller identified exactly: by number, or by first name, last name and birth year
    (all three, case-insensitive exact match). Nothing is listed; no match and several matches are one
    refusal (it tells nothing of who exists: the number is asked for)."""

    no_match = DomainError(_("No single record matches exactly: check what you typed, or ask for the "
                             "person's record number."), field="person", code="no_match")
    if person_id:
        person = Person.objects.filter(pk=person_id).first() if 0 < int(person_id) < 2**63 else None
        if person is None:
            raise no_match
        return person
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    if not (first_name and last_name and birth_year):
        raise DomainError(_("Give the record number, or the first name, last name and birth year."),
                          field="person", code="identification_required")
    matches = list(Person.objects.filter(first_name__iexact=first_name, last_name__iexact=last_name,
                                         birth_year=birth_year).order_by("pk")[:MAX_LOOKUP_MATCHES + 1])
    if len(matches) != MAX_LOOKUP_MATCHES:
        raise no_match
    return matches[0]


# Outcomes not counted: no one was looked up, or the answer told nothing new.
_NOT_COUNTED = ("health_professionals_only", "reason_required", "identification_required", "already_open",
                "emergency_limit",
                "already_following")  # the last: a person the team already sees


def emergency_attempts_today(user, now=None):
    now = now or timezone.now()
    return EmergencyAttempt.objects.filter(user=user, at__gte=now - datetime.timedelta(hours=24)) \
        .exclude(outcome__in=_NOT_COUNTED).count()


def open_emergency_access(user, *, reason, person_id=None, first_name="", last_name="", birth_year=None,
                          service_id=None, base_url=""):
    """Every attempt is journaled (EmergencyAttempt), refused or not, outside the opening's transaction."""
    attempt = {"service_id": None, "person_id": None}
    try:
        emergency, outcome = _open_emergency_access(
            user, attempt, reason=reason, person_id=person_id, first_name=first_name, last_name=last_name,
            birth_year=birth_year, service_id=service_id, base_url=base_url)
    except DomainError as error:
        EmergencyAttempt.objects.create(user=user, outcome=error.code, **attempt)
        log.info("emergency access refused to user %s: %s", user.pk, error.code)
        raise
    EmergencyAttempt.objects.create(user=user, outcome=outcome, **attempt)
    return emergency


def _open_emergency_access(user, attempt, *, reason, person_id, first_name, last_name, birth_year, service_id,
                           base_url):
    with transaction.atomic():  # a block, not a decorator: mutmut skips decorated functions (D61)
        services = emergency_services(user)
        if not services:
            raise Forbidden(_("Only a health professional may open a record in an emergency."),
                            code="health_professionals_only")
        if service_id is None:
            service_id = services[0]
        elif int(service_id) not in services:
            raise Forbidden(_("You are not a health professional of this service."), field="service",
                            code="health_professionals_only")
        attempt["service_id"] = int(service_id)
        reason = (reason or "").strip()
        if len(reason) < EMERGENCY_REASON_MIN_LENGTH:
            raise DomainError(_("Write the reason of the emergency (at least %(n)d characters).")
                              % {"n": EMERGENCY_REASON_MIN_LENGTH}, field="reason", code="reason_required")
        # The cap comes before anyone is looked up: once reached, no answer tells whether a record exists.
        # Record numbers follow each other: the cap keeps emergency access from becoming a way to browse
        # records (each attempt is journaled, each opening notified).
        now = timezone.now()
        attempts = emergency_attempts_today(user, now)
        if attempts >= settings.EMERGENCY_ACCESS_PER_DAY:
            raise EmergencyLimitReached(
                _("You have made %(n)d emergency access requests in the last 24 hours: ask your head of service.")
                % {"n": attempts})
        person = find_person_for_emergency(person_id=person_id, first_name=first_name, last_name=last_name,
                                           birth_year=birth_year)
        attempt["person_id"] = person.pk
        if access.following_services_of(user, person):
            raise Conflict(_("Your team follows this person: open their record."), code="already_following",
                           details={"person_id": person.pk})
        existing = active_emergency(user, person)
        if existing is not None:
            record(user, existing.person_id, "create", (IDENTITY,))
            return existing, "already_open"
        emergency = EmergencyAccess.objects.create(
            user=user, person=person, service_id=service_id, reason=reason, opened_at=now,
            expires_at=now + datetime.timedelta(hours=settings.EMERGENCY_ACCESS_HOURS))
        notify_heads(emergency, base_url)
        log.info("emergency access %s opened by user %s", emergency.pk, user.pk)
        record(user, emergency.person_id, "create", (IDENTITY,))
        return emergency, "opened"


def notify_heads(emergency, base_url=""):
    """An in-app notification to the head of every service that follows or followed the person, and an
    e-mail that says only that an emergency access was opened, with a link to the notification screen."""

    services = set(FollowUp.objects.filter(person_id=emergency.person_id).values_list("service_id", flat=True))
    heads = list(Membership.objects.active().filter(service_id__in=services, profession=Profession.HEAD_OF_SERVICE)
                 .select_related("user").order_by("pk"))
    seen, notifications = set(), []
    for membership in heads:
        if (membership.user_id, membership.service_id) not in seen and membership.user.is_active:
            seen.add((membership.user_id, membership.service_id))
            notifications.append(EmergencyNotification(access=emergency, head_id=membership.user_id,
                                                       service_id=membership.service_id))
    EmergencyNotification.objects.bulk_create(notifications)
    link = base_url.rstrip("/") + reverse("sharing:notifications")
    subject = _("Auprès: emergency access to a record of your service")
    body = _("An emergency access (bris de glace) was opened on a record followed by your service.\n"
             "Check it on the notification screen: %(link)s\n\n"
             "This message contains no personal information.") % {"link": link}
    mails = 0
    for email in sorted({m.user.email for m in heads if m.user.email and m.user.is_active}):
        try:  # one message per head: no one learns who else was told
            mails += send_mail(subject, body, None, [email])
        except (OSError, smtplib.SMTPException):
            log.warning("emergency access %s: an e-mail to a head of service failed", emergency.pk)
    EmergencyAccess.objects.filter(pk=emergency.pk).update(
        notified_at=timezone.now(), heads_notified=len({n.head_id for n in notifications}), mails_sent=mails)
    emergency.refresh_from_db()


def my_emergency_accesses(user):
    return EmergencyAccess.objects.filter(user=user).select_related("person", "service")


def named_notifications(user, limit=200):
    """A head of service's notifications, each with `.person_name` (what the head may read of the name),
    the persons journaled as listed."""
    items = list(notifications_for(user)[:limit])
    if items:
        names = person_names(user, [n.access.person_id for n in items])
        for n in items:
            n.person_name = names.get(n.access.person_id)
        record(user, [n.access.person_id for n in items], "list", (IDENTITY,))
    return items


def notifications_for(user):
    return EmergencyNotification.objects.filter(head=user).select_related(
        "access__user", "access__service", "access__person", "service")


def unread_count(user):
    if not getattr(user, "is_authenticated", False):
        return 0
    return EmergencyNotification.objects.filter(head=user, read_at__isnull=True).count()


def mark_read(user, notification_ids=None):
    qs = EmergencyNotification.objects.filter(head=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


def active_emergency(user, person):
    return EmergencyAccess.objects.active().filter(user=user, person=person).first()
