"""Encounters and acts, orientations and admission requests, rights applications, collective actions.

Every record about a person belongs to a compartment (aupres.core.models.Compartment):

- the encounter itself (when, where, how, who was met) is SOCIAL: it is what the following team knows
  of the person's path; the head of service (administrative only) does not read it;
- each act takes the compartment of its kind (ACT_COMPARTMENT, data below);
- an orientation or admission request takes the compartment of its target (TARGET_COMPARTMENT):
  health partners and care facilities are HEALTH (they reveal an illness), the rest is SOCIAL;
- a rights application is ADMINISTRATIVE;
- a collective action is about no one: it carries counts only and is read by the members of its service.

Lifecycles (allowed status transitions) are data too: ORIENTATION_TRANSITIONS, RIGHTS_TRANSITIONS.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aupres.core.models import Compartment, VersionedModel


class PlaceKind(models.TextChoices):
    STREET = "street", _("Street")
    CAMP = "camp", _("Camp")
    SLUM = "slum", _("Slum (bidonville)")
    SQUAT = "squat", _("Squat")
    DAY_CENTRE = "day_centre", _("Day centre")
    SHELTER = "shelter", _("Shelter (CHU, CHRS, hotel)")
    ASYLUM_HOUSING = "asylum_housing", _("Asylum housing")
    FTM = "ftm", _("Migrant workers' hostel (FTM)")
    SOCIAL_RESIDENCE = "social_residence", _("Social residence")
    HOME = "home", _("Person's home")
    PREMISES = "premises", _("Team's premises")
    HOSPITAL = "hospital", _("Hospital")
    PHONE = "phone", _("By phone")


class Mode(models.TextChoices):
    VISIT = "visit", _("Planned visit")
    STREET_ROUND = "street_round", _("Street round (maraude)")
    ADVANCED_CONSULTATION = "advanced_consultation", _("Advanced consultation (permanence)")
    ACCOMPANIMENT = "accompaniment", _("Accompaniment to an appointment")
    CASE_MEETING = "case_meeting", _("Case meeting (synthèse)")
    ORIENTATION_COMMITTEE = "orientation_committee", _("Orientation committee")
    PHONE = "phone", _("Phone call")


# Modes in which the team meets people it does not know yet and records them on the spot.
MODES_MEETING_NEW_PERSONS = frozenset({Mode.STREET_ROUND})


class ActKind(models.TextChoices):
    NURSING_CARE = "nursing_care", _("Nursing care")
    FIRST_AID = "first_aid", _("First aid")
    WOUND_CARE = "wound_care", _("Wound care")
    DRUG_ADMINISTRATION = "drug_administration", _("Drug administration")
    HEALTH_CHECK = "health_check", _("Health check")
    VACCINATION = "vaccination", _("Vaccination")
    SCREENING = "screening", _("Screening (TB, HIV, hepatitis…)")
    MEDICAL_CONSULTATION = "medical_consultation", _("Medical consultation")
    PSYCHOLOGICAL_INTERVIEW = "psychological_interview", _("Psychological interview")
    HEALTH_EDUCATION = "health_education", _("Health education")
    SOCIAL_INTERVIEW = "social_interview", _("Social interview")
    ORIENTATION = "orientation", _("Orientation to a partner")
    ADMISSION_REQUEST = "admission_request", _("Admission request")
    RIGHTS_APPLICATION = "rights_application", _("Rights application")
    MATERIAL_AID = "material_aid", _("Material aid (hygiene, clothes, food)")
    CARE_COORDINATION = "care_coordination", _("Coordination with outside care providers")
    HEALTH_MEDIATION = "health_mediation", _("Health mediation")


# The compartment of an act, by kind. Health education is HEALTH: it names the illness it is about.
# Orientation and admission request acts are SOCIAL (the fact of an orientation); the target of a
# detailed Orientation record may raise it to HEALTH (TARGET_COMPARTMENT).
ACT_COMPARTMENT = {
    ActKind.NURSING_CARE: Compartment.HEALTH,
    ActKind.FIRST_AID: Compartment.HEALTH,
    ActKind.WOUND_CARE: Compartment.HEALTH,
    ActKind.DRUG_ADMINISTRATION: Compartment.HEALTH,
    ActKind.HEALTH_CHECK: Compartment.HEALTH,
    ActKind.VACCINATION: Compartment.HEALTH,
    ActKind.SCREENING: Compartment.HEALTH,
    ActKind.MEDICAL_CONSULTATION: Compartment.HEALTH,
    ActKind.PSYCHOLOGICAL_INTERVIEW: Compartment.HEALTH,
    ActKind.HEALTH_EDUCATION: Compartment.HEALTH,
    ActKind.SOCIAL_INTERVIEW: Compartment.SOCIAL,
    ActKind.ORIENTATION: Compartment.SOCIAL,
    ActKind.ADMISSION_REQUEST: Compartment.SOCIAL,
    ActKind.MATERIAL_AID: Compartment.SOCIAL,
    # Care record (issue #20): coordinating with the GP, hospital, pharmacy… says what is treated (health);
    # health mediation (a mediator's accompaniment towards care, rights to care) is the fact of it (social).
    ActKind.CARE_COORDINATION: Compartment.HEALTH,
    ActKind.HEALTH_MEDIATION: Compartment.SOCIAL,
    ActKind.RIGHTS_APPLICATION: Compartment.ADMINISTRATIVE,
}

ENCOUNTER_COMPARTMENT = Compartment.SOCIAL


class Encounter(VersionedModel):
    """One meeting of a team with one or more persons (and, on a street round, anonymous contacts)."""

    compartment = ENCOUNTER_COMPARTMENT
    # Generated by the client (the offline app later): retrying a sync never records twice.
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey("services.Service", verbose_name=_("service"), on_delete=models.PROTECT,
                                related_name="encounters", db_index=False)  # (service, occurred_at) below
    occurred_at = models.DateTimeField(_("date and time"))
    place_kind = models.CharField(_("place"), max_length=20, choices=PlaceKind.choices)
    mode = models.CharField(_("mode"), max_length=24, choices=Mode.choices)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("staff present"),
                                   related_name="encounters", blank=True)
    anonymous_contacts = models.PositiveIntegerField(
        _("anonymous contacts"), default=0,
        help_text=_("People met and helped who were not identified: counted only."),
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("encounter")
        verbose_name_plural = _("encounters")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["service", "occurred_at"], name="encounter_service_time")]


class EncounterPerson(models.Model):
    """A person met in an encounter, through the follow-up that entitles the team to meet them.

    `person`, `service` and `occurred_at` are copied from the follow-up and the encounter so that a
    person's timeline and the last encounter of a follow-up are read from one index each.
    """

    # The composite indexes and the unique constraint below serve these keys: no single-column index.
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="participants", db_index=False)
    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="encounter_links",
                               db_index=False)
    followup = models.ForeignKey("followups.FollowUp", on_delete=models.PROTECT, related_name="encounter_links",
                                 db_index=False)
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["encounter", "person"], name="encounter_person_once"),
        ]
        indexes = [
            models.Index(fields=["person", "occurred_at"], name="encperson_person_time"),
            models.Index(fields=["followup", "occurred_at"], name="encperson_followup_time"),
        ]


class Act(models.Model):
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="acts",
                                  db_index=False)  # (encounter, person) below
    person = models.ForeignKey(
        "persons.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="acts",
        help_text=_("Empty for an act given to an anonymous contact."),
    )
    kind = models.CharField(_("act"), max_length=24, choices=ActKind.choices)
    compartment = models.CharField(max_length=16, choices=Compartment.choices, editable=False)
    details = models.TextField(_("details"), blank=True, max_length=5000)

    class Meta:
        verbose_name = _("act")
        verbose_name_plural = _("acts")
        ordering = ["pk"]
        indexes = [models.Index(fields=["encounter", "person"], name="act_encounter_person")]

    def save(self, *args, **kwargs):
        self.compartment = ACT_COMPARTMENT[self.kind]
        super().save(*args, **kwargs)


# Orientations and admission requests ------------------------------------------------------------

class OrientationKind(models.TextChoices):
    ORIENTATION = "orientation", _("Orientation to a partner")
    ADMISSION_REQUEST = "admission_request", _("Admission request")


class OrientationTarget(models.TextChoices):
    # Health partners and care facilities
    PASS = "pass", _("PASS (hospital access to care)")
    HOSPITAL = "hospital", _("Hospital")
    GENERAL_PRACTITIONER = "general_practitioner", _("General practitioner")
    DENTIST = "dentist", _("Dentist")
    PSYCHIATRY = "psychiatry", _("Sector psychiatry (CMP)")
    ADDICTION = "addiction", _("Addiction care (CSAPA, CAARUD)")
    PMI = "pmi", _("Mother and child health (PMI)")
    LHSS = "lhss", _("LHSS")
    LAM = "lam", _("LAM")
    ACT = "act", _("ACT")
    CARE_HOME = "care_home", _("Care home (EHPAD)")
    # Social partners and housing
    SHELTER = "shelter", _("Shelter (CHU, CHRS, hotel)")
    SIAO = "siao", _("SIAO / 115")
    HOUSING = "housing", _("Housing")
    SOCIAL_SERVICES = "social_services", _("Social services, CCAS")
    DAY_CENTRE = "day_centre", _("Day centre")
    LEGAL_AID = "legal_aid", _("Legal aid")
    ASSOCIATION = "association", _("Association")
    OTHER = "other", _("Other")


HEALTH_TARGETS = frozenset({
    OrientationTarget.PASS, OrientationTarget.HOSPITAL, OrientationTarget.GENERAL_PRACTITIONER,
    OrientationTarget.DENTIST, OrientationTarget.PSYCHIATRY, OrientationTarget.ADDICTION,
    OrientationTarget.PMI, OrientationTarget.LHSS, OrientationTarget.LAM, OrientationTarget.ACT,
    OrientationTarget.CARE_HOME,
})
# Where the person is sent tells what they suffer from: health targets are in the health compartment.
TARGET_COMPARTMENT = {
    t: (Compartment.HEALTH if t in HEALTH_TARGETS else Compartment.SOCIAL) for t in OrientationTarget
}


class OrientationStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    HONOURED = "honoured", _("Honoured")
    NOT_HONOURED = "not_honoured", _("Not honoured")
    CANCELLED = "cancelled", _("Cancelled")


S = OrientationStatus
ORIENTATION_TRANSITIONS = {
    S.SENT: {S.PENDING, S.ACCEPTED, S.REFUSED, S.HONOURED, S.NOT_HONOURED, S.CANCELLED},
    S.PENDING: {S.ACCEPTED, S.REFUSED, S.CANCELLED},
    S.ACCEPTED: {S.HONOURED, S.NOT_HONOURED, S.CANCELLED},
    S.REFUSED: set(),
    S.HONOURED: set(),
    S.NOT_HONOURED: set(),
    S.CANCELLED: set(),
}
OPEN_ORIENTATION_STATUSES = frozenset(s for s, nxt in ORIENTATION_TRANSITIONS.items() if nxt)
del S


class Orientation(VersionedModel):
    """An orientation to a partner or an admission request, with its dated status history."""

    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="orientations")
    service = models.ForeignKey("services.Service", verbose_name=_("service"), on_delete=models.PROTECT,
                                related_name="orientations")
    encounter = models.ForeignKey(Encounter, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="orientations")
    kind = models.CharField(_("kind"), max_length=20, choices=OrientationKind.choices)
    target = models.CharField(_("to"), max_length=24, choices=OrientationTarget.choices)
    partner_name = models.CharField(_("partner"), max_length=160, blank=True)
    compartment = models.CharField(max_length=16, choices=Compartment.choices, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=OrientationStatus.choices,
                              default=OrientationStatus.SENT)
    sent_on = models.DateField(_("sent on"))
    status_on = models.DateField(_("status since"))
    appointment_on = models.DateField(_("appointment on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("orientation")
        verbose_name_plural = _("orientations")
        ordering = ["-sent_on", "-pk"]
        indexes = [
            models.Index(fields=["person", "sent_on"], name="orientation_person_sent"),
            models.Index(fields=["service", "status"], name="orientation_service_status"),
        ]

    def save(self, *args, **kwargs):
        self.compartment = TARGET_COMPARTMENT[self.target]
        super().save(*args, **kwargs)


class StatusChange(models.Model):
    """One dated, attributed step of a record's lifecycle (append-only: no version). A concrete history
    adds the foreign key to its record (related_name "history") and `status` with the record's choices;
    the rule that checks it is encounters.services.orientations._check_status_change."""

    on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["on", "pk"]


class OrientationStatusChange(StatusChange):
    orientation = models.ForeignKey(Orientation, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=16, choices=OrientationStatus.choices)


# Rights applications ----------------------------------------------------------------------------

class RightsApplicationKind(models.TextChoices):
    AME = "ame", _("Aide médicale d'État (AME)")
    PUMA = "puma", _("PUMa")
    CSS = "css", _("Complémentaire santé solidaire (CSS)")
    RSA = "rsa", _("RSA")
    AAH = "aah", _("AAH")
    DOMICILIATION = "domiciliation", _("Postal address (domiciliation)")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
    OTHER = "other", _("Other")


class RightsStatus(models.TextChoices):
    TO_DO = "to_do", _("To do")
    FILED = "filed", _("Filed")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")
    TO_RENEW = "to_renew", _("To renew")
    ABANDONED = "abandoned", _("Abandoned")


R = RightsStatus
RIGHTS_TRANSITIONS = {
    R.TO_DO: {R.FILED, R.ABANDONED},
    R.FILED: {R.GRANTED, R.REFUSED, R.ABANDONED},
    R.GRANTED: {R.TO_RENEW},
    R.TO_RENEW: {R.FILED, R.ABANDONED},
    R.REFUSED: {R.FILED, R.ABANDONED},  # filed again, after an appeal or with new documents
    R.ABANDONED: set(),
}
# The statuses in which a renewal date means something: the right is running or must be renewed.
RENEWABLE_STATUSES = frozenset({R.GRANTED, R.TO_RENEW})
del R

# When the renewal date is not given, it is this many days before the end of validity (by kind).
RENEWAL_LEAD_DAYS = {
    RightsApplicationKind.AME: 60,
    RightsApplicationKind.CSS: 60,
    RightsApplicationKind.RESIDENCE_PERMIT: 90,
    RightsApplicationKind.DOMICILIATION: 30,
}
DEFAULT_RENEWAL_LEAD_DAYS = 60
# A renewal date within this many days (or past) raises an alert.
RENEWAL_ALERT_DAYS = 30


class RightsApplication(VersionedModel):
    """A rights application (administrative compartment) and its lifecycle."""

    compartment = Compartment.ADMINISTRATIVE
    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="rights_applications")
    service = models.ForeignKey("services.Service", verbose_name=_("service"), on_delete=models.PROTECT,
                                related_name="rights_applications")
    encounter = models.ForeignKey(Encounter, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="rights_applications")
    kind = models.CharField(_("right"), max_length=20, choices=RightsApplicationKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=RightsStatus.choices,
                              default=RightsStatus.TO_DO)
    status_on = models.DateField(_("status since"))
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    renewal_on = models.DateField(_("renew from"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rights application")
        verbose_name_plural = _("rights applications")
        ordering = ["-status_on", "-pk"]
        indexes = [
            models.Index(fields=["person", "status_on"], name="rightsapp_person_status_on"),
            models.Index(fields=["service", "renewal_on"], name="rightsapp_service_renewal"),
        ]


class RightsStatusChange(StatusChange):
    application = models.ForeignKey(RightsApplication, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=12, choices=RightsStatus.choices)


# Collective actions -----------------------------------------------------------------------------

class CollectiveActionKind(models.TextChoices):
    TRAINING = "training", _("Training of partner staff")
    AWARENESS = "awareness", _("Awareness session")
    WORKSHOP = "workshop", _("Health-promotion workshop")
    SCREENING_CAMPAIGN = "screening_campaign", _("Screening campaign")
    VACCINATION_CAMPAIGN = "vaccination_campaign", _("Vaccination campaign")
    HEALTH_WATCH = "health_watch", _("Health watch")
    OTHER = "other", _("Other")


class Audience(models.TextChoices):
    PARTNER_STAFF = "partner_staff", _("Partner staff")
    PERSONS_SUPPORTED = "persons_supported", _("Persons supported")
    VOLUNTEERS = "volunteers", _("Volunteers")
    PUBLIC = "public", _("General public")


class CollectiveAction(VersionedModel):
    """An action not tied to a person: counts only, read by the members of its service."""

    service = models.ForeignKey("services.Service", verbose_name=_("service"), on_delete=models.PROTECT,
                                related_name="collective_actions")
    occurred_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=24, choices=CollectiveActionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    place = models.CharField(_("place"), max_length=160, blank=True)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    persons_trained = models.PositiveIntegerField(_("people trained"), default=0)
    screenings = models.PositiveIntegerField(_("screenings done"), default=0)
    vaccinations = models.PositiveIntegerField(_("vaccinations done"), default=0)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("staff"), blank=True,
                                   related_name="collective_actions")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("collective action")
        verbose_name_plural = _("collective actions")
        ordering = ["-occurred_on", "-pk"]
        indexes = [models.Index(fields=["service", "occurred_on"], name="collective_service_date")]
