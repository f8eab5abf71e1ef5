"""Schemas of the field app's API: one capture is checked alone, so that a bad one refuses only itself."""

import uuid
from typing import Any, Literal

from ninja import Field, Schema

from aupres.core.models import Compartment
from aupres.encounters.api import EncounterIn


class CaptureEncounter(EncounterIn):
    """The encounter of a capture: as POST /encounters (the capture's client_uuid is used), with the values of
    the service's own encounter fields."""

    custom: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, max_length=100,
        description="The service's own encounter fields (cf_<id> -> value), those the caseload offers.")


class CaptureNote(Schema):
    person: int = Field(ge=1, le=2**62)
    compartment: Compartment
    text: str = Field(min_length=1, max_length=5000)
    service: int | None = Field(None, ge=1, le=2**62)


class PersonSeen(Schema):
    id: int = Field(ge=1, le=2**62)
    version: int = Field(ge=0, le=2**31)


class Capture(Schema):
    """One capture made on the phone (documentation of the items of POST /sync)."""

    client_uuid: uuid.UUID
    kind: Literal["encounter", "note"]
    captured_at: str | None = Field(None, max_length=40)
    persons_seen: list[PersonSeen] = Field(default_factory=list, max_length=200, description=(
        "Each person of the capture with the version the phone had cached: a different version on the "
        "server makes the capture a conflict."))
    encounter: CaptureEncounter | None = None
    note: CaptureNote | None = None


class SyncIn(Schema):
    items: list[dict[str, Any]] = Field(max_length=500, description=(
        "Captures (see Capture), each applied once and alone: a bad one is refused with its reason, the "
        "others are applied."))


class PersonChanged(Schema):
    id: int
    version: int
    name: str


class SyncResult(Schema):
    client_uuid: str
    status: Literal["created", "already_applied", "conflict", "refused"]
    record: int | None = None
    code: str | None = None
    message: str | None = None
    field: str | None = None
    persons: list[PersonChanged] = Field(default_factory=list)


class SyncOut(Schema):
    results: list[SyncResult]
    server_time: str


class KeyOut(Schema):
    kid: str
    key: str = Field(description="AES-256-GCM key of this session, base64.")
    idle_minutes: int


class FieldCustomFieldOut(Schema):
    id: int
    label: str
    kind: str
    options: list[str]
    compartment: str


class FieldServiceOut(Schema):
    id: int
    name: str
    records: bool
    place_kind: str | None
    mode: str | None
    act: str | None
    acts: list[str]
    custom_fields: list[FieldCustomFieldOut] = Field(default_factory=list, description=(
        "The service's own encounter fields the user may fill in (compartments held there only)."))


class FieldPersonOut(Schema):
    id: int
    version: int
    name: str
    alias: str
    sex: str
    age: int | None
    services: list[int]
    service: int | None
    card: dict[str, Any]
    note_compartments: list[str]


class FieldCaseloadOut(Schema):
    generated_at: str
    idle_minutes: int
    services: list[FieldServiceOut]
    persons: list[FieldPersonOut]
