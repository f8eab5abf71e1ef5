"""Auprès settings.

One setting chooses the database: AUPRES_DATABASE_URL (SQLite file by default, so that a newcomer
runs the product with no server; PostgreSQL in production).
"""

import datetime
import json
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("AUPRES_VAR_DIR", PROJECT_DIR / "var"))


def env_flag(name, default=False):
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("AUPRES_DEBUG", default=False)
DEMO = env_flag("AUPRES_DEMO", default=False)
SECRET_KEY = os.environ.get("AUPRES_SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or DEMO or os.environ.get("PYTEST_VERSION") or env_flag("AUPRES_DEV")):
        raise RuntimeError("AUPRES_SECRET_KEY must be set outside demo, debug and tests.")
    SECRET_KEY = "insecure-dev-key-never-in-production"  # noqa: S105

# Two-factor authentication (TOTP) for every account that can reach a person. Only a demo, a debug
# run or a developer's machine may switch it off (docs/security.md).
REQUIRE_2FA = env_flag("AUPRES_REQUIRE_2FA", default=True)
if not REQUIRE_2FA and not (DEBUG or DEMO or os.environ.get("PYTEST_VERSION") or env_flag("AUPRES_DEV")):
    raise RuntimeError("AUPRES_REQUIRE_2FA=0 is only allowed in demo, debug and development.")

ALLOWED_HOSTS = [h for h in os.environ.get("AUPRES_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("AUPRES_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_tasks_db",
    "aupres.core",
    "aupres.accounts",
    "aupres.services",
    "aupres.persons",
    "aupres.followups",
    "aupres.referrals",
    "aupres.encounters",
    "aupres.audit",
    "aupres.sharing",
    "aupres.demo",
    "aupres.indicators",
    "aupres.background",
    "aupres.places",
    "aupres.field",
    "aupres.care",
    "aupres.imports",
    "aupres.calls",
    "aupres.partnerships",
    "aupres.letters",
    "aupres.quality",
    "aupres.customfields",
    "health_check",
    "aupres.ops",
    "aupres.home",
]

MIDDLEWARE = [
    "aupres.ops.middleware.RequestLogMiddleware",  # request id, one JSON line and the metrics per request
    "aupres.core.middleware.RequestSizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aupres.core.middleware.SessionIdleMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "aupres.core.context.OriginMiddleware",
    "aupres.core.middleware.LoginRequiredMiddleware",
    "aupres.core.middleware.DomainErrorMiddleware",
    "aupres.accounts.middleware.SecondFactorMiddleware",
    "aupres.ops.replica.ReplicaMiddleware",  # indicator reads on AUPRES_REPLICA_URL, once the user is known
    # Last, as django-axes asks: turns a lock-out flagged during the request into its answer.
    "axes.middleware.AxesMiddleware",
]

# AUTHENTICATION_BACKENDS: below, with the OpenID Connect settings (oidc_settings).

ROOT_URLCONF = "aupres.urls"
WSGI_APPLICATION = "aupres.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aupres.core.context_processors.aupres",
                "aupres.home.context_processors.navigation",
            ],
        },
    },
]

DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'aupres.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("AUPRES_DATABASE_URL", DEFAULT_SQLITE), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; IMMEDIATE avoids "database is locked"
    # on upgrade from a read to a write transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Covering indexes (Index.include, places.Stay) are a PostgreSQL gain; SQLite builds them without the
    # included columns, which is correct, so its warning says nothing to act on.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("AUPRES_TEST_DATABASE_NAME")} if (
    os.environ.get("AUPRES_TEST_DATABASE_NAME")
) else {}
if (os.environ.get("PYTEST_VERSION") and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
        and not DATABASES["default"]["TEST"]):
    # A test database in a file, as in production: an in-memory one is shared between the live server's
    # threads with table locks that fail at once ("database table is locked") when the field app's
    # page, service worker and sync write their sessions together; a file has WAL and the busy timeout.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

