"""Places, stays, the occupancy board and the regional free places, under /api/v1/."""

import datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, UploadedFile
from ninja.responses import Status as Reply

from aupres.accounts.models import AccountKind
from aupres.core.errors import NotFound
from aupres.followups.models import ExitDestination, ExitReason
from aupres.places import park, services
from aupres.places.models import (
    FamilyRestriction,
    IncidentKind,
    IncidentStatus,
    InventoryKind,
    OutOfServiceReason,
    PlaceKind,
    SexRestriction,
)
from aupres.referrals.services import visible_referrals

router = Router(tags=["places"])

ID = {"ge": 1, "le": 2**62}


class PlaceOut(Schema):
    id: int
    service_id: int
    label: str
    kind: PlaceKind
    persons: int
    wheelchair: bool
    ground_floor: bool
    sex: SexRestriction
    family: FamilyRestriction
    address: str
    is_active: bool
    version: int


class PlaceIn(Schema):
    service: int = Field(..., **ID)
    label: str = Field(..., max_length=80)
    kind: PlaceKind
    persons: int = Field(1, ge=1, le=30)
    wheelchair: bool = False
    ground_floor: bool = False
    sex: SexRestriction = SexRestriction.ANY
    family: FamilyRestriction = FamilyRestriction.ANY
    address: str = Field("", max_length=500)


class PlacePatch(Schema):
    version: int = Field(..., ge=1, le=2**31)
    label: str | None = Field(None, max_length=80)
    kind: PlaceKind | None = None
    persons: int | None = Field(None, ge=1, le=30)
    wheelchair: bool | None = None
    ground_floor: bool | None = None
    sex: SexRestriction | None = None
    family: FamilyRestriction | None = None
    address: str | None = Field(None, max_length=500)
    is_active: bool | None = None


class OutOfServiceIn(Schema):
    start_date: datetime.date
    end_date: datetime.date | None = None
    reason: OutOfServiceReason
    note: str = Field("", max_length=300)


class OutOfServiceOut(Schema):
    id: int
    place_id: int
    start_date: datetime.date
    end_date: datetime.date | None
    reason: OutOfServiceReason
    note: str


class StayOut(Schema):
    id: int
    place_id: int
    service_id: int
    person_id: int
    household_id: int | None
    occupants: int
    followup_id: int | None
    referral_id: int | None
    start_date: datetime.date
    planned_end: datetime.date | None
    end_date: datetime.date | None
    exit_reason: str
    exit_destination: str
    transferred_from_id: int | None
    version: int


class AdmitIn(Schema):
    place: int = Field(..., **ID)
    person: int = Field(..., **ID)
    start_date: datetime.date | None = None
    planned_end: datetime.date | None = None
    household: int | None = Field(None, **ID)


class ExtendIn(Schema):
    version: int = Field(..., ge=1, le=2**31)
    new_end: datetime.date
    reason: str = Field(..., max_length=2000)


class TransferIn(Schema):
    version: int = Field(..., ge=1, le=2**31)
    to_place: int = Field(..., **ID)
    on: datetime.date | None = None


class EndIn(Schema):
    version: int = Field(..., ge=1, le=2**31)
    on: datetime.date | None = None
    exit_reason: ExitReason
    exit_destination: ExitDestination


class BoardStayOut(Schema):
    id: int
    person_id: int | None
    person: str
    occupants: int
    start_date: datetime.date
    planned_end: datetime.date | None


class BoardPlaceOut(Schema):
    place: PlaceOut
    free: int
    out_of_service: bool
    stays: list[BoardStayOut]
    free_next_days: list[int]


class BoardOut(Schema):
    service_id: int
    day: datetime.date
    free_now: int
    free_by_day: list[tuple[datetime.date, int]]
    places: list[BoardPlaceOut]


class RouteToPlaceIn(Schema):
    version: int = Field(..., ge=1, le=2**31)
    place: int = Field(..., **ID)
    note: str = Field("", max_length=2000)


def _place_out(request, place):
    out = PlaceOut.from_orm(place)
    out.address = services.place_address(request.user, place)
    return out


