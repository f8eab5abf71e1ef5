"""Import of a team's spreadsheet (issue #17): persons, their households and their follow-ups in one service.

upload (read_upload) → column and value mapping (set_mapping, remembered per shape of file) → dry run
(dry_run: every problem line by line, duplicates among the persons the importer already sees, what would be
created) → import (run: all or nothing, bulk inserts) → undo (undo: as a whole, while nothing imported was
edited since). Only a head of the service (or an operator administrator, a superuser) imports into it.

The rules applied to each row are those of the screens: the model's field checks (`clean_fields`), the typed
values' checks (core.validators), the person's rules (persons.services.check_person_values) and the exit's
(a reason and a destination from the follow-up's lists, as followups.services.transition asks).
Logs carry ids and counts only, never a cell.
"""

import datetime
import hashlib
import io
import logging
import re
import unicodedata
from dataclasses import dataclass

import tablib
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aupres.audit.services import record
from aupres.core import access
from aupres.core.errors import Conflict, DomainError, Forbidden, NotFound
from aupres.core.models import Compartment
from aupres.core.validators import validate_clean_text, validate_typed_date
from aupres.encounters.models import (
    ACT_COMPARTMENT,
    ENCOUNTER_COMPARTMENT,
    Act,
    ActKind,
    Encounter,
    EncounterPerson,
    Mode,
    PlaceKind,
    RightsApplication,
    RightsApplicationKind,
    RightsStatus,
    RightsStatusChange,
)
from aupres.encounters.services import EncounterReads, check_moment, check_rights_application, granted_right
from aupres.followups.models import ExitDestination, ExitReason, FollowUp, FollowUpState
from aupres.imports.models import ColumnMapping, ImportBatch, ImportStatus
from aupres.indicators.models import EventMonth
from aupres.persons.models import (
    AdministrativeSituation,
    Household,
    HouseholdMember,
    HouseholdRole,
    Person,
    RightStatus,
    Sex,
)
from aupres.persons.services import check_person_values, field_compartment
from aupres.referrals.duplicates import candidates_for
from aupres.services.models import Service

log = logging.getLogger(__name__)

MAX_ROWS = 100_000
MAX_COLUMNS = 60
CHUNK = 2000  # ids per query: SQLite takes at most 32 766 parameters
PROGRESS_EVERY = 500

# Targets of a column ------------------------------------------------------------------------------

PERSON_TEXT = ("alias", "first_name", "last_name", "birth_place", "nationality", "phone", "languages")
PERSON_DATES = ("birth_date", "on_street_since")
PERSON_NUMBERS = ("birth_year", "estimated_age")
PERSON_CHOICES = ("sex", "administrative_situation")
PERSON_FIELDS = PERSON_TEXT + PERSON_DATES + PERSON_NUMBERS + PERSON_CHOICES
FOLLOWUP_DATES = ("opened_on", "closed_on")
# A line may also record an encounter with its acts and a rights application (D57), for the person it creates,
# for the person of an earlier line with the same reference, or for a person the service follows (by number).
ENCOUNTER_TARGETS = ("encounter_on", "encounter_place", "encounter_mode", "acts", "act_details")
RIGHT_TARGETS = ("right_kind", "right_status", "right_status_on", "right_filed_on", "right_valid_until")
ACTIVITY_DATES = ("encounter_on", "right_status_on", "right_filed_on", "right_valid_until")
ACT_SEPARATORS = re.compile(r"[;+\n]")  # several acts in one cell: « Soins ; Dépistage » (labels hold commas)
CHOICES = {
    "sex": Sex,
    "administrative_situation": AdministrativeSituation,
    "household_role": HouseholdRole,
    "state": FollowUpState,
    "exit_reason": ExitReason,
    "exit_destination": ExitDestination,
    "encounter_place": PlaceKind,
    "encounter_mode": Mode,
    "acts": ActKind,
    "right_kind": RightsApplicationKind,
    "right_status": RightsStatus,
}
TARGETS = (
    "alias", "first_name", "last_name", "sex", "birth_date", "birth_year", "estimated_age", "birth_place",
    "nationality", "administrative_situation", "phone", "languages", "on_street_since",
    "household", "household_role",
    "opened_on", "state", "closed_on", "exit_reason", "exit_destination",
    "person_ref", "person_number", *ENCOUNTER_TARGETS, *RIGHT_TARGETS,
)
NAME_TARGETS = ("alias", "first_name", "last_name")


def target_label(name):
    if name in PERSON_FIELDS:
        return str(Person._meta.get_field(name).verbose_name)
    if name in ("opened_on", "closed_on", "state", "exit_reason", "exit_destination"):
        return str(FollowUp._meta.get_field(name).verbose_name)
    return str({"household": gettext_lazy("household (one value per household)"),
                "household_role": gettext_lazy("role in the household"),
                "person_ref": gettext_lazy("person's reference in the file (lines of one person)"),
                "person_number": gettext_lazy("number of a person already in Auprès"),
                "encounter_on": gettext_lazy("encounter: date"),
                "encounter_place": gettext_lazy("encounter: place"),
                "encounter_mode": gettext_lazy("encounter: mode"),
                "acts": gettext_lazy("encounter: acts"),
                "act_details": gettext_lazy("encounter: details of the acts"),
                "right_kind": gettext_lazy("rights application: right"),
                "right_status": gettext_lazy("rights application: status"),
                "right_status_on": gettext_lazy("rights application: status since"),
                "right_filed_on": gettext_lazy("rights application: filed on"),
                "right_valid_until": gettext_lazy("rights application: valid until")}[name])


def target_choices():
    return [(name, target_label(name)) for name in TARGETS]


def normalise(text):
    """Lower case, without accents, punctuation as spaces: how headers and coded values are compared."""
    text = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


