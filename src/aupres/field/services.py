"""The field app (issue #12): what the phone caches, the session key that encrypts it, and the sync.

- `field_caseload(user)`: my caseload today (persons of my services' open follow-ups), each with the
  service that follows them, their version (to detect edits made meanwhile) and a short card cut to the
  compartments the user reads (no health content without the health compartment); per service the
  defaults of the quick encounter (place and mode last used, the team's most frequent act).
- `session_key(session)`: a random AES-256 key kept in the server session; dropped with it (sign-out,
  idle expiry). The phone keeps it only wrapped under the user's offline code (docs/decisions.md).
- `apply_capture(user, item)`: one capture, in one transaction with its receipt: created, already
  applied (same UUID), conflict (a person changed since the phone cached it) or refused (French reason).
"""

import base64
import datetime
import secrets
import uuid

from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.audit.services import batched as audit_batched
from aupres.audit.services import record
from aupres.core import access
from aupres.core.errors import DomainError, Forbidden
from aupres.core.models import Compartment
from aupres.customfields import services as customfield_services
from aupres.encounters.models import (
    ACT_COMPARTMENT,
    ENCOUNTER_COMPARTMENT,
    Act,
    ActKind,
    Encounter,
    EncounterPerson,
    Mode,
    PlaceKind,
)
from aupres.encounters.services import create_encounters
from aupres.field.models import CaptureKind, SyncReceipt
from aupres.field.schemas import CaptureEncounter, CaptureNote
from aupres.followups.models import FollowUp
from aupres.followups.services import caseload_persons
from aupres.persons import services as person_services
from aupres.persons.models import LivingSituation, MedicalProfile, Person
from aupres.services.models import Service

SESSION_KEY = "aupres_field_key"
MAX_BATCH = 500
FREQUENT_ACT_DAYS = 90
DEFAULT_PLACE, DEFAULT_MODE = PlaceKind.STREET, Mode.STREET_ROUND
# Acts offered when the team has recorded none yet, in this order (the first the user may record).
FALLBACK_ACTS = (ActKind.SOCIAL_INTERVIEW, ActKind.MATERIAL_AID, ActKind.HEALTH_CHECK)


def idle_minutes():
    """After this long without use, the phone wipes its cached caseload (settings.AUPRES_FIELD_IDLE_MINUTES)."""
    return int(getattr(settings, "AUPRES_FIELD_IDLE_MINUTES", 8 * 60))


# The session key ---------------------------------------------------------------------------------

def session_key(session):
    """(kid, key bytes) of this session, created on first use. It lives in the server session only."""
    found = session.get(SESSION_KEY)
    if not found:
        found = {"kid": uuid.uuid4().hex, "key": base64.b64encode(secrets.token_bytes(32)).decode()}
        session[SESSION_KEY] = found
    return found["kid"], base64.b64decode(found["key"])


# The cached caseload -----------------------------------------------------------------------------

def _age(person, today):
    try:
        return person.age(today)
    except Exception:  # noqa: BLE001 - an odd estimate never breaks the caseload
        return None


def service_defaults(user, service_ids):
    """{service_id: {place_kind, mode, act}}: place and mode of the user's last encounter in the service
    (else the team's last, else a street round in the street); the team's most frequent act over the
    last FREQUENT_ACT_DAYS days among those the user may record there."""
    by_service = access.compartments_by_service(user)
    since = timezone.now() - datetime.timedelta(days=FREQUENT_ACT_DAYS)
    out = {}
    for sid in service_ids:
        comps = by_service.get(sid, frozenset())
        last = (Encounter.objects.filter(service_id=sid, recorded_by=user).order_by("-occurred_at", "-pk")
                .values("place_kind", "mode").first()
                or Encounter.objects.filter(service_id=sid).order_by("-occurred_at", "-pk")
                .values("place_kind", "mode").first()
                or {"place_kind": DEFAULT_PLACE, "mode": DEFAULT_MODE})
        allowed = [k for k in ActKind if ACT_COMPARTMENT[k] in comps]
        frequent = (Act.objects.filter(encounter__service_id=sid, encounter__occurred_at__gte=since,
                                       kind__in=allowed)
                    .values("kind").annotate(n=Count("pk")).order_by("-n", "kind").first())
        act = frequent["kind"] if frequent else next((k.value for k in FALLBACK_ACTS if k in allowed),
                                                     allowed[0].value if allowed else None)
        out[sid] = {"place_kind": last["place_kind"], "mode": last["mode"], "act": act,
                    "acts": [k.value for k in allowed]}
    return out


