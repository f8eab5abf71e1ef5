"""Places of residential services (beds, rooms, apartments, family units) and the stays on them.

A stay occupies its place for the nights [start_date, end_date): the exit day's night is free, so a
transfer ends one stay and starts the next on the same day. An open stay has no end_date.

Where a person sleeps is administrative information (like the follow-up): the following team and its
head of service read it. The address of a place of a service with `confidential_location` is shown
to that service's team only (services.place_address).
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aupres.core.models import Compartment, VersionedModel
from aupres.followups.models import ExitDestination, ExitReason


class PlaceKind(models.TextChoices):
    BED = "bed", _("Bed")
    ROOM = "room", _("Room")
    APARTMENT = "apartment", _("Individual apartment")
    SHARED_APARTMENT = "shared_apartment", _("Shared apartment")
    FAMILY_UNIT = "family_unit", _("Family unit")


# One household at a time: a stay takes the whole place (database exclusion on PostgreSQL).
EXCLUSIVE_KINDS = frozenset({PlaceKind.BED, PlaceKind.ROOM, PlaceKind.APARTMENT, PlaceKind.FAMILY_UNIT})


class SexRestriction(models.TextChoices):
    ANY = "any", _("Anyone")
    WOMEN = "female", _("Women only")
    MEN = "male", _("Men only")


class FamilyRestriction(models.TextChoices):
    ANY = "any", _("Single persons or families")
    SINGLES = "singles", _("Single persons only")
    FAMILIES = "families", _("Families only")


class Place(VersionedModel):
    service = models.ForeignKey("services.Service", verbose_name=_("service"), on_delete=models.PROTECT,
                                related_name="places")
    label = models.CharField(_("name"), max_length=80, help_text=_("For example: bed 3, apartment B2."))
    kind = models.CharField(_("kind"), max_length=20, choices=PlaceKind.choices)
    persons = models.PositiveSmallIntegerField(
        _("persons it holds"), default=1,
        help_text=_("A shared apartment holds this many persons; a family unit, the size of the family."))
    wheelchair = models.BooleanField(_("wheelchair accessible"), default=False)
    ground_floor = models.BooleanField(_("ground floor or lift"), default=False)
    sex = models.CharField(_("reserved for"), max_length=8, choices=SexRestriction.choices,
                           default=SexRestriction.ANY)
    family = models.CharField(_("households"), max_length=10, choices=FamilyRestriction.choices,
                              default=FamilyRestriction.ANY)
    address = models.TextField(_("address"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["service_id", "label", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["service", "label"], name="place_unique_label_per_service"),
            models.CheckConstraint(condition=models.Q(persons__gte=1) & models.Q(persons__lte=30),
                                   name="place_persons_1_to_30"),
        ]
        indexes = [models.Index(fields=["service", "is_active"], name="place_service_active")]

    def __str__(self):
        return self.label

    @property
    def exclusive(self):
        return self.kind in EXCLUSIVE_KINDS


class OutOfServiceReason(models.TextChoices):
    WORKS = "works", _("Works")
    DAMAGE = "damage", _("Damage")
    CLEANING = "cleaning", _("Cleaning, disinfection")
    OTHER = "other", _("Other")


class OutOfService(models.Model):
    """The place takes nobody for the nights [start_date, end_date) (end_date empty: until further notice)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="out_of_service")
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until (excluded)"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=10, choices=OutOfServiceReason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["start_date", "pk"]
        constraints = [models.CheckConstraint(
            condition=models.Q(end_date__isnull=True) | models.Q(end_date__gt=models.F("start_date")),
            name="out_of_service_ends_after_start")]


class Stay(VersionedModel):
    """A person (with the persons of their household, for a family place) on a place."""

    compartment = Compartment.ADMINISTRATIVE
    place = models.ForeignKey(Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="stays")
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="stays")
    person = models.ForeignKey("persons.Person", verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="stays")
    household = models.ForeignKey("persons.Household", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="stays")
    occupants = models.PositiveSmallIntegerField(_("persons"), default=1)
    exclusive = models.BooleanField(default=True, editable=False)  # copied from the place's kind
    followup = models.ForeignKey("followups.FollowUp", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="stays")
    referral = models.ForeignKey("referrals.Referral", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="stays")
    start_date = models.DateField(_("admission"))
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    end_date = models.DateField(_("exit"), null=True, blank=True)
    exit_reason = models.CharField(_("exit reason"), max_length=24, choices=ExitReason.choices, blank=True)
    exit_destination = models.CharField(_("destination"), max_length=24, choices=ExitDestination.choices,
                                        blank=True)
    transferred_from = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL,
                                            related_name="transferred_to")
    admitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        ordering = ["-start_date", "-pk"]
        constraints = [
            # A stay may end on its admission day (no night: a same-day transfer or exit).
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="stay_ends_after_start"),
            models.CheckConstraint(condition=models.Q(occupants__gte=1), name="stay_occupants_positive"),
            # On PostgreSQL, migration 0002 adds the exclusion constraints (btree_gist): no two stays of
            # an exclusive place, nor two stays of one person, share a night.
        ]
        indexes = [
            models.Index(fields=["place", "end_date"], name="stay_place_end"),
            models.Index(fields=["service", "end_date"], name="stay_service_end"),
            # Tonight's stays for the regional view and the board (issue #14 benchmark): the open ones from a
            # small partial index (with what is summed, on PostgreSQL), the ones ending later by date.
            models.Index(fields=["place"], name="stay_open_place", condition=models.Q(end_date__isnull=True),
                         include=["occupants", "start_date"]),
            models.Index(fields=["end_date", "place"], name="stay_end_place",
                         condition=models.Q(end_date__isnull=False)),
        ]

    def __str__(self):
        return f"{self.place_id}/{self.pk}"

    @property
    def is_open(self):
        return self.end_date is None


