"""Accounts: second factor (TOTP and recovery codes), its lock-out, and signing out everywhere."""

import datetime
import logging

import django_otp
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aupres.accounts.models import AccountKind, ApiToken, User
from aupres.core.errors import DomainError

logger = logging.getLogger(__name__)

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


# A lock "until an administrator unlocks" (settings.OTP_LOCK_MINUTES = 0) lasts until this date.
LOCKED_UNTIL_UNLOCKED = datetime.datetime(9999, 1, 1, tzinfo=datetime.UTC)


class SecondFactorLocked(DomainError):
    status = 429
    code = "otp_locked"


def second_factor_locked_until(user, now=None):
    """When the code step of this account opens again, or None when it is open."""
    until = User.objects.filter(pk=user.pk).values_list("otp_locked_until", flat=True).first()
    return until if until and until > (now or timezone.now()) else None


def locked_error(until):
    if until >= LOCKED_UNTIL_UNLOCKED:
        message = _("Too many wrong codes: the second factor of this account is locked. Ask an "
                    "administrator to unlock it.")
    else:
        message = _("Too many wrong codes: the second factor of this account is locked until %(time)s. "
                    "Ask an administrator to unlock it sooner.") % {
            "time": formats.date_format(timezone.localtime(until), "DATETIME_FORMAT")}
    return SecondFactorLocked(message)  # the account is locked, not one field wrong


def check_second_factor(user, token):
    """The device that accepts this TOTP code or recovery code (a recovery code is used up), or None.

    Every refused code, TOTP or recovery, counts; settings.OTP_FAILURE_LIMIT of them in a row lock the
    code step of the account for settings.OTP_LOCK_MINUTES (0: until `unlock_second_factor`), and
    raise SecondFactorLocked, as does every try while locked, right code or not. A right code resets
    the count. Logs carry the account id only."""
    token = (token or "").strip().replace(" ", "")
    now = timezone.now()
    with transaction.atomic():
        account = User.objects.select_for_update().only("pk", "otp_failures", "otp_locked_until").get(pk=user.pk)
        if account.otp_locked_until and account.otp_locked_until > now:
            locked = account.otp_locked_until
            device = None
        else:
            locked = None
            device = django_otp.match_token(user, token) if token and len(token) <= 16 else None
            if device is not None:
                if account.otp_failures or account.otp_locked_until:
                    User.objects.filter(pk=user.pk).update(otp_failures=0, otp_locked_until=None)
            elif account.otp_failures + 1 >= settings.OTP_FAILURE_LIMIT:
                minutes = settings.OTP_LOCK_MINUTES
                locked = now + datetime.timedelta(minutes=minutes) if minutes > 0 else LOCKED_UNTIL_UNLOCKED
                User.objects.filter(pk=user.pk).update(otp_failures=0, otp_locked_until=locked)
                logger.warning("second factor locked for account %s", user.pk)
            else:
                User.objects.filter(pk=user.pk).update(otp_failures=F("otp_failures") + 1)
    if locked is not None:  # raised once the count is committed
        raise locked_error(locked)
    return device


def unlock_second_factor(user):
    """An administrator opens the code step of a locked account again. True when it was locked."""
    was_locked = second_factor_locked_until(user) is not None
    User.objects.filter(pk=user.pk).update(otp_failures=0, otp_locked_until=None)
    for device in django_otp.devices_for_user(user, confirmed=None):
        if hasattr(device, "throttle_reset"):  # django-otp's own delay after failures starts again too
            device.throttle_reset(commit=True)
    if was_locked:
        logger.info("second factor unlocked for account %s", user.pk)
    return was_locked


@transaction.atomic
def sign_out_everywhere(user):
    """End every session of the user (their hash no longer matches) and revoke their API tokens."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    revoked = ApiToken.objects.valid().filter(user=user).update(revoked_at=timezone.now())
    user.refresh_from_db(fields=["session_epoch"])
    return revoked
