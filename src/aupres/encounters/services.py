"""Rules about encounters, acts, orientations, rights applications and collective actions.

Called alike by screens, API, demo and tasks. Visibility, always per recording service:

- a record made by service S is read by a member of S only while S follows the person (a follow-up
  giving access, aupres.core.access), and only in the compartments the member's profession gives
  in S (access.compartments_by_service);
- the timeline of a person shows the content of the services of access.readable_services (the user's
  own, and those whose content the person agreed to share or an emergency access opens), each in the
  compartments given there; other services' follow-ups appear only as "followed by <service> since
  <date>", without any content, and never for a service whose location is confidential (D8, D15).

The functions that show or change a person's records journal it themselves (issue #16): `read_*`,
`*_page`, `create_*`, `change_*` (audit.record, ids and compartment names only).
"""

import dataclasses
import datetime
import uuid as uuid_module

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.audit.models import IDENTITY
from aupres.audit.services import record
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

_CHOICE_VALUES = {}


def _check_choice(value, choices, field):
    values = _CHOICE_VALUES.get(choices)
    if values is None:
        values = _CHOICE_VALUES[choices] = frozenset(choices.values)
    if value not in values:
        raise DomainError(_("Unknown value."), field=field)


def _check_moment(occurred_at):
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if occurred_at > timezone.now() + FUTURE_TOLERANCE:
        raise DomainError(_("The encounter is in the future."), field="occurred_at")
    if occurred_at.year < 2000:
        raise DomainError(_("The date is too far in the past."), field="occurred_at")
    return occurred_at


def _pick_followups(rows):
    """{person_id: follow-up}: per person, an open follow-up first, then the latest (rows ordered by
    person, latest first)."""
    found = {}
    for f in rows:
        current = found.get(f.person_id)
        if current is None or (current.closed_on is not None and f.closed_on is None):
            found[f.person_id] = f
    return found


def _followups_for(service_id, person_ids):
    """{person_id: follow-up} for the persons this service follows (open preferred, then latest)."""
    rows = FollowUp.objects.giving_access(_today()).filter(service_id=service_id, person_id__in=person_ids)
    return _pick_followups(rows.order_by("person_id", "-opened_on", "-pk"))


class EncounterReads:
    """What recording an encounter reads besides the user's memberships (cached on the user): the
    follow-ups of the persons met, the active members of the service (staff present), the encounter
    already recorded under a client UUID. One query each by default; `prefetch` reads them once for a
    whole batch (issue #12, the field app's sync)."""

    def __init__(self):
        self._followups = {}  # service id -> {person id: follow-up or None}
        self._members = {}  # service id -> active members' user ids
        self._recorded = None  # client uuid -> encounter (light), once prefetched

    def prefetch(self, batch):
        pairs = {(int(v["service_id"]), int(p)) for v in batch if v.get("service_id") is not None
                 for p in v.get("persons") or ()}
        services = {int(v["service_id"]) for v in batch if v.get("service_id") is not None}
        if pairs:
            rows = (FollowUp.objects.giving_access(_today())
                    .filter(service_id__in={s for s, _p in pairs}, person_id__in={p for _s, p in pairs})
                    .order_by("service_id", "person_id", "-opened_on", "-pk")
                    .values_list("pk", "service_id", "person_id", "closed_on", named=True))
            by_service = {}
            for f in rows:  # (pk, person_id, closed_on) is all that recording reads of a follow-up
                by_service.setdefault(f.service_id, []).append(f)
            for sid in services:
                found = _pick_followups(by_service.get(sid, ()))
                self._followups[sid] = {p: found.get(p) for s, p in pairs if s == sid}
        if services:
            members = {sid: set() for sid in services}
            for sid, uid in (Membership.objects.active().filter(service_id__in=services)
                             .values_list("service_id", "user_id")):
                members[sid].add(uid)
            self._members.update(members)
        uuids = [v["client_uuid"] for v in batch if v.get("client_uuid") is not None]
        self._recorded = {
            str(u): Encounter(pk=pk, client_uuid=u, recorded_by_id=by)
            for u, pk, by in Encounter.objects.filter(client_uuid__in=uuids).values_list(
                "client_uuid", "pk", "recorded_by_id")}

    def followups(self, service_id, person_ids):
        known = self._followups.setdefault(service_id, {})
        missing = [p for p in person_ids if p not in known]
        if missing:
            found = _followups_for(service_id, missing)
            known.update({p: found.get(p) for p in missing})
        return {p: known[p] for p in person_ids if known[p] is not None}

    def members(self, service_id, user_ids):
        if service_id not in self._members:
            return set(Membership.objects.active().filter(service_id=service_id, user_id__in=user_ids)
                       .values_list("user_id", flat=True))
        return self._members[service_id] & set(user_ids)

    def recorded(self, client_uuid):
        if self._recorded is not None:
            return self._recorded.get(str(client_uuid))
        return Encounter.objects.filter(client_uuid=client_uuid).first()


