from django import template

register = template.Library()


@register.filter
def has_compartment(person, compartment):
    return compartment in getattr(person, "compartments", ())
