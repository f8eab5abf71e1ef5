from django import forms
from django.utils.translation import gettext_lazy as _

from aupres.core.forms import date_input
from aupres.partnerships.models import PartnerKind, PartnershipStatus


class PartnershipForm(forms.Form):
    partner = forms.CharField(label=_("Partner"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of partner"), choices=PartnerKind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=PartnershipStatus.choices, widget=forms.RadioSelect)
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=date_input())
    starts_on = forms.DateField(label=_("From"), required=False, widget=date_input())
    ends_on = forms.DateField(label=_("Until"), required=False, widget=date_input())
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    document = forms.FileField(label=_("Convention (PDF)"), required=False,
                               widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}))

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def values(self):
        return {k: self.cleaned_data[k] for k in ("partner", "kind", "status", "signed_on", "starts_on", "ends_on",
                                                  "note")}


class EndForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    ends_on = forms.DateField(label=_("Ends on"), widget=date_input())
    end_reason = forms.CharField(label=_("Reason it ends"), max_length=500,
                                 help_text=_("For example « convention terminated », « the partner stopped the "
                                             "activity »."))
