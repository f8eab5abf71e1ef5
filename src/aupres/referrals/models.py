"""Referrals (signalement, orientation, saisine — DOMAIN.md §3.1–3.2) and their regulation.

A referral describes a person as the referrer knows them; no Person row exists until a team links
the referral to a person it already sees or accepts it (see services.accept). Each field belongs
to a compartment (COMPARTMENT_OF_FIELD): identity, needs, urgency and source are read by the whole
addressed team; the rest by compartment, like a person's record.
"""

import secrets
from base64 import b32encode

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aupres.core.models import Compartment, VersionedModel
from aupres.core.text import age_words
from aupres.services.models import Need  # the kinds of need live with the service rules


class Source(models.TextChoices):
    """Who refers (DOMAIN.md §1, partners)."""

    STREET_TEAM = "street_team", _("Street team (maraude)")
    EMERGENCY_LINE = "emergency_line", _("115 / SIAO")
    SHELTER = "shelter", _("Shelter (CHU, CHRS, social hotel)")
    ASYLUM_HOUSING = "asylum_housing", _("Asylum housing (CADA, HUDA, CAES)")
    HOSPITAL = "hospital", _("Hospital")
    PASS = "pass", _("PASS")
    EMPP = "empp", _("EMPP")
    CSAPA = "csapa", _("CSAPA")
    PMI = "pmi", _("PMI")
    DAC = "dac", _("DAC")
    TOWN_HALL = "town_hall", _("Town hall")
    CCAS = "ccas", _("CCAS")
    LANDLORD = "landlord", _("Social landlord")
    INDIVIDUAL = "individual", _("Private individual")
    SELF = "self", _("The person themself")
    OWN_SERVICE = "own_service", _("Another service of ours")


class Urgency(models.TextChoices):
    PROGRAMMED = "programmed", _("Programmed")
    SEMI_URGENT = "semi_urgent", _("Semi-urgent")
    URGENT = "urgent", _("Urgent")


class Consent(models.TextChoices):
    ASKS = "asks", _("The person asks for it")
    AGREES = "agrees", _("The person knows and agrees")
    NOT_INFORMED = "not_informed", _("The person does not know yet")
    REFUSES = "refuses", _("The person does not agree")


class Door(models.TextChoices):
    TEAM = "team", _("Recorded by the team")
    PARTNER = "partner", _("Partner's online form")
    PUBLIC = "public", _("Public form")


class Status(models.TextChoices):
    PENDING = "pending", _("To decide")
    COMMITTEE = "committee", _("Awaiting the orientation committee")
    WAITING = "waiting", _("On the waiting list")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    FORWARDED = "forwarded", _("Forwarded to another service")


# Statuses in which the addressed team still has to decide; a person linked to such a referral
# is visible to that team (aupres.core.access).
OPEN_STATUSES = (Status.PENDING, Status.COMMITTEE, Status.WAITING)


class DeclineReason(models.TextChoices):
    NOT_ELIGIBLE = "not_eligible", _("Does not meet the service's criteria")
    NO_CAPACITY = "no_capacity", _("No free place")
    NEED_ELSEWHERE = "need_elsewhere", _("The need is better met elsewhere")
    ALREADY_FOLLOWED = "already_followed", _("Already followed by an adequate service")
    PERSON_REFUSED = "person_refused", _("The person refuses")
    UNREACHABLE = "unreachable", _("The person could not be found")
    INCOMPLETE = "incomplete", _("Incomplete referral")
    DUPLICATE = "duplicate", _("Duplicate of another referral")
    OTHER = "other", _("Other reason")


class DocumentKind(models.TextChoices):
    MEDICAL_FILE = "medical_file", _("Medical file")
    SOCIAL_FILE = "social_file", _("Social file")
    PRESCRIPTION = "prescription", _("Medical prescription")
    OTHER = "other", _("Other document")


