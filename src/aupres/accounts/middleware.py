"""Second factor: an account that can reach a person must confirm its TOTP code before anything else.

After the password, an unverified session of such an account reaches only the code screen, the
enrolment screen and sign-out; on the API it authenticates nothing (tokens are issued with the code).
A session opened through the identity provider (Pro Santé Connect, D55) is not asked for the code.
"""

from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect

from aupres.accounts import services

OPEN_TO_UNVERIFIED = {"accounts:login", "accounts:logout", "accounts:otp_verify", "accounts:otp_enrol"}


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith("/static/"):
            return None
        user = request.user
        if not services.needs_second_factor(user) or user.is_verified():
            return None
        if services.signed_in_by_provider(request):
            return None  # the identity provider did the strong authentication (docs/security.md, D55)
        if request.path.startswith("/api/"):
            # A session that has not given its code is no session for the API.
            request.user = AnonymousUser()
            return None
        match = request.resolver_match
        if match and match.view_name in OPEN_TO_UNVERIFIED:
            return None
        target = "accounts:otp_verify" if services.has_confirmed_totp(user) else "accounts:otp_enrol"
        response = redirect(target)
        if request.method == "GET":
            response["Location"] += "?" + urlencode({"next": request.get_full_path()})
        return response
