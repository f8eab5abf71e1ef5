"""Where the current work comes from: the channel (screen, API, task) and the route, set once per request
(`OriginMiddleware`) and per background task (`aupres.core.tasks.task`), read by the services that write
the access journal (aupres.audit.services.record). A contextvar: each request or task sees its own."""

import contextlib
import contextvars
from dataclasses import dataclass

SCREEN, API, TASK = "screen", "api", "task"


@dataclass(frozen=True)
class Origin:
    channel: str
    request: object = None
    name: str = ""  # a task's dotted path

    @property
    def route(self):
        return route_of(self.request) if self.request is not None else self.name[:100]


_origin = contextvars.ContextVar("aupres_origin", default=None)


def current():
    """The origin of the work being done, or None outside a request or a task (shell, migrations)."""
    return _origin.get()


@contextlib.contextmanager
def origin(channel, request=None, name=""):
    token = _origin.set(Origin(channel, request, name))
    try:
        yield
    finally:
        _origin.reset(token)


class OriginMiddleware:
    """Every request runs in its origin: the API under /api/, the screens elsewhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with origin(API if request.path.startswith("/api/") else SCREEN, request):
            return self.get_response(request)


def route_of(request):
    """The URL name of the route; for an API path that several operations share (GET and POST
    /encounters), the name of the operation that answered this method."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return request.path[:100]
    path_view = _ninja_path_view(match.func)
    if path_view is not None and len(path_view.operations) > 1:
        operation = path_view._find_operation(request)
        name = getattr(operation, "url_name", None) or getattr(operation.view_func, "__name__", None) \
            if operation is not None else None
        if name:
            return (f"{match.namespace}:{name}" if match.namespace else name)[:100]
    return match.view_name[:100]


def _ninja_path_view(view):
    """django-ninja serves every operation of one path through one view (a closure over its PathView)."""
    for cell in getattr(view, "__closure__", None) or ():
        candidate = cell.cell_contents
        if hasattr(candidate, "_find_operation") and hasattr(candidate, "operations"):
            return candidate
    return None
