import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.responses import Status

from aupres.core.errors import DomainError, NotFound
from aupres.services import services
from aupres.services.models import (
    CapacityUnit,
    Membership,
    Need,
    OperatorKind,
    Profession,
    Public,
    ServiceKind,
    Territory,
    TerritoryLevel,
)

router = Router(tags=["services"])


class TerritoryOut(Schema):
    id: int
    level: TerritoryLevel
    code: str
    name: str
    parent_id: int | None


class RulesOut(Schema):
    public: Public
    public_description: str
    capacity_unit: CapacityUnit
    usual_length_min_days: int | None
    usual_length_max_days: int | None
    max_length_days: int | None
    requires_prescription: bool
    required_documents: list[str]
    accepted_needs: list[str]
    min_age: int | None
    max_age: int | None
    max_months_on_street: int | None
    requires_expressed_demand: bool
    eligibility_notes: str
    has_orientation_committee: bool
    confidential_location: bool


class KindOut(RulesOut):
    id: int
    code: str
    name: str
    default_capacity: int | None
    specifics: str


class ServiceOut(RulesOut):
    id: int
    version: int
    name: str
    operator_id: int
    kind: str = Field(alias="kind.code")
    capacity: int
    territories: list[int]
    opening_days: str
    opens_day: bool
    opens_night: bool
    open_all_week: bool
    no_encounter_alert_days: int
    access_after_exit_days: int
    retention_days_after_exit: int
    is_active: bool

    @staticmethod
    def resolve_territories(obj):
        return [t.pk for t in obj.territories.all()]


class RuleFields(Schema):
    public: Public | None = None
    public_description: str | None = Field(None, max_length=5000)
    capacity_unit: CapacityUnit | None = None
    capacity: int | None = Field(None, ge=0, le=10_000)
    usual_length_min_days: int | None = Field(None, ge=0, le=36500)
    usual_length_max_days: int | None = Field(None, ge=0, le=36500)
    max_length_days: int | None = Field(None, ge=0, le=36500)
    requires_prescription: bool | None = None
    required_documents: list[str] | None = None
    accepted_needs: list[Need] | None = Field(
        None, max_length=len(Need.values),
        description="Kinds of need the service takes; a referral naming none of them does not fit. "
                    "Empty: any need.")
    min_age: int | None = Field(None, ge=0, le=120)
    max_age: int | None = Field(None, ge=0, le=120)
    max_months_on_street: int | None = Field(None, ge=0, le=1200)
    requires_expressed_demand: bool | None = None
    eligibility_notes: str | None = Field(None, max_length=5000)
    has_orientation_committee: bool | None = None
    confidential_location: bool | None = None
    opening_days: str | None = Field(None, max_length=7)
    opens_day: bool | None = None
    opens_night: bool | None = None
    no_encounter_alert_days: int | None = Field(None, ge=1, le=365)
    access_after_exit_days: int | None = Field(None, ge=1, le=3650)
    retention_days_after_exit: int | None = Field(None, ge=0, le=36500)
    is_active: bool | None = None
    territories: list[int] | None = None


NULLABLE = {"usual_length_min_days", "usual_length_max_days", "max_length_days", "min_age", "max_age",
            "max_months_on_street"}


class ServiceCreate(RuleFields):
    operator: int
    kind: str = Field(description="Code of the kind, e.g. lhss_mobile.")
    name: str = Field("", max_length=200)


class ServiceUpdate(RuleFields):
    version: int
    name: str | None = Field(None, min_length=1, max_length=200)
    effective_from: datetime.date | None = Field(
        None, ge=datetime.date(2000, 1, 1), le=datetime.date(2100, 12, 31),
        description="From when the dated rules given here apply (capacity and its unit, usual and maximum "
                    "lengths, opening days, no-encounter delay): today by default; never in the future. "
                    "A past date corrects the figures from that date on and needs correction_note.")
    correction_note: str = Field("", max_length=500, description="Why a past date: kept in the rule history.")


def _rule_values(payload):
    values = payload.model_dump(exclude_unset=True, exclude={"version", "operator", "kind", "territories",
                                                             "effective_from", "correction_note"})
    for name, value in values.items():
        if value is None and name not in NULLABLE:
            raise DomainError(_("This field cannot be empty."), field=name)
    return values


