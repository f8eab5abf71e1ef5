"""Rules about referrals, called alike by screens, API, tasks and other capabilities.

- Intake through three doors (team, partner account, public form) — create_referral.
- Eligibility (from the Service's data only) — eligibility(service, referral).
- Capacity (reusable by other capabilities) — capacity_usage(service).
- Decisions — accept, decline, put_on_waiting_list, forward; regional regulation — route,
  suggest_services; the orientation committee — record_committee_meeting.
- referral_date_of(followup): when the person was referred, for "time from referral to first contact".
"""

import datetime
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from aupres.accounts.models import AccountKind
from aupres.audit.models import IDENTITY
from aupres.audit.services import record
from aupres.core import access
from aupres.core.errors import Conflict, DomainError, Forbidden, NotFound
from aupres.core.models import Compartment
from aupres.core.network import client_ip as seen_through_proxies
from aupres.followups.models import FollowUp, FollowUpState
from aupres.persons.models import HouseholdMember, Person
from aupres.referrals.models import (
    DOCUMENT_COMPARTMENT,
    CommitteeMeeting,
    Consent,
    DeclineReason,
    DocumentKind,
    Door,
    Need,
    Referral,
    ReferralAttachment,
    ReferralEvent,
    Source,
    Status,
    Urgency,
    new_receipt,
)
from aupres.services.models import CapacityUnit, Membership, Profession, Public, RequiredDocument, Service, Territory

MAX_ATTACHMENT_BYTES = getattr(settings, "REFERRAL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
ATTACHMENT_SIGNATURES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg",
                         b"\x89PNG\r\n\x1a\n": "image/png"}


# Capacity --------------------------------------------------------------------------------------

@dataclass
class Capacity:
    used: int
    limit: int | None  # None: the unit does not limit admissions (or no capacity is set)
    unit: str

    @property
    def free(self):
        return None if self.limit is None else max(0, self.limit - self.used)

    def full_with(self, adding=1):
        return self.limit is not None and self.used + adding > self.limit


COUNTS_HOUSEHOLDS = {CapacityUnit.HOUSEHOLDS, CapacityUnit.FAMILIES}


def _open_person_ids(service):
    return FollowUp.objects.open().filter(service=service).values("person_id")


def capacity_usage(service, on=None):
    """How full the service is, in its own unit (Service.capacity_unit and capacity).

    Households/families: distinct current households of the persons with an open follow-up, a person
    without a household counting as one. Situations per case manager: the limit is the capacity times
    the number of active case-manager memberships. Persons per opening day does not limit admissions,
    nor does a capacity of 0 (not set).
    """
    on = on or timezone.localdate()
    persons = _open_person_ids(service)
    if service.capacity_unit in COUNTS_HOUSEHOLDS:
        current = HouseholdMember.objects.filter(person_id__in=persons).filter(
            Q(until__isnull=True) | Q(until__gt=on))
        households = current.values("household_id").distinct().count()
        alone = FollowUp.objects.open().filter(service=service).exclude(
            person_id__in=current.values("person_id")).values("person_id").distinct().count()
        used = households + alone
    else:
        used = FollowUp.objects.open().filter(service=service).values("person_id").distinct().count()
    limit = service.capacity or None
    if service.capacity_unit == CapacityUnit.PERSONS_PER_DAY:
        limit = None
    elif service.capacity_unit == CapacityUnit.SITUATIONS_PER_CASE_MANAGER and limit:
        managers = Membership.objects.active(on).filter(
            service=service, profession=Profession.CASE_MANAGER).values("user_id").distinct().count()
        limit = limit * managers
    return Capacity(used=used, limit=limit, unit=service.capacity_unit)


def _adds_to_capacity(service, person, on=None):
    """1, or 0 when the person's household is already counted by this service."""
    if person is None or service.capacity_unit not in COUNTS_HOUSEHOLDS:
        return 1
    on = on or timezone.localdate()
    households = HouseholdMember.objects.filter(person=person).filter(
        Q(until__isnull=True) | Q(until__gt=on)).values("household_id")
    counted = HouseholdMember.objects.filter(household_id__in=households, person_id__in=_open_person_ids(service))
    return 0 if counted.exists() else 1


# Eligibility -----------------------------------------------------------------------------------

def _months_between(since, on):
    return (on.year - since.year) * 12 + on.month - since.month - (on.day < since.day)