# Well-known headers: ours, the usual French spreadsheet ones, and Mano's export (the labels of its person
# fields, which its Excel export writes as headers: github.com/SocialGouv/mano, dashboard person forms).
KNOWN_HEADERS = {
    "alias": ["alias", "pseudo", "pseudonyme", "surnom", "nom prenom ou pseudonyme", "nickname"],
    "first_name": ["prenom", "prenoms", "first name", "firstname"],
    "last_name": ["nom", "nom de famille", "last name", "lastname", "surname"],
    "sex": ["sexe", "genre", "sex", "gender"],
    "birth_date": ["date de naissance", "ne le", "nee le", "ne e le", "birth date", "birthdate",
                   "date of birth"],
    "birth_year": ["annee de naissance", "birth year"],
    "estimated_age": ["age", "age estime", "estimated age"],
    "birth_place": ["lieu de naissance", "birth place"],
    "nationality": ["nationalite", "nationality"],
    "administrative_situation": ["situation administrative", "statut administratif"],
    "phone": ["telephone", "tel", "portable", "phone", "numero de telephone"],
    "languages": ["langues", "langues parlees", "langue", "languages"],
    "on_street_since": ["en rue depuis le", "en rue depuis", "a la rue depuis", "on the street since"],
    "household": ["foyer", "menage", "famille", "groupe familial", "household"],
    "household_role": ["role dans le foyer", "role dans la famille", "lien familial", "household role"],
    "opened_on": ["suivi e depuis le cree e le", "suivi e depuis cree e le", "suivi depuis", "debut du suivi",
                  "date d entree", "date d admission", "opened on"],
    "state": ["etape", "etape du suivi", "etat du suivi", "state"],
    "closed_on": ["date de sortie", "date de sortie de file active", "sortie le", "fin du suivi", "closed on"],
    "exit_reason": ["motif de sortie", "motif de sortie de file active", "exit reason"],
    "exit_destination": ["destination", "destination a la sortie", "orientation a la sortie"],
    "person_ref": ["reference", "ref", "identifiant", "id", "n dossier", "numero de dossier", "person ref"],
    "person_number": ["n aupres", "numero aupres", "n de la personne", "numero de la personne", "person number"],
    "encounter_on": ["date de la rencontre", "rencontre le", "date du passage", "date de l action",
                     "date de l acte", "encounter date", "encounter on"],
    "encounter_place": ["lieu", "lieu de la rencontre", "encounter place"],
    "encounter_mode": ["mode", "modalite", "mode de rencontre", "type de rencontre", "encounter mode"],
    "acts": ["actes", "acte", "actions", "action", "prestations", "acts"],
    "act_details": ["details", "detail des actes", "commentaire de l acte", "act details"],
    "right_kind": ["droit", "droits", "demande de droits", "droit demande", "right"],
    "right_status": ["statut du droit", "statut de la demande", "etat de la demande", "right status"],
    "right_status_on": ["date du statut", "statut depuis le", "right status on"],
    "right_filed_on": ["deposee le", "depose le", "date de depot", "right filed on"],
    "right_valid_until": ["valable jusqu au", "fin de validite", "date de fin de droits", "right valid until"],
}
_HEADER_TARGET = {header: target for target, headers in KNOWN_HEADERS.items() for header in headers}

# Written values of coded fields beyond their codes and labels (in French and English), Mano's included.
KNOWN_VALUES = {
    "sex": {"h": "male", "homme": "male", "m": "male", "masculin": "male", "garcon": "male",
            "homme transgenre": "male", "f": "female", "femme": "female", "feminin": "female",
            "fille": "female", "femme transgenre": "female", "non binaire": "other", "autre": "other",
            "non renseigne": "unknown", "inconnu": "unknown", "nc": "unknown", "": "unknown"},
    "administrative_situation": {
        "francais": "french", "francaise": "french", "ue": "eu_citizen", "citoyen ue": "eu_citizen",
        "titre de sejour": "residence_permit", "regulier": "residence_permit",
        "demandeur d asile": "asylum_seeker", "demandeuse d asile": "asylum_seeker",
        "refugie": "protected", "refugiee": "protected", "protection subsidiaire": "protected",
        "sans papiers": "undocumented", "sans titre": "undocumented", "irregulier": "undocumented",
        "inconnu": "unknown", "": "unknown"},
    "household_role": {"chef de famille": "head", "chef de menage": "head", "referent": "head",
                       "conjoint": "partner", "conjointe": "partner", "compagnon": "partner",
                       "compagne": "partner", "mere": "mother", "pere": "father", "enfant": "child",
                       "fils": "child", "fille": "child", "": "other"},
    "state": {"": "intake"},
    "exit_reason": {"deces": "death", "perdu de vue": "lost_to_follow_up", "refus": "refusal",
                    "refus d accompagnement": "refusal", "relai vers autre structure": "oriented",
                    "orientation": "oriented", "oriente": "oriented", "demenagement": "moved_away",
                    "depart vers autre region": "moved_away", "autre": "other", "": ""},
    "exit_destination": {"logement": "ordinary_housing", "hebergement": "shelter", "rue": "street",
                         "hopital": "hospital", "retour au pays": "return_to_country", "inconnu": "unknown",
                         "autre": "other", "": ""},
    "encounter_place": {"rue": "street", "campement": "camp", "bidonville": "slum", "accueil de jour": "day_centre",
                        "domicile": "home", "local": "premises", "locaux": "premises", "hopital": "hospital",
                        "telephone": "phone", "": ""},
    "encounter_mode": {"maraude": "street_round", "visite": "visit", "permanence": "advanced_consultation",
                       "accompagnement": "accompaniment", "synthese": "case_meeting", "appel": "phone",
                       "telephone": "phone", "": ""},
    "acts": {"soins": "nursing_care", "soins infirmiers": "nursing_care", "pansement": "wound_care",
             "vaccin": "vaccination", "depistage": "screening", "consultation": "medical_consultation",
             "entretien social": "social_interview", "aide materielle": "material_aid", "kit hygiene": "material_aid",
             "mediation sante": "health_mediation", "": ""},
    "right_kind": {"domiciliation": "domiciliation", "titre de sejour": "residence_permit", "cmu c": "css",
                   "cmu": "puma", "autre": "other", "": ""},
    "right_status": {"a faire": "to_do", "en cours": "filed", "deposee": "filed", "depose": "filed",
                     "obtenu": "granted", "obtenue": "granted", "accorde": "granted", "accordee": "granted",
                     "refuse": "refused", "refusee": "refused", "a renouveler": "to_renew", "abandonne": "abandoned",
                     "abandonnee": "abandoned", "": ""},
}


