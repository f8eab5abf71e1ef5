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

    def __init__(self, *args, services=None, territories=False, documents=True, **kwargs):
        super().__init__(*args, **kwargs)
        if services is not None:
            self.fields["service"] = forms.ModelChoiceField(
                queryset=services, label=_("Service asked"), required=territories,
                empty_label=_("— I do not know: let the regional regulation choose —") if territories else None)
            self.order_fields(["service"])
            if territories:
                self.fields["service"].required = False
        if territories:
            self.fields["territory"] = forms.ModelChoiceField(  # départements, as the label says (issue #13)
                queryset=Territory.objects.filter(level="departement").order_by("code"),
                label=_("Where the person is (département)"), required=False)
        if not documents:
            for name in DOCUMENT_FIELDS:
                del self.fields[name]

    def _post_clean(self):
        pass  # services.create_referral checks the rules

    # The partner's form in sections (issue #13): who refers, who the person is, their household, the need
    # and where to send it, then the documents. Fields absent from this form (public, no documents) are skipped.
    SECTIONS = (
        ("you", _("You, the referrer"), ("source", "referrer_organisation", "referrer_name", "referrer_phone",
                                         "referrer_email")),
        ("person", _("The person"), ("alias", "first_name", "last_name", "sex", "birth_year", "estimated_age",
                                     "phone", "location", "on_street_since")),
        ("household", _("Household"), ("household_size", "minor_children", "newborn")),
        ("need", _("The need"), ("service", "territory", "needs", "urgency", "consent", "social_description",
                                 "health_description", "prescription_date", "prescriber")),
        ("documents", _("Documents"), tuple(DOCUMENT_FIELDS)),
    )

    def sections(self):
        """[(key, legend, [bound fields])] in the order of SECTIONS, then any field no section names."""
        named = {n for _k, _l, names in self.SECTIONS for n in names}
        out = [(key, legend, [self[n] for n in names if n in self.fields]) for key, legend, names in self.SECTIONS]
        rest = [f for f in self.visible_fields() if f.name not in named]
        if rest:
            out.append(("other", _("Other"), rest))
        return [(k, legend, fields) for k, legend, fields in out if fields]

    def announce_document_limits(self, max_bytes, max_total_mb, max_count):
        """Say the limits before the upload, and let the browser check them (static/js/referrals.js)."""
        for name in DOCUMENT_FIELDS:
            if name in self.fields:
                field = self.fields[name]
                field.help_text = _("PDF, JPEG or PNG, at most %(mb)s MB.") % {"mb": max_bytes // 2**20}
                field.widget.attrs.update({"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png",
                                           "data-max-bytes": str(max_bytes), "data-types": ".pdf,.jpg,.jpeg,.png",
                                           "data-wrong-type": _("Choose a PDF, JPEG or PNG file."),
                                           "data-too-large": _("This file weighs %(size)s MB: at most %(mb)s MB.")
                                           % {"size": "{size}", "mb": max_bytes // 2**20}})
        self.document_limits = {"mb": max_bytes // 2**20, "total_mb": max_total_mb, "count": max_count}

    def values(self):
        return {k: v for k, v in self.cleaned_data.items() if k in INTAKE_FIELDS}

    def documents(self):
        return [(kind, self.cleaned_data.get(name)) for name, kind in DOCUMENT_FIELDS.items()
                if self.cleaned_data.get(name)]


class PublicReferralForm(forms.Form):
    """The public form, written for a passer-by (issue #13): who the person is, where, what worries you,
    how to call you back. No professional field (prescriber, prescription, « referred by » 115/SIAO…):
    the referral goes to the regional regulation of the département chosen. Rules: services.py."""

    # Who
    alias = forms.CharField(
        label=_("Their name, first name or nickname, or how to recognise them"), max_length=100, required=False,
        help_text=_("For example « Marcel » or « a man in his fifties with a red coat ». Leave empty if you "
                    "do not know."))
    estimated_age = forms.IntegerField(label=_("Their approximate age"), required=False, min_value=0,
                                       max_value=120, help_text=_("In years; a guess is fine."))
    sex = forms.ChoiceField(label=_("The person is"), required=False, widget=forms.RadioSelect,
                            choices=[("female", _("A woman")), ("male", _("A man")), ("unknown", _("I do not know"))])
    # Where
    territory = forms.ModelChoiceField(
        queryset=Territory.objects.filter(level="departement").order_by("code"), label=_("Département"),
        empty_label=_("— Choose the département —"),
        help_text=_("The département where the person is: the regional team chooses who will go."))
    location = forms.CharField(
        label=_("Where exactly"), max_length=300,
        help_text=_("Town, street, landmark, and when the person is usually there."))
    # What
    social_description = forms.CharField(label=_("What worries you"), max_length=3000,
                                         widget=forms.Textarea(attrs={"rows": 4}))
    needs = forms.MultipleChoiceField(
        label=_("What you see (tick what applies)"), widget=forms.CheckboxSelectMultiple,
        choices=[("health", _("They seem ill or injured")), ("mental_health", _("They seem in psychological distress")),
                 ("housing", _("They have no shelter")), ("maternity", _("A pregnancy or a young child")),
                 ("violence", _("Violence")), ("addiction", _("Alcohol or drugs")),
                 ("social", _("Something else, or I do not know"))])
    consent = forms.ChoiceField(
        label=_("Does the person know that you are writing to us?"), widget=forms.RadioSelect,
        choices=[("asks", _("Yes, they asked me to")), ("agrees", _("Yes, and they agree")),
                 ("not_informed", _("No, or I do not know")), ("refuses", _("They do not want it"))],
        initial="not_informed")
    # How to call you back
    source = forms.ChoiceField(
        label=_("You are"), widget=forms.RadioSelect, initial="individual",
        choices=[("individual", _("Someone who is worried about this person (passer-by, neighbour, relative…)")),
                 ("self", _("The person themself: I need help"))])
    referrer_name = forms.CharField(label=_("Your name"), max_length=160, required=False)
    referrer_phone = forms.CharField(label=_("Your phone"), max_length=30, required=False,
                                     widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    referrer_email = forms.EmailField(label=_("Your email address"), max_length=200, required=False,
                                      widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    website = forms.CharField(label=_("Leave this field empty"), required=False,
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    SECTIONS = (
        ("who", _("Who is the person?"), ("alias", "estimated_age", "sex")),
        ("where", _("Where is the person?"), ("territory", "location")),
        ("what", _("What worries you?"), ("social_description", "needs", "consent")),
        ("you", _("How can we call you back?"), ("source", "referrer_name", "referrer_phone", "referrer_email")),
    )

    def sections(self):
        return [(key, legend, [self[n] for n in names]) for key, legend, names in self.SECTIONS]

    def values(self):
        """The referral's values (services.create_referral), from what the fields could clean."""
        data = getattr(self, "cleaned_data", {})
        values = {k: data.get(k) for k in ("alias", "estimated_age", "location", "social_description",
                                           "referrer_name", "referrer_phone", "referrer_email") if k in data}
        values.update(source=data.get("source") or "", needs=list(data.get("needs") or []),
                      sex=data.get("sex") or "unknown", consent=data.get("consent") or "not_informed")
        return {k: ("" if v is None and k not in ("estimated_age",) else v) for k, v in values.items()}


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
