"""The service's own encounter fields filled in offline in the field app (issue #17, D57)."""

import decimal

import pytest
from playwright.sync_api import expect

from aupres.customfields import services as customfields
from aupres.customfields.models import CustomValue
from aupres.encounters.models import Encounter
from conftest import sign_in

from .test_browser import _settle, open_field  # noqa: F401 - the fixture settles the app's requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_encounter_fields_are_filled_offline_and_synced(world, page):
    head = world.users["head_of_service"]

    def define(**values):
        return customfields.create_definition(head, world.service_a.pk, {"target": "encounter", **values})

    dog = define(label="Chien présent", kind="yes_no", compartment="social")
    spot = define(label="Secteur", kind="choice", options=["Gare", "Port"], compartment="social")
    meals = define(label="Repas donnés", kind="number", compartment="social")
    define(label="Signes de sevrage", kind="choice", options=["Oui", "Non"], compartment="health")
    mina = world.person
    sign_in(page, "social_worker")
    open_field(page)
    page.context.set_offline(True)
    page.click(f"[data-testid=field-person-{mina.pk}] a.row-link")
    page.click("[data-testid=detailed-encounter]")
    custom = page.get_by_test_id("enc-custom")
    expect(custom).to_contain_text("Chien présent")
    expect(custom).not_to_contain_text("sevrage")  # a health field never reaches a social worker's phone
    page.select_option(f"#enc-cf-{dog.pk}", "true")
    page.select_option(f"#enc-cf-{spot.pk}", "Port")
    page.fill(f"#enc-cf-{meals.pk}", "3")
    page.click("[data-testid=save-encounter]")
    expect(page.locator("#field-status [data-testid=pending-count]")).to_have_text("1 saisie en attente")
    assert not Encounter.objects.exists()
    page.context.set_offline(False)
    expect(page.locator("#field-status [data-testid=pending-count]")).to_have_text(
        "Aucune saisie en attente", timeout=30_000)
    encounter = Encounter.objects.get()
    assert {v.field.label: v.value for v in CustomValue.objects.filter(encounter=encounter)} == {
        "Chien présent": True, "Secteur": "Port", "Repas donnés": decimal.Decimal(3)}
