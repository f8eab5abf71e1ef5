from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired

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
        from django.core.exceptions import PermissionDenied
        from django.http import Http404
        from django.views import defaults


        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotFound):
            return defaults.page_not_found(request, Http404())
        if isinstance(exception, Forbidden):
            return defaults.permission_denied(request, PermissionDenied())
        return None
