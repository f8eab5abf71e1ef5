import datetime

from django import forms
from django.apps import AppConfig
from django.core.exceptions import ValidationError

from aupres.core.validators import validate_clean_text, validate_typed_date


class CoreConfig(AppConfig):
    name = "aupres.core"
    label = "core"

    def ready(self):
        check_typed_values_in_every_form()


def check_typed_values_in_every_form():
    """Every form of every screen (the admin's too) refuses, on the field, what core.validators refuses
    (issue #11): control characters and null bytes in text, dates before 1900 or after next year. The
    API does the same in its parser (aupres/api.py): one rule, two doors."""
    if getattr(forms.BaseForm.full_clean, "_aupres_checked", False):
        return
    original = forms.BaseForm.full_clean

    def full_clean(self):
        original(self)
        cleaned = getattr(self, "cleaned_data", None)
        if not cleaned:
            return
        for name, value in list(cleaned.items()):
            try:
                if isinstance(value, str):
                    validate_clean_text(value)
                elif isinstance(value, (datetime.date, datetime.datetime)):
                    validate_typed_date(value, name)
            except ValidationError as error:
                self.add_error(name, error)

    full_clean._aupres_checked = True
    forms.BaseForm.full_clean = full_clean
