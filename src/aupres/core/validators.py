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


# Dates that say until when something holds (a residence permit, a right, a membership) may lie further
# ahead: up to FAR_FUTURE_YEARS years.
FAR_FUTURE_FIELDS = frozenset({"valid_until", "renewal_on", "expires_on", "expires_at", "end_date"})
FAR_FUTURE_YEARS = 30


def date_bounds(field=None, today=None):
    today = today or timezone.localdate()
    ahead = FAR_FUTURE_YEARS if field in FAR_FUTURE_FIELDS else 1
    return datetime.date(EARLIEST_YEAR, 1, 1), datetime.date(today.year + ahead, 12, 31)


def validate_typed_date(value, field=None):
    """A date typed on a screen or sent to the API: from 1900 to the end of next year (further ahead for
    the fields of FAR_FUTURE_FIELDS)."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime.datetime) else value
    low, high = date_bounds(field)
    if day < low:
        raise ValidationError(_("This date is before 1900: check the year."), code="date_too_early")
    if day > high:
        if field in FAR_FUTURE_FIELDS:
            raise ValidationError(_("This date is too far ahead: check the year."), code="date_too_late")
        raise ValidationError(_("This date is after the end of next year: check the year."),
                              code="date_too_late")


ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def typed_date_of(text):
    """The date an ISO-formatted string names (None when it names none)."""
    match = ISO_DATE.match(text) if isinstance(text, str) and len(text) <= 40 else None
    if match is None:
        return None
    try:
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None  # the schema refuses it with its own message


def check_typed_value(field, value):
    """One typed value, whatever its channel: text without control characters, dates within bounds,
    integers a database can store. Raises ValidationError."""
    if isinstance(value, str):
        validate_clean_text(value)
        day = typed_date_of(value)
        if day is not None:
            validate_typed_date(day, field)
    elif isinstance(value, (datetime.date, datetime.datetime)):
        validate_typed_date(value, field)
    elif isinstance(value, int) and not isinstance(value, bool) and not -2**63 < value < 2**63:
        raise ValidationError(_("This number is too large."), code="number_too_large")


def check_typed_data(data, field=None):
    """Walk a parsed request (dicts, lists, values): (field, ValidationError) of the first bad value."""
    if isinstance(data, dict):
        for key, value in data.items():
            found = check_typed_data(value, str(key))
            if found:
                return found
    elif isinstance(data, list):
        for value in data:
            found = check_typed_data(value, field)
            if found:
                return found
    else:
        try:
            check_typed_value(field, data)
        except ValidationError as error:
            return field, error
    return None


# Text ---------------------------------------------------------------------------------------------

# C0 controls except tab, line feed and carriage return; DEL; C1 controls.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def validate_clean_text(value):
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(_("This text contains an invisible control character (or a null byte): "
                                "remove it."), code="control_character")