def default_values(field):
    """{normalised written value: code} known without the team telling: codes, labels, KNOWN_VALUES."""
    known = {}
    for code, label in CHOICES[field].choices:
        known[normalise(code)] = code
        for language in ("fr", "en"):
            with translation.override(language):
                known[normalise(str(label))] = code
    known.update(KNOWN_VALUES.get(field, {}))
    return known


# Who imports ------------------------------------------------------------------------------------

def may_import(user, service_id):
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or access.is_head_of_service(user, service_id)


def importable_services(user):
    """The services this account may import into: those it heads (all, for an operator administrator)."""
    if not getattr(user, "is_authenticated", False):
        return Service.objects.none()
    qs = Service.objects.filter(is_active=True).order_by("name")
    if user.is_superuser:
        return qs
    return qs.filter(pk__in=[s for s in access.service_ids(user) if access.is_head_of_service(user, s)])


def FORBIDDEN_MESSAGE():  # noqa: N802 - a message, read at call time (in the request's language)
    return _("Only a head of this service imports into it.")


def _require_importer(user, service_id):
    if not may_import(user, service_id):
        raise Forbidden(FORBIDDEN_MESSAGE(), field="service", code="import_forbidden")


def get_batch(user, batch_id):
    """An import of a service this account may import into; others do not exist for it."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None or not may_import(user, batch.service_id):
        raise NotFound(_("This import does not exist."))
    return batch


def batches(user):
    return ImportBatch.objects.filter(service__in=importable_services(user)).select_related("service")


# Reading the file -------------------------------------------------------------------------------

def _cell(value):
    """A cell as text: dates as ISO dates, whole numbers without a decimal part."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(content):
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(_("The file's text cannot be read: save it as CSV UTF-8."), field="file",
                      code="file_unreadable")


def _dataset(filename, content):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    try:
        if extension == "xlsx":
            return tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        if extension in ("csv", "txt"):
            text = _decode(content)
            first_line = text.split("\n", 1)[0]
            # French spreadsheets write CSV with semicolons: the separator the header row uses most.
            delimiter = max(";,\t", key=first_line.count)
            return tablib.Dataset().load(text, format="csv", delimiter=delimiter)
    except DomainError:
        raise
    except Exception:  # a damaged file: tablib, openpyxl and csv raise many kinds of errors
        log.info("import file unreadable (%s)", extension)
        raise DomainError(_("This file cannot be read: check that it is a CSV or XLSX file that opens in a "
                            "spreadsheet."), field="file", code="file_unreadable") from None
    raise DomainError(_("Choose a CSV or XLSX file."), field="file", code="file_kind")


def read_upload(filename, content):
    """(headers, rows) of a CSV or XLSX file, every cell as text."""
    data = _dataset(filename, content)
    headers = [_cell(h) for h in (data.headers or [])]
    if not any(headers):
        raise DomainError(_("The first line of the file must name the columns."), field="file",
                          code="no_headers")
    if len(headers) > MAX_COLUMNS:
        raise DomainError(_("The file has more than %(n)s columns.") % {"n": MAX_COLUMNS}, field="file",
                          code="too_many_columns")
    seen = {}
    for i, header in enumerate(headers):
        header = header or _("Column %(n)s") % {"n": i + 1}
        seen[header] = seen.get(header, 0) + 1
        headers[i] = header if seen[header] == 1 else f"{header} ({seen[header]})"
    rows = [[_cell(v) for v in row] for row in data]
    if len(rows) > MAX_ROWS:
        raise DomainError(_("The file has more than %(n)s lines: split it.") % {"n": MAX_ROWS}, field="file",
                          code="too_many_rows")
    if not rows:
        raise DomainError(_("The file has no line under its headers."), field="file", code="empty_file")
    return headers, rows


def shape_of(headers):
    return hashlib.sha256("\n".join(sorted(normalise(h) for h in headers)).encode()).hexdigest()


def suggested_mapping(headers):
    mapping, taken = {}, set()
    for header in headers:
        target = _HEADER_TARGET.get(normalise(header), "")
        if target and target not in taken:
            mapping[header] = target
            taken.add(target)
    return mapping


@transaction.atomic
def upload(user, service_id, filename, content):
    """A new import of this file into the service; its mapping is the one chosen last time for a file of the
    same shape in the service, else the well-known headers."""
    _require_importer(user, service_id)
    headers, rows = read_upload(filename, content)
    shape = shape_of(headers)
    remembered = ColumnMapping.objects.filter(service_id=service_id, shape=shape).first()
    if remembered:
        by_key = {normalise(h): t for h, t in remembered.mapping.items()}
        mapping = {h: by_key[normalise(h)] for h in headers if normalise(h) in by_key}
    else:
        mapping = suggested_mapping(headers)
    batch = ImportBatch.objects.create(
        service_id=service_id, created_by=user, filename=filename[-200:], headers=headers, rows=rows,
        row_count=len(rows), shape=shape, mapping=mapping, value_map=remembered.value_map if remembered else {})
    log.info("import %s uploaded: %s rows, %s columns", batch.pk, len(rows), len(headers))
    return batch


# Mapping --------------------------------------------------------------------------------------

def _require_status(batch, *statuses):
    if batch.status not in statuses:
        raise Conflict(_("This import is no longer at this step (%(status)s).") % {
            "status": batch.get_status_display()}, code="import_status")


