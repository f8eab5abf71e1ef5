from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aupres.core.errors import DomainError
from aupres.core.forms import VersionedForm, date_input
from aupres.core.models import Compartment
from aupres.customfields import services
from aupres.customfields.models import MAX_TEXT_LENGTH, FieldDefinition, FieldKind


class DefinitionForm(VersionedForm):
    options_text = forms.CharField(label=_("Options"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                                   max_length=4000, help_text=_("For a choice: one option per line."))

    class Meta:
        model = FieldDefinition
        fields = ["target", "label", "kind", "compartment", "order", "active"]
        help_texts = {"compartment": _("Who reads the field: health (health professionals of the team), social "
                                       "(the team), administrative (the team and the head of service).")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.pk and not self.is_bound:
            self.initial["options_text"] = "\n".join(self.instance.options)
        self.order_fields(["target", "label", "kind", "options_text", "compartment", "order", "active"])

    def values(self):
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("version", "options_text")}
        data["options"] = self.cleaned_data.get("options_text") or ""
        return data


YES_NO = [("", "—"), ("true", _("Yes")), ("false", _("No"))]


def _validator(definition):
    def validate(value):
        try:
            services.check_value(definition, value)
        except DomainError as error:
            raise ValidationError(str(error.message)) from None
    return validate


def _raw(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "normalize"):
        return format(value.normalize(), "f")
    return str(value)


def form_field(definition, initial=None, prefix_service=False):
    """A form field for one custom field, validated by its kind with the service's French messages."""
    label = f"{definition.service.name} — {definition.label}" if prefix_service else definition.label
    common = {"label": label, "required": False, "initial": _raw(initial), "validators": [_validator(definition)],
              "help_text": Compartment(definition.compartment).label}
    if definition.kind == FieldKind.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *[(o, o) for o in definition.options]], **common)
    if definition.kind == FieldKind.YES_NO:
        return forms.ChoiceField(choices=YES_NO, **common)
    if definition.kind == FieldKind.DATE:
        return forms.CharField(widget=date_input(), max_length=10, **common)
    if definition.kind == FieldKind.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), max_length=30, **common)
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=MAX_TEXT_LENGTH, **common)


def add_custom_fields(form, definitions, values=(), prefix_service=False):
    """Add `cf_<id>` fields to a form, filled with the current values ([CustomValue])."""
    current = {v.field_id: v.value for v in values}
    for definition in definitions:
        form.fields[f"cf_{definition.pk}"] = form_field(definition, current.get(definition.pk), prefix_service)
        if form.is_bound is False and definition.pk in current:
            form.initial[f"cf_{definition.pk}"] = _raw(current[definition.pk])


def custom_data(form, changed_only=False):
    """{"cf_<id>": raw} of the custom fields of a valid form (only the changed ones when asked)."""
    return {name: value for name, value in form.cleaned_data.items()
            if name.startswith("cf_") and (not changed_only or name in form.changed_data)}


class CustomValuesForm(forms.Form):
    def __init__(self, *args, definitions=(), values=(), **kwargs):
        super().__init__(*args, **kwargs)
        add_custom_fields(self, definitions, values)
