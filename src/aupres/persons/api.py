import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import field_validator

from aupres.core import access
from aupres.core.errors import DomainError
from aupres.core.models import Compartment
from aupres.core.schemas import Out
from aupres.followups import services as followup_services
from aupres.persons import services
from aupres.persons.models import (
    AdministrativeSituation,
    HouseholdRole,
    LivingSituationKind,
    RightKind,
    RightValue,
    Sex,
)

persons_router = Router(tags=["persons"])
households_router = Router(tags=["households"])


class Identity(Out):
    alias: str
    first_name: str
    last_name: str
    display_name: str
    sex: Sex
    birth_year: int | None
    estimated_age: int | None
    age: int | None
    age_is_estimated: bool


class Administrative(Out):
    birth_date: datetime.date | None
    birth_place: str
    nationality: str
    administrative_situation: AdministrativeSituation
    phone: str


class Social(Out):
    languages: str
    on_street_since: datetime.date | None
    months_on_street: int | None


class PersonOut(Out):
    id: int
    version: int
    compartments: list[Compartment]
    identity: Identity
    administrative: Administrative | None = Field(
        None, description="Null when you do not hold the administrative compartment."
    )
    social: Social | None = Field(None, description="Null when you do not hold the social compartment.")


class PersonListOut(Out):
    count: int
    items: list[PersonOut]


def person_out(user, person):
    """The person as the API shows them: the read model (persons.services.person_view), whose absent
    sections answer null."""
    view = services.person_view(user, person, records=False)
    return {"id": view["pk"], "version": view["version"], "compartments": sorted(view["compartments"]),
            "identity": view["identity"], "administrative": view.get("administrative"),
            "social": view.get("social")}


class PersonFields(Schema):
    alias: str | None = Field(None, max_length=100)
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    sex: Sex | None = None
    birth_year: int | None = Field(None, ge=1900, le=2100)
    estimated_age: int | None = Field(None, ge=0, le=120)
    birth_date: datetime.date | None = None
    birth_place: str | None = Field(None, max_length=120)
    nationality: str | None = Field(None, max_length=80)
    administrative_situation: AdministrativeSituation | None = None
    phone: str | None = Field(None, max_length=30)
    languages: str | None = Field(None, max_length=200)
    on_street_since: datetime.date | None = None


STRING_FIELDS = {"alias", "first_name", "last_name", "birth_place", "nationality", "phone", "languages"}


def _clean_values(payload):
    values = payload.model_dump(exclude_unset=True, exclude={"service", "version"})
    for name in list(values):
        if name in STRING_FIELDS:
            values[name] = (values[name] or "").strip()
        elif name in ("sex", "administrative_situation") and values[name] is None:
            raise DomainError(_("This field cannot be empty."), field=name)
    return values


class PersonCreate(PersonFields):
    service: int | None = Field(None, description="The service that follows the person; needed when "
                                "you belong to several.")


class PersonUpdate(PersonFields):
    version: int = Field(description="The version you read; a stale version is refused (409).")


class Page(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)


class PersonSearch(Page):
    q: str = Field(max_length=100, description="Words of a name or alias, accents ignored.")


def _person_page(request, qs, page):
    total, items = services.persons_page(request.user, qs, page.offset, page.limit)
    return {"count": total, "items": [person_out(request.user, p) for p in items]}


@persons_router.get("", response=PersonListOut, summary="Persons your teams follow")
def list_persons(request, page: Query[Page]):
    return _person_page(request, access.visible_persons(request.user), page)


@persons_router.post("/search", response=PersonListOut, summary="Search persons your teams follow",
                     description="A POST, so that names never appear in URLs or in server logs.")
def search_persons(request, payload: PersonSearch):
    return _person_page(request, access.visible_persons(request.user).search(payload.q), payload)


@persons_router.post("", response={201: PersonOut}, summary="Create a person, followed by one of your services")
def create_person(request, payload: PersonCreate):
    values = _clean_values(payload)
    person = followup_services.create_person(request.user, values, payload.service)
    return Status(201, person_out(request.user, person))


@persons_router.get("/{int:person_id}", response=PersonOut)
def read_person(request, person_id: int):
    return person_out(request.user, services.read_person(request.user, person_id))


@persons_router.patch("/{int:person_id}", response={200: PersonOut}, summary="Change a person")
def update_person(request, person_id: int, payload: PersonUpdate):
    person = access.get_visible_person(request.user, person_id)
    values = _clean_values(payload)
    person = services.update_person(request.user, person, values, payload.version)
    return person_out(request.user, person)


# Living situations, rights, medical profile, notes -------------------------------------------

class LivingSituationIn(Schema):
    kind: LivingSituationKind
    started_on: datetime.date
    ended_on: datetime.date | None = None
    place: str = Field("", max_length=160)


class LivingSituationOut(LivingSituationIn):
    id: int


@persons_router.get("/{int:person_id}/living-situations", response=list[LivingSituationOut])
def list_living_situations(request, person_id: int):
    return services.living_situations(request.user, access.get_visible_person(request.user, person_id))


@persons_router.post("/{int:person_id}/living-situations", response={201: LivingSituationOut})
def add_living_situation(request, person_id: int, payload: LivingSituationIn):
    person = access.get_visible_person(request.user, person_id)
    situation = services.add_living_situation(request.user, person, **payload.model_dump())
    return Status(201, situation)


class RightIn(Schema):
    kind: RightKind
    value: RightValue
    started_on: datetime.date
    expires_on: datetime.date | None = None
    note: str = Field("", max_length=200)


