"""Two-factor authentication, lock-out after failed sign-ins, sign-out everywhere, idle sessions."""

import pytest
from django.conf import settings as dj_settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aupres.accounts import services
from aupres.accounts.models import ApiToken
from aupres.core.middleware import SessionIdleMiddleware
from conftest import PASSWORD, otp_device, otp_token

pytestmark = pytest.mark.django_db


def password_only(user):
    """A session after the password step, before the second factor."""
    client = Client()
    client.force_login(user)
    return client


def token_for(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_staff_without_a_device_must_enrol_before_anything(world):
    client = password_only(world.users["nurse"])
    r = client.get("/personnes/")
    assert r.status_code == 302 and r["Location"].startswith("/compte/double-authentification/")
    assert client.get(f"/personnes/{world.person.pk}/").status_code == 302
    assert client.get("/configuration/").status_code == 302
    # The API sees no session at all.
    assert client.get("/api/v1/persons").status_code == 401
    assert client.get("/api/v1/auth/me").status_code == 401


def test_staff_with_a_device_is_asked_for_the_code_and_comes_back_where_they_went(world):
    user = world.users["doctor"]
    device = otp_device(user)
    client = password_only(user)
    r = client.get(f"/personnes/{world.person.pk}/")
    assert r.status_code == 302 and r["Location"].startswith("/compte/verification/?next=")
    # Enrolling another phone needs the current one first.
    assert client.get("/compte/double-authentification/")["Location"] == "/compte/verification/"
    r = client.post("/compte/verification/", {"token": "000000" if token_for(device) != "000000" else "111111",
                                              "next": f"/personnes/{world.person.pk}/"})
    assert r.status_code == 200 and "token" in r.context["form"].errors
    r = client.post("/compte/verification/", {"token": otp_token(device), "next": f"/personnes/{world.person.pk}/"})
    assert r.status_code == 302 and r["Location"] == f"/personnes/{world.person.pk}/"
    assert client.get(f"/personnes/{world.person.pk}/").status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 200


def test_verify_refuses_an_outside_next(world):
    user = world.users["doctor"]
    device = otp_device(user)
    client = password_only(user)
    r = client.post("/compte/verification/", {"token": otp_token(device), "next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/"  # the home, which sends each account to its work


def test_enrolment_shows_a_qr_code_then_confirms_with_a_code_and_gives_recovery_codes(world):
    user = world.users["social_worker"]
    client = password_only(user)
    r = client.get("/compte/double-authentification/")
    body = r.content.decode()
    assert r.status_code == 200 and "<svg" in body and 'id="otp-secret"' in body
    assert "<h1>Double authentification</h1>" in body  # the enrolment screen speaks French
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.get("/personnes/").status_code == 302  # still not verified
    r = client.post("/compte/double-authentification/", {"token": "12"})
    assert r.status_code == 200 and r.context["form"].errors
    # A failure slows down the next try (django-otp throttling): a second later, the right code.
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    r = client.post("/compte/double-authentification/", {"token": token_for(device)})
    assert r.status_code == 200
    codes = r.context["codes"]
    assert len(codes) == services.RECOVERY_CODES and len(set(codes)) == len(codes)
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/personnes/").status_code == 200


def test_a_recovery_code_works_once(world):
    user = world.users["nurse"]
    otp_device(user)
    codes = services.new_recovery_codes(user)
    client = password_only(user)
    r = client.post("/compte/verification/", {"token": codes[0]})
    assert r.status_code == 302
    assert StaticToken.objects.filter(device__user=user).count() == len(codes) - 1
    again = password_only(user)
    r = again.post("/compte/verification/", {"token": codes[0]})
    assert r.status_code == 200 and r.context["form"].errors


def test_new_recovery_codes_replace_the_old_ones(world, client_as):
    user = world.users["nurse"]
    old = services.new_recovery_codes(user)
    client = client_as(user)
    r = client.post("/compte/securite/codes-de-secours/")
    new = r.context["codes"]
    assert not set(old) & set(new)
    assert services.check_second_factor(user, new[1]) is not None
    assert services.check_second_factor(user, old[1]) is None


def test_accounts_that_reach_no_person_need_no_second_factor_until_they_enrol(world):
    partner = world.users["partner"]
    client = password_only(partner)
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.get("/personnes/").status_code == 200
    otp_device(partner)
    assert client.get("/personnes/").status_code == 302


def test_the_switch_turns_the_second_factor_off_for_the_demo(world, settings):
    settings.REQUIRE_2FA = False
    settings.DEMO = True
    client = password_only(world.users["nurse"])
    assert client.get("/personnes/").status_code == 200
    r = Client().get("/compte/connexion/")
    assert 'data-testid="demo-no-2fa"' in r.content.decode()
    settings.REQUIRE_2FA = True
    assert 'data-testid="demo-no-2fa"' not in Client().get("/compte/connexion/").content.decode()


# API tokens ----------------------------------------------------------------------------------

def post_token(**body):
    return Client().post("/api/v1/auth/token", body, content_type="application/json")


def test_token_for_staff_without_a_device_tells_them_to_enrol(world):
    r = post_token(username="nurse", password=PASSWORD)
    assert r.status_code == 403 and r.json()["code"] == "otp_enrolment_required"
    assert "/compte/double-authentification/" in r.json()["message"]
    assert not ApiToken.objects.exists()


def test_token_needs_the_current_code(world):
    device = otp_device(world.users["nurse"])
    r = post_token(username="nurse", password=PASSWORD)
    assert r.status_code == 401 and r.json() == {**r.json(), "code": "otp_required", "field": "otp"}
    wrong = "123456" if otp_token(device) != "123456" else "654321"
    r = post_token(username="nurse", password=PASSWORD, otp=wrong)
    assert r.status_code == 401 and r.json()["code"] == "invalid_otp"
    r = post_token(username="nurse", password=PASSWORD, otp=otp_token(device))
    assert r.status_code == 200 and r.json()["token"]
    # The same code cannot be replayed.
    r = post_token(username="nurse", password=PASSWORD, otp=token_for(device))
    assert r.status_code == 401


def test_token_for_a_partner_without_device_needs_no_code(world):
    assert post_token(username="partner", password=PASSWORD).status_code == 200


# Lock-out ------------------------------------------------------------------------------------

def test_screen_login_locks_out_after_repeated_failures(world, settings):
    client = Client()
    for _i in range(settings.AXES_FAILURE_LIMIT - 1):
        r = client.post("/compte/connexion/", {"username": "nurse", "password": "wrong"})
        assert r.status_code == 200
    r = client.post("/compte/connexion/", {"username": "nurse", "password": "wrong"})
    assert r.status_code == 429
    # Even the right password is refused during the cool-off.
    r = client.post("/compte/connexion/", {"username": "nurse", "password": PASSWORD})
    assert r.status_code == 429 and "_auth_user_id" not in client.session
    # Another account from the same address is not locked.
    r = client.post("/compte/connexion/", {"username": "doctor", "password": PASSWORD})
    assert r.status_code == 302


def test_api_token_locks_out_after_repeated_failures(world, settings):
    for _i in range(settings.AXES_FAILURE_LIMIT - 1):
        assert post_token(username="partner", password="wrong").status_code == 401
    r = post_token(username="partner", password="wrong")
    assert r.status_code == 429 and r.json()["code"] == "locked_out"
    assert "partner" not in r.content.decode()
    assert post_token(username="partner", password=PASSWORD).status_code == 429


# Sessions ------------------------------------------------------------------------------------

def test_sign_out_everywhere_ends_other_sessions_and_tokens(world, client_as, api_as):
    user = world.users["nurse"]
    phone, laptop = client_as(user), client_as(user)
    api = api_as(user)
    assert laptop.get("/personnes/").status_code == 200 and api.get("/persons").status_code == 200
    r = phone.post("/compte/securite/deconnexion-partout/")
    assert r.status_code == 302 and r["Location"] == "/compte/connexion/"
    r = laptop.get("/personnes/")
    assert r.status_code == 302 and r["Location"].startswith("/compte/connexion/")
    assert api.get("/persons").status_code == 401
    # A new sign-in works again.
    user.refresh_from_db()
    assert client_as(user).get("/personnes/").status_code == 200


def test_sign_out_everywhere_through_the_api(world, api_as, client_as):
    user = world.users["nurse"]
    browser = client_as(user)
    api = api_as(user)
    r = api.post("/auth/logout-everywhere")
    assert r.status_code == 200 and r.json()["revoked_tokens"] == 1
    assert api.get("/persons").status_code == 401
    assert browser.get("/personnes/").status_code == 302


def test_sessions_expire_after_inactivity(world, client_as, settings):
    client = client_as(world.users["nurse"])
    client.get("/personnes/")
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 60


def _expiry(client):
    return Session.objects.get(session_key=client.cookies[dj_settings.SESSION_COOKIE_NAME].value).expire_date


def test_use_pushes_the_end_of_the_session_back_writing_it_once_a_minute(world, client_as, settings):
    client = client_as(world.users["nurse"])
    client.get("/personnes/")
    first = _expiry(client)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/personnes/").status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert _expiry(client) == first  # used within the minute: not written again
    # A minute later (the last write dated back), the next use writes the session with a new end.
    session = client.session
    session[SessionIdleMiddleware.KEY] -= settings.SESSION_TOUCH_SECONDS
    session.save()
    before = _expiry(client)
    client.get("/personnes/")
    assert _expiry(client) > before


def test_a_request_without_a_session_or_with_a_stale_one_creates_none(world, client, api_as):
    count = Session.objects.count()
    api_as(world.users["nurse"]).get("/persons")
    client.cookies[dj_settings.SESSION_COOKIE_NAME] = "no-such-session-key-0123456789abc"
    client.get("/compte/connexion/")
    assert Session.objects.count() == count
