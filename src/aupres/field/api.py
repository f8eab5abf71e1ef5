"""API of the field app (mounted at /api/v1/): the phone's caseload, its session key, the sync."""

import base64

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router
from ninja.security import django_auth

from aupres.audit.services import record, route_of
from aupres.field import services
from aupres.field.schemas import FieldCaseloadOut, KeyOut, SyncIn, SyncOut

router = Router(tags=["field"])


@router.get("/field/caseload", response=FieldCaseloadOut,
            summary="My caseload today, as the field app caches it (cut to my compartments)")
def field_caseload(request, response: HttpResponse):
    data, ids, shown = services.field_caseload(request.user)
    record(request.user, ids, "list", shown, "api", route_of(request))
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
    route = route_of(request)

    def journal(persons, action, compartments, service_id):
        record(request.user, persons, action, compartments, "api", route, service_id=service_id)

    results = services.sync(request.user, payload.items, journal)
    return {"results": results, "server_time": timezone.now().isoformat()}
