"""Referrals API: /api/v1/referrals… (team, partner, regulator) and /api/v1/public/referrals (no account).

Same access model as the screens (aupres.referrals.services.visible_referrals): a partner reads only
the status of what it sent, a regulator reads no health content, the public form reads nothing back.
"""

import datetime
from typing import Literal

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as Reply

from aupres.accounts.models import AccountKind
from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.core.models import Compartment
from aupres.persons.models import Person
from aupres.referrals import duplicates, services
from aupres.referrals.models import Consent, DeclineReason, DocumentKind, Need, Source, Status, Urgency
from aupres.services.models import Service

router = Router(tags=["referrals"])



Sex = Literal["female", "male", "other", "unknown"]


class ReferralIn(Schema):
    source: Source
    referrer_organisation: str = Field("", max_length=200)
    referrer_name: str = Field("", max_length=160)
    referrer_phone: str = Field("", max_length=30)
    referrer_email: str = Field("", max_length=200)
    service: int | None = Field(None, ge=1, description="The service asked; leave empty for the regulator.")
    territory: int | None = Field(None, ge=1, description="Where the person is, when no service is chosen.")
    alias: str = Field("", max_length=100)
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    sex: Sex = "unknown"
    birth_year: int | None = Field(None, ge=1900, le=2100)
    estimated_age: int | None = Field(None, ge=0, le=120)
    minor_children: int = Field(0, ge=0, le=20)
    newborn: bool = False
    household_size: int = Field(1, ge=1, le=30)
    needs: list[Need] = Field(min_length=1, max_length=9)
    urgency: Urgency = Urgency.PROGRAMMED
    consent: Consent = Consent.NOT_INFORMED
    phone: str = Field("", max_length=30)
    location: str = Field("", max_length=300)
    on_street_since: datetime.date | None = None
    social_description: str = Field("", max_length=5000)
    health_description: str = Field("", max_length=5000)
    prescription_date: datetime.date | None = None
    prescriber: str = Field("", max_length=160)


class TeamReferralIn(ReferralIn):
    person: int | None = Field(None, ge=1, description="Team members: a person your team already sees.")


class PublicReferralIn(ReferralIn):
    website: str = Field("", max_length=200, description="Leave empty.")


class Receipt(Schema):
    receipt: str


class Reason(Schema):
    code: str
    message: str


class CapacityOut(Schema):
    used: int
    limit: int | None
    free: int | None
    unit: str


class AttachmentOut(Schema):
    id: int
    kind: DocumentKind
    original_name: str
    size: int
    content_type: str


class Social(Schema):
    location: str
    on_street_since: datetime.date | None
    social_description: str


class Health(Schema):
    health_description: str
    prescription_date: datetime.date | None
    prescriber: str


class ReferralOut(Schema):
    id: int
    receipt: str
    view: Literal["team", "partner", "regulator"]
    status: Status
    status_label: str
    received_at: datetime.datetime
    decided_at: datetime.datetime | None
    service: int | None
    service_name: str | None
    # team and regulator
    version: int | None = None
    source: Source | None = None
    referrer_organisation: str | None = None
    territory: str | None = None
    needs: list[Need] | None = None
    urgency: Urgency | None = None
    consent: Consent | None = None
    sex: str | None = None
    age: int | None = None
    minor_children: int | None = None
    newborn: bool | None = None
    household_size: int | None = None
    # team only
    door: str | None = None
    referrer_name: str | None = None
    referrer_phone: str | None = None
    referrer_email: str | None = None
    person: int | None = None
    alias: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    birth_year: int | None = None
    estimated_age: int | None = None
    compartments: list[Compartment] | None = None
    phone: str | None = Field(None, description="Null without the administrative compartment.")
    social: Social | None = Field(None, description="Null without the social compartment.")
    health: Health | None = Field(None, description="Null without the health compartment.")
    waiting_position: int | None = None
    decline_reason: DeclineReason | None = None
    decision_note: str | None = None
    accepted_at: datetime.datetime | None = None
    followup: int | None = None
    override_justification: str | None = None
    committee_strategy: str | None = None
    forwarded_to: int | None = None
    eligibility: list[Reason] | None = None
    capacity: CapacityOut | None = None
    attachments: list[AttachmentOut] | None = None