def field_caseload(user, today=None):
    """The persons of my open follow-ups, with what my compartments allow, for the phone's cache.

    Journaled as one listing of these persons in the compartments shown (issue #16: the service journals)."""
    today = today or timezone.localdate()
    mine = access.service_ids(user)
    if not mine:  # partners, funders, regulators, former members: the field app is for teams
        raise Forbidden(_("Your account belongs to no team: the field app has nothing to show."), code="no_team")
    recorders = set(access.service_ids(user, ENCOUNTER_COMPARTMENT))
    persons = list(caseload_persons(user))
    ids = [p.pk for p in persons]
    grants = access.compartments_by_person(user, persons) if persons else {}
    followups = {}
    for f in (FollowUp.objects.open().filter(service_id__in=mine, person_id__in=ids)
              .order_by("person_id", "-opened_on", "-pk").values("person_id", "service_id", "opened_on")):
        followups.setdefault(f["person_id"], []).append(f["service_id"])
    by_service = access.compartments_by_service(user)
    social = {p for p in ids if Compartment.SOCIAL in grants.get(p, ())}
    health = {p for p in ids if Compartment.HEALTH in grants.get(p, ())}
    living = {}
    if social:
        for s in (LivingSituation.objects.filter(person_id__in=social, ended_on__isnull=True)
                  .order_by("person_id", "-started_on", "-pk")):
            living.setdefault(s.person_id, f"{s.get_kind_display()}{' — ' + s.place if s.place else ''}")
    medical = {m.person_id: m for m in MedicalProfile.objects.filter(person_id__in=health)} if health else {}
    last_seen = {}
    if social:
        for link in (EncounterPerson.objects.filter(person_id__in=social, service_id__in=mine)
                     .order_by("person_id", "-occurred_at").values("person_id", "occurred_at")):
            last_seen.setdefault(link["person_id"], timezone.localtime(link["occurred_at"]).date().isoformat())
    shown = {"identity"}
    rows = []
    for p in persons:
        p.compartments = comps = grants.get(p.pk, frozenset())
        # The person's own fields come from the read model (D62): a section the user does not read is absent.
        view = person_services.person_view(user, p, records=False)
        following = followups.get(p.pk, [])
        recording = [sid for sid in following if sid in recorders]
        card = {}
        if "social" in view:
            card["languages"] = view["social"]["languages"]
            card["living"] = living.get(p.pk, "")
            card["last_seen"] = last_seen.get(p.pk)
            shown.add(Compartment.SOCIAL)
        if "administrative" in view:
            card["phone"] = view["administrative"]["phone"]
            shown.add(Compartment.ADMINISTRATIVE)
        if "health" in view:
            m = medical.get(p.pk)
            card["allergies"] = m.allergies if m else ""
            card["treatments"] = m.current_treatments if m else ""
            shown.add(Compartment.HEALTH)
        writable = set()
        for sid in following:
            writable |= set(by_service.get(sid, ()))
        rows.append({
            "id": p.pk, "version": p.version, "name": p.display_name, "alias": p.alias,
            "sex": p.get_sex_display(), "age": _age(p, today), "services": following,
            "service": recording[0] if recording else None, "card": card,
            "note_compartments": sorted(str(c) for c in writable & set(comps)),
        })
    services = access.compartments_by_service(user)

    names = dict(Service.objects.filter(pk__in=list(services)).values_list("pk", "name"))
    defaults = service_defaults(user, sorted(recorders))
    # The service's own encounter fields (D56, D57), in the compartments the user holds there.
    custom = customfield_services.field_app_definitions(user, sorted(recorders))
    data = {
        "generated_at": timezone.now().isoformat(), "idle_minutes": idle_minutes(),
        "services": [{"id": sid, "name": names.get(sid, ""), "records": sid in recorders,
                      **defaults.get(sid, {"place_kind": None, "mode": None, "act": None, "acts": []}),
                      "custom_fields": custom.get(sid, [])}
                     for sid in sorted(services, key=lambda s: names.get(s, ""))],
        "persons": rows,
    }
    record(user, ids, "list", shown)
    return data


# Sync --------------------------------------------------------------------------------------------

class Refused(Exception):
    def __init__(self, message, field=None, code="refused"):
        super().__init__(message)
        self.message, self.field, self.code = str(message), field, code


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise Refused(_("The capture has no valid identifier."), "client_uuid") from None


def _seen_versions(item, person_ids):
    seen = {}
    entries = item.get("persons_seen") or []
    if not isinstance(entries, list):
        raise Refused(_("The capture is incomplete; record it again."), "persons_seen")
    for entry in entries:
        try:
            pid, version = int(entry["id"]), int(entry["version"])
        except (KeyError, TypeError, ValueError):
            raise Refused(_("The capture is incomplete; record it again."), "persons_seen") from None
        if not (0 < pid < 2**62 and 0 <= version < 2**31):
            raise Refused(_("The capture is incomplete; record it again."), "persons_seen")
        seen[pid] = version
    missing = [pid for pid in person_ids if pid not in seen]
    if missing:
        raise Refused(_("The capture is incomplete; record it again."), "persons_seen")
    return seen


