"""Rules about encounters, acts, orientations, rights applications and collective actions.

Called alike by screens, API, demo and tasks. Visibility, always per recording service:

- a record made by service S is read by a member of S only while S follows the person (a follow-up
  giving access, aupres.core.access), and only in the compartments the member's profession gives
  in S (access.compartments_by_service);
- the timeline of a person shows the content of the services of access.readable_services (the user's
  own, and those whose content the person agreed to share or an emergency access opens), each in the
  compartments given there; other services' follow-ups appear only as "followed by <service> since
  <date>", without any content, and never for a service whose location is confidential (D8, D15).
"""

import dataclasses
import datetime
import uuid as uuid_module

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.core import access
from aupres.core.errors import Conflict, DomainError, Forbidden, NotFound
from aupres.core.models import Compartment
from aupres.encounters.models import (
    ACT_COMPARTMENT,
    DEFAULT_RENEWAL_LEAD_DAYS,
    ENCOUNTER_COMPARTMENT,
    MODES_MEETING_NEW_PERSONS,
    ORIENTATION_TRANSITIONS,
    RENEWABLE_STATUSES,
    RENEWAL_ALERT_DAYS,
    RENEWAL_LEAD_DAYS,
    RIGHTS_TRANSITIONS,
    TARGET_COMPARTMENT,
    Act,
    ActKind,
    Audience,
    CollectiveAction,
    CollectiveActionKind,
    Encounter,
    EncounterPerson,
    Mode,
    Orientation,
    OrientationKind,
    OrientationStatus,
    OrientationStatusChange,
    OrientationTarget,
    PlaceKind,
    RightsApplication,
    RightsApplicationKind,
    RightsStatus,
    RightsStatusChange,
)
from aupres.followups.models import FollowUp
from aupres.followups.services import (  # noqa: F401  (last_encounter_*: re-exported for the encounters' callers)
    create_person,
    last_encounter_dates,
    last_encounter_subquery,
)
from aupres.persons.models import Person, RightStatus
from aupres.services.models import Membership, Service

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


# Encounters and acts ----------------------------------------------------------------------------

def _check_choice(value, choices, field):
    if value not in choices.values:
        raise DomainError(_("Unknown value."), field=field)


def _check_moment(occurred_at):
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if occurred_at > timezone.now() + FUTURE_TOLERANCE:
        raise DomainError(_("The encounter is in the future."), field="occurred_at")
    if occurred_at.year < 2000:
        raise DomainError(_("The date is too far in the past."), field="occurred_at")
    return occurred_at


def _followups_for(service_id, person_ids):
    """{person_id: follow-up} for the persons this service follows (open preferred, then latest)."""
    found = {}
    rows = FollowUp.objects.giving_access(_today()).filter(service_id=service_id, person_id__in=person_ids)
    for f in rows.order_by("person_id", "-opened_on", "-pk"):
        current = found.get(f.person_id)
        if current is None or (current.closed_on is not None and f.closed_on is None):
            found[f.person_id] = f
    return found


