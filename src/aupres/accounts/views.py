"""Sign-in screens: password, then the second factor (TOTP code or recovery code); enrolment;
account security (recovery codes, sign out everywhere); the sign-in through the identity provider (D55)."""

from base64 import b32encode

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from aupres.accounts import services
from aupres.accounts.backends import REFUSAL_ATTRIBUTE
from aupres.accounts.forms import EnrolForm, OtpForm


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = AuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_label"] = settings.OIDC_LABEL if settings.OIDC_ENABLED else ""
        return context


def _provider_on():
    if not settings.OIDC_ENABLED:
        raise Http404


@login_not_required
@require_GET
def oidc_login(request):
    """To the identity provider's authorization endpoint (state, nonce and PKCE kept in the session)."""
    _provider_on()
    return OIDCAuthenticationRequestView.as_view()(request)


class ProviderCallbackView(OIDCAuthenticationCallbackView):
    def login_failure(self):
        message = getattr(self.request, REFUSAL_ATTRIBUTE, None) or _(
            "The sign-in through the identity provider did not succeed. Try again, or sign in with your "
            "password.")
        messages.error(self.request, message)
        return redirect(settings.LOGIN_URL)


@login_not_required
@require_GET
def oidc_callback(request):
    """Back from the provider: code exchanged for tokens, id_token checked, userinfo read, account matched."""
    _provider_on()
    return ProviderCallbackView.as_view()(request)


def _next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


@require_http_methods(["GET", "POST"])
def otp_verify(request):
    user = request.user
    if not services.needs_second_factor(user) or user.is_verified() or services.signed_in_by_provider(request):
        return redirect(_next(request))
    if not services.has_confirmed_totp(user):
        return redirect("accounts:otp_enrol")
    form = OtpForm(request.POST or None)
    locked_until = services.second_factor_locked_until(user)
    if locked_until is not None:
        return render(request, "accounts/otp_verify.html", {"locked": services.locked_error(locked_until).message},
                      status=429 if request.method == "POST" else 200)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.check_second_factor(user, form.cleaned_data["token"])
        except services.SecondFactorLocked as error:
            return render(request, "accounts/otp_verify.html", {"locked": error.message}, status=429)
        if device is not None:
            django_otp.login(request, device)
            request.session.cycle_key()
            if device.persistent_id.startswith("otp_static"):
                messages.warning(request, _("You used a recovery code. %(n)s codes left.") % {
                    "n": services.recovery_codes_left(user)})
            return redirect(_next(request))
        form.add_error("token", _("Wrong or expired code. Wait a few seconds and try the next code."))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next(request)})


def _qr_svg(device):
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff",
                                                              omitsize=False)


def _grouped_secret(device):
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@require_http_methods(["GET", "POST"])
def otp_enrol(request):
    user = request.user
    if services.has_confirmed_totp(user) and not user.is_verified():
        # Replacing a device needs the current one: a stolen password alone must not enrol a phone.
        return redirect("accounts:otp_verify")
    device = services.pending_totp_device(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.confirm_totp(device, form.cleaned_data["token"])
        if codes is not None:
            django_otp.login(request, device)
            request.session.cycle_key()
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "enrolled": True})
        form.add_error("token", _("This code does not match. Check the phone's clock and type the current code."))
    return render(request, "accounts/otp_enrol.html", {
        "form": form, "qr_svg": _qr_svg(device), "secret": _grouped_secret(device),
        "replacing": services.has_confirmed_totp(user),
    })


def security(request):
    return render(request, "accounts/security.html", {
        "has_totp": services.has_confirmed_totp(request.user),
        "codes_left": services.recovery_codes_left(request.user),
        "required": services.needs_second_factor(request.user),
        "by_provider": services.signed_in_by_provider(request),
    })


@require_POST
def recovery_codes(request):
    if not services.has_confirmed_totp(request.user):
        return redirect("accounts:otp_enrol")
    codes = services.new_recovery_codes(request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "enrolled": False})


@require_POST
def logout_everywhere(request):
    services.sign_out_everywhere(request.user)
    logout(request)
    messages.success(request, _("You are signed out on every device, and your API tokens are revoked."))
    return redirect("accounts:login")


def locked_out(request, response=None, credentials=None):
    """django-axes answer once a username is locked out from this address (no username echoed)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("Too many failed sign-in attempts. Try again in %(minutes)s minutes, or ask your "
                "head of service.") % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "locked_out", "message": message, "field": None}, status=429)
    return render(request, "accounts/locked_out.html", {"message": message}, status=429)
