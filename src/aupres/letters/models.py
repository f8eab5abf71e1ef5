"""A service's letter templates (issue #17): referral letters and admission requests, written by the head of
service with a few placeholders ({{ person.first_name }}…), filled in for a person as a PDF (services.py).

A template holds no personal data: it is the service's wording. The letters generated are not stored (the
PDF is sent to who asked for it; the journal keeps that it was generated, for whom, from which service)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aupres.core.models import VersionedModel


class LetterKind(models.TextChoices):
    REFERRAL_LETTER = "referral_letter", _("Referral letter")
    ADMISSION_REQUEST = "admission_request", _("Admission request")


class LetterTemplate(VersionedModel):
    service = models.ForeignKey("services.Service", on_delete=models.CASCADE, related_name="letter_templates")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=LetterKind.choices)
    body = models.TextField(_("text of the letter"), max_length=20000)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        ordering = ["service_id", "kind", "title", "pk"]

    def __str__(self):
        return self.title