class Extension(models.Model):
    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="extensions")
    previous_end = models.DateField(_("planned end before"), null=True, blank=True)
    new_end = models.DateField(_("new planned end"))
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("decided by"))
    decided_on = models.DateField(_("decided on"))

    class Meta:
        ordering = ["decided_on", "pk"]


class PlaceRouting(models.Model):
    """A regulator addressed a referral to one place of the service (not only to the service)."""

    referral = models.OneToOneField("referrals.Referral", on_delete=models.CASCADE, related_name="place_routing")
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="routings")
    routed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    routed_at = models.DateTimeField(auto_now_add=True)


class Attendance(models.Model):
    """A person received by a day service (LHSS de jour) on an opening day, with the care given.

    That the person came is administrative; each care kind takes its act's compartment
    (encounters.models.ACT_COMPARTMENT): a nurse's care is shown to the health professionals only."""

    compartment = Compartment.ADMINISTRATIVE
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="attendances")
    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="attendances")
    on = models.DateField(_("day"))
    care = models.JSONField(_("care given"), default=list, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]
        constraints = [models.UniqueConstraint(fields=["service", "person", "on"], name="attendance_once_a_day")]
        indexes = [models.Index(fields=["service", "on"], name="attendance_service_day")]


# The housing park (the operator's property department) -------------------------------------------------
# Buildings, leases, incidents and inventories: no person's social or health data lives here (no link to a
# person or a stay), so that the property role (PropertyAccess) reads it without reaching anyone's record.


class PropertyAccess(models.Model):
    """The property role: this account manages the housing park of this operator (apartments, incidents,
    inventories), and sees no person. Granted by a head of service of the operator."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="property_accesses")
    operator = models.ForeignKey("services.Operator", on_delete=models.CASCADE, related_name="property_accesses")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "operator"], name="property_access_once")]


class Apartment(VersionedModel):
    operator = models.ForeignKey("services.Operator", verbose_name=_("operator"), on_delete=models.PROTECT,
                                 related_name="apartments")
    service = models.ForeignKey("services.Service", verbose_name=_("service using it"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="apartments")
    place = models.OneToOneField(Place, verbose_name=_("place"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="apartment")
    label = models.CharField(_("name"), max_length=80)
    address = models.TextField(_("address"))
    rooms = models.PositiveSmallIntegerField(_("rooms"), default=1)
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    owner_contact = models.CharField(_("owner's contact"), max_length=200, blank=True)
    lease_start = models.DateField(_("lease from"), null=True, blank=True)
    lease_end = models.DateField(_("lease until"), null=True, blank=True)
    rent = models.DecimalField(_("monthly rent (€)"), max_digits=9, decimal_places=2, default=0)
    charges = models.DecimalField(_("monthly charges (€)"), max_digits=9, decimal_places=2, default=0)
    insurer = models.CharField(_("insurer"), max_length=200, blank=True)

    class Meta:
        ordering = ["operator_id", "label", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(rent__gte=0) & models.Q(charges__gte=0),
                                              name="apartment_amounts_positive")]

    def __str__(self):
        return self.label


class IncidentKind(models.TextChoices):
    WATER_DAMAGE = "water_damage", _("Water damage")
    FIRE = "fire", _("Fire")
    BREAK_IN = "break_in", _("Break-in")
    LOST_KEYS = "lost_keys", _("Lost keys")
    OWNER_REPAIR = "owner_repair", _("Repair owed by the owner")
    OPERATOR_REPAIR = "operator_repair", _("Repair owed by the operator")
    PESTS = "pests", _("Pests")
    OTHER = "other", _("Other")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


class Incident(VersionedModel):
    """A sinistre or a repair. Its description is about the building, never about the occupant."""

    apartment = models.ForeignKey(Apartment, on_delete=models.CASCADE, related_name="incidents")
    kind = models.CharField(_("kind"), max_length=20, choices=IncidentKind.choices)
    occurred_on = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=12, choices=IncidentStatus.choices,
                              default=IncidentStatus.OPEN)
    description = models.TextField(_("what happened (the building, not the occupant)"), blank=True)
    owner_contact = models.CharField(_("owner contact"), max_length=200, blank=True)
    insurer_contact = models.CharField(_("insurer contact"), max_length=200, blank=True)
    contractor_contact = models.CharField(_("contractor contact"), max_length=200, blank=True)
    cost = models.DecimalField(_("cost (€)"), max_digits=9, decimal_places=2, default=0)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(cost__gte=0), name="incident_cost_positive")]


class InventoryKind(models.TextChoices):
    CHECK_IN = "check_in", _("Check-in inventory")
    CHECK_OUT = "check_out", _("Check-out inventory")


class Inventory(models.Model):
    """An état des lieux: rooms and their condition, signatures recorded, photos attached."""

    apartment = models.ForeignKey(Apartment, on_delete=models.CASCADE, related_name="inventories")
    kind = models.CharField(_("kind"), max_length=10, choices=InventoryKind.choices)
    done_on = models.DateField(_("done on"))
    rooms = models.JSONField(_("rooms"), default=list)  # [{"room", "condition", "note"}]
    signed_by_occupant = models.BooleanField(_("signed by the occupant"), default=False)
    signed_by_operator = models.BooleanField(_("signed by the operator"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-done_on", "-pk"]


def _photo_path(instance, filename):
    ext = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(instance.content_type, "bin")
    return f"park/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{ext}"


class InventoryPhoto(models.Model):
    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=_photo_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
