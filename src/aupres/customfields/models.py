"""The team's own fields (issue #17, decision D56): a head of service adds fields to the person, follow-up
or encounter forms of their service, each in a compartment, so that the access model applies to them.

- `FieldDefinition`: what the head of service configured (service, target, label, kind, options for a
  choice, compartment, order, active). Rows are never deleted once a value uses them: deactivate instead.
- `CustomValue`: one row per value, typed columns (text, choice, number, date, yes/no). Each row names the
  service holding it and its compartment (copied from its definition), like a note: the access model, the
  person's export (audit.export, per service and compartment) and the retention purge treat it as any
  other record about the person, without a rule of their own.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aupres.core.models import Compartment, VersionedModel


class FieldTarget(models.TextChoices):
    PERSON = "person", _("Person")
    FOLLOWUP = "followup", _("Follow-up")
    ENCOUNTER = "encounter", _("Encounter")


class FieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice from a list")
    YES_NO = "yes_no", _("Yes / no")


MAX_OPTIONS = 30
MAX_OPTION_LENGTH = 80
MAX_TEXT_LENGTH = 2000


class FieldDefinition(VersionedModel):
    service = models.ForeignKey("services.Service", verbose_name=_("service"), on_delete=models.CASCADE,
                                related_name="custom_fields")
    target = models.CharField(_("form"), max_length=12, choices=FieldTarget.choices)
    label = models.CharField(_("label"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=FieldKind.choices)
    options = models.JSONField(_("options"), default=list, blank=True,
                               help_text=_("For a choice: the options, one per line."))
    compartment = models.CharField(_("compartment"), max_length=16, choices=Compartment.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["service", "target", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["service", "target", "label"], name="customfield_unique_label"),
        ]

    def __str__(self):
        return self.label


class CustomValue(models.Model):
    """The value of one field for one person, follow-up or encounter."""

    field = models.ForeignKey(FieldDefinition, verbose_name=_("field"), on_delete=models.PROTECT,
                              related_name="values")
    # Copied from the definition: the record is held by this service, in this compartment (export, purge).
    service = models.ForeignKey("services.Service", verbose_name=_("service"), on_delete=models.PROTECT,
                                related_name="+")
    compartment = models.CharField(_("compartment"), max_length=16, choices=Compartment.choices)
    person = models.ForeignKey("persons.Person", verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="custom_values", null=True, blank=True)
    followup = models.ForeignKey("followups.FollowUp", verbose_name=_("follow-up"), on_delete=models.CASCADE,
                                 related_name="custom_values", null=True, blank=True)
    encounter = models.ForeignKey("encounters.Encounter", verbose_name=_("encounter"), on_delete=models.CASCADE,
                                  related_name="custom_values", null=True, blank=True)
    value_text = models.TextField(_("text"), blank=True, default="")
    # A coded value: kept by the retention purge (not editable), so that indicators by a choice survive.
    value_choice = models.CharField(_("choice"), max_length=MAX_OPTION_LENGTH, blank=True, default="",
                                    editable=False)
    value_number = models.DecimalField(_("number"), max_digits=14, decimal_places=4, null=True, blank=True)
    value_date = models.DateField(_("date"), null=True, blank=True)
    value_bool = models.BooleanField(_("yes / no"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("custom field value")
        verbose_name_plural = _("custom field values")
        constraints = [
            models.UniqueConstraint(fields=["field", "person"], condition=Q(followup__isnull=True,
                                    encounter__isnull=True), name="customvalue_one_per_person"),
            models.UniqueConstraint(fields=["field", "followup"], condition=Q(followup__isnull=False),
                                    name="customvalue_one_per_followup"),
            models.UniqueConstraint(fields=["field", "encounter"], condition=Q(encounter__isnull=False),
                                    name="customvalue_one_per_encounter"),
        ]
        indexes = [models.Index(fields=["field", "value_choice"], name="customvalue_field_choice")]

    COLUMN = {"text": "value_text", "choice": "value_choice", "number": "value_number",
              "date": "value_date", "yes_no": "value_bool"}

    def __str__(self):
        return f"{self.field}: {self.value}"

    @property
    def value(self):
        return getattr(self, self.COLUMN[self.field.kind])
