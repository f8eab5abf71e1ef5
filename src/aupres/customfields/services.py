"""Rules of the team's own fields (issue #17, D56), called alike by screens and API.

- Defining: only a head of the service itself (or an administrator) lists, creates or changes its fields;
  a head of another service, even of the same operator, gets NotFound.
- Writing a value: through a service that follows the person (access.require_write) and whose field it is,
  holding the field's compartment there.
- Reading a value: the value is held by its field's service in its compartment, so it is read where the
  timeline reads (access.readable_services cut to the person's compartments): a social worker never reads a
  health field, a consent shares what its scope shares.
- Every read and change is journaled with the compartments concerned.
"""

import datetime
import decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from aupres.audit.services import record, record_rectifications
from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.core.models import Compartment
from aupres.customfields.models import (
    MAX_OPTION_LENGTH,
    MAX_OPTIONS,
    MAX_TEXT_LENGTH,
    CustomValue,
    FieldDefinition,
    FieldKind,
    FieldTarget,
)
from aupres.encounters import services as encounter_services
from aupres.followups import services as followup_services
from aupres.followups.models import FollowUp
from aupres.indicators import disclosure
from aupres.indicators import services as indicator_services
from aupres.persons import services as person_services
from aupres.services.models import Service

DEFINITION_FIELDS = ("target", "label", "kind", "options", "compartment", "order", "active")
NOT_FILLED = "__none__"


# Definitions (head of service) ----------------------------------------------------------------------

def configurable_service(user, service_id):
    """The service whose fields the user may define: a head of that very service, or an administrator."""
    service = Service.objects.filter(pk=service_id).first()
    if service is None or not (getattr(user, "is_superuser", False)
                               or access.is_head_of_service(user, service.pk)):
        raise NotFound()
    return service


def definitions(user, service_id):
    """Every field of a service (inactive ones too), for its head of service."""
    service = configurable_service(user, service_id)
    return service, list(service.custom_fields.all())


def get_definition(user, field_id):
    definition = FieldDefinition.objects.select_related("service").filter(pk=field_id).first()
    if definition is None:
        raise NotFound()
    configurable_service(user, definition.service_id)
    return definition


def _options(raw):
    if isinstance(raw, str):
        raw = raw.splitlines()
    options, seen = [], set()
    for option in raw or ():
        option = str(option).strip()
        if not option:
            continue
        if len(option) > MAX_OPTION_LENGTH:
            raise DomainError(_("An option has at most %(n)d characters.") % {"n": MAX_OPTION_LENGTH},
                              field="options")
        if option.casefold() in seen:
            raise DomainError(_("The option « %(option)s » is listed twice.") % {"option": option},
                              field="options")
        seen.add(option.casefold())
        options.append(option)
    return options


def check_definition(values):
    """Cleaned values of a definition, or DomainError with a French message on the field concerned."""
    values = dict(values)
    values["label"] = (values.get("label") or "").strip()
    if not values["label"]:
        raise DomainError(_("Give the field a label."), field="label")
    if values.get("target") not in FieldTarget.values:
        raise DomainError(_("Choose the form the field is added to."), field="target")
    if values.get("kind") not in FieldKind.values:
        raise DomainError(_("Choose the kind of field."), field="kind")
    if values.get("compartment") not in Compartment.values:
        raise DomainError(_("Choose the compartment of the field."), field="compartment")
    options = _options(values.get("options"))
    if values["kind"] == FieldKind.CHOICE:
        if len(options) < 2:
            raise DomainError(_("A choice needs at least two options."), field="options")
        if len(options) > MAX_OPTIONS:
            raise DomainError(_("A choice has at most %(n)d options.") % {"n": MAX_OPTIONS}, field="options")
    elif options:
        raise DomainError(_("Only a choice has options."), field="options")
    values["options"] = options
    values["order"] = int(values.get("order") or 0)
    values["active"] = bool(values.get("active", True))
    return {k: values[k] for k in DEFINITION_FIELDS}


def _label_taken():
    return DomainError(_("This service already has a field with this label on this form."), field="label",
                       code="duplicate_label")


