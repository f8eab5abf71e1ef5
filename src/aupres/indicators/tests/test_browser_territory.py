"""The funder of the demo reads its territory page and the needs against responses by clicking only, on a
phone (360 px) and a desktop (1366 px): key figures first, charts and the map drawn, no page wider than the
window, tables opened from their <details> without widening the page (issues #13, #18)."""

import pytest
from playwright.sync_api import expect

from aupres.demo.loader import Demo
from aupres.home.tests.test_accessibility import audit
from aupres.home.tests.test_browser_roles import no_sideways_scroll
from conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [360, 1366])
def test_the_demo_funder_reads_its_territory_and_the_needs(page, settings, width):
    settings.DEMO = True
    Demo(persons=30).load()
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, "financeur", password="demo")
    expect(page.get_by_test_id("funder-key-figures")).to_be_visible()
    assert page.get_by_test_id("funder-key-figures").locator(".tile").count() == 5
    assert page.locator("[data-testid=funder-compare] svg").count() >= 3
    # The map comes by htmx once the page is shown (issue #15): the five départements.
    expect(page.locator("[data-testid=needs-map] svg path")).to_have_count(5)
    no_sideways_scroll(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"funder page at {width} px: {height} px high")
    assert height < 12_000, "the funder's page stays short: indicators are collapsed under their titles"
    page.locator("#ind-persons_by_age details > summary").click()
    expect(page.locator("#ind-persons_by_age svg")).to_be_visible()
    assert audit(page, open_axe()) == []
    no_sideways_scroll(page)
    page.get_by_test_id("funder-needs-link").click()
    expect(page.locator("h1")).to_contain_text("Besoins et réponses")
    expect(page.get_by_test_id("needs-priorities").locator("li").first).to_be_visible()
    no_sideways_scroll(page)
    print(f"needs page at {width} px: {page.evaluate('document.documentElement.scrollHeight')} px high")
    page.locator("#needs-need details > summary").click()
    no_sideways_scroll(page)
    assert audit(page, open_axe()) == []


def open_axe():
    from aupres.home.tests.test_accessibility import AXE

    if not AXE.exists():
        pytest.skip("axe-core is missing")
    return AXE.read_text(encoding="utf-8")