def conflicts_of(user, seen):
    """The persons of the capture changed on the server since the phone cached them (those visible)."""
    return _conflicts(user, [seen])[0]


def _conflicts(user, seens):
    """conflicts_of for several captures at once: two queries for the whole batch."""
    wanted = {pid for seen in seens for pid in seen}
    current = dict(Person.objects.filter(pk__in=wanted).values_list("pk", "version")) if wanted else {}
    changed = {pid for seen in seens for pid, version in seen.items() if pid in current and current[pid] != version}
    visible = {p.pk: p for p in access.visible_persons(user).filter(pk__in=changed)} if changed else {}
    return [[{"id": pid, "version": visible[pid].version, "name": visible[pid].display_name}
             for pid, version in seen.items() if pid in visible and current[pid] != version] for seen in seens]


def _encounter_args(user, data, client_uuid):
    try:
        e = CaptureEncounter.model_validate(data or {})
    except Exception:  # noqa: BLE001 - pydantic's ValidationError: refused with one French reason
        raise Refused(_("Some fields of the capture are not valid; correct it."), "encounter") from None
    d = e.model_dump()
    return dict(client_uuid=client_uuid, service_id=d["service"], occurred_at=d["occurred_at"],
                place_kind=d["place_kind"], mode=d["mode"], persons=d["persons"], new_persons=d["new_persons"],
                anonymous_contacts=d["anonymous_contacts"], acts=d["acts"], orientations=d["orientations"],
                custom={k: v for k, v in (d.get("custom") or {}).items() if v not in (None, "")})


def _note_args(data):
    try:
        return CaptureNote.model_validate(data or {}).model_dump()
    except Exception:  # noqa: BLE001
        raise Refused(_("Some fields of the capture are not valid; correct it."), "note") from None


def _refused(item, error):
    uuid_text = str(item.get("client_uuid", "")) if isinstance(item, dict) else ""
    return {"client_uuid": uuid_text, "status": "refused", "code": error.code, "message": str(error.message),
            "field": error.field}


def _parse(user, item):
    """(client uuid, kind, arguments, versions seen) of one capture, or Refused."""
    if not isinstance(item, dict):
        raise Refused(_("Some fields of the capture are not valid; correct it."))
    client_uuid = _uuid(item.get("client_uuid"))
    kind = item.get("kind")
    if kind == CaptureKind.ENCOUNTER:
        args = _encounter_args(user, item.get("encounter"), client_uuid)
        return client_uuid, kind, args, _seen_versions(item, args["persons"])
    if kind == CaptureKind.NOTE:
        args = _note_args(item.get("note"))
        return client_uuid, kind, args, _seen_versions(item, [args["person"]])
    raise Refused(_("Unknown kind of capture."), "kind")