@router.get("/places", response=list[PlaceOut], summary="The places of one of my services")
def list_places(request, service: int):
    svc = services.team_service(request.user, service)
    return [_place_out(request, p) for p in svc.places.order_by("label", "pk")[:2000]]


@router.post("/places", response={201: PlaceOut}, summary="Add a place (head of service)")
def create_place(request, payload: PlaceIn):
    services.team_service(request.user, payload.service)
    values = payload.dict(exclude={"service"})
    return Reply(201, _place_out(request, services.create_place(request.user, payload.service, values)))


@router.patch("/places/{int:place_id}", response=PlaceOut, summary="Change a place (head of service)")
def update_place(request, place_id: int, payload: PlacePatch):
    place = services.get_place(request.user, place_id)
    values = {k: v for k, v in payload.dict(exclude={"version"}).items() if v is not None}
    return _place_out(request, services.update_place(request.user, place, values, payload.version))


@router.post("/places/{int:place_id}/out-of-service", response={201: OutOfServiceOut},
             summary="Take a place out of service for a period, with the reason (head of service)")
def out_of_service(request, place_id: int, payload: OutOfServiceIn):
    place = services.get_place(request.user, place_id)
    return Reply(201, services.add_out_of_service(request.user, place, start_date=payload.start_date,
                                                  end_date=payload.end_date, reason=payload.reason,
                                                  note=payload.note))


@router.get("/services/{int:service_id}/occupancy", response=BoardOut,
            summary="Occupancy board: who is where tonight, free places now and over the next 30 nights")
def occupancy(request, service_id: int):
    svc = services.team_service(request.user, service_id)
    b = services.board(request.user, svc)
    return {
        "service_id": svc.pk, "day": b.day, "free_now": b.free_now, "free_by_day": b.free_by_day,
        "places": [{
            "place": _place_out(request, row.place), "free": row.free, "out_of_service": row.out_of_service,
            "free_next_days": row.free_by_day,
            "stays": [{"id": s.id, "person_id": s.person_id if s.person_visible else None,
                       "person": str(s.person) if s.person_visible else "", "occupants": s.occupants,
                       "start_date": s.start_date, "planned_end": s.planned_end} for s in row.stays],
        } for row in b.rows],
    }


@router.post("/stays", response={201: StayOut}, summary="Admit a person on a place")
def admit(request, payload: AdmitIn):
    place = services.get_place(request.user, payload.place)
    stay = services.admit(request.user, place, payload.person, start_date=payload.start_date,
                          household_id=payload.household, planned_end=payload.planned_end)
    return Reply(201, stay)


@router.get("/stays/{int:stay_id}", response=StayOut, summary="One stay")
def get_stay(request, stay_id: int):
    return services.read_stay(request.user, stay_id)


@router.post("/stays/{int:stay_id}/extend", response=StayOut, summary="Extend a stay, with the reason")
def extend(request, stay_id: int, payload: ExtendIn):
    stay = services.extend(request.user, services.get_stay(request.user, stay_id), payload.version,
                           new_end=payload.new_end, reason=payload.reason)
    return stay


@router.post("/stays/{int:stay_id}/transfer", response={201: StayOut},
             summary="Transfer to another place of the service: ends this stay, returns the new one")
def transfer(request, stay_id: int, payload: TransferIn):
    stay = services.transfer(request.user, services.get_stay(request.user, stay_id), payload.version,
                             to_place_id=payload.to_place, on=payload.on)
    return Reply(201, stay)


@router.post("/stays/{int:stay_id}/end", response=StayOut, summary="End a stay: exit reason and destination")
def end(request, stay_id: int, payload: EndIn):
    stay = services.end_stay(request.user, services.get_stay(request.user, stay_id), payload.version,
                             on=payload.on, exit_reason=payload.exit_reason,
                             exit_destination=payload.exit_destination)
    return stay


class RegionalOut(Schema):
    day: datetime.date
    services: int = 0
    total: int
    kinds: list[str]
    by_territory: list[dict]
    by_service: list[dict]


@router.get("/regional/free-places", response=RegionalOut,
            summary="Free places tonight by kind and territory (regulators; no person, no place named)")
