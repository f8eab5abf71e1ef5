"""Consent to sharing and emergency access, under /api/v1/ (docs/decisions.md D12–D14)."""

import datetime

from ninja import Field, Router, Schema
from ninja.responses import Status as Reply

from aupres.core import access
from aupres.sharing import services
from aupres.sharing.models import GivenHow, Scope

router = Router(tags=["sharing"])

ID = {"ge": 1, "le": 2**62}


class ConsentOut(Schema):
    id: int
    person_id: int
    from_service_id: int
    to_service_id: int | None
    to_organisation: str
    recipient: str
    scope: Scope
    given_on: datetime.date
    given_how: GivenHow
    note: str
    recorded_at: datetime.datetime
    recorded_by_id: int | None
    active: bool = Field(alias="is_active")
    withdrawn_at: datetime.datetime | None
    withdrawn_by_id: int | None
    withdrawal_note: str


class ConsentIn(Schema):
    scope: Scope
    given_on: datetime.date
    given_how: GivenHow
    from_service: int | None = Field(None, **ID)
    to_service: int | None = Field(None, **ID)
    to_organisation: str = Field("", max_length=200)
    note: str = Field("", max_length=2000)


class WithdrawIn(Schema):
    note: str = Field("", max_length=2000)


@router.get("/persons/{int:person_id}/consents", response=list[ConsentOut],
            summary="The person's consents to sharing (current and withdrawn)")
def list_consents(request, person_id: int):
    person = access.get_visible_person(request.user, person_id)
    return services.consents_of(request.user, person)


@router.post("/persons/{int:person_id}/consents", response={201: ConsentOut},
             summary="Record the person's agreement to share with another service or a partner")
def create_consent(request, person_id: int, payload: ConsentIn):
    person = access.get_visible_person(request.user, person_id)
    consent = services.record_consent(
        request.user, person, scope=payload.scope, given_on=payload.given_on, given_how=payload.given_how,
        from_service_id=payload.from_service, to_service_id=payload.to_service,
        to_organisation=payload.to_organisation, note=payload.note)
    return Reply(201, consent)


@router.post("/consents/{int:consent_id}/withdraw", response=ConsentOut,
             summary="Withdraw a consent: the receiving team loses access at once")
def withdraw_consent(request, consent_id: int, payload: WithdrawIn):
    return services.withdraw_consent(request.user, consent_id, payload.note)


class EmergencyIn(Schema):
    reason: str = Field(..., max_length=2000)
    person: int | None = Field(None, **ID, description="The record number, given by the caller")
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    birth_year: int | None = Field(None, ge=1900, le=2100)
    service: int | None = Field(None, **ID, description="Your service (where you are a health professional)")


class EmergencyOut(Schema):
    id: int
    person_id: int
    service_id: int
    opened_at: datetime.datetime
    expires_at: datetime.datetime
    active: bool = Field(alias="is_active")
    heads_notified: int


class NotificationOut(Schema):
    id: int
    access_id: int
    service_id: int
    person_id: int = Field(alias="access.person_id")
    opened_by: str = Field(alias="access.user.username")
    opened_by_service_id: int = Field(alias="access.service_id")
    opened_at: datetime.datetime = Field(alias="access.opened_at")
    expires_at: datetime.datetime = Field(alias="access.expires_at")
    reason: str = Field(alias="access.reason")
    read_at: datetime.datetime | None


class EmergencyList(Schema):
    opened: list[EmergencyOut]
    notifications: list[NotificationOut]


@router.post("/emergency-access", response={201: EmergencyOut},
             summary="Open a record in an emergency (health professionals of a service not following the person)")
def open_emergency(request, payload: EmergencyIn):
    emergency = services.open_emergency_access(
        request.user, reason=payload.reason, person_id=payload.person, first_name=payload.first_name,
        last_name=payload.last_name, birth_year=payload.birth_year, service_id=payload.service,
        base_url=request.build_absolute_uri("/"))
    return Reply(201, emergency)


@router.get("/emergency-access", response=EmergencyList,
            summary="Your emergency accesses, and (heads of service) those opened on your services' records")
def list_emergency(request):
    return {"opened": list(services.my_emergency_accesses(request.user)[:100]),
            "notifications": list(services.notifications_for(request.user)[:200])}
