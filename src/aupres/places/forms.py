from django import forms
from django.utils.translation import gettext_lazy as _

from aupres.core.forms import VersionedForm, date_input
from aupres.followups.models import ExitDestination, ExitReason
from aupres.places.models import OutOfServiceReason, Place


class PlaceForm(VersionedForm):
    class Meta:
        model = Place
        fields = ["label", "kind", "persons", "wheelchair", "ground_floor", "sex", "family", "address", "is_active"]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}


class OutOfServiceForm(forms.Form):
    start_date = forms.DateField(label=_("from"), widget=date_input())
    end_date = forms.DateField(label=_("until (excluded)"), required=False, widget=date_input())
    reason = forms.ChoiceField(label=_("reason"), choices=OutOfServiceReason.choices)
    note = forms.CharField(label=_("note"), required=False, max_length=300)


class AdmitForm(forms.Form):
    place = forms.TypedChoiceField(label=_("place"), coerce=int)
    person = forms.TypedChoiceField(label=_("person"), coerce=int)
    start_date = forms.DateField(label=_("admission"), widget=date_input())
    household = forms.TypedChoiceField(label=_("with the household"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, places=(), persons=(), households=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [(p.pk, f"{p.label} ({p.get_kind_display()})") for p in places]
        self.fields["person"].choices = [(p.pk, str(p)) for p in persons]
        self.fields["household"].choices = [("", _("Alone"))] + [(h.pk, h.label) for h in households]


class ExtendForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    new_end = forms.DateField(label=_("new planned end"), widget=date_input())
    reason = forms.CharField(label=_("reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class TransferForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    to_place = forms.TypedChoiceField(label=_("to the place"), coerce=int)
    on = forms.DateField(label=_("on"), widget=date_input())

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_place"].choices = [(p.pk, f"{p.label} ({p.get_kind_display()})") for p in places]


class EndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("exit on"), widget=date_input())
    exit_reason = forms.ChoiceField(label=_("exit reason"), choices=ExitReason.choices)
    exit_destination = forms.ChoiceField(label=_("destination"), choices=ExitDestination.choices)
