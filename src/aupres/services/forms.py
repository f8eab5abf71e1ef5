from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aupres.core.forms import SectionedForm, VersionedForm, date_input
from aupres.services.models import (
    SERVICE_RANGES,
    Membership,
    Need,
    Operator,
    RequiredDocument,
    Service,
    ServiceKind,
)

SERVICE_FIELDS = [
    "name", "capacity", "capacity_unit", "territories", "public", "public_description",
    "usual_length_min_days", "usual_length_max_days", "max_length_days", "requires_prescription",
    "required_documents", "accepted_needs", "min_age", "max_age", "max_months_on_street", "requires_expressed_demand",
    "eligibility_notes", "has_orientation_committee", "confidential_location", "opening_days",
    "opens_day", "opens_night", "no_encounter_alert_days", "access_after_exit_days",
    "retention_days_after_exit", "is_active",
]

WEEKDAY_CHOICES = [("1", _("Monday")), ("2", _("Tuesday")), ("3", _("Wednesday")), ("4", _("Thursday")),
                   ("5", _("Friday")), ("6", _("Saturday")), ("7", _("Sunday"))]


class ServiceForm(SectionedForm, VersionedForm):
    # Issue #13: the service's rules in the order a head of service thinks of them, each part under a legend.
    sections = [
        (_("The service"), ["kind", "name", "territories", "public", "public_description", "is_active"]),
        (_("Capacity and length"), ["capacity", "capacity_unit", "usual_length_min_days", "usual_length_max_days",
                                    "max_length_days"]),
        (_("Who may be admitted"), ["requires_prescription", "required_documents", "accepted_needs", "min_age",
                                    "max_age", "max_months_on_street", "requires_expressed_demand",
                                    "eligibility_notes", "has_orientation_committee"]),
        (_("Opening"), ["opening_days", "opens_day", "opens_night", "confidential_location"]),
        (_("Follow-up and records"), ["no_encounter_alert_days", "access_after_exit_days",
                                      "retention_days_after_exit"]),
        (_("When the changes apply"), ["effective_from", "correction_note"]),
    ]
    other_section = _("Other")

    kind = forms.ModelChoiceField(queryset=ServiceKind.objects.all(), label=_("Kind of service"),
                                  required=False)
    opening_days = forms.MultipleChoiceField(choices=WEEKDAY_CHOICES, label=_("Opening days"),
                                             widget=forms.CheckboxSelectMultiple)
    required_documents = forms.MultipleChoiceField(
        choices=RequiredDocument.choices, required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Documents required with a referral"))
    accepted_needs = forms.MultipleChoiceField(
        choices=Need.choices, required=False, widget=forms.CheckboxSelectMultiple,
        label=_("Needs the service takes"),
        help_text=_("A referral naming none of these needs does not fit the service. None ticked: any need."))

    effective_from = forms.DateField(
        label=_("The changed rules apply from"), required=False, widget=date_input(),
        help_text=_("Capacity and its unit, lengths, opening days and the no-encounter delay keep their history: "
                    "the figures of earlier dates keep the earlier values. Today by default; a past date "
                    "corrects the figures from that date on."))
    correction_note = forms.CharField(
        label=_("Why a past date (correction)"), required=False, max_length=500,
        help_text=_("Required for a past date: kept in the history of the rules."))

    class Meta:
        model = Service
        fields = SERVICE_FIELDS
        widgets = {"public_description": forms.Textarea(attrs={"rows": 2}),
                   "eligibility_notes": forms.Textarea(attrs={"rows": 2}),
                   "territories": forms.SelectMultiple(attrs={"size": 6})}

    def __init__(self, *args, creating=False, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (low, high, message) in SERVICE_RANGES.items():  # plausible ranges, each beside its field
            if name in self.fields:
                field = self.fields[name]
                field.validators = [MinValueValidator(low, message=message), MaxValueValidator(high, message=message)]
                field.widget.attrs.update({"min": low, "max": high})
        if creating:
            self.fields["kind"].required = True
            for name in list(self.fields):
                if name not in ("kind", "name", "territories", "capacity") or name in (
                        "effective_from", "correction_note"):
                    del self.fields[name]
            self.fields["capacity"].required = False
            self.fields["name"].required = False
            self.fields["name"].help_text = _("Leave empty to use the name of the kind.")
            self.fields["capacity"].help_text = _("Leave empty to use the kind's usual capacity.")
        else:
            del self.fields["kind"]
            if self.instance.pk and not self.is_bound:
                self.initial["opening_days"] = list(self.instance.opening_days)
                self.initial["effective_from"] = timezone.localdate()

    def values(self):
        values = {k: v for k, v in self.cleaned_data.items()
                  if k not in ("version", "territories", "kind", "effective_from", "correction_note")
                  and k in self.changed_data}
        if "opening_days" in values:
            values["opening_days"] = "".join(values["opening_days"])
        return {k: v for k, v in values.items() if not (k in ("name", "capacity") and v in (None, ""))}


class OperatorForm(VersionedForm):
    class Meta:
        model = Operator
        fields = ["name", "kind", "siret", "address", "territory"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}


class UserChoiceField(forms.ModelChoiceField):
    """Team members by their names (the login only to tell namesakes apart), never by login alone."""

    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


class MembershipForm(VersionedForm):
    user = UserChoiceField(queryset=get_user_model().objects.filter(kind="staff", is_active=True)
                           .order_by("last_name", "first_name", "username"), label=_("Team member"))

    class Meta:
        model = Membership
        fields = ["user", "profession", "etp", "is_coordinating", "is_on_call", "start_date", "end_date"]
        widgets = {"start_date": date_input(), "end_date": date_input()}

    rpps = forms.CharField(label=_("RPPS number"), max_length=11, required=False,
                           help_text=_("For a health profession: the professional's RPPS (11 digits) or ADELI "
                                       "number, if their account does not hold it yet."))
    adeli = forms.CharField(label=_("ADELI number"), max_length=9, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["user"], self.fields["rpps"], self.fields["adeli"]

    def values(self):
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "user", "rpps", "adeli")}

    def identifiers(self):
        return {k: self.cleaned_data.get(k) for k in ("rpps", "adeli")}
