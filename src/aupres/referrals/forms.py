from django import forms
from django.utils.translation import gettext_lazy as _

from aupres.core.forms import date_input
from aupres.referrals.models import DeclineReason, DocumentKind, Need, Referral
from aupres.services.models import Service, Territory

INTAKE_FIELDS = ["source", "referrer_organisation", "referrer_name", "referrer_phone", "referrer_email",
                 "alias", "first_name", "last_name", "sex", "birth_year", "estimated_age", "minor_children",
                 "newborn", "household_size", "needs", "urgency", "consent", "phone", "location",
                 "on_street_since", "social_description", "health_description", "prescription_date", "prescriber"]

DOCUMENT_FIELDS = {"doc_medical_file": DocumentKind.MEDICAL_FILE, "doc_social_file": DocumentKind.SOCIAL_FILE,
                   "doc_prescription": DocumentKind.PRESCRIPTION, "doc_other": DocumentKind.OTHER}


class ReferralForm(forms.ModelForm):
    """The referral, as the team, a partner or anyone fills it. Rules are checked by services.py."""

    needs = forms.MultipleChoiceField(label=_("Needs"), choices=Need.choices, widget=forms.CheckboxSelectMultiple)
    doc_medical_file = forms.FileField(label=_("Medical file (PDF, JPEG, PNG)"), required=False)
    doc_social_file = forms.FileField(label=_("Social file"), required=False)
    doc_prescription = forms.FileField(label=_("Prescription"), required=False)
    doc_other = forms.FileField(label=_("Other document"), required=False)

    class Meta:
        model = Referral
        fields = INTAKE_FIELDS
        widgets = {"on_street_since": date_input(), "prescription_date": date_input(),
                   "social_description": forms.Textarea(attrs={"rows": 3}),
                   "health_description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"alias": _("A first name, a last name, an alias or where to find the person is enough.")}

    def __init__(self, *args, services=None, territories=False, public=False, documents=True, **kwargs):
        super().__init__(*args, **kwargs)
        if services is not None:
            self.fields["service"] = forms.ModelChoiceField(
                queryset=services, label=_("Service asked"), required=territories,
                empty_label=_("— I do not know: let the regional regulation choose —") if territories else None)
            self.order_fields(["service"])
            if territories:
                self.fields["service"].required = False
        if territories:
            self.fields["territory"] = forms.ModelChoiceField(
                queryset=Territory.objects.exclude(level="region").order_by("level", "code"),
                label=_("Where the person is (département)"), required=False)
        if public:
            self.fields["website"] = forms.CharField(label=_("Leave this field empty"), required=False,
                                                     widget=forms.TextInput(attrs={"tabindex": "-1",
                                                                                   "autocomplete": "off"}))
            del self.fields["referrer_organisation"]
        if not documents:
            for name in DOCUMENT_FIELDS:
                del self.fields[name]

    def _post_clean(self):
        pass  # services.create_referral checks the rules

    def values(self):
        return {k: v for k, v in self.cleaned_data.items() if k in INTAKE_FIELDS}

    def documents(self):
        return [(kind, self.cleaned_data.get(name)) for name, kind in DOCUMENT_FIELDS.items()
                if self.cleaned_data.get(name)]


class AcceptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    person = forms.TypedChoiceField(label=_("Person"), coerce=int, required=False, empty_value=None,
                                    widget=forms.RadioSelect)
    override_justification = forms.CharField(
        label=_("Exception to the rules: justification (head of service)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}))
    place = forms.TypedChoiceField(label=_("Place"), coerce=int, required=False, empty_value=None,
                                   widget=forms.RadioSelect)

    def __init__(self, *args, candidates=(), places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(p.pk, f"{p.label} ({p.get_kind_display()})") for p in places]
        self.fields["person"].choices = [("", _("Create a new person from the referral"))] + [
            (c.person.pk, c.person.display_name) for c in candidates]


class DeclineForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.ChoiceField(label=_("Reason"), choices=DeclineReason.choices)
    note = forms.CharField(label=_("Explanation"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class WaitForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ForwardForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    service = forms.ModelChoiceField(queryset=Service.objects.filter(is_active=True), label=_("Forward to"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CommitteeForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=date_input())
    attendees = forms.CharField(label=_("Attendees"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 2}))


class MergeSearchForm(forms.Form):
    """Another record of the same person, searched by what the user types (sent by POST: no names in URLs)."""

    alias = forms.CharField(label=_("Alias or nickname"), required=False, max_length=100)
    first_name = forms.CharField(label=_("First name"), required=False, max_length=100)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=100)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=1900, max_value=2100)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30)


class MergeForm(forms.Form):
    """Which record to keep, with the versions of both as the user read them (stale-edit check)."""

    keep = forms.TypedChoiceField(label=_("Record to keep"), coerce=int, widget=forms.RadioSelect)
    version_first = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    version_second = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, first, second, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(first.pk, first.display_name), (second.pk, second.display_name)]
        if not self.is_bound:
            self.initial.setdefault("keep", first.pk)
            self.initial.update(version_first=first.version, version_second=second.version)