class ReferralPage(Schema):
    count: int
    items: list[ReferralOut]


def _common(r):
    return {"id": r.pk, "receipt": r.receipt, "status": r.status, "status_label": services.status_label(r),
            "received_at": r.received_at, "decided_at": r.decided_at, "service": r.service_id,
            "service_name": r.service.name if r.service_id else None}


def referral_out(user, r, positions=None, detail=False):
    data = _common(r)
    if user.kind == AccountKind.PARTNER:
        return {**data, "view": "partner"}
    data.update({
        "version": r.version, "source": r.source, "referrer_organisation": r.referrer_organisation,
        "territory": str(r.territory) if r.territory_id else None, "needs": r.needs, "urgency": r.urgency,
        "consent": r.consent, "sex": r.sex, "age": r.age(), "minor_children": r.minor_children,
        "newborn": r.newborn, "household_size": r.household_size,
    })
    if user.kind == AccountKind.REGULATOR:
        return {**data, "view": "regulator"}
    # The compartments' sections come from the read model (D62): absent there, null here.
    view = services.referral_view(user, r, documents=detail)
    data.update({
        "view": "team", "door": r.door, "referrer_name": r.referrer_name, "referrer_phone": r.referrer_phone,
        "referrer_email": r.referrer_email, "person": r.person_id,
        **{f: getattr(r, f) for f in ("alias", "first_name", "last_name", "birth_year", "estimated_age")},
        "compartments": sorted(view["compartments"]),
        "phone": view["administrative"]["phone"] if "administrative" in view else None,
        "social": view.get("social"), "health": view.get("health"),
        "waiting_position": (positions or {}).get(r.pk), "decline_reason": r.decline_reason or None,
        "decision_note": r.decision_note, "accepted_at": r.accepted_at, "followup": r.followup_id,
        "override_justification": r.override_justification, "committee_strategy": r.committee_strategy,
    })
    if detail:
        forward = r.forwards.order_by("-pk").first()
        data["forwarded_to"] = forward.pk if forward else None
        data["eligibility"] = [{"code": c, "message": str(m)} for c, m in services.eligibility(r.service, r)]
        cap = services.capacity_usage(r.service)
        data["capacity"] = {"used": cap.used, "limit": cap.limit, "free": cap.free, "unit": cap.unit}
        data["attachments"] = view["attachments"]
    return data


class ReferralFilter(Schema):
    status: Status | None = None
    service: int | None = Field(None, ge=1, le=2**62)
    territory: int | None = Field(None, ge=1, le=2**62, description="This territory and those below it")
    urgency: Urgency | None = None
    receipt: str = Field("", max_length=12, description="Part of the receipt number")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)


@router.get("/referrals", response=ReferralPage, summary="Referrals: your services' inbox, the ones you "
            "sent (partner), or the ones to route in your territory (regulator)")
def list_referrals(request, filters: Query[ReferralFilter]):
    qs = services.listed_referrals(request.user).select_related("service", "territory", "person")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.service:
        qs = qs.filter(service_id=filters.service)
    qs = services.filter_referrals(qs, territory_id=filters.territory, urgency=filters.urgency,
                                   receipt=filters.receipt)
    total = qs.count()
    items = services.referrals_page(request.user, qs, filters.offset, filters.limit)
    positions = services.waiting_positions({r.service_id for r in items if r.status == Status.WAITING})
    return {"count": total, "items": [referral_out(request.user, r, positions) for r in items]}


def _values(payload, exclude):
    return payload.model_dump(exclude={"service", "territory", "person", "website", *exclude})


@router.post("/referrals", response={201: ReferralOut}, summary="Send or record a referral")
def create_referral(request, payload: TeamReferralIn):
    if payload.person is not None and request.user.kind != AccountKind.STAFF:
        raise Forbidden(_("Only a team member links a referral to a person."), field="person")
    referral = services.create_referral(request.user, _values(payload, ()), service_id=payload.service,
                                        territory_id=payload.territory, person_id=payload.person)
    shown = referral if request.user.kind == AccountKind.PARTNER else services.get_referral(request.user, referral.pk)
    return Reply(201, referral_out(request.user, shown))


