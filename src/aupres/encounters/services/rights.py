"""Rights applications: filed, followed, granted into the person's current rights, renewed."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from aupres.audit.models import IDENTITY
from aupres.audit.services import record
from aupres.core import access
from aupres.core.errors import DomainError, NotFound
from aupres.core.models import Compartment
from aupres.encounters.models import (
    DEFAULT_RENEWAL_LEAD_DAYS,
    RENEWABLE_STATUSES,
    RENEWAL_ALERT_DAYS,
    RENEWAL_LEAD_DAYS,
    RIGHTS_TRANSITIONS,
    RightsApplication,
    RightsApplicationKind,
    RightsStatus,
    RightsStatusChange,
)
from aupres.encounters.services._common import (
    _check_choice,
    _denied,
    _followed_in_service,
    _following_service,
    _scoped,
    _today,
)
from aupres.encounters.services.orientations import StatusChange
from aupres.persons.models import Person, RightStatus

# A granted application records the person's current right (aupres.persons RightStatus): one rights model,
# the person page's Administratif block reads it (issue #13). Domiciliation: the application does not say
# which organism (CCAS or approved association) gives the address.
GRANTED_RIGHT = {
    RightsApplicationKind.DOMICILIATION: ("domiciliation", "domiciled"),
    RightsApplicationKind.AME: ("health_cover", "ame"),
    RightsApplicationKind.PUMA: ("health_cover", "puma"),
    RightsApplicationKind.CSS: ("health_cover", "css"),
    RightsApplicationKind.RSA: ("income", "rsa"),
    RightsApplicationKind.AAH: ("income", "aah"),
    RightsApplicationKind.RESIDENCE_PERMIT: ("id_papers", "residence_permit"),
}


def default_renewal_on(kind, valid_until):
    if valid_until is None:
        return None
    try:
        return valid_until - datetime.timedelta(days=RENEWAL_LEAD_DAYS.get(kind, DEFAULT_RENEWAL_LEAD_DAYS))
    except OverflowError:
        return valid_until


def _check_rights_dates(status_on, filed_on, valid_until, renewal_on):
    today = _today()
    if status_on > today:
        raise DomainError(_("The date is in the future."), field="status_on")
    if filed_on and filed_on > today:
        raise DomainError(_("The filing date is in the future."), field="filed_on")
    if valid_until and filed_on and valid_until < filed_on:
        raise DomainError(_("The right ends before it was applied for."), field="valid_until")
    if renewal_on and valid_until and renewal_on > valid_until:
        raise DomainError(_("The renewal date is after the end of validity."), field="renewal_on")


def check_rights_application(kind, status, status_on, filed_on, valid_until, renewal_on):
    """The rules of a new rights application's values (its kind, status and dates), without the person's
    nor the service's: (status_on, filed_on, renewal_on) completed, or a DomainError naming the field.
    Also the spreadsheet import's (imports.services)."""
    _check_choice(kind, RightsApplicationKind, "kind")
    _check_choice(status, RightsStatus, "status")
    status_on = status_on or _today()
    if status == RightsStatus.FILED and filed_on is None:
        filed_on = status_on
    if renewal_on is None:
        renewal_on = default_renewal_on(kind, valid_until)
    _check_rights_dates(status_on, filed_on, valid_until, renewal_on)
    return status_on, filed_on, renewal_on


@transaction.atomic
def create_rights_application(user, person, *, kind, status=RightsStatus.TO_DO, status_on=None, service_id=None,
                              filed_on=None, valid_until=None, renewal_on=None, note="", encounter=None):
    service_id = _following_service(user, person, service_id, Compartment.ADMINISTRATIVE)
    status_on, filed_on, renewal_on = check_rights_application(kind, status, status_on, filed_on, valid_until,
                                                               renewal_on)
    application = RightsApplication.objects.create(
        person=person, service_id=service_id, encounter=encounter, kind=kind, status=status,
        status_on=status_on, filed_on=filed_on, valid_until=valid_until, renewal_on=renewal_on,
        note=(note or "").strip()[:500], created_by=user)
    RightsStatusChange.objects.create(application=application, status=status, on=status_on, recorded_by=user)
    if status == RightsStatus.GRANTED:
        _record_granted_right(user, application)
    record(user, person, "create", {RightsApplication.compartment}, service_id=service_id)
    return application


def granted_right(application, user=None):
    """The person's right a granted application gives (an unsaved RightStatus), or None for a kind of
    application that names no right of the person page (« other »)."""
    if application.kind not in GRANTED_RIGHT:
        return None
    right_kind, value = GRANTED_RIGHT[application.kind]
    return RightStatus(person_id=application.person_id, kind=right_kind, value=value,
                       started_on=application.status_on, expires_on=application.valid_until, recorded_by=user)


