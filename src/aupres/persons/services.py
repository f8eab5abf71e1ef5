"""Rules about persons and households, called alike by screens, API and tasks."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.audit.services import record, record_rectifications
from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.core.models import Compartment
from aupres.core.pages import counted_page
from aupres.persons.models import (
    RIGHT_VALUES_BY_KIND,
    Household,
    HouseholdMember,
    LivingSituation,
    MedicalProfile,
    Note,
    Person,
    RightStatus,
)

IDENTITY = "identity"

# The access journal is written here, by the functions that read or change a person's data (issue #16):
# the channel and route come from the request or task (aupres.core.context). Edges never write it.


def field_compartment(name):
    """Identity fields are editable by anyone who sees the person; others by their compartment."""
    return Person.COMPARTMENT_OF_FIELD.get(name, IDENTITY)


def fields_compartments(values):
    """The compartments of these person fields, for the journal (identity when none)."""
    return {str(field_compartment(name)) for name in values} or {IDENTITY}


def editable_person_fields(compartments):
    fields = list(Person.IDENTITY_FIELDS)
    fields += [f for f, c in Person.COMPARTMENT_OF_FIELD.items() if c in compartments]
    return fields


def check_person_values(values, today=None):
    today = today or timezone.localdate()
    if not any((values.get(f) or "").strip() for f in ("alias", "first_name", "last_name")):
        raise DomainError(_("Give at least a first name, a last name or an alias."), field="alias",
                          code="name_required")
    birth_date = values.get("birth_date")
    if birth_date and birth_date > today:
        raise DomainError(_("The birth date is in the future."), field="birth_date")
    year = values.get("birth_year")
    if year and not (1900 <= year <= today.year):
        raise DomainError(_("The birth year must be between 1900 and this year."), field="birth_year")
    age = values.get("estimated_age")
    if age is not None and age > 120:
        raise DomainError(_("The estimated age must be at most 120."), field="estimated_age")
    since = values.get("on_street_since")
    if since and since > today:
        raise DomainError(_("The date of arrival on the street is in the future."),
                          field="on_street_since")


def _choose_service(user, service_id, compartment=None):
    services = access.service_ids(user, compartment)
    if not services:
        raise Forbidden(_("You are not a member of any team: you cannot create a person."), field="service")
    if service_id is None:
        if len(services) == 1:
            return services[0]
        raise DomainError(_("Choose the service that follows this person."), field="service",
                          code="service_required")
    if int(service_id) not in services:
        raise Forbidden(_("You are not a member of this service."), field="service")
    return int(service_id)


def new_person(user, values, service_id=None):
    """Check and save a new person on behalf of one of the user's services (`service_id`, or the only
    one), and return (person, service_id). Nobody sees a person nobody follows: callers open the
    follow-up in the same transaction (aupres.followups.services.create_person does both)."""
    service_id = _choose_service(user, service_id)
    compartments = access.compartments_by_service(user)[service_id]
    allowed = set(editable_person_fields(compartments))
    denied = [k for k, v in values.items() if k not in allowed and v not in (None, "")]
    if denied:
        raise Forbidden(access.COMPARTMENT_DENIED_MESSAGES[field_compartment(denied[0])],
                        field=denied[0], code="compartment_forbidden")
    check_person_values(values)
    person = Person(created_by=user, **{k: v for k, v in values.items() if k in allowed})
    if person.estimated_age is not None and not person.estimated_on:
        person.estimated_on = timezone.localdate()
    person.save()
    return person, service_id


@transaction.atomic
def update_person(user, person, values, version):
    """Apply changes if the editor holds each field's compartment and edited the current version."""
    for name in values:
        compartment = field_compartment(name)
        access.require_write(person, None if compartment == IDENTITY else compartment)
    merged = {f: getattr(person, f) for f in (*Person.IDENTITY_FIELDS, *Person.COMPARTMENT_OF_FIELD)}
    before = {name: merged.get(name) for name in values}
    merged.update(values)
    check_person_values(merged)
    for name, value in values.items():
        setattr(person, name, value)
    if "estimated_age" in values and values["estimated_age"] is not None and "estimated_on" not in values:
        person.estimated_on = timezone.localdate()
    person.save_versioned(version, update_fields=[*values, "estimated_on", "updated_at"])
    record_rectifications(user, person, "person", field_compartment, before, values)
    record(user, person, "update", fields_compartments(values))
    return person