class RightOut(RightIn):
    id: int


@persons_router.get("/{int:person_id}/rights", response=list[RightOut])
def list_rights(request, person_id: int):
    return services.rights(request.user, access.get_visible_person(request.user, person_id))


@persons_router.post("/{int:person_id}/rights", response={201: RightOut})
def add_right(request, person_id: int, payload: RightIn):
    person = access.get_visible_person(request.user, person_id)
    right = services.add_right(request.user, person, **payload.model_dump())
    return Status(201, right)


class MedicalProfileFields(Schema):
    general_practitioner: str | None = Field(None, max_length=160)
    allergies: str | None = Field(None, max_length=5000)
    chronic_conditions: str | None = Field(None, max_length=5000)
    current_treatments: str | None = Field(None, max_length=5000)
    pregnancy_due_date: datetime.date | None = None


class MedicalProfileOut(Schema):
    version: int
    general_practitioner: str
    allergies: str
    chronic_conditions: str
    current_treatments: str
    pregnancy_due_date: datetime.date | None


class MedicalProfileUpdate(MedicalProfileFields):
    version: int


@persons_router.get("/{int:person_id}/medical-profile", response=MedicalProfileOut,
                    summary="Health compartment: reserved to the health professionals of the team")
def read_medical_profile(request, person_id: int):
    return services.read_medical_profile(request.user, access.get_visible_person(request.user, person_id))


@persons_router.patch("/{int:person_id}/medical-profile", response=MedicalProfileOut)
def update_medical_profile(request, person_id: int, payload: MedicalProfileUpdate):
    person = access.get_visible_person(request.user, person_id)
    values = payload.model_dump(exclude_unset=True, exclude={"version"})
    for name in list(values):
        if name != "pregnancy_due_date":
            values[name] = (values[name] or "").strip()
    profile = services.update_medical_profile(request.user, person, values, payload.version)
    return profile


class NoteIn(Schema):
    compartment: Compartment
    text: str = Field(min_length=1, max_length=20000)
    service: int | None = None


class NoteOut(Schema):
    id: int
    compartment: Compartment
    text: str
    service_id: int
    author_id: int | None
    created_at: datetime.datetime


@persons_router.get("/{int:person_id}/notes", response=list[NoteOut],
                    summary="Notes in the compartments you hold")
def list_notes(request, person_id: int):
    return services.notes(request.user, access.get_visible_person(request.user, person_id))


@persons_router.post("/{int:person_id}/notes", response={201: NoteOut})
def add_note(request, person_id: int, payload: NoteIn):
    person = access.get_visible_person(request.user, person_id)
    note = services.add_note(request.user, person, compartment=payload.compartment, text=payload.text,
                             service_id=payload.service)
    return Status(201, note)


# Households ---------------------------------------------------------------------------------

class MemberIn(Schema):
    person: int
    role: HouseholdRole


class MemberOut(Schema):
    person: int
    display_name: str
    role: HouseholdRole
    since: datetime.date
    is_minor: bool


class HouseholdIn(Schema):
    label: str = Field(min_length=1, max_length=160)
    members: list[MemberIn] = Field(min_length=1, max_length=30)

    @field_validator("label")
    @classmethod
    def strip(cls, value):
        return value.strip()


class HouseholdOut(Schema):
    id: int
    version: int
    label: str
    members: list[MemberOut]


class HouseholdUpdate(Schema):
    version: int
    label: str | None = Field(None, min_length=1, max_length=160)
    add: list[MemberIn] = Field(default_factory=list, max_length=30)
    remove: list[int] = Field(default_factory=list, max_length=30)


def household_out(household, user, view=None):
    """The household as the user may read it (persons.services.household_view, which journals it)."""
    view = view or services.household_view(user, household)
    visible, members = view["visible"], []
    for m in view["members"]:
        # A member the user's team does not follow is shown without a name.
        name = m.person.display_name if m.person_id in visible else _("(not followed by your team)")
        members.append({"person": m.person_id if m.person_id in visible else 0, "display_name": name,
                        "role": m.role, "since": m.since, "is_minor": m.is_minor})
    return {"id": household.pk, "version": household.version, "label": household.label,
            "members": members}


@households_router.get("", response=list[HouseholdOut])
def list_households(request, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=10_000_000)):
    qs = services.visible_households(request.user).order_by("label", "pk")[offset: offset + limit]
    return [household_out(v["household"], request.user, v) for v in services.household_views(request.user, qs)]


@households_router.post("", response={201: HouseholdOut})
def create_household(request, payload: HouseholdIn):
    household = services.create_household(
        request.user, payload.label, [(m.person, m.role) for m in payload.members]
    )
    return Status(201, household_out(household, request.user))


@households_router.get("/{int:household_id}", response=HouseholdOut)
def read_household(request, household_id: int):
    return household_out(services.get_visible_household(request.user, household_id), request.user)


@households_router.patch("/{int:household_id}", response=HouseholdOut)
def update_household(request, household_id: int, payload: HouseholdUpdate):
    household = services.get_visible_household(request.user, household_id)
    with transaction.atomic():
        _apply_household_changes(request.user, household, payload)
    household.refresh_from_db()
    return household_out(household, request.user)


def _apply_household_changes(user, household, payload):
    version = payload.version
    if payload.label is not None:
        services.rename_household(user, household, payload.label, version)
        version = household.version
    for member in payload.add:
        services.add_household_member(user, household, member.person, member.role, version)
        version = household.version
    for person_id in payload.remove:
        services.remove_household_member(user, household, person_id, version)
        version = household.version


