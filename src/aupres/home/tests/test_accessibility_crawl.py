"""axe-core on every screen a role reaches (issue #13, D59): each role signs in and its home is crawled
breadth-first, following the links it is shown (same origin, GET only). Each page is loaded once, audited by
axe-core at 360 px, the window widened to 1366 px and audited again (or the other way round), and measured:
no serious or critical violation, and no sideways scroll at either width.

One page per route: a link is resolved with django.urls.resolve and only the first URL met of each route
name is opened (another person, another filter of the same list is the same template). Left out: files
(PDF, CSV, downloads, images), the API, the sign-out and security-key screens, links that ask for a
confirmation, and links that post (none of the GET routes changes anything: D59). The world is the route
matrix's (one record of every kind a route takes), so that most screens have something to show."""

import time
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

from aupres.core.tests import route_rules as rules
from aupres.core.tests.test_route_matrix import matrix_world  # noqa: F401 — a fixture
from conftest import PASSWORD, sign_in

from .test_accessibility import audit, axe_source  # noqa: F401 — a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Routes never opened by the crawl: files and machine answers, or screens that are not a role's work.
SKIPPED_ROUTES = {
    "accounts:logout", "accounts:logout_everywhere", "accounts:oidc_login", "accounts:oidc_callback",
    "accounts:recovery_codes", "audit:person_export_pdf", "indicators:export", "indicators:report_file",
    "indicators:report_status", "care:fhir_export", "care:icd10_search", "letters:generate",
    "partnerships:register_pdf", "partnerships:document", "quality:declaration", "referrals:attachment",
    "places:photo", "field:service_worker", "field:manifest", "imports:status", "ops:health", "ops:metrics",
}
FILE_ENDINGS = (".pdf", ".csv", ".xlsx", ".ods", ".json", ".zip", ".ics", ".png", ".jpg", ".svg",
                ".webmanifest", ".js")
SKIPPED_PREFIXES = ("/api/", "/admin/", "/static/", "/media/")

# The links of the page shown: href, and whether the link downloads, asks for a confirmation or posts.
LINKS = """() => [...document.querySelectorAll('a[href]')].map(a => ({
  href: a.href, skip: a.hasAttribute('download') || a.hasAttribute('data-confirm')
    || !!a.closest('[data-confirm]') || ['hx-post', 'hx-put', 'hx-patch', 'hx-delete'].some(h => a.hasAttribute(h))
}))"""
# How far the page scrolls sideways, and the outermost elements that stick out (to find the culprit).
OVERFLOW = """() => {
  const over = document.documentElement.scrollWidth - window.innerWidth;
  if (over <= 0) { return null; }
  const sticks = e => e.getBoundingClientRect().right > window.innerWidth + 1;
  const out = [...document.querySelectorAll('body *')].filter(e => sticks(e) && !sticks(e.parentElement));
  return {over, culprits: out.slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/ +/g, '.') : ''))};
}"""

# At least this many routes per role, so that a crawl stopped at the home cannot pass (measured: D59).
MINIMUM = {"nurse": 30, "head_of_service": 40, "partner": 4, "regulator": 6, "funder": 6}
PAGES_PER_ROLE = 90  # a bound, not a choice: no role reaches it (D59)


def route_of(url, origin):
    """The route name of a same-origin screen link, or None when the crawl leaves it out."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    path = parts.path
    if path.startswith(SKIPPED_PREFIXES) or path.lower().endswith(FILE_ENDINGS):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return f"404 {path}"  # a dead link: opened, and reported by its status
    if match.view_name in SKIPPED_ROUTES or match.view_name.startswith("admin:"):
        return None
    return match.view_name


def check(page, axe_source, url, widths):  # noqa: F811
    """The page shown, audited by axe and measured at each width in turn: [problem]."""
    page.wait_for_load_state()
    problems = []
    for width in widths:
        if page.viewport_size["width"] != width:
            page.set_viewport_size({"width": width, "height": 800})
        for rule, impact, targets, help_ in audit(page, axe_source):
            problems.append(f"{url} at {width} px: {impact} {rule} ({help_}) on {targets}")
        overflow = page.evaluate(OVERFLOW)
        if overflow:
            problems.append(f"{url} at {width} px: {overflow['over']} px of sideways scroll "
                            f"({overflow['culprits']})")
    return problems


def crawl(page, axe_source, origin, limit=PAGES_PER_ROLE):  # noqa: F811
    """Breadth-first from the page shown. Returns (routes opened {name: url}, problems [str])."""
    start = page.url
    queue, seen, problems = deque([start]), {route_of(start, origin): start}, []
    widths = [360, 1366]
    opened = {}
    while queue and len(opened) < limit:
        url = queue.popleft()
        response = page.goto(url)
        opened[route_of(url, origin)] = url
        if response is None or response.status != 200:
            problems.append(f"{url}: status {response.status if response else None}")
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        problems += check(page, axe_source, url, widths)
        widths.reverse()  # the next page is loaded at the width this one ends with: one resize a page
        for link in page.evaluate(LINKS):
            if link["skip"]:
                continue
            route = route_of(link["href"], origin)
            if route and route not in seen:
                seen[route] = link["href"].split("#")[0]
                queue.append(seen[route])
    return opened, problems, sorted(set(seen) - set(opened))


@pytest.fixture
def rich_world(matrix_world):  # noqa: F811
    """The route matrix's world, with every record its parameters create (a stay, a call, a prescription…)."""
    for make in rules.PARAMS.values():
        make(matrix_world)
    return matrix_world


