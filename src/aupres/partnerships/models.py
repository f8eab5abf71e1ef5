"""The register of a service's partnerships and conventions (issue #18): the DAC, PMI, hospitals, PASS,
mediation actors, landlords and municipalities a team works with, agreed in writing or planned."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aupres.core.models import VersionedModel


class PartnerKind(models.TextChoices):
    DAC = "dac", _("Coordination support service (DAC)")
    PMI = "pmi", _("Maternal and child protection (PMI)")
    HOSPITAL = "hospital", _("Hospital")
    PASS = "pass", _("PASS (access to care)")
    MEDIATION = "mediation", _("Health mediation")
    LANDLORD = "landlord", _("Landlord")
    MUNICIPALITY = "municipality", _("Municipality, CCAS")
    OTHER = "other", _("Other")


class PartnershipStatus(models.TextChoices):
    WRITTEN = "written", _("Agreed in writing")
    PLANNED = "planned", _("Planned")


def _document_path(instance, filename):
    # No name in storage paths: a random one.
    return f"partnerships/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.pdf"


class PartnershipQuerySet(models.QuerySet):
    def in_force(self, on=None):
        """The partnerships a team may orient to on `on` (today): started (no start, or a start not after it)
        and not ended (no end, or an end not before it; partnerships.services.ended), written or planned."""
        on = on or timezone.localdate()
        return self.filter(Q(starts_on__isnull=True) | Q(starts_on__lte=on)).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=on))


class Partnership(VersionedModel):
    service = models.ForeignKey("services.Service", verbose_name=_("service"), on_delete=models.CASCADE,
                                related_name="partnerships")
    partner = models.CharField(_("partner"), max_length=200)
    kind = models.CharField(_("kind of partner"), max_length=16, choices=PartnerKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=PartnershipStatus.choices)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # Set when the partnership is ended (partnerships.services.end), with `ends_on`.
    end_reason = models.CharField(_("reason it ended"), max_length=500, blank=True)
    document = models.FileField(_("convention (PDF)"), upload_to=_document_path, max_length=200, blank=True)
    document_size = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["service", "kind", "partner"]
        constraints = [
            models.CheckConstraint(condition=~Q(status="written") | Q(signed_on__isnull=False),
                                   name="written_partnership_has_a_date"),
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True) |
                                   Q(ends_on__gte=F("starts_on")), name="partnership_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.partner} ({self.get_kind_display()})"