@transaction.atomic
def create_encounter(user, *, occurred_at, place_kind, mode, service_id=None, persons=(), new_persons=(),
                     anonymous_contacts=0, staff=(), acts=(), orientations=(), client_uuid=None):
    """Record an encounter with its acts (and orientations) in one transaction.

    persons: ids of persons the service follows. new_persons: dicts of person fields, only in modes
    that meet new people (street round): each is created and followed by the service.
    acts: dicts {kind, person (id) | new_person (index in new_persons) | neither, details}.
    An act names no one only when it is for one of the anonymous contacts, or when exactly one person
    was met. orientations: dicts {kind, target, partner_name, appointment_on, note, person | new_person}.
    Returns (encounter, created): a retried client_uuid returns the encounter already recorded.
    """
    if client_uuid is not None:
        existing = Encounter.objects.filter(client_uuid=client_uuid).first()
        if existing is not None:
            if existing.recorded_by_id != user.pk:
                raise Conflict(_("This identifier is already used by another encounter."),
                               code="duplicate_client_uuid", field="client_uuid")
            return existing, False
    service_id = _member_service(user, service_id, ENCOUNTER_COMPARTMENT)
    _check_choice(place_kind, PlaceKind, "place_kind")
    _check_choice(mode, Mode, "mode")
    occurred_at = _check_moment(occurred_at)
    if not 0 <= int(anonymous_contacts or 0) <= MAX_ANONYMOUS_CONTACTS:
        raise DomainError(_("The number of anonymous contacts is not plausible."), field="anonymous_contacts")
    person_ids = list(dict.fromkeys(int(p) for p in persons))
    if new_persons and mode not in MODES_MEETING_NEW_PERSONS:
        raise DomainError(_("New persons are recorded from a street round; otherwise create the person "
                            "first."), field="new_persons", code="new_person_not_allowed")
    if not person_ids and not new_persons and not anonymous_contacts:
        raise DomainError(_("Say whom you met: a person, a new person or anonymous contacts."),
                          field="persons", code="nobody_met")
    followups = _followups_for(service_id, person_ids)
    missing = [p for p in person_ids if p not in followups]
    if missing:
        raise NotFound(_("This service does not follow one of these persons."), field="persons")
    # Check every act and orientation before creating anyone.
    for act in acts:
        _check_choice(act.get("kind"), ActKind, "acts")
        _require_compartment(user, service_id, ACT_COMPARTMENT[act["kind"]], "acts")
    for o in orientations:
        _check_choice(o.get("kind"), OrientationKind, "orientations")
        _check_choice(o.get("target"), OrientationTarget, "orientations")
        _require_compartment(user, service_id, TARGET_COMPARTMENT[o["target"]], "orientations")

    created_persons = []
    for values in new_persons:
        person = create_person(user, dict(values), service_id)
        created_persons.append(person)
    if created_persons:
        followups.update(_followups_for(service_id, [p.pk for p in created_persons]))
    all_ids = person_ids + [p.pk for p in created_persons]

    def whom(item, field):
        if item.get("new_person") is not None:
            index = int(item["new_person"])
            if not 0 <= index < len(created_persons):
                raise DomainError(_("This new person is not in the encounter."), field=field)
            return created_persons[index].pk
        if item.get("person") is not None:
            if int(item["person"]) not in all_ids:
                raise DomainError(_("This person is not among the persons met."), field=field)
            return int(item["person"])
        if len(all_ids) == 1 and not anonymous_contacts:
            return all_ids[0]
        if anonymous_contacts:
            return None
        raise DomainError(_("Say whom this act is for."), field=field, code="act_person_required")

    encounter = Encounter(service_id=service_id, occurred_at=occurred_at, place_kind=place_kind, mode=mode,
                          anonymous_contacts=int(anonymous_contacts or 0), recorded_by=user)
    if client_uuid is not None:
        encounter.client_uuid = client_uuid
    encounter.save()
    staff_ids = {int(s) for s in staff} | {user.pk}
    members = set(Membership.objects.active().filter(service_id=service_id, user_id__in=staff_ids)
                  .values_list("user_id", flat=True))
    if staff_ids - members:
        raise DomainError(_("Staff present must be members of the service."), field="staff")
    encounter.staff.set(sorted(staff_ids))
    EncounterPerson.objects.bulk_create([
        EncounterPerson(encounter=encounter, person_id=pid, followup=followups[pid], service_id=service_id,
                        occurred_at=occurred_at) for pid in all_ids
    ])
    act_rows = []
    for act in acts:
        details = (act.get("details") or "").strip()
        if len(details) > 5000:
            raise DomainError(_("The details are too long."), field="acts")
        act_rows.append(Act(encounter=encounter, person_id=whom(act, "acts"), kind=act["kind"],
                            compartment=ACT_COMPARTMENT[act["kind"]], details=details))
    on = timezone.localtime(occurred_at).date()
    for o in orientations:
        person_id = whom(o, "orientations")
        if person_id is None:
            raise DomainError(_("An orientation is for an identified person."), field="orientations")
        act_kind = ActKind.ORIENTATION if o["kind"] == OrientationKind.ORIENTATION else ActKind.ADMISSION_REQUEST
        if not any(a.kind == act_kind and a.person_id == person_id for a in act_rows):
            act_rows.append(Act(encounter=encounter, person_id=person_id, kind=act_kind,
                                compartment=ACT_COMPARTMENT[act_kind]))
        _new_orientation(user, person_id, service_id, encounter=encounter, sent_on=on, **{
            k: o.get(k) for k in ("kind", "target", "partner_name", "appointment_on", "note")})
    Act.objects.bulk_create(act_rows)
    return encounter, True