def check_mapping(headers, mapping, value_map):
    """The mapping cleaned (header -> target), or a DomainError naming the problem."""
    cleaned = {}
    for header, target in (mapping or {}).items():
        if not target:
            continue
        if header not in headers:
            raise DomainError(_("Unknown column: %(c)s.") % {"c": header[:80]}, field="mapping",
                              code="unknown_column")
        if target not in TARGETS:
            raise DomainError(_("Unknown field: %(f)s.") % {"f": str(target)[:80]}, field="mapping",
                              code="unknown_target")
        if target in cleaned.values():
            raise DomainError(_("Two columns go to « %(f)s »: keep one.") % {"f": target_label(target)},
                              field="mapping", code="target_twice")
        cleaned[header] = target
    if not set(cleaned.values()) & {*NAME_TARGETS, "person_number"}:
        raise DomainError(_("Map at least one column to the alias, the first name or the last name."),
                          field="mapping", code="name_column_required")
    values = {}
    for field, pairs in (value_map or {}).items():
        if field not in CHOICES:
            raise DomainError(_("Unknown field: %(f)s.") % {"f": str(field)[:80]}, field="value_map",
                              code="unknown_target")
        for written, code in (pairs or {}).items():
            if code and code not in CHOICES[field].values:
                raise DomainError(_("Unknown value for « %(f)s »: %(v)s.") % {
                    "f": target_label(field), "v": str(code)[:80]}, field="value_map", code="unknown_value")
            if code:
                values.setdefault(field, {})[normalise(written)] = code
    return cleaned, values


def written_values(batch, mapping=None, limit=100):
    """For each coded field mapped: [(written value, code it goes to or "")], the distinct values of its
    column (at most `limit`), for the value mapping screen."""
    mapping = batch.mapping if mapping is None else mapping
    result = {}
    for header, field in mapping.items():
        if field not in CHOICES or header not in batch.headers:
            continue
        index = batch.headers.index(header)
        known = {**default_values(field), **batch.value_map.get(field, {})}
        seen = {}
        for row in batch.rows:
            cell = row[index] if index < len(row) else ""
            for value in _written(field, cell):
                key = normalise(value)
                if key and key not in seen:
                    seen[key] = (value, known.get(key, ""))
            if len(seen) >= limit:
                break
        result[field] = sorted(seen.values(), key=lambda pair: normalise(pair[0]))
    return result


@transaction.atomic
def set_mapping(user, batch, mapping, value_map=None):
    """Keep the columns' and values' mapping (remembered for the next file of this shape) and start the dry
    run (a background task, queued by the caller)."""
    _require_importer(user, batch.service_id)
    _require_status(batch, ImportStatus.UPLOADED, ImportStatus.CHECKED, ImportStatus.FAILED)
    batch.mapping, batch.value_map = check_mapping(batch.headers, mapping, value_map)
    batch.status, batch.progress, batch.report = ImportStatus.CHECKING, 0, {}
    batch.save(update_fields=["mapping", "value_map", "status", "progress", "report"])
    ColumnMapping.objects.update_or_create(service_id=batch.service_id, shape=batch.shape, defaults={
        "mapping": batch.mapping, "value_map": batch.value_map})
    return batch


def _written(field, cell):
    """The values written in a cell: several acts in one cell, one value in any other."""
    cell = (cell or "").strip()
    if field == "acts":
        return [part.strip() for part in ACT_SEPARATORS.split(cell) if part.strip()]
    return [cell]


# Checking rows ----------------------------------------------------------------------------------

@dataclass
class Row:
    line: int
    person: dict | None  # None: the person of an earlier line (same_as) or already in Auprès (existing)
    followup: dict | None
    household: str = ""
    household_role: str = ""
    same_as: int | None = None  # line creating the person (same reference)
    existing: tuple | None = None  # (person id, follow-up id) of a person the service follows
    encounter: dict | None = None  # occurred_at, place_kind, mode, acts [(kind, details)]
    right: dict | None = None  # kind, status, status_on, filed_on, valid_until, renewal_on


DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")


def parse_moment(text):
    """An encounter's date, with its time when the cell has one (« 05/03/2025 14:30 »), as an aware
    datetime; a date alone is taken at noon (at the latest now, for today)."""
    text = text.strip()
    day_text, _sep, time_text = text.partition(" ")
    day = parse_date(day_text)
    if day is None:
        return None
    hour = datetime.time(12)
    if time_text.strip():
        for fmt in ("%H:%M", "%H:%M:%S", "%Hh%M", "%Hh"):
            try:
                hour = datetime.datetime.strptime(time_text.strip(), fmt).time()
                break
            except ValueError:
                continue
        else:
            return None
    moment = timezone.make_aware(datetime.datetime.combine(day, hour))
    return min(moment, timezone.now()) if day == timezone.localdate() else moment


def parse_date(text):
    text = text.strip()
    if " " in text:  # "2024-03-01 00:00:00" from a spreadsheet's date-time
        text = text.split(" ", 1)[0]
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class _Problems:
    def __init__(self, line, columns):
        self.line, self.columns, self.found = line, columns, []

    def add(self, field, value, message):
        self.found.append({"line": self.line, "column": self.columns.get(field, ""), "field": field,
                           "value": str(value)[:200], "message": str(message)})


