"""Orientations and admission requests: sent, followed through their statuses."""


from django.db import transaction
from django.utils.translation import gettext as _

from aupres.audit.models import IDENTITY
from aupres.audit.services import record
from aupres.core import access
from aupres.core.errors import DomainError, NotFound
from aupres.encounters.models import (
    ORIENTATION_TRANSITIONS,
    TARGET_COMPARTMENT,
    Orientation,
    OrientationKind,
    OrientationStatus,
    OrientationStatusChange,
    OrientationTarget,
)
from aupres.encounters.services._common import (
    _check_choice,
    _denied,
    _followed_in_service,
    _following_service,
    _scoped,
    _today,
)


def _new_orientation(user, person_id, service_id, *, kind, target, sent_on, partner_name="",
                     appointment_on=None, note="", encounter=None):
    _check_choice(kind, OrientationKind, "kind")
    _check_choice(target, OrientationTarget, "target")
    if sent_on > _today():
        raise DomainError(_("The date is in the future."), field="sent_on")
    if appointment_on and appointment_on < sent_on:
        raise DomainError(_("The appointment is before the orientation."), field="appointment_on")
    orientation = Orientation(person_id=person_id, service_id=service_id, encounter=encounter, kind=kind,
                              target=target, partner_name=(partner_name or "").strip()[:160],
                              sent_on=sent_on, status_on=sent_on, appointment_on=appointment_on,
                              note=(note or "").strip()[:500], created_by=user)
    orientation.save()
    OrientationStatusChange.objects.create(orientation=orientation, status=orientation.status, on=sent_on,
                                           recorded_by=user)
    return orientation


@transaction.atomic
def create_orientation(user, person, *, kind, target, sent_on=None, service_id=None, partner_name="",
                       appointment_on=None, note=""):
    _check_choice(target, OrientationTarget, "target")
    service_id = _following_service(user, person, service_id, TARGET_COMPARTMENT[target])
    orientation = _new_orientation(user, person.pk, service_id, kind=kind, target=target,
                                   sent_on=sent_on or _today(), partner_name=partner_name,
                                   appointment_on=appointment_on, note=note)
    record(user, person, "create", {orientation.compartment}, service_id=service_id)
    return orientation


def visible_orientations(user):
    return _scoped(Orientation.objects.all(), user)


def get_orientation(user, orientation_id):
    orientation = visible_orientations(user).select_related("person", "service").filter(pk=orientation_id).first()
    if orientation is None:
        hidden = Orientation.objects.filter(pk=orientation_id, service_id__in=access.service_ids(user)).filter(
            _followed_in_service(None)).first()
        if hidden is not None:
            raise _denied(hidden.compartment)
        raise NotFound()
    return orientation


def read_orientation(user, orientation_id):
    """One orientation the user may read, journaled as read."""
    orientation = get_orientation(user, orientation_id)
    record(user, orientation.person_id, "read", {IDENTITY, orientation.compartment},
           service_id=orientation.service_id)
    return orientation


def orientations_page(user, queryset, offset=0, limit=200):
    """A page of these orientations (from visible_orientations), their persons journaled as listed."""
    found = list(queryset[offset: None if limit is None else offset + limit])
    record(user, [o.person_id for o in found], "list", {IDENTITY, *(o.compartment for o in found)})
    return found


def allowed_orientation_statuses(orientation):
    return sorted(ORIENTATION_TRANSITIONS[OrientationStatus(orientation.status)])


def _check_status_change(row, status, on, choices, transitions):
    """The lifecycle rule shared by orientations and rights applications (D15): a known status, that
    the transitions table allows after the current one, dated when it happened, so neither in the
    future nor before the current status. Dates to come (an appointment, the end of a right's
    validity, its renewal) are separate fields with their own checks."""
    _check_choice(status, choices, "status")
    if status not in transitions[choices(row.status)]:
        raise DomainError(_("This status cannot follow the current one."), field="status",
                          code="invalid_transition")
    if on > _today():
        raise DomainError(_("The date is in the future."), field="on", code="date_in_future")
    if on < row.status_on:
        raise DomainError(_("The date is before the current status."), field="on", code="date_before_current")


class StatusChange:
    """The one status-change mechanism of orientations and rights applications: a record with `status`,
    `status_on`, a `version` and a dated `history` (OrientationStatusChange, RightsStatusChange).

        change = StatusChange(row, status, on, OrientationStatus, ORIENTATION_TRANSITIONS)  # checks
        ...other checks...; fields = change.apply()          # sets status and status_on
        row.save_versioned(version, update_fields=fields + [...])
        change.log(user)                                     # the dated history row
    """

    def __init__(self, row, status, on, choices, transitions):
        self.row, self.status, self.on = row, status, on
        self.changes = status is not None and status != row.status
        if self.changes:
            _check_status_change(row, status, on, choices, transitions)

    def apply(self):
        if not self.changes:
            return []
        self.row.status, self.row.status_on = self.status, self.on
        return ["status", "status_on"]

    def log(self, user):
        if self.changes:
            self.row.history.create(status=self.status, on=self.on, recorded_by=user)
        return self.changes


@transaction.atomic
def change_orientation(user, orientation, *, version, status=None, on=None, appointment_on=None, note=None):
    """Move an orientation along its lifecycle (dated), and/or change its appointment or note."""
    change = StatusChange(orientation, status, on or _today(), OrientationStatus, ORIENTATION_TRANSITIONS)
    if appointment_on is not None and appointment_on < orientation.sent_on:
        raise DomainError(_("The appointment is before the orientation."), field="appointment_on")
    fields = change.apply()
    if appointment_on is not None:
        orientation.appointment_on = appointment_on
        fields.append("appointment_on")
    if note is not None:
        orientation.note = note.strip()[:500]
        fields.append("note")
    orientation.save_versioned(version, update_fields=fields or ["status"])
    change.log(user)
    record(user, orientation.person_id, "update", {orientation.compartment}, service_id=orientation.service_id)
    return orientation
