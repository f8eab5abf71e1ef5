"""Configuration of operators, services and teams: heads of service do it, without code."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.audit import services as audit_services
from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.core.models import Compartment
from aupres.services.models import (
    DATED_RULES,
    Membership,
    Operator,
    PlannedPosition,
    Profession,
    Service,
    ServiceKind,
    ServiceRuleChange,
    Territory,
    TerritoryLevel,
)


def manageable_operators(user):
    return Operator.objects.filter(pk__in=access.managed_operator_ids(user))


def get_manageable_operator(user, operator_id):
    operator = manageable_operators(user).filter(pk=operator_id).first()
    if operator is None:
        raise NotFound()
    return operator


def get_manageable_service(user, service_id):
    service = Service.objects.filter(pk=service_id, operator_id__in=access.managed_operator_ids(user)).first()
    if service is None:
        raise NotFound()
    return service


def visible_services(user):
    """Services are not secret: any signed-in account may list them (partners need it to refer)."""
    return Service.objects.filter(is_active=True).select_related("operator", "kind")


def _validate(instance, exclude=()):
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from None


def _save(instance, version, fields):
    instance.save_versioned(version, update_fields=fields)


@transaction.atomic
def create_service(user, operator, kind, values, territories=()):
    """A new service starts from its kind's template; the values given override it."""
    if operator.pk not in access.managed_operator_ids(user):
        raise Forbidden(_("Only a head of service of this operator may add a service to it."))
    service = Service(operator=operator, kind=kind)
    service.apply_kind_template()
    for name, value in values.items():
        setattr(service, name, value)
    if not service.name:
        service.name = kind.name
    _validate(service, exclude=["territories"])
    service.save()
    service.territories.set(territories)
    return service


@transaction.atomic
def update_service(user, service, values, version, territories=None, effective_from=None, correction_note=""):
    """Change a service. A dated rule (DATED_RULES: capacity and its unit, lengths, opening days, the
    no-encounter delay) changes from `effective_from`, today by default, and keeps its history: the
    indicators, reports and alerts of earlier dates keep reading the earlier value. A date in the past
    corrects the figures from that date on: it needs a reason, kept in the history with who recorded it.
    A date to come is refused (record the change on its day)."""
    if service.operator_id not in access.managed_operator_ids(user):
        raise Forbidden(_("Only a head of service of this operator may change this service."))
    today = timezone.localdate()
    effective_from = effective_from or today
    note = (correction_note or "").strip()
    rules = [k for k in values if k in DATED_RULES]
    in_force = {k: service.rule_on(k, effective_from) for k in rules}
    before = {k: service.rule_on(k, effective_from - datetime.timedelta(days=1)) for k in rules}
    for name, value in values.items():
        setattr(service, name, value)
    _validate(service)  # normalises (opening days sorted…): the history keeps the normalised value
    dated = {k: getattr(service, k) for k in rules if getattr(service, k) != in_force[k]}
    if dated and effective_from > today:
        raise DomainError(_("A rule changes from today at the latest: record a change to come on its day."),
                          field="effective_from", code="rule_date_in_future")
    if dated and effective_from < today and not note:
        raise DomainError(
            _("This change applies from %(date)s, in the past: it corrects the indicators, reports and alerts "
              "from that day on. Say why; the correction is kept in the service's history. Indicators already "
              "submitted stay as they were submitted.") % {"date": effective_from.strftime("%d/%m/%Y")},
            field="correction_note", code="correction_reason_required")
    for rule, value in dated.items():
        ServiceRuleChange.objects.create(
            service=service, rule=rule, value=value, previous_value=before[rule], valid_from=effective_from,
            correction=effective_from < today, note=note[:500], recorded_by=user)
    if dated and not service.has_rule_changes:
        service.has_rule_changes = True
        values = {**values, "has_rule_changes": True}
    service.forget_rule_changes()
    for rule in dated:  # the columns hold the values in force today (a later change may already exist)
        setattr(service, rule, service.rule_on(rule, today))
    _save(service, version, list(values))
    if territories is not None:
        service.territories.set(territories)
    return service


def rule_history(service):
    """The changes of a service's dated rules, newest first."""
    return service.rule_changes.select_related("recorded_by").order_by("-valid_from", "-pk")


def capacity_days(services, start, end):
    """Capacity × days of a set of services over start..end (inclusive), each capacity counted for the days
    it was in force: one query for the services and one for their rule changes."""
    return sum(s.capacity_days(start, end) for s in services.prefetch_related("rule_changes"))