class RowChecker:
    """Turns a row into the values of a person, a follow-up and a household membership, and lists its
    problems; the same checks for the dry run and the import."""

    def __init__(self, batch, today=None, user=None):
        self.batch, self.user = batch, user or batch.created_by
        self.today = today or timezone.localdate()
        self.index = {target: batch.headers.index(h) for h, target in batch.mapping.items()
                      if h in batch.headers}
        self.columns = {target: h for h, target in batch.mapping.items()}
        self.known = {field: {**default_values(field), **batch.value_map.get(field, {})} for field in CHOICES}
        self.refs = {}  # normalised person reference -> line creating that person
        self._followed = None
        self._comps = None

    def followed(self):
        """{person id: follow-up id} of the persons named by number that the service follows (giving access),
        read once for the file: the encounters' own read (EncounterReads.followups)."""
        if self._followed is None:
            numbers = set()
            for cells in self.batch.rows:
                text = self.raw(cells, "person_number")
                if text.isdigit():
                    numbers.add(int(text))
            found = {}
            reads = EncounterReads()
            numbers = sorted(numbers)
            for chunk in _chunks(numbers):
                found.update(reads.followups(self.batch.service_id, chunk))
            self._followed = {pid: f.pk for pid, f in found.items()}
        return self._followed

    def compartments(self):
        """The compartments the importer holds in the service (a health act needs health, as on screens)."""
        if self._comps is None:
            self._comps = access.compartments_by_service(self.user).get(self.batch.service_id, frozenset()) \
                if self.user is not None else frozenset()
        return self._comps

    def raw(self, cells, target):
        i = self.index.get(target)
        return cells[i].strip() if i is not None and i < len(cells) and cells[i] is not None else ""

    def check(self, line, cells):
        problems = _Problems(line, self.columns)
        raw = {target: self.raw(cells, target) for target in self.index}
        values = {}
        for target, text in raw.items():
            try:
                validate_clean_text(text)
            except ValidationError as error:
                problems.add(target, text, error.messages[0])
                continue
            if target == "acts":
                codes = []
                for written in _written(target, text):
                    code = self.known[target].get(normalise(written))
                    if code is None:
                        problems.add(target, written, _(
                            "« %(v)s » is not a known value of « %(f)s »: map it to one on the mapping screen.")
                            % {"v": written[:80], "f": target_label(target)})
                    elif code:
                        codes.append(code)
                values[target] = list(dict.fromkeys(codes))
            elif target in CHOICES:
                code = self.known[target].get(normalise(text))
                if code is None:
                    problems.add(target, text, _("« %(v)s » is not a known value of « %(f)s »: map it to one "
                                                 "on the mapping screen.") % {"v": text[:80],
                                                                              "f": target_label(target)})
                else:
                    values[target] = code
            elif not text:
                continue
            elif target == "encounter_on":
                moment = parse_moment(text)
                if moment is None:
                    problems.add(target, text, _("Unreadable date: write it DD/MM/YYYY."))
                    continue
                values[target] = moment
            elif target in PERSON_DATES or target in FOLLOWUP_DATES or target in ACTIVITY_DATES:
                day = parse_date(text)
                if day is None:
                    problems.add(target, text, _("Unreadable date: write it DD/MM/YYYY."))
                    continue
                try:
                    validate_typed_date(day, target.removeprefix("right_"))
                except ValidationError as error:
                    problems.add(target, text, error.messages[0])
                    continue
                values[target] = day
            elif target in PERSON_NUMBERS:
                try:
                    number = float(text.replace(",", "."))
                except ValueError:
                    number = None
                if number is None or not number.is_integer() or number < 0:
                    problems.add(target, text, _("Write a whole number."))
                    continue
                values[target] = int(number)
            else:
                values[target] = text
        wrong = {p["field"] for p in problems.found}
        whose = self._whose(line, raw, values, problems)
        if whose is None:  # this line creates its person
            person = {f: values[f] for f in PERSON_FIELDS if f in values}
            self._check_person(person, raw, problems)
            followup = self._check_followup(values, raw, problems, wrong)
            household = values.get("household", "")
            role = values.get("household_role", "")
            if role and not household and raw.get("household_role"):
                problems.add("household_role", raw["household_role"],
                             _("A role in the household is given but no household."))
            row = Row(line, person, followup, household, role or HouseholdRole.OTHER)
        else:
            row = Row(line, None, None, **whose)
        row.encounter = self._check_encounter(values, raw, problems, wrong)
        row.right = self._check_right(values, raw, problems, wrong)
        return row, problems.found

    def _whose(self, line, raw, values, problems):
        """None when the line creates its person; else {same_as: line} or {existing: (person, follow-up)}."""
        number, ref = raw.get("person_number", ""), normalise(raw.get("person_ref", ""))
        if number:
            if ref:
                problems.add("person_number", number, _("Give either the person's reference in the file or the "
                                                        "number of a person already in Auprès, not both."))
            if not number.isdigit() or int(number) not in self.followed():
                problems.add("person_number", number, _("This service does not follow this person."))
                return {"existing": None}
            return {"existing": (int(number), self.followed()[int(number)])}
        if ref and ref in self.refs:
            return {"same_as": self.refs[ref]}
        if ref:
            self.refs[ref] = line
        return None

    def _check_encounter(self, values, raw, problems, wrong):
        """The encounter of the line (None without one): create_encounter's rules on its date, its place and
        mode from their lists, acts in the compartments the importer holds in the service."""
        given = [t for t in ENCOUNTER_TARGETS if raw.get(t)]
        if not given:
            return None
        moment = values.get("encounter_on")
        if moment is None:
            if "encounter_on" not in wrong:
                problems.add("encounter_on" if "encounter_on" in self.columns else given[0], "",
                             _("An encounter needs its date."))
            return None
        try:
            moment = check_moment(moment)
        except DomainError as error:
            problems.add("encounter_on", raw.get("encounter_on", ""), error.message)
        place, mode = values.get("encounter_place", ""), values.get("encounter_mode", "")
        if not place and "encounter_place" not in wrong:
            problems.add("encounter_place" if "encounter_place" in self.columns else "encounter_on", "",
                         _("Give the place of the encounter."))
        if not mode and "encounter_mode" not in wrong:
            problems.add("encounter_mode" if "encounter_mode" in self.columns else "encounter_on", "",
                         _("Give the mode of the encounter."))
        details = values.get("act_details", "")
        if len(details) > 5000:
            problems.add("act_details", details, _("The details are too long."))
        acts = values.get("acts", [])
        for kind in acts:
            # The import writes social records like the team's own file (D44); health acts only by an importer
            # holding health in the service, as create_encounter asks.
            if ACT_COMPARTMENT[kind] == Compartment.HEALTH and Compartment.HEALTH not in self.compartments():
                problems.add("acts", raw.get("acts", ""), _("Health acts are imported only by an account "
                                                            "holding the health compartment in this service."))
                break
        if details and not acts:
            problems.add("act_details", details, _("Details are given without an act."))
        return {"occurred_at": moment, "place_kind": place, "mode": mode,
                "acts": [(kind, details) for kind in acts]}

    def _check_right(self, values, raw, problems, wrong):
        """The rights application of the line (None without one), under create_rights_application's rules."""
        kind = values.get("right_kind", "")
        if not kind:
            others = [t for t in RIGHT_TARGETS if raw.get(t) and t != "right_kind"]
            if others and "right_kind" not in wrong:
                problems.add("right_kind" if "right_kind" in self.columns else others[0], "",
                             _("A status or a date of a rights application is given without the right."))
            return None
        status = values.get("right_status") or RightsStatus.TO_DO
        status_on = values.get("right_status_on") or values.get("right_filed_on") or (
            timezone.localtime(values["encounter_on"]).date() if values.get("encounter_on") else None)
        filed_on, valid_until = values.get("right_filed_on"), values.get("right_valid_until")
        try:
            status_on, filed_on, renewal_on = check_rights_application(kind, status, status_on, filed_on,
                                                                       valid_until, None)
        except DomainError as error:
            field = {"status_on": "right_status_on", "filed_on": "right_filed_on",
                     "valid_until": "right_valid_until", "renewal_on": "right_valid_until",
                     "kind": "right_kind", "status": "right_status"}.get(error.field, "right_kind")
            problems.add(field, raw.get(field, ""), error.message)
            return None
        return {"kind": kind, "status": status, "status_on": status_on, "filed_on": filed_on,
                "valid_until": valid_until, "renewal_on": renewal_on}

    def _check_person(self, person, raw, problems):
        instance = Person(**person)
        try:
            instance.clean_fields(exclude=[f.name for f in Person._meta.fields if f.name not in person])
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                problems.add(field, raw.get(field, ""), messages[0])
                person.pop(field, None)
        try:
            check_person_values(person, self.today)
        except DomainError as error:
            field = error.field if error.field in self.columns else (
                next((f for f in NAME_TARGETS if f in self.columns), error.field))
            problems.add(field, raw.get(error.field, ""), error.message)

    def _check_followup(self, values, raw, problems, wrong):
        opened = values.get("opened_on") or self.today
        closed = values.get("closed_on")
        state = values.get("state") or FollowUpState.INTAKE
        reason, destination = values.get("exit_reason", ""), values.get("exit_destination", "")
        if opened > self.today:
            problems.add("opened_on", raw.get("opened_on", ""), _("The date is in the future."))
        if closed:
            if closed > self.today:
                problems.add("closed_on", raw.get("closed_on", ""), _("The date is in the future."))
            elif closed < opened:
                problems.add("closed_on", raw.get("closed_on", ""),
                             _("The date is before the follow-up was opened."))
        exiting = bool(closed) or state == FollowUpState.EXIT
        if exiting:
            # The exit's own rule (followups.services.transition): a date, a reason and a destination.
            if not closed:
                problems.add("closed_on" if "closed_on" in self.columns else "state", raw.get("closed_on", ""),
                             _("An exit needs its date."))
            if reason not in ExitReason.values and "exit_reason" not in wrong:
                problems.add("exit_reason", raw.get("exit_reason", ""), _("Give the exit reason."))
            if destination not in ExitDestination.values and "exit_destination" not in wrong:
                problems.add("exit_destination", raw.get("exit_destination", ""), _("Give the destination."))
            state = FollowUpState.EXIT
        elif reason or destination:
            field = "exit_reason" if reason else "exit_destination"
            problems.add(field, raw.get(field, ""), _("An exit reason or destination is given without an exit "
                                                      "date."))
        return {"opened_on": opened, "closed_on": closed, "state": state, "exit_reason": reason,
                "exit_destination": destination}


