"""Shared checks of typed values, used by models, forms and API schemas alike (issue #11).

- RPPS and ADELI numbers of health professionals (format and check key);
- typed dates: not before 1900, not after the end of next year;
- text: no null byte nor control character (tab, line feed and carriage return excepted).
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError

RPPS_RE = re.compile(r"^\d{11}$")
# ADELI: département (2 digits, or 2A/2B), profession (1 digit), order number (5 digits), key (1 digit).
ADELI_RE = re.compile(r"^(\d{2}|2[AB])\d{7}$")


def validate_rpps(value):
    """11 digits whose last one is the Luhn check key of the first ten."""
    value = (value or "").strip()
    if not RPPS_RE.match(value):
        raise ValidationError(_("An RPPS number has 11 digits."), code="invalid_rpps")
    try:
        luhn.validate(value)
    except StdnumError:
        raise ValidationError(_("This RPPS number is not valid: check the digits (its check key does not "
                                "match)."), code="invalid_rpps") from None


def validate_adeli(value):
    """9 characters: département (2 digits, or 2A/2B), profession, order number and key (7 digits)."""
    value = (value or "").strip().upper()
    if not ADELI_RE.match(value):
        raise ValidationError(_("An ADELI number has 9 characters: the département (2 digits, or 2A/2B) then "
                                "7 digits."), code="invalid_adeli")


# Dates typed by someone --------------------------------------------------------------------------

EARLIEST_YEAR = 1900


def date_bounds(today=None):
    today = today or timezone.localdate()
    return datetime.date(EARLIEST_YEAR, 1, 1), datetime.date(today.year + 1, 12, 31)


def validate_typed_date(value):
    """A date typed on a screen or sent to the API: from 1900 to the end of next year."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime.datetime) else value
    low, high = date_bounds()
    if day < low:
        raise ValidationError(_("This date is before 1900: check the year."), code="date_too_early")
    if day > high:
        raise ValidationError(_("This date is after the end of next year: check the year."),
                              code="date_too_late")


# Text ---------------------------------------------------------------------------------------------

# C0 controls except tab, line feed and carriage return; DEL; C1 controls.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def validate_clean_text(value):
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(_("This text contains an invisible control character (or a null byte): "
                                "remove it."), code="control_character")