@dataclasses.dataclass
class _Planned:
    """An encounter whose every rule was checked, not yet written. Persons to create are named by
    placeholders -1, -2… (their index in new_persons, negated, minus one) until they exist."""

    encounter: Encounter
    staff_ids: list
    person_ids: list
    followups: dict
    new_persons: list
    acts: list
    orientations: list  # (person id or placeholder, orientation values)
    on: datetime.date
    compartments: set


def _plan_encounter(user, reads, *, occurred_at, place_kind, mode, service_id=None, persons=(), new_persons=(),
                    anonymous_contacts=0, staff=(), acts=(), orientations=(), client_uuid=None):
    """Check every rule of recording an encounter (create_encounter's). Returns (encounter already
    recorded under this client_uuid, None) or (None, the planned encounter)."""
    if client_uuid is not None:
        existing = reads.recorded(client_uuid)
        if existing is not None:
            if existing.recorded_by_id != user.pk:
                raise Conflict(_("This identifier is already used by another encounter."),
                               code="duplicate_client_uuid", field="client_uuid")
            return existing, None
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
    followups = reads.followups(service_id, person_ids)
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
    staff_ids = {int(s) for s in staff} | {user.pk}
    if staff_ids - reads.members(service_id, staff_ids):
        raise DomainError(_("Staff present must be members of the service."), field="staff")

    new_persons = [dict(values) for values in new_persons]
    met = person_ids + [-(i + 1) for i in range(len(new_persons))]

    def whom(item, field):
        if item.get("new_person") is not None:
            index = int(item["new_person"])
            if not 0 <= index < len(new_persons):
                raise DomainError(_("This new person is not in the encounter."), field=field)
            return -(index + 1)
        if item.get("person") is not None:
            if int(item["person"]) not in person_ids:
                raise DomainError(_("This person is not among the persons met."), field=field)
            return int(item["person"])
        if len(met) == 1 and not anonymous_contacts:
            return met[0]
        if anonymous_contacts:
            return None
        raise DomainError(_("Say whom this act is for."), field=field, code="act_person_required")

    encounter = Encounter(service_id=service_id, occurred_at=occurred_at, place_kind=place_kind, mode=mode,
                          anonymous_contacts=int(anonymous_contacts or 0), recorded_by_id=user.pk)
    if client_uuid is not None:
        encounter.client_uuid = client_uuid
    act_rows = []
    for act in acts:
        details = (act.get("details") or "").strip()
        if len(details) > 5000:
            raise DomainError(_("The details are too long."), field="acts")
        act_rows.append(Act(person_id=whom(act, "acts"), kind=act["kind"],
                            compartment=ACT_COMPARTMENT[act["kind"]], details=details))
    planned_orientations = []
    for o in orientations:
        person_id = whom(o, "orientations")
        if person_id is None:
            raise DomainError(_("An orientation is for an identified person."), field="orientations")
        act_kind = ActKind.ORIENTATION if o["kind"] == OrientationKind.ORIENTATION else ActKind.ADMISSION_REQUEST
        if not any(a.kind == act_kind and a.person_id == person_id for a in act_rows):
            act_rows.append(Act(person_id=person_id, kind=act_kind, compartment=ACT_COMPARTMENT[act_kind]))
        planned_orientations.append((person_id, {
            k: o.get(k) for k in ("kind", "target", "partner_name", "appointment_on", "note")}))
    compartments = {"identity", ENCOUNTER_COMPARTMENT, *(a.compartment for a in act_rows),
                    *(TARGET_COMPARTMENT[values["target"]] for _p, values in planned_orientations)}
    return None, _Planned(encounter=encounter, staff_ids=sorted(staff_ids), person_ids=person_ids,
                          followups=followups, new_persons=new_persons, acts=act_rows,
                          orientations=planned_orientations, on=timezone.localtime(occurred_at).date(),
                          compartments=compartments)


