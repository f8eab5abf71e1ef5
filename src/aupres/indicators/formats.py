"""French formatting of the figures, the same on screens, in SVG charts, in the PDF and in exports:
`1 234,5` (narrow no-break space between thousands, decimal comma), `12,5 %`, `30/11/2026`.

Built on Django's own number formatter (django.utils.numberformat), with the separators written out so
that the output never depends on the active language or on USE_THOUSAND_SEPARATOR."""

import datetime
from decimal import Decimal

from django.utils import numberformat

from aupres.core import text

THOUSANDS = "\u202f"  # narrow no-break space (French typography); never breaks a number across lines
DECIMAL = ","
SMALL_LABEL = "< 5"
HIDDEN_LABEL = "s"
MISSING = "–"  # no value: the same dash on screens, charts, the PDF and in spreadsheets


def number(value, decimals=None):
    """1234 -> "1 234"; 1234.5 -> "1 234,5"; 0.1 -> "0,1"; None -> "–". `decimals`: fixed number of
    decimals; by default integers have none and other numbers at most two (trailing zeros dropped)."""
    if value is None:
        return MISSING
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
        return MISSING
    return f"{number(round(float(value), decimals))}{THOUSANDS}%"


def euros(value):
    """« 1 250 000 € »: the one helper of amounts (core.text.euros)."""
    return text.euros(value)


def date(value):
    """30/11/2026."""
    if value is None:
        return MISSING
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y")


def hidden_label(hidden):
    """The one text of a hidden cell (issue #16: screen, chart, PDF and spreadsheet alike): « < 5 » for a
    small count, « s » for a cell hidden so that a hidden count cannot be recomputed; None when shown."""
    if hidden == "small":
        return SMALL_LABEL
    if hidden:
        return HIDDEN_LABEL
    return None


def cell(value, hidden=None, unit=None, raw=False):
    """A published value as shown: hidden_label() for a hidden cell, MISSING for no value, else the number
    in French format (raw=True: the number itself, for a spreadsheet cell that stays a number)."""
    label = hidden_label(hidden)
    if label is not None:
        return label
    if value is None:
        return MISSING
    if raw or isinstance(value, str):
        return value
    if unit == "euros":
        return euros(value)
    if unit == "percent":
        return percent(value)
    return number(value)
