"""Accounts: second factor (TOTP and recovery codes), its lock-out, signing out everywhere, and the sign-in
through an OpenID Connect identity provider (Pro Santé Connect: issue #17, D55)."""

import datetime
import logging
import re
from dataclasses import dataclass

import django_otp
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aupres.accounts.models import AccountKind, ApiToken, User, hash_token
from aupres.core.errors import DomainError
from aupres.core.prepared import PreparedQuery
from aupres.core.validators import validate_rpps

logger = logging.getLogger(__name__)

RECOVERY_CODES = 10
TOTP_NAME = "Auprès"
RECOVERY_NAME = "recovery"


def signed_in_by_provider(request):
    """The session was opened by the identity provider (which did the strong authentication), not by a
    password: Django wrote the backend's path in the session at login, nothing else can."""
    return bool(settings.OIDC_ENABLED) and request.session.get(BACKEND_SESSION_KEY) == settings.OIDC_BACKEND


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


# --- Sign-in through the identity provider (issue #17, D55) -------------------------------------------------

class ProfessionalRefused(DomainError):
    """The provider authenticated someone, but Auprès lets them in to no account. `outcome` is the journal's."""

    status = 403
    code = "oidc_refused"

    def __init__(self, message, outcome, user=None):
        super().__init__(message, code=self.code)
        self.outcome = outcome
        self.user = user


@dataclass(frozen=True)
class ProfessionalIdentity:
    """What the provider says of the professional, checked: an RPPS with a valid key or "", profession codes."""

    subject: str
    rpps: str
    professions: tuple
    email: str
    email_verified: bool


_CODE = re.compile(r"^[0-9A-Za-z_-]{1,16}$")


def _rpps_of(value):
    """The RPPS in a claim: 11 digits, or the national identifier IdNat_PS "8" + RPPS; "" when none is valid
    (an ADELI-based identifier "0…" is not an RPPS)."""
    value = str(value or "").strip()
    if len(value) == 12 and value.startswith("8"):
        value = value[1:]
    try:
        validate_rpps(value)
    except ValidationError:
        return ""
    return value


def _professions_of(value):
    """Profession codes: a code, a list of codes, or Pro Santé Connect's SubjectRefPro {"exercices": [...]}."""
    if isinstance(value, dict):
        value = [e.get("codeProfession") for e in value.get("exercices") or [] if isinstance(e, dict)]
    elif not isinstance(value, list):
        value = [value]
    codes = [str(code).strip() for code in value if code is not None]
    return tuple(dict.fromkeys(code for code in codes if _CODE.match(code)))[:10]


def professional_identity(claims):
    """Read the userinfo claims (merged over the id_token's) under the configured claim names."""
    return ProfessionalIdentity(
        subject=str(claims.get("sub") or ""),
        rpps=_rpps_of(claims.get(settings.OIDC_RPPS_CLAIM)),
        professions=_professions_of(claims.get(settings.OIDC_PROFESSION_CLAIM)),
        email=str(claims.get("email") or "").strip()[:254],
        email_verified=claims.get("email_verified") in (True, "true"),
    )


def _unknown():
    return ProfessionalRefused(
        _("No Auprès account is linked to this professional identity, and none is created automatically. Ask "
          "an administrator or your operator's medical lead to record your RPPS number on your account."),
        "unknown")


def match_professional(identity):
    """The one account this professional may enter, or ProfessionalRefused.

    By RPPS first (the account's `rpps`, recorded by an administrator or the medical lead with a health
    grant, or `manage.py link_professional`); else, with AUPRES_OIDC_MATCH_EMAIL, by an e-mail the provider
    says it verified, and only an account holding no other RPPS. Never an administrator's account (they sign
    in with password and code), never a deactivated one, never one of several."""
    found = []
    if identity.rpps:
        found = list(User.objects.filter(rpps=identity.rpps)[:2])
    if not found and settings.OIDC_MATCH_EMAIL and identity.email and identity.email_verified:
        found = list(User.objects.filter(email__iexact=identity.email)[:2])
        if len(found) == 1 and identity.rpps and found[0].rpps and found[0].rpps != identity.rpps:
            raise ProfessionalRefused(
                _("The RPPS number returned by the identity provider is not the one recorded on your Auprès "
                  "account. Ask an administrator to check it."), "rpps_mismatch", found[0])
    if not found:
        raise _unknown()
    if len(found) > 1:
        raise ProfessionalRefused(
            _("Several Auprès accounts match this professional identity. Ask an administrator to keep only "
              "one."), "ambiguous")
    user = found[0]
    if not user.is_active:
        raise ProfessionalRefused(_("This Auprès account is deactivated."), "inactive", user)
    if user.is_superuser or user.is_staff:
        raise ProfessionalRefused(
            _("Administrator accounts sign in with their password and their second factor."),
            "administrator", user)
    return user


@transaction.atomic
def sign_in_professional(identity):
    """Match the account, then record on it what the provider confirmed: its RPPS (written on an account
    that had none, found by e-mail) and the profession codes returned. Nothing else of the account changes:
    its memberships stay those an administrator, the medical lead or a head of service gave."""
    user = match_professional(identity)
    user = User.objects.select_for_update().get(pk=user.pk)
    fields = ["rpps_verified", "rpps_verified_at", "idp_professions"]
    if identity.rpps and not user.rpps:
        user.rpps = identity.rpps
        fields.append("rpps")
    user.rpps_verified = identity.rpps
    user.rpps_verified_at = timezone.now() if identity.rpps else None
    user.idp_professions = list(identity.professions)
    user.save(update_fields=fields)
    logger.info("identity provider sign-in for account %s (rpps confirmed: %s)", user.pk, user.rpps_confirmed)
    return user


def link_professional(user, rpps):
    """An administrator records the RPPS of an account (`manage.py link_professional`), so that its holder
    signs in through the identity provider. Refused when another account holds it."""
    rpps = (rpps or "").strip()
    try:
        validate_rpps(rpps)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="rpps", code="invalid_rpps") from None
    if User.objects.filter(rpps=rpps).exclude(pk=user.pk).exists():
        raise DomainError(_("Another account already holds this RPPS number."), field="rpps", code="rpps_taken")
    user.rpps = rpps
    user.save(update_fields=["rpps"])
    return user


# API tokens -------------------------------------------------------------------------------------

_USER_COLUMNS = [field.attname for field in User._meta.concrete_fields]
_TOKEN_OWNER = PreparedQuery(
    lambda *, token_hash, now: ApiToken.objects.valid(now).filter(token_hash=token_hash).values_list(
        "pk", "last_used_at", *(f"user__{name}" for name in _USER_COLUMNS)).order_by()[:1],
    token_hash="str", now="datetime")  # noqa: S106 — the kind of the value, not a secret


def token_owner(raw_token):
    """(token id, last used at, user) for a valid API token, or None. Every API request reads it: one query,
    compiled once (core.prepared, D77)."""
    rows = _TOKEN_OWNER.rows(token_hash=hash_token(raw_token), now=timezone.now())
    if not rows:
        return None
    pk, last_used_at, *user_values = rows[0]
    return pk, last_used_at, User.from_db(router.db_for_read(User), _USER_COLUMNS, user_values)