def _rows_of(planned, encounter, followups, created=()):
    """The staff, persons met and acts of a planned encounter once written (placeholders replaced)."""
    def real(pid):
        return created[-pid - 1].pk if pid is not None and pid < 0 else pid

    staff = [Encounter.staff.through(encounter_id=encounter.pk, user_id=u) for u in planned.staff_ids]
    met = planned.person_ids + [p.pk for p in created]
    links = [EncounterPerson(encounter=encounter, person_id=pid, followup_id=followups[pid].pk,
                             service_id=encounter.service_id, occurred_at=encounter.occurred_at) for pid in met]
    for act in planned.acts:
        act.encounter, act.person_id = encounter, real(act.person_id)
    encounter._written = (met, set(planned.compartments))  # what encounter_written tells, without reading it
    return staff, links, planned.acts, real


def _write_encounter(user, planned):
    """Write one planned encounter: its new persons (created and followed), orientations, rows."""
    created = [create_person(user, values, planned.encounter.service_id) for values in planned.new_persons]
    followups = dict(planned.followups)
    if created:
        followups.update(_followups_for(planned.encounter.service_id, [p.pk for p in created]))
    encounter = planned.encounter
    encounter.save()
    staff, links, acts, real = _rows_of(planned, encounter, followups, created)
    Encounter.staff.through.objects.bulk_create(staff)
    EncounterPerson.objects.bulk_create(links)
    for person_id, values in planned.orientations:
        _new_orientation(user, real(person_id), encounter.service_id, encounter=encounter, sent_on=planned.on,
                         **values)
    Act.objects.bulk_create(acts)
    return encounter