def eligibility(service, referral, on=None):
    """Reasons why the referral does not fit the service: [(code, message)], empty when it fits.

    Only the service's data decides (public, ages, months on the street, prescription, documents,
    the person's own demand, needs taken). What is unknown (age, sex) is never a reason.
    """
    on = on or timezone.localdate()
    reasons = []
    person = referral.person if referral.person_id else None
    age = referral.age(on)
    sex = referral.sex if referral.sex != "unknown" else (person.sex if person else "unknown")
    public = service.public
    if public == Public.ADULTS and age is not None and age < 18:
        reasons.append(("wrong_public", _("This service takes adults only.")))
    elif public == Public.WOMEN and sex not in ("female", "unknown"):
        reasons.append(("wrong_public", _("This service takes women only.")))
    elif public == Public.MOTHERS_WITH_CHILDREN and (sex not in ("female", "unknown")
                                                     or not referral.minor_children):
        reasons.append(("wrong_public", _("This service takes mothers with their minor children; "
                                          "the referral mentions no minor child with a mother.")))
    elif public == Public.MOTHERS_WITH_NEWBORNS and (sex not in ("female", "unknown") or not referral.newborn):
        reasons.append(("wrong_public", _("This service takes mothers with a newborn; the referral "
                                          "mentions no newborn with a mother.")))
    if age is not None and service.min_age is not None and age < service.min_age:
        reasons.append(("too_young", _("The person is younger than the service's minimum age (%(age)s).")
                        % {"age": service.min_age}))
    if age is not None and service.max_age is not None and age > service.max_age:
        reasons.append(("too_old", _("The person is older than the service's maximum age (%(age)s).")
                        % {"age": service.max_age}))
    since = referral.on_street_since or (person.on_street_since if person else None)
    if service.max_months_on_street is not None and since is not None:
        months = _months_between(since, on)
        if months > service.max_months_on_street:
            reasons.append(("too_long_on_street", _(
                "The person has been on the street for %(months)s months; this service takes people on "
                "the street for at most %(max)s months.") % {"months": months, "max": service.max_months_on_street}))
    needs_prescription = service.requires_prescription or RequiredDocument.PRESCRIPTION in (
        service.required_documents or [])
    if needs_prescription and not (referral.prescription_date and referral.prescriber.strip()):
        reasons.append(("missing_prescription", _(
            "This service acts only on medical prescription: give the prescription date and the prescriber.")))
    if referral.pk:
        present = set(referral.attachments.values_list("kind", flat=True))
    else:
        present = set(getattr(referral, "_pending_documents", ()))
    labels = dict(DocumentKind.choices)
    for kind in service.required_documents or []:
        if kind == RequiredDocument.PRESCRIPTION:
            continue
        if kind not in present:
            reasons.append(("missing_document", _("Missing document: %(doc)s.") % {"doc": labels.get(kind, kind)}))
    if service.requires_expressed_demand and not (referral.consent == Consent.ASKS or referral.source == Source.SELF):
        reasons.append(("no_expressed_demand", _("This service requires the person's own demand.")))
    taken = service.accepted_needs or []
    if taken and referral.needs and not set(referral.needs) & set(taken):
        labels = dict(Need.choices)
        reasons.append(("need_not_matching", _(
            "This service does not take this kind of need (it takes: %(needs)s).")
            % {"needs": ", ".join(str(labels.get(n, n)) for n in taken)}))
    return reasons


# Visibility --------------------------------------------------------------------------------------

def visible_referrals(user):
    """Team members: referrals addressed to their services. Partners: those they sent.
    Regulators: referrals addressed to no service, in their territory. Others: none."""
    qs = Referral.objects.all()
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.kind == AccountKind.STAFF:
        return qs.filter(service_id__in=access.service_ids(user))
    if user.kind == AccountKind.PARTNER:
        return qs.filter(sent_by=user)
    if user.kind == AccountKind.REGULATOR:
        if user.territory_id is None:
            return qs.none()
        return qs.unrouted().filter(territory_id__in=user.territory.self_and_descendant_ids())
    return qs.none()


def listed_referrals(user):
    """What a list shows the user: visible_referrals, where a partner sees a forwarded referral once, as
    its latest step (the referral at the service it was forwarded to), not also as the forwarded one."""
    qs = visible_referrals(user)
    if getattr(user, "kind", None) == AccountKind.PARTNER:
        qs = qs.exclude(status=Status.FORWARDED, forwards__isnull=False)
    return qs


def referral_compartments(user, referral):
    """What a team member reads of a referral addressed to one of their services (as on a person)."""
    if referral.service_id is None:
        return frozenset()
    return access.compartments_by_service(user).get(referral.service_id, frozenset())


def get_referral(user, referral_id):
    referral = visible_referrals(user).select_related("service", "person", "territory").filter(
        pk=referral_id).first()
    if referral is None:
        raise NotFound()
    referral.compartments = referral_compartments(user, referral)
    return referral


def shown_compartments(user, referrals):
    """identity, and the compartments a team member reads of these referrals (partners and regulators:
    identity only)."""
    comps = {IDENTITY}
    if getattr(user, "kind", None) == AccountKind.STAFF:
        for r in referrals:
            comps |= set(referral_compartments(user, r))
    return comps


def read_referral(user, referral_id):
    """get_referral, journaled as a read of its person (once linked) in what the user reads of it."""
    referral = get_referral(user, referral_id)
    record(user, referral.person_id, "read", shown_compartments(user, [referral]), service_id=referral.service_id)
    return referral


# Read model (issue #16 point 2, D62): what one user reads of a referral's compartments, decided here for
# the screen and the API. A section the user does not read is absent. Partners and regulators read none
# (their views of a referral are the status and the anonymous facts). It journals nothing: the referral was
# read through read_referral or a referrals_page, which journal it.

def _fields_of(compartment):
    return tuple(f for f, c in Referral.COMPARTMENT_OF_FIELD.items() if c == compartment)


REFERRAL_SECTIONS = {"administrative": _fields_of(Compartment.ADMINISTRATIVE),
                     "social": _fields_of(Compartment.SOCIAL), "health": _fields_of(Compartment.HEALTH)}


def referral_view(user, referral, *, documents=False):
    """{"compartments", and per compartment read a section of the referral's fields in it}; with
    `documents`, also the documents the user may open and the number of the others."""
    staff = getattr(user, "kind", None) == AccountKind.STAFF
    comps = frozenset(referral_compartments(user, referral)) if staff else frozenset()
    view = {"compartments": comps}
    for name, fields in REFERRAL_SECTIONS.items():
        if Compartment(name) in comps:
            view[name] = {f: getattr(referral, f) for f in fields}
    if documents:
        view["attachments"] = readable_attachments(user, referral) if staff else []
        view["hidden_attachments"] = referral.attachments.count() - len(view["attachments"])
    return view