# A read replica (PostgreSQL streaming standby) for the indicator screens: aupres/ops/replica.py.
if os.environ.get("AUPRES_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["AUPRES_REPLICA_URL"], conn_max_age=60)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["aupres.ops.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
PRODUCTION = not (DEBUG or DEMO or os.environ.get("PYTEST_VERSION") or env_flag("AUPRES_DEV"))
# Production: `collectstatic` writes hashed, compressed copies that WhiteNoise serves with far-future
# caching. Demo, development and tests serve the source tree, so that they need no collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": VAR_DIR / "files"}},
    "staticfiles": {"BACKEND": "aupres.ops.storage.StaticStorage"} if PRODUCTION else
                   {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_AGE = int(os.environ.get("AUPRES_SESSION_IDLE_SECONDS", 30 * 60))
# The field app (issue #12) wipes the caseload it cached on the phone after this long without use.
AUPRES_FIELD_IDLE_MINUTES = int(os.environ.get("AUPRES_FIELD_IDLE_MINUTES", 8 * 60))
# POST /api/v1/sync applies its captures in transactions of at most this many (one journal insert each).
AUPRES_FIELD_SYNC_CHUNK = int(os.environ.get("AUPRES_FIELD_SYNC_CHUNK", 500))
# The age above is an inactivity timeout: core.middleware.SessionIdleMiddleware pushes it back on use,
# writing the session at most once a minute (rather than SESSION_SAVE_EVERY_REQUEST's write per request).
SESSION_TOUCH_SECONDS = int(os.environ.get("AUPRES_SESSION_TOUCH_SECONDS", 60))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_NAME = "aupres_session"
if env_flag("AUPRES_HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: scripts and styles from our own origin only, nothing inline, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Login throttling (django-axes): AXES_FAILURE_LIMIT wrong passwords for one username from one
# address lock that pair out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = int(os.environ.get("AUPRES_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AUPRES_LOGIN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "aupres.accounts.views.locked_out"
AXES_VERBOSE = False
# Behind the reverse proxy (docs/security.md), the client address is the last one it appended.
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("AUPRES_PROXY_COUNT", 0)) or None
# django-ipware is not installed: without this, axes would count the proxy's address (issue #11).
PROXY_COUNT = int(os.environ.get("AUPRES_PROXY_COUNT", 0))
AXES_CLIENT_IP_CALLABLE = "aupres.core.network.client_ip"
# Sign-ins through the identity provider (D55) hold no password: axes neither counts nor locks them.
AXES_WHITELIST_CALLABLE = "aupres.accounts.backends.is_provider_attempt"
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if os.environ.get("AUPRES_PROXY_COUNT") else ["REMOTE_ADDR"]
)

OTP_TOTP_ISSUER = "Auprès"
# Second-factor lock-out (accounts.services.check_second_factor): OTP_FAILURE_LIMIT wrong codes in a row
# (TOTP or recovery codes) lock the code step of the account for OTP_LOCK_MINUTES; 0 locks it until an
# administrator runs `manage.py unlock_second_factor <username>`.
OTP_FAILURE_LIMIT = int(os.environ.get("AUPRES_OTP_FAILURE_LIMIT", 5))
OTP_LOCK_MINUTES = int(os.environ.get("AUPRES_OTP_LOCK_MINUTES", 30))
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

OIDC_BACKEND = "aupres.accounts.backends.ProfessionalIdentityBackend"


def oidc_settings(environ):
    """Sign-in through an OpenID Connect provider such as Pro Santé Connect (issue #17, decision D55).

    Off unless AUPRES_OIDC_CLIENT_ID is set; then the issuer, the four endpoints and the secret are required
    (no discovery at start-up: the settings make no network call). The names mozilla-django-oidc reads are
    derived here. Tests call this with their own environment and pass the result to override_settings."""
    def get(name, default=""):
        return environ.get(f"AUPRES_OIDC_{name}", default).strip()

    def flag(name, default=False):
        return environ.get(f"AUPRES_OIDC_{name}", "1" if default else "0").lower() in {"1", "true", "yes", "on"}

    enabled = bool(get("CLIENT_ID"))
    values = {
        "OIDC_ENABLED": enabled,
        # Only a profession whose RPPS the provider confirmed opens the health compartment (docs/security.md).
        "OIDC_REQUIRE_RPPS_FOR_HEALTH": flag("REQUIRE_RPPS_FOR_HEALTH"),
        "OIDC_LABEL": get("LABEL") or _("Sign in with Pro Santé Connect"),
        "OIDC_ISSUER": get("ISSUER"),
        "OIDC_RP_CLIENT_ID": get("CLIENT_ID"),
        "OIDC_RP_CLIENT_SECRET": get("CLIENT_SECRET"),
        "OIDC_OP_AUTHORIZATION_ENDPOINT": get("AUTHORIZATION_ENDPOINT"),
        "OIDC_OP_TOKEN_ENDPOINT": get("TOKEN_ENDPOINT"),
        "OIDC_OP_USER_ENDPOINT": get("USERINFO_ENDPOINT"),
        "OIDC_OP_JWKS_ENDPOINT": get("JWKS_ENDPOINT") or None,
        "OIDC_RP_SIGN_ALGO": get("SIGN_ALGO", "RS256"),
        "OIDC_RP_SCOPES": get("SCOPES", "openid scope_all"),
        # Pro Santé Connect asks for the level of assurance (acr_values=eidas1).
        "OIDC_AUTH_REQUEST_EXTRA_PARAMS": {"acr_values": get("ACR_VALUES")} if get("ACR_VALUES") else {},
        "OIDC_RPPS_CLAIM": get("RPPS_CLAIM", "SubjectNameID"),
        "OIDC_PROFESSION_CLAIM": get("PROFESSION_CLAIM", "SubjectRefPro"),
        "OIDC_PROFESSION_MAP": json.loads(get("PROFESSION_MAP") or "{}"),
        "OIDC_MATCH_EMAIL": flag("MATCH_EMAIL", default=True),
        "OIDC_USE_PKCE": flag("USE_PKCE", default=True),
        "OIDC_USE_NONCE": True,
        "OIDC_CREATE_USER": False,  # an unknown professional gets a message, never an account
        "OIDC_TIMEOUT": int(get("TIMEOUT_SECONDS", "10")),
        "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:oidc_callback",
        "OIDC_REDIRECT_FIELD_NAME": "next",
        "LOGIN_REDIRECT_URL_FAILURE": "accounts:login",
        "AUTHENTICATION_BACKENDS": [
            "axes.backends.AxesStandaloneBackend",  # refuses locked-out credentials before the password check
            "django.contrib.auth.backends.ModelBackend",
            *([OIDC_BACKEND] if enabled else []),
        ],
    }
    if enabled:
        missing = [name for name in ("ISSUER", "CLIENT_SECRET", "AUTHORIZATION_ENDPOINT", "TOKEN_ENDPOINT",
                                     "USERINFO_ENDPOINT") if not get(name)]
        if values["OIDC_RP_SIGN_ALGO"][:2] in {"RS", "ES", "PS"} and not values["OIDC_OP_JWKS_ENDPOINT"]:
            missing.append("JWKS_ENDPOINT")
        if missing:
            raise RuntimeError("AUPRES_OIDC_CLIENT_ID is set: also set " +
                               ", ".join(f"AUPRES_OIDC_{name}" for name in missing))
    return values


globals().update(oidc_settings(os.environ))

# Background work (docs/architecture.md, "Background work"). AUPRES_TASKS chooses where tasks run:
# "database" (default): queued in the database, run by `manage.py run_worker` (SQLite or PostgreSQL);
# "celery": sent to Celery on Redis (AUPRES_CELERY_BROKER_URL), for large deployments;
# "immediate": run inline in the request (the tests' default).
AUPRES_TASKS = os.environ.get("AUPRES_TASKS") or ("immediate" if os.environ.get("PYTEST_VERSION") else "database")
TASK_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "celery": {"BACKEND": "django_tasks_celery.CeleryBackend", "OPTIONS": {"CELERY_APP": "aupres.celery.app"}},
    "immediate": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
}
if AUPRES_TASKS not in TASK_BACKENDS:
    raise RuntimeError(f"AUPRES_TASKS must be one of {', '.join(TASK_BACKENDS)}.")
