from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from aupres.care.models import CareContactKind, ConditionStatus, Route, Shift
from aupres.care.scales import ADVERBS_SUFFIX, AGGIR_ADVERBS, SCALES
from aupres.core.forms import date_input


class ConditionForm(forms.Form):
    code = forms.CharField(label=_("ICD-10 code"), max_length=10, help_text=_("For example E11.9, B20, F20.0."))
    onset_on = forms.DateField(label=_("Onset"), required=False, widget=date_input())
    status = forms.ChoiceField(label=_("Status"), choices=ConditionStatus.choices, initial=ConditionStatus.ACTIVE)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class PrescriptionForm(forms.Form):
    drug = forms.CharField(label=_("Drug"), max_length=200)
    dose = forms.CharField(label=_("Dose"), max_length=100, help_text=_("For example 1 tablet of 500 mg."))
    route = forms.ChoiceField(label=_("Route"), choices=Route.choices, initial=Route.ORAL)
    times = forms.CharField(label=_("Times of day"), max_length=60,
                            help_text=_("HH:MM, separated by commas: 08:00, 20:00."))
    starts_on = forms.DateField(label=_("From"), widget=date_input())
    ends_on = forms.DateField(label=_("Until"), required=False, widget=date_input())
    prescriber = forms.CharField(label=_("Prescriber"), max_length=200)
    notes = forms.CharField(label=_("Instructions"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 2}))


class TransmissionForm(forms.Form):
    target = forms.CharField(label=_("Target"), max_length=200,
                             help_text=_("For example: pain, wound, sleep, anxiety."))
    data = forms.CharField(label=_("Data"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    actions = forms.CharField(label=_("Actions"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 2}))
    results = forms.CharField(label=_("Results"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 2}))
    shift = forms.ChoiceField(label=_("Shift"), choices=Shift.choices)


class PainForm(forms.Form):
    pain = forms.IntegerField(label=_("Pain, from 0 (none) to 10 (worst imaginable)"), min_value=0, max_value=10,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class AdverbsField(forms.MultipleChoiceField):
    """The AGGIR adverbs met, as the guide's letters in its order ("STH")."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=AGGIR_ADVERBS, required=False, **kwargs)

    def clean(self, value):
        ticked = super().clean(value)
        return "".join(code for code, _label in AGGIR_ADVERBS if code in ticked)


def scale_form(scale_code, data=None):
    """A form built from the scale's items (scales.py): a choice per item, or a number. An AGGIR item is
    coded directly or through the adverbs it meets (scales.score checks one of the two is given)."""
    scale = SCALES[scale_code]
    fields = {}
    for item in scale.items:
        if item.computed:
            continue
        if item.choices:
            fields[item.code] = forms.ChoiceField(label=item.label, widget=forms.RadioSelect,
                                                  required=item.required and not item.adverbs,
                                                  choices=[(v, label) for v, label, _p in item.choices])
            if item.adverbs:
                fields[item.code + ADVERBS_SUFFIX] = AdverbsField(
                    label=format_lazy(_("{item}: or the adverbs met (all four: A, some: B)"), item=item.label))
        else:
            fields[item.code] = forms.DecimalField(label=item.label, min_value=item.minimum, max_value=item.maximum,
                                                   decimal_places=1)
    form = type("ScaleForm", (forms.Form,), fields)(data)
    if scale.kind == "aggir":
        # The grid on one compact line per item (code, then the adverbs), grouped as the guide groups them.
        sections = {}
        for item in scale.items:
            sections.setdefault(item.section, []).append((form[item.code], form[item.code + ADVERBS_SUFFIX]))
        form.aggir_sections = list(sections.items())
    return form


class StayReasonForm(forms.Form):
    followup = forms.TypedChoiceField(label=_("Stay"), coerce=int)
    code = forms.CharField(label=_("ICD-10 code of the reason"), max_length=10)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, followups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["followup"].choices = [(f.pk, f"{f.service.name} — {f.opened_on:%d/%m/%Y}") for f in followups]


class CarePrescriptionForm(forms.Form):
    followup = forms.TypedChoiceField(label=_("Follow-up"), coerce=int)
    prescribed_on = forms.DateField(label=_("Prescribed on"), widget=date_input())
    starts_on = forms.DateField(label=_("From"), widget=date_input())
    ends_on = forms.DateField(label=_("Until"), widget=date_input())
    prescriber = forms.CharField(label=_("Prescriber"), max_length=200)

    def __init__(self, *args, followups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["followup"].choices = [(f.pk, f"{f.service.name} — {f.opened_on:%d/%m/%Y}") for f in followups]


class CareContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CareContactKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    speciality = forms.CharField(label=_("Speciality or department"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ConditionStatusForm(forms.Form):
    """A change of a health problem: its status (resolved: the day is recorded), onset and note."""

    status = forms.ChoiceField(label=_("Status"), choices=ConditionStatus.choices)
    onset_on = forms.DateField(label=_("Onset"), required=False, widget=date_input())
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class PrescriptionStopForm(forms.Form):
    ends_on = forms.DateField(label=_("Last day of the treatment"), widget=date_input(),
                              help_text=_("The doses of that day are still given; none after it."))
    version = forms.IntegerField(widget=forms.HiddenInput)
