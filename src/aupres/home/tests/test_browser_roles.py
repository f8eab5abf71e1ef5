"""Each role signs in and reaches its work from its home by clicking only (no typed URL), on a phone
(360 px) and on a desktop (1366 px), and no page it sees scrolls sideways (issue #13)."""

import re

import pytest
from playwright.sync_api import expect

from aupres.referrals.models import Door, Referral, Source, Status, Urgency
from conftest import click_menu, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [360, 1366]


def no_sideways_scroll(page):
    # A click that navigates returns before the next document exists: wait for it, or the
    # measure reads a page being torn down (documentElement is null then).
    page.wait_for_load_state()
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{page.url}: {width} px wide in a {viewport} px window"


def click_every_menu_entry(page):
    """Click each entry of the menu in turn: each opens a page marked as current in the menu."""
    ids = page.locator("header nav a").evaluate_all("els => els.map(e => e.id)")
    assert ids
    for testid in ids:
        click_menu(page, testid)
        page.wait_for_load_state()
        expect(page.locator(f"#{testid}")).to_have_attribute("aria-current", "page")
        expect(page.locator("h1").first).to_be_visible()
        no_sideways_scroll(page)
    return ids


@pytest.fixture
def referrals(world):
    type(world.users["regulator"]).objects.filter(
        pk__in=[world.users["regulator"].pk, world.users["funder"].pk]).update(territory=world.territory)
    sent = Referral.objects.create(service=world.service_a, door=Door.PARTNER, source=Source.SHELTER,
                                   sent_by=world.users["partner"], first_name="Karim", last_name="Gauthier",
                                   needs=["health"], status=Status.PENDING, urgency=Urgency.URGENT,
                                   territory=world.territory)
    unrouted = Referral.objects.create(service=None, door=Door.PARTNER, source=Source.SHELTER,
                                       sent_by=world.users["partner"], alias="Sans service", needs=["housing"],
                                       status=Status.PENDING, territory=world.territory)
    return sent, unrouted


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def sized(page, request):
    page.set_viewport_size({"width": request.param, "height": 800})
    return page


def test_team_member_reaches_a_person_and_the_team_work(world, sized, referrals):
    page = sized
    sign_in(page, "nurse")
    assert page.url.endswith("/personnes/")
    no_sideways_scroll(page)
    page.get_by_test_id(f"caseload-person-{world.person.pk}").get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text("Benali".upper())
    no_sideways_scroll(page)
    page.click("#nav-referrals")
    page.get_by_test_id(f"referral-{referrals[0].pk}").click()
    no_sideways_scroll(page)
    page.click("#nav-indicators")
    page.get_by_role("link", name=world.service_a.name).click()
    expect(page.locator("h1")).to_contain_text(world.service_a.name)
    no_sideways_scroll(page)
    assert "nav-care" in click_every_menu_entry(page)


def test_head_of_service_decides_from_the_dashboard(world, sized, referrals):
    page = sized
    sign_in(page, "head_of_service")
    assert page.url.endswith("/")
    no_sideways_scroll(page)
    page.get_by_test_id(f"home-inbox-{world.service_a.pk}").click()
    expect(page.get_by_test_id("tab-pending")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id(f"urgency-{referrals[0].pk}")).to_be_visible()
    page.get_by_test_id(f"referral-{referrals[0].pk}").click()
    expect(page.get_by_test_id("accept")).to_be_visible()
    no_sideways_scroll(page)
    page.click("#nav-home")
    page.get_by_test_id(f"home-alerts-{world.service_a.pk}").click()
    expect(page.locator("h1")).to_be_visible()
    no_sideways_scroll(page)
    page.click("#nav-home")
    page.get_by_test_id(f"home-report-{world.service_a.pk}").click()
    expect(page).to_have_url(re.compile(r"/rapport/"))
    no_sideways_scroll(page)
    ids = click_every_menu_entry(page)
    assert {"nav-journal", "nav-duplicates", "nav-indicators"} <= set(ids)


def test_partner_follows_its_referrals_and_sends_one(world, sized, referrals):
    page = sized
    sign_in(page, "partner")
    assert page.url.endswith("/orientations/envoyees/")
    expect(page.get_by_test_id(f"sent-who-{referrals[0].receipt}")).to_have_text("K. G.")
    no_sideways_scroll(page)
    page.click("#nav-new-referral")
    expect(page.locator("form#referral-form")).to_be_visible()
    no_sideways_scroll(page)
    assert click_every_menu_entry(page) == ["nav-my-referrals", "nav-new-referral"]


def test_regulator_routes_from_its_queue(world, sized, referrals):
    page = sized
    sign_in(page, "regulator")
    assert page.url.endswith("/orientations/regulation/")
    no_sideways_scroll(page)
    page.get_by_role("link", name=referrals[1].receipt).click()
    expect(page.locator("h1")).to_contain_text(referrals[1].receipt)
    no_sideways_scroll(page)
    assert click_every_menu_entry(page) == ["nav-regulation", "nav-regional-places", "nav-needs"]


def test_funder_lands_on_the_territory_figures(world, sized, referrals):
    page = sized
    sign_in(page, "funder")
    assert page.url.endswith("/indicateurs/territoire/")
    no_sideways_scroll(page)
    expect(page.get_by_test_id("funder-key-figures")).to_be_visible()
    page.get_by_test_id("funder-needs-link").click()
    expect(page.locator("h1")).to_contain_text("Besoins")
    expect(page.get_by_test_id("needs-by-territory")).to_be_visible()
    no_sideways_scroll(page)
    assert click_every_menu_entry(page) == ["nav-funder", "nav-needs", "nav-calls", "nav-steering"]
