"""The top menu of every role fits on one line on a desktop (1366 px) and stays usable on a phone (360 px):
rarely used entries of the head of service wait under « Plus », a disclosure that works by keyboard and
without JavaScript (issue #13)."""

import pytest
from playwright.sync_api import expect

from conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = ["nurse", "social_worker", "doctor", "health_manager", "head_of_service", "partner", "regulator", "funder"]

MEASURE = """() => {
  const nav = document.querySelector('header.top nav');
  const items = [...nav.querySelectorAll(':scope > ul > li')];
  const tops = items.map(li => Math.round(li.getBoundingClientRect().top));
  const header = document.querySelector('header.top').getBoundingClientRect();
  const link = items[0].getBoundingClientRect();
  return {rows: new Set(tops).size, nav: nav.getBoundingClientRect().height, header: header.height,
          link: link.height, count: items.length, width: document.documentElement.scrollWidth};
}"""


@pytest.fixture
def users(world):
    type(world.users["regulator"]).objects.filter(
        pk__in=[world.users["regulator"].pk, world.users["funder"].pk]).update(territory=world.territory)
    return world.users


@pytest.mark.parametrize("role", ROLES)
def test_every_role_menu_is_one_line_at_1366_and_fits_at_360(users, page, role):
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, role)
    page.wait_for_load_state()
    wide = page.evaluate(MEASURE)
    assert wide["rows"] == 1, (role, wide)
    assert wide["header"] < 2 * wide["link"], (role, wide)  # brand, menu and sign-out on one row
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    page.wait_for_load_state()
    narrow = page.evaluate(MEASURE)
    assert narrow["width"] <= 360, (role, narrow)


@pytest.mark.parametrize("width", [1366, 360])
def test_the_head_reaches_the_entries_under_plus_by_keyboard(users, page, width):
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, "head_of_service")
    more = page.get_by_test_id("nav-more")
    expect(page.locator("#nav-journal")).to_be_hidden()
    more.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#nav-journal")).to_be_visible()
    box = page.locator("#nav-import").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box  # the panel stays in the window
    if width == 1366:  # Escape folds it back, the focus on « Plus »
        page.keyboard.press("Escape")
        expect(page.locator("#nav-journal")).to_be_hidden()
        expect(more).to_be_focused()
        page.keyboard.press("Space")
        expect(page.locator("#nav-journal")).to_be_visible()
    for _ in range(10):  # Tab from « Plus » through its entries to the journal's
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "nav-journal":
            break
    expect(page.locator("#nav-journal")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/journal/")
    expect(page.locator("h1")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    expect(page.get_by_test_id("nav-more")).to_have_class("current")


def test_plus_works_without_javascript(users, browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 800},
                                  locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, "head_of_service")
        expect(page.locator("#nav-duplicates")).to_be_hidden()
        page.get_by_test_id("nav-more").click()
        page.locator("#nav-duplicates").click()
        page.wait_for_url("**/doublons-probables/")
        expect(page.locator("h1")).to_be_visible()
    finally:
        context.close()