def _is_blank(cells):
    return not any((c or "").strip() for c in cells)


def _progress(batch, done, total, start, span):
    ImportBatch.objects.filter(pk=batch.pk).update(progress=start + (span * done) // max(total, 1))


def check_rows(batch, *, progress=(0, 100), user=None):
    """(rows, problems) of the whole file."""
    checker = RowChecker(batch, user=user)
    rows, problems = [], []
    total = len(batch.rows)
    for i, cells in enumerate(batch.rows):
        if i % PROGRESS_EVERY == 0:
            _progress(batch, i, total, *progress)
        if _is_blank(cells):
            continue
        row, found = checker.check(i + 2, cells)  # line 1 is the headers
        rows.append(row)
        problems += found
    return rows, problems


def _counts(rows):
    new = [r for r in rows if r.person is not None]
    return {"persons": len(new), "followups": len(new),
            "exits": sum(1 for r in new if r.followup["closed_on"]),
            "households": len({normalise(r.household) for r in new if r.household}),
            "members": sum(1 for r in new if r.household),
            "encounters": sum(1 for r in rows if r.encounter), "acts": sum(len(r.encounter["acts"]) for r in rows
                                                                           if r.encounter),
            "rights": sum(1 for r in rows if r.right)}


def _duplicates(user, rows):
    """Persons of the file that may already be known: the referral duplicate search, among the persons
    this account may see (never another operator's), compared on phone and birth date only where it reads
    the administrative compartment (referrals.duplicates.candidates_for)."""
    if not access.visible_persons(user).exists():
        return []
    found = []
    for row in rows:
        if row.person is None:
            continue
        for candidate in candidates_for(user, row.person)[:3]:
            found.append({"line": row.line, "person_id": candidate.person.pk,
                          "name": candidate.person.display_name, "score": candidate.score,
                          "reasons": list(candidate.reasons)})
    return found


def dry_run(batch_id, user_id):
    """The dry run (a background task): every problem, the duplicates, what would be created. Writes its
    report on the import; nothing else is saved."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    if batch.status != ImportStatus.CHECKING:
        return
    user = _user(user_id)
    try:
        rows, problems = check_rows(batch, progress=(0, 60), user=user)
        duplicates = _duplicates(user, rows)
        report = {"rows": len(rows), "errors": problems, "error_count": len(problems),
                  "lines_with_errors": len({p["line"] for p in problems}), "duplicates": duplicates,
                  "create": _counts(rows), "checked_at": timezone.now().isoformat()}
    except Exception:
        log.exception("import %s: dry run failed", batch.pk)
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.FAILED, progress=100)
        raise
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.CHECKED, progress=100, report=report)
    log.info("import %s checked: %s rows, %s problems, %s duplicate hints", batch.pk, len(rows),
             len(problems), len(duplicates))


def _user(user_id):
    return get_user_model().objects.get(pk=user_id)


# Import ------------------------------------------------------------------------------------------

def start(user, batch):
    """Mark the import as queued (the caller queues `run`); only after a dry run without problems."""
    _require_importer(user, batch.service_id)
    _require_status(batch, ImportStatus.CHECKED)
    if batch.report.get("error_count"):
        raise DomainError(_("The dry run found problems: correct the file or the mapping, then check it "
                            "again. Nothing is imported while one line is wrong."), code="import_has_errors")
    if not ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.CHECKED).update(
            status=ImportStatus.RUNNING, progress=0, started_at=timezone.now()):
        raise Conflict(_("This import has already started."), code="import_status")
    batch.refresh_from_db()
    return batch


def _chunks(ids):
    ids = list(ids)
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _compartments(mapping, act_compartments=()):
    found = {str(Compartment.ADMINISTRATIVE)}  # the follow-up
    for target in mapping.values():
        if target in PERSON_FIELDS:
            found.add(str(field_compartment(target)))
        elif target.startswith("household"):
            found.add(str(Compartment.SOCIAL))
        elif target in ENCOUNTER_TARGETS:
            found.add(str(ENCOUNTER_COMPARTMENT))
    found.update(str(c) for c in act_compartments)
    return found


def run(batch_id, user_id):
    """The import (a background task): the rows checked again, then everything written in one transaction
    with bulk inserts, or nothing. The progress is written outside that transaction while the rows are
    checked; the writing itself is shown as one step."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status != ImportStatus.RUNNING:
        return
    user = _user(user_id)
    try:
        rows, problems = check_rows(batch, progress=(0, 50), user=user)
        if problems:
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportStatus.FAILED, progress=100, finished_at=timezone.now(),
                report={**batch.report, "errors": problems, "error_count": len(problems)})
            return
        _progress(batch, 1, 1, 50, 10)
        with transaction.atomic():
            created = _write(user, batch, rows)
            report = {**batch.report, "created": {k: len(v) for k, v in created.items()}}
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportStatus.DONE, progress=100, finished_at=timezone.now(), created_ids=created,
                report=report, rows=[])
    except Exception:
        log.exception("import %s failed: nothing saved", batch.pk)
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.FAILED, progress=100,
                                                       finished_at=timezone.now())
        raise
    access.forget(user)
    log.info("import %s done: %s persons", batch.pk, len(rows))


