import datetime
from functools import partialmethod

from django import forms
from django.apps import AppConfig, apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.encoding import force_str

from aupres.core import lookups  # noqa: F401 — registers `field__any_of` on every field (D74)
from aupres.core.validators import validate_clean_text, validate_typed_date


class CoreConfig(AppConfig):
    name = "aupres.core"
    label = "core"

    def ready(self):
        check_typed_values_in_every_form()
        read_choice_labels_once()


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


def read_choice_labels_once():
    """`get_<field>_display()` without Django's rebuilding of the whole choice list at every call (issue #15):
    Django makes every (value, label) pair hashable, which translates every label: 12–19 µs a call, 2–5 µs
    here (1–2 ms of a list of 50 persons). The map value → label is read once per field;
    labels stay lazy, so each reader still gets their own language. A value that cannot be a key (a list)
    goes to Django's own code. Django binds the method per field when the model class is built, so each
    model's bound `get_<field>_display` is replaced here (a model's own method of that name is kept)."""
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            name = f"get_{field.name}_display"
            if field.choices is not None and isinstance(model.__dict__.get(name), partialmethod):
                setattr(model, name, partialmethod(choice_label, field=field))


def choice_label(instance, field):
    labels = field.__dict__.get("_aupres_labels")
    if labels is None:
        labels = field.__dict__["_aupres_labels"] = dict(field.flatchoices)
    value = getattr(instance, field.attname)
    try:
        label = labels.get(value, value)
    except TypeError:  # an unhashable value
        return models.Model._get_FIELD_display(instance, field)
    return force_str(label, strings_only=True)
