"""French formatting of the figures, the same on screens, in SVG charts, in the PDF and in exports:
`1 234,5` (narrow no-break space between thousands, decimal comma), `12,5 %`, `30/11/2026`.

Built on Django's own number formatter (django.utils.numberformat), with the separators written out so
that the output never depends on the active language or on USE_THOUSAND_SEPARATOR."""

import datetime
from decimal import Decimal

from django.utils import numberformat

THOUSANDS = "\u202f"  # narrow no-break space (French typography); never breaks a number across lines
DECIMAL = ","
SMALL_LABEL = "< 5"
HIDDEN_LABEL = "s"


def number(value, decimals=None):
    """1234 -> "1 234"; 1234.5 -> "1 234,5"; 0.1 -> "0,1"; None -> "–". `decimals`: fixed number of
    decimals; by default integers have none and other numbers at most two (trailing zeros dropped)."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, float | Decimal) and decimals is None:
        if value == int(value):
            value, decimals = int(value), 0
        else:
            text = numberformat.format(value, DECIMAL, decimal_pos=2, grouping=3, thousand_sep=THOUSANDS,
                                       force_grouping=True)
            return text.rstrip("0").rstrip(DECIMAL)
    return numberformat.format(value, DECIMAL, decimal_pos=decimals, grouping=3, thousand_sep=THOUSANDS,
                               force_grouping=True)


def percent(value, decimals=1):
    """12.5 -> "12,5 %" (the value is already a percentage)."""
    if value is None:
        return "–"
    return f"{number(round(float(value), decimals))}{THOUSANDS}%"


def euros(value):
    if value is None:
        return "–"
    return f"{number(value)}{THOUSANDS}€"


def date(value):
    """30/11/2026."""
    if value is None:
        return "–"
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y")


def cell(value, hidden=None, unit=None):
    """A published value as shown: the number, « < 5 » for a small count, « s » for a cell hidden so that a
    hidden count cannot be recomputed."""
    if hidden == "small":
        return SMALL_LABEL
    if hidden:
        return HIDDEN_LABEL
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if unit == "euros":
        return euros(value)
    if unit == "percent":
        return percent(value)
    return number(value)