def regional(request):
    if request.user.kind != AccountKind.REGULATOR:
        raise NotFound()
    return services.regional_free_places(request.user)


class OverTimeRow(Schema):
    territory_id: int
    territory: str
    level: str
    values: list[float | None]
    hidden: list[str]


class OverTimeOut(Schema):
    year: int
    months: list[str]
    rows: list[OverTimeRow]


@router.get("/regional/free-places/over-time", response=OverTimeOut,
            summary="Free places by territory over time: mean free places per night, month by month (regulators)",
            description="One calendar year that is over (the indicators' grid); no person, no place named.")
def regional_over_time(request, year: int = Query(..., ge=1900, le=9999)):
    return services.regional_free_places_over_time(request.user, year)


@router.post("/referrals/{int:referral_id}/route-to-place", response=PlaceOut,
             summary="Route a referral to a free place of a service (regulators)")
def route_to_place(request, referral_id: int, payload: RouteToPlaceIn):
    referral = visible_referrals(request.user).filter(pk=referral_id).first()
    if referral is None or request.user.kind != "regulator":
        raise NotFound()
    place = services.route_to_place(request.user, referral, payload.version, place_id=payload.place,
                                    note=payload.note)
    return _place_out(request, place)


class AttendanceIn(Schema):
    person: int = Field(..., **ID)
    on: datetime.date | None = None
    care: list[str] = Field(default_factory=list, max_length=20)


class AttendanceOut(Schema):
    id: int
    person_id: int
    person: str
    on: datetime.date
    care: list[str]


@router.get("/services/{int:service_id}/attendance", response=list[AttendanceOut],
            summary="The attendance register of a day service for one day (care shown by compartment)")
def attendance(request, service_id: int, on: datetime.date | None = None):
    svc = services.team_service(request.user, service_id)
    rows = services.register(request.user, svc, on or timezone.localdate())
    return [{"id": a.pk, "person_id": a.person_id, "person": str(a.person), "on": a.on, "care": shown}
            for a, shown in rows]


@router.post("/services/{int:service_id}/attendance", response={201: AttendanceOut},
             summary="Record a person received by a day service on an opening day")
def record_attendance(request, service_id: int, payload: AttendanceIn):
    svc = services.team_service(request.user, service_id)
    a = services.record_attendance(request.user, svc, payload.person, on=payload.on, care=payload.care)
    return Reply(201, {"id": a.pk, "person_id": a.person_id, "person": str(a.person), "on": a.on, "care": a.care})


# The housing park ----------------------------------------------------------------------------------

class ApartmentIn(Schema):
    label: str = Field(..., max_length=80)
    address: str = Field(..., max_length=500)
    service: int | None = Field(None, **ID)
    rooms: int = Field(1, ge=1, le=30)
    owner: str = Field("", max_length=200)
    owner_contact: str = Field("", max_length=200)
    lease_start: datetime.date | None = None
    lease_end: datetime.date | None = None
    rent: Decimal = Field(Decimal("0"), ge=0, lt=10_000_000, decimal_places=2)
    charges: Decimal = Field(Decimal("0"), ge=0, lt=10_000_000, decimal_places=2)
    insurer: str = Field("", max_length=200)


class IncidentOut(Schema):
    id: int
    apartment_id: int
    kind: IncidentKind
    occurred_on: datetime.date
    status: IncidentStatus
    description: str
    owner_contact: str
    insurer_contact: str
    contractor_contact: str
    cost: Decimal
    version: int


class PhotoOut(Schema):
    id: int
    content_type: str
    size: int


class InventoryOut(Schema):
    id: int
    apartment_id: int
    kind: InventoryKind
    done_on: datetime.date
    rooms: list[dict]
    signed_by_occupant: bool
    signed_by_operator: bool
    photos: list[PhotoOut] = []

    @staticmethod
    def resolve_photos(obj):
        return list(obj.photos.all())


class ApartmentOut(Schema):
    id: int
    operator_id: int
    service_id: int | None
    label: str
    address: str
    rooms: int
    owner: str
    owner_contact: str
    lease_start: datetime.date | None
    lease_end: datetime.date | None
    rent: Decimal
    charges: Decimal
    insurer: str
    version: int


