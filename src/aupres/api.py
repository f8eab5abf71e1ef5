"""The API root: /api/v1/, token auth for machines, session auth (with CSRF) for the browser.

Errors are always JSON: {"code": machine code, "message": French text, "field": the field or null}.
"""

from csp.decorators import csp_update
from django.db import DataError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, django_auth

from aupres.accounts.api import router as accounts_router
from aupres.accounts.models import ApiToken
from aupres.accounts.services import token_owner
from aupres.audit.api import router as audit_router
from aupres.calls.api import router as calls_router
from aupres.care.api import router as care_router
from aupres.core.errors import DomainError
from aupres.core.validators import check_typed_data
from aupres.customfields.api import router as customfields_router
from aupres.encounters.api import router as encounters_router
from aupres.field.api import router as field_router
from aupres.followups.api import router as followups_router
from aupres.imports.api import router as imports_router
from aupres.indicators.api import router as indicators_router
from aupres.letters.api import router as letters_router
from aupres.partnerships.api import router as partnerships_router
from aupres.persons.api import households_router, persons_router
from aupres.places.api import router as places_router
from aupres.quality.api import router as quality_router
from aupres.referrals.api import router as referrals_router
from aupres.services.api import router as services_router
from aupres.sharing.api import router as sharing_router


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        found = token_owner(token)
        if found is None:
            return None
        pk, last_used_at, user = found
        if not user.is_active:
            return None
        now = timezone.now()
        if not last_used_at or (now - last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=pk).update(last_used_at=now)
        request.user = user
        return user


class CheckedParser(Parser):
    """Every value sent to the API passes core.validators (issue #11): no control character nor null byte
    in text, typed dates from 1900 to next year, integers a database can store; else 400 with the field."""

    def _check(self, data):
        found = check_typed_data(data)
        if found:
            field, error = found
            raise DomainError(error.messages[0], field=field, code=error.code or "invalid")
        return data

    def parse_body(self, request):
        return self._check(super().parse_body(request))

    def parse_querydict(self, data, list_fields, request):
        parsed = super().parse_querydict(data, list_fields, request)
        # Numbers arrive as text here: one no database column holds is checked as a number.
        self._check({k: (int(v) if isinstance(v, str) and v.isdigit() and len(v) > 18 else v)
                     for k, v in parsed.items()})
        return parsed


api = NinjaAPI(
    parser=CheckedParser(),
    title="Auprès API",
    version="1",
    urls_namespace="api",
    auth=[BearerToken(), django_auth],
    # The interactive docs (Swagger UI, served from our static files) draw with inline styles and data:
    # images; the rest of the site keeps the strict policy.
    docs_decorator=csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["data:"]}),
    description="Suivi des personnes accompagnées par les équipes mobiles santé-social. "
    "Authentification : jeton (POST /api/v1/auth/token) ou session du navigateur.",
)


def error_body(code, message, field=None, **extra):
    return {"code": code, "message": str(message), "field": field, **extra}


@api.exception_handler(DomainError)
def on_domain_error(request, exc):
    return api.create_response(
        request, error_body(exc.code, exc.message, exc.field, details=exc.details), status=exc.status
    )


def _field_of(loc):
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "data")]
    return ".".join(parts) or None


@api.exception_handler(DataError)
def on_data_error(request, exc):
    # Values the database cannot store (NUL characters in PostgreSQL text, out-of-range numbers):
    # refused as bad input; nothing was saved, since the failing statement is rolled back.
    return api.create_response(
        request, error_body("invalid_data", _("Some values contain characters or numbers that cannot be stored.")),
        status=400,
    )


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc):
    errors = [{"field": _field_of(e.get("loc", ())), "message": e.get("msg", ""), "type": e.get("type")}
              for e in exc.errors]
    first = errors[0] if errors else {"field": None}
    return api.create_response(
        request,
        error_body("validation_error", _("Some fields are not valid."), first["field"], errors=errors),
        status=422,
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return api.create_response(
        request, error_body("unauthenticated", _("Sign in, or send a valid token.")), status=401
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    if isinstance(exc.__cause__, DomainError):  # refused by CheckedParser while ninja read the body
        return on_domain_error(request, exc.__cause__)
    return api.create_response(request, error_body("http_error", exc.message), status=exc.status_code)


def _register():
    api.add_router("/auth", accounts_router)
    api.add_router("/", services_router)
    api.add_router("/persons", persons_router)
    api.add_router("/households", households_router)
    # Each capability's router declares its own paths under /api/v1/ (referrals, followups, encounters…).
    api.add_router("/", referrals_router)
    api.add_router("/", followups_router)
    api.add_router("/", encounters_router)
    api.add_router("/", audit_router)
    api.add_router("/", sharing_router)
    api.add_router("/", indicators_router)
    api.add_router("/", places_router)
    api.add_router("/", field_router)
    api.add_router("/", care_router)
    api.add_router("/", imports_router)
    api.add_router("/", calls_router)
    api.add_router("/", partnerships_router)
    api.add_router("/", letters_router)
    api.add_router("/", quality_router)
    api.add_router("/", customfields_router)


_register()
