"""A real OpenID Connect provider for the sign-in tests (issue #17): django-oidc-provider in a small Django
project of its own, run as a separate process on a free port of 127.0.0.1.

    python oidc_provider_server.py CONFIG.json

CONFIG holds the database path, the client (id, secret, redirect URI) and the professionals who can sign in
there: username, password, and the claims a Pro Santé Connect-like provider returns (the RPPS as its
national identifier "8" + RPPS in `SubjectNameID`, the profession codes in `SubjectRefPro.exercices`).
It binds the port first, then prints one line `READY http://127.0.0.1:<port>` once it serves; the issuer is
`http://127.0.0.1:<port>/openid`. It signs its id_tokens with a fresh RSA key (RS256, published on
/openid/jwks). Nothing here is Auprès code: the test drives it as a browser would.
"""

import json
import socketserver
import sys
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

CONFIG = json.loads(Path(sys.argv[1]).read_text()) if __name__ == "__main__" else {}


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def userinfo(claims, user):
    """OIDC_USERINFO: the standard claims of the professional."""
    person = CONFIG["users"][user.username]
    claims.update(given_name=person.get("given_name", ""), family_name=person.get("family_name", ""),
                  email=person.get("email", ""), email_verified=bool(person.get("email")))
    return claims


def _claims_class():
    from oidc_provider.lib.claims import ScopeClaims

    class ProSanteClaims(ScopeClaims):
        """Pro Santé Connect's claims: national identifier and professions. PSC names its scope `scope_all`;
        django-oidc-provider cannot register a scope whose name contains "scope_", so it is `pro_sante` here
        (AUPRES_OIDC_SCOPES names the scopes to ask for)."""

        def scope_pro_sante(self):
            person = CONFIG["users"][self.user.username]
            claims = {}
            if person.get("rpps"):
                claims["SubjectNameID"] = "8" + person["rpps"]  # IdNat_PS of an RPPS professional
                claims["preferred_username"] = "8" + person["rpps"]
            if person.get("professions"):
                claims["SubjectRefPro"] = {"codeCivilite": "", "exercices": [
                    {"codeProfession": code, "codeCategorieProfessionnelle": "C"}
                    for code in person["professions"]]}
            return claims

    return ProSanteClaims


LOGIN_TEMPLATE = """<!doctype html><title>IdP</title>
<form method="post">{% csrf_token %}{{ form.as_p }}<input type="hidden" name="next" value="{{ next }}">
<button type="submit">Sign in</button></form>"""


def main():
    httpd = make_server("127.0.0.1", 0, lambda environ, start: None, server_class=ThreadingWSGIServer,
                        handler_class=QuietHandler)
    site_url = f"http://127.0.0.1:{httpd.server_port}"
    templates = Path(CONFIG["database"]).parent / "idp_templates"
    (templates / "registration").mkdir(parents=True, exist_ok=True)
    (templates / "registration" / "login.html").write_text(LOGIN_TEMPLATE)

    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False, SECRET_KEY="idp-test-only-" + "x" * 40, ALLOWED_HOSTS=["127.0.0.1"],
        ROOT_URLCONF=__name__, USE_TZ=True,
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
                        "oidc_provider"],
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware",
                    "django.middleware.csrf.CsrfViewMiddleware",
                    "django.contrib.auth.middleware.AuthenticationMiddleware"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": CONFIG["database"]}},
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [str(templates)],
                    "APP_DIRS": True,
                    "OPTIONS": {"context_processors": ["django.template.context_processors.request"]}}],
        LOGIN_URL="/login/", SITE_URL=site_url, DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        OIDC_USERINFO=f"{__name__}.userinfo", OIDC_EXTRA_SCOPE_CLAIMS=f"{__name__}.ProSanteClaims",
        OIDC_IDTOKEN_EXPIRE=CONFIG.get("id_token_expire", 600),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    django.setup()
    sys.modules[__name__].ProSanteClaims = _claims_class()

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from django.contrib.auth import get_user_model
    from django.contrib.auth import views as auth_views
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.urls import include, path
    from oidc_provider.models import Client, ResponseType, RSAKey

    sys.modules[__name__].urlpatterns = [
        path("login/", auth_views.LoginView.as_view()),
        path("openid/", include("oidc_provider.urls", namespace="oidc_provider")),
    ]
    call_command("migrate", verbosity=0)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    RSAKey.objects.create(key=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption()).decode())
    client = Client.objects.create(
        name="Auprès", client_type="confidential", client_id=CONFIG["client_id"],
        client_secret=CONFIG["client_secret"], jwt_alg="RS256", require_consent=False, reuse_consent=True,
        _redirect_uris=CONFIG["redirect_uri"], _scope="openid email profile pro_sante")
    client.response_types.add(ResponseType.objects.get(value="code"))
    for username, person in CONFIG["users"].items():
        get_user_model().objects.create_user(username, password=person["password"])

    httpd.set_app(get_wsgi_application())
    print(f"READY {site_url}", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