def _write(user, batch, rows):
    service = Service.objects.get(pk=batch.service_id)
    today = timezone.localdate()
    new = [row for row in rows if row.person is not None]
    households = {}
    for row in new:
        key = normalise(row.household)
        if row.household and key not in households:
            households[key] = Household(label=row.household[:160], created_by=user)
    Household.objects.bulk_create(households.values(), batch_size=1000)
    persons = []
    for row in new:
        person = Person(created_by=user, **row.person)
        if person.birth_date:
            person.birth_year = person.birth_date.year
        if person.estimated_age is not None:
            person.estimated_on = today
        person._set_keys()  # save() is not called by bulk_create
        persons.append(person)
    Person.objects.bulk_create(persons, batch_size=1000)
    followups, members = [], []
    for row, person in zip(new, persons, strict=True):
        f = FollowUp(person=person, service=service, opened_on=row.followup["opened_on"],
                     state=row.followup["state"], exit_reason=row.followup["exit_reason"],
                     exit_destination=row.followup["exit_destination"])
        if row.followup["closed_on"]:
            f.close(row.followup["closed_on"])
        followups.append(f)
        if row.household:
            members.append(HouseholdMember(household=households[normalise(row.household)], person=person,
                                           role=row.household_role, since=row.followup["opened_on"]))
    FollowUp.objects.bulk_create(followups, batch_size=1000)
    HouseholdMember.objects.bulk_create(members, batch_size=1000)
    person_ids = [p.pk for p in persons]
    created = {"persons": person_ids, "followups": [f.pk for f in followups],
               "households": [h.pk for h in households.values()], "members": [m.pk for m in members]}
    whose = {row.line: (person.pk, followup.pk) for row, person, followup in zip(new, persons, followups,
                                                                                  strict=True)}
    activity = _write_activity(user, service, rows, whose)
    created.update(activity)
    compartments = _compartments(batch.mapping, {ACT_COMPARTMENT[kind] for r in rows if r.encounter
                                                 for kind, _details in r.encounter["acts"]})
    touched = list(dict.fromkeys(person_ids + [w[0] for w in (_whose_row(r, whose) for r in rows
                                                              if r.encounter or r.right)]))
    for chunk in _chunks(touched):
        record(user, chunk, "create", compartments, service_id=batch.service_id)
    return created


def _whose_row(row, whose):
    """(person id, follow-up id) a line is about, once the persons of the file exist."""
    if row.existing:
        return row.existing
    return whose[row.same_as if row.same_as is not None else row.line]


def _write_activity(user, service, rows, whose):
    """The encounters with their acts and the rights applications of the lines, in bulk (the person's
    current right too for a granted application, as create_rights_application records it)."""
    encounters, links, acts, applications = [], [], [], []
    for row in rows:
        person_id, followup_id = _whose_row(row, whose) if (row.encounter or row.right) else (None, None)
        if row.encounter:
            e = row.encounter
            encounter = Encounter(service=service, occurred_at=e["occurred_at"], place_kind=e["place_kind"],
                                  mode=e["mode"], recorded_by=user)
            encounters.append(encounter)
            links.append(EncounterPerson(encounter=encounter, person_id=person_id, followup_id=followup_id,
                                         service=service, occurred_at=e["occurred_at"]))
            acts += [Act(encounter=encounter, person_id=person_id, kind=kind, compartment=ACT_COMPARTMENT[kind],
                         details=details) for kind, details in e["acts"]]
        if row.right:
            applications.append(RightsApplication(person_id=person_id, service=service, created_by=user,
                                                  **row.right))
    Encounter.objects.bulk_create(encounters, batch_size=1000)
    for link in links:
        link.encounter_id = link.encounter.pk
    for act in acts:
        act.encounter_id = act.encounter.pk
    EncounterPerson.objects.bulk_create(links, batch_size=1000)
    Act.objects.bulk_create(acts, batch_size=1000)
    RightsApplication.objects.bulk_create(applications, batch_size=1000)
    history = [RightsStatusChange(application=a, status=a.status, on=a.status_on, recorded_by=user)
               for a in applications]
    RightsStatusChange.objects.bulk_create(history, batch_size=1000)
    granted = [right for right in (granted_right(a, user) for a in applications if a.status == RightsStatus.GRANTED)
               if right is not None]
    RightStatus.objects.bulk_create(granted, batch_size=1000)
    return {"encounters": [e.pk for e in encounters], "encounter_persons": [li.pk for li in links],
            "acts": [a.pk for a in acts], "rights": [a.pk for a in applications],
            "rights_history": [h.pk for h in history], "granted_rights": [r.pk for r in granted]}


