"""Configuration of operators, services and teams: heads of service do it, without code."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound, stale_edit_error
from aupres.core.models import StaleEdit
from aupres.services.models import Membership, Operator, Service, ServiceKind, Territory, TerritoryLevel


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
    try:
        instance.save_versioned(version, update_fields=fields)
    except StaleEdit:
        raise stale_edit_error() from None


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
def update_service(user, service, values, version, territories=None):
    if service.operator_id not in access.managed_operator_ids(user):
        raise Forbidden(_("Only a head of service of this operator may change this service."))
    for name, value in values.items():
        setattr(service, name, value)
    _validate(service)
    _save(service, version, list(values))
    if territories is not None:
        service.territories.set(territories)
    return service


def update_operator(user, operator, values, version):
    if operator.pk not in access.managed_operator_ids(user):
        raise Forbidden(_("Only a head of service of this operator may change it."))
    for name, value in values.items():
        setattr(operator, name, value)
    _validate(operator)
    _save(operator, version, list(values))
    return operator


def add_membership(user, service, member, values):
    if service.operator_id not in access.managed_operator_ids(user):
        raise Forbidden(_("Only a head of service of this operator may change its teams."))
    if not member.is_team_member:
        raise DomainError(_("Only team member accounts can join a team."), field="user")
    membership = Membership(service=service, user=member, **values)
    _validate(membership)
    membership.save()
    return membership


def update_membership(user, membership, values, version):
    if membership.service.operator_id not in access.managed_operator_ids(user):
        raise Forbidden(_("Only a head of service of this operator may change its teams."))
    for name, value in values.items():
        setattr(membership, name, value)
    _validate(membership)
    _save(membership, version, list(values))
    return membership


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
