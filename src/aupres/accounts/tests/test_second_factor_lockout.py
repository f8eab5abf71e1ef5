"""After OTP_FAILURE_LIMIT wrong second-factor codes in a row (TOTP or recovery), the code step of the
account is locked for OTP_LOCK_MINUTES, or until an administrator unlocks it; a right code resets the count."""

import contextlib
import datetime
import io
import logging

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aupres.accounts import services
from aupres.accounts.models import User
from conftest import PASSWORD, otp_device, otp_token

pytestmark = pytest.mark.django_db


def password_only(user):
    client = Client()
    client.force_login(user)
    return client


def wrong(device):
    """A six-digit code that is not the current one."""
    right = otp_token(device)
    return "000000" if right != "000000" else "111111"


def unthrottle(device):
    # django-otp slows down the next try after a failure; the lock-out is what these tests look at.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None, throttling_failure_count=0)


@pytest.fixture
def limit(settings):
    settings.OTP_FAILURE_LIMIT = 3
    settings.OTP_LOCK_MINUTES = 30
    return 3


def test_wrong_codes_lock_the_code_step_even_for_the_right_code(world, limit, caplog):
    user = world.users["doctor"]
    device = otp_device(user)
    client = password_only(user)
    caplog.set_level(logging.INFO)
    for _i in range(limit - 1):
        r = client.post("/compte/verification/", {"token": wrong(device)})
        assert r.status_code == 200 and "token" in r.context["form"].errors
        unthrottle(device)
    r = client.post("/compte/verification/", {"token": wrong(device)})
    assert r.status_code == 429 and 'data-testid="otp-locked"' in r.content.decode()
    assert 'id="otp-submit"' not in r.content.decode()
    user.refresh_from_db()
    assert user.otp_locked_until > timezone.now() + datetime.timedelta(minutes=29)
    unthrottle(device)
    # Locked: the right code is refused too, the screen says so, nothing else opens.
    r = client.post("/compte/verification/", {"token": otp_token(device)})
    assert r.status_code == 429 and 'data-testid="otp-locked"' in r.content.decode()
    assert client.get("/compte/verification/").status_code == 200
    assert 'data-testid="otp-locked"' in client.get("/compte/verification/").content.decode()
    assert client.get("/personnes/").status_code == 302
    # The log names the account by id only.
    messages = [r.getMessage() for r in caplog.records if r.name == "aupres.accounts.services"]
    assert messages == [f"second factor locked for account {user.pk}"]
    assert all(user.username not in r.getMessage() for r in caplog.records)
    # Once the period is over, the right code works and resets the count.
    User.objects.filter(pk=user.pk).update(otp_locked_until=timezone.now() - datetime.timedelta(seconds=1))
    r = client.post("/compte/verification/", {"token": otp_token(device)})
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.otp_failures == 0 and user.otp_locked_until is None


def test_a_right_code_resets_the_count(world, limit):
    user = world.users["nurse"]
    device = otp_device(user)
    for _round in range(3):
        for _i in range(limit - 1):
            assert services.check_second_factor(user, wrong(device)) is None
            unthrottle(device)
        assert services.check_second_factor(user, otp_token(device)) is not None
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # the same code again, for the test
        user.refresh_from_db()
        assert user.otp_failures == 0 and user.otp_locked_until is None


def test_recovery_codes_count_as_attempts(world, limit):
    user = world.users["nurse"]
    otp_device(user)
    codes = services.new_recovery_codes(user)
    for _i in range(limit - 1):
        assert services.check_second_factor(user, "abcdefgh") is None
    with pytest.raises(services.SecondFactorLocked):
        services.check_second_factor(user, "zzzzzzzz")
    # A real recovery code does not open a locked account, and is not used up by trying.
    with pytest.raises(services.SecondFactorLocked):
        services.check_second_factor(user, codes[0])
    assert StaticToken.objects.filter(device__user=user).count() == len(codes)
    services.unlock_second_factor(user)
    assert services.check_second_factor(user, codes[0]) is not None
    assert StaticToken.objects.filter(device__user=user).count() == len(codes) - 1


def test_the_api_answers_429_while_locked(world, limit):
    user = world.users["nurse"]
    device = otp_device(user)
    client = Client()

    def token_request(code):
        return client.post("/api/v1/auth/token", {"username": "nurse", "password": PASSWORD, "otp": code},
                           content_type="application/json")

    for _i in range(limit - 1):
        assert token_request(wrong(device)).json()["code"] == "invalid_otp"
        unthrottle(device)
    r = token_request(wrong(device))
    assert r.status_code == 429 and r.json()["code"] == "otp_locked" and r.json()["field"] is None
    unthrottle(device)
    assert token_request(otp_token(device)).status_code == 429


def test_lock_until_an_administrator_unlocks(world, limit, settings):
    settings.OTP_LOCK_MINUTES = 0
    user = world.users["nurse"]
    device = otp_device(user)
    for _i in range(limit):
        try:
            services.check_second_factor(user, wrong(device))
        except services.SecondFactorLocked as error:
            # The message without a time: locked until an administrator unlocks.
            assert str(error.message) == str(services.locked_error(services.LOCKED_UNTIL_UNLOCKED).message)
            assert str(error.message) != str(services.locked_error(timezone.now()).message)
        unthrottle(device)
    assert services.second_factor_locked_until(user, timezone.now() + datetime.timedelta(days=3650))
    out = io.StringIO()
    call_command("unlock_second_factor", "nurse", stdout=out)
    assert out.getvalue().strip() == "Unlocked."
    assert services.second_factor_locked_until(user) is None
    assert services.check_second_factor(user, otp_token(device)) is not None
    out = io.StringIO()
    call_command("unlock_second_factor", "nurse", stdout=out)
    assert out.getvalue().strip() == "This account was not locked."


def test_one_account_locked_does_not_lock_another(world, limit):
    locked, other = world.users["nurse"], world.users["doctor"]
    device, other_device = otp_device(locked), otp_device(other)
    for _i in range(limit):
        with contextlib.suppress(services.SecondFactorLocked):
            services.check_second_factor(locked, wrong(device))
        unthrottle(device)
    assert services.second_factor_locked_until(locked) is not None
    assert services.check_second_factor(other, otp_token(other_device)) is not None