def create_definition(user, service_id, values):
    service = configurable_service(user, service_id)
    values = check_definition(values)
    try:
        with transaction.atomic():
            return FieldDefinition.objects.create(service=service, created_by=user, **values)
    except IntegrityError:
        raise _label_taken() from None


def update_definition(user, definition, values, version):
    """Change a field. Its form and kind stay once a value uses it; a new compartment moves its values."""
    configurable_service(user, definition.service_id)
    merged = {k: getattr(definition, k) for k in DEFINITION_FIELDS}
    merged.update(values)
    cleaned = check_definition(merged)
    used = definition.values.exists()
    if used and (cleaned["kind"] != definition.kind or cleaned["target"] != definition.target):
        raise DomainError(_("Values were already recorded in this field: its form and kind cannot change "
                            "(deactivate it and add another)."), field="kind", code="field_in_use")
    for name, value in cleaned.items():
        setattr(definition, name, value)
    try:
        with transaction.atomic():
            definition.save_versioned(version, update_fields=[*DEFINITION_FIELDS, "updated_at"])
            CustomValue.objects.filter(field=definition).exclude(compartment=definition.compartment).update(
                compartment=definition.compartment)
    except IntegrityError:
        raise _label_taken() from None
    return definition


def service_definitions(user, service_id, target=None):
    """The active fields of a service a member sees (those of the compartments they hold there); a head of
    the service sees them all. NotFound for anyone else."""
    held = access.compartments_by_service(user).get(int(service_id))
    if held is None:
        configurable_service(user, service_id)
        held = frozenset(Compartment.values)
    qs = FieldDefinition.objects.filter(service_id=service_id, compartment__in=[str(c) for c in held])
    if target is not None:
        qs = qs.filter(target=target)
    return list(qs)


# Values ---------------------------------------------------------------------------------------------

def check_value(definition, raw):
    """The typed value of `raw` (text from a form, or JSON from the API) for this field; None when empty.
    DomainError with a French message naming the field otherwise."""
    field = f"cf_{definition.pk}"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    kind = definition.kind
    if kind == FieldKind.TEXT:
        if not isinstance(raw, str):
            raise DomainError(_("« %(label)s »: give a text.") % {"label": definition.label}, field=field)
        text = raw.strip()
        if len(text) > MAX_TEXT_LENGTH:
            raise DomainError(_("« %(label)s »: at most %(n)d characters.") % {
                "label": definition.label, "n": MAX_TEXT_LENGTH}, field=field)
        return text
    if kind == FieldKind.NUMBER:
        if isinstance(raw, bool):
            raise DomainError(_("« %(label)s »: give a number.") % {"label": definition.label}, field=field)
        try:
            number = decimal.Decimal(str(raw).strip().replace(",", ".").replace(" ", ""))
        except decimal.InvalidOperation:
            raise DomainError(_("« %(label)s »: give a number.") % {"label": definition.label},
                              field=field, code="invalid_number") from None
        if not number.is_finite() or abs(number) >= 10**10 or number != number.quantize(decimal.Decimal("0.0001")):
            raise DomainError(_("« %(label)s »: give a number below ten billion, with at most four "
                                "decimals.") % {"label": definition.label}, field=field, code="invalid_number")
        return number
    if kind == FieldKind.DATE:
        if isinstance(raw, datetime.date):
            day = raw
        else:
            try:
                day = datetime.date.fromisoformat(str(raw).strip())
            except ValueError:
                day = None
        if day is None or not (1900 <= day.year <= datetime.date.today().year + 30):
            raise DomainError(_("« %(label)s »: give a date (YYYY-MM-DD) between 1900 and 30 years from "
                                "now.") % {"label": definition.label}, field=field, code="invalid_date")
        return day
    if kind == FieldKind.CHOICE:
        if str(raw) not in definition.options:
            raise DomainError(_("« %(label)s »: choose one of the options offered.") % {
                "label": definition.label}, field=field, code="invalid_choice")
        return str(raw)
    # yes / no
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes", "oui", "on"):
        return True
    if text in ("false", "0", "no", "non", "off"):
        return False
    raise DomainError(_("« %(label)s »: answer yes or no.") % {"label": definition.label}, field=field,
                      code="invalid_yes_no")