@router.get("/referrals/{int:referral_id}", response=ReferralOut)
def read_referral(request, referral_id: int):
    referral = services.read_referral(request.user, referral_id)
    positions = services.waiting_positions([referral.service_id]) if referral.status == Status.WAITING else {}
    return referral_out(request.user, referral, positions, detail=request.user.kind == AccountKind.STAFF)


class AcceptIn(Schema):
    version: int = Field(ge=0)
    person: int | None = Field(None, ge=1, description="Link to this person (one your team sees) instead of "
                               "creating one from the referral.")
    override_justification: str = Field("", max_length=2000, description="Head of service only: accept despite "
                                        "the eligibility or capacity rules.")
    place: int | None = Field(None, ge=1, le=2**62, description="For a service with places: the free place to "
                              "admit the person on (default: the first free place that fits).")


class DeclineIn(Schema):
    version: int = Field(ge=0)
    reason: DeclineReason
    note: str = Field("", max_length=2000)


class WaitIn(Schema):
    version: int = Field(ge=0)
    note: str = Field("", max_length=2000)


class ForwardIn(Schema):
    version: int = Field(ge=0)
    service: int = Field(ge=1)
    note: str = Field("", max_length=2000)


def _staff_referral(request, referral_id):
    if request.user.kind != AccountKind.STAFF:
        raise NotFound()
    return services.get_referral(request.user, referral_id)


def _after(request, referral):
    """The referral after a decision (journaled by the service that took it), as the team reads it now."""
    return referral_out(request.user, services.get_referral(request.user, referral.pk), detail=True)


@router.post("/referrals/{int:referral_id}/accept", response=ReferralOut,
             summary="Accept: opens a follow-up in the service")
def accept_referral(request, referral_id: int, payload: AcceptIn):
    referral = _staff_referral(request, referral_id)
    services.accept(request.user, referral, payload.version, person_id=payload.person,
                    override_justification=payload.override_justification, place_id=payload.place)
    return _after(request, referral)


@router.post("/referrals/{int:referral_id}/decline", response=ReferralOut)
def decline_referral(request, referral_id: int, payload: DeclineIn):
    referral = _staff_referral(request, referral_id)
    services.decline(request.user, referral, payload.version, reason=payload.reason, note=payload.note)
    return _after(request, referral)


@router.post("/referrals/{int:referral_id}/wait", response=ReferralOut, summary="Put on the waiting list")
def wait_referral(request, referral_id: int, payload: WaitIn):
    referral = _staff_referral(request, referral_id)
    services.put_on_waiting_list(request.user, referral, payload.version, note=payload.note)
    return _after(request, referral)


@router.post("/referrals/{int:referral_id}/forward", response=ReferralOut,
             summary="Forward to another service (answers the new referral's status as seen by you)")
def forward_referral(request, referral_id: int, payload: ForwardIn):
    referral = _staff_referral(request, referral_id)
    services.forward(request.user, referral, payload.version, service_id=payload.service, note=payload.note)
    return _after(request, referral)


@router.post("/referrals/{int:referral_id}/route", response=ReferralOut,
             summary="Regulator: address a referral of your territory to a service")
def route_referral(request, referral_id: int, payload: ForwardIn):
    if request.user.kind != AccountKind.REGULATOR:
        raise NotFound()
    referral = services.get_referral(request.user, referral_id)
    services.route(request.user, referral, payload.version, service_id=payload.service, note=payload.note)
    referral.refresh_from_db()
    return {**referral_out(request.user, referral), "view": "regulator"}


class SuggestionOut(Schema):
    service: int
    service_name: str
    score: int
    territory_match: bool
    need_match: bool
    reasons: list[Reason]
    capacity: CapacityOut


@router.get("/referrals/{int:referral_id}/suggestions", response=list[SuggestionOut],
            summary="Services ranked for this referral: territory, need, eligibility, free capacity")
