"""« / »: each kind of account lands on its own work (issue #13, home.navigation)."""

from django.shortcuts import redirect, render
from django.utils import timezone

from aupres.calls import services as calls
from aupres.core import access
from aupres.home import services
from aupres.home.navigation import home_url_name


def home(request):
    user = request.user
    if access.is_head_of_service(user):
        return render(request, "home/head.html", {
            "boards": services.boards(user), "year": timezone.localdate().year,
            "questions": calls.pending_questions(user)})
    return redirect(home_url_name(user))