def add_living_situation(user, person, *, kind, started_on, place="", ended_on=None):
    access.require_write(person, Compartment.SOCIAL)
    if ended_on and ended_on < started_on:
        raise DomainError(_("The end date is before the start date."), field="ended_on")
    if started_on > timezone.localdate():
        raise DomainError(_("The start date is in the future."), field="started_on")
    with transaction.atomic():
        # The new situation ends the one that was current.
        if ended_on is None:
            LivingSituation.objects.filter(
                person=person, ended_on__isnull=True, started_on__lte=started_on
            ).update(ended_on=started_on)
        situation = LivingSituation.objects.create(person=person, kind=kind, started_on=started_on,
                                                   ended_on=ended_on, place=place, recorded_by=user)
        record(user, person, "create", {Compartment.SOCIAL})
        return situation


def add_right(user, person, *, kind, value, started_on, expires_on=None, note=""):
    access.require_write(person, Compartment.ADMINISTRATIVE)
    if value not in RIGHT_VALUES_BY_KIND.get(kind, ()):
        raise DomainError(_("This status does not apply to this kind of right."), field="value")
    if started_on > timezone.localdate():  # a right is recorded once it holds (plausible dates, issue #13)
        raise DomainError(_("The start date is in the future."), field="started_on", code="date_in_future")
    if expires_on and expires_on < started_on:
        raise DomainError(_("The expiry date is before the start date."), field="expires_on")
    right = RightStatus.objects.create(person=person, kind=kind, value=value, started_on=started_on,
                                       expires_on=expires_on, note=note, recorded_by=user)
    record(user, person, "create", {Compartment.ADMINISTRATIVE})
    return right


# Reads: each returns what the user may read and journals it --------------------------------------

def read_person(user, person_id):
    """The person, journaled as read in the identity and every compartment the user holds on them."""
    person = access.get_visible_person(user, person_id)
    record(user, person, "read", {IDENTITY, *person.compartments})
    return person


def read_identity(user, person_id):
    """The person, for a page that shows who they are (their name) and nothing else: journaled as such."""
    person = access.get_visible_person(user, person_id)
    record(user, person, "read", {IDENTITY})
    return person


def persons_page(user, queryset, offset, limit):
    """(count, a page of persons with `.compartments`), the page journaled as listed."""
    total, items = counted_page(queryset, offset, limit)
    compartments = access.compartments_by_person(user, items)
    for person in items:
        person.compartments = compartments[person.pk]
    record(user, items, "list", {IDENTITY, *set().union(*(p.compartments for p in items))})
    return total, items


def search_persons(user, text, limit=30):
    """The persons I see whose name or alias contains these words, journaled as listed."""
    found = list(access.visible_persons(user).search(text)[:limit])
    record(user, found, "list")
    return found


def pick_social_persons(user, person_ids):
    """The persons among these ids whose social compartment I hold (to make a household), journaled."""
    ids = [int(p) for p in person_ids if str(p).isdigit()]
    found = list(access.visible_persons(user, compartment=Compartment.SOCIAL).filter(pk__in=ids)) if ids else []
    record(user, found, "list", {Compartment.SOCIAL})
    return found


def living_situations(user, person):
    access.require(person, Compartment.SOCIAL)
    found = list(person.living_situations.all())
    record(user, person, "read", {Compartment.SOCIAL})
    return found


def rights(user, person):
    access.require(person, Compartment.ADMINISTRATIVE)
    found = list(person.rights.all())
    record(user, person, "read", {Compartment.ADMINISTRATIVE})
    return found


def read_medical_profile(user, person):
    profile = medical_profile(user, person)
    record(user, person, "read", {Compartment.HEALTH})
    return profile


def notes(user, person):
    found = list(visible_notes(user, person))
    record(user, person, "read", person.compartments)
    return found


def current_rights(person):
    """The latest status of each kind of right."""
    latest = {}
    for right in person.rights.order_by("kind", "-started_on", "-pk"):
        latest.setdefault(right.kind, right)
    return latest


