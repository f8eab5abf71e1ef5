"""Issue #13: the public form is written for a passer-by — who, where, what worries you, how to call you
back — with the emergency numbers at the top, no professional field, the département early and labelled
as such, choice groups with their question above the boxes and the error beside the group, and every
error at once beside its field."""

import re

import pytest
from django.test import Client

from aupres.referrals.models import Referral
from aupres.services.models import Territory

pytestmark = pytest.mark.django_db


def _page(client=None):
    return (client or Client()).get("/orientations/public/").content.decode()


def test_written_for_a_passer_by(world):
    Territory.objects.get_or_create(level="commune", code="59350", defaults={"name": "Lille"})
    html = _page()
    sections = re.findall(r'data-testid="section-(\w+)"', html)
    assert sections == ["who", "where", "what", "you"]
    assert html.index('data-testid="emergency-numbers"') < html.index("<form")
    for number in ("tel:15", "tel:112", "tel:115"):
        assert number in html
    for professional in ("Orientée par", "Date de prescription", "Prescripteur", "SIAO", "CADA", "PMI",
                         'name="prescription_date"', 'name="prescriber"', 'name="service"'):
        assert professional not in html, professional
    # The département comes second, labelled as such, offering départements only (no commune first).
    where = html.split('data-testid="section-where"')[1].split("</fieldset>")[0]
    assert 'name="territory"' in where and ">Département" in where
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', where)
    assert options and all("(59350)" not in o for o in options) and "Nord (59)" in options
    assert html.index('name="territory"') < html.index('name="social_description"')
    # Checkbox and radio groups: a fieldset whose legend (the question) comes before the boxes.
    needs = html.split('id="field-needs"')[1].split("</fieldset>")[0]
    assert needs.index("<legend>") < needs.index('type="checkbox"')
    for words in ("Qui est la personne", "Où se trouve", "Qu&#x27;est-ce qui vous inquiète",
                  "Comment vous rappeler"):
        assert words in html, words


def test_every_error_at_once_beside_its_field_and_nothing_typed_is_lost(world):
    r = Client().post("/orientations/public/", {"alias": "Marcel", "estimated_age": "300", "location": "",
                                                "social_description": "Il dort dehors", "source": "individual",
                                                "consent": "not_informed"})
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert {"estimated_age", "territory", "location", "needs", "referrer_phone"} <= set(errors), errors
    html = r.content.decode()
    assert 'data-testid="error-summary"' in html and 'href="#field-territory"' in html
    needs = html.split('id="field-needs"')[1].split("</fieldset>")[0]
    assert needs.index('class="error"') < needs.index('type="checkbox"')  # the error beside the group
    assert 'value="Marcel"' in html and "Il dort dehors" in html
    assert not Referral.objects.exists()


def test_someone_asking_for_themself_needs_no_callback_but_a_place(world):
    r = Client().post("/orientations/public/", {
        "territory": world.territory.pk, "location": "Parc Jean-Baptiste Lebas, le matin", "source": "self",
        "social_description": "Je n'ai plus de papiers", "needs": ["social"], "consent": "asks", "estimated_age": 40})
    assert r.status_code == 200 and "AUP-" in r.content.decode(), r.context and r.context["form"].errors
    referral = Referral.objects.get()
    assert (referral.source, referral.estimated_age, referral.consent, referral.door) == ("self", 40, "asks", "public")
    assert referral.prescriber == "" and referral.prescription_date is None
