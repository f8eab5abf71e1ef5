"""Encounters and their acts: planned, checked, written (one or a batch), read and listed."""

import dataclasses
import datetime
import uuid as uuid_module

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.audit.models import IDENTITY
from aupres.audit.services import record
from aupres.core import access
from aupres.core.errors import Conflict, DomainError, NotFound
from aupres.encounters.models import (
    ACT_COMPARTMENT,
    ENCOUNTER_COMPARTMENT,
    MODES_MEETING_NEW_PERSONS,
    TARGET_COMPARTMENT,
    Act,
    ActKind,
    Encounter,
    EncounterPerson,
    Mode,
    OrientationKind,
    OrientationTarget,
    PlaceKind,
)
from aupres.encounters.services._common import (
    FUTURE_TOLERANCE,
    MAX_ANONYMOUS_CONTACTS,
    _check_choice,
    _comps,
    _denied,
    _member_service,
    _require_compartment,
    _today,
)
from aupres.encounters.services.orientations import _new_orientation
from aupres.followups.models import FollowUp
from aupres.followups.services import (
    create_person,
)
from aupres.persons.models import Person
from aupres.services.models import Membership


def check_moment(occurred_at):
    """An encounter's date and time: aware, not in the future, not before 2000 (also the import's rule)."""
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
    occurred_at = check_moment(occurred_at)
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
    if any(p not in followups for p in person_ids):
        raise NotFound(_("This service does not follow one of these persons."), field="persons")
    # Check every act and orientation before creating anyone.
    _check_items(user, service_id, acts, orientations)
    staff_ids = {int(s) for s in staff} | {user.pk}
    if staff_ids - reads.members(service_id, staff_ids):
        raise DomainError(_("Staff present must be members of the service."), field="staff")

    new_persons = [dict(values) for values in new_persons]
    whom = _Whom(person_ids, len(new_persons), anonymous_contacts)
    encounter = Encounter(service_id=service_id, occurred_at=occurred_at, place_kind=place_kind, mode=mode,
                          anonymous_contacts=int(anonymous_contacts or 0), recorded_by_id=user.pk)
    if client_uuid is not None:
        encounter.client_uuid = client_uuid
    act_rows, planned_orientations = _plan_acts(whom, acts, orientations)
    compartments = {"identity", ENCOUNTER_COMPARTMENT, *(a.compartment for a in act_rows),
                    *(TARGET_COMPARTMENT[values["target"]] for _p, values in planned_orientations)}
    return None, _Planned(encounter=encounter, staff_ids=sorted(staff_ids), person_ids=person_ids,
                          followups=followups, new_persons=new_persons, acts=act_rows,
                          orientations=planned_orientations, on=timezone.localtime(occurred_at).date(),
                          compartments=compartments)


def _check_items(user, service_id, acts, orientations):
    """Known kinds, and compartments the user holds in the service, for every act and orientation."""
    for act in acts:
        _check_choice(act.get("kind"), ActKind, "acts")
        _require_compartment(user, service_id, ACT_COMPARTMENT[act["kind"]], "acts")
    for o in orientations:
        _check_choice(o.get("kind"), OrientationKind, "orientations")
        _check_choice(o.get("target"), OrientationTarget, "orientations")
        _require_compartment(user, service_id, TARGET_COMPARTMENT[o["target"]], "orientations")


class _Whom:
    """Whom an act or orientation is for: a person met (id), a new person (placeholder -1, -2…), the one
    person met when it names no one, or None (one of the anonymous contacts)."""

    def __init__(self, person_ids, new_count, anonymous_contacts):
        self.person_ids, self.new_count, self.anonymous = person_ids, new_count, anonymous_contacts
        self.met = person_ids + [-(i + 1) for i in range(new_count)]

    def __call__(self, item, field):
        if item.get("new_person") is not None:
            index = int(item["new_person"])
            if not 0 <= index < self.new_count:
                raise DomainError(_("This new person is not in the encounter."), field=field)
            return -(index + 1)
        if item.get("person") is not None:
            if int(item["person"]) not in self.person_ids:
                raise DomainError(_("This person is not among the persons met."), field=field)
            return int(item["person"])
        if len(self.met) == 1 and not self.anonymous:
            return self.met[0]
        if self.anonymous:
            return None
        raise DomainError(_("Say whom this act is for."), field=field, code="act_person_required")


def _plan_acts(whom, acts, orientations):
    """The acts to write (an orientation adds its own act when none of its kind is recorded for that
    person) and the orientations, as (person id or placeholder, values)."""
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
    return act_rows, planned_orientations


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


def get_encounter(user, encounter_id):
    encounter = visible_encounters(user).select_related("service").filter(pk=encounter_id).first()
    if encounter is None:
        if Encounter.objects.filter(pk=encounter_id, service_id__in=access.service_ids(user)).exists():
            raise _denied(ENCOUNTER_COMPARTMENT)
        raise NotFound()
    return encounter


def _followed_links(encounter_ids):
    """The links of these encounters to the persons their service still follows (others are not named)."""
    return EncounterPerson.objects.filter(encounter_id__in=encounter_ids).filter(
        Exists(FollowUp.objects.giving_access(_today()).filter(person=OuterRef("person_id"),
                                                               service_id=OuterRef("encounter__service_id"))))


def encounter_persons(user, encounter):
    """The persons met that the encounter's service still follows (others are not named)."""
    return Person.objects.filter(pk__in=_followed_links([encounter.pk]).values("person_id"))


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
    return encounter_views(user, [encounter])[0]


def encounter_views(user, encounters):
    """encounter_view of each of these encounters, in four queries whatever their number (a page of
    the API): the persons still followed, the acts, the staff."""
    encounters = list(encounters)
    ids = [e.pk for e in encounters]
    links = (_followed_links(ids).select_related("person")
             .order_by(*(f"person__{f}" for f in Person._meta.ordering), "person_id"))
    persons = {i: {} for i in ids}
    for link in links:
        persons[link.encounter_id].setdefault(link.person_id, link.person)
    acts = {i: [] for i in ids}
    for act in Act.objects.filter(encounter_id__in=ids).order_by("pk"):
        acts[act.encounter_id].append(act)
    prefetch_related_objects(encounters, "staff")
    views = []
    for e in encounters:
        comps, met = _comps(user, e.service_id), persons[e.pk]
        shown = [a for a in acts[e.pk] if a.compartment in comps and (a.person_id is None or a.person_id in met)]
        views.append({
            "id": e.pk, "client_uuid": e.client_uuid, "version": e.version,
            "service": e.service_id, "occurred_at": e.occurred_at, "place_kind": e.place_kind,
            "mode": e.mode, "staff": sorted(u.pk for u in e.staff.all()),
            "persons": [{"id": p.pk, "display_name": p.display_name} for p in met.values()],
            "anonymous_contacts": e.anonymous_contacts,
            "acts": [{"id": a.pk, "kind": a.kind, "compartment": a.compartment, "person": a.person_id,
                      "details": a.details} for a in shown],
        })
    return views


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
    views = encounter_views(user, queryset[offset: offset + limit])
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


def recent_encounters(user, limit=10):
    """The last encounters of my services, each with `.met`: the persons met whom I still see (to link to
    their record, issue #13), journaled as listed (identity)."""
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
