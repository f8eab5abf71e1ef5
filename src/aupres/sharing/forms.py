from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aupres.core.forms import date_input
from aupres.sharing.models import GivenHow, Scope
from aupres.sharing.services import EMERGENCY_REASON_MIN_LENGTH


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(label=_("What is shared"), choices=Scope.choices, widget=forms.RadioSelect)
    to_service = forms.ModelChoiceField(label=_("With our service"), queryset=None, required=False,
                                        empty_label=_("— a partner organisation —"))
    to_organisation = forms.CharField(label=_("Or with the partner organisation"), max_length=200, required=False)
    given_on = forms.DateField(label=_("Agreed on"), widget=date_input())
    given_how = forms.ChoiceField(label=_("How the person agreed"), choices=GivenHow.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("For example who represented the person. No medical detail."))

    def __init__(self, *args, services, from_services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_service"].queryset = services
        if len(from_services) > 1:
            self.fields["from_service"] = forms.ModelChoiceField(label=_("Shared by"), queryset=from_services,
                                                                 empty_label=None)
            self.order_fields(["from_service"])
        if not self.is_bound:
            self.initial.setdefault("given_on", timezone.localdate())


class WithdrawForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class EmergencyForm(forms.Form):
    person = forms.IntegerField(label=_("Record number"), required=False, min_value=1, max_value=2**62,
                                help_text=_("Given by the caller. Otherwise give the exact first name, last "
                                            "name and birth year."))
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    birth_year = forms.IntegerField(label=_("Birth year"), required=False, min_value=1900, max_value=2100)
    reason = forms.CharField(label=_("Reason of the emergency"), min_length=EMERGENCY_REASON_MIN_LENGTH,
                             max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("It is shown to the heads of the services that follow the person. "
                                         "No medical detail is needed."))

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        if len(services) > 1:
            self.fields["service"] = forms.ModelChoiceField(label=_("Your service"), queryset=services,
                                                            empty_label=None)