# Undo --------------------------------------------------------------------------------------------

TRACKED = {Person: "persons", FollowUp: "followups", Household: "households", HouseholdMember: "members",
           Encounter: "encounters", EncounterPerson: "encounter_persons", Act: "acts", RightsApplication: "rights",
           RightsStatusChange: "rights_history", RightStatus: "granted_rights"}


def edited_since(batch):
    """Whether anything imported was changed or added to since (its version, or any row pointing at it
    that the import did not create: a note, an encounter, a transition, a referral…)."""
    ids = {name: set(batch.created_ids.get(name, [])) for name in TRACKED.values()}
    for model, name in TRACKED.items():
        if not hasattr(model, "version"):
            continue
        for chunk in _chunks(ids[name]):
            qs = model.objects.filter(pk__in=chunk)
            changed = ~Q(version=1)
            if model is Person:
                changed |= Q(updated_at__gt=batch.finished_at)
            if qs.filter(changed).exists():
                return True
            if qs.count() != len(chunk):
                return True  # deleted meanwhile
    if _pointed_at(ids, (Encounter, RightsApplication)):
        return True
    if not ids["encounters"]:
        return _pointed_at(ids, (Person, Household))
    # The imported encounters protect the imported follow-ups (EncounterPerson.followup): the persons are
    # looked at as the undo deletes them, after their encounters, in a savepoint rolled back.
    try:
        with transaction.atomic():
            for chunk in _chunks(ids["encounters"]):
                Encounter.objects.filter(pk__in=chunk).delete()
            raise _RolledBack(_pointed_at(ids, (Person, Household)))
    except _RolledBack as answer:
        return answer.args[0]


class _RolledBack(Exception):  # noqa: N818 - carries an answer out of a savepoint, not an error
    pass


def _pointed_at(ids, models):
    """Whether rows the import did not create point at what it created (of these models)."""
    for model in models:
        for chunk in _chunks(ids[TRACKED[model]]):
            collector = Collector(using="default")
            try:
                collector.collect(model.objects.filter(pk__in=chunk))
            except (ProtectedError, RestrictedError):
                return True
            if model in (Encounter, RightsApplication) and _points_at(collector):
                return True  # an orientation, a custom value, a rights application… recorded since on it
            for related_model, instances in collector.data.items():
                if related_model in TRACKED:
                    if {o.pk for o in instances} - ids[TRACKED[related_model]]:
                        return True
                elif instances:
                    return True
            for qs in collector.fast_deletes:
                if qs.model in TRACKED:
                    if set(qs.values_list("pk", flat=True)) - ids[TRACKED[qs.model]]:
                        return True
                elif qs.exists():
                    return True
    return False


def _points_at(collector):
    """Whether rows would be set to NULL by the deletion (they point at what the import created)."""
    for targets in collector.field_updates.values():
        for target in targets:
            if hasattr(target, "exists") and target.exists():
                return True
            if not hasattr(target, "exists") and target:
                return True
    return False


def undo(user, batch):
    """Delete everything the import created, at once, while nothing of it was edited since."""
    _require_importer(user, batch.service_id)
    _require_status(batch, ImportStatus.DONE)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        _require_status(batch, ImportStatus.DONE)
        if edited_since(batch):
            raise Conflict(_("Persons or follow-ups of this import were changed or completed since: it can no "
                             "longer be undone as a whole."), code="import_edited")
        person_ids = batch.created_ids.get("persons", [])
        # The encounters (their persons met and acts go with them), rights applications (their history) and
        # rights granted, for the persons of the file and for those already in Auprès; then the persons.
        touched = set(person_ids)
        for model in (Encounter, RightsApplication, RightStatus):
            for chunk in _chunks(batch.created_ids.get(TRACKED[model], [])):
                if model is not Encounter:
                    touched.update(model.objects.filter(pk__in=chunk).values_list("person_id", flat=True))
                else:
                    touched.update(EncounterPerson.objects.filter(encounter_id__in=chunk)
                                   .values_list("person_id", flat=True))
                model.objects.filter(pk__in=chunk).delete()
        if batch.created_ids.get("encounters"):
            # PostgreSQL's rollup triggers (indicators.rollup_sql) counted the encounters and acts down to
            # rows of zero: removed, as a rebuild of the rollups would not have them.
            EventMonth.objects.filter(service_id=batch.service_id, n=0).delete()
        for chunk in _chunks(person_ids):
            Person.objects.filter(pk__in=chunk).delete()  # their follow-ups and memberships go with them
        for chunk in _chunks(batch.created_ids.get("households", [])):
            Household.objects.filter(pk__in=chunk).delete()
        compartments = _compartments(batch.mapping)
        for chunk in _chunks(sorted(touched)):
            record(user, chunk, "delete", compartments, service_id=batch.service_id)
        batch.status, batch.undone_at, batch.undone_by = ImportStatus.UNDONE, timezone.now(), user
        batch.save(update_fields=["status", "undone_at", "undone_by"])
    access.forget(user)
    log.info("import %s undone by account %s", batch.pk, user.pk)
    return batch


def read_report(user, batch):
    """The report of an import for its screen or the API: the persons named as perhaps already known are
    journaled as listed (identity), since the report shows their names."""
    batch = get_batch(user, batch.pk)
    shown = sorted({d["person_id"] for d in batch.report.get("duplicates", [])})
    for chunk in _chunks(shown):
        record(user, chunk, "list", {"identity"}, service_id=batch.service_id)
    return batch.report


def can_undo(batch):
    return batch.status == ImportStatus.DONE and not edited_since(batch)