DOCUMENT_COMPARTMENT = {
    DocumentKind.MEDICAL_FILE: Compartment.HEALTH,
    DocumentKind.PRESCRIPTION: Compartment.HEALTH,
    DocumentKind.SOCIAL_FILE: Compartment.SOCIAL,
    DocumentKind.OTHER: Compartment.SOCIAL,
}


def new_receipt():
    """A non-guessable receipt number: AUP- and 8 base32 characters (40 random bits)."""
    return "AUP-" + b32encode(secrets.token_bytes(5)).decode()


class ReferralQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def unrouted(self):
        return self.filter(service__isnull=True, status=Status.PENDING)


class CommitteeMeeting(models.Model):
    """A meeting of a service's orientation committee (cellule d'orientation)."""

    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="committee_meetings")
    held_on = models.DateField(_("held on"))
    attendees = models.TextField(_("attendees"))
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("orientation committee meeting")
        verbose_name_plural = _("orientation committee meetings")
        ordering = ["-held_on", "-pk"]


class Referral(VersionedModel):
    receipt = models.CharField(_("receipt number"), max_length=12, unique=True, default=new_receipt,
                               editable=False)
    door = models.CharField(_("received through"), max_length=10, choices=Door.choices)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="sent_referrals", help_text=_("The partner account that sent it."))
    # Who refers
    source = models.CharField(_("referred by (kind)"), max_length=20, choices=Source.choices)
    referrer_organisation = models.CharField(_("referring organisation"), max_length=200, blank=True)
    referrer_name = models.CharField(_("contact person"), max_length=160, blank=True)
    referrer_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    referrer_email = models.EmailField(_("contact email"), max_length=200, blank=True)
    # Where it goes
    service = models.ForeignKey("services.Service", verbose_name=_("service"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="referrals")
    territory = models.ForeignKey("services.Territory", verbose_name=_("territory"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    forwarded_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="forwards")
    # For whom (identity: read by the addressed team)
    person = models.ForeignKey("persons.Person", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="referrals")
    alias = models.CharField(_("alias or nickname"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=10, default="unknown",
                           choices=[("female", _("Female")), ("male", _("Male")), ("other", _("Other")),
                                    ("unknown", _("Unknown"))])
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(_("estimated age"), null=True, blank=True)
    minor_children = models.PositiveSmallIntegerField(_("minor children with the person"), default=0)
    newborn = models.BooleanField(_("with a newborn"), default=False)
    household_size = models.PositiveSmallIntegerField(_("persons in the household"), default=1)
    # The need
    needs = models.JSONField(_("needs"), default=list)
    urgency = models.CharField(_("urgency"), max_length=12, choices=Urgency.choices, default=Urgency.PROGRAMMED)
    consent = models.CharField(_("the person's agreement"), max_length=14, choices=Consent.choices,
                               default=Consent.NOT_INFORMED)
    # Administrative compartment
    phone = models.CharField(_("the person's phone"), max_length=30, blank=True)
    # Social compartment
    location = models.CharField(_("where the person can be found"), max_length=300, blank=True)
    on_street_since = models.DateField(_("on the street since"), null=True, blank=True)
    social_description = models.TextField(_("situation and social need"), blank=True)
    # Health compartment
    health_description = models.TextField(_("health need (medical)"), blank=True)
    prescription_date = models.DateField(_("prescription date"), null=True, blank=True)
    prescriber = models.CharField(_("prescriber"), max_length=160, blank=True)
    # Decision
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    waiting_since = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decline_reason = models.CharField(_("reason"), max_length=20, choices=DeclineReason.choices, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    override_justification = models.TextField(_("justification of the exception"), blank=True)
    overridden_rules = models.JSONField(default=list, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    followup = models.OneToOneField("followups.FollowUp", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="referral")
    routed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    routed_at = models.DateTimeField(null=True, blank=True)
    committee_meeting = models.ForeignKey(CommitteeMeeting, null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="referrals")
    committee_strategy = models.TextField(_("strategy decided by the committee"), blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["service", "status"], name="referral_service_status"),
            models.Index(fields=["person", "status"], name="referral_person_status"),
            models.Index(fields=["sent_by", "received_at"], name="referral_sender"),
        ]

    IDENTITY_FIELDS = ("alias", "first_name", "last_name", "sex", "birth_year", "estimated_age",
                       "minor_children", "newborn", "household_size")
    COMPARTMENT_OF_FIELD = {
        "phone": Compartment.ADMINISTRATIVE,
        "location": Compartment.SOCIAL,
        "on_street_since": Compartment.SOCIAL,
        "social_description": Compartment.SOCIAL,
        "health_description": Compartment.HEALTH,
        "prescription_date": Compartment.HEALTH,
        "prescriber": Compartment.HEALTH,
    }

    def __str__(self):
        return self.receipt

    @property
    def display_name(self):
        name = " ".join(p for p in (self.first_name, self.last_name.upper()) if p)
        if self.alias and name:
            return f"{name} « {self.alias} »"
        return name or (f"« {self.alias} »" if self.alias else str(_("(unnamed)")))

    def age(self, on=None):
        on = on or timezone.localdate()
        if self.person_id and self.person.age(on) is not None:
            return self.person.age(on)
        if self.birth_year:
            return on.year - self.birth_year
        if self.estimated_age is not None:
            return self.estimated_age + max(0, (on - timezone.localtime(self.received_at).date()).days // 365)
        return None

    def age_label(self, on=None):
        """The age in words (the linked person's when known: a baby in months)."""
        if self.person_id and self.person.age(on) is not None:
            return self.person.age_label(on)
        return age_words(self.age(on), estimated=not self.birth_year and self.estimated_age is not None)

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def need_labels(self):
        labels = dict(Need.choices)
        return [labels.get(n, n) for n in self.needs]


class ReferralEvent(models.Model):
    """What happened to a referral, in order: received, routed, waiting, forwarded, decided…"""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=20)
    status = models.CharField(max_length=12, choices=Status.choices)
    service = models.ForeignKey("services.Service", null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]


def _attachment_path(instance, filename):
    # No personal content in storage paths: a random name, the extension from the checked type.
    ext = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(instance.content_type, "bin")
    return f"referrals/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{ext}"


class ReferralAttachment(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("document"), max_length=16, choices=DocumentKind.choices)
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    @property
    def compartment(self):
        return DOCUMENT_COMPARTMENT[self.kind]


class MergeLog(models.Model):
    """Two records of one person were merged: who, when, what moved. Ids only, plus the absorbed identity."""

    kept_person_id = models.BigIntegerField()
    absorbed_person_id = models.BigIntegerField()
    absorbed_identity = models.JSONField()
    moved = models.JSONField()
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-merged_at"]


class DuplicatePair(models.Model):
    """Two records that the sweep of the whole base (referrals.sweep) takes for one person, waiting for a head
    of service who sees both to say « même personne » (the merge screen) or « personnes différentes »
    (remembered: the pair is never proposed again). Person ids, not foreign keys: a pair is not a piece of
    either person's history (not exported, not moved by a merge: the merge rewrites pairs itself)."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        DIFFERENT = "different", _("different persons")

    first_person_id = models.BigIntegerField()  # the smaller id
    second_person_id = models.BigIntegerField()
    probability = models.FloatField()
    reasons = models.JSONField(default=list)  # codes of referrals.duplicates.REASONS
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED)
    found_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-probability", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["first_person_id", "second_person_id"], name="duplicate_pair_once"),
            models.CheckConstraint(condition=models.Q(first_person_id__lt=models.F("second_person_id")),
                                   name="duplicate_pair_ordered"),
        ]
        indexes = [models.Index(fields=["state", "first_person_id"]), models.Index(fields=["second_person_id"])]
