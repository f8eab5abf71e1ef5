from django import template

from aupres.core import text

register = template.Library()


@register.filter
def has_compartment(person, compartment):
    return compartment in getattr(person, "compartments", ())


@register.filter
def euros(value):
    """An amount in French format, « 1 250 000 € » (core.text.euros)."""
    return text.euros(value)


@register.filter
def error_count(form):
    """How many errors the form's summary lists (each field may have several, and a formset's rows add theirs
    to the form's own errors, D63): not len(form.errors), which counts the fields."""
    return sum(len(errors) for errors in form.errors.values())
