"""The main task by keyboard only (issue #13, RGAA / WCAG 2.1 AA 2.1.1, 2.4.1, 2.4.3, 2.4.7): sign in, open the
caseload, open a person, record an encounter and send it with Tab, Shift+Tab, Enter and Space. Every stop
of the focus is visibly marked, the order follows the page, and the skip link leads into the content."""

import pytest
from playwright.sync_api import expect

from aupres.accounts.models import User
from aupres.encounters.models import Encounter
from aupres.indicators.tests.dataset import Dataset
from aupres.referrals.models import Door, Referral, Source, Status, Urgency
from conftest import PASSWORD, ApiClient, otp_device, otp_token, sign_in

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
    stops = tab_until(page, "#encounter-form select[name=acts-0-kind]")
    order = [s["id"] for s in stops if s["id"] in ("id_occurred_at", "id_place_kind", "id_mode")]
    assert list(dict.fromkeys(order)) == ["id_occurred_at", "id_place_kind", "id_mode"], stops
    page.keyboard.press("ArrowDown")
    assert page.locator("#encounter-form select[name=acts-0-kind]").input_value() != ""
    tab_until(page, "#encounter-form textarea[name=acts-0-details]")
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


# The other roles' main tasks, by keyboard only, from where sign-in leaves them (issue #13, D59). Signing in
# by keyboard is the walk above; here it is done by the shared helper.

@pytest.fixture
def waiting(world):
    """A referral sent by the partner to service A, and one left to the territory's regulation."""
    User.objects.filter(pk__in=[world.users["regulator"].pk, world.users["funder"].pk]).update(
        territory=world.territory)
    sent = Referral.objects.create(service=world.service_a, door=Door.PARTNER, source=Source.SHELTER,
                                   sent_by=world.users["partner"], alias="Le Grand", needs=["health"],
                                   status=Status.PENDING, urgency=Urgency.URGENT, territory=world.territory)
    unrouted = Referral.objects.create(service=None, door=Door.PARTNER, source=Source.SHELTER,
                                       sent_by=world.users["partner"], alias="Sans service", needs=["housing"],
                                       status=Status.PENDING, territory=world.territory)
    return sent, unrouted


def enter_link(page, selector, url):
    """Tab to a link (every stop visible), follow it with Enter and wait for its page."""
    tab_until(page, selector)
    with page.expect_navigation(url=url):
        page.keyboard.press("Enter")
    page.wait_for_load_state()


def test_partner_files_a_new_referral_by_keyboard(world, page):
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, "partner")
    page.wait_for_url("**/orientations/envoyees/")
    enter_link(page, "#nav-new-referral", "**/orientations/envoyees/nouvelle/")
    expect(page.locator("form#referral-form")).to_be_visible()

    # A select is chosen with the arrow keys, a box ticked with Space, text typed, in the order of the page.
    tab_until(page, "#id_source")
    page.keyboard.press("ArrowDown")
    assert page.locator("#id_source").input_value() != ""
    tab_until(page, "#id_alias")
    page.keyboard.type("Au clavier")
    tab_until(page, "#id_service")
    page.keyboard.press("ArrowDown")
    service = page.locator("#id_service").input_value()
    assert service in {str(s.pk) for s in (world.service_a, world.service_b, world.service_c)}
    tab_until(page, "input[name=needs][value=health]")
    page.keyboard.press("Space")
    expect(page.locator("input[name=needs][value=health]")).to_be_checked()
    tab_until(page, "#id_consent")
    page.keyboard.press("ArrowDown")
    assert page.locator("#id_consent").input_value() != ""
    tab_until(page, "[data-testid=send]")
    with page.expect_navigation(url="**/orientations/envoyees/"):
        page.keyboard.press("Enter")
    referral = Referral.objects.get(alias="Au clavier")
    assert referral.sent_by == world.users["partner"] and str(referral.service_id) == service
    expect(page.get_by_test_id(f"sent-{referral.receipt}")).to_be_visible()


def test_head_of_service_reaches_the_decision_on_a_referral_by_keyboard(world, page, waiting):
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, "head_of_service")
    sent = waiting[0]
    enter_link(page, f"[data-testid=home-inbox-{world.service_a.pk}]", "**/orientations/boite/**")
    enter_link(page, f"[data-testid=referral-{sent.pk}]", f"**/orientations/{sent.pk}/")
    expect(page.locator("h1")).to_be_visible()
    # Every decision is on the way, in the order of the page; none is taken (the walk stops at the buttons).
    stops = tab_until(page, "[data-testid=decline]")
    assert [s["testid"] for s in stops if s["testid"] in ("accept", "decline")] == ["accept", "decline"]
    tab_until(page, "[data-testid=wait]")
    tab_until(page, "[data-testid=forward]")
    sent.refresh_from_db()
    assert sent.status == Status.PENDING


def test_funder_opens_a_section_of_the_indicators_by_keyboard(world, page, waiting):
    data = Dataset(world)  # a year of activity of service A, submitted: the page has its indicators
    ApiClient(world.users["head_of_service"]).post("/submissions", {"service": data.a.pk, "from": "2025-01-01",
                                                                    "to": "2025-12-31"})
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, "funder")
    page.wait_for_url("**/indicateurs/territoire/")
    expect(page.get_by_test_id("funder-toc")).to_be_visible()
    # The list of every indicator is folded: its summary opens with Enter, then a link of it opens the
    # indicator's folded section (js/toc.js).
    tab_until(page, "[data-testid=funder-toc] details details > summary")
    page.keyboard.press("Enter")
    expect(page.locator("[data-testid=funder-toc] details details")).to_have_attribute("open", "")
    target = page.locator("[data-testid=funder-toc] details details a").first.get_attribute("href")
    tab_until(page, "[data-testid=funder-toc] details details a")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{target}")
    section = page.locator(f"{target} details").first
    expect(section).to_have_attribute("open", "")
    expect(section.locator("summary")).to_be_in_viewport()


def test_regulator_reaches_the_regulation_queue_and_a_referral_by_keyboard(world, page, waiting):
    page.set_viewport_size({"width": 1366, "height": 800})
    sign_in(page, "regulator")
    page.wait_for_url("**/orientations/regulation/")
    # From another page of its menu, back to the queue by the menu, then into the referral left to it.
    enter_link(page, "#nav-regional-places", "**/places/regional/")
    enter_link(page, "#nav-regulation", "**/orientations/regulation/")
    unrouted = waiting[1]
    enter_link(page, f"a[href$='/orientations/regulation/{unrouted.pk}/']",
               f"**/orientations/regulation/{unrouted.pk}/")
    expect(page.locator("h1")).to_contain_text(unrouted.receipt)
    tab_until(page, "main button[type=submit]")
