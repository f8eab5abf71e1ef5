"""On a 360×740 phone: record an encounter with two acts and an orientation, in three screens."""

import pytest
from playwright.sync_api import expect

from aupres.encounters.models import Encounter, Orientation
from conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_encounter_with_two_acts_and_an_orientation(world, page):
    sign_in(page, "nurse")
    # Screen 1: the person's page.
    page.goto(f"/personnes/{world.person.pk}/")
    page.locator("#record-encounter").click()
    # Screen 2: the encounter, its acts and the orientation.
    expect(page.locator("#encounter-form")).to_be_visible()
    page.locator("#id_place_kind").select_option("street")
    page.locator("#id_mode").select_option("visit")
    page.locator("[data-testid=act-row] select[name$='-kind']").nth(0).select_option("wound_care")
    page.locator("[data-testid=act-row] textarea").nth(0).fill("Pansement pied gauche")
    page.locator("#add-act").click()
    expect(page.locator("[data-testid=act-row]")).to_have_count(2)
    page.locator("[data-testid=act-row] select[name$='-kind']").nth(1).select_option("social_interview")
    page.locator("#orientation-toggle").click()
    page.locator("#id_orientation-target").select_option("pass")
    page.locator("#id_orientation-partner_name").fill("PASS de Lille")
    # Big enough to tap.
    box = page.locator("#save-encounter").bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 360
    page.locator("#save-encounter").click()
    # Screen 3: back on the person's page, the timeline shows the encounter.
    page.wait_for_url(f"**/personnes/{world.person.pk}/")
    timeline = page.locator("[data-testid=timeline]")
    expect(timeline.locator("[data-kind=encounter]")).to_have_count(1)
    expect(timeline).to_contain_text("Pansement pied gauche")
    expect(timeline).to_contain_text("PASS de Lille")
    encounter = Encounter.objects.get()
    assert sorted(encounter.acts.values_list("kind", flat=True)) == ["orientation", "social_interview", "wound_care"]
    assert Orientation.objects.get().encounter == encounter
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_street_round_on_a_phone(world, page):
    sign_in(page, "nurse")
    page.goto("/activite/maraude/")
    page.locator("#anonymous-plus").click()
    page.locator("#anonymous-plus").click()
    expect(page.locator("#id_anonymous_contacts")).to_have_value("2")
    page.locator("#pick-q").fill("benali")
    page.locator("#pick-search").click()
    page.locator("#pick-results button").first.click()
    expect(page.locator("[data-testid=round-known]")).to_have_count(1)
    page.locator("[data-testid=round-new] input[name$='-alias']").first.fill("Le Grand")
    page.locator("#save-round").click()
    page.wait_for_url("**/activite/")
    encounter = Encounter.objects.get()
    assert encounter.anonymous_contacts == 2 and encounter.participants.count() == 2


def test_a_bad_act_row_is_shown_beside_the_row_and_in_the_summary_then_saved(world, page):
    """D63: the second row (added by htmx) has details but no act: the page comes back with the error beside
    that row and a link to it in the summary, both rows as typed; once corrected, both acts are saved."""
    sign_in(page, "nurse")
    page.goto(f"/activite/rencontre/nouvelle/?personne={world.person.pk}")
    page.locator("[data-testid=act-row] select[name$='-kind']").nth(0).select_option("wound_care")
    page.locator("#add-act").click()
    expect(page.locator("[data-testid=act-row]")).to_have_count(2)
    page.locator("[data-testid=act-row] textarea").nth(1).fill("Pansement à revoir")
    with page.expect_navigation():
        page.locator("#save-encounter").click()
    row = page.locator("[data-testid=act-row]").nth(1)
    expect(row.locator(".error")).to_have_text("Choisissez l'acte, ou retirez la ligne.")
    expect(row.locator("textarea")).to_have_value("Pansement à revoir")
    link = page.locator("[data-testid=form-error-summary] a[href='#id_acts-1-kind']")
    expect(link).to_contain_text("Acte 2")
    assert not Encounter.objects.exists()
    row.locator("select").first.select_option("social_interview")
    page.locator("#save-encounter").click()
    page.wait_for_url(f"**/personnes/{world.person.pk}/")
    assert sorted(Encounter.objects.get().acts.values_list("kind", flat=True)) == ["social_interview", "wound_care"]
