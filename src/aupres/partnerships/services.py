"""Rules of the partnerships register: the heads of service of the operator keep it; the service's team
reads it (the orientation screens offer its partners); its figures are counted in the indicators."""

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.indicators import reports
from aupres.partnerships.models import PartnerKind, Partnership, PartnershipStatus
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


EDITABLE = ("partner", "kind", "status", "signed_on", "starts_on", "ends_on", "note")


def _require_manager(user, service):
    if not can_manage(user, service):
        raise Forbidden(_("Only a head of service of this operator keeps its partnerships."))


def _check(partnership):
    partnership.partner = (partnership.partner or "").strip()
    if not partnership.partner:
        raise DomainError(_("Name the partner."), field="partner")
    if partnership.status == PartnershipStatus.WRITTEN and partnership.signed_on is None:
        raise DomainError(_("A written agreement has a date of signature."), field="signed_on")
    if partnership.signed_on and partnership.signed_on > timezone.localdate():
        raise DomainError(_("The date of signature is to come."), field="signed_on")
    if partnership.starts_on and partnership.ends_on and partnership.ends_on < partnership.starts_on:
        raise DomainError(_("The agreement ends before it starts."), field="ends_on")
    if partnership.end_reason and partnership.ends_on is None:
        raise DomainError(_("Give the date the partnership ended."), field="ends_on")


def _attach(partnership, document):
    if document is not None:
        _check_document(document)
        partnership.document_size = document.size
        partnership.document.save("convention.pdf", document, save=False)


@transaction.atomic
def add(user, service, values, document=None):
    _require_manager(user, service)
    partnership = Partnership(service=service, created_by=user, **values)
    _check(partnership)
    _attach(partnership, document)
    partnership.save()
    return partnership


def get_partnership(user, partnership_id):
    """One partnership, for the service's team and its operator's heads; NotFound for anyone else."""
    partnership = Partnership.objects.filter(pk=partnership_id).select_related("service").first()
    if partnership is None:
        raise NotFound()
    readable_service(user, partnership.service_id)
    return partnership


@transaction.atomic
def update(user, partnership_id, values, version, document=None):
    """Change a partnership (partner, kind, written or planned, dates, note, a new convention): the same rules
    as when it was recorded; the version read, or 409."""
    partnership = get_partnership(user, partnership_id)
    _require_manager(user, partnership.service)
    fields = [name for name in EDITABLE if name in values]
    for name in fields:
        setattr(partnership, name, values[name])
    _check(partnership)
    if document is not None:
        _attach(partnership, document)
        fields += ["document", "document_size"]
    partnership.save_versioned(version, update_fields=fields)
    return partnership


@transaction.atomic
def end(user, partnership_id, ends_on, reason, version):
    """End a partnership on a date, with its reason (a convention terminated, a partner gone): it stays in the
    register, and « partnerships signed » stops counting it after that date."""
    partnership = get_partnership(user, partnership_id)
    _require_manager(user, partnership.service)
    reason = (reason or "").strip()
    if ends_on is None:
        raise DomainError(_("Give the date the partnership ends."), field="ends_on")
    if not reason:
        raise DomainError(_("Say why the partnership ends."), field="end_reason")
    if partnership.starts_on and ends_on < partnership.starts_on:
        raise DomainError(_("The agreement ends before it starts."), field="ends_on")
    if partnership.signed_on and ends_on < partnership.signed_on:
        raise DomainError(_("The agreement ends before it was signed."), field="ends_on")
    partnership.ends_on, partnership.end_reason = ends_on, reason[:500]
    partnership.save_versioned(version, update_fields=["ends_on", "end_reason"])
    return partnership


def is_ended(partnership, today=None):
    return partnership.ends_on is not None and partnership.ends_on < (today or timezone.localdate())


def register_pdf(user, service, today=None):
    """The register of the service's partnerships as a PDF (WeasyPrint, the activity report's helper:
    indicators.reports.render_pdf): every partnership, written or planned, in force or ended."""
    service = readable_service(user, service.pk)
    today = today or timezone.localdate()
    rows = list(partnerships(user, service))
    kinds = dict(PartnerKind.choices)
    html = render_to_string("partnerships/register_pdf.html", {
        "service": service, "rows": rows, "today": today, "kinds": kinds,
        "ended": {p.pk for p in rows if is_ended(p, today)},
        "written": sum(1 for p in rows if p.status == PartnershipStatus.WRITTEN and not is_ended(p, today))})
    return reports.render_pdf(html)


def get_document(user, partnership_id):
    partnership = Partnership.objects.filter(pk=partnership_id).select_related("service").first()
    if partnership is None or not partnership.document:
        raise NotFound()
    readable_service(user, partnership.service_id)
    return partnership