def medical_profile(user, person):
    access.require(person, Compartment.HEALTH)
    profile, _created = MedicalProfile.objects.get_or_create(person=person)
    return profile


def update_medical_profile(user, person, values, version):
    access.require_write(person, Compartment.HEALTH)
    profile = medical_profile(user, person)
    before = {name: getattr(profile, name) for name in values}
    for name, value in values.items():
        setattr(profile, name, value)
    with transaction.atomic():
        profile.save_versioned(version, update_fields=[*values, "updated_at"])
        record_rectifications(user, person, "medical_profile", lambda _name: Compartment.HEALTH, before, values)
        record(user, person, "update", {Compartment.HEALTH})
    return profile


def add_note(user, person, *, compartment, text, service_id=None):
    access.require_write(person, compartment)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("The note is empty."), field="text")
    services = access.following_services_of(user, person, compartment)
    if service_id is None:
        service_id = services[0]
    elif int(service_id) not in services:
        raise Forbidden(_("This service does not follow this person."), field="service")
    note = Note.objects.create(person=person, service_id=service_id, compartment=compartment,
                               text=text, author=user)
    record(user, person, "create", {compartment}, service_id=service_id)
    return note


def visible_notes(user, person):
    """Notes of the services whose content the user reads (access.readable_services: their own following
    services, consents to sharing, an emergency access), in the compartments readable there."""
    allowed = Q(pk__in=[])
    for service_id, compartments in access.readable_services(user, person).items():
        allowed |= Q(service_id=service_id, compartment__in=list(compartments & person.compartments))
    return person.notes.filter(allowed).select_related("author", "service")


# Read model (issue #16 point 2, D62) --------------------------------------------------------------
# What one user may read of a person, decided once here for the screen, the API and the field app's
# cache: a dict whose compartment sections ("administrative", "social", "health") are ABSENT when the user
# does not read that compartment (not present and empty), so that no edge and no template decides again.
# It journals nothing: the person it is built from was read through a journaling service (read_person,
# persons_page, create/update), which is what the journal records (D47).

ADMINISTRATIVE_FIELDS = tuple(f for f, c in Person.COMPARTMENT_OF_FIELD.items() if c == Compartment.ADMINISTRATIVE)
SOCIAL_FIELDS = tuple(f for f, c in Person.COMPARTMENT_OF_FIELD.items() if c == Compartment.SOCIAL)


def person_view(user, person, *, records=True):
    """The person as `user` reads them, from a person carrying `.compartments` (get_visible_person,
    persons_page, caseload rows). Identity always; a section per compartment read, absent otherwise. With
    `records` (a screen), each section also holds its records (rights, living situations and households,
    the medical profile) and the view the follow-ups by the user's services and the notes they read; without
    (API, field app), only the person's own fields: no query."""
    comps = frozenset(person.compartments)
    view = {
        "pk": person.pk, "version": person.version, "display_name": person.display_name,
        "compartments": comps,
        "identity": {
            **{f: getattr(person, f) for f in ("alias", "first_name", "last_name", "sex", "birth_year",
                                               "estimated_age")},
            "display_name": person.display_name, "sex_label": person.get_sex_display(),
            "age": person.age(), "age_label": person.age_label(), "age_is_estimated": person.age_is_estimated,
        },
    }
    if Compartment.ADMINISTRATIVE in comps:
        view["administrative"] = {
            **{f: getattr(person, f) for f in ADMINISTRATIVE_FIELDS},
            "administrative_situation_label": person.get_administrative_situation_display(),
        }
    if Compartment.SOCIAL in comps:
        view["social"] = {**{f: getattr(person, f) for f in SOCIAL_FIELDS},
                          "months_on_street": person.months_on_street()}
    if Compartment.HEALTH in comps:
        view["health"] = {}  # no field of the person's own: the medical profile is the section's record
    if not records:
        return view
    writable = getattr(person, "writable_compartments", comps)
    view["writable"] = frozenset(str(c) for c in writable)
    view["followups"] = person.followups.filter(service_id__in=access.service_ids(user)).select_related(
        "service", "referent")
    view["notes"] = visible_notes(user, person)[:50]
    if "administrative" in view:
        view["administrative"]["rights"] = list(current_rights(person).values())
    if "social" in view:
        view["social"]["living_situations"] = list(person.living_situations.all())
        view["social"]["households"] = list(person.household_memberships.filter(until__isnull=True)
                                            .select_related("household"))
    if "health" in view:
        view["health"]["medical"] = MedicalProfile.objects.filter(person=person).first()
    return view


