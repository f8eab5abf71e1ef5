"""Accessibility audit (issue #13; RGAA, i.e. WCAG 2.1 AA): axe-core, from the npm registry (package.json,
installed by `make install`), runs on the main screens of every role, on a phone (360 px) and a desktop
(1366 px). No serious or critical violation is allowed. The screens are reached by clicking from the home
(the menu entries), plus the pages of each role's main tasks."""

import os
from pathlib import Path

import pytest

from aupres.referrals.models import Door, Referral, Source, Status, Urgency
from conftest import click_menu, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[4] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        message = f"{AXE} is missing: run `make install` (npm ci)"
        if os.environ.get("AUPRES_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def audit(page, axe_source):
    """Serious and critical violations on the page shown: [(rule, impact, targets, help)]."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)  # through the DevTools protocol: not subject to the page's CSP
    result = page.evaluate("""tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                        resultTypes: ['violations']})""", TAGS)
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5], v["help"])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def audit_every_screen(page, axe_source, extra_links=()):
    """The home, then every menu entry, then the task pages (callables that click their way from a page)."""
    found = {}

    def check():
        page.wait_for_load_state()
        violations = audit(page, axe_source)
        if violations:
            found[page.url] = violations

    check()
    for testid in page.locator("header nav a").evaluate_all("els => els.map(e => e.id)"):
        click_menu(page, testid)
        check()
    for go in extra_links:
        go(page)
        check()
    assert not found, found


@pytest.fixture
def records(world):
    User = type(world.users["regulator"])
    User.objects.filter(pk__in=[world.users["regulator"].pk, world.users["funder"].pk]).update(
        territory=world.territory)
    sent = Referral.objects.create(service=world.service_a, door=Door.PARTNER, source=Source.SHELTER,
                                   sent_by=world.users["partner"], alias="Le Grand", needs=["health"],
                                   status=Status.PENDING, urgency=Urgency.URGENT, territory=world.territory)
    unrouted = Referral.objects.create(service=None, door=Door.PARTNER, source=Source.SHELTER,
                                       sent_by=world.users["partner"], alias="Sans service", needs=["housing"],
                                       status=Status.PENDING, territory=world.territory)
    return sent, unrouted


@pytest.fixture(params=[360, 1366], ids=lambda w: f"{w}px")
def sized(page, request):
    page.set_viewport_size({"width": request.param, "height": 800})
    return page




def test_team_member_screens(world, sized, axe_source, records):
    sign_in(sized, "nurse")
    person, referral = world.person, records[0]
    audit_every_screen(sized, axe_source, [
        lambda p: (p.click("#nav-caseload"), p.click(f"[data-testid=caseload-person-{person.pk}] a.row-link")),
        lambda p: p.click("[data-testid=person-action-encounter]"),
        lambda p: (p.click("#nav-caseload"), p.click(f"[data-testid=caseload-person-{person.pk}] .followup a")),
        lambda p: (p.click("#nav-referrals"), p.click(f"[data-testid=referral-{referral.pk}]")),
        lambda p: (p.click("#nav-activity"), p.click("a[href$='/activite/droits/']")),
        lambda p: (p.click("#nav-indicators"), p.get_by_role("link", name=world.service_a.name).click()),
        # The care record's longest form: the AGGIR grid, coded or by adverbs (issue #20).
        lambda p: (p.click("#nav-caseload"), p.click(f"[data-testid=caseload-person-{person.pk}] a.row-link"),
                   p.click("[data-testid=care-record]"), p.click("[data-testid=scale-add]"),
                   p.click("[data-testid=scale-aggir]")),
    ])


def test_head_of_service_screens(world, sized, axe_source, records):
    sign_in(sized, "head_of_service")
    referral = records[0]
    audit_every_screen(sized, axe_source, [
        lambda p: (p.click("#nav-home"), p.click(f"[data-testid=home-inbox-{world.service_a.pk}]")),
        lambda p: p.click(f"[data-testid=referral-{referral.pk}]"),
        lambda p: (click_menu(p, "nav-services"), p.get_by_role("link", name=world.service_a.name).first.click()),
        # The page that confirms an irreversible decision without JavaScript (issue #13).
        lambda p: (p.click("#nav-home"), p.click(f"[data-testid=home-inbox-{world.service_a.pk}]"),
                   p.click(f"[data-testid=referral-{referral.pk}]"),
                   # The click only starts the navigation: removing data-confirm from the inbox page
                   # (still shown on a loaded machine) would leave the referral's form guarded.
                   p.wait_for_url(f"**/orientations/{referral.pk}/"), p.wait_for_load_state(),
                   p.evaluate("() => document.querySelectorAll('form[data-confirm]').forEach("
                              "f => f.removeAttribute('data-confirm'))"),
                   p.get_by_test_id("decline").click(), p.get_by_test_id("confirm-decision").wait_for()),
    ])


def test_partner_screens(world, sized, axe_source, records):
    sign_in(sized, "partner")
    audit_every_screen(sized, axe_source)


def test_regulator_screens(world, sized, axe_source, records):
    sign_in(sized, "regulator")
    audit_every_screen(sized, axe_source, [
        lambda p: (p.click("#nav-regulation"), p.get_by_role("link", name=records[1].receipt).click()),
    ])


def test_funder_screens(world, sized, axe_source, records):
    sign_in(sized, "funder")
    audit_every_screen(sized, axe_source)


def test_public_form_and_sign_in(world, page, axe_source):
    for width in (360, 1366):
        page.set_viewport_size({"width": width, "height": 800})
        for path in ("/compte/connexion/", "/orientations/public/"):
            page.goto(path)
            assert not audit(page, axe_source), path


def test_the_audit_finds_a_violation(world, page, axe_source):
    """The audit is not blind: an image without text alternative and an unlabelled field are caught."""
    page.goto("/compte/connexion/")
    page.evaluate("""() => { const i = document.createElement('input'); document.querySelector('main').append(i);
                             const b = document.createElement('button'); document.querySelector('main').append(b); }""")
    rules = {rule for rule, *_ in audit(page, axe_source)}
    assert {"label", "button-name"} & rules, rules


