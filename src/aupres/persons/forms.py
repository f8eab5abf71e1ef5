from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from aupres.core.forms import SectionedForm, VersionedForm, date_input
from aupres.core.models import Compartment
from aupres.followups.models import FollowUpState
from aupres.followups.services import CaseloadFilter
from aupres.persons.models import (
    HouseholdRole,
    LivingSituation,
    MedicalProfile,
    Person,
    RightStatus,
)
from aupres.persons.services import editable_person_fields

PERSON_WIDGETS = {
    "birth_date": date_input(),
    "estimated_on": date_input(),
    "on_street_since": date_input(),
}


class PersonForm(SectionedForm, VersionedForm):
    sections = [
        (_("Who"), ["alias", "first_name", "last_name", "sex", "birth_date", "birth_year", "estimated_age",
                    "birth_place"]),
        (_("Situation"), ["nationality", "administrative_situation", "languages", "on_street_since"]),
        (_("How to reach them"), ["phone"]),
        (_("Follow-up"), ["service"]),
    ]
    other_section = _("The team's own fields")

    class Meta:
        model = Person
        fields = ["alias", "first_name", "last_name", "sex", "birth_date", "birth_year", "estimated_age",
                  "birth_place", "nationality", "administrative_situation", "phone", "languages",
                  "on_street_since"]
        widgets = PERSON_WIDGETS
        help_texts = {
            "alias": _("A first name, a last name or an alias is enough."),
            "birth_year": _("When only the year is known."),
            "estimated_age": _("When nothing else is known."),
        }

    def __init__(self, *args, compartments=(), services=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = set(editable_person_fields(compartments))
        for name in list(self.fields):
            if name not in allowed and name != "version":
                del self.fields[name]
        if services is not None:
            self.fields["service"] = forms.ModelChoiceField(
                queryset=services, label=_("Followed by"), empty_label=None,
            )

    def values(self):
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "service")}


class LivingSituationForm(forms.ModelForm):
    class Meta:
        model = LivingSituation
        fields = ["kind", "started_on", "place"]
        widgets = {"started_on": date_input()}


class RightForm(forms.ModelForm):
    class Meta:
        model = RightStatus
        fields = ["kind", "value", "started_on", "expires_on", "note"]
        widgets = {"started_on": date_input(), "expires_on": date_input()}


class MedicalProfileForm(VersionedForm):
    class Meta:
        model = MedicalProfile
        fields = ["general_practitioner", "allergies", "chronic_conditions", "current_treatments",
                  "pregnancy_due_date"]
        widgets = {"pregnancy_due_date": date_input(), "allergies": forms.Textarea(attrs={"rows": 2}),
                   "chronic_conditions": forms.Textarea(attrs={"rows": 3}),
                   "current_treatments": forms.Textarea(attrs={"rows": 3})}


class NoteForm(forms.Form):
    compartment = forms.ChoiceField(label=_("Compartment"))
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)

    def __init__(self, *args, compartments=(), **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["compartment"].choices = [(c.value, c.label) for c in Compartment if c in compartments]


class HouseholdForm(forms.Form):
    label = forms.CharField(label=_("Name of the household"), max_length=160)


class MemberForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Role"), choices=HouseholdRole.choices)


class CaseloadFilterForm(forms.Form):
    """« Ma file active »: filters kept in the URL (GET), issue #13."""

    mes = forms.BooleanField(label=_("Only my persons (I am the referent)"), required=False)
    dispositif = forms.TypedChoiceField(label=_("Service"), required=False, coerce=int, empty_value=None)
    etape = forms.ChoiceField(label=_("Step"), required=False)
    alerte = forms.BooleanField(label=_("With an alert"), required=False)

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dispositif"].choices = [("", _("All my services")), *[(s.pk, s.name) for s in services]]
        self.fields["etape"].choices = [("", _("All steps")),
                                        *[(v, label) for v, label in FollowUpState.choices if v != "exit"]]

    def filters(self):
        if not self.is_valid():
            return CaseloadFilter()
        data = self.cleaned_data
        return CaseloadFilter(mine=data["mes"], service_id=data["dispositif"], state=data["etape"],
                              in_alert=data["alerte"])

    def query(self):
        """The filters as a query string, for the pager's links."""
        q = QueryDict(mutable=True)
        if self.is_valid():
            for name, value in self.cleaned_data.items():
                if value:
                    q[name] = "1" if value is True else value
        return q.urlencode()