# Households ---------------------------------------------------------------------------------

def visible_households(user, service_id=None):
    """The households with a current member whose social compartment I hold; with `service_id` (one of my
    services), those with a current member that this service follows or followed."""
    persons = access.visible_persons(user, compartment=Compartment.SOCIAL)
    if service_id is not None:
        if service_id not in access.service_ids(user):
            return Household.objects.none()
        persons = persons.filter(followups__service_id=service_id)
    return Household.objects.filter(members__person__in=persons, members__until__isnull=True).distinct()


def _listed(user, rows):
    found = list(rows.prefetch_related("members__person"))
    shown = {m.person_id for h in found for m in h.members.all()}
    visible = set(access.visible_persons(user).filter(pk__in=shown).values_list("pk", flat=True))
    record(user, visible, "list", {Compartment.SOCIAL})
    return found, visible


def listed_households(user, rows):
    """These households (a slice of visible_households) with their members, the members I follow journaled
    as listed."""
    return _listed(user, rows)[0]


def household_views(user, rows):
    """household_view of each of these households in a fixed number of queries and one journal event (a
    listing is one event, not one per household: D47)."""
    found, visible = _listed(user, rows)
    return [{"household": h, "members": [m for m in h.members.all() if m.until is None], "visible": visible}
            for h in found]


def household_view(user, household):
    """A household as the user may read it: current members, and the ids of those the user's team sees
    (the others are shown without a name); those are journaled as listed."""
    visible = set(access.visible_persons(user).filter(
        household_memberships__household=household).values_list("pk", flat=True))
    members = list(household.members.filter(until__isnull=True).select_related("person"))
    record(user, visible, "list", {Compartment.SOCIAL})
    return {"household": household, "members": members, "visible": visible}


def get_visible_household(user, household_id):
    household = visible_households(user).filter(pk=household_id).first()
    if household is None:
        raise NotFound()
    return household


def _social_person(user, person_id):
    person = access.visible_persons(user, compartment=Compartment.SOCIAL).filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("This person is not followed by your team."), field="members")
    return person


@transaction.atomic
def create_household(user, label, members):
    """members: [(person_id, role)]; the user's team must follow each member (social compartment)."""
    label = (label or "").strip()
    if not label:
        raise DomainError(_("Give the household a name."), field="label")
    if not members:
        raise DomainError(_("A household has at least one member."), field="members")
    persons = [(_social_person(user, pid), role) for pid, role in members]
    if len({p.pk for p, _r in persons}) != len(persons):
        raise DomainError(_("The same person is listed twice."), field="members")
    household = Household.objects.create(label=label, created_by=user)
    for person, role in persons:
        HouseholdMember.objects.create(household=household, person=person, role=role)
    record(user, [p for p, _r in persons], "update", {Compartment.SOCIAL})
    return household


def add_household_member(user, household, person_id, role, version):
    person = _social_person(user, person_id)
    try:
        with transaction.atomic():
            household.save_versioned(version, update_fields=["label"])
            HouseholdMember.objects.create(household=household, person=person, role=role)
    except IntegrityError:
        raise DomainError(_("This person is already a member of this household."),
                          field="person") from None
    record(user, person, "update", {Compartment.SOCIAL})


def remove_household_member(user, household, person_id, version, on=None):
    person = _social_person(user, person_id)
    with transaction.atomic():
        household.save_versioned(version, update_fields=["label"])
        HouseholdMember.objects.filter(household=household, person=person, until__isnull=True).update(
            until=on or datetime.date.today()
        )
    record(user, person, "update", {Compartment.SOCIAL})


def rename_household(user, household, label, version):
    label = (label or "").strip()
    if not label:
        raise DomainError(_("Give the household a name."), field="label")
    household.label = label
    household.save_versioned(version, update_fields=["label"])
    return household