class ReferralFacts:
    """The referral as every addressed reader sees it (receipt, needs, status, decisions), for a template: its
    compartments' fields are missing, as if the model had none, so that only the read model's sections can
    show them (a template that names one renders nothing, and fails the tests' undefined-variable guard)."""

    _HIDDEN = frozenset(Referral.COMPARTMENT_OF_FIELD)

    def __init__(self, referral):
        self._referral = referral

    def __getattr__(self, name):
        if name in ReferralFacts._HIDDEN:
            raise AttributeError(name)
        return getattr(self._referral, name)


def search_values(referral, view):
    """The identity a duplicate search compares to the referral, its phone only when the user reads it."""
    values = {f: getattr(referral, f) for f in ("alias", "first_name", "last_name", "birth_year", "sex")}
    values["phone"] = view.get("administrative", {}).get("phone", "")
    return values


def referrals_page(user, queryset, offset=0, limit=None, names_only=False):
    """A page of these referrals (visible_referrals, listed_referrals), the persons they name journaled:
    in what the user reads of them, or in the identity only for a list that shows names only (a screen's
    inbox)."""
    found = list(queryset[offset: None if limit is None else offset + limit])
    record(user, [r.person_id for r in found if r.person_id], "list",
           {IDENTITY} if names_only else shown_compartments(user, found))
    return found


def committee_waiting(user, service):
    """The referrals before the orientation committee of one of the user's services, journaled as listed."""
    if service.pk not in access.service_ids(user):
        raise NotFound()
    return referrals_page(user, Referral.objects.filter(service=service, status__in=[Status.COMMITTEE,
                                                                                     Status.WAITING])
                          .order_by("received_at"), names_only=True)


def _journal_decision(user, referral, action="update", compartments=(IDENTITY,)):
    record(user, referral.person_id, action, compartments, service_id=referral.service_id)


def _event(referral, user, action, note=""):
    ReferralEvent.objects.create(referral=referral, by=user if getattr(user, "pk", None) else None,
                                 action=action, status=referral.status, service_id=referral.service_id,
                                 note=note)


# Intake ------------------------------------------------------------------------------------------

TEXT_FIELDS = ("referrer_organisation", "referrer_name", "referrer_phone", "referrer_email", "alias",
               "first_name", "last_name", "phone", "location", "social_description", "health_description",
               "prescriber")
INTAKE_FIELDS = (*TEXT_FIELDS, "source", "sex", "birth_year", "estimated_age", "minor_children", "newborn",
                 "household_size", "needs", "urgency", "consent", "on_street_since", "prescription_date")


# Plausible ranges of a referral's numbers and dates (issue #13; docs/decisions.md).
MAX_HOUSEHOLD = 30
MAX_ESTIMATED_AGE = 120
PRESCRIPTION_MAX_AGE_DAYS = 2 * 365
STREET_SINCE_MIN_YEAR = 1950


def referral_value_errors(values, today=None):
    """Every rule a referral's values break, as DomainErrors (a form shows them all at once)."""
    today = today or timezone.localdate()
    errors = []
    if values.get("source") not in Source.values:
        errors.append(DomainError(_("Say who refers."), field="source"))
    if not any((values.get(f) or "").strip() for f in ("alias", "first_name", "last_name", "location")):
        errors.append(DomainError(_("Give at least a name, an alias, or where the person can be found."),
                                  field="alias", code="name_required"))
    needs = values.get("needs") or []
    if not needs:
        errors.append(DomainError(_("Say what the need is."), field="needs"))
    elif set(needs) - set(Need.values):
        errors.append(DomainError(_("Unknown kind of need."), field="needs"))
    year = values.get("birth_year")
    if year and not (1900 <= year <= today.year):
        errors.append(DomainError(_("The birth year must be between 1900 and this year."), field="birth_year"))
    age = values.get("estimated_age")
    if age is not None and not (0 <= age <= MAX_ESTIMATED_AGE):
        errors.append(DomainError(_("An estimated age is between 0 and %(max)d.") % {"max": MAX_ESTIMATED_AGE},
                                  field="estimated_age", code="implausible"))
    size, children = values.get("household_size"), values.get("minor_children")
    if size is not None and not (1 <= size <= MAX_HOUSEHOLD):
        errors.append(DomainError(_("A household counts between 1 and %(max)d persons, the person included.")
                                  % {"max": MAX_HOUSEHOLD}, field="household_size", code="implausible"))
    elif children is not None and size is not None and not (0 <= children < size):
        errors.append(DomainError(_("The minor children are fewer than the persons of the household (%(n)d), "
                                    "the person included.") % {"n": size}, field="minor_children",
                                  code="implausible"))
    for name in ("on_street_since", "prescription_date"):
        if values.get(name) and values[name] > today:
            errors.append(DomainError(_("This date is in the future."), field=name))
    since = values.get("on_street_since")
    if since and since.year < STREET_SINCE_MIN_YEAR:
        errors.append(DomainError(_("On the street since %(year)d or later.") % {"year": STREET_SINCE_MIN_YEAR},
                                  field="on_street_since", code="implausible"))
    prescribed = values.get("prescription_date")
    if prescribed and (today - prescribed).days > PRESCRIPTION_MAX_AGE_DAYS:
        errors.append(DomainError(_("A prescription dated more than two years ago is not plausible."),
                                  field="prescription_date", code="implausible"))
    return errors


def callback_errors(values):
    """The public form's own rule: someone reporting another person leaves a way to call them back."""
    if values.get("source") != Source.SELF and not (values.get("referrer_phone") or values.get("referrer_email")):
        return [DomainError(_("Give a phone number or an email address so that the team can call you back."),
                            field="referrer_phone")]
    return []


