"""A team member signs in, creates a person, then a household with that person and another one."""

import pytest
from playwright.sync_api import expect

from aupres.persons.models import Household, Person
from conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_a_person_then_a_household(world, page):
    sign_in(page, "social_worker")
    expect(page.get_by_role("heading", name="Ma file active")).to_be_visible()
    expect(page.get_by_text("Amina BENALI")).to_be_visible()

    page.get_by_role("link", name="Nouvelle personne").click()
    page.get_by_label("Surnom ou alias").fill("Le Marin")
    page.get_by_label("Âge estimé").fill("52")
    page.get_by_label("Langues parlées").fill("breton, français")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="« Le Marin »")).to_be_visible()
    person = Person.objects.get(alias="Le Marin")
    assert person.estimated_age == 52 and person.followups.get().service == world.service_a

    page.get_by_role("link", name="Nouveau ménage avec cette personne").click()
    page.get_by_label("Nom du ménage").fill("Ménage du Marin")
    page.get_by_label("Rechercher une personne (nom ou alias)").fill("benali")
    page.get_by_role("button", name="Ajouter").click()
    expect(page.locator("#members li")).to_have_count(2)
    page.locator("#members select").nth(0).select_option("head")
    page.locator("#members select").nth(1).select_option("partner")
    page.get_by_role("button", name="Créer le ménage").click()
    expect(page.get_by_role("heading", name="Ménage du Marin")).to_be_visible()
    household = Household.objects.get(label="Ménage du Marin")
    assert {(m.person.pk, m.role) for m in household.members.all()} == {
        (person.pk, "head"), (world.person.pk, "partner")}


def test_a_bad_edit_shows_a_french_message_and_loses_nothing(world, page):
    sign_in(page, "nurse")
    page.goto(f"/personnes/{world.person.pk}/modifier/")
    page.get_by_label("Prénom").fill("")
    page.get_by_label("Nom", exact=True).fill("")
    page.get_by_label("Surnom ou alias").fill("")
    page.get_by_label("Téléphone").fill("0699999999")
    page.get_by_role("button", name="Enregistrer").click()
    message = "Indiquez au moins un prénom, un nom ou un alias."
    # beside the field, and in the summary at the top, as a link to the field (issue #13, D60)
    expect(page.get_by_text(message, exact=True)).to_be_visible()
    expect(page.get_by_test_id("form-error-summary").get_by_role("link")).to_contain_text(message)
    # What the user typed is still in the form; what was saved is untouched.
    expect(page.get_by_label("Téléphone")).to_have_value("0699999999")
    world.person.refresh_from_db()
    assert world.person.last_name == "Benali" and world.person.phone == "0600000000"
