"""Steering the regional system (issue #18): a funder's envelopes and calls for projects, the operators'
letters of intent and applications (the fields of seed 003), the funder's decisions.

No personal data here: an application describes a team and a territory, never a person.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from aupres.core.models import VersionedModel
from aupres.indicators.models import FunderKind


class Envelope(VersionedModel):
    """A funding envelope of one measure and one year (e.g. Ségur measure 27, 2026), shared among services.

    `committed` is raised in the same UPDATE that checks it stays within `amount` (calls.services.commit),
    and the check constraint makes an over-commitment impossible whatever the code path."""

    territory = models.ForeignKey("services.Territory", verbose_name=_("territory"), on_delete=models.PROTECT,
                                  related_name="+")
    funder = models.CharField(_("funder"), max_length=20, choices=FunderKind.choices,
                              default=FunderKind.HEALTH_AGENCY)
    measure = models.CharField(_("measure"), max_length=120)
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (€)"), max_digits=12, decimal_places=2)
    committed = models.DecimalField(_("committed (€)"), max_digits=12, decimal_places=2, default=0,
                                    editable=False)

    class Meta:
        verbose_name = _("funding envelope")
        verbose_name_plural = _("funding envelopes")
        ordering = ["-year", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "measure", "year"], name="envelope_once_per_year"),
            models.CheckConstraint(condition=Q(committed__gte=0) & Q(committed__lte=F("amount")),
                                   name="envelope_never_over_committed"),
        ]

    def __str__(self):
        return f"{self.measure} {self.year}"

    @property
    def left(self):
        return self.amount - self.committed


class Call(VersionedModel):
    """A call for projects, published by a funder of `territory` (its own)."""

    territory = models.ForeignKey("services.Territory", verbose_name=_("funder's territory"),
                                  on_delete=models.PROTECT, related_name="+")
    envelope = models.ForeignKey(Envelope, verbose_name=_("funding envelope"), on_delete=models.PROTECT,
                                 related_name="calls")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kinds = models.ManyToManyField("services.ServiceKind", verbose_name=_("kinds of service sought"),
                                   related_name="+")
    territories = models.ManyToManyField("services.Territory", verbose_name=_("territories concerned"),
                                         related_name="+")
    letter_deadline = models.DateField(_("letters of intent until"))
    application_deadline = models.DateField(_("applications until"))
    # The eligibility rules, as data: [{"code": "team_includes", "professions": [...]}, ...] (calls.rules).
    rules = models.JSONField(_("eligibility rules"), default=list, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    published_at = models.DateTimeField(_("published"), auto_now_add=True)

    class Meta:
        verbose_name = _("call for projects")
        verbose_name_plural = _("calls for projects")
        ordering = ["-application_deadline", "title"]
        constraints = [models.CheckConstraint(condition=Q(application_deadline__gte=F("letter_deadline")),
                                              name="call_application_after_letter")]

    def __str__(self):
        return self.title


class Stage(models.TextChoices):
    LETTER = "letter", _("Letter of intent filed")
    APPLICATION = "application", _("Application filed")
    QUESTIONS = "questions", _("Questions asked")  # by the funder, waiting for the operator's answers
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")


class ExistingProject(models.TextChoices):
    NONE = "none", _("New project")
    FIR = "fir", _("Existing project funded by the agency (FIR)")
    CNR = "cnr", _("Existing project funded by the agency (CNR)")
    OTHER = "other", _("Existing project funded otherwise")


class ExtensionKind(models.TextChoices):
    NONE = "", _("—")
    PERPETUATION = "perpetuation", _("Made permanent")
    GEOGRAPHIC = "geographic", _("Geographic extension")
    METHODOLOGICAL = "methodological", _("Methodological extension")
    INFLEXION = "inflexion", _("Inflexion")


class Proposal(VersionedModel):
    """An operator's answer to a call: a letter of intent, then an application, then the funder's decision.
    The fields are those of seed 003 (annex 1)."""

    call = models.ForeignKey(Call, verbose_name=_("call for projects"), on_delete=models.PROTECT,
                             related_name="proposals")
    operator = models.ForeignKey("services.Operator", verbose_name=_("operator"), on_delete=models.PROTECT,
                                 related_name="proposals")
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.LETTER)
    # The organisation
    organisation_status = models.CharField(_("legal status"), max_length=200)
    experience = models.TextField(_("experience with the health of the most deprived"), blank=True)
    authorisations = models.TextField(_("authorisations (e.g. residential medico-social care)"), blank=True)
    # The service envisaged
    kind = models.ForeignKey("services.ServiceKind", verbose_name=_("service envisaged"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+",
                             help_text=_("Empty: undecided."))
    existing_project = models.CharField(_("existing project?"), max_length=8, choices=ExistingProject.choices,
                                        default=ExistingProject.NONE)
    extension = models.CharField(_("what changes"), max_length=16, choices=ExtensionKind.choices, blank=True)
    existing_service = models.ForeignKey("services.Service", verbose_name=_("service it extends"), null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="+")
    # The project
    persons_concerned = models.TextField(_("persons concerned"))
    territories = models.ManyToManyField("services.Territory", verbose_name=_("territories concerned"),
                                         related_name="+")
    nature = models.TextField(_("nature of the proposal (approach, care, social support)"))
    mediation_alliance = models.TextField(_("alliance with a health mediation actor"), blank=True)
    estimated_caseload = models.PositiveIntegerField(_("estimated active caseload"))
    partnerships_written = models.TextField(_("partnerships agreed in writing"), blank=True)
    partnerships_planned = models.TextField(_("partnerships planned"), blank=True)
    # {profession: "0.50"}: the planned composition of the team, in full-time equivalents.
    planned_team = models.JSONField(_("planned team (ETP by profession)"), default=dict, blank=True)
    requested_amount = models.DecimalField(_("amount requested (€ per year)"), max_digits=12, decimal_places=2,
                                           null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    letter_filed_at = models.DateTimeField(_("letter filed"), null=True, blank=True)
    application_filed_at = models.DateTimeField(_("application filed"), null=True, blank=True)
    # The decision
    granted_amount = models.DecimalField(_("amount granted (€ per year)"), max_digits=12, decimal_places=2,
                                         null=True, blank=True)
    target_caseload = models.PositiveIntegerField(_("target active caseload"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason of the refusal"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    service = models.ForeignKey("services.Service", verbose_name=_("funded service"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="funding_proposals")

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["call", "-letter_filed_at"]
        constraints = [
            models.UniqueConstraint(fields=["call", "operator", "kind"], name="proposal_once_per_kind"),
            models.CheckConstraint(condition=~Q(stage="accepted") | (
                Q(granted_amount__isnull=False) & Q(target_caseload__isnull=False) & Q(service__isnull=False)),
                name="accepted_proposal_has_amount_target_service"),
            models.CheckConstraint(condition=~Q(stage="refused") | ~Q(refusal_reason=""),
                                   name="refused_proposal_has_reason"),
        ]

    def __str__(self):
        return f"{self.operator} — {self.call}"

    @property
    def planned_etp(self):
        return sum((Decimal(str(v)) for v in (self.planned_team or {}).values()), Decimal(0))


OPEN_STAGES = (Stage.LETTER, Stage.APPLICATION, Stage.QUESTIONS)


class ProposalQuestion(models.Model):
    """A question of the funder on an application and the operator's answer: the thread of the application.
    While one is unanswered the application is at the stage « questions asked » (calls.services.ask)."""

    proposal = models.ForeignKey(Proposal, verbose_name=_("application"), on_delete=models.CASCADE,
                                 related_name="questions")
    question = models.TextField(_("question"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    asked_at = models.DateTimeField(_("asked"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("question on an application")
        verbose_name_plural = _("questions on applications")
        ordering = ["proposal", "asked_at", "pk"]
        indexes = [models.Index(fields=["proposal", "answered_at"], name="calls_question_pending")]
        constraints = [models.CheckConstraint(condition=Q(answered_at__isnull=True) | ~Q(answer=""),
                                              name="answered_question_has_an_answer")]

    def __str__(self):
        return self.question[:80]

    @property
    def pending(self):
        return self.answered_at is None