def suggestions(request, referral_id: int):
    if request.user.kind not in (AccountKind.REGULATOR, AccountKind.STAFF):
        raise NotFound()
    referral = services.get_referral(request.user, referral_id)
    return [{"service": s.service.pk, "service_name": s.service.name, "score": s.score,
             "territory_match": s.territory_match, "need_match": s.need_match,
             "reasons": [{"code": c, "message": str(m)} for c, m in s.reasons],
             "capacity": {"used": s.capacity.used, "limit": s.capacity.limit, "free": s.capacity.free,
                          "unit": s.capacity.unit}} for s in services.suggest_services(referral)]


class ReasonOut(Schema):
    code: str
    message: str


class CandidateOut(Schema):
    person: int
    display_name: str
    birth_year: int | None
    age: int | None
    score: float
    matched: list[str]
    reasons: list[ReasonOut]
    why: str


def _candidates_out(cands):
    return [{"person": c.person.pk, "display_name": c.person.display_name, "birth_year": c.person.birth_year,
             "age": c.person.age(), "score": c.score, "matched": c.matched, "reasons": c.reasons_out(),
             "why": c.why} for c in cands]


@router.get("/referrals/{int:referral_id}/candidates", response=list[CandidateOut],
            summary="Persons your teams see who may be the one referred")
def referral_candidates(request, referral_id: int):
    if request.user.kind != AccountKind.STAFF:
        raise NotFound()
    # The referral's identity is read to search (its person, once linked), every candidate listed.
    referral = services.read_referral(request.user, referral_id)
    values = services.search_values(referral, services.referral_view(request.user, referral))
    found = duplicates.candidates_for(request.user, values)
    return _candidates_out(found)


class DuplicateSearch(Schema):
    alias: str = Field("", max_length=100)
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    birth_year: int | None = Field(None, ge=1900, le=2100)
    birth_date: datetime.date | None = None
    sex: Literal["", "female", "male", "unknown"] = ""
    phone: str = Field("", max_length=30)


@router.post("/referrals/duplicates", response=list[CandidateOut],
             summary="Duplicate candidates among the persons your teams see (POST: no names in URLs)")
def duplicate_search(request, payload: DuplicateSearch):
    if request.user.kind != AccountKind.STAFF:
        raise NotFound()
    found = duplicates.candidates_for(request.user, payload.model_dump())
    return _candidates_out(found)


class MergeIn(Schema):
    keep: int = Field(ge=1)
    absorb: int = Field(ge=1)


class MergeOut(Schema):
    person: int


@router.post("/referrals/merge-persons", response=MergeOut,
             summary="Merge two records of one person; every piece of history of both is kept")
def merge(request, payload: MergeIn):
    keep = access.get_visible_person(request.user, payload.keep)
    absorb = access.get_visible_person(request.user, payload.absorb)
    kept = duplicates.merge_persons(request.user, keep, absorb)  # journaled: both records changed
    return {"person": kept.pk}


class PairPersonOut(Schema):
    person: int
    display_name: str
    birth_year: int | None


class DuplicatePairOut(Schema):
    id: int
    first: PairPersonOut
    second: PairPersonOut
    probability: float
    state: str
    reasons: list[ReasonOut]
    why: str


def _pair_out(pair, a=None, b=None):
    def side(p, pk):
        return {"person": pk, "display_name": p.display_name if p else "", "birth_year": p.birth_year if p else None}

    reasons = [{"code": r, "message": str(duplicates.REASONS[r])} for r in pair.reasons if r in duplicates.REASONS]
    return {"id": pair.pk, "first": side(a, pair.first_person_id), "second": side(b, pair.second_person_id),
            "probability": pair.probability, "state": pair.state, "reasons": reasons,
            "why": ", ".join(r["message"] for r in reasons)}


@router.get("/referrals/duplicate-pairs", response=list[DuplicatePairOut],
            summary="Probable duplicates found by the sweep, among the records a head of service sees")
def duplicate_pairs(request):
    if request.user.kind != AccountKind.STAFF:
        raise NotFound()
    rows = duplicates.review_queue(request.user)
    return [_pair_out(pair, a, b) for pair, a, b in rows]


@router.post("/referrals/duplicate-pairs/{int:pair_id}/different", response=DuplicatePairOut,
             summary="« Personnes différentes »: remembered, never proposed again")