def default_service_for(user, persons):
    """The service an encounter with these persons is recorded for by default: among the user's services
    that may record it, the one following the first person (its most recent open follow-up first), so
    that the form does not default to the first service alphabetically and then refuse it."""
    if not persons:
        return None
    recorders = access.service_ids(user, ENCOUNTER_COMPARTMENT)
    found = (FollowUp.objects.giving_access(_today()).filter(person=persons[0], service_id__in=recorders)
             .order_by(F("closed_on").desc(nulls_first=True), "-opened_on", "-pk").values_list("service_id", flat=True)
             .first())
    return found


def visible_encounters(user):
    """Encounters of the user's services where they hold the encounter's compartment."""
    return Encounter.objects.filter(service_id__in=access.service_ids(user, ENCOUNTER_COMPARTMENT))


def _denied(compartment):
    """Visible to the team, but not in this compartment: 403, as the house rules say."""
    return Forbidden(access.COMPARTMENT_DENIED_MESSAGES[compartment], code="compartment_forbidden",
                     details={"compartment": str(compartment)})


def get_encounter(user, encounter_id):
    encounter = visible_encounters(user).select_related("service").filter(pk=encounter_id).first()
    if encounter is None:
        if Encounter.objects.filter(pk=encounter_id, service_id__in=access.service_ids(user)).exists():
            raise _denied(ENCOUNTER_COMPARTMENT)
        raise NotFound()
    return encounter


def encounter_persons(user, encounter):
    """The persons met that the encounter's service still follows (others are not named)."""

    return Person.objects.filter(encounter_links__encounter=encounter).filter(
        Exists(FollowUp.objects.giving_access(_today()).filter(person=OuterRef("pk"),
                                                               service_id=encounter.service_id)))


def encounter_acts(user, encounter, person_ids=None):
    """The acts of the encounter in the compartments the user holds in its service."""
    comps = _comps(user, encounter.service_id)
    ids = person_ids if person_ids is not None else list(
        encounter_persons(user, encounter).values_list("pk", flat=True))
    return encounter.acts.filter(compartment__in=sorted(comps)).filter(
        Q(person_id__in=ids) | Q(person__isnull=True))


# Orientations and admission requests ------------------------------------------------------------

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
    return _new_orientation(user, person.pk, service_id, kind=kind, target=target,
                            sent_on=sent_on or _today(), partner_name=partner_name,
                            appointment_on=appointment_on, note=note)


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


def allowed_orientation_statuses(orientation):
    return sorted(ORIENTATION_TRANSITIONS[OrientationStatus(orientation.status)])


def _check_status_change(record, status, on, choices, transitions):
    """The lifecycle rule shared by orientations and rights applications (D15): a known status, that
    the transitions table allows after the current one, dated when it happened, so neither in the
    future nor before the current status. Dates to come (an appointment, the end of a right's
    validity, its renewal) are separate fields with their own checks."""
    _check_choice(status, choices, "status")
    if status not in transitions[choices(record.status)]:
        raise DomainError(_("This status cannot follow the current one."), field="status",
                          code="invalid_transition")
    if on > _today():
        raise DomainError(_("The date is in the future."), field="on", code="date_in_future")
    if on < record.status_on:
        raise DomainError(_("The date is before the current status."), field="on", code="date_before_current")


@transaction.atomic
def change_orientation(user, orientation, *, version, status=None, on=None, appointment_on=None, note=None):
    """Move an orientation along its lifecycle (dated), and/or change its appointment or note."""
    fields = []
    on = on or _today()
    changes_status = status is not None and status != orientation.status
    if changes_status:
        _check_status_change(orientation, status, on, OrientationStatus, ORIENTATION_TRANSITIONS)
    if appointment_on is not None and appointment_on < orientation.sent_on:
        raise DomainError(_("The appointment is before the orientation."), field="appointment_on")
    if changes_status:
        orientation.status, orientation.status_on = status, on
        fields += ["status", "status_on"]
    if appointment_on is not None:
        orientation.appointment_on = appointment_on
        fields.append("appointment_on")
    if note is not None:
        orientation.note = note.strip()[:500]
        fields.append("note")
    orientation.save_versioned(version, update_fields=fields or ["status"])
    if "status" in fields:
        OrientationStatusChange.objects.create(orientation=orientation, status=status, on=on, recorded_by=user)
    return orientation


