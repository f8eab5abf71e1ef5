from django import forms

from aupres.core.errors import DomainError


class VersionedForm(forms.ModelForm):
    """A model form that carries the version the user read, for the stale-edit check."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version

    def _post_clean(self):
        # Rules are checked by the domain services, not by the form's model validation.
        pass


def add_domain_error(form, error: DomainError):
    """Show a domain error on its field when the form has it, else on the whole form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