def duplicate_pair_different(request, pair_id: int):
    if request.user.kind != AccountKind.STAFF:
        raise NotFound()
    pair = duplicates.mark_different(request.user, pair_id)
    people = Person.objects.in_bulk([pair.first_person_id, pair.second_person_id])
    return _pair_out(pair, people.get(pair.first_person_id), people.get(pair.second_person_id))


@router.post("/referrals/{int:referral_id}/attachments", response={201: AttachmentOut},
             summary="Add a document (PDF, JPEG or PNG, at most 10 MB)")
def add_attachment(request, referral_id: int, kind: Form[DocumentKind], file: File[UploadedFile]):
    referral = services.get_referral(request.user, referral_id)
    if request.user.kind == AccountKind.REGULATOR:
        raise NotFound()
    doc = services.add_attachment(request.user, referral, kind, file)
    return Reply(201, doc)


@router.get("/referrals/{int:referral_id}/attachments/{int:attachment_id}",
            summary="Download a document (by compartment: medical files to health professions only)")
def download_attachment(request, referral_id: int, attachment_id: int):
    if request.user.kind != AccountKind.STAFF:
        raise NotFound()
    attachment = services.read_attachment(request.user, referral_id, attachment_id)
    return FileResponse(attachment.file.open("rb"), content_type=attachment.content_type, as_attachment=True,
                        filename=f"{attachment.kind}-{attachment.pk}.{attachment.file.name.rsplit('.', 1)[-1]}")


class CommitteeDecisionIn(Schema):
    referral: int = Field(ge=1)
    version: int = Field(ge=0)
    decision: Literal["accept", "decline", "wait"]
    strategy: str = Field("", max_length=5000)
    reason: DeclineReason | None = None
    note: str = Field("", max_length=2000)
    override_justification: str = Field("", max_length=2000)


class CommitteeIn(Schema):
    held_on: datetime.date
    attendees: str = Field(min_length=1, max_length=2000)
    notes: str = Field("", max_length=5000)
    decisions: list[CommitteeDecisionIn] = Field(default_factory=list, max_length=50)


class CommitteeOut(Schema):
    id: int
    held_on: datetime.date
    attendees: str
    referrals: list[int]


@router.post("/services/{int:service_id}/committee-meetings", response={201: CommitteeOut},
             summary="Record an orientation committee meeting and its decisions")
def committee_meeting(request, service_id: int, payload: CommitteeIn):
    service = Service.objects.filter(pk=service_id, pk__in=access.service_ids(request.user)).first()
    if service is None:
        raise NotFound()
    decisions = [{**d.model_dump(), "reason": d.reason or ""} for d in payload.decisions]
    meeting = services.record_committee_meeting(request.user, service, held_on=payload.held_on,
                                                attendees=payload.attendees, notes=payload.notes,
                                                decisions=decisions)
    return Reply(201, {"id": meeting.pk, "held_on": meeting.held_on, "attendees": meeting.attendees,
                       "referrals": list(meeting.referrals.values_list("pk", flat=True))})


@router.get("/services/{int:service_id}/capacity", response=CapacityOut, summary="How full a service is")
def service_capacity(request, service_id: int):
    service = Service.objects.filter(pk=service_id, pk__in=access.service_ids(request.user)).first()
    if service is None:
        raise NotFound()
    cap = services.capacity_usage(service)
    return {"used": cap.used, "limit": cap.limit, "free": cap.free, "unit": cap.unit}


@router.post("/public/referrals", response={201: Receipt, 429: dict}, auth=None,
             summary="Public referral form: no account; answers a receipt number and nothing else")
def public_referral(request, payload: PublicReferralIn):
    if not services.public_rate(services.client_ip(request)):
        raise services.rate_limited_error()
    if payload.website:
        return Reply(201, {"receipt": services.decoy_receipt()})
    try:
        referral = services.create_referral(None, _values(payload, ()), service_id=payload.service,
                                            territory_id=payload.territory)
    except Forbidden as error:  # pragma: no cover — anonymous senders are never refused as such
        raise DomainError(error.message) from None
    return Reply(201, {"receipt": referral.receipt})