def _writable(user, service_ids, target, writable_compartments):
    """Active fields of `target` in these services, in compartments the user holds there and may write."""
    by_service = access.compartments_by_service(user)
    found = []
    for definition in FieldDefinition.objects.filter(service_id__in=list(service_ids), target=target,
                                                     active=True).select_related("service"):
        held = by_service.get(definition.service_id, frozenset())
        if definition.compartment in held and definition.compartment in writable_compartments:
            found.append(definition)
    return found


def person_fields(user, person):
    """The person's fields the user may fill in: those of the user's services following the person."""
    return _writable(user, access.following_services_of(user, person), FieldTarget.PERSON,
                     getattr(person, "writable_compartments", person.compartments))


def new_person_fields(user):
    """The person fields offered on the new-person form: those of the user's services."""
    by_service = access.compartments_by_service(user)
    return _writable(user, by_service, FieldTarget.PERSON, frozenset().union(*by_service.values()))


def followup_fields(user, followup):
    """The follow-up's fields the user may fill in (a member of its service, on a person they write)."""
    return _writable(user, [followup.service_id], FieldTarget.FOLLOWUP, followup.compartments)


def _readable_filter(user, person):
    allowed = Q(pk__in=[])
    for service_id, compartments in access.readable_services(user, person).items():
        comps = [str(c) for c in compartments & person.compartments]
        if comps:
            allowed |= Q(service_id=service_id, compartment__in=comps)
    return allowed


def person_values(user, person):
    """[CustomValue] of the person's own fields the user reads (not journaled: for a page that is)."""
    return list(CustomValue.objects.filter(_readable_filter(user, person), person=person, followup__isnull=True,
                                           encounter__isnull=True, field__active=True)
                .select_related("field", "service").order_by("service__name", "field__order", "field_id"))


def read_person_values(user, person):
    found = person_values(user, person)
    record(user, person, "read", {v.compartment for v in found} or {"identity"})
    return found


def followup_values(user, followup):
    """[CustomValue] of a follow-up the user reads: its service's fields in the compartments they hold there."""
    comps = [str(c) for c in followup.compartments]
    return list(CustomValue.objects.filter(followup=followup, compartment__in=comps, field__active=True)
                .select_related("field").order_by("field__order", "field_id"))


def read_followup_values(user, followup, journal_empty=True):
    """The follow-up's values the user reads, journaled (a page that journals itself: only when some show)."""
    found = followup_values(user, followup)
    if found or journal_empty:
            record(user, followup.person_id, "read", {v.compartment for v in found} or {"identity"},
               service_id=followup.service_id)
    return found


def encounter_fields(user, encounter):
    """The encounter's fields the user may fill in: its service's, in the compartments held there."""
    held = access.compartments_by_service(user).get(encounter.service_id, frozenset())
    return _writable(user, [encounter.service_id], FieldTarget.ENCOUNTER, held)


def new_encounter_fields(user, services):
    """The encounter fields offered on the new-encounter form: those of these services (the user's), in the
    compartments held there."""
    by_service = access.compartments_by_service(user)
    return [d for d in FieldDefinition.objects.filter(service__in=services, target=FieldTarget.ENCOUNTER,
                                                      active=True).select_related("service")
            if d.compartment in by_service.get(d.service_id, frozenset())]


def encounter_values(user, encounter):
    """[CustomValue] of an encounter in the compartments the user holds in its service (not journaled)."""
    held = [str(c) for c in access.compartments_by_service(user).get(encounter.service_id, frozenset())]
    return list(CustomValue.objects.filter(encounter=encounter, compartment__in=held, field__active=True)
                .select_related("field").order_by("field__order", "field_id"))


def _encounter_person_ids(user, encounter):
    return list(encounter_services.encounter_persons(user, encounter).values_list("pk", flat=True))


def read_encounter_values(user, encounter):
    found = encounter_values(user, encounter)
    record(user, _encounter_person_ids(user, encounter), "read", {v.compartment for v in found} or {"identity"},
           service_id=encounter.service_id)
    return found


