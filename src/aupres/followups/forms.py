from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aupres.core.forms import VersionedForm, date_input
from aupres.followups.models import (
    DOMAIN_COMPARTMENT,
    Domain,
    ExitDestination,
    ExitReason,
    FollowUpState,
    HealthCheck,
    Level,
    Objective,
    Plan,
    Result,
    Satisfaction,
)


def _today():
    return timezone.localdate()


class TransitionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    to_state = forms.ChoiceField(label=_("Next step"))
    on = forms.DateField(label=_("Date"), widget=date_input(), initial=_today)
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)

    def __init__(self, *args, next_states=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_state"].choices = [(s, FollowUpState(s).label) for s in next_states if s != "exit"]


class ExitForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("Exit date"), widget=date_input(), initial=_today)
    exit_reason = forms.ChoiceField(label=_("Exit reason"), choices=[("", "—"), *ExitReason.choices])
    exit_destination = forms.ChoiceField(label=_("Destination"), choices=[("", "—"), *ExitDestination.choices])
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)


class AssessmentForm(forms.Form):
    """One level and one note per domain the user may write (their compartments)."""

    assessed_on = forms.DateField(label=_("Assessed on"), widget=date_input(), initial=_today)

    def __init__(self, *args, compartments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = [d for d in Domain if DOMAIN_COMPARTMENT[d] in compartments]
        for d in self.domains:
            self.fields[f"level_{d.value}"] = forms.ChoiceField(
                label=d.label, required=False, choices=[("", _("Not assessed")), *Level.choices])
            self.fields[f"notes_{d.value}"] = forms.CharField(
                label=_("Notes: %(domain)s") % {"domain": d.label}, required=False, max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}))

    def groups(self):
        """[(compartment, [(level field, notes field)])] for the template."""
        result = {}
        for d in self.domains:
            result.setdefault(DOMAIN_COMPARTMENT[d], []).append(
                (self[f"level_{d.value}"], self[f"notes_{d.value}"]))
        return list(result.items())

    def items(self):
        return {d.value: (self.cleaned_data[f"level_{d.value}"], self.cleaned_data[f"notes_{d.value}"])
                for d in self.domains if self.cleaned_data.get(f"level_{d.value}")}


class HealthCheckForm(forms.ModelForm):
    class Meta:
        model = HealthCheck
        fields = ["done_on", "weight_kg", "height_cm", "systolic_mmhg", "diastolic_mmhg", "heart_rate",
                  "temperature_c", "spo2", "glycaemia_g_l", "reasons", "chronic_illnesses", "treatments",
                  "vaccinations", "vaccinations_up_to_date", "screening_tb", "screening_hiv", "screening_hbv",
                  "screening_hcv", "pregnancy", "pregnancy_term", "orientation_proposed", "notes"]
        widgets = {"done_on": date_input(), "pregnancy_term": date_input(),
                   **{f: forms.Textarea(attrs={"rows": 2}) for f in (
                       "reasons", "chronic_illnesses", "treatments", "vaccinations", "orientation_proposed",
                       "notes")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_on"].initial = _today
        for name in ("weight_kg", "temperature_c", "glycaemia_g_l"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"

    def _post_clean(self):
        pass  # rules are checked by services.record_health_check


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = ["agreed_on", "person_took_part", "person_words", "review_due_on"]
        widgets = {"agreed_on": date_input(), "review_due_on": date_input(),
                   "person_words": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreed_on"].initial = _today

    def _post_clean(self):
        pass


class ObjectiveForm(VersionedForm):
    class Meta:
        model = Objective
        fields = ["domain", "title", "actions", "due_on", "status"]
        widgets = {"due_on": date_input(), "actions": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, domains=None, **kwargs):
        super().__init__(*args, **kwargs)
        if domains is not None:
            self.fields["domain"].choices = [c for c in self.fields["domain"].choices if c[0] in domains]
        if self.instance.pk:
            del self.fields["domain"]


class EvaluationForm(forms.Form):
    evaluated_on = forms.DateField(label=_("Evaluated on"), widget=date_input(), initial=_today)
    satisfaction = forms.ChoiceField(label=_("The person's satisfaction"),
                                     choices=[("", "—"), *Satisfaction.choices])
    person_words = forms.CharField(label=_("The person's own words"), required=False, max_length=5000,
                                   widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, objectives=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.objectives = list(objectives)
        for o in self.objectives:
            self.fields[f"result_{o.pk}"] = forms.ChoiceField(
                label=o.title, required=False, choices=[("", _("Not evaluated")), *Result.choices])

    def results(self):
        return {o.pk: self.cleaned_data[f"result_{o.pk}"] for o in self.objectives
                if self.cleaned_data.get(f"result_{o.pk}")}
