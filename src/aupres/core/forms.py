from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext as _

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


class RowForm(forms.Form):
    """A row of a list of rows (a formset, D63): left empty, it is dropped; filled, every field is checked
    and its errors are shown beside it. `filled_by`: the fields that make a row filled (a select that
    always has a value, such as a person or a sex, does not)."""

    filled_by = ()

    def has_changed(self):
        return any(name in self.changed_data for name in self.filled_by)


def rows_shown(formset):
    """The rows to show again after a POST: the filled ones (rows removed on the page come back as empty
    forms, which are left out), or the first row when none is filled."""
    rows = [row for row in formset if row.has_changed()]
    return rows or formset.forms[:1]


def blank_row(formset, index):
    """An empty row numbered `index` (its initial values shown), for "add a row" with or without
    JavaScript: the same form as Django's formset.empty_form, with a real index."""
    return formset.form(auto_id=formset.auto_id, prefix=formset.add_prefix(index), empty_permitted=True,
                        use_required_attribute=False, renderer=formset.renderer, **formset.get_form_kwargs(index))


def add_row_errors(form, formset, rows, row_label):
    """Each error of a formset also in `form`'s error summary (D60), linked to its field:
    « Acte 2, Détails : … ». `rows`: the rows as shown (rows_shown), numbered from 1."""
    for error in formset.non_form_errors():
        form.add_error(None, error)
    for number, row in enumerate(rows, 1):
        for name, errors in row.errors.items():
            for error in errors:
                if name not in row.fields:
                    form.add_error(None, _("%(row)s %(number)d: %(error)s") % {
                        "row": row_label, "number": number, "error": error})
                    continue
                text = _("%(row)s %(number)d, %(field)s: %(error)s") % {
                    "row": row_label, "number": number, "field": row.fields[name].label, "error": error}
                form.add_error(None, format_html('<a href="#{}">{}</a>', row[name].id_for_label, text))


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