TASKS = {"default": TASK_BACKENDS[AUPRES_TASKS]}
CELERY_BROKER_URL = os.environ.get("AUPRES_CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = os.environ.get("AUPRES_CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_RESULT_EXTENDED = True  # lets django-tasks-celery answer get_result() with the task
CELERY_RESULT_EXPIRES = datetime.timedelta(days=7)
CELERY_TASK_SERIALIZER = CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE  # beat reads the schedule's times as local times, as run_worker does
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Personal content never goes to logs: we log event names and database ids only. One JSON object a line
# (request id, account id; aupres/ops/logs.py) in production, or with AUPRES_LOG_FORMAT=json.
LOG_FORMAT = os.environ.get("AUPRES_LOG_FORMAT") or ("json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "aupres.ops.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "aupres.ops.logs.JsonFormatter",
                 "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s user=%(user_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"],
                             "formatter": "json" if LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": os.environ.get("AUPRES_LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"},
                # one line per request from aupres.ops.logs; the development server's own is redundant
                "django.server": {"level": "WARNING"},
                "aupres.request": {"level": os.environ.get("AUPRES_REQUEST_LOG_LEVEL", "INFO")}},
}

# The operator's endpoints (/ops/health/, /ops/metrics/: aupres/ops/views.py) answer only to these
# networks, or to `Authorization: Bearer <AUPRES_OPS_TOKEN>`.
AUPRES_OPS_NETWORKS = [n for n in os.environ.get("AUPRES_OPS_NETWORKS", "127.0.0.0/8,::1/128").split(",") if n]
AUPRES_OPS_TOKEN = os.environ.get("AUPRES_OPS_TOKEN", "")
AUPRES_MIN_FREE_DISK_PERCENT = float(os.environ.get("AUPRES_MIN_FREE_DISK_PERCENT", 10))
# Backups (manage.py backup / restore: aupres/ops/backup.py): where they go and the key that encrypts them.
AUPRES_BACKUP_DIR = Path(os.environ.get("AUPRES_BACKUP_DIR", VAR_DIR / "backups"))
AUPRES_BACKUP_KEY = os.environ.get("AUPRES_BACKUP_KEY", "")
AUPRES_BACKUP_KEEP_DAYS = int(os.environ.get("AUPRES_BACKUP_KEEP_DAYS", 30))

