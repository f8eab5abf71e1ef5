import datetime

from ninja import Field, Query, Router, Schema

from aupres.audit import export as gdpr_export
from aupres.audit import services
from aupres.audit.models import Action, Channel
from aupres.core import access

router = Router(tags=["audit"])


class EventOut(Schema):
    id: int
    at: datetime.datetime
    user_id: int | None
    username: str
    person_id: int | None
    person_ids: list[int] = Field(alias="person_id_list")
    person_count: int
    service_id: int | None
    compartments: list[str] = Field(alias="compartment_list")
    action: Action
    channel: Channel
    route: str
    emergency: bool
    emergency_access_id: int | None


class EventPage(Schema):
    count: int
    items: list[EventOut]


class JournalQuery(Schema):
    person: int | None = Field(None, ge=1, le=2**62)
    user: int | None = Field(None, ge=1, le=2**62)
    action: Action | None = None
    compartment: str | None = Field(None, max_length=20)
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**7)


@router.get("/audit/events", response=EventPage, summary="Access journal of your services (head of service)")
def list_events(request, query: Query[JournalQuery]):
    qs = services.journal(request.user, person_id=query.person, user_id=query.user, action=query.action,
                          compartment=query.compartment)
    return {"count": qs.count(), "items": list(qs[query.offset: query.offset + query.limit])}


class AccessOut(Schema):
    at: datetime.datetime
    username: str
    action: Action
    channel: Channel
    compartments: list[str] = Field(alias="compartment_list")
    emergency: bool


@router.get("/persons/{int:person_id}/accesses", response=list[AccessOut],
            summary="Who consulted or changed this person's record, latest first")
def person_accesses(request, person_id: int, limit: int = Query(50, ge=1, le=500)):
    person = access.get_visible_person(request.user, person_id)
    return services.read_person_accesses(request.user, person, limit)


class RectificationOut(Schema):
    at: datetime.datetime
    user_id: int | None
    record: str
    compartment: str
    field: str
    old_value: str
    new_value: str


@router.get("/persons/{int:person_id}/rectifications", response=list[RectificationOut],
            summary="Rectification history, in the compartments you hold")
def person_rectifications(request, person_id: int):
    person = access.get_visible_person(request.user, person_id)
    return services.read_rectifications(request.user, person)


@router.get("/persons/{int:person_id}/export", response=dict,
            summary="Everything held about the person, for an access request (head of service)")
def person_export(request, person_id: int):
    person = services.exportable_person(request.user, person_id)
    scope = gdpr_export.Scope(request.user, person)
    data = gdpr_export.as_json(person, gdpr_export.collect(person, scope))
    services.record(request.user, person, Action.EXPORT, scope.compartments(), Channel.API,
                    services.route_of(request))
    return data


class MembershipEventOut(Schema):
    id: int
    at: datetime.datetime
    user_id: int | None
    username: str
    member_id: int | None
    member_username: str
    membership_id: int
    service_id: int
    operator_id: int
    action: str
    before: dict
    after: dict
    opens_health: bool
    heads_notified: int
    mails_sent: int


class MembershipEventPage(Schema):
    count: int
    items: list[MembershipEventOut]


class MembershipJournalQuery(Schema):
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**7)


@router.get("/audit/memberships", response=MembershipEventPage,
            summary="Team memberships given, changed or ended in your operator (head of service)")
def list_membership_events(request, query: Query[MembershipJournalQuery]):
    qs = services.membership_journal(request.user)
    return {"count": qs.count(), "items": list(qs[query.offset: query.offset + query.limit])}