def _record_granted_right(user, application):
    right = granted_right(application, user)
    if right is not None:
        right.save()


def visible_rights_applications(user):
    return _scoped(RightsApplication.objects.all(), user, compartment=RightsApplication.compartment)


def get_rights_application(user, application_id):
    application = visible_rights_applications(user).select_related("person", "service").filter(
        pk=application_id).first()
    if application is None:
        if RightsApplication.objects.filter(pk=application_id, service_id__in=access.service_ids(user)).filter(
                _followed_in_service(None)).exists():
            raise _denied(RightsApplication.compartment)
        raise NotFound()
    return application


def read_rights_application(user, application_id):
    """One rights application the user may read, journaled as read."""
    application = get_rights_application(user, application_id)
    record(user, application.person_id, "read", {IDENTITY, RightsApplication.compartment},
           service_id=application.service_id)
    return application


def rights_applications_page(user, queryset, offset=0, limit=200):
    """A page of these rights applications (visible_rights_applications, renewal_alerts), journaled."""
    found = list(queryset[offset: None if limit is None else offset + limit])
    record(user, [a.person_id for a in found], "list", {IDENTITY, RightsApplication.compartment})
    return found


def allowed_rights_statuses(application):
    return sorted(RIGHTS_TRANSITIONS[RightsStatus(application.status)])


_UNSET = object()


@transaction.atomic
def change_rights_application(user, application, *, version, status=None, on=None, valid_until=_UNSET,
                              renewal_on=_UNSET, note=None):
    """Move a rights application along its lifecycle (dated) and/or set its validity and renewal dates."""
    on = on or _today()
    new_valid = application.valid_until if valid_until is _UNSET else valid_until
    if renewal_on is _UNSET:
        new_renewal = default_renewal_on(application.kind, valid_until) if valid_until is not _UNSET \
            else application.renewal_on
    else:
        new_renewal = renewal_on
    change = StatusChange(application, status, on, RightsStatus, RIGHTS_TRANSITIONS)
    new_filed = on if change.changes and status == RightsStatus.FILED else application.filed_on
    # Every check before any change to `application`: a refused edit leaves it as it was.
    _check_rights_dates(application.status_on, new_filed, new_valid, new_renewal)
    fields = change.apply()
    if change.changes and status == RightsStatus.FILED:
        application.filed_on = on
        fields.append("filed_on")
    if valid_until is not _UNSET:
        application.valid_until = valid_until
        fields.append("valid_until")
    if renewal_on is not _UNSET or valid_until is not _UNSET:
        application.renewal_on = new_renewal
        fields.append("renewal_on")
    if note is not None:
        application.note = note.strip()[:500]
        fields.append("note")
    application.save_versioned(version, update_fields=fields or ["status"])
    if change.log(user) and status == RightsStatus.GRANTED:
        _record_granted_right(user, application)
    record(user, application.person_id, "update", {RightsApplication.compartment},
           service_id=application.service_id)
    return application


def needs_renewal(application, on=None):
    """True when a running right must be renewed within RENEWAL_ALERT_DAYS, or should have been."""
    on = on or _today()
    return (application.status in RENEWABLE_STATUSES and application.renewal_on is not None
            and application.renewal_on <= on + datetime.timedelta(days=RENEWAL_ALERT_DAYS))


def renewal_alerts(user, on=None):
    """The rights applications the user may read whose renewal date is within 30 days or past."""
    on = on or _today()
    return (visible_rights_applications(user)
            .filter(status__in=sorted(RENEWABLE_STATUSES),
                    renewal_on__lte=on + datetime.timedelta(days=RENEWAL_ALERT_DAYS))
            .select_related("person", "service").order_by("renewal_on", "pk"))


def filter_rights_applications(qs, status="", kind="", service_id=None, start=None, end=None, text=""):
    """The rights list's filters (issue #13): status (by default all but abandoned), kind, service, period
    of the current status, and words of the person's name or alias (searched like the person search)."""
    qs = qs.filter(status=status) if status else qs.exclude(status=RightsStatus.ABANDONED)
    if kind:
        qs = qs.filter(kind=kind)
    if service_id is not None:
        qs = qs.filter(service_id=service_id)
    if start is not None:
        qs = qs.filter(status_on__gte=start)
    if end is not None:
        qs = qs.filter(status_on__lte=end)
    if text.strip():
        qs = qs.filter(person__in=Person.objects.search(text[:100]).values("pk"))
    return qs.order_by("-status_on", "-pk")