def _write_encounters(planned):
    """Write planned encounters without new persons or orientations: one insert per table."""
    encounters = Encounter.objects.bulk_create([p.encounter for p in planned])
    staff, links, acts = [], [], []
    for p, encounter in zip(planned, encounters, strict=True):
        s, li, a, _real = _rows_of(p, encounter, p.followups)
        staff += s
        links += li
        acts += a
    Encounter.staff.through.objects.bulk_create(staff)
    EncounterPerson.objects.bulk_create(links)
    Act.objects.bulk_create(acts)
    return encounters


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
    The encounter is journaled as created for the persons met.
    """
    existing, planned = _plan_encounter(
        user, EncounterReads(), occurred_at=occurred_at, place_kind=place_kind, mode=mode, service_id=service_id,
        persons=persons, new_persons=new_persons, anonymous_contacts=anonymous_contacts, staff=staff, acts=acts,
        orientations=orientations, client_uuid=client_uuid)
    if existing is not None:
        return existing, False
    encounter = _write_encounter(user, planned)
    _journal_created(user, encounter)
    return encounter, True


def _journal_created(user, encounter):
    met, written = encounter_written(encounter)
    record(user, met, "create", written, service_id=encounter.service_id)


def create_encounters(user, batch):
    """Record a batch of encounters under every rule of create_encounter (issue #12: the field app's sync).

    `batch`: create_encounter's keyword arguments, one dict per encounter. The reads are made once for the
    batch (EncounterReads.prefetch); the encounters without new persons or orientations are inserted in
    bulk (one insert per table), the others one by one in a savepoint. Returns one entry per item:
    (encounter, created), or the DomainError that refused that item alone (nothing of it is written).
    A client_uuid repeated in the batch is recorded once (the repeats answer created=False). Each
    encounter created is journaled (inside audit.batched(), the whole batch in one insert).

    Call it inside a transaction: a database error of the bulk insert (IntegrityError when a concurrent
    request recorded one of these UUIDs meanwhile, DataError) is raised for the whole batch, and the
    caller may then apply the items one by one to tell which failed."""
    reads = EncounterReads()
    reads.prefetch(batch)
    out, bulk, first = [None] * len(batch), [], {}
    for i, values in enumerate(batch):
        key = str(values["client_uuid"]) if values.get("client_uuid") is not None else None
        if key is not None and key in first:
            continue
        if key is not None:
            first[key] = i
        try:
            existing, planned = _plan_encounter(user, reads, **values)
            if existing is not None:
                out[i] = (existing, False)
            elif planned.new_persons or planned.orientations:
                with transaction.atomic():
                    out[i] = (_write_encounter(user, planned), True)
            else:
                bulk.append((i, planned))
        except DomainError as error:
            out[i] = error
    if bulk:
        for (i, _p), encounter in zip(bulk, _write_encounters([p for _i, p in bulk]), strict=True):
            out[i] = (encounter, True)
    for done in out:
        if isinstance(done, tuple) and done[1]:
            _journal_created(user, done[0])
    for i, values in enumerate(batch):
        if out[i] is None:  # a repeat of an earlier item's client_uuid
            done = out[first[str(values["client_uuid"])]]
            out[i] = done if isinstance(done, DomainError) else (done[0], False)
    return out


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


def encounter_view(user, encounter):
    """The encounter as the user may read it: the persons its service still follows, the acts in the
    compartments the user holds there (the API's and the field app's read model; not journaled)."""
    persons = list(encounter_persons(user, encounter))
    acts = encounter_acts(user, encounter, [p.pk for p in persons])
    return {
        "id": encounter.pk, "client_uuid": encounter.client_uuid, "version": encounter.version,
        "service": encounter.service_id, "occurred_at": encounter.occurred_at, "place_kind": encounter.place_kind,
        "mode": encounter.mode, "staff": sorted(encounter.staff.values_list("pk", flat=True)),
        "persons": [{"id": p.pk, "display_name": p.display_name} for p in persons],
        "anonymous_contacts": encounter.anonymous_contacts,
        "acts": [{"id": a.pk, "kind": a.kind, "compartment": a.compartment, "person": a.person_id,
                  "details": a.details} for a in acts],
    }


def _encounter_shown(views):
    return {IDENTITY, ENCOUNTER_COMPARTMENT, *(a["compartment"] for v in views for a in v["acts"])}


def read_encounter(user, encounter):
    """encounter_view of one encounter (an id or an Encounter of get_encounter), journaled as read."""
    if not isinstance(encounter, Encounter):
        encounter = get_encounter(user, encounter)
    view = encounter_view(user, encounter)
    record(user, [p["id"] for p in view["persons"]], "read", _encounter_shown([view]),
           service_id=encounter.service_id)
    return view


def encounters_page(user, queryset, offset, limit):
    """(count, encounter_view of a page of these encounters), the persons shown journaled as listed."""
    views = [encounter_view(user, e) for e in queryset[offset: offset + limit]]
    record(user, [p["id"] for v in views for p in v["persons"]], "list", _encounter_shown(views))
    return queryset.count(), views


def picked_persons(user, ids, action="list"):
    """The persons among these ids whom the user may meet (their service follows them with the
    encounter's compartment), in the order given, journaled (identity: the form shows their names)."""
    ids = [int(i) for i in ids if i is not None and str(i).isdigit()]
    found = {p.pk: p for p in access.visible_persons(user, compartment=ENCOUNTER_COMPARTMENT).filter(pk__in=ids)}
    persons = [found[i] for i in dict.fromkeys(ids) if i in found]
    record(user, persons, action, {IDENTITY})
    return persons


def search_persons_to_meet(user, text, limit=20):
    """The persons the user may meet whose name matches, journaled as listed."""
    found = list(access.visible_persons(user, compartment=ENCOUNTER_COMPARTMENT).search(text)[:limit])
    record(user, found, "list", {IDENTITY})
    return found


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


# Rights applications ----------------------------------------------------------------------------

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
        before_day = _day_before(before)
        events += _encounter_events(person, readable, services, limit, before)
        events += _orientation_events(person, readable, services, limit, before_day)
        events += _rights_events(person, readable, services, limit, before_day)
        events += _transmission_events(person, readable, services, limit, before)
    events += _followup_events(followups, readable, services)
    if before is not None:
        events = [e for e in events if e.at < before]
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit]


# The timeline's sources: each reads one page (`limit`) of one kind of event, in what `readable`
# ({service id: compartments}) allows, older than `before` (a moment) or `before_day` (a date) when given.

def _day_before(before):
    if before is None:
        return None
    try:
        return timezone.localtime(before).date()
    except OverflowError:  # the last or first representable moment
        return before.date()


def _encounter_events(person, readable, services, limit, before):
    """Encounters with their acts (each in its compartment); without the social compartment, the acts alone."""
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
    events = []
    for link in links:
        acts, service = acts_by_encounter.get(link.encounter_id, []), services[link.service_id]
        if ENCOUNTER_COMPARTMENT in readable[link.service_id]:
            events.append(TimelineEvent(link.occurred_at, "encounter", service, True, link.encounter, acts))
        else:
            events.extend(TimelineEvent(link.occurred_at, "act", service, True, link.encounter, [act])
                          for act in acts)
    return events


def _orientation_events(person, readable, services, limit, before_day):
    """Orientations, each in the compartment of its target."""
    oriented = {sid: comps & set(TARGET_COMPARTMENT.values()) for sid, comps in readable.items()}
    oriented = {sid: comps for sid, comps in oriented.items() if comps}
    if not oriented:
        return []
    qs = Orientation.objects.filter(_per_service(oriented), person=person)
    if before_day is not None:
        qs = qs.filter(sent_on__lt=before_day)
    return [TimelineEvent(_at(o.sent_on), "orientation", services[o.service_id], True, record=o)
            for o in qs.order_by("-sent_on", "-pk")[:limit]]


def _rights_events(person, readable, services, limit, before_day):
    """Rights applications (administrative)."""
    admin = sorted(sid for sid, comps in readable.items() if RightsApplication.compartment in comps)
    if not admin:
        return []
    qs = RightsApplication.objects.filter(person=person, service_id__in=admin)
    if before_day is not None:
        qs = qs.filter(status_on__lt=before_day)
    return [TimelineEvent(_at(r.status_on), "rights_application", services[r.service_id], True, record=r)
            for r in qs.order_by("-status_on", "-pk")[:limit]]


def _transmission_events(person, readable, services, limit, before):
    """Targeted transmissions of the care record (aupres.care, health): index care_transm_person_at."""
    health = sorted(sid for sid, comps in readable.items() if Compartment.HEALTH in comps)
    if not health:
        return []
    from aupres.care.models import Transmission

    qs = Transmission.objects.filter(person=person, service_id__in=health)
    if before is not None:
        qs = qs.filter(at__lt=before)
    return [TimelineEvent(t.at, "transmission", services[t.service_id], True, record=t)
            for t in qs.select_related("by").order_by("-at", "-pk")[:limit]]


def _followup_events(followups, readable, services):
    """Follow-up openings and closings of the readable services; "followed by" (no content) for the others,
    nothing for a service whose location is confidential."""
    events = []
    for f in followups:
        service = services[f.service_id]
        if f.service_id in readable:
            events.append(TimelineEvent(_at(f.opened_on), "followup_opened", service, True, record=f))
            if f.closed_on:
                events.append(TimelineEvent(_at(f.closed_on), "followup_closed", service, True, record=f))
        elif not service.confidential_location:
            events.append(TimelineEvent(_at(f.opened_on), "other_service", service, False, record=f))
    return events


def timeline_shown(events):
    """identity (names of the services following the person), and the compartments of what is shown."""
    comps = {IDENTITY}
    for e in events:
        if e.kind == "encounter":
            comps.add(ENCOUNTER_COMPARTMENT)
        comps |= {a.compartment for a in e.acts}
        if e.own and e.record is not None:
            comps.add(getattr(e.record, "compartment", IDENTITY))
    return comps


def read_timeline(user, person, limit=TIMELINE_PAGE, before=None):
    """timeline(), journaled as a read of what it shows (the API's page of the person's path)."""
    events = timeline(user, person, limit=limit, before=before)
    record(user, person, "read", timeline_shown(events))
    return events


def new_client_uuid():
    return uuid_module.uuid4()


def encounter_written(encounter):
    """The persons met and the compartments written by recording this encounter (ids and names only)."""
    if getattr(encounter, "_written", None) is not None:  # just recorded: known without reading it back
        return encounter._written
    persons = list(encounter.participants.values_list("person_id", flat=True))
    comps = {"identity", ENCOUNTER_COMPARTMENT, *encounter.acts.values_list("compartment", flat=True),
             *encounter.orientations.values_list("compartment", flat=True)}
    return persons, comps


def filter_rights_applications(qs, status="", kind="", service_id=None, start=None, end=None, text=""):
    """The rights list's filters (issue #13): status (by default all but abandoned), kind, service, period
    of the current status, and words of the person's name or alias (searched like the person search)."""
    from aupres.encounters.models import RightsStatus

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


def recent_encounters(user, limit=10):
    """The last encounters of my services, each with `.met`: the persons met whom I still see (to link to
    their record, issue #13), journaled as listed (identity)."""
    from aupres.audit.models import IDENTITY
    from aupres.audit.services import record
    from aupres.encounters.models import EncounterPerson

    recent = list(visible_encounters(user).select_related("service").order_by("-occurred_at", "-pk")[:limit])
    links = (EncounterPerson.objects.filter(encounter__in=recent, person__in=access.visible_persons(user))
             .select_related("person").order_by("person__last_name", "person__first_name", "person_id"))
    met = {}
    for link in links:
        met.setdefault(link.encounter_id, []).append(link.person)
    for e in recent:
        e.met = met.get(e.pk, [])
    record(user, [p for people in met.values() for p in people], "list", {IDENTITY})
    return recent