def check_referral_values(values, today=None):
    """Raise the first rule broken (the API answers one error; screens show all: referral_value_errors)."""
    errors = referral_value_errors(values, today)
    if errors:
        raise errors[0]


def _target_service(service_id):
    service = Service.objects.filter(pk=service_id, is_active=True).first()
    if service is None:
        raise DomainError(_("This service does not exist or is closed."), field="service")
    return service


@transaction.atomic
def create_referral(user, values, *, service_id=None, territory_id=None, person_id=None, documents=()):
    """Record a referral through the user's door. `documents`: [(kind, uploaded file)].

    Team member: for one of their services, possibly linked to a person they already see.
    Partner: to a service, or to a territory for the regulator to route. Anonymous (public form):
    same as a partner, without account; the caller must have checked the rate limit and honeypot.
    """
    values = {k: v for k, v in values.items() if k in INTAKE_FIELDS}
    for name in TEXT_FIELDS:
        if name in values:
            values[name] = (values[name] or "").strip()
    if "needs" in values:
        values["needs"] = sorted({str(n) for n in values["needs"] or []})
    check_referral_values(values)
    kind = user.kind if getattr(user, "is_authenticated", False) else None
    referral = Referral(**values)
    if kind == AccountKind.STAFF:
        if service_id is None or int(service_id) not in access.service_ids(user):
            raise Forbidden(_("Record a referral for one of your services."), field="service")
        referral.door, referral.recorded_by = Door.TEAM, user
    elif kind == AccountKind.PARTNER:
        referral.door, referral.sent_by = Door.PARTNER, user
        referral.referrer_organisation = referral.referrer_organisation or user.organisation
    elif kind is None:
        referral.door = Door.PUBLIC
        for error in callback_errors(values):
            raise error
    else:
        raise Forbidden(_("Your account cannot send referrals."))
    if person_id is not None:
        if kind != AccountKind.STAFF:
            raise Forbidden(_("Only a team member links a referral to a person."), field="person")
        person = access.visible_persons(user).filter(pk=person_id).first()
        if person is None:
            raise NotFound(field="person")
        referral.person = person
    if service_id is not None:
        referral.service = _target_service(service_id)
        referral.status = Status.COMMITTEE if referral.service.has_orientation_committee else Status.PENDING
    elif territory_id is not None:

        referral.territory = Territory.objects.filter(pk=territory_id).first()
        if referral.territory is None:
            raise DomainError(_("Unknown territory."), field="territory")
    else:
        raise DomainError(_("Choose a service, or the territory where the person is."), field="service")
    if referral.territory is None and referral.service is not None:
        referral.territory = referral.service.territories.order_by("level", "pk").first()
    docs = [(k, f) for k, f in documents if f]
    for doc_kind, upload in docs:
        check_attachment(doc_kind, upload)
    referral.save()
    for doc_kind, upload in docs:
        _store_attachment(user, referral, doc_kind, upload)
    _event(referral, user, "received")
    _journal_decision(user, referral, "create",
                      {IDENTITY, *(c for f, c in Referral.COMPARTMENT_OF_FIELD.items() if values.get(f))})
    return referral


# Attachments -------------------------------------------------------------------------------------

def sniff_type(upload):
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in ATTACHMENT_SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    return None


