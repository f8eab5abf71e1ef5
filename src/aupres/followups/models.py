"""A follow-up: one service following one person. It is what gives a team access to a person."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aupres.core.models import VersionedModel


class FollowUpState(models.TextChoices):
    INTAKE = "intake", _("Intake")
    ASSESSMENT = "assessment", _("Assessment")
    PLAN = "plan", _("Personalised plan")
    MONITORING = "monitoring", _("Monitoring")
    EVALUATION = "evaluation", _("Evaluation")
    EXIT = "exit", _("Exit")


class FollowUpQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_on__isnull=True)

    def giving_access(self, on):
        """Open follow-ups, and closed ones whose team still keeps access (Service.access_after_exit_days)."""
        return self.filter(models.Q(access_until__isnull=True) | models.Q(access_until__gte=on))


class FollowUp(VersionedModel):
    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="followups")
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="followups")
    state = models.CharField(_("state"), max_length=16, choices=FollowUpState.choices,
                             default=FollowUpState.INTAKE)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    access_until = models.DateField(null=True, blank=True, editable=False)
    referent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("referent"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="referent_of")
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
        ]

    def close(self, on):
        self.closed_on = on
        self.state = FollowUpState.EXIT
        self.access_until = on + datetime.timedelta(days=self.service.access_after_exit_days)
