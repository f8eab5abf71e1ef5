from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Router, Schema

from aupres.accounts.models import ApiToken
from aupres.core.errors import DomainError

router = Router(tags=["auth"])


class Credentials(Schema):
    username: str
    password: str


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


@router.post("/token", auth=None, response={200: TokenOut}, summary="Get a bearer token")
def issue_token(request, credentials: Credentials):
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        raise DomainError(_("Wrong username or password."), code="invalid_credentials", status=401)
    token, raw = ApiToken.issue(user)
    return {"token": raw, "expires_at": token.expires_at.isoformat()}


@router.get("/me", response=Me, summary="The signed-in account")
def me(request):
    return request.user
