"""Shared fixtures: a small world with two services, one account per profession and role."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from aupres.accounts.models import AccountKind, ApiToken, User
from aupres.followups.models import FollowUp
from aupres.persons.models import LivingSituation, MedicalProfile, Note, Person, RightStatus
from aupres.services.kinds import load_kinds
from aupres.services.models import Membership, Operator, Profession, Service, ServiceKind, Territory

PASSWORD = "correct-horse-battery-staple"

# CI shares two cores with the browser and the database: a slow example is the machine, not the rule under
# test, so no per-example deadline and no "generation too slow" check (the examples tried stay the same).
hypothesis_settings.register_profile("aupres", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("aupres")


class UndefinedTemplateVariable(str):
    """string_if_invalid in tests (issue #16): a template that prints a variable its view did not give fails
    the test, so that a section meant to be absent is absent because the read model left it out, and a
    renamed context key cannot silently blank a value. (`{% if %}` on an absent key stays false, as in
    production: a gate is decided by the service, never by a missing key.)"""

    def __contains__(self, item):
        return item == "%s"

    def __mod__(self, name):
        from django.template import TemplateSyntaxError

        raise TemplateSyntaxError(f"Undefined template variable: {name}")


@pytest.fixture(autouse=True)
def _french(settings):
    settings.LANGUAGE_CODE = "fr"
    templates = [dict(t, OPTIONS=dict(t["OPTIONS"])) for t in settings.TEMPLATES]
    templates[0]["OPTIONS"]["string_if_invalid"] = UndefinedTemplateVariable("%s")
    settings.TEMPLATES = templates


class World:
    """Service A follows `person`; service B (same operator) does not; C belongs to another operator."""

    def __init__(self):
        # Transactional tests (browser) flush the rows that the data migration loaded.
        load_kinds(ServiceKind)
        self.territory, _created = Territory.objects.get_or_create(level="departement", code="59",
                                                                   defaults={"name": "Nord"})
        self.operator = Operator.objects.create(name="Opérateur A", kind="association")
        self.other_operator = Operator.objects.create(name="Opérateur C", kind="hospital")
        kind = ServiceKind.objects.get(code="lhss_mobile")
        self.service_a = self.service("EMSP A", kind, self.operator)
        self.service_b = self.service("EMSP B", kind, self.operator)
        self.service_c = self.service("PASS C", ServiceKind.objects.get(code="pass_mobile"), self.other_operator)
        self.users = {}
        for profession in Profession.values:
            self.users[profession] = self.member(profession, self.service_a)
        self.outsider = self.member(Profession.DOCTOR, self.service_b, username="outsider_doctor")
        self.outsider_head = self.member(Profession.HEAD_OF_SERVICE, self.service_c, username="outsider_head")
        for kind_ in (AccountKind.PARTNER, AccountKind.FUNDER, AccountKind.REGULATOR):
            self.users[kind_] = self.user(kind_, kind=kind_)
        self.person = Person.objects.create(first_name="Amina", last_name="Benali", alias="Mina",
                                            phone="0600000000", languages="arabe, français",
                                            birth_date=datetime.date(1980, 5, 1))
        FollowUp.objects.create(person=self.person, service=self.service_a, opened_on=datetime.date(2026, 1, 5))
        MedicalProfile.objects.create(person=self.person, chronic_conditions="Diabète secret")
        LivingSituation.objects.create(person=self.person, kind="street", started_on=datetime.date(2026, 1, 1),
                                       place="Lille — gare")
        RightStatus.objects.create(person=self.person, kind="health_cover", value="ame",
                                   started_on=datetime.date(2026, 1, 1))
        for comp in ("health", "social", "administrative"):
            Note.objects.create(person=self.person, service=self.service_a, compartment=comp,
                                text=f"note-{comp}-secrete")

    def service(self, name, kind, operator):
        service = Service(name=name, kind=kind, operator=operator)
        service.apply_kind_template()
        service.save()
        service.territories.set([self.territory])
        return service

    def user(self, username, kind=AccountKind.STAFF):
        user = User.objects.create_user(username=username, password=PASSWORD, kind=kind,
                                        first_name=username.capitalize())
        return user

    def member(self, profession, service, username=None):
        user = self.user(username or profession)
        Membership.objects.create(user=user, service=service, profession=profession, etp=Decimal("0.5"),
                                  start_date=datetime.date(2025, 1, 1))
        return user


@pytest.fixture
def world(db):
    return World()


def otp_device(user):
    """The user's confirmed TOTP device (created on first use), as if they had enrolled their phone."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)


def otp_token(device):
    """The code the phone shows now. The device forgets the last code used, so that two sign-ins in the
    same 30-second step both work in tests."""
    from django_otp.oath import totp

    type(device).objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0,
                                                     throttling_failure_timestamp=None)
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def login(user):
    """A Django test client signed in as the user, second factor given (an OTP-verified session)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = otp_device(user).persistent_id
    session.save()
    return client


class ApiClient:
    """Calls the API with a bearer token, as a machine client does."""

    def __init__(self, user):
        self.client = Client()
        _token, raw = ApiToken.issue(user)
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path, **kw):
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kw)

    def post(self, path, data=None):
        return self.client.post(f"/api/v1{path}", data=data or {}, content_type="application/json",
                                headers=self.headers)

    def patch(self, path, data):
        return self.client.patch(f"/api/v1{path}", data=data, content_type="application/json",
                                 headers=self.headers)


@pytest.fixture
def api_as():
    return ApiClient


@pytest.fixture
def client_as():
    return login


# Browser tests --------------------------------------------------------------------------------
# Playwright drives Debian's /usr/bin/chromium; no browser is ever downloaded.

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    """A browser test that fails is run once more (pytest-rerunfailures), and only a browser test: on a
    loaded CI machine a page may answer after Playwright's wait, and one such race must not hide a whole
    session's work. A real defect fails twice; every rerun is printed (R) so that races get fixed (D52)."""
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("flaky"):
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=1))


@pytest.fixture(scope="session")
def browser():
    import os

    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("AUPRES_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
    # itself (fixtures, assertions) are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                  "--no-first-run", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page on the live server, phone-sized (360×740), in French."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740},
                                  locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def click_menu(page, testid):
    """Click an entry of the top menu by its id; one under « Plus » (issue #13) is reached by opening « Plus »
    first, as a user does."""
    entry = page.locator(f"#{testid}")
    entry.wait_for(state="attached")
    if entry.evaluate("e => !!e.closest('details:not([open])')"):
        page.get_by_test_id("nav-more").click()
    # The click only starts the navigation: wait for the entry's page to load, or the next step may act
    # on the page being left (a link of the same name there, a script not attached yet).
    with page.expect_navigation():
        entry.click()


def sign_in(page, username, password=PASSWORD):
    """Password, then the code of the user's (test) authenticator, as a team member does."""
    device = otp_device(User.objects.get(username=username))
    page.goto("/compte/connexion/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/compte/connexion/" not in url)
    if "/compte/verification/" in page.url:
        page.fill("#id_token", otp_token(device))
        page.click("#otp-submit")
    # each kind of account lands on its own home (issue #13): team members on /personnes/
    page.wait_for_url(lambda url: "/compte/" not in url)