@pytest.mark.parametrize("role", list(MINIMUM))
def test_every_screen_a_role_reaches(rich_world, page, axe_source, live_server, role):  # noqa: F811
    started = time.monotonic()
    sign_in(page, role)
    opened, problems, left = crawl(page, axe_source, live_server.url)
    print(f"\n{role}: {len(opened)} routes in {time.monotonic() - started:.0f} s: {sorted(opened)}"
          f"\n  not opened (bound): {left}")
    assert not problems, "\n".join(problems)
    assert len(opened) >= MINIMUM[role], sorted(opened)


def test_screens_of_another_state(rich_world, page, axe_source, live_server, django_user_model):  # noqa: F811
    """Screens whose link shows only in another state than the crawl's world (D59): a follow-up at the plan
    step (plan, objectives) and at the evaluation step (the evaluation form on the follow-up), a service
    with an orientation committee that keeps a day register, the care record's and consent's own pages
    (a condition changed, a prescription stopped, a stay reason, a consent withdrawn), and the referential
    as an operator administrator edits it (a criterion, an axis). Each at 360 and 1366 px, as the crawl."""
    from django.urls import reverse

    w = rich_world
    started = time.monotonic()

    def url(name, *params):
        return reverse(name, kwargs={p: rules.PARAMS[p](w) for p in params})

    def opened(paths):
        problems, widths = [], [360, 1366]
        for path in paths:
            response = page.goto(path)
            if response is None or response.status != 200:
                problems.append(f"{path}: status {response.status if response else None}")
                continue
            problems += check(page, axe_source, path, widths)
            widths.reverse()
            if path in shows and not page.locator(shows[path]).count():
                problems.append(f"{path}: not in the state wanted ({shows[path]} missing)")
        return problems

    def posted(path, form):
        """The answer to a form of the page posted empty (its errors shown on the page it came from)."""
        page.goto(path)
        with page.expect_navigation():
            page.locator(form).evaluate("f => { f.noValidate = true; f.requestSubmit(); }")
        return check(page, axe_source, f"{path} ({form} posted)", [360, 1366])

    followup = w.followup
    type(followup).objects.filter(pk=followup.pk).update(state="plan")
    service = type(w.service_a).objects.get(pk=w.service_a.pk)
    service.has_orientation_committee = True
    service.capacity_unit = "persons_per_day"
    service.opening_days = "1234567"
    service.save()
    type(w.referral).objects.filter(pk=w.referral.pk).update(status="committee")  # before the committee

    shows = {  # what proves the page is in the state it is audited for
        url("referrals:committee", "service_id"): "[data-testid^=committee-]",
        url("places:attendance", "service_id"): "[data-testid=record-attendance]",
        url("quality:referential"): "[data-testid^=axis-edit-]",
    }
    sign_in(page, "nurse")
    detail = url("followups:detail", "followup_id")
    problems = opened([
        detail, url("followups:plan_add", "followup_id"), url("followups:objective_add", "followup_id"),
        url("followups:objective_edit", "followup_id", "objective_id"),
        url("care:condition_edit", "condition_id"), url("care:prescription_stop", "prescription_id"),
        url("care:stay_reason_add", "person_id"), url("sharing:consent_withdraw", "consent_id"),
        url("referrals:committee", "service_id"), url("places:attendance", "service_id")])
    page.goto(detail)
    assert page.get_by_test_id("plan-add").count(), "the follow-up is not at the plan step"
    type(followup).objects.filter(pk=followup.pk).update(state="evaluation")
    problems += opened([detail])
    assert page.locator("#evaluation-form").count(), "no evaluation form"
    problems += posted(detail, "#evaluation-form")
    care = url("care:person", "person_id")
    for form in ("#transmission-form", "#pain-form", "#condition-form"):
        problems += posted(care, form)
    problems += posted(url("persons:detail", "person_id"), "form[action$='/notes/']")

    page.context.clear_cookies()
    django_user_model.objects.create_superuser("admin13", password=PASSWORD)
    sign_in(page, "admin13")
    problems += opened([url("quality:referential"), url("quality:criterion_edit", "criterion_id"),
                        url("quality:axis_edit", "axis_id")])
    print(f"\nanother state: {time.monotonic() - started:.0f} s")
    assert not problems, "\n".join(problems)
