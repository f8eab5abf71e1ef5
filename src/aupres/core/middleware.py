from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every screen needs a login, except those marked `login_not_required`.

    The API answers for itself (token or session, 401 in JSON), and static files are public.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(("/api/", "/static/")):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
