"""The template library of letter templates: the only tags and filters a head of service's text may use.

The letters' Engine (services.ENGINE) has this module as its one builtin library and no other: no {% load %},
{% include %}, {% extends %}, {% url %}, {% debug %}, {% csrf_token %}… (an unknown tag is a syntax error when
the template is saved), and no template loader. Only {% if %} (with elif, else) and a few text and date
filters. The context is a whitelist of plain values (services.letter_context), so nothing else is reachable."""

from django.template import Library, defaultfilters, defaulttags

register = Library()
register.tag("if", defaulttags.do_if)
for name in ("date", "default", "upper", "lower", "title", "capfirst"):
    register.filter(name, getattr(defaultfilters, name))