# Mail (notifications to heads of service carry no personal content: docs/security.md). Production hands
# mail to the machine's own relay (AUPRES_SMTP_HOST/PORT); the demo and development print it.
if DEBUG or DEMO or env_flag("AUPRES_DEV"):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {
        "host": os.environ.get("AUPRES_SMTP_HOST", "127.0.0.1"),
        "port": int(os.environ.get("AUPRES_SMTP_PORT", 25)),
    }}}
DEFAULT_FROM_EMAIL = os.environ.get("AUPRES_FROM_EMAIL", "aupres@localhost")

# An emergency access (bris de glace, docs/decisions.md D13) lasts this long.
EMERGENCY_ACCESS_HOURS = int(os.environ.get("AUPRES_EMERGENCY_ACCESS_HOURS", 24))
# At most this many emergency accesses opened by one professional in 24 hours.
EMERGENCY_ACCESS_PER_DAY = int(os.environ.get("AUPRES_EMERGENCY_ACCESS_PER_DAY", 5))

# Tokens for machine clients of the API live this long unless revoked.
API_TOKEN_LIFETIME_DAYS = int(os.environ.get("AUPRES_API_TOKEN_LIFETIME_DAYS", 90))

if os.environ.get("PYTEST_VERSION"):
    # Tests create many accounts: a fast hash there only (never in production).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# A cache shared by every worker and process (issue #11: the public form's rate limit): the database
# (table `aupres_cache`, created by migration referrals/0005), or Redis with AUPRES_CACHE_URL=redis://…
if os.environ.get("AUPRES_CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["AUPRES_CACHE_URL"]}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "aupres_cache"}}

# Documents of referrals (issue #11): at most this many per referral, this many MB per referral, and this
# many MB a day per sender (a partner cannot fill the disk).
REFERRAL_MAX_ATTACHMENTS = int(os.environ.get("AUPRES_REFERRAL_MAX_ATTACHMENTS", 10))
REFERRAL_MAX_MB = int(os.environ.get("AUPRES_REFERRAL_MAX_MB", 40))
REFERRAL_SENDER_MB_PER_DAY = int(os.environ.get("AUPRES_REFERRAL_SENDER_MB_PER_DAY", 200))
# No request body above this (413 before it is read): the documents of one referral, and some room.
MAX_REQUEST_MB = int(os.environ.get("AUPRES_MAX_REQUEST_MB", REFERRAL_MAX_MB + 2))
