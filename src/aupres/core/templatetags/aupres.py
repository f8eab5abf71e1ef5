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