# Rights applications ----------------------------------------------------------------------------

# A granted application records the person's current right (aupres.persons RightStatus).
GRANTED_RIGHT = {
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


@transaction.atomic
def create_rights_application(user, person, *, kind, status=RightsStatus.TO_DO, status_on=None, service_id=None,
                              filed_on=None, valid_until=None, renewal_on=None, note="", encounter=None):
    service_id = _following_service(user, person, service_id, Compartment.ADMINISTRATIVE)
    _check_choice(kind, RightsApplicationKind, "kind")
    _check_choice(status, RightsStatus, "status")
    status_on = status_on or _today()
    if status == RightsStatus.FILED and filed_on is None:
        filed_on = status_on
    if renewal_on is None:
        renewal_on = default_renewal_on(kind, valid_until)
    _check_rights_dates(status_on, filed_on, valid_until, renewal_on)
    application = RightsApplication.objects.create(
        person=person, service_id=service_id, encounter=encounter, kind=kind, status=status,
        status_on=status_on, filed_on=filed_on, valid_until=valid_until, renewal_on=renewal_on,
        note=(note or "").strip()[:500], created_by=user)
    RightsStatusChange.objects.create(application=application, status=status, on=status_on, recorded_by=user)
    if status == RightsStatus.GRANTED:
        _record_granted_right(user, application)
    return application


def _record_granted_right(user, application):
    if application.kind not in GRANTED_RIGHT:
        return

    right_kind, value = GRANTED_RIGHT[application.kind]
    RightStatus.objects.create(person_id=application.person_id, kind=right_kind, value=value,
                               started_on=application.status_on, expires_on=application.valid_until,
                               recorded_by=user)


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
    changes_status = status is not None and status != application.status
    if changes_status:
        _check_status_change(application, status, on, RightsStatus, RIGHTS_TRANSITIONS)
    new_filed = on if changes_status and status == RightsStatus.FILED else application.filed_on
    # Every check before any change to `application`: a refused edit leaves it as it was.
    _check_rights_dates(application.status_on, new_filed, new_valid, new_renewal)
    fields = []
    if changes_status:
        application.status, application.status_on = status, on
        fields += ["status", "status_on"]
        if status == RightsStatus.FILED:
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
    if "status" in fields:
        RightsStatusChange.objects.create(application=application, status=status, on=on, recorded_by=user)
        if status == RightsStatus.GRANTED:
            _record_granted_right(user, application)
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


# Collective actions -----------------------------------------------------------------------------

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


# Timeline ---------------------------------------------------------------------------------------

@dataclasses.dataclass
class TimelineEvent:
    at: datetime.datetime
    kind: str  # encounter, act, orientation, rights_application, followup_opened, followup_closed, other_service
    service: Service
    own: bool  # content shown: the service is one of access.readable_services (else "followed by" only)
    encounter: Encounter | None = None
    acts: list = dataclasses.field(default_factory=list)
    record: object = None

    @property
    def on(self):
        return timezone.localtime(self.at).date()


def _at(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(0, 0)))


TIMELINE_PAGE = 100


def _per_service(readable, field="compartment"):
    """Rows of the readable services, each in the compartments readable there."""
    q = Q(pk__in=[])
    for sid, comps in sorted(readable.items()):
        q |= Q(service_id=sid, **{f"{field}__in": sorted(comps)})
    return q


