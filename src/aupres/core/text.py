import unicodedata
from decimal import Decimal

from django.utils import numberformat, timezone
from django.utils.translation import gettext, ngettext


def search_key(*parts):
    """Lower-case, accent-free text for portable `contains` search (é, É and e match alike)."""
    text = " ".join(p for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().replace("-", " ").replace("'", " ").split())


def months_between(born, on):
    """Whole months from `born` to `on`."""
    return (on.year - born.year) * 12 + on.month - born.month - (on.day < born.day)


def age_words(years, *, birth_date=None, on=None, estimated=False):
    """An age as a person reads it (issue #13): « 3 mois » under two years when the birth date is known,
    « moins d'un an » for a baby known by the year only, « 42 ans » otherwise; « ≈ » when estimated.
    None when the age is unknown."""
    if years is None:
        return None
    if birth_date is not None and years < 2:
        months = months_between(birth_date, on or timezone.localdate())
        if months < 1:
            return gettext("less than a month")
        return ngettext("%(counter)s month", "%(counter)s months", months) % {"counter": months}
    if years < 1:
        text = gettext("less than a year")
    else:
        text = ngettext("%(counter)s year", "%(counter)s years", years) % {"counter": years}
    return f"≈ {text}" if estimated else text


EUROS_THOUSANDS = "\u202f"  # narrow no-break space between thousands (French typography; never breaks a number)
EUROS_BEFORE_SIGN = "\u00a0"  # no-break space before the sign: « 1 250 000 € » never ends a line on « € »


def euros(value):
    """An amount in French format: 1250000 -> « 1 250 000 € », 1250.5 -> « 1 250,50 € », None -> « – ».

    The one helper of amounts in euros (calls, envelopes, budgets; template filter `euros` of the `aupres`
    library): whole amounts without cents, others with two decimals after a comma."""
    if value is None or value == "":
        return "–"
    amount = Decimal(str(value))
    decimals = 0 if amount == amount.to_integral_value() else 2
    text = numberformat.format(amount, ",", decimal_pos=decimals, grouping=3, thousand_sep=EUROS_THOUSANDS,
                               force_grouping=True)
    return f"{text}{EUROS_BEFORE_SIGN}€"
