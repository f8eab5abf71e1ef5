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


class SectionedForm:
    """A long form shown in sections (issue #13: « sections or steps on long forms »). `sections` is a list
    of (title, field names); the fields that are in no section (added later, such as the team's own
    fields) come last under `other_section`. includes/form_fields.html draws each section as a fieldset."""

    sections = ()
    other_section = None

    def grouped_fields(self):
        visible = {f.name: f for f in self.visible_fields()}
        groups, placed = [], set()
        for title, names in self.sections:
            fields = [visible[n] for n in names if n in visible]
            placed.update(n for n in names if n in visible)
            if fields:
                groups.append((title, fields))
        rest = [f for name, f in visible.items() if name not in placed]
        if rest:
            groups.append((self.other_section, rest))
        return groups


def id_param(value, max_digits=11):
    """A record's id from a query string (a list's filter), or None: digits only, and at most `max_digits`
    of them, so that a forged value can neither raise nor overflow the database's integer."""
    return int(value) if value and value.isdigit() and len(value) <= max_digits else None


def add_domain_error(form, error: DomainError):
    """Show a domain error on its field when the form has it, else on the whole form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
