"""The main task by keyboard only (issue #13, RGAA / WCAG 2.1 AA 2.1.1, 2.4.1, 2.4.3, 2.4.7): sign in, open the
caseload, open a person, record an encounter and send it with Tab, Shift+Tab, Enter and Space. Every stop
of the focus is visibly marked, the order follows the page, and the skip link leads into the content."""

import pytest
from playwright.sync_api import expect

from aupres.accounts.models import User
from aupres.encounters.models import Encounter
from conftest import PASSWORD, otp_device, otp_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The focused element, and whether it shows an outline of at least 2 px (:focus-visible in the CSS).
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) { return null; }
  const s = getComputedStyle(e), r = e.getBoundingClientRect();
  return {id: e.id, name: e.getAttribute('name'), tag: e.tagName, testid: e.closest('[data-testid]')?.dataset.testid,
          visible: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
          shown: r.width > 0 && r.height > 0, inMain: !!e.closest('main')};
}"""


def tab_until(page, selector, key="Tab", limit=120):
    """Press Tab (or Shift+Tab) until the focus is on `selector`; every stop on the way must be visible.
    Returns the stops, in order."""
    stops = []
    for _ in range(limit):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        assert focused, f"the focus left the page after {stops[-3:]}"
        assert focused["visible"] and focused["shown"], f"focus not visible on {focused}"
        stops.append(focused)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return stops
    raise AssertionError(f"{selector} never reached by {key}: {stops[-5:]}")


def focus_field(page, selector):
    """A sign-in field may take the focus itself (autofocus); else Tab to it."""
    if not page.evaluate("s => document.activeElement.matches(s)", selector):
        tab_until(page, selector)


def test_sign_in_caseload_person_and_encounter_by_keyboard(world, page):
    page.set_viewport_size({"width": 1366, "height": 800})
    device = otp_device(User.objects.get(username="nurse"))
    page.goto("/compte/connexion/")
    expect(page.locator("#id_username")).to_be_visible()
    focus_field(page, "#id_username")
    page.keyboard.type("nurse")
    tab_until(page, "#id_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/compte/connexion/" not in url)
    if "/compte/verification/" in page.url:
        expect(page.locator("#id_token")).to_be_visible()
        focus_field(page, "#id_token")
        page.keyboard.type(otp_token(device))
        page.keyboard.press("Enter")
    page.wait_for_url("**/personnes/")
    expect(page.locator("h1")).to_be_visible()

    # The skip link is the first stop and shows itself; Enter moves the focus to the content, and the next
    # Tab is inside it, not in the menu.
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    box = page.locator("a.skip").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0 and page.evaluate(FOCUSED)["visible"]
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["inMain"]

    # The caseload, then the person.
    stops = tab_until(page, f"[data-testid=caseload-person-{world.person.pk}] a.row-link")
    assert all(s["inMain"] for s in stops)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/personnes/{world.person.pk}/")
    expect(page.locator("h1")).to_contain_text("BENALI")
    tab_until(page, "[data-testid=person-action-encounter]")
    page.keyboard.press("Enter")
    expect(page.locator("#encounter-form")).to_be_visible()

    # The encounter: the controls in the order of the page, a choice by arrow keys, text typed.
    stops = tab_until(page, "#encounter-form select[name=act_kind]")
    order = [s["id"] for s in stops if s["id"] in ("id_occurred_at", "id_place_kind", "id_mode")]
    assert list(dict.fromkeys(order)) == ["id_occurred_at", "id_place_kind", "id_mode"], stops
    page.keyboard.press("ArrowDown")
    assert page.locator("#encounter-form select[name=act_kind]").input_value() != ""
    tab_until(page, "#encounter-form textarea[name=act_details]")
    page.keyboard.type("Pansement au clavier")
    stops = tab_until(page, "#save-encounter")
    assert [s["id"] for s in stops if s["id"] in ("add-act", "orientation-toggle")] == ["add-act", "orientation-toggle"]
    # Shift+Tab goes back the same way (the orientation's disclosure), then Tab returns to the button.
    tab_until(page, "#orientation-toggle", key="Shift+Tab", limit=3)
    tab_until(page, "#save-encounter", limit=3)
    page.keyboard.press("Space")
    page.wait_for_url(f"**/personnes/{world.person.pk}/")
    expect(page.locator("[data-testid=timeline]")).to_contain_text("Pansement au clavier")
    assert Encounter.objects.get().acts.filter(details="Pansement au clavier").exists()