def check_attachment(kind, upload):
    if kind not in DocumentKind.values:
        raise DomainError(_("Unknown kind of document."), field="attachments")
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise DomainError(_("A document may weigh at most %(mb)s MB.") % {"mb": MAX_ATTACHMENT_BYTES // 2**20},
                          field="attachments", code="file_too_large")
    content_type = sniff_type(upload)
    if content_type is None or not _whole_file_is(content_type, upload):
        raise DomainError(_("Send a PDF, JPEG or PNG file."), field="attachments", code="file_type")


# Documents kept while the form comes back with errors (issue #13) ------------------------------------
# A document that passed check_attachment is kept in the file storage under pending/<form token>/ until the
# referral is sent (then it becomes an attachment and the copy goes) or PENDING_MAX_AGE has passed. The
# screen keeps the token in the form and the list of kept files in the sender's session: nobody else's
# form can name them.
PENDING_DIR = "pending"
PENDING_MAX_AGE = datetime.timedelta(hours=24)
UPLOAD_TOKEN = re.compile(r"^[A-Za-z0-9_-]{24,64}$")


def new_upload_token():
    return secrets.token_urlsafe(24)


def keep_upload(kind, token, field, upload):
    """Check a chosen document and keep it for the form's next round: {"name", "original", "size"}."""
    if not UPLOAD_TOKEN.match(token or ""):
        raise DomainError(_("This form has expired: reload the page."), field=field)
    check_attachment(kind, upload)
    purge_pending()
    upload.seek(0)
    name = default_storage.save(f"{PENDING_DIR}/{token}/{field}", upload)
    return {"name": name, "original": (upload.name or "")[-200:], "size": upload.size}


def open_kept(info):
    """A kept document as an uploaded file (create_referral checks it again and stores it)."""
    handle = default_storage.open(info["name"], "rb")
    kept = File(handle, name=info["original"] or "document")
    kept.size = info["size"]
    return kept


def drop_kept(info):
    if str(info.get("name", "")).startswith(f"{PENDING_DIR}/"):
        default_storage.delete(info["name"])


def purge_pending(now=None):
    """Delete the kept documents of forms left more than PENDING_MAX_AGE ago."""
    now = now or timezone.now()
    try:
        tokens, _files = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return 0
    gone = 0
    for token in tokens:
        _dirs, names = default_storage.listdir(f"{PENDING_DIR}/{token}")
        for name in names:
            path = f"{PENDING_DIR}/{token}/{name}"
            if now - default_storage.get_modified_time(path) > PENDING_MAX_AGE:
                default_storage.delete(path)
                gone += 1
    return gone


# Decoded images larger than this are refused (a small file can hold a huge image: a decompression bomb).
MAX_IMAGE_PIXELS = 60_000_000


def _whole_file_is(content_type, upload):
    """The whole file is read as what its first bytes announce (issue #11): a PDF parser (pypdf) reads
    every page; an image decoder (Pillow) checks and decodes the whole image. Any failure: refused."""
    upload.seek(0)
    try:
        if content_type == "application/pdf":
            from pypdf import PdfReader  # noqa: PLC0415 — heavy library (0.3 s), loaded only when a PDF is uploaded

            reader = PdfReader(upload, strict=True)
            if reader.is_encrypted or not len(reader.pages):
                return False
            for page in reader.pages:
                page.mediabox  # noqa: B018 - parses each page object
            return True

        expected = {"image/jpeg": "JPEG", "image/png": "PNG"}[content_type]
        with Image.open(upload) as image:
            if image.format != expected or image.width * image.height > MAX_IMAGE_PIXELS:
                return False
            image.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
        return True
    except Exception:  # noqa: BLE001 - whatever the parser or decoder chokes on, the file is refused
        return False
    finally:
        upload.seek(0)


whole_file_is = _whole_file_is  # read by other apps' uploads (partnerships' conventions)


def _check_room(user, referral, size):
    """At most REFERRAL_MAX_ATTACHMENTS documents and REFERRAL_MAX_MB per referral, and
    REFERRAL_SENDER_MB_PER_DAY per sender over 24 hours (settings). Called with the referral locked."""
    existing = referral.attachments.aggregate(n=Count("pk"), total=Sum("size"))
    if existing["n"] >= settings.REFERRAL_MAX_ATTACHMENTS:
        raise DomainError(_("A referral holds at most %(n)d documents.") % {"n": settings.REFERRAL_MAX_ATTACHMENTS},
                          field="attachments", code="too_many_files")
    if (existing["total"] or 0) + size > settings.REFERRAL_MAX_MB * 2**20:
        raise DomainError(_("The documents of a referral weigh at most %(mb)d MB in all.")
                          % {"mb": settings.REFERRAL_MAX_MB}, field="attachments", code="referral_too_large")
    if getattr(user, "pk", None):
        since = timezone.now() - datetime.timedelta(hours=24)
        sent = ReferralAttachment.objects.filter(uploaded_by=user, uploaded_at__gte=since).aggregate(
            total=Sum("size"))["total"] or 0
        if sent + size > settings.REFERRAL_SENDER_MB_PER_DAY * 2**20:
            raise DomainError(_("You have sent %(mb)d MB of documents in the last 24 hours: try again "
                                "tomorrow, or call the team.") % {"mb": sent // 2**20}, field="attachments",
                              code="sender_quota", status=429)


def _store_attachment(user, referral, kind, upload):
    with transaction.atomic():
        Referral.objects.select_for_update().filter(pk=referral.pk).first()  # one upload at a time per referral
        _check_room(user, referral, upload.size)
        return _write_attachment(user, referral, kind, upload)


def _write_attachment(user, referral, kind, upload):
    content_type = sniff_type(upload)
    attachment = ReferralAttachment(referral=referral, kind=kind, original_name=(upload.name or "")[-200:],
                                    content_type=content_type, size=upload.size,
                                    uploaded_by=user if getattr(user, "pk", None) else None)
    attachment.file.save("upload", upload, save=False)
    attachment.save()
    return attachment


def add_attachment(user, referral, kind, upload):
    """The sender (partner, while the referral is open) or the addressed team adds a document."""
    check_attachment(kind, upload)
    if not referral.is_open:
        raise DomainError(_("This referral has been decided: documents can no longer be added."),
                          code="referral_closed")
    if user.kind == AccountKind.STAFF:
        if referral.service_id not in access.service_ids(user):
            raise NotFound()
        referral.compartments = referral_compartments(user, referral)
        access.require(referral, _doc_compartment(kind))
    elif not (user.kind == AccountKind.PARTNER and referral.sent_by_id == user.pk):
        raise NotFound()
    attachment = _store_attachment(user, referral, kind, upload)
    _journal_decision(user, referral, "create", {attachment.compartment})
    return attachment


def _doc_compartment(kind):
    return DOCUMENT_COMPARTMENT[kind]


def readable_attachments(user, referral):
    """Documents a team member may open: by compartment. Partners and regulators open none."""
    comps = referral_compartments(user, referral)
    return [a for a in referral.attachments.all() if a.compartment in comps]


def get_attachment(user, referral_id, attachment_id):
    referral = get_referral(user, referral_id)
    attachment = referral.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound()
    if attachment.compartment not in referral.compartments:
        access.require(referral, attachment.compartment)
    return attachment


def read_attachment(user, referral_id, attachment_id):
    """get_attachment, journaled as a read (of the document's compartment) of the referral's person."""
    attachment = get_attachment(user, referral_id, attachment_id)
    _journal_decision(user, attachment.referral, "read", {attachment.compartment})
    return attachment


# Decisions ---------------------------------------------------------------------------------------

def _deciding(user, referral):
    if referral.service_id is None or referral.service_id not in access.service_ids(user):
        raise NotFound()
    if not referral.is_open:
        raise DomainError(_("This referral has already been decided."), code="already_decided")


def _save(referral, version, fields):
    referral.save_versioned(version, update_fields=fields)


def _check_override(user, referral, code, message, justification, details=None):
    """A rule refuses the decision unless the head of service overrides it with a justification."""
    justification = (justification or "").strip()
    if justification and access.is_head_of_service(user, referral.service_id):
        referral.overridden_rules = sorted({*referral.overridden_rules, code})
        return
    if justification:
        raise Forbidden(_("Only the head of service may make an exception."), code="override_forbidden",
                        field="override_justification")
    raise DomainError(message, code=code, field="override_justification", details=details or {})


def _new_person(user, referral):
    values = {f: getattr(referral, f) for f in ("alias", "first_name", "last_name", "sex", "birth_year",
                                                "estimated_age", "phone", "on_street_since")}
    if not any(values[f] for f in ("alias", "first_name", "last_name")):
        values["alias"] = _("Referral %(receipt)s") % {"receipt": referral.receipt}
    person = Person(created_by=user, **values)
    if person.estimated_age is not None:
        person.estimated_on = timezone.localtime(referral.received_at).date()
    person.save()
    return person


_ACCEPTANCE_STEPS = []


def on_acceptance(step):
    """Register a step of every acceptance (screen, API, committee meeting), run in its transaction once the
    follow-up is open and before the referral is saved: step(user, referral, followup, *, place_id,
    override_justification, check_override); it refuses by raising, or lets the head of service override
    through check_override(user, referral, code, message, justification). The apps above referrals compose
    the acceptance this way (places, in its AppConfig.ready) so that referrals imports none of them."""
    if step not in _ACCEPTANCE_STEPS:
        _ACCEPTANCE_STEPS.append(step)
    return step


@transaction.atomic
def accept(user, referral, version, *, person_id=None, override_justification="", meeting=None, strategy="",
           place_id=None):
    """Accept: open a follow-up in the service (state intake) and start the referral-to-contact clock.

    Refused, with the reasons, when the referral does not fit the service or the service is full,
    unless the head of service overrides with a justification. A service with an orientation
    committee accepts only through a committee meeting.
    """
    _deciding(user, referral)
    service = referral.service
    if service.has_orientation_committee and meeting is None:
        raise DomainError(_("The orientation committee of this service decides: record its meeting."),
                          code="committee_required")
    if person_id is not None:
        person = access.visible_persons(user).filter(pk=person_id).first()
        if person is None:
            raise NotFound(field="person")
        referral.person = person
    reasons = eligibility(service, referral)
    if reasons:
        _check_override(user, referral, "not_eligible", " ".join(str(m) for _c, m in reasons),
                        override_justification, {"reasons": [c for c, _m in reasons]})
    capacity = capacity_usage(service)
    if capacity.full_with(_adds_to_capacity(service, referral.person)):  # None for a referral of nobody yet
        _check_override(user, referral, "capacity_full", _(
            "The service is full: %(used)s for a capacity of %(limit)s.") % {
                "used": capacity.used, "limit": capacity.limit},
            override_justification, {"used": capacity.used, "limit": capacity.limit})
    new_person = not referral.person_id
    person = referral.person if referral.person_id else _new_person(user, referral)
    if FollowUp.objects.open().filter(person=person, service=service).exists():
        raise Conflict(_("This person is already followed by this service."), code="already_followed")
    now = timezone.now()
    followup = FollowUp.objects.create(person=person, service=service, opened_on=timezone.localdate(),
                                       state=FollowUpState.INTAKE)
    # The steps of the apps above referrals: a service with places puts the person on a free place that
    # fits (aupres.places), or refuses. Registered by those apps (on_acceptance), never imported here.
    for step in _ACCEPTANCE_STEPS:
        step(user, referral, followup, place_id=place_id, override_justification=override_justification,
             check_override=_check_override)
    referral.person, referral.followup = person, followup
    referral.status, referral.accepted_at, referral.decided_at, referral.decided_by = (
        Status.ACCEPTED, now, now, user)
    referral.override_justification = (override_justification or "").strip() if referral.overridden_rules else ""
    fields = ["person", "followup", "status", "accepted_at", "decided_at", "decided_by",
              "override_justification", "overridden_rules"]
    if meeting is not None:
        referral.committee_meeting, referral.committee_strategy = meeting, strategy
        fields += ["committee_meeting", "committee_strategy"]
    _save(referral, version, fields)
    access.forget(user)
    _event(referral, user, "accepted", referral.override_justification)
    if new_person:  # the person is created from the referral: identity, phone, on the street since
        _journal_decision(user, referral, "create", {IDENTITY, Compartment.ADMINISTRATIVE, Compartment.SOCIAL})
    else:
        _journal_decision(user, referral)
    return referral


@transaction.atomic
def decline(user, referral, version, *, reason, note="", meeting=None, strategy=""):
    _deciding(user, referral)
    if reason not in DeclineReason.values:
        raise DomainError(_("Choose a reason."), field="reason")
    note = (note or "").strip()
    if reason == DeclineReason.OTHER and not note:
        raise DomainError(_("Explain the reason."), field="note")
    now = timezone.now()
    referral.status, referral.decline_reason, referral.decision_note = Status.DECLINED, reason, note
    referral.decided_at, referral.decided_by = now, user
    fields = ["status", "decline_reason", "decision_note", "decided_at", "decided_by"]
    if meeting is not None:
        referral.committee_meeting, referral.committee_strategy = meeting, strategy
        fields += ["committee_meeting", "committee_strategy"]
    _save(referral, version, fields)
    _event(referral, user, "declined", note)
    _journal_decision(user, referral)
    return referral


@transaction.atomic
def put_on_waiting_list(user, referral, version, *, note="", meeting=None, strategy=""):
    _deciding(user, referral)
    if referral.status == Status.WAITING:
        raise DomainError(_("This referral is already on the waiting list."), code="already_waiting")
    referral.status, referral.waiting_since = Status.WAITING, timezone.now()
    fields = ["status", "waiting_since"]
    if meeting is not None:
        referral.committee_meeting, referral.committee_strategy = meeting, strategy
        fields += ["committee_meeting", "committee_strategy"]
    _save(referral, version, fields)
    _event(referral, user, "waiting", (note or "").strip())
    _journal_decision(user, referral)
    return referral


def waiting_list(service):
    """The service's waiting list, in order (first come, first served)."""
    return Referral.objects.filter(service=service, status=Status.WAITING).order_by("waiting_since", "pk")


def waiting_positions(service_ids):
    """{referral id: position (1-based)} over the waiting lists of these services."""
    positions, counters = {}, {}
    rows = Referral.objects.filter(service_id__in=service_ids, status=Status.WAITING).order_by(
        "service_id", "waiting_since", "pk").values_list("pk", "service_id")
    for pk, sid in rows:
        counters[sid] = counters.get(sid, 0) + 1
        positions[pk] = counters[sid]
    return positions


COPIED_FIELDS = ("source", "referrer_organisation", "referrer_name", "referrer_phone", "referrer_email",
                 "sent_by", "territory", "person", "alias", "first_name", "last_name", "sex", "birth_year",
                 "estimated_age", "minor_children", "newborn", "household_size", "needs", "urgency", "consent",
                 "phone", "location", "on_street_since", "social_description", "health_description",
                 "prescription_date", "prescriber", "received_at", "door", "recorded_by")


@transaction.atomic
def forward(user, referral, version, *, service_id, note=""):
    """Send the referral on to another service: a new referral there, this one marked forwarded."""
    _deciding(user, referral)
    target = _target_service(service_id)
    if target.pk == referral.service_id:
        raise DomainError(_("Choose another service."), field="service")
    now = timezone.now()
    copy = Referral(**{f: getattr(referral, f) for f in COPIED_FIELDS}, service=target, forwarded_from=referral,
                    status=Status.COMMITTEE if target.has_orientation_committee else Status.PENDING)
    copy.received_at = now
    copy.save()
    for attachment in referral.attachments.all():
        ReferralAttachment.objects.create(
            referral=copy, kind=attachment.kind, file=attachment.file.name, original_name=attachment.original_name,
            content_type=attachment.content_type, size=attachment.size, uploaded_by=attachment.uploaded_by)
    referral.status, referral.decided_at, referral.decided_by = Status.FORWARDED, now, user
    referral.decision_note = (note or "").strip()
    _save(referral, version, ["status", "decided_at", "decided_by", "decision_note"])
    _event(referral, user, "forwarded", referral.decision_note)
    _event(copy, user, "received")
    _journal_decision(user, referral)
    return copy


# Regional regulation -----------------------------------------------------------------------------

def _territory_family(territory):
    """The territory, its ancestors and its descendants: a service covering any of them may serve it."""
    if territory is None:
        return set()
    ids = set(territory.self_and_descendant_ids())
    node = territory
    while node.parent_id:
        node = node.parent
        ids.add(node.pk)
    return ids


@dataclass
class Suggestion:
    service: Service
    score: int
    territory_match: bool
    need_match: bool
    reasons: list
    capacity: Capacity


def suggest_services(referral, limit=5):
    """Services ranked for a referral: territory match, need taken, eligibility, free capacity."""
    family = _territory_family(referral.territory)
    suggestions = []
    for service in Service.objects.filter(is_active=True).select_related("kind").prefetch_related("territories"):
        covered = {t.pk for t in service.territories.all()}
        territory_match = bool(covered & family)
        taken = service.accepted_needs or []
        need_match = not taken or bool(set(referral.needs) & set(taken))
        reasons = eligibility(service, referral)
        capacity = capacity_usage(service)
        score = (40 if territory_match else 0) + (30 if need_match else 0) + (20 if not reasons else 0)
        if capacity.limit is None or capacity.free:
            score += 10
        suggestions.append(Suggestion(service, score, territory_match, need_match, reasons, capacity))
    suggestions.sort(key=lambda s: (-s.score, -(s.capacity.free or 0), s.service.name))
    return suggestions[:limit]


@transaction.atomic
def route(user, referral, version, *, service_id, note=""):
    """A regulator addresses a referral of their territory to a service."""
    if user.kind != AccountKind.REGULATOR or not visible_referrals(user).filter(pk=referral.pk).exists():
        raise NotFound()
    target = _target_service(service_id)
    referral.service = target
    referral.status = Status.COMMITTEE if target.has_orientation_committee else Status.PENDING
    referral.routed_by, referral.routed_at = user, timezone.now()
    _save(referral, version, ["service", "status", "routed_by", "routed_at"])
    _event(referral, user, "routed", (note or "").strip())
    _journal_decision(user, referral)
    return referral


# Orientation committee ---------------------------------------------------------------------------

COMMITTEE_DECISIONS = ("accept", "decline", "wait")


@transaction.atomic
def record_committee_meeting(user, service, *, held_on, attendees, notes="", decisions=()):
    """Record a meeting of the service's orientation committee and apply its decisions.

    decisions: [{"referral": id, "version": int, "decision": accept|decline|wait, "strategy": text,
    "reason": DeclineReason (decline), "note": text, "override_justification": text}].
    """
    if not service.has_orientation_committee:
        raise DomainError(_("This service has no orientation committee."), code="no_committee")
    if service.pk not in access.service_ids(user):
        raise NotFound()
    attendees = (attendees or "").strip()
    if not attendees:
        raise DomainError(_("List who attended."), field="attendees")
    if held_on > timezone.localdate():
        raise DomainError(_("This date is in the future."), field="held_on")
    meeting = CommitteeMeeting.objects.create(service=service, held_on=held_on, attendees=attendees,
                                              notes=(notes or "").strip(), recorded_by=user)
    for item in decisions:
        referral = Referral.objects.filter(pk=item["referral"], service=service).first()
        if referral is None:
            raise NotFound(field="decisions")
        strategy = (item.get("strategy") or "").strip()
        decision = item.get("decision")
        if decision == "accept":
            accept(user, referral, item["version"], meeting=meeting, strategy=strategy,
                   override_justification=item.get("override_justification", ""))
        elif decision == "decline":
            decline(user, referral, item["version"], reason=item.get("reason", ""), note=item.get("note", ""),
                    meeting=meeting, strategy=strategy)
        elif decision == "wait":
            put_on_waiting_list(user, referral, item["version"], meeting=meeting, strategy=strategy)
        else:
            raise DomainError(_("Choose a decision."), field="decisions")
    return meeting


# Clock -------------------------------------------------------------------------------------------

def referral_date_of(followup):
    """When the person was first referred for this follow-up (the start of "time from referral to
    first contact"), following forwards back to the first referral; None if opened without referral."""
    referral = Referral.objects.filter(followup=followup).first()
    if referral is None:
        return None
    seen = set()
    while referral.forwarded_from_id and referral.forwarded_from_id not in seen:
        seen.add(referral.pk)
        referral = referral.forwarded_from
    return referral.received_at


# Public form -------------------------------------------------------------------------------------

def public_rate(ip):
    """True while this client may send; counts one attempt. Limit: settings.REFERRALS_PUBLIC_RATE
    (count, seconds), in the cache shared by every worker (settings.CACHES: the database, or Redis)."""
    count, seconds = getattr(settings, "REFERRALS_PUBLIC_RATE", (5, 3600))
    cache = caches[getattr(settings, "REFERRALS_PUBLIC_CACHE", "default")]
    key = f"referrals:public:{ip}"
    if cache.add(key, 1, timeout=seconds):
        return True
    try:
        used = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=seconds)
        return True
    return used <= count


def rate_limited_error():
    return DomainError(_("Too many referrals were sent from this connection. Try again later, or call the "
                         "team."), code="rate_limited", status=429)


def client_ip(request):
    return seen_through_proxies(request) or "unknown"


def decoy_receipt():
    """What a bot filling the honeypot receives: a plausible receipt for nothing."""

    return new_receipt()


def status_label(referral):
    """What the sender may know of the decision: the status, and the reason's label when declined."""
    if referral.status == Status.DECLINED and referral.decline_reason:
        return f"{referral.get_status_display()} — {referral.get_decline_reason_display()}"
    return str(referral.get_status_display())


def days_waiting(referral, on=None):
    on = on or timezone.now()
    start = referral.waiting_since or referral.received_at
    return (on - start) // datetime.timedelta(days=1)


# Lists (issue #13) -----------------------------------------------------------------------------------

def by_urgency_then_age(qs):
    """The order of what still waits for a decision: urgent first, then semi-urgent, then programmed; in
    each, the oldest first (an urgent referral three months old comes before yesterday's)."""
    rank = Case(When(urgency=Urgency.URGENT, then=Value(0)), When(urgency=Urgency.SEMI_URGENT, then=Value(1)),
                default=Value(2), output_field=IntegerField())
    return qs.annotate(urgency_rank=rank).order_by("urgency_rank", "received_at", "pk")


def filter_referrals(qs, *, territory_id=None, urgency=None, receipt=""):
    """A list of referrals narrowed by territory (and the territories below it), urgency and receipt number
    (the regulation queue and the API; issue #13). Unknown values narrow to nothing rather than widen."""
    if territory_id is not None:
        territory = Territory.objects.filter(pk=territory_id).first()
        qs = qs.filter(territory_id__in=territory.self_and_descendant_ids()) if territory else qs.none()
    if urgency:
        qs = qs.filter(urgency=urgency) if urgency in Urgency.values else qs.none()
    receipt = (receipt or "").strip().upper()[:12]
    if receipt:
        qs = qs.filter(receipt__icontains=receipt)
    return qs


def regulation_territories(user):
    """The territories a regulator may filter the queue by: theirs and those below, by level then name."""
    if getattr(user, "kind", None) != AccountKind.REGULATOR or not user.territory_id:
        return []
    return list(Territory.objects.filter(pk__in=user.territory.self_and_descendant_ids()).order_by("level", "name"))


def sender_label(referral):
    """How the sender tells its referrals apart on its list: the initials of the name it gave, else of the
    alias (« Le Voyageur » → « L. V. »); never the name or alias in full: once sent, the content stays
    with the team (docs/decisions.md, issue #13)."""
    words = [w for w in (referral.first_name, referral.last_name) if w.strip()] or referral.alias.split()
    initials = " ".join(f"{w.strip()[0].upper()}." for w in words if w.strip())
    return initials or "—"


def partner_defaults(user):
    """What a partner's form starts with (issue #13): the organisation of the account, and who to call back
    and how, as given on the partner's latest referral (else the account's own name and email)."""
    last = (Referral.objects.filter(sent_by=user).order_by("-received_at", "-pk")
            .values("source", "referrer_organisation", "referrer_name", "referrer_phone", "referrer_email").first())
    defaults = {"referrer_organisation": user.organisation, "referrer_name": user.get_full_name(),
                "referrer_email": user.email}
    if last:
        defaults.update({k: v for k, v in last.items() if v})
    return {k: v for k, v in defaults.items() if v}
