"""The quality approach of a service (issue #18, seed 000): the 2022 referential as data (themes, criteria,
imperative or not, and operators' own axes), each service's yearly self-assessment and improvement plan, its
adverse events and their declaration to the authority, and the meetings with the persons it supports.

No row here points at a person: what is written about an adverse event or a meeting leaves the service
(decision D50)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from aupres.core.models import VersionedModel


class Theme(models.Model):
    code = models.CharField(_("code"), max_length=8, unique=True)
    title = models.CharField(_("theme"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("quality theme")
        verbose_name_plural = _("quality themes")
        ordering = ["position"]

    def __str__(self):
        return f"{self.code}. {self.title}"


class Criterion(VersionedModel):
    """A criterion of the referential; its text is edited by an operator administrator."""

    theme = models.ForeignKey(Theme, verbose_name=_("theme"), on_delete=models.PROTECT, related_name="criteria")
    code = models.CharField(_("code"), max_length=8, unique=True)
    title = models.CharField(_("criterion"), max_length=300)
    imperative = models.BooleanField(_("imperative"), default=False)
    # The Auprès figure that documents it (quality.services.FIGURES), or "".
    figure = models.CharField(_("figure"), max_length=40, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("quality criterion")
        verbose_name_plural = _("quality criteria")
        ordering = ["theme__position", "position"]

    def __str__(self):
        return f"{self.code} {self.title}"


class CriterionWording(VersionedModel):
    """An operator's own wording of a criterion (D58), written by its administrators: its services read the
    criterion in these words; the shared text (Criterion.title) stays, and every other operator reads it."""

    operator = models.ForeignKey("services.Operator", verbose_name=_("operator"), on_delete=models.CASCADE,
                                 related_name="criterion_wordings")
    criterion = models.ForeignKey(Criterion, verbose_name=_("criterion"), on_delete=models.CASCADE,
                                  related_name="wordings")
    title = models.CharField(_("the operator's wording"), max_length=300)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("operator's wording of a criterion")
        verbose_name_plural = _("operators' wordings of criteria")
        ordering = ["operator", "criterion"]
        constraints = [models.UniqueConstraint(fields=["operator", "criterion"], name="criterion_wording_once")]

    def __str__(self):
        return self.title


class Axis(VersionedModel):
    """A priority axis gathering criteria: an operator's own, or (operator empty) offered to every operator,
    such as seed 000's four."""

    operator = models.ForeignKey("services.Operator", verbose_name=_("operator"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="quality_axes")
    title = models.CharField(_("axis"), max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    criteria = models.ManyToManyField(Criterion, verbose_name=_("criteria"), blank=True, related_name="axes")

    class Meta:
        verbose_name = _("quality axis")
        verbose_name_plural = _("quality axes")
        ordering = ["operator", "position"]

    def __str__(self):
        return self.title


class Level(models.TextChoices):
    NOT_MET = "not_met", _("Not met")
    PARTLY_MET = "partly_met", _("Partly met")
    MET = "met", _("Met")
    EXCEEDED = "exceeded", _("Met beyond expectations")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


MET_LEVELS = (Level.MET, Level.EXCEEDED)


class CriterionAssessment(VersionedModel):
    """A service's self-assessment of one criterion for one year."""

    service = models.ForeignKey("services.Service", verbose_name=_("service"), on_delete=models.CASCADE,
                                related_name="quality_assessments")
    year = models.PositiveSmallIntegerField(_("year"))
    criterion = models.ForeignKey(Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT,
                                  related_name="assessments")
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    evidence = models.TextField(_("evidence"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("criterion self-assessment")
        verbose_name_plural = _("criterion self-assessments")
        ordering = ["service", "year", "criterion__theme__position", "criterion__position"]
        constraints = [models.UniqueConstraint(fields=["service", "year", "criterion"],
                                               name="one_assessment_per_criterion_and_year")]


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    ABANDONED = "abandoned", _("Abandoned")


OPEN_ACTION_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


class ImprovementAction(VersionedModel):
    """An action of a service's improvement plan."""

    service = models.ForeignKey("services.Service", verbose_name=_("service"), on_delete=models.CASCADE,
                                related_name="improvement_actions")
    year = models.PositiveSmallIntegerField(_("year"))
    criterion = models.ForeignKey(Criterion, verbose_name=_("criterion"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="actions")
    title = models.CharField(_("action"), max_length=300)
    owner = models.CharField(_("owner"), max_length=120)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["service", "due_on", "pk"]
        indexes = [models.Index(fields=["service", "status", "due_on"], name="quality_action_due")]
        constraints = [models.CheckConstraint(condition=~Q(status="done") | Q(done_on__isnull=False),
                                              name="done_action_has_a_date")]

    def __str__(self):
        return self.title


class EventKind(models.TextChoices):
    """Kinds of serious dysfunction or event declared to the authority (arrêté du 28 décembre 2016)."""

    DYSFUNCTION = "dysfunction", _("Serious dysfunction in the running of the service")
    HEALTH_SAFETY = "health_safety", _("Event threatening the health or safety of the persons")
    VIOLENCE = "violence", _("Violence or ill-treatment")
    DISAPPEARANCE = "disappearance", _("Disappearance")
    DEATH = "death", _("Unexpected death")
    DISASTER = "disaster", _("Disaster, fire, failure of premises")
    OTHER = "other", _("Other")


class EventStatus(models.TextChoices):
    OPEN = "open", _("Being handled")
    DECLARED = "declared", _("Declared to the authority")
    CLOSED = "closed", _("Closed")


class AdverseEvent(VersionedModel):
    """A serious dysfunction or event, followed until closed. No link to any person (decision D50)."""

    service = models.ForeignKey("services.Service", verbose_name=_("service"), on_delete=models.CASCADE,
                                related_name="adverse_events")
    kind = models.CharField(_("kind of event"), max_length=16, choices=EventKind.choices)
    occurred_on = models.DateField(_("occurred on"))
    what = models.TextField(_("what happened"))
    informed = models.TextField(_("who was informed"), blank=True)
    measures = models.TextField(_("measures taken"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.OPEN)
    declared_on = models.DateField(_("declared to the authority on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("adverse event")
        verbose_name_plural = _("adverse events")
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(status="closed") | Q(closed_on__isnull=False),
                                   name="closed_event_has_a_date"),
            models.CheckConstraint(condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("occurred_on")),
                                   name="event_closed_after_it_occurred"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.occurred_on})"


class ParticipationMeeting(models.Model):
    """A meeting with the persons supported (conseil de la vie sociale, groupe d'expression…): counted,
    never named."""

    service = models.ForeignKey("services.Service", verbose_name=_("service"), on_delete=models.CASCADE,
                                related_name="participation_meetings")
    held_on = models.DateField(_("held on"))
    participants = models.PositiveSmallIntegerField(_("persons taking part"))
    topics = models.TextField(_("topics"))
    decisions = models.TextField(_("decisions"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("participation meeting")
        verbose_name_plural = _("participation meetings")
        ordering = ["-held_on", "-pk"]
