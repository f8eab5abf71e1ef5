"""Consent to sharing and emergency access (issue #6, DOMAIN.md §5, docs/decisions.md D12–D14).

- A SharingConsent records the person's agreement that what one following service (from_service) holds
  in some compartments (scope: social, health or both) be shared with another service of ours
  (to_service: its team then sees the person and reads that content, core/access.py) or with a partner
  organisation (to_organisation: a record of the agreement only, partner accounts never reach a person).
  It is never deleted: withdrawing sets withdrawn_at/by/note once, and takes effect at the next request.
- An EmergencyAccess (bris de glace) lets a health professional of a service that does not follow the
  person read the record (health and social) for EMERGENCY_ACCESS_HOURS, with a written reason; every
  read during it is audited with the emergency flag and the heads of the services holding the record
  are notified (EmergencyNotification, and an e-mail without personal content).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aupres.core.models import Compartment


class Scope(models.TextChoices):
    SOCIAL = "social", _("Social")
    HEALTH = "health", _("Health")
    HEALTH_SOCIAL = "health_social", _("Social and health")


SCOPE_COMPARTMENTS = {
    Scope.SOCIAL: frozenset({Compartment.SOCIAL}),
    Scope.HEALTH: frozenset({Compartment.HEALTH}),
    Scope.HEALTH_SOCIAL: frozenset({Compartment.SOCIAL, Compartment.HEALTH}),
}
# What an emergency access opens (never the administrative compartment).
EMERGENCY_COMPARTMENTS = frozenset({Compartment.HEALTH, Compartment.SOCIAL})


def scopes_with(compartment):
    """The scopes that share this compartment (none shares the administrative one)."""
    return [str(scope) for scope, comps in SCOPE_COMPARTMENTS.items() if compartment in comps]


def scope_of(compartments):
    comps = frozenset(compartments)
    for scope, held in SCOPE_COMPARTMENTS.items():
        if held == comps:
            return scope
    return None


class GivenHow(models.TextChoices):
    ORAL = "oral", _("Orally, to the team")
    WRITTEN = "written", _("In writing (signed form)")
    REPRESENTATIVE = "representative", _("Through a legal representative")
    TRUSTED_PERSON = "trusted_person", _("Through the trusted person")


class SharingConsentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True)


class SharingConsent(models.Model):
    person = models.ForeignKey("persons.Person", verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="sharing_consents")
    from_service = models.ForeignKey("services.Service", verbose_name=_("shared by"), on_delete=models.PROTECT,
                                     related_name="+", help_text=_("The following service that records it."))
    to_service = models.ForeignKey("services.Service", verbose_name=_("shared with (our service)"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")
    to_organisation = models.CharField(_("shared with (partner organisation)"), max_length=200, blank=True)
    scope = models.CharField(_("what is shared"), max_length=16, choices=Scope.choices)
    given_on = models.DateField(_("agreed on"))
    given_how = models.CharField(_("how the person agreed"), max_length=16, choices=GivenHow.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    withdrawal_note = models.TextField(_("withdrawal note"), blank=True)

    objects = SharingConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent to sharing")
        verbose_name_plural = _("consents to sharing")
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            models.Index(fields=["to_service", "person"], name="consent_to_service_person",
                         condition=models.Q(withdrawn_at__isnull=True)),
            models.Index(fields=["person", "-recorded_at"], name="consent_person"),
        ]
        constraints = [
            # A consent names one recipient; the organisation's name is blanked at anonymisation, so the
            # database only refuses both at once.
            models.CheckConstraint(
                condition=models.Q(to_service__isnull=True) | models.Q(to_organisation=""),
                name="consent_one_recipient",
            ),
        ]

    @property
    def is_active(self):
        return self.withdrawn_at is None

    @property
    def compartments(self):
        return SCOPE_COMPARTMENTS[Scope(self.scope)]

    @property
    def recipient(self):
        return str(self.to_service) if self.to_service_id else self.to_organisation


class EmergencyAccessQuerySet(models.QuerySet):
    def active(self, now=None):
        return self.filter(expires_at__gt=now or timezone.now())


class EmergencyAccess(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT,
                             related_name="emergency_accesses")
    person = models.ForeignKey("persons.Person", verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="emergency_accesses")
    service = models.ForeignKey("services.Service", verbose_name=_("service of the professional"),
                                on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    notified_at = models.DateTimeField(_("heads of service notified at"), null=True, blank=True)
    heads_notified = models.PositiveSmallIntegerField(_("heads of service notified"), default=0)
    mails_sent = models.PositiveSmallIntegerField(_("e-mails sent"), default=0)

    objects = EmergencyAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["user", "person", "expires_at"], name="emergency_user_person")]

    @property
    def is_active(self):
        return self.expires_at > timezone.now()


class EmergencyNotification(models.Model):
    """An emergency access shown to the head of a service whose record was opened."""

    access = models.ForeignKey(EmergencyAccess, on_delete=models.CASCADE, related_name="notifications")
    head = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("services.Service", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("emergency access notification")
        verbose_name_plural = _("emergency access notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["head", "read_at"], name="emergency_notif_head")]


class EmergencyAttempt(models.Model):
    """Every request to open a record in an emergency, refused or not (issue #11): who, when, from which
    service, the outcome and, when one was found, the person's id. Never the names typed nor the reason.
    Kept append-only by the application (no screen changes it)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT,
                             related_name="+")
    service_id = models.BigIntegerField(_("service of the professional"), null=True, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=32)
    person_id = models.BigIntegerField(_("person"), null=True, blank=True)

    class Meta:
        verbose_name = _("emergency access attempt")
        verbose_name_plural = _("emergency access attempts")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"], name="emergency_attempt_user_at")]