def timeline(user, person, limit=TIMELINE_PAGE, before=None):
    """The person's path, most recent first, as the viewer may see it: at most `limit` events, all
    before `before` (a datetime) when given, so that older pages are fetched only when asked for.

    `person` comes from access.get_visible_person. Whose content is shown, and in which compartments,
    is access.readable_services (the user's services following the person, services whose content the
    person agreed to share, emergency access): encounters (social) with their acts (each in its
    compartment; without the social compartment the acts alone are shown), orientations (in the
    compartment of their target), rights applications (administrative), follow-up openings and
    closings. Other services following the person: one event per follow-up, "followed by <service>
    since <date>", without content, and nothing at all for a service whose location is confidential.

    Queries, whatever the number of encounters or services: readable_services, the follow-ups (with
    their services), one page of encounter links (with the encounters), their acts, orientations and
    rights applications (these two only when a readable service holds their compartments). Each reads
    an index on the person: encperson_person_time, act_encounter_person, orientation_person_sent,
    rightsapp_person_status_on, followup_person_service.
    """
    limit = max(1, int(limit))
    readable = access.readable_services(user, person)
    followups = list(FollowUp.objects.filter(person=person).select_related("service").order_by("opened_on", "pk"))
    services = {f.service_id: f.service for f in followups}
    missing = [sid for sid in readable if sid not in services]  # e.g. reached through an open referral only
    if missing:
        services.update(Service.objects.in_bulk(missing))
    events = []

    if readable:
        links = EncounterPerson.objects.filter(person=person, service_id__in=sorted(readable))
        if before is not None:
            links = links.filter(occurred_at__lt=before)
        links = list(links.select_related("encounter").order_by("-occurred_at", "-encounter_id")[:limit])
        acts_by_encounter = {}
        if links:
            acts_q = Q(pk__in=[])
            for sid, comps in sorted(readable.items()):
                ids = [link.encounter_id for link in links if link.service_id == sid]
                if ids:
                    acts_q |= Q(encounter_id__in=ids, compartment__in=sorted(comps))
            for act in Act.objects.filter(acts_q, person=person).order_by("pk"):
                acts_by_encounter.setdefault(act.encounter_id, []).append(act)
        for link in links:
            acts, service = acts_by_encounter.get(link.encounter_id, []), services[link.service_id]
            if ENCOUNTER_COMPARTMENT in readable[link.service_id]:
                events.append(TimelineEvent(link.occurred_at, "encounter", service, True, link.encounter, acts))
            else:
                events.extend(TimelineEvent(link.occurred_at, "act", service, True, link.encounter, [act])
                              for act in acts)

        before_day = None
        if before is not None:
            try:
                before_day = timezone.localtime(before).date()
            except OverflowError:  # the last or first representable moment
                before_day = before.date()
        oriented = {sid: comps & set(TARGET_COMPARTMENT.values()) for sid, comps in readable.items()}
        oriented = {sid: comps for sid, comps in oriented.items() if comps}
        if oriented:
            qs = Orientation.objects.filter(_per_service(oriented), person=person)
            if before_day is not None:
                qs = qs.filter(sent_on__lt=before_day)
            for o in qs.order_by("-sent_on", "-pk")[:limit]:
                events.append(TimelineEvent(_at(o.sent_on), "orientation", services[o.service_id], True, record=o))
        admin = sorted(sid for sid, comps in readable.items() if RightsApplication.compartment in comps)
        if admin:
            qs = RightsApplication.objects.filter(person=person, service_id__in=admin)
            if before_day is not None:
                qs = qs.filter(status_on__lt=before_day)
            for r in qs.order_by("-status_on", "-pk")[:limit]:
                events.append(TimelineEvent(_at(r.status_on), "rights_application", services[r.service_id], True,
                                            record=r))
        # Targeted transmissions of the care record (aupres.care, health): index care_transm_person_at.
        health = sorted(sid for sid, comps in readable.items() if Compartment.HEALTH in comps)
        if health:
            from aupres.care.models import Transmission

            qs = Transmission.objects.filter(person=person, service_id__in=health)
            if before is not None:
                qs = qs.filter(at__lt=before)
            for t in qs.select_related("by").order_by("-at", "-pk")[:limit]:
                events.append(TimelineEvent(t.at, "transmission", services[t.service_id], True, record=t))
    for f in followups:
        service = services[f.service_id]
        if f.service_id in readable:
            events.append(TimelineEvent(_at(f.opened_on), "followup_opened", service, True, record=f))
            if f.closed_on:
                events.append(TimelineEvent(_at(f.closed_on), "followup_closed", service, True, record=f))
        elif not service.confidential_location:
            events.append(TimelineEvent(_at(f.opened_on), "other_service", service, False, record=f))
    if before is not None:
        events = [e for e in events if e.at < before]
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit]


def new_client_uuid():
    return uuid_module.uuid4()


def encounter_written(encounter):
    """The persons met and the compartments written by recording this encounter (ids and names only)."""
    persons = list(encounter.participants.values_list("person_id", flat=True))
    comps = {"identity", ENCOUNTER_COMPARTMENT, *encounter.acts.values_list("compartment", flat=True),
             *encounter.orientations.values_list("compartment", flat=True)}
    return persons, comps
