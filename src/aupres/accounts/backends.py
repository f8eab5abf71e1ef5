"""Sign-in through an OpenID Connect identity provider (Pro Santé Connect; issue #17, D55), with
mozilla-django-oidc doing the code flow (state, nonce, PKCE, token exchange, JWKS, userinfo).

Stricter than the library's defaults: the id_token's audience must be our client id and its issuer the
configured one (the library checks neither), its `sub` must be the userinfo's, and the account is matched
by accounts.services (never created). Listed in AUTHENTICATION_BACKENDS only while AUPRES_OIDC_CLIENT_ID is
set, so that switching the provider off also ends the sessions it opened.
"""

import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.utils.encoding import smart_str
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from aupres.accounts import services
from aupres.audit.services import record_sign_in

logger = logging.getLogger(__name__)

REFUSAL_ATTRIBUTE = "aupres_oidc_refusal"


def is_provider_attempt(request, credentials=None):
    """AXES_WHITELIST_CALLABLE: django-axes counts wrong passwords; a sign-in through the provider has none
    (the provider throttles its own). Counted, refusals of unknown professionals behind one hospital's address
    would lock every professional of that address out. Only the callback passes a nonce; a password form
    cannot."""
    return "nonce" in (credentials or {})


class ProfessionalIdentityBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce: a password sign-in never reaches the provider.
        if request is None or not kwargs.get("nonce"):
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, requests.RequestException, jwt.PyJWTError, KeyError, ValueError) as exc:
            logger.warning("identity provider sign-in failed: %s", type(exc).__name__)
            record_sign_in(None, "failed")
            return None

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        alg = header.get("alg")
        if alg != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("The provider's algorithm is not the one configured.")
        try:
            return jwt.decode(payload, key, algorithms=[alg], audience=self.OIDC_RP_CLIENT_ID,
                              issuer=settings.OIDC_ISSUER,
                              options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"id_token refused: {type(exc).__name__}") from None

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict) or smart_str(userinfo.get("sub")) != smart_str(payload.get("sub")):
            record_sign_in(None, "failed")  # the library catches this one itself: journaled here
            raise SuspiciousOperation("The userinfo's sub is not the id_token's.")
        identity = services.professional_identity({**payload, **userinfo})
        try:
            user = services.sign_in_professional(identity)
        except services.ProfessionalRefused as refusal:
            record_sign_in(refusal.user, refusal.outcome)
            setattr(self.request, REFUSAL_ATTRIBUTE, refusal.message)
            return None
        record_sign_in(user, "signed_in")
        return user

    def get_user(self, user_id):
        # The library's get_user ignores is_active: a deactivated account must lose its session at once.
        return ModelBackend.get_user(self, user_id)
