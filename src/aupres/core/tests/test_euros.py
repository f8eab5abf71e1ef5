"""Amounts in French format everywhere in calls, envelopes and budgets (issue #18): « 1 250 000 € », a narrow
no-break space between thousands and a no-break space before the sign (core.text.euros, filter `euros`)."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse

from aupres.calls.tests.helpers import call_of, funder_of
from aupres.core.text import euros

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize("value, text", [
    (1250000, f"1{NNBSP}250{NNBSP}000{NBSP}€"),
    (Decimal("1250000.00"), f"1{NNBSP}250{NNBSP}000{NBSP}€"),
    (Decimal("1250.5"), f"1{NNBSP}250,50{NBSP}€"),
    (Decimal("999"), f"999{NBSP}€"),
    (0, f"0{NBSP}€"),
    (Decimal("-20000"), f"-20{NNBSP}000{NBSP}€"),
    (None, "–"),
])
def test_euros(value, text):
    assert euros(value) == text


def test_the_filter():
    assert Template("{% load aupres %}{{ v|euros }}").render(Context({"v": Decimal("80000")})) == f"80{NNBSP}000{NBSP}€"


@pytest.mark.django_db
def test_envelopes_on_the_funders_screens(world, client_as):
    funder = funder_of(world)
    call = call_of(funder, amount="1250000")
    client = client_as(funder)
    expected = f"1{NNBSP}250{NNBSP}000{NBSP}€"
    for url in (reverse("calls:index"), reverse("calls:steering"), reverse("calls:call_detail", args=[call.pk])):
        page = client.get(url).content.decode()
        assert expected in page, url
        assert "1250000" not in page, url
