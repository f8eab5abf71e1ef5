from django import template

register = template.Library()


@register.filter
def fields_named(form, names):
    """The bound fields of `form` named in the space-separated `names`, in that order."""
    return [form[name] for name in names.split()]
