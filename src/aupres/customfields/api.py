"""API of the team's own fields (issue #17, D56): definitions for the head of service, values of persons and
follow-ups cut to the compartments the reader holds, and the indicator by a choice field."""

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import StringConstraints

from aupres.core import access
from aupres.customfields import services
from aupres.customfields.models import MAX_OPTION_LENGTH, MAX_OPTIONS, FieldKind, FieldTarget
from aupres.encounters import services as encounter_services
from aupres.followups import services as followup_services
from aupres.indicators.engine import Period

router = Router(tags=["custom fields"])

Option = Annotated[str, StringConstraints(max_length=MAX_OPTION_LENGTH)]
RawValue = Annotated[str, StringConstraints(max_length=2000)] | float | bool | None


class CustomFieldOut(Schema):
    id: int
    service_id: int
    target: str
    label: str
    kind: str
    options: list[str]
    compartment: str
    order: int
    active: bool
    version: int


class CustomFieldIn(Schema):
    target: Literal[tuple(FieldTarget.values)]
    label: str = Field(max_length=120)
    kind: Literal[tuple(FieldKind.values)]
    options: list[Option] = Field(default_factory=list, max_length=MAX_OPTIONS + 5)
    compartment: Literal["health", "social", "administrative"]
    order: int = Field(0, ge=0, le=32000)
    active: bool = True


class CustomFieldUpdate(Schema):
    version: int = Field(ge=0, le=2**31)
    label: str | None = Field(None, max_length=120)
    options: list[Option] | None = Field(None, max_length=MAX_OPTIONS + 5)
    compartment: Literal["health", "social", "administrative"] | None = None
    order: int | None = Field(None, ge=0, le=32000)
    active: bool | None = None


class CustomValueOut(Schema):
    field_id: int
    service_id: int
    label: str
    kind: str
    compartment: str
    value: str | float | bool | None


class CustomValuesIn(Schema):
    values: dict[Annotated[str, StringConstraints(max_length=20)], RawValue] = Field(
        max_length=200, description='{"<field id>": value}; null or "" clears the field.')


def _value_out(v):
    value = v.value
    if isinstance(value, datetime.date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = float(value)
    return {"field_id": v.field_id, "service_id": v.service_id, "label": v.field.label, "kind": v.field.kind,
            "compartment": v.compartment, "value": value}


@router.get("/services/{int:service_id}/custom-fields", response=list[CustomFieldOut],
            summary="The team's own fields of a service",
            description="Its head of service reads them all; a member, the active fields of the compartments "
                        "they hold there.")
def list_definitions(request, service_id: int):
    return services.service_definitions(request.user, service_id)


@router.post("/services/{int:service_id}/custom-fields", response={201: CustomFieldOut},
             summary="Add a field to a form of the service (its head of service)")
def create_definition(request, service_id: int, payload: CustomFieldIn):
    return Status(201, services.create_definition(request.user, service_id, payload.dict()))


@router.patch("/custom-fields/{int:field_id}", response=CustomFieldOut, summary="Change a field (its head of service)")
def update_definition(request, field_id: int, payload: CustomFieldUpdate):
    definition = services.get_definition(request.user, field_id)
    values = {k: v for k, v in payload.dict(exclude_unset=True).items() if k != "version" and v is not None}
    return services.update_definition(request.user, definition, values, payload.version)


@router.get("/persons/{int:person_id}/custom-fields", response=list[CustomValueOut],
            summary="The team's own fields of a person, in the compartments you read")
def read_person_values(request, person_id: int):
    person = access.get_visible_person(request.user, person_id)
    return [_value_out(v) for v in services.read_person_values(request.user, person)]


@router.patch("/persons/{int:person_id}/custom-fields", response=list[CustomValueOut],
              summary="Fill in the team's own fields of a person")
def update_person_values(request, person_id: int, payload: CustomValuesIn):
    person = access.get_visible_person(request.user, person_id)
    services.save_person_values(request.user, person, payload.values)
    return [_value_out(v) for v in services.person_values(request.user, person)]


@router.get("/followups/{int:followup_id}/custom-fields", response=list[CustomValueOut],
            summary="The team's own fields of a follow-up, in the compartments you hold in its service")
def read_followup_values(request, followup_id: int):
    followup = followup_services.get_followup(request.user, followup_id)
    return [_value_out(v) for v in services.read_followup_values(request.user, followup)]


@router.patch("/followups/{int:followup_id}/custom-fields", response=list[CustomValueOut],
              summary="Fill in the team's own fields of a follow-up")
def update_followup_values(request, followup_id: int, payload: CustomValuesIn):
    followup = followup_services.get_followup(request.user, followup_id)
    services.save_followup_values(request.user, followup, payload.values)
    return [_value_out(v) for v in services.followup_values(request.user, followup)]


@router.get("/encounters/{int:encounter_id}/custom-fields", response=list[CustomValueOut],
            summary="The team's own fields of an encounter, in the compartments you hold in its service")
def read_encounter_values(request, encounter_id: int):
    encounter = encounter_services.get_encounter(request.user, encounter_id)
    return [_value_out(v) for v in services.read_encounter_values(request.user, encounter)]


@router.patch("/encounters/{int:encounter_id}/custom-fields", response=list[CustomValueOut],
              summary="Fill in the team's own fields of an encounter")
def update_encounter_values(request, encounter_id: int, payload: CustomValuesIn):
    encounter = encounter_services.get_encounter(request.user, encounter_id)
    services.save_encounter_values(request.user, encounter, payload.values)
    return [_value_out(v) for v in services.encounter_values(request.user, encounter)]


class IndicatorQuery(Schema):
    year: int | None = Field(None, ge=1901, le=2200, description="A whole year over; none: this year to date.")


class IndicatorRow(Schema):
    key: str
    label: str
    value: int | None
    hidden: str | None


class IndicatorOut(Schema):
    field_id: int
    service_id: int
    start: datetime.date
    end: datetime.date
    rows: list[IndicatorRow]
    total: int | None
    total_hidden: str | None


@router.get("/indicators/custom-fields/{int:field_id}", response=IndicatorOut,
            summary="Follow-ups by a choice field, disclosure-controlled (« < 5 » and complements hidden)")
def indicator(request, field_id: int, query: Query[IndicatorQuery]):
    today = timezone.localdate()
    period = (Period.year(query.year) if query.year else Period(datetime.date(today.year, 1, 1), today))
    table = services.followups_by_field(request.user, field_id, period)
    return {"field_id": table["field"].pk, "service_id": table["field"].service_id,
            "start": table["period"].start, "end": table["period"].end,
            "rows": [{"key": k, "label": str(label), "value": v, "hidden": h} for k, label, v, h in table["rows"]],
            "total": table["total"], "total_hidden": table["total_hidden"]}
