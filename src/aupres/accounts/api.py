from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from aupres.accounts import services
from aupres.accounts.models import ApiToken
from aupres.core.errors import DomainError, Forbidden

router = Router(tags=["auth"])


class Credentials(Schema):
    username: str = Field(max_length=150)
    password: str = Field(max_length=200)
    otp: str | None = Field(None, max_length=16, description="The current TOTP code (or a recovery code): "
                            "required for accounts with two-factor authentication.")


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105
    expires_at: str


class Me(Schema):
    id: int
    username: str
    kind: str
    first_name: str
    last_name: str
    rpps_confirmed: bool = Field(description="The account's RPPS was confirmed by the identity provider at the "
                                 "last sign-in through it (read only: only that sign-in sets it).")


@router.post("/token", auth=None, response={200: TokenOut}, summary="Get a bearer token")
def issue_token(request, credentials: Credentials):
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        raise DomainError(_("Wrong username or password."), code="invalid_credentials", status=401)
    if services.needs_second_factor(user):
        if not services.has_confirmed_totp(user):
            raise Forbidden(
                _("Two-factor authentication is required for this account: sign in once on screen to "
                  "enrol your phone (%(path)s), then send the code in the field \"otp\".")
                % {"path": reverse("accounts:otp_enrol")},
                code="otp_enrolment_required", field="otp",
            )
        if not credentials.otp:
            raise DomainError(_("Send the code of your authenticator app in the field \"otp\"."),
                              code="otp_required", field="otp", status=401)
        if services.check_second_factor(user, credentials.otp) is None:
            raise DomainError(_("Wrong or expired code."), code="invalid_otp", field="otp", status=401)
    token, raw = ApiToken.issue(user)
    return {"token": raw, "expires_at": token.expires_at.isoformat()}


class SignedOut(Schema):
    revoked_tokens: int


@router.post("/logout-everywhere", response=SignedOut, summary="End every session and revoke every token")
def logout_everywhere(request):
    return {"revoked_tokens": services.sign_out_everywhere(request.user)}


@router.get("/me", response=Me, summary="The signed-in account")
def me(request):
    return request.user
