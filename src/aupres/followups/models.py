"""A follow-up: one service following one person. It is what gives a team access to a person.

The follow-up cycle (DOMAIN.md §3): intake → assessment → plan → monitoring → evaluation → exit,
with re-assessment looping back. Every change of state is a FollowUpTransition, made only by
aupres.followups.services.transition(). Each piece of personal data below belongs to a
compartment (attribute `compartment`, or a `compartment` column where it varies per row).
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aupres.core.models import Compartment, VersionedModel


class FollowUpState(models.TextChoices):
    INTAKE = "intake", _("Intake")
    ASSESSMENT = "assessment", _("Assessment")
    PLAN = "plan", _("Personalised plan")
    MONITORING = "monitoring", _("Monitoring")
    EVALUATION = "evaluation", _("Evaluation")
    EXIT = "exit", _("Exit")


class ExitReason(models.TextChoices):
    OBJECTIVES_REACHED = "objectives_reached", _("Objectives reached")
    ORIENTED = "oriented", _("Oriented to another service")
    REFUSAL = "refusal", _("Refusal or end asked by the person")
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", _("Lost to follow-up")
    DEATH = "death", _("Death")
    MAXIMUM_LENGTH = "maximum_length", _("Maximum length reached")
    MOVED_AWAY = "moved_away", _("Moved away")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    OTHER = "other", _("Other")


class ExitDestination(models.TextChoices):
    ORDINARY_HOUSING = "ordinary_housing", _("Ordinary housing")
    SUPPORTED_HOUSING = "supported_housing", _("Supported housing (residence, pension de famille)")
    SHELTER = "shelter", _("Shelter (CHU, CHRS, hotel)")
    LHSS = "lhss", _("LHSS")
    LAM = "lam", _("LAM")
    ACT = "act", _("ACT")
    HOSPITAL = "hospital", _("Hospital")
    CARE_HOME = "care_home", _("Care home")
    RETURN_TO_COUNTRY = "return_to_country", _("Return to the country")
    STREET = "street", _("Street")
    THIRD_PARTY = "third_party", _("At a third party's")
    NOT_APPLICABLE = "not_applicable", _("Not applicable (death)")
    UNKNOWN = "unknown", _("Unknown")
    OTHER = "other", _("Other")


class FollowUpQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_on__isnull=True)

    def giving_access(self, on):
        """Open follow-ups, and closed ones whose team still keeps access (Service.access_after_exit_days)."""
        return self.filter(models.Q(access_until__isnull=True) | models.Q(access_until__gte=on))


class FollowUp(VersionedModel):
    """State, dates, exit and lightening are administrative information."""

    compartment = Compartment.ADMINISTRATIVE
    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="followups")
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="followups")
    state = models.CharField(_("state"), max_length=16, choices=FollowUpState.choices,
                             default=FollowUpState.INTAKE)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    access_until = models.DateField(null=True, blank=True, editable=False)
    referent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("referent"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="referent_of")
    lightened_on = models.DateField(_("lightened since"), null=True, blank=True)
    exit_reason = models.CharField(_("exit reason"), max_length=24, choices=ExitReason.choices, blank=True)
    exit_destination = models.CharField(_("destination"), max_length=24, choices=ExitDestination.choices,
                                        blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "service"], condition=models.Q(closed_on__isnull=True),
                                    name="one_open_followup_per_person_and_service"),
        ]
        indexes = [
            models.Index(fields=["service", "closed_on"], name="followup_service_closed"),
            models.Index(fields=["person", "service"], name="followup_person_service"),
            # The ways into a person (core.access): a service's persons and access dates read from the index
            # alone on PostgreSQL; with the plain index, one heap page per follow-up (4 ms for a caseload of
            # 2 000 follow-ups, on every list; issue #15).
            models.Index(fields=["service"], include=["person", "access_until"], name="followup_service_access"),
        ]

    def __str__(self):
        return f"{self.service_id}/{self.pk}"

    @property
    def is_open(self):
        return self.closed_on is None

    def close(self, on):
        self.closed_on = on
        self.state = FollowUpState.EXIT
        self.access_until = on + datetime.timedelta(days=self.service.access_after_exit_days)


class FollowUpTransition(models.Model):
    """One dated, attributed change of state (administrative compartment)."""

    compartment = Compartment.ADMINISTRATIVE
    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(_("from"), max_length=16, choices=FollowUpState.choices)
    to_state = models.CharField(_("to"), max_length=16, choices=FollowUpState.choices)
    on = models.DateField(_("on"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("change of state")
        verbose_name_plural = _("changes of state")
        ordering = ["on", "pk"]
        indexes = [models.Index(fields=["followup", "on"], name="fu_transition_followup_on")]


# Assessment ----------------------------------------------------------------------------------

class Domain(models.TextChoices):
    """The domains of the assessment grid (DOMAIN.md §3.3)."""

    SOMATIC = "somatic", _("Somatic health")
    PSYCHIATRIC = "psychiatric", _("Mental health")
    ADDICTIONS = "addictions", _("Addictions")
    PREGNANCY = "pregnancy", _("Pregnancy")
    CHRONIC_ILLNESS = "chronic_illness", _("Chronic illness")
    DISABILITY = "disability", _("Disability")
    AUTONOMY = "autonomy", _("Loss of autonomy")
    HEALTH_COVER = "health_cover", _("Health cover")
    INCOME = "income", _("Income")
    ID_PAPERS = "id_papers", _("Identity and residence papers")
    DOMICILIATION = "domiciliation", _("Postal address (domiciliation)")
    HOUSING = "housing", _("Housing situation")
    RESOURCES = "resources", _("Resources")
    FAMILY_TIES = "family_ties", _("Family ties")
    SOCIAL_TIES = "social_ties", _("Social ties")
    STRENGTHS = "strengths", _("Strengths the person can rely on")


HEALTH_DOMAINS = ("somatic", "psychiatric", "addictions", "pregnancy", "chronic_illness", "disability",
                  "autonomy")
ADMINISTRATIVE_DOMAINS = ("health_cover", "income", "id_papers", "domiciliation")
SOCIAL_DOMAINS = ("housing", "resources", "family_ties", "social_ties", "strengths")
DOMAIN_COMPARTMENT = {
    **dict.fromkeys(HEALTH_DOMAINS, Compartment.HEALTH),
    **dict.fromkeys(ADMINISTRATIVE_DOMAINS, Compartment.ADMINISTRATIVE),
    **dict.fromkeys(SOCIAL_DOMAINS, Compartment.SOCIAL),
}


class Level(models.TextChoices):
    NONE = "none", _("No difficulty")
    MILD = "mild", _("Some difficulty")
    MODERATE = "moderate", _("Marked difficulty")
    SEVERE = "severe", _("Severe difficulty")
    UNKNOWN = "unknown", _("Not known yet")


class Assessment(models.Model):
    """A dated assessment grid. The header (date, author) tells only that it took place;
    each item carries its own compartment."""

    compartment = Compartment.ADMINISTRATIVE
    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("assessed on"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_on", "-pk"]


class AssessmentItem(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="items")
    domain = models.CharField(_("domain"), max_length=20, choices=Domain.choices)
    compartment = models.CharField(_("compartment"), max_length=16, choices=Compartment.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("assessment item")
        verbose_name_plural = _("assessment items")
        constraints = [models.UniqueConstraint(fields=["assessment", "domain"], name="assessment_item_once")]

    def save(self, *args, **kwargs):
        self.compartment = DOMAIN_COMPARTMENT[self.domain]
        super().save(*args, **kwargs)


class ScreeningStatus(models.TextChoices):
    NOT_PROPOSED = "not_proposed", _("Not proposed")
    PROPOSED = "proposed", _("Proposed")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


class YesNoUnknown(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Unknown")


class Pregnancy(models.TextChoices):
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    NO = "no", _("No")
    YES = "yes", _("Yes")
    UNKNOWN = "unknown", _("Unknown")


SCREENINGS = ("screening_tb", "screening_hiv", "screening_hbv", "screening_hcv")


class HealthCheck(models.Model):
    """The standardised health check (bilan de santé): wholly in the health compartment."""

    compartment = Compartment.HEALTH
    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="health_checks")
    done_on = models.DateField(_("done on"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Vital signs
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=4, decimal_places=1, null=True, blank=True)
    height_cm = models.PositiveSmallIntegerField(_("height (cm)"), null=True, blank=True)
    systolic_mmhg = models.PositiveSmallIntegerField(_("blood pressure, systolic (mmHg)"), null=True, blank=True)
    diastolic_mmhg = models.PositiveSmallIntegerField(_("blood pressure, diastolic (mmHg)"), null=True,
                                                      blank=True)
    heart_rate = models.PositiveSmallIntegerField(_("heart rate (/min)"), null=True, blank=True)
    temperature_c = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1, null=True,
                                        blank=True)
    spo2 = models.PositiveSmallIntegerField(_("oxygen saturation (%)"), null=True, blank=True)
    glycaemia_g_l = models.DecimalField(_("blood glucose (g/L)"), max_digits=3, decimal_places=2, null=True,
                                        blank=True)
    # Findings
    reasons = models.TextField(_("reasons for the check, complaints"), blank=True)
    chronic_illnesses = models.TextField(_("chronic illnesses"), blank=True)
    treatments = models.TextField(_("treatments"), blank=True)
    vaccinations = models.TextField(_("vaccinations"), blank=True)
    vaccinations_up_to_date = models.CharField(_("vaccinations up to date"), max_length=8,
                                               choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN)
    screening_tb = models.CharField(_("tuberculosis screening"), max_length=14, choices=ScreeningStatus.choices,
                                    default=ScreeningStatus.NOT_PROPOSED)
    screening_hiv = models.CharField(_("HIV screening"), max_length=14, choices=ScreeningStatus.choices,
                                     default=ScreeningStatus.NOT_PROPOSED)
    screening_hbv = models.CharField(_("hepatitis B screening"), max_length=14, choices=ScreeningStatus.choices,
                                     default=ScreeningStatus.NOT_PROPOSED)
    screening_hcv = models.CharField(_("hepatitis C screening"), max_length=14, choices=ScreeningStatus.choices,
                                     default=ScreeningStatus.NOT_PROPOSED)
    pregnancy = models.CharField(_("pregnancy"), max_length=16, choices=Pregnancy.choices,
                                 default=Pregnancy.NOT_APPLICABLE)
    pregnancy_term = models.DateField(_("pregnancy: expected term"), null=True, blank=True)
    orientation_proposed = models.TextField(_("orientation proposed"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")
        ordering = ["-done_on", "-pk"]


# Personalised plan ---------------------------------------------------------------------------

class Plan(VersionedModel):
    """The personalised plan (projet personnalisé), agreed with the person (social compartment).
    After a re-assessment a new plan is recorded; the latest is the current one."""

    compartment = Compartment.SOCIAL
    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="plans")
    agreed_on = models.DateField(_("agreed on"))
    person_took_part = models.BooleanField(_("the person took part in drawing it up"), default=False)
    person_words = models.TextField(_("the person's own words on the plan"), blank=True)
    review_due_on = models.DateField(_("review due on"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("personalised plan")
        verbose_name_plural = _("personalised plans")
        ordering = ["-agreed_on", "-pk"]
        indexes = [models.Index(fields=["followup", "-agreed_on"], name="plan_followup_agreed")]


class ObjectiveDomain(models.TextChoices):
    LIVING_CONDITIONS = "living_conditions", _("Living conditions")
    PSYCHOLOGICAL_SUFFERING = "psychological_suffering", _("Psychological suffering")
    SOCIALISATION = "socialisation", _("Socialisation")
    EMPOWERMENT = "empowerment", _("Empowerment")
    HEALTH_CARE = "health_care", _("Health care")
    RIGHTS = "rights", _("Rights")
    HOUSING = "housing", _("Housing")
    EMPLOYMENT_TRAINING = "employment_training", _("Employment and training")


def objective_compartment(domain):
    return Compartment.HEALTH if domain == ObjectiveDomain.HEALTH_CARE else Compartment.SOCIAL


class ObjectiveStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    REACHED = "reached", _("Reached")
    PARTLY_REACHED = "partly_reached", _("Partly reached")
    NOT_REACHED = "not_reached", _("Not reached")
    ABANDONED = "abandoned", _("Abandoned")


class Objective(VersionedModel):
    """An objective of the plan: health care objectives are health, the others social."""

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="objectives")
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objectives")
    domain = models.CharField(_("domain"), max_length=24, choices=ObjectiveDomain.choices)
    compartment = models.CharField(_("compartment"), max_length=16, choices=Compartment.choices)
    title = models.CharField(_("objective"), max_length=200)
    actions = models.TextField(_("actions planned"), blank=True)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=16, choices=ObjectiveStatus.choices,
                              default=ObjectiveStatus.PLANNED)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["due_on", "pk"]

    def save(self, *args, **kwargs):
        self.compartment = objective_compartment(self.domain)
        super().save(*args, **kwargs)


# Evaluation ----------------------------------------------------------------------------------

class Satisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    NOT_VERY_SATISFIED = "not_very_satisfied", _("Not very satisfied")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied")
    NOT_EXPRESSED = "not_expressed", _("Did not say")


class Result(models.TextChoices):
    REACHED = "reached", _("Reached")
    PARTLY_REACHED = "partly_reached", _("Partly reached")
    NOT_REACHED = "not_reached", _("Not reached")


class Evaluation(models.Model):
    """Results against objectives and the person's own satisfaction (social compartment)."""

    compartment = Compartment.SOCIAL
    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="evaluations")
    evaluated_on = models.DateField(_("evaluated on"))
    satisfaction = models.CharField(_("the person's satisfaction"), max_length=20, choices=Satisfaction.choices)
    person_words = models.TextField(_("the person's own words"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-evaluated_on", "-pk"]


class EvaluationResult(models.Model):
    """The result of one objective; in the compartment of that objective."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="results")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="results")
    compartment = models.CharField(_("compartment"), max_length=16, choices=Compartment.choices)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [models.UniqueConstraint(fields=["evaluation", "objective"], name="evaluation_result_once")]
