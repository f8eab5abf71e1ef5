"""API of the field app (mounted at /api/v1/): the phone's caseload, its session key, the sync."""

import base64

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import LazyObject
from ninja import Router
from ninja.security import django_auth

from aupres.field import services
from aupres.field.schemas import FieldCaseloadOut, KeyOut, SyncIn, SyncOut

router = Router(tags=["field"])


@router.get("/field/caseload", response=FieldCaseloadOut,
            summary="My caseload today, as the field app caches it (cut to my compartments)")
def field_caseload(request, response: HttpResponse):
    data = services.field_caseload(request.user)  # journaled by the service
    response["Cache-Control"] = "no-store"
    return data


@router.get("/field/key", response=KeyOut, auth=django_auth,
            summary="The key of this browser session that encrypts the field app's data on the phone",
            description="Browser session only (never to a token); dropped at sign-out.")
def field_key(request, response: HttpResponse):
    kid, key = services.session_key(request.session)
    response["Cache-Control"] = "no-store"
    return {"kid": kid, "key": base64.b64encode(key).decode(), "idle_minutes": services.idle_minutes()}


@router.post("/sync", response=SyncOut, summary="Apply a batch of captures made on the phone",
             description="Each capture is applied once (same client_uuid: `already_applied`), alone and whole; "
             "a person changed on the server since the phone cached it makes a `conflict`; a capture that "
             "breaks a rule is `refused` with its French reason.")
def sync(request, payload: SyncIn):
    # The service journals what it writes and the conflicts it names (channel and route from the context).
    # The user itself, not the request's lazy wrapper: a batch of 500 reads its attributes tens of thousands of
    # times (every row's recorded_by, every access check), each through the wrapper's proxy (about 25 % of a sync)
    # (django-otp wraps the user once more: unwrap every layer, reading an attribute sets each one up).
    user = request.user
    while isinstance(user, LazyObject) and user.is_authenticated:
        user = user._wrapped
    results = services.sync(user, payload.items)
    return {"results": results, "server_time": timezone.now().isoformat()}
