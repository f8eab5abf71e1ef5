import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from aupres.core.validators import validate_adeli, validate_rpps


class AccountKind(models.TextChoices):
    # Team members reach persons through their memberships; the other kinds never reach a person.
    STAFF = "staff", _("Team member")
    PARTNER = "partner", _("Referring partner")
    REGULATOR = "regulator", _("Regulator")
    FUNDER = "funder", _("Funder")


class User(AbstractUser):
    kind = models.CharField(
        _("account kind"), max_length=16, choices=AccountKind.choices, default=AccountKind.STAFF
    )
    organisation = models.CharField(
        _("organisation"), max_length=200, blank=True,
        help_text=_("For partner and funder accounts: the organisation they act for."),
    )
    territory = models.ForeignKey(
        "services.Territory", verbose_name=_("territory"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
        help_text=_("For regulator and funder accounts."),
    )
    # Health professionals' identifiers (issue #11): a profession that opens the health compartment is
    # granted only to an account holding one of them (core.validators checks the format and the key).
    rpps = models.CharField(_("RPPS number"), max_length=11, blank=True,
                            validators=[validate_rpps],
                            help_text=_("11 digits (Répertoire partagé des professionnels de santé)."))
    adeli = models.CharField(_("ADELI number"), max_length=9, blank=True,
                             validators=[validate_adeli], help_text=_("9 characters."))
    # The professional identity the OpenID Connect provider (Pro Santé Connect) confirmed at the last sign-in
    # through it (issue #17, D55): written only by accounts.services.sign_in_professional, never by a form,
    # the admin or the API. The RPPS counts as confirmed while it equals the account's `rpps`.
    rpps_verified = models.CharField(_("RPPS confirmed by the identity provider"), max_length=11, blank=True,
                                     editable=False)
    rpps_verified_at = models.DateTimeField(_("identity confirmed on"), null=True, blank=True, editable=False)
    idp_professions = models.JSONField(_("professions returned by the identity provider"), default=list,
                                       blank=True, editable=False)
    # Raised by "sign out everywhere": every session opened before no longer matches its hash.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    # Second-factor lock-out (accounts.services.check_second_factor): wrong codes in a row, and the
    # moment the code step opens again once OTP_FAILURE_LIMIT of them locked it.
    otp_failures = models.PositiveSmallIntegerField(default=0, editable=False)
    otp_locked_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        """A person's name on every screen (issue #13): the full name, the login only when no name is set."""
        return self.get_full_name() or self.get_username()

    @property
    def health_professional_id(self):
        return self.rpps or self.adeli

    @property
    def rpps_confirmed(self):
        """The account's RPPS is the one the identity provider returned at the last sign-in through it."""
        return bool(self.rpps) and self.rpps == self.rpps_verified

    @property
    def is_team_member(self):
        return self.kind == AccountKind.STAFF

    def save(self, *args, **kwargs):
        # A new password (changed or reset, on any screen, the admin or manage.py) ends every API token of
        # the account; its other sessions end because the session hash is derived from the password
        # (the screen that changes it keeps its own session with update_session_auth_hash). Issue #11.
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            ApiToken.objects.filter(user=self, revoked_at__isnull=True).update(revoked_at=timezone.now())

    def _get_session_auth_hash(self, secret=None):
        # Django checks this hash on every request and ends the session when it differs: mixing the
        # epoch in ends all of the user's sessions at once. Epoch 0 keeps Django's own hash.
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "aupres.accounts.User.session_auth_hash", f"{self.password}:{self.session_epoch}",
            secret=secret, algorithm="sha256",
        ).hexdigest()


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def valid(self, now=None):
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ApiToken(models.Model):
    """A bearer token for machine clients. Only its hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="First characters, to recognise a token.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    @classmethod
    def issue(cls, user):
        raw = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            token_hash=hash_token(raw),
            prefix=raw[:8],
            expires_at=timezone.now() + datetime.timedelta(days=settings.API_TOKEN_LIFETIME_DAYS),
        )
        return token, raw
