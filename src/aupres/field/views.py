"""The field app's screens: one page (the app shell, cached by the service worker) whose JavaScript
(static/js/field.js) draws the caseload, the person card, the forms and the pending captures from the
encrypted IndexedDB; the service worker; the web app manifest.

The shell holds no personal data: the caseload comes from GET /api/v1/field/caseload into the phone's
encrypted store. The texts of the screens are translated here and handed to the script as JSON.
"""

import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aupres.core.models import Compartment
from aupres.encounters.models import ActKind, Mode, OrientationKind, OrientationTarget, PlaceKind
from aupres.field import services
from aupres.field.texts import texts
from aupres.persons.models import Sex

STATIC = Path(settings.BASE_DIR) / "static"
# What the service worker keeps for the app to open without network.
SHELL_STATIC = ["css/aupres.css", "css/field.css", "js/field.js", "vendor/htmx-2.0.11.min.js",
                "field/icon-192.png", "field/icon-512.png"]


@cache
def _version():
    digest = hashlib.sha256()
    for name in [*SHELL_STATIC, "../field/templates/field/app.html", "../field/views.py", "../field/texts.py"]:
        path = STATIC / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _choices(choices):
    return [[value, str(label)] for value, label in choices]


@require_GET
def app(request):
    # The session key is made here, before the page's own requests: with SESSION_SAVE_EVERY_REQUEST, a
    # request that read the session before the key was added would save it back without the key.
    services.session_key(request.session)
    config = {
        "user": request.user.pk,
        "idle_minutes": services.idle_minutes(),
        "version": _version(),
        "urls": {"caseload": "/api/v1/field/caseload", "key": "/api/v1/field/key", "sync": "/api/v1/sync",
                 "sw": reverse("field:service_worker"), "scope": reverse("field:app"),
                 "login": reverse("accounts:login") + "?next=" + reverse("field:app"),
                 "person": reverse("persons:detail", kwargs={"person_id": 0})},
        "choices": {
            "places": _choices(PlaceKind.choices), "modes": _choices(Mode.choices),
            "acts": _choices(ActKind.choices), "sexes": _choices(Sex.choices),
            "orientation_kinds": _choices(OrientationKind.choices),
            "targets": _choices(OrientationTarget.choices),
            "compartments": _choices(Compartment.choices),
        },
        "t": texts(),
    }
    return render(request, "field/app.html", {"config": config})


@login_not_required
@require_GET
def service_worker(request):
    body = render(request, "field/sw.js", {
        "version": _version(), "scope": reverse("field:app"),
        "assets": json.dumps([reverse("field:app"), reverse("field:manifest"),
                              *[static(name) for name in SHELL_STATIC]]),
    }).content
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@login_not_required
@require_GET
def manifest(request):
    data = {
        "name": "Auprès — terrain", "short_name": "Auprès", "lang": "fr",
        "description": _("Record encounters in the field, with or without network."),
        "start_url": reverse("field:app"), "scope": reverse("field:app"), "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#1d4e89",
        "icons": [{"src": static(f"field/icon-{s}.png"), "sizes": f"{s}x{s}", "type": "image/png",
                   "purpose": "any maskable"} for s in (192, 512)],
    }
    return JsonResponse(data, content_type="application/manifest+json",
                        json_dumps_params={"ensure_ascii": False})
