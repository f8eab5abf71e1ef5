"""The housing park: apartments (address, owner, lease, rent, the service using each), incidents (sinistres,
lost keys, repairs owed by the owner) and check-in/check-out inventories with photos.

Who: the property role of an operator (PropertyAccess: sees and manages the whole park of the operator, and
no person — the park holds no link to a person or a stay), and the head of the service using an apartment.
Other team members, partners, regulators and funders do not reach the park."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.accounts.models import AccountKind, User
from aupres.audit.models import PropertyRoleAction
from aupres.audit.services import property_role_journal, record_property_role
from aupres.core.errors import DomainError, NotFound, stale_edit_error
from aupres.core.models import StaleEdit
from aupres.places.models import (
    Apartment,
    Incident,
    IncidentKind,
    IncidentStatus,
    Inventory,
    InventoryKind,
    InventoryPhoto,
    PropertyAccess,
)
from aupres.places.services import head_service_ids
from aupres.services.models import Service

MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png", b"%PDF-": "application/pdf"}
APARTMENT_FIELDS = ("label", "address", "rooms", "owner", "owner_contact", "lease_start", "lease_end", "rent",
                    "charges", "insurer", "service_id")
INCIDENT_FIELDS = ("kind", "occurred_on", "status", "description", "owner_contact", "insurer_contact",
                   "contractor_contact", "cost")


def property_operator_ids(user):
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(PropertyAccess.objects.filter(user=user).values_list("operator_id", flat=True))


def is_park_user(user):
    return bool(property_operator_ids(user) or head_service_ids(user))


def visible_apartments(user):
    operators, heads = property_operator_ids(user), head_service_ids(user)
    if not operators and not heads:
        return Apartment.objects.none()
    return Apartment.objects.filter(Q(operator_id__in=operators) | Q(service_id__in=heads))


def get_apartment(user, apartment_id):
    try:
        apartment_id = int(apartment_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    apartment = visible_apartments(user).select_related("service", "operator").filter(pk=apartment_id).first()
    if apartment is None:
        raise NotFound()
    return apartment


def _amount(value, field):
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        raise DomainError(_("Write an amount in euros."), field=field, code="invalid_amount") from None
    if amount < 0 or amount >= Decimal("10000000"):
        raise DomainError(_("Write an amount in euros."), field=field, code="invalid_amount")
    return amount.quantize(Decimal("0.01"))


def _check_apartment(user, values):
    if not (values.get("label") or "").strip():
        raise DomainError(_("Give the apartment a name."), field="label", code="label_required")
    if not (values.get("address") or "").strip():
        raise DomainError(_("Give the address."), field="address", code="address_required")
    start, end = values.get("lease_start"), values.get("lease_end")
    if start and end and end < start:
        raise DomainError(_("The lease ends before it starts."), field="lease_end", code="dates_order")
    for field in ("rent", "charges"):
        values[field] = _amount(values.get(field), field)
    service_id = values.get("service_id")
    operators = property_operator_ids(user)
    if service_id:
        service = Service.objects.filter(pk=service_id).first()
        if service is None or (service.operator_id not in operators and service.pk not in head_service_ids(user)):
            raise NotFound(field="service")
        values["operator_id"] = service.operator_id
    elif len(operators) == 1:
        values["operator_id"] = next(iter(operators))
    elif values.get("operator_id") not in operators:
        raise DomainError(_("Choose the service using the apartment."), field="service", code="service_required")
    values["label"], values["address"] = values["label"].strip(), values["address"].strip()
    return values


def create_apartment(user, values):
    values = _check_apartment(user, {k: v for k, v in values.items() if k in (*APARTMENT_FIELDS, "operator_id")})
    return Apartment.objects.create(**values)


def update_apartment(user, apartment, values, version):
    current = {f: getattr(apartment, f) for f in APARTMENT_FIELDS}
    current.update({k: v for k, v in values.items() if k in APARTMENT_FIELDS})
    current = _check_apartment(user, current)
    for name, value in current.items():
        setattr(apartment, name, value)
    try:
        apartment.save_versioned(version, update_fields=[*APARTMENT_FIELDS, "operator_id"])
    except StaleEdit:
        raise stale_edit_error() from None
    return apartment


def _check_incident(values):
    if values.get("kind") not in IncidentKind.values:
        raise DomainError(_("Choose the kind of incident."), field="kind", code="kind_required")
    if values.get("status", IncidentStatus.OPEN) not in IncidentStatus.values:
        raise DomainError(_("Unknown status."), field="status", code="invalid_choice")
    if not values.get("occurred_on"):
        raise DomainError(_("Give the date."), field="occurred_on", code="date_required")
    if values["occurred_on"] > timezone.localdate():
        raise DomainError(_("The date is in the future."), field="occurred_on", code="future_date")
    values["cost"] = _amount(values.get("cost"), "cost")
    return values


def record_incident(user, apartment, values):
    values = _check_incident({k: v for k, v in values.items() if k in INCIDENT_FIELDS})
    return Incident.objects.create(apartment=apartment, recorded_by=user, **values)


def get_incident(user, incident_id):
    try:
        incident_id = int(incident_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    incident = Incident.objects.filter(pk=incident_id, apartment__in=visible_apartments(user)).first()
    if incident is None:
        raise NotFound()
    return incident


def update_incident(user, incident, values, version):
    current = {f: getattr(incident, f) for f in INCIDENT_FIELDS}
    current.update({k: v for k, v in values.items() if k in INCIDENT_FIELDS and v is not None})
    current = _check_incident(current)
    for name, value in current.items():
        setattr(incident, name, value)
    try:
        incident.save_versioned(version, update_fields=list(INCIDENT_FIELDS))
    except StaleEdit:
        raise stale_edit_error() from None
    return incident


def sniff(upload):
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type in PHOTO_SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    return None


@transaction.atomic
def record_inventory(user, apartment, *, kind, done_on, rooms=(), signed_by_occupant=False, signed_by_operator=False,
                     photos=()):
    if kind not in InventoryKind.values:
        raise DomainError(_("Choose check-in or check-out."), field="kind", code="kind_required")
    if not done_on or done_on > timezone.localdate():
        raise DomainError(_("Give the date (not in the future)."), field="done_on", code="date_required")
    clean = []
    for room in rooms or []:
        name = str(room.get("room", "")).strip()[:80]
        if name:
            clean.append({"room": name, "condition": str(room.get("condition", "")).strip()[:40],
                          "note": str(room.get("note", "")).strip()[:500]})
    if not clean:
        raise DomainError(_("Describe at least one room."), field="rooms", code="rooms_required")
    inventory = Inventory.objects.create(apartment=apartment, kind=kind, done_on=done_on, rooms=clean,
                                         signed_by_occupant=bool(signed_by_occupant),
                                         signed_by_operator=bool(signed_by_operator), recorded_by=user)
    for upload in photos:
        add_photo(user, inventory, upload)
    return inventory


def add_photo(user, inventory, upload):
    if upload.size > MAX_PHOTO_BYTES:
        raise DomainError(_("A photo may weigh at most 10 MB."), field="photos", code="file_too_large")
    content_type = sniff(upload)
    if content_type is None:
        raise DomainError(_("Send a JPEG, PNG or PDF file."), field="photos", code="file_type")
    photo = InventoryPhoto(inventory=inventory, content_type=content_type, size=upload.size, uploaded_by=user)
    photo.file.save("photo", upload, save=False)
    photo.save()
    return photo


def get_inventory(user, inventory_id):
    try:
        inventory_id = int(inventory_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    inventory = Inventory.objects.filter(pk=inventory_id, apartment__in=visible_apartments(user)).first()
    if inventory is None:
        raise NotFound()
    return inventory


def get_photo(user, photo_id):
    try:
        photo_id = int(photo_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    photo = InventoryPhoto.objects.filter(pk=photo_id, inventory__apartment__in=visible_apartments(user)).first()
    if photo is None:
        raise NotFound()
    return photo


# The property role: granted by a head of service of the operator ------------------------------------------

def grantable_operator_ids(user):
    """The operators whose property role this user may grant: those where they head a service."""
    return set(Service.objects.filter(pk__in=head_service_ids(user)).values_list("operator_id", flat=True))


def property_accesses(user):
    """The property roles of the operators where the user heads a service (NotFound for anyone else)."""
    operators = grantable_operator_ids(user)
    if not operators:
        raise NotFound()
    return (PropertyAccess.objects.filter(operator_id__in=operators).select_related("user", "operator", "granted_by")
            .order_by("operator__name", "user__username"))


@transaction.atomic
def grant_property_role(user, operator_id, username):
    """Give an account the property role of an operator: it then sees and manages the operator's housing park
    (apartments, incidents, inventories) and no person. Only a head of a service of that operator grants it,
    never to their own account (issue #11: nobody grants themselves an access)."""
    if int(operator_id) not in grantable_operator_ids(user):
        raise NotFound(field="operator")
    grantee = User.objects.filter(username=(username or "").strip(), is_active=True).first()
    if grantee is None or grantee.kind != AccountKind.STAFF:
        raise DomainError(_("No staff account has this username."), field="username", code="unknown_account")
    if grantee.pk == user.pk:
        raise DomainError(_("Nobody grants themselves an access: ask another head of service."), field="username",
                          code="self_grant")
    grant, created = PropertyAccess.objects.get_or_create(user=grantee, operator_id=int(operator_id),
                                                          defaults={"granted_by": user})
    if not created:
        raise DomainError(_("This account already has the property role."), field="username", code="already_granted")
    record_property_role(user, grant, PropertyRoleAction.GRANT)
    return grant


@transaction.atomic
def revoke_property_role(user, access_id):
    try:
        access_id = int(access_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    grant = (PropertyAccess.objects.select_for_update()
             .filter(pk=access_id, operator_id__in=grantable_operator_ids(user)).first())
    if grant is None:
        raise NotFound()
    record_property_role(user, grant, PropertyRoleAction.WITHDRAW)
    grant.delete()
    return grant


def property_role_events(user, limit=50):
    """The journal of the property roles of the operators where the user heads a service."""
    operators = grantable_operator_ids(user)
    if not operators:
        raise NotFound()
    return list(property_role_journal(operators)[:limit])

