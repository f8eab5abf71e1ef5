"""« Partnerships signed » (issue #18, seed 003), registered in the indicator engine: the agreements in writing
in force at some time in the period, by kind of partner. Counts of agreements, not of persons: no suppression.

Imported by PartnershipsConfig.ready()."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from aupres.indicators.engine import EVENTS, _table, indicator
from aupres.partnerships.models import PartnerKind, Partnership, PartnershipStatus


@indicator("partnerships_signed", _("Partnerships signed"), EVENTS,
           _("agreements in writing signed by the end of the period and not ended before it starts"),
           _("kind of partner"), PartnerKind.choices, suppressed=False, chart="")
def partnerships_signed(services, period):
    rows = (Partnership.objects.filter(service__in=services, status=PartnershipStatus.WRITTEN,
                                       signed_on__lte=period.end)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period.start))
            .values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    return _table(PartnerKind.choices, rows)
