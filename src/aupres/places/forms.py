from django import forms
from django.utils.translation import gettext_lazy as _

from aupres.core.forms import VersionedForm, date_input
from aupres.followups.models import ExitDestination, ExitReason
from aupres.places.models import IncidentKind, IncidentStatus, InventoryKind, OutOfServiceReason, Place


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


class AttendanceForm(forms.Form):
    person = forms.TypedChoiceField(label=_("person"), coerce=int)
    care = forms.MultipleChoiceField(label=_("care given"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, persons=(), care_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pk, str(p)) for p in persons]
        self.fields["care"].choices = list(care_choices)


class ApartmentForm(forms.Form):
    label = forms.CharField(label=_("name"), max_length=80)
    address = forms.CharField(label=_("address"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500)
    service_id = forms.TypedChoiceField(label=_("service using it"), coerce=int, required=False, empty_value=None)
    rooms = forms.IntegerField(label=_("rooms"), min_value=1, max_value=30, initial=1)
    owner = forms.CharField(label=_("owner"), max_length=200, required=False)
    owner_contact = forms.CharField(label=_("owner's contact"), max_length=200, required=False)
    lease_start = forms.DateField(label=_("lease from"), required=False, widget=date_input())
    lease_end = forms.DateField(label=_("lease until"), required=False, widget=date_input())
    rent = forms.DecimalField(label=_("monthly rent (€)"), min_value=0, max_digits=9, decimal_places=2, initial=0)
    charges = forms.DecimalField(label=_("monthly charges (€)"), min_value=0, max_digits=9, decimal_places=2,
                                 initial=0)
    insurer = forms.CharField(label=_("insurer"), max_length=200, required=False)

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_id"].choices = [("", "—")] + [(s.pk, s.name) for s in services]


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=IncidentKind.choices)
    occurred_on = forms.DateField(label=_("date"), widget=date_input())
    status = forms.ChoiceField(label=_("status"), choices=IncidentStatus.choices)
    description = forms.CharField(label=_("what happened (the building, not the occupant)"), required=False,
                                  max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    owner_contact = forms.CharField(label=_("owner contact"), max_length=200, required=False)
    insurer_contact = forms.CharField(label=_("insurer contact"), max_length=200, required=False)
    contractor_contact = forms.CharField(label=_("contractor contact"), max_length=200, required=False)
    cost = forms.DecimalField(label=_("cost (€)"), min_value=0, max_digits=9, decimal_places=2, initial=0)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class InventoryForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=InventoryKind.choices)
    done_on = forms.DateField(label=_("done on"), widget=date_input())
    rooms = forms.CharField(label=_("rooms, one a line: room ; condition ; note"), max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 4}))
    signed_by_occupant = forms.BooleanField(label=_("signed by the occupant"), required=False)
    signed_by_operator = forms.BooleanField(label=_("signed by the operator"), required=False)
    photos = forms.FileField(label=_("photos"), required=False, widget=MultipleFileInput())

    def rooms_list(self):
        out = []
        for line in self.cleaned_data["rooms"].splitlines():
            parts = [p.strip() for p in line.split(";")] + ["", ""]
            if parts[0]:
                out.append({"room": parts[0], "condition": parts[1], "note": parts[2]})
        return out


class ApartmentEditForm(ApartmentForm):
    """The apartment as the user read it (its version, for the stale-edit check)."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class IncidentEditForm(IncidentForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class PropertyGrantForm(forms.Form):
    operator = forms.TypedChoiceField(label=_("operator"), coerce=int)
    username = forms.CharField(label=_("account (username)"), max_length=150)

    def __init__(self, *args, operators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].choices = [(o.pk, o.name) for o in operators]

