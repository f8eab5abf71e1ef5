"""Indicator and report reads on a read replica (issue #15, "Grow").

With AUPRES_REPLICA_URL set, settings add a `replica` database (a PostgreSQL streaming standby) and this
router. Reads go there only inside a *replica window*: a GET or HEAD answered by a view of the indicators
screens or of the API's `/api/v1/indicators…` operations (`ReplicaMiddleware`). Everything else reads the
primary: sign-in, sessions, the access model's grants outside those screens, every write. Inside a window,
the first write (a journal row, a session saved) closes it: the rest of that request reads the primary,
so that a request never reads, on a replica behind by a few milliseconds, older rows than it wrote.
Raw SQL of the indicator engine asks the router too (`reading_connection()`).

Lag: a standby replays within milliseconds on a healthy network; a figure read there may miss the
encounter recorded in the same second. Indicator pages are aggregates of past periods: acceptable, and
the reason why nothing else is read there.
"""

import contextvars

from django.conf import settings
from django.db import connections

_window = contextvars.ContextVar("aupres_replica_window", default=None)

REPLICA_NAMESPACES = {"indicators"}
REPLICA_API_PREFIXES = ("/api/v1/indicators",)


class _Window:
    __slots__ = ("open",)

    def __init__(self):
        self.open = True


def enabled():
    return "replica" in settings.DATABASES


def reading_alias():
    window = _window.get()
    return "replica" if window is not None and window.open and enabled() else "default"


def reading_connection():
    """The connection a raw read should use: the replica inside a window, else the primary."""
    return connections[reading_alias()]


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        alias = reading_alias()
        return alias if alias == "replica" else None

    def db_for_write(self, model, **hints):
        window = _window.get()
        if window is not None:
            window.open = False
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaMiddleware:
    """Opens a replica window for the read-only indicator views (after authentication has read the
    session and the account on the primary)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            token = getattr(request, "_replica_token", None)
            if token is not None:
                _window.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not enabled() or request.method not in ("GET", "HEAD"):
            return None
        match = request.resolver_match
        if (match and match.namespace in REPLICA_NAMESPACES) or request.path.startswith(REPLICA_API_PREFIXES):
            token = _window.set(_Window())
            request._replica_token = token
        return None

