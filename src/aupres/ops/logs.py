"""JSON logs without personal content (issue #15; docs/security.md "Logs").

Every log line is one JSON object carrying the request id (`X-Request-ID` from the reverse proxy when it
is well formed, else a new one, echoed in the answer) and the id of the signed-in account, never a name.
One line per request (`aupres.request`): method, path without its query string (paths carry ids only,
searches are POST), URL name, status, duration, user id. An exception is logged with its traceback
(files, lines, functions) but without its message: a database error's message quotes the values it refused
(`Key (last_name)=(…)`), so only the exception's class is kept.
"""

import contextvars
import logging
import traceback

from django.utils.functional import empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

_request = contextvars.ContextVar("aupres_log_request", default=None)


class RequestContext:
    __slots__ = ("id", "request")

    def __init__(self, request_id, request):
        self.id = request_id
        self.request = request


def start(request_id, request):
    return _request.set(RequestContext(request_id, request))


def end(token):
    _request.reset(token)


def current_request_id():
    context = _request.get()
    return context.id if context else None


def _user_id(request):
    """The account's id, without querying: only when authentication already resolved the user."""
    if request is None:
        return None
    user = request.__dict__.get("user")
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty:  # a lazy user not evaluated yet
        return None
    return getattr(wrapped, "pk", None)


class ContextFilter(logging.Filter):
    """Adds `request_id` and `user_id` to every record (None outside a request)."""

    def filter(self, record):
        context = _request.get()
        record.request_id = context.id if context else None
        record.user_id = _user_id(context.request) if context else None
        return True


class JsonFormatter(_JsonFormatter):
    """python-json-logger's formatter, with exception messages left out (their class and frames stay)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("timestamp", True)
        # django.request and django.server attach the request object: never serialise it.
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request", "server_time"])
        super().__init__(*args, **kwargs)

    def formatException(self, ei):  # noqa: N802 — logging's name
        kind, _value, tb = ei
        frames = "".join(f'  File "{f.filename}", line {f.lineno}, in {f.name}\n'
                         for f in traceback.extract_tb(tb)) if tb else ""
        return f"Traceback (most recent call last):\n{frames}{kind.__module__}.{kind.__qualname__}"
