from django import template
from django.utils.translation import gettext as _

from aupres.indicators import formats

register = template.Library()


@register.filter
def cell(value, hidden):
    """A published value in French format (`1 234,5`), "< 5" for a small count, "s" for a complementary
    hidden one."""
    return formats.cell(value, hidden)


@register.filter
def frnum(value):
    """A number in French format: `1 234,5`."""
    return formats.number(value)


@register.filter
def frpercent(value):
    """A percentage in French format: `12,5 %`."""
    return formats.percent(value)


@register.filter
def frdate(value):
    return formats.date(value)


@register.simple_tag
def legend():
    return _("“< 5”: from 0 to 4, hidden. “s”: hidden so that no hidden count can be recomputed or narrowed "
             "by combining tables, periods or territories; health figures of small services are reserved "
             "to their health professionals.")


@register.filter
def cellof(row, key):
    """The published text of one key of a row {"values", "hidden", "total"} ("__total__": its total)."""
    if not row:
        return formats.MISSING
    hidden = (row.get("hidden") or {}).get(key)
    value = row.get("total") if key == "__total__" else (row.get("values") or {}).get(key)
    return cell(value, hidden)
