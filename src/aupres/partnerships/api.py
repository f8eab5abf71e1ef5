"""/api/v1/ for the partnerships register (issue #18). The convention's PDF is attached on the screen."""

import datetime

from django.http import HttpResponse
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
    end_reason: str
    version: int
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


class PartnershipChange(PartnershipIn):
    version: int = Field(ge=1, le=2**31 - 1)


class PartnershipEnd(Schema):
    version: int = Field(ge=1, le=2**31 - 1)
    ends_on: datetime.date
    end_reason: str = Field(min_length=1, max_length=500)


@router.get("/partnerships/{int:partnership_id}", response=PartnershipOut)
def read_partnership(request, partnership_id: int):
    return services.get_partnership(request.user, partnership_id)


@router.put("/partnerships/{int:partnership_id}", response=PartnershipOut, summary="Change a partnership")
def change_partnership(request, partnership_id: int, payload: PartnershipChange):
    return services.update(request.user, partnership_id, payload.dict(exclude={"version"}), payload.version)


@router.post("/partnerships/{int:partnership_id}/end", response=PartnershipOut,
             summary="End a partnership on a date, with its reason")
def end_partnership(request, partnership_id: int, payload: PartnershipEnd):
    return services.end(request.user, partnership_id, payload.ends_on, payload.end_reason, payload.version)


@router.get("/services/{int:service_id}/partnerships.pdf", summary="The register of partnerships as PDF")
def register_pdf(request, service_id: int):
    service = services.readable_service(request.user, service_id)
    response = HttpResponse(services.register_pdf(request.user, service), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="partenariats-{service.pk}.pdf"'
    return response
