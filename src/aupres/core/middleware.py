import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views import defaults

from aupres.core.errors import Forbidden, NotFound


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every screen needs a login, except those marked `login_not_required`.

    The API answers for itself (token or session, 401 in JSON), and static files are public.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(("/api/", "/static/")):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class DomainErrorMiddleware:
    """A refusal that a screen did not handle still answers as a refusal: 404 or 403, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotFound):
            return defaults.page_not_found(request, Http404())
        if isinstance(exception, Forbidden):
            # The refusal's own words (« Le dossier de soins est réservé aux professionnels de santé. »):
            # every screen shows why, and no view needs a 403 renderer of its own (issue #16).
            return render(request, "403.html", {"message": exception.message}, status=403)
        return None


class RequestSizeMiddleware:
    """Refuses (413) a request whose announced body is larger than settings.MAX_REQUEST_MB, before Django
    reads it to a temporary file (issue #11: nobody fills the disk). The reverse proxy should cap it too
    (nginx `client_max_body_size`), since a body sent without a length is only cut by the proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_MB * 2**20:
            return HttpResponse("Request too large.", status=413, content_type="text/plain")
        return self.get_response(request)


class SessionIdleMiddleware:
    """Sessions end after SESSION_COOKIE_AGE without use: each use pushes the end back, but writes the session
    (a database row, a commit) at most once every SESSION_TOUCH_SECONDS, not on every request as
    SESSION_SAVE_EVERY_REQUEST did (one UPDATE and one commit per page and per htmx fragment, issue #15).
    The timeout is thus honoured to within that many seconds. Requests without a session cookie (the API's
    tokens, a visitor) create nothing."""

    KEY = "_aupres_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None or session.modified:
            return response
        now = int(time.time())
        seen = session.get(self.KEY, 0)  # loads the session; an unknown or expired key leaves it without one
        if session.session_key and SESSION_KEY in session and now - seen >= settings.SESSION_TOUCH_SECONDS:
            session[self.KEY] = now  # modified: SessionMiddleware saves it with a new expiry
        return response