class ApartmentDetailOut(ApartmentOut):
    incidents: list[IncidentOut]
    inventories: list[InventoryOut]

    @staticmethod
    def resolve_incidents(obj):
        return list(obj.incidents.all())

    @staticmethod
    def resolve_inventories(obj):
        return list(obj.inventories.all())


class IncidentIn(Schema):
    kind: IncidentKind
    occurred_on: datetime.date
    status: IncidentStatus = IncidentStatus.OPEN
    description: str = Field("", max_length=2000)
    owner_contact: str = Field("", max_length=200)
    insurer_contact: str = Field("", max_length=200)
    contractor_contact: str = Field("", max_length=200)
    cost: Decimal = Field(Decimal("0"), ge=0, lt=10_000_000, decimal_places=2)


class IncidentPatch(Schema):
    version: int = Field(..., ge=1, le=2**31)
    status: IncidentStatus | None = None
    cost: Decimal | None = Field(None, ge=0, lt=10_000_000, decimal_places=2)
    description: str | None = Field(None, max_length=2000)
    insurer_contact: str | None = Field(None, max_length=200)
    contractor_contact: str | None = Field(None, max_length=200)


class RoomIn(Schema):
    room: str = Field(..., max_length=80)
    condition: str = Field("", max_length=40)
    note: str = Field("", max_length=500)


class InventoryIn(Schema):
    kind: InventoryKind
    done_on: datetime.date
    rooms: list[RoomIn] = Field(..., max_length=50)
    signed_by_occupant: bool = False
    signed_by_operator: bool = False


def _park_user(request):
    if not park.is_park_user(request.user):
        raise NotFound()


@router.get("/park/apartments", response=list[ApartmentOut], summary="The housing park I manage")
def park_apartments(request):
    _park_user(request)
    return list(park.visible_apartments(request.user)[:2000])


@router.post("/park/apartments", response={201: ApartmentOut}, summary="Add an apartment to the park")
def park_create(request, payload: ApartmentIn):
    _park_user(request)
    values = payload.dict(exclude={"service"})
    values["service_id"] = payload.service
    return Reply(201, park.create_apartment(request.user, values))


@router.get("/park/apartments/{int:apartment_id}", response=ApartmentDetailOut,
            summary="An apartment with its incidents and inventories")
def park_apartment(request, apartment_id: int):
    return park.get_apartment(request.user, apartment_id)


@router.post("/park/apartments/{int:apartment_id}/incidents", response={201: IncidentOut},
             summary="Record an incident (sinistre, lost keys, repair)")
def park_incident(request, apartment_id: int, payload: IncidentIn):
    flat = park.get_apartment(request.user, apartment_id)
    return Reply(201, park.record_incident(request.user, flat, payload.dict()))


@router.patch("/park/incidents/{int:incident_id}", response=IncidentOut, summary="Follow an incident up")
def park_incident_update(request, incident_id: int, payload: IncidentPatch):
    incident = park.get_incident(request.user, incident_id)
    values = {k: v for k, v in payload.dict(exclude={"version"}).items() if v is not None}
    return park.update_incident(request.user, incident, values, payload.version)


@router.post("/park/apartments/{int:apartment_id}/inventories", response={201: InventoryOut},
             summary="Record a check-in or check-out inventory (photos: POST them to the inventory)")
def park_inventory(request, apartment_id: int, payload: InventoryIn):
    flat = park.get_apartment(request.user, apartment_id)
    inventory = park.record_inventory(request.user, flat, kind=payload.kind, done_on=payload.done_on,
                                      rooms=[r.dict() for r in payload.rooms],
                                      signed_by_occupant=payload.signed_by_occupant,
                                      signed_by_operator=payload.signed_by_operator)
    return Reply(201, inventory)


@router.post("/park/inventories/{int:inventory_id}/photos", response={201: PhotoOut},
             summary="Attach a photo (JPEG, PNG or PDF, 10 MB at most) to an inventory")
def park_photo(request, inventory_id: int, photo: UploadedFile = File(...)):  # noqa: B008
    inventory = park.get_inventory(request.user, inventory_id)
    return Reply(201, park.add_photo(request.user, inventory, photo))