def _territories(ids):
    if ids is None:
        return None
    found = list(Territory.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise DomainError(_("Unknown territory."), field="territories")
    return found


@router.get("/territories", response=list[TerritoryOut], tags=["services"])
def list_territories(request):
    return list(Territory.objects.all())


class CommuneIn(Schema):
    code: str = Field(pattern=r"^(\d{5}|2[AB]\d{3})$", description="INSEE code of the commune")
    name: str = Field(min_length=1, max_length=120)
    departement: str = Field(max_length=3, description="Code of its département, e.g. 59")


@router.post("/territories", response={201: TerritoryOut}, summary="Add a commune (heads of service)")
def add_commune(request, payload: CommuneIn):
    return Status(201, services.add_commune(request.user, payload.code, payload.name.strip(), payload.departement))


@router.get("/service-kinds", response=list[KindOut], summary="The fifteen kinds, used as templates")
def list_kinds(request):
    return list(services.kinds())


@router.get("/services", response=list[ServiceOut])
def list_services(request):
    return list(services.visible_services(request.user).prefetch_related("territories"))


@router.get("/services/{int:service_id}", response=ServiceOut)
def read_service(request, service_id: int):
    service = services.visible_services(request.user).filter(pk=service_id).first()
    if service is None:
        raise NotFound()
    return service


@router.post("/services", response={201: ServiceOut}, summary="Create a service from a kind's template")
def create_service(request, payload: ServiceCreate):
    operator = services.get_manageable_operator(request.user, payload.operator)
    kind = ServiceKind.objects.filter(code=payload.kind).first()
    if kind is None:
        raise DomainError(_("Unknown service kind."), field="kind")
    values = _rule_values(payload)
    territories = _territories(payload.territories) or []
    return Status(201, services.create_service(request.user, operator, kind, values, territories))


@router.patch("/services/{int:service_id}", response=ServiceOut)
def update_service(request, service_id: int, payload: ServiceUpdate):
    service = services.get_manageable_service(request.user, service_id)
    return services.update_service(request.user, service, _rule_values(payload), payload.version,
                                   _territories(payload.territories), effective_from=payload.effective_from,
                                   correction_note=payload.correction_note)


class RuleChangeOut(Schema):
    rule: str
    value: int | str | None
    previous_value: int | str | None
    valid_from: datetime.date
    correction: bool
    note: str
    recorded_at: datetime.datetime
    recorded_by: str | None = Field(None, alias="recorded_by.username")


@router.get("/services/{int:service_id}/rule-history", response=list[RuleChangeOut],
            summary="The history of the service's dated rules (heads of service of its operator)")
def rule_history(request, service_id: int):
    service = services.get_manageable_service(request.user, service_id)
    return list(services.rule_history(service)[:500])


class OperatorOut(Schema):
    id: int
    version: int
    name: str
    kind: OperatorKind
    siret: str
    address: str
    territory_id: int | None


class OperatorUpdate(Schema):
    version: int
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: OperatorKind | None = None
    siret: str | None = Field(None, max_length=14, pattern=r"^(\d{14})?$")
    address: str | None = Field(None, max_length=1000)


@router.get("/operators", response=list[OperatorOut], summary="Operators you manage")
def list_operators(request):
    return list(services.manageable_operators(request.user))


@router.patch("/operators/{int:operator_id}", response=OperatorOut)
def update_operator(request, operator_id: int, payload: OperatorUpdate):
    operator = services.get_manageable_operator(request.user, operator_id)
    values = payload.model_dump(exclude_unset=True, exclude={"version"})
    if any(v is None for v in values.values()):
        raise DomainError(_("This field cannot be empty."), field=next(k for k, v in values.items() if v is None))
    return services.update_operator(request.user, operator, values, payload.version)


class MembershipOut(Schema):
    id: int
    version: int
    user_id: int
    username: str = Field(alias="user.username")
    service_id: int
    profession: Profession
    etp: Decimal
    is_coordinating: bool
    is_on_call: bool
    start_date: datetime.date
    end_date: datetime.date | None


class MembershipIn(Schema):
    user: int = Field(ge=1, le=2**62)
    profession: Profession
    etp: Decimal = Field(gt=0, le=1, max_digits=4, decimal_places=2)
    is_coordinating: bool = False
    is_on_call: bool = False
    start_date: datetime.date
    end_date: datetime.date | None = None
    rpps: str | None = Field(None, max_length=11, description="The professional's RPPS number (health professions)")
    adeli: str | None = Field(None, max_length=9, description="The professional's ADELI number (health professions)")


class MembershipUpdate(Schema):
    version: int
    profession: Profession | None = None
    etp: Decimal | None = Field(None, gt=0, le=1, max_digits=4, decimal_places=2)
    is_coordinating: bool | None = None
    is_on_call: bool | None = None
    end_date: datetime.date | None = None


@router.get("/services/{int:service_id}/memberships", response=list[MembershipOut],
            summary="The team of a service you manage")
def list_memberships(request, service_id: int):
    service = services.get_team_service(request.user, service_id)
    return list(service.memberships.select_related("user"))


@router.post("/services/{int:service_id}/memberships", response={201: MembershipOut})
def add_membership(request, service_id: int, payload: MembershipIn):
    service = services.get_team_service(request.user, service_id)
    member = get_user_model().objects.filter(pk=payload.user, is_active=True).first()
    if member is None:
        raise DomainError(_("Unknown account."), field="user")
    values = payload.model_dump(exclude={"user", "rpps", "adeli"})
    return Status(201, services.add_membership(request.user, service, member, values,
                                               {"rpps": payload.rpps, "adeli": payload.adeli},
                                               base_url=request.build_absolute_uri("/")))


@router.patch("/memberships/{int:membership_id}", response=MembershipOut)
def update_membership(request, membership_id: int, payload: MembershipUpdate):
    membership = Membership.objects.select_related("service", "user").filter(pk=membership_id).first()
    if membership is None:
        raise NotFound()
    services.get_team_service(request.user, membership.service_id)
    values = payload.model_dump(exclude_unset=True, exclude={"version"})
    for name in ("profession", "etp", "is_coordinating", "is_on_call"):
        if name in values and values[name] is None:
            raise DomainError(_("This field cannot be empty."), field=name)
    return services.update_membership(request.user, membership, values, payload.version,
                                      base_url=request.build_absolute_uri("/"))
