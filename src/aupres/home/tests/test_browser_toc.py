"""A table of contents opens the part it links to when that part is folded (issue #13): on a click, and when
the page is opened with the part's address (#…). The funder's page folds each indicator in a <details>."""

import pytest
from playwright.sync_api import expect

from aupres.indicators.tests.dataset import Dataset
from conftest import ApiClient, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = "?start=2025-01-01&end=2025-12-31"


@pytest.fixture
def funder_page(world):
    data = Dataset(world)
    world.users["funder"].territory = world.territory
    world.users["funder"].save()
    ApiClient(world.users["head_of_service"]).post("/submissions", {"service": data.a.pk, "from": "2025-01-01",
                                                                    "to": "2025-12-31"})
    return f"/indicateurs/territoire/{YEAR}"


def test_a_contents_link_opens_the_folded_section_it_targets(world, page, funder_page):
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, "funder")
    page.goto(funder_page)
    section = page.get_by_test_id("indicator-acts_by_kind")
    expect(section).to_be_attached()
    folded = section.locator("details").first
    expect(folded).not_to_have_attribute("open", "")
    expect(section.locator("table")).to_be_hidden()
    toc = page.get_by_test_id("funder-toc")
    toc.get_by_text("Tous les indicateurs").click()  # the list of every indicator is folded too
    toc.locator("a[href='#ind-acts_by_kind']").click()
    page.wait_for_url("**#ind-acts_by_kind")
    expect(folded).to_have_attribute("open", "")
    expect(section.locator("table")).to_be_visible()
    expect(section.locator("table")).to_be_in_viewport()
    # opened, the indicator reads its rows service by service (htmx): the link that stood for them is replaced
    expect(section.locator("tbody#rows-acts_by_kind th", has_text="Opérateur A — EMSP A")).to_be_visible()
    expect(section.get_by_role("link", name="1 dispositif, ligne par ligne")).to_have_count(0)


def test_a_page_opened_at_a_folded_section_shows_it(world, page, funder_page):
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, "funder")
    page.goto(f"{funder_page}#ind-acts_by_kind")
    section = page.get_by_test_id("indicator-acts_by_kind")
    expect(section.locator("details").first).to_have_attribute("open", "")
    expect(section.locator("table")).to_be_visible()
    # another section, by a link typed in the address bar (hashchange): opened as well
    page.evaluate("window.location.hash = '#ind-encounters_by_place'")
    other = page.get_by_test_id("indicator-encounters_by_place")
    expect(other.locator("details").first).to_have_attribute("open", "")
    expect(other.locator("table")).to_be_in_viewport()