def apply_batch(user, items):
    """Apply a batch of captures; call it in a transaction, inside audit.batched() (see sync).

    Reads once per batch: the receipts of every UUID, the persons' versions (conflicts), and through
    encounters.create_encounters the memberships, follow-ups and staff of every capture; the encounters
    without new persons or orientations, their receipts and their journal events are inserted in bulk.
    Each capture is refused, in conflict or applied alone: a refused one writes nothing."""
    results = [None] * len(items)
    parsed, first = {}, {}
    for i, item in enumerate(items):
        try:
            client_uuid, kind, args, seen = _parse(user, item)
        except Refused as error:
            results[i] = _refused(item, error)
            continue
        if client_uuid in first:  # the same capture twice in one batch: applied once
            continue
        first[client_uuid] = i
        parsed[i] = (client_uuid, kind, args, seen)
    receipts = {r.client_uuid: r for r in SyncReceipt.objects.filter(client_uuid__in=list(first))}
    pending = []
    for i, (client_uuid, _kind, _args, _seen) in parsed.items():
        receipt = receipts.get(client_uuid)
        if receipt is None:
            pending.append(i)
        elif receipt.user_id != user.pk:
            results[i] = _refused(items[i], Refused(_("This identifier is already used by another capture."),
                                                    "client_uuid", "duplicate_client_uuid"))
        else:
            results[i] = {"client_uuid": str(client_uuid), "status": "already_applied",
                          "record": receipt.encounter_id or receipt.note_id}
    changed = dict(zip(pending, _conflicts(user, [parsed[i][3] for i in pending]), strict=True))
    encounters, notes = [], []
    for i in pending:
        if changed[i]:
            results[i] = {"client_uuid": str(parsed[i][0]), "status": "conflict", "code": "person_changed",
                          "message": _("This person's record was changed on the server since your phone loaded "
                                       "it: check it, then record the capture again or discard it."),
                          "persons": changed[i]}
            # The names shown in the conflict are a read of those persons.
            record(user, [p["id"] for p in changed[i]], "read", {"identity"})
        elif parsed[i][1] == CaptureKind.ENCOUNTER:
            encounters.append(i)
        else:
            notes.append(i)
    # The service's own fields are checked before anything is written: a bad value refuses its capture alone.
    custom, checked = {}, []
    for i in encounters:
        values = parsed[i][2].pop("custom", None) or {}
        if values:
            try:
                customfield_services.check_new_encounter_values(
                    user, parsed[i][2]["service_id"] or _sole_recording_service(user), values)
            except DomainError as error:
                results[i] = _refused(items[i], error)
                continue
            custom[i] = values
        checked.append(i)
    encounters = checked
    new_receipts = []
    for i, done in zip(encounters, create_encounters(user, [parsed[i][2] for i in encounters]), strict=True):
        client_uuid = parsed[i][0]
        if isinstance(done, DomainError):
            results[i] = _refused(items[i], done)
            continue
        encounter, created = done
        if not created:  # recorded by the encounter form with the same UUID
            results[i] = {"client_uuid": str(client_uuid), "status": "already_applied", "record": encounter.pk}
            continue
        if i in custom:  # written (and journaled) by the custom fields' own rule, checked above
            customfield_services.save_encounter_values(user, encounter, custom[i])
        new_receipts.append(SyncReceipt(client_uuid=client_uuid, user=user, kind=CaptureKind.ENCOUNTER,
                                        encounter=encounter, captured_at=_moment(items[i].get("captured_at"))))
        results[i] = {"client_uuid": str(client_uuid), "status": "created", "record": encounter.pk}
    for i in notes:
        client_uuid, _kind, args, _seen = parsed[i]
        try:
            with transaction.atomic(), audit_batched():
                person = access.get_visible_person(user, args["person"])
                # persons.services.add_note journals the note itself (issue #16).
                note = person_services.add_note(user, person, compartment=args["compartment"], text=args["text"],
                                                service_id=args.get("service"))
        except DomainError as error:
            results[i] = _refused(items[i], error)
            continue
        new_receipts.append(SyncReceipt(client_uuid=client_uuid, user=user, kind=CaptureKind.NOTE, note=note,
                                        captured_at=_moment(items[i].get("captured_at"))))
        results[i] = {"client_uuid": str(client_uuid), "status": "created", "record": note.pk}
    SyncReceipt.objects.bulk_create(new_receipts)
    for i, item in enumerate(items):
        if results[i] is None:  # a repeat of an earlier capture of the batch
            done = results[first[parsed_uuid(item)]]
            results[i] = ({**done, "status": "already_applied"} if done["status"] == "created" else dict(done))
    return results


def _sole_recording_service(user):
    """The service an encounter without one is recorded for (create_encounter's rule), or None."""
    recorders = access.service_ids(user, ENCOUNTER_COMPARTMENT)
    return recorders[0] if len(recorders) == 1 else None


def parsed_uuid(item):
    return uuid.UUID(str(item.get("client_uuid")))


def apply_capture(user, item):
    """Apply one capture exactly once (a batch of one, in its own transaction). Returns its result."""
    return sync(user, [item])[0]


def _moment(value):
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def sync(user, items):
    """Apply a batch of captures exactly once each (issue #12), with a per-capture result.

    The batch is applied in ONE transaction (or in transactions of settings.AUPRES_FIELD_SYNC_CHUNK
    captures), its journal events written in one insert at its end (audit.batched): a server killed
    mid-batch leaves each capture whole or absent, and the phone's retry applies the absent ones.
    When the database refuses the batch's inserts (IntegrityError: a concurrent request applied one of
    these UUIDs meanwhile; DataError: a value no database stores), the captures are applied again one by
    one, each in its own transaction, so that only the culprit is told."""
    items = list(items[:MAX_BATCH])
    size = max(1, int(getattr(settings, "AUPRES_FIELD_SYNC_CHUNK", MAX_BATCH)))
    results = []
    for start in range(0, len(items), size):
        chunk = items[start:start + size]
        try:
            with transaction.atomic(), audit_batched():
                results.extend(apply_batch(user, chunk))
        except (IntegrityError, DataError):
            results.extend(_apply_alone(user, item) for item in chunk)
    return results


def _apply_alone(user, item):
    """One capture in its own transaction, after the database refused its batch."""
    for _attempt in range(2):
        try:
            with transaction.atomic(), audit_batched():
                return apply_batch(user, [item])[0]
        except IntegrityError:
            continue  # a concurrent request applied this UUID meanwhile: read again, it is now applied
        except DataError:
            return _refused(item, Refused(_("Some values contain characters or numbers that cannot be stored."),
                                          code="invalid_data"))
    return _refused(item, Refused(_("The capture could not be saved; try again.")))
