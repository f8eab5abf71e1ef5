"""Accounts: second factor (TOTP and recovery codes) and signing out everywhere."""

import django_otp
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aupres.accounts.models import AccountKind, ApiToken, User

RECOVERY_CODES = 10
TOTP_NAME = "Auprès"
RECOVERY_NAME = "recovery"


def needs_second_factor(user):
    """Team members (who reach persons) always; other accounts once they enrolled a device."""
    if not settings.REQUIRE_2FA or not getattr(user, "is_authenticated", False):
        return False
    return user.kind == AccountKind.STAFF or has_confirmed_totp(user)


def has_confirmed_totp(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp_device(user):
    """The device being enrolled: unconfirmed until the user typed one code it produced."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_totp(device, token):
    """Confirm the enrolment if the token is right: the new device replaces any older one.
    Returns the fresh recovery codes, or None when the token is wrong."""
    if not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_recovery_codes(device.user)


@transaction.atomic
def new_recovery_codes(user):
    """Ten single-use codes for when the phone is lost; the old ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME,
                                                          defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def check_second_factor(user, token):
    """The device that accepts this TOTP code or recovery code (a recovery code is used up), or None."""
    token = (token or "").strip().replace(" ", "")
    if not token or len(token) > 16:
        return None
    return django_otp.match_token(user, token)


@transaction.atomic
def sign_out_everywhere(user):
    """End every session of the user (their hash no longer matches) and revoke their API tokens."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    revoked = ApiToken.objects.valid().filter(user=user).update(revoked_at=timezone.now())
    user.refresh_from_db(fields=["session_epoch"])
    return revoked