def save_encounter_values(user, encounter, raw_values):
    """Write an encounter's own fields (no rectification history: an encounter is not one person's record;
    the change is journaled for the persons met)."""
    return _save(user, None, encounter_fields(user, encounter), raw_values,
                 {"encounter": encounter, "followup": None, "person": None},
                 journal_persons=_encounter_person_ids(user, encounter))


def create_encounter(user, custom=None, **values):
    """encounter_services.create_encounter, with the chosen service's encounter fields, in one transaction."""
    custom = {k: v for k, v in (custom or {}).items() if v not in (None, "")}
    with transaction.atomic():
        encounter, created = encounter_services.create_encounter(user, **values)
        if custom and created:
            mine = {f"cf_{d.pk}" for d in encounter_fields(user, encounter)}
            save_encounter_values(user, encounter, {k: v for k, v in custom.items() if k in mine})
    return encounter, created


def _clean(fields, raw_values):
    """{definition: typed value} of {field_id or "cf_<id>": raw}, each among `fields` (those offered to the
    user); a field of a compartment not held is Forbidden, an unknown one and a bad value a DomainError."""
    by_id = {d.pk: d for d in fields}
    cleaned = {}
    for key, raw in raw_values.items():
        try:
            field_id = int(str(key).removeprefix("cf_"))
        except ValueError:
            raise DomainError(_("Unknown field."), field=str(key), code="unknown_field") from None
        definition = by_id.get(field_id)
        if definition is None:
            held = FieldDefinition.objects.filter(pk=field_id).values_list("compartment", flat=True).first()
            if held is not None and held in access.COMPARTMENT_DENIED_MESSAGES:
                raise Forbidden(access.COMPARTMENT_DENIED_MESSAGES[held], field=f"cf_{field_id}",
                                code="compartment_forbidden")
            raise DomainError(_("Unknown field."), field=f"cf_{field_id}", code="unknown_field")
        cleaned[definition] = check_value(definition, raw)
    return cleaned


def check_new_encounter_values(user, service_id, raw_values):
    """The values of an encounter not yet recorded for this service, checked as save_encounter_values will
    write them (the field app's sync refuses a capture before writing anything of it)."""
    held = access.compartments_by_service(user).get(int(service_id), frozenset()) if service_id else frozenset()
    return _clean(_writable(user, [service_id] if service_id else [], FieldTarget.ENCOUNTER, held), raw_values)


def field_app_definitions(user, service_ids):
    """{service id: [definition as a dict]}: the encounter fields the field app draws for these services, in
    the compartments the user holds in each (a social worker never gets a health field)."""
    out = {int(sid): [] for sid in service_ids}
    for d in sorted(new_encounter_fields(user, list(out)), key=lambda d: (d.order, d.pk)):
        out[d.service_id].append({"id": d.pk, "label": d.label, "kind": d.kind, "options": list(d.options or []),
                                  "compartment": d.compartment})
    return out


def _save(user, person, fields, raw_values, owner, journal_persons=None):
    """Check every value, then write them: {field_id: raw}; a field not offered to the user is refused."""
    cleaned = _clean(fields, raw_values)
    if not cleaned:
        return []
    existing = {v.field_id: v for v in CustomValue.objects.filter(field__in=list(cleaned), **owner)}
    before, after, changed = {}, {}, []
    with transaction.atomic():
        for definition, value in cleaned.items():
            column = CustomValue.COLUMN[definition.kind]
            row = existing.get(definition.pk)
            name = f"custom:{definition.pk}"
            before[name] = getattr(row, column) if row else None
            after[name] = value
            if before[name] == value:
                continue
            if value is None:
                row.delete()
            elif row is None:
                CustomValue.objects.create(field=definition, service_id=definition.service_id,
                                           compartment=definition.compartment, updated_by=user,
                                           **{column: value, "person": person, **owner})
            else:
                setattr(row, column, value)
                row.updated_by = user
                row.save(update_fields=[column, "updated_by", "updated_at"])
            changed.append(definition)
        if changed and person is None:
            record(user, journal_persons or [], "update", {d.compartment for d in changed},
                   service_id=changed[0].service_id)
        elif changed:
            comps = {d.pk: d.compartment for d in changed}
            record_rectifications(user, person, "custom_field",
                                  lambda name: comps[int(name.split(":")[1])],
                                  {k: v for k, v in before.items() if int(k.split(":")[1]) in comps},
                                  {k: v for k, v in after.items() if int(k.split(":")[1]) in comps})
            service_ids = {d.service_id for d in changed}
            record(user, person, "update", {d.compartment for d in changed},
                   service_id=next(iter(service_ids)) if len(service_ids) == 1 else None)
    return changed


