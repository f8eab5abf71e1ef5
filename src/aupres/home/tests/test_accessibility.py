"""Accessibility audit (issue #13; RGAA, i.e. WCAG 2.1 AA): axe-core, from the npm registry (package.json,
installed by `make install`), runs on every screen of every role, on a phone (360 px) and a desktop
(1366 px). No serious or critical violation is allowed. Every route a role's links reach is crawled in
test_accessibility_crawl.py (D59); this file holds the audit itself, the screens no link opens (a query's
variant, the answer to a POST), the public pages, and the proof that the audit can fail."""

import os
from pathlib import Path

import pytest

from aupres.referrals.models import Door, Referral, Source, Status, Urgency
from conftest import PASSWORD, otp_device, sign_in

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




def test_screens_a_query_or_a_post_opens(world, sized, axe_source, records):
    """Screens that no link opens as a page of its own, so that the crawl of every route
    (test_accessibility_crawl.py) does not reach them: the AGGIR grid, chosen by a query on the scale form,
    and the page that confirms an irreversible decision without JavaScript, the answer to a POST."""
    sign_in(sized, "nurse")
    person = world.person
    # The care record's longest form: the AGGIR grid, coded or by adverbs (issue #20).
    sized.click("#nav-caseload")
    sized.click(f"[data-testid=caseload-person-{person.pk}] a.row-link")
    sized.click("[data-testid=care-record]")
    sized.click("[data-testid=scale-add]")
    with sized.expect_navigation():
        sized.click("[data-testid=scale-aggir]")
    sized.wait_for_load_state()
    assert not audit(sized, axe_source), sized.url

    sized.context.clear_cookies()
    sign_in(sized, "head_of_service")
    referral = records[0]
    sized.click(f"[data-testid=home-inbox-{world.service_a.pk}]")
    sized.click(f"[data-testid=referral-{referral.pk}]")
    # The click only starts the navigation: removing data-confirm from the inbox page (still shown on a
    # loaded machine) would leave the referral's form guarded.
    sized.wait_for_url(f"**/orientations/{referral.pk}/")
    sized.wait_for_load_state()
    sized.evaluate("() => document.querySelectorAll('form[data-confirm]').forEach("
                   "f => f.removeAttribute('data-confirm'))")
    sized.get_by_test_id("decline").click()
    sized.get_by_test_id("confirm-decision").wait_for()
    assert not audit(sized, axe_source), sized.url


def test_public_form_and_sign_in(world, page, axe_source):
    for width in (360, 1366):
        page.set_viewport_size({"width": width, "height": 800})
        for path in ("/compte/connexion/", "/orientations/public/"):
            page.goto(path)
            assert not audit(page, axe_source), path
    # The second factor's page, between the password and the home (no link of a signed-in role leads there).
    otp_device(world.users["nurse"])
    page.goto("/compte/connexion/")
    page.fill("#id_username", "nurse")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation(url="**/compte/verification/**"):
        page.click("button[type=submit]")
    for width in (1366, 360):
        page.set_viewport_size({"width": width, "height": 800})
        assert not audit(page, axe_source), page.url


def test_the_audit_finds_a_violation(world, page, axe_source):
    """The audit is not blind: an image without text alternative and an unlabelled field are caught."""
    page.goto("/compte/connexion/")
    page.evaluate("""() => { const i = document.createElement('input'); document.querySelector('main').append(i);
                             const b = document.createElement('button'); document.querySelector('main').append(b); }""")
    rules = {rule for rule, *_ in audit(page, axe_source)}
    assert {"label", "button-name"} & rules, rules


