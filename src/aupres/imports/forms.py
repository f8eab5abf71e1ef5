from django import forms
from django.utils.translation import gettext_lazy as _

MAX_FILE_MB = 20


class UploadForm(forms.Form):
    service = forms.ModelChoiceField(queryset=None, label=_("Service"), empty_label=None)
    file = forms.FileField(label=_("CSV or XLSX file"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}))

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_MB * 2**20:
            raise forms.ValidationError(_("The file is larger than %(n)s MB.") % {"n": MAX_FILE_MB})
        return upload
