"""/api/v1/ for the partnerships register (issue #18). The convention's PDF is attached on the screen."""

import datetime

from ninja import Field, Router, Schema
from ninja.responses import Status

from aupres.partnerships import services
from aupres.partnerships.models import PartnerKind, PartnershipStatus

router = Router(tags=["partnerships"])


class PartnershipIn(Schema):
    partner: str = Field(min_length=1, max_length=200)
    kind: PartnerKind
    status: PartnershipStatus
    signed_on: datetime.date | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    note: str = Field("", max_length=500)


class PartnershipOut(Schema):
    id: int
    service_id: int
    partner: str
    kind: str
    status: str
    signed_on: datetime.date | None
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    note: str
    has_document: bool

    @staticmethod
    def resolve_has_document(obj):
        return bool(obj.document)


@router.get("/services/{int:service_id}/partnerships", response=list[PartnershipOut])
def list_partnerships(request, service_id: int):
    service = services.readable_service(request.user, service_id)
    return list(services.partnerships(request.user, service))


@router.post("/services/{int:service_id}/partnerships", response={201: PartnershipOut})
def add_partnership(request, service_id: int, payload: PartnershipIn):
    service = services.readable_service(request.user, service_id)
    return Status(201, services.add(request.user, service, payload.dict()))