def save_person_values(user, person, raw_values):
    """Write the person's own fields: {field_id or "cf_<id>": raw}; an empty value clears the field."""
    if raw_values:
        access.require_write(person)
    return _save(user, person, person_fields(user, person), raw_values,
                 {"person": person, "followup": None, "encounter": None})


def save_followup_values(user, followup, raw_values):
    return _save(user, followup.person, followup_fields(user, followup), raw_values,
                 {"followup": followup, "encounter": None})


@transaction.atomic
def create_person(user, values, service_id=None, custom=None):
    """A new person followed by one of the user's services, with that service's own fields filled in."""
    person = followup_services.create_person(user, values, service_id)
    custom = {k: v for k, v in (custom or {}).items() if v not in (None, "")}
    if custom:
        save_person_values(user, access.get_visible_person(user, person.pk), custom)
    return person


@transaction.atomic
def update_person(user, person, values, version, custom=None):
    """The person's fields and the team's own fields, in one transaction."""
    if values:
        person_services.update_person(user, person, values, version)
    if custom:
        save_person_values(user, person, custom)
    return person


# Indicator: follow-ups by a choice field ---------------------------------------------------------

def indicator_fields(user, service_id):
    """The choice fields of follow-ups and persons a reader of the service's indicators may count by."""
    if not indicator_services.dashboard_services(user).filter(pk=service_id).exists():
        raise NotFound()
    return list(FieldDefinition.objects.filter(service_id=service_id, kind=FieldKind.CHOICE,
                                               target__in=[FieldTarget.FOLLOWUP, FieldTarget.PERSON]))


def followups_by_field(user, field_id, period):
    """The follow-ups of the field's service active during the period (a whole year over, or this year to
    date), counted by the field's option (and « not filled in »), disclosure-controlled like every other
    indicator (indicators.disclosure.protect_1d: « < 5 » and complements). A health field is counted only
    for a reader holding the health compartment in the service (else every cell is withheld).
    Returns {"field", "period", "rows": [(key, label, value or None, hidden kind or None)], "total", ...}."""
    definition = FieldDefinition.objects.select_related("service").filter(
        pk=field_id, kind=FieldKind.CHOICE).first()
    if definition is None or definition.target not in (FieldTarget.FOLLOWUP, FieldTarget.PERSON):
        raise NotFound()
    services = indicator_services.dashboard_services(user).filter(pk=definition.service_id)
    if not services.exists():
        raise NotFound()
    period = indicator_services.publication_period(period, year_to_date=True)
    followups = FollowUp.objects.filter(service_id=definition.service_id, opened_on__lte=period.end).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=period.start))
    if definition.target == FieldTarget.FOLLOWUP:
        rows = followups.filter(custom_values__field=definition).values_list("custom_values__value_choice")
    else:  # a person's field: each follow-up counted by its person's value
        rows = followups.filter(person__custom_values__field=definition, person__custom_values__followup=None,
                                person__custom_values__encounter=None).values_list(
            "person__custom_values__value_choice")
    counts = dict(rows.order_by().annotate(n=Count("pk", distinct=True)))
    total = followups.count()
    table = {option: counts.get(option, 0) for option in definition.options}
    table[NOT_FILLED] = max(total - sum(counts.get(o, 0) for o in definition.options), 0)
    withheld = ()
    if definition.compartment == Compartment.HEALTH and not indicator_services.reader_holds_health(user, services):
        withheld = list(table)
    hidden, total_kind = disclosure.protect_1d(table, total=True, withheld=withheld)
    labels = {**{o: o for o in definition.options}, NOT_FILLED: _("Not filled in")}
    rows = [(key, labels[key], None if key in hidden else table[key], hidden.get(key)) for key in table]
    return {"field": definition, "period": period, "rows": rows,
            "total": None if total_kind else sum(table.values()), "total_hidden": total_kind}
