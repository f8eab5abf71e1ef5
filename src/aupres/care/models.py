"""The care record of the medical services (LHSS, LAM, ACT, SSIAD): all of it in the HEALTH compartment.

Every record points to the person (GDPR export and anonymisation find it) and to the service whose health
record holds it (whose team wrote it: the timeline and the readers' grants are per service). Free texts
(notes, drug, dose, prescriber, target…) are TextField or CharField without choices, emptied at
anonymisation; coded values (groups, statuses, routes, scale levels) have choices and are kept.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aupres.care.scales import LEVEL_CHOICES, LEVEL_LABELS, SCALE_CHOICES
from aupres.core.models import Compartment, VersionedModel

COMPARTMENT = Compartment.HEALTH


class ConditionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    STABILISED = "stabilised", _("Stabilised")
    REMISSION = "remission", _("In remission")
    RESOLVED = "resolved", _("Resolved")


class PathologyGroup(models.TextChoices):
    """The groups the ACT and LAM activity reports ask for, derived from the ICD-10 code (pathology.py)."""

    HIV = "hiv", _("HIV")
    CANCER = "cancer", _("Cancer")
    DIABETES = "diabetes", _("Diabetes")
    NEURODEGENERATIVE = "neurodegenerative", _("Neurodegenerative disease")
    PSYCHIATRIC = "psychiatric", _("Stabilised psychiatric disorder")
    ADDICTION = "addiction", _("Addiction")
    OTHER_CHRONIC = "other_chronic", _("Other chronic disease")
    NONE = "none", _("Other condition")


class Condition(VersionedModel):
    """A health problem of the person, coded in ICD-10 (WHO), with its onset and status."""

    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="conditions")
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("ICD-10 code"), max_length=8, blank=True)
    group = models.CharField(_("pathology group"), max_length=20, choices=PathologyGroup.choices)
    onset_on = models.DateField(_("onset"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ConditionStatus.choices,
                              default=ConditionStatus.ACTIVE)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    compartment = COMPARTMENT

    class Meta:
        verbose_name = _("health problem")
        verbose_name_plural = _("health problems")
        indexes = [models.Index(fields=["service", "group"], name="care_condition_service_group")]


class StayReasonKind(models.TextChoices):
    POST_OPERATIVE = "post_operative", _("Post-operative care")
    WOUND = "wound", _("Wound, ulcer, burn")
    INFECTION = "infection", _("Infection")
    ACUTE_ILLNESS = "acute_illness", _("Acute illness")
    CHRONIC_ILLNESS = "chronic_illness", _("Chronic illness, loss of autonomy")
    OTHER = "other", _("Other reason")


class StayReason(VersionedModel):
    """Why a residential stay (LHSS, LAM) was given: an ICD-10 code, its reason kind derived from it."""

    followup = models.OneToOneField("followups.FollowUp", on_delete=models.CASCADE, related_name="stay_reason")
    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("ICD-10 code"), max_length=8, blank=True)
    kind = models.CharField(_("reason"), max_length=20, choices=StayReasonKind.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    compartment = COMPARTMENT

    class Meta:
        verbose_name = _("reason for the stay")
        verbose_name_plural = _("reasons for the stay")


class Route(models.TextChoices):
    ORAL = "oral", _("Oral")
    SUBLINGUAL = "sublingual", _("Sublingual")
    SUBCUTANEOUS = "subcutaneous", _("Subcutaneous injection")
    INTRAMUSCULAR = "intramuscular", _("Intramuscular injection")
    INTRAVENOUS = "intravenous", _("Intravenous")
    TOPICAL = "topical", _("Topical (skin)")
    TRANSDERMAL = "transdermal", _("Transdermal patch")
    INHALED = "inhaled", _("Inhaled")
    EYE = "eye", _("Eye drops")
    OTHER = "other", _("Other route")


class Prescription(VersionedModel):
    """One line of the treatment plan: a drug, its dose and route, the times of day, from/to, by whom."""

    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="prescriptions")
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="+")
    drug = models.CharField(_("drug"), max_length=200, blank=True)
    dose = models.CharField(_("dose"), max_length=100, blank=True)
    route = models.CharField(_("route"), max_length=16, choices=Route.choices, default=Route.ORAL)
    times = models.JSONField(_("times of day"), default=list)  # ["08:00", "20:00"]: coded, not free text
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    prescriber = models.CharField(_("prescriber"), max_length=200, blank=True)
    notes = models.TextField(_("instructions"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    compartment = COMPARTMENT

    class Meta:
        verbose_name = _("prescription")
        verbose_name_plural = _("prescriptions")
        indexes = [models.Index(fields=["service", "starts_on"], name="care_presc_service_start")]

    def active_on(self, day):
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class DoseStatus(models.TextChoices):
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")
    NOT_GIVEN = "not_given", _("Not given")


class Administration(models.Model):
    """One scheduled dose of a prescription, as it went: given, refused or not given (with a reason).

    One row per (prescription, day, time): recording the same dose twice, even at the same instant from
    two tablets, leaves ONE record (unique constraint; services.record_dose is idempotent)."""

    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="administrations")
    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("day"))
    due_time = models.TimeField(_("scheduled time"))
    status = models.CharField(_("status"), max_length=10, choices=DoseStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("recorded at"))

    compartment = COMPARTMENT

    class Meta:
        verbose_name = _("dose administration")
        verbose_name_plural = _("dose administrations")
        constraints = [models.UniqueConstraint(fields=["prescription", "due_on", "due_time"],
                                               name="care_one_record_per_dose")]
        indexes = [models.Index(fields=["service", "due_on"], name="care_admin_service_day")]


class Shift(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")
    NIGHT = "night", _("Night")


class Transmission(models.Model):
    """A targeted transmission (transmission ciblée): a target, then Data, Actions, Results. Append-only."""

    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="transmissions")
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("day"))
    shift = models.CharField(_("shift"), max_length=10, choices=Shift.choices)
    target = models.CharField(_("target"), max_length=200, blank=True)
    data = models.TextField(_("data"), blank=True)
    actions = models.TextField(_("actions"), blank=True)
    results = models.TextField(_("results"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    compartment = COMPARTMENT

    class Meta:
        verbose_name = _("targeted transmission")
        verbose_name_plural = _("targeted transmissions")
        indexes = [models.Index(fields=["service", "on"], name="care_transm_service_day"),
                   models.Index(fields=["person", "at"], name="care_transm_person_at")]


class ScaleResult(models.Model):
    """One scoring of a standard scale (scales.py): the coded answers, the score and its level. Append-only."""

    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="scale_results")
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="+")
    scale = models.CharField(_("scale"), max_length=24, choices=SCALE_CHOICES)
    on = models.DateField(_("day"))
    answers = models.JSONField(_("answers"), default=dict)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=1)
    level = models.CharField(_("level"), max_length=24, choices=LEVEL_CHOICES)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    compartment = COMPARTMENT

    class Meta:
        verbose_name = _("scale result")
        verbose_name_plural = _("scale results")
        indexes = [models.Index(fields=["person", "scale", "on"], name="care_scale_person_day")]

    @property
    def level_label(self):
        return LEVEL_LABELS.get((self.scale, self.level), self.level)


class CarePrescription(VersionedModel):
    """The medical prescription of a home-nursing follow-up (SSIAD): its dates; a renewal is a new row."""

    followup = models.ForeignKey("followups.FollowUp", on_delete=models.CASCADE, related_name="care_prescriptions")
    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="+")
    prescribed_on = models.DateField(_("prescribed on"))
    prescriber = models.CharField(_("prescriber"), max_length=200, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    renews = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="renewals")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    compartment = COMPARTMENT

    class Meta:
        verbose_name = _("care prescription")
        verbose_name_plural = _("care prescriptions")


class VisitFrequency(models.Model):
    """Expected visits of a follow-up, per service kind, as data (ACT hors les murs: one a week)."""

    kind = models.OneToOneField("services.ServiceKind", on_delete=models.CASCADE, related_name="visit_frequency")
    every_days = models.PositiveSmallIntegerField(_("one visit at least every (days)"))

    class Meta:
        verbose_name = _("expected visit frequency")
        verbose_name_plural = _("expected visit frequencies")


class CareContactKind(models.TextChoices):
    GENERAL_PRACTITIONER = "general_practitioner", _("General practitioner")
    SPECIALIST = "specialist", _("Specialist")
    HOSPITAL = "hospital", _("Hospital department")
    PHARMACY = "pharmacy", _("Pharmacy")
    HOME_NURSING = "home_nursing", _("Home nursing (nurse, SSIAD, HAD)")
    OTHER = "other", _("Other care provider")


class CareContact(VersionedModel):
    """One member of the person's care network: who treats them outside the team (health: it says what for)."""

    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="care_contacts")
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=24, choices=CareContactKind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True)
    speciality = models.CharField(_("speciality or department"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    ended_on = models.DateField(_("no longer involved since"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    compartment = COMPARTMENT

    class Meta:
        verbose_name = _("care network contact")
        verbose_name_plural = _("care network contacts")