def update_operator(user, operator, values, version):
    if operator.pk not in access.managed_operator_ids(user):
        raise Forbidden(_("Only a head of service of this operator may change it."))
    for name, value in values.items():
        setattr(operator, name, value)
    _validate(operator)
    _save(operator, version, list(values))
    return operator


# Teams: who may grant what (issue #11, docs/security.md "Who grants health access") ------------------

def team_operator_ids(user):
    """Operators whose teams the user may change: as their head of service (or administrator), or as the
    health professional holding their medical responsibility (Operator.medical_lead)."""
    ids = set(access.managed_operator_ids(user))
    if getattr(user, "is_authenticated", False):
        ids |= _medical_lead_operator_ids(user)
    return ids


def _medical_lead_operator_ids(user):
    """Operators whose medical lead the user is, while they hold health in one of its services."""
    health_services = access.service_ids(user, Compartment.HEALTH)
    if not health_services:
        return set()
    return set(Operator.objects.filter(medical_lead=user, services__pk__in=health_services)
               .values_list("pk", flat=True))


def get_team_service(user, service_id):
    service = Service.objects.filter(pk=service_id, operator_id__in=team_operator_ids(user)).first()
    if service is None:
        raise NotFound()
    return service


def can_grant_health(user, operator_id):
    """An administrator, or the operator's medical lead while a health professional of the operator."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser) or operator_id in _medical_lead_operator_ids(user)


def _check_grantor(user, membership, member, before):
    if member.pk == user.pk:
        raise Forbidden(_("No one may create or change their own place in a team: ask another head of "
                          "service."), field="user", code="self_grant")
    if membership.service.operator_id not in team_operator_ids(user):
        raise Forbidden(_("Only a head of service of this operator may change its teams."))
    if membership.opens_health and _widens(before, membership):
        if not can_grant_health(user, membership.service.operator_id):
            raise Forbidden(
                _("Only the operator's medical lead or an administrator may give a profession that opens "
                  "health information."), field="profession", code="health_grant_forbidden")
        if not member.health_professional_id:
            raise DomainError(_("A health profession needs the professional's RPPS or ADELI number."),
                              field="rpps", code="health_id_required")
    elif membership.profession != (before or {}).get("profession") and \
            membership.service.operator_id not in access.managed_operator_ids(user):
        # The medical lead grants health professions; the other professions are the heads' call.
        raise Forbidden(_("Only a head of service of this operator may give this profession."),
                        field="profession", code="head_of_service_only")


def _widens(before, membership):
    """Whether the change gives health access it did not give: a new membership, a new profession, an
    earlier start or a later (or removed) end. Shortening it or changing the ETP widens nothing."""
    if before is None or before["profession"] != membership.profession:
        return True
    if membership.start_date < before["start_date"]:
        return True
    old_end, new_end = before["end_date"], membership.end_date
    return old_end is not None and (new_end is None or new_end > old_end)


def _identifiers(member, identifiers):
    """RPPS / ADELI typed with a grant: checked, then kept on the account."""
    changed = []
    for name in ("rpps", "adeli"):
        value = (identifiers.get(name) or "").strip().upper()
        if value and value != getattr(member, name):
            try:
                member._meta.get_field(name).run_validators(value)
            except ValidationError as exc:
                raise DomainError(exc.messages[0], field=name, code=f"invalid_{name}") from None
            setattr(member, name, value)
            changed.append(name)
    return changed


def _snapshot(membership):
    return {"profession": membership.profession, "etp": membership.etp,
            "is_coordinating": membership.is_coordinating, "is_on_call": membership.is_on_call,
            "start_date": membership.start_date, "end_date": membership.end_date}


@transaction.atomic
def add_membership(user, service, member, values, identifiers=None, base_url=""):
    if not member.is_team_member:
        raise DomainError(_("Only team member accounts can join a team."), field="user")
    membership = Membership(service=service, user=member, **values)
    changed = _identifiers(member, identifiers or {}) if membership.opens_health else []
    _check_grantor(user, membership, member, None)
    _validate(membership)
    if changed:
        member.save(update_fields=changed)
    membership.notified_at = None  # no access before the grant is journaled and notified
    membership.save()
    _journal_and_notify(user, membership, None, base_url)
    return membership


@transaction.atomic
def update_membership(user, membership, values, version, base_url=""):
    before = _snapshot(membership)
    for name, value in values.items():
        setattr(membership, name, value)
    _check_grantor(user, membership, membership.user, before)
    _validate(membership)
    membership.notified_at = None
    _save(membership, version, [*values, "notified_at"])
    _journal_and_notify(user, membership, before, base_url)
    access.forget(membership.user)
    return membership


def _journal_and_notify(user, membership, before, base_url=""):
    """Write the change to the journal, tell the operator's heads of service (an e-mail with no personal
    content), and only then let the membership start."""

    audit_services.record_membership_change(user, membership, before, _snapshot(membership), base_url)
    membership.notified_at = timezone.now()
    Membership.objects.filter(pk=membership.pk).update(notified_at=membership.notified_at)


def add_commune(user, code, name, departement_code):
    if not access.managed_operator_ids(user):
        raise Forbidden(_("Only a head of service may add a commune."))
    departement = Territory.objects.filter(level=TerritoryLevel.DEPARTEMENT, code=departement_code).first()
    if departement is None:
        raise DomainError(_("Unknown département."), field="departement")
    if not code.startswith(departement_code if len(departement_code) == 2 else departement_code[:3]):
        raise DomainError(_("The INSEE code of a commune starts with the code of its département."), field="code")
    commune, created = Territory.objects.get_or_create(
        level=TerritoryLevel.COMMUNE, code=code, defaults={"name": name, "parent": departement})
    if not created:
        raise DomainError(_("This commune already exists."), field="code", code="duplicate")
    return commune


def kinds():
    return ServiceKind.objects.all()


# Planned and actual team, profession by profession (issue #18, D58) ------------------------------------------

CENT = Decimal("0.01")

def team_by_profession(service_ids, today=None):
    """{service_id: [{"profession", "label", "planned", "actual", "gap"}, …]} for these services, professions in
    the order of the list: planned = the service's planned positions (granted with its applications), actual =
    its team members active today plus the staffing entered for the year (volunteers, seconded staff), the
    same reading as the funder's « Cible et réalisé ». A profession planned or present appears once."""
    today = today or timezone.localdate()
    service_ids = list(service_ids)
    planned, actual = {}, {}
    for sid, profession, etp in PlannedPosition.objects.filter(service_id__in=service_ids).values_list(
            "service_id", "profession", "etp"):
        planned[(sid, profession)] = planned.get((sid, profession), Decimal(0)) + etp
    members = (Membership.objects.active(today).filter(service_id__in=service_ids)
               .values("service_id", "profession").annotate(etp=Sum("etp")))
    # The staffing entries of the year are read through the reverse relation: the indicators app sits above.
    staffing = (Service.objects.filter(pk__in=service_ids, staffing_entries__year=today.year)
                .values("pk", "staffing_entries__profession").annotate(etp=Sum("staffing_entries__etp")))
    for row in members:
        key = (row["service_id"], row["profession"])
        actual[key] = actual.get(key, Decimal(0)) + row["etp"]
    for row in staffing:
        key = (row["pk"], row["staffing_entries__profession"])
        actual[key] = actual.get(key, Decimal(0)) + row["etp"]
    order = {value: i for i, value in enumerate(Profession.values)}
    labels = dict(Profession.choices)
    result = {sid: [] for sid in service_ids}
    for sid, profession in sorted(set(planned) | set(actual), key=lambda k: (k[0], order.get(k[1], 99))):
        # SQLite sums decimals as floats: back to hundredths, as the ETP are kept.
        p = planned.get((sid, profession), Decimal(0)).quantize(CENT)
        a = actual.get((sid, profession), Decimal(0)).quantize(CENT)
        result[sid].append({"profession": profession, "label": labels.get(profession, profession),
                            "planned": p, "actual": a, "gap": a - p})
    return result


def add_planned_team(service, team):
    """Add a planned team ({profession: ETP}) to the service's planned positions: an application that extends a
    service adds its positions to those already granted. Called by calls.services.accept in its transaction."""
    for profession, value in (team or {}).items():
        etp = Decimal(str(value))
        if etp <= 0 or profession not in Profession.values:
            continue
        position, created = PlannedPosition.objects.select_for_update().get_or_create(
            service=service, profession=profession, defaults={"etp": etp})
        if not created:
            PlannedPosition.objects.filter(pk=position.pk).update(etp=F("etp") + etp)
