import datetime
from decimal import Decimal

from aupres.referrals.models import Door, Referral, Source, Status
from aupres.services.models import Membership


def referral(service, **values):
    """A referral as received, addressed to `service` (None: for the regulator)."""
    defaults = dict(door=Door.TEAM, source=Source.STREET_TEAM, alias="Le Grand", needs=["health"],
                    status=Status.COMMITTEE if service and service.has_orientation_committee else Status.PENDING)
    defaults.update(values)
    return Referral.objects.create(service=service, **defaults)


def join(user, service, profession, start=datetime.date(2025, 1, 1)):
    return Membership.objects.create(user=user, service=service, profession=profession, etp=Decimal("0.5"),
                                     start_date=start)


def tiny_pdf(text="test"):
    """A real one-page PDF (attachments are parsed whole: issue #11)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def tiny_png(size=(4, 4)):
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()
