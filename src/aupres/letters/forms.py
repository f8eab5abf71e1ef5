from django import forms
from django.utils.translation import gettext_lazy as _

from aupres.letters.models import LetterKind
from aupres.letters.services import BODY_LIMIT


class TemplateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=LetterKind.choices)
    body = forms.CharField(label=_("Text of the letter"), max_length=BODY_LIMIT, strip=False,
                           widget=forms.Textarea(attrs={"rows": 16}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
