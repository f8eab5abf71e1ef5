"""Rules of the partnerships register: the heads of service of the operator keep it; the service's team
reads it (the orientation screens offer its partners); its figures are counted in the indicators."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.partnerships.models import Partnership, PartnershipStatus
from aupres.referrals import services as referrals
from aupres.services.models import Service

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def readable_service(user, service_id):
    """The service, for its team and its operator's heads of service; NotFound for anyone else."""
    service = Service.objects.filter(pk=service_id).first()
    if service is None or not (service.pk in access.service_ids(user)
                               or service.operator_id in access.managed_operator_ids(user)):
        raise NotFound()
    return service


def can_manage(user, service):
    return service.operator_id in access.managed_operator_ids(user)


def partnerships(user, service):
    return service.partnerships.all()


def partner_names(services):
    """The partners the teams of these services orient to (the orientation screens' suggestions)."""
    return sorted(set(Partnership.objects.filter(service__in=services).values_list("partner", flat=True)))


def _check_document(upload):
    if upload.size > MAX_DOCUMENT_BYTES:
        raise DomainError(_("A document may weigh at most %(mb)s MB.") % {"mb": MAX_DOCUMENT_BYTES // 2**20},
                          field="document", code="file_too_large")
    if referrals.sniff_type(upload) != "application/pdf" or not referrals.whole_file_is("application/pdf", upload):
        raise DomainError(_("Attach the convention as a PDF file."), field="document", code="file_type")


@transaction.atomic
def add(user, service, values, document=None):
    if not can_manage(user, service):
        raise Forbidden(_("Only a head of service of this operator keeps its partnerships."))
    partnership = Partnership(service=service, created_by=user, **values)
    partnership.partner = (partnership.partner or "").strip()
    if not partnership.partner:
        raise DomainError(_("Name the partner."), field="partner")
    if partnership.status == PartnershipStatus.WRITTEN and partnership.signed_on is None:
        raise DomainError(_("A written agreement has a date of signature."), field="signed_on")
    if partnership.signed_on and partnership.signed_on > timezone.localdate():
        raise DomainError(_("The date of signature is to come."), field="signed_on")
    if partnership.starts_on and partnership.ends_on and partnership.ends_on < partnership.starts_on:
        raise DomainError(_("The agreement ends before it starts."), field="ends_on")
    if document is not None:
        _check_document(document)
        partnership.document_size = document.size
        partnership.document.save("convention.pdf", document, save=False)
    partnership.save()
    return partnership


def get_document(user, partnership_id):
    partnership = Partnership.objects.filter(pk=partnership_id).select_related("service").first()
    if partnership is None or not partnership.document:
        raise NotFound()
    readable_service(user, partnership.service_id)
    return partnership
