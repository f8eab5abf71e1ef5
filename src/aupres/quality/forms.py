from django import forms
from django.utils.translation import gettext_lazy as _

from aupres.core.forms import date_input
from aupres.quality.models import ActionStatus, Criterion, EventKind, EventStatus, Level

NO_NAME = _("Name no person: write « a person supported », « a professional ». Names are removed from the "
            "declaration anyway.")


class CriterionForm(forms.Form):
    title = forms.CharField(label=_("Criterion"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class WordingForm(forms.Form):
    title = forms.CharField(label=_("The operator's wording"), max_length=300, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("Empty, or the shared text: the operator reads the shared text again."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AxisForm(forms.Form):
    title = forms.CharField(label=_("Axis"), max_length=300)
    criteria = forms.ModelMultipleChoiceField(label=_("Criteria it gathers"), queryset=Criterion.objects.all(),
                                              widget=forms.CheckboxSelectMultiple, to_field_name="code")
    version = forms.IntegerField(widget=forms.HiddenInput)


class AssessForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, widget=forms.RadioSelect)
    evidence = forms.CharField(label=_("Evidence"), required=False, max_length=4000,
                               widget=forms.Textarea(attrs={"rows": 3}))
    comment = forms.CharField(label=_("Comment"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = forms.CharField(label=_("Owner"), max_length=120)
    due_on = forms.DateField(label=_("Due on"), widget=date_input())
    criterion = forms.ModelChoiceField(label=_("Criterion"), queryset=Criterion.objects.all(), required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2022, max_value=2100)

    def values(self):
        d = dict(self.cleaned_data)
        d["criterion"] = d["criterion"].pk if d.get("criterion") else None
        return d


class ActionEditForm(ActionForm):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
    done_on = forms.DateField(label=_("Done on"), required=False, widget=date_input())
    version = forms.IntegerField(widget=forms.HiddenInput)

    def values(self):
        d = super().values()
        d.pop("year", None)
        d.pop("version", None)
        return d


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of event"), choices=EventKind.choices)
    occurred_on = forms.DateField(label=_("Occurred on"), widget=date_input())
    what = forms.CharField(label=_("What happened"), max_length=4000, help_text=NO_NAME,
                           widget=forms.Textarea(attrs={"rows": 4}))
    informed = forms.CharField(label=_("Who was informed"), max_length=2000, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    measures = forms.CharField(label=_("Measures taken"), max_length=4000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))


class EventFollowForm(forms.Form):
    informed = forms.CharField(label=_("Who was informed"), max_length=2000, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    measures = forms.CharField(label=_("Measures taken"), max_length=4000, required=False, help_text=NO_NAME,
                               widget=forms.Textarea(attrs={"rows": 3}))
    status = forms.ChoiceField(label=_("Status"), choices=EventStatus.choices)
    declared_on = forms.DateField(label=_("Declared to the authority on"), required=False, widget=date_input())
    closed_on = forms.DateField(label=_("Closed on"), required=False, widget=date_input())
    closing_note = forms.CharField(label=_("Closing note"), max_length=4000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=date_input())
    participants = forms.IntegerField(label=_("Persons taking part"), min_value=1, max_value=1000)
    topics = forms.CharField(label=_("Topics"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    decisions = forms.CharField(label=_("Decisions"), max_length=4000, required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))
