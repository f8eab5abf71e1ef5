"""Health figures of the care record: persons by pathology group, stays by reason (issue #20).

They are computed by the indicator engine's means (its Indicator, Period and caseload) but kept OUT of
its registry, so that dashboards, exports, submissions, the funders' view and the activity report,
which read every indicator of the registry, never carry them: they are published only here, to readers
who hold the health compartment in the service (services.ward_service), and always through the
disclosure control (small cells "< 5", complementary suppression).
"""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from aupres.care.models import Condition, PathologyGroup, StayReason, StayReasonKind
from aupres.indicators import disclosure, engine

GROUP_CHOICES = tuple((v, label) for v, label in PathologyGroup.choices if v != PathologyGroup.NONE)


def persons_by_pathology_group(services, period):
    """Persons of the caseload with a health problem of the group current during the period (recorded by
    one of the services). A person with problems of two groups counts in both: no total (its cells do not
    add up to the caseload, so none can be recomputed from it)."""
    rows = (Condition.objects.filter(service__in=services, person__in=engine.caseload_persons(services, period))
            .filter(Q(onset_on__isnull=True) | Q(onset_on__lte=period.end))
            .filter(Q(resolved_on__isnull=True) | Q(resolved_on__gte=period.start))
            .exclude(group=PathologyGroup.NONE)
            .values_list("group").annotate(n=Count("person", distinct=True)).order_by())
    return engine._table(GROUP_CHOICES, rows)


def stays_by_reason(services, period):
    """Residential stays (follow-ups) open during the period, by the reason coded for them."""
    rows = (StayReason.objects.filter(followup__in=engine.followups_overlapping(services, period))
            .values_list("kind").annotate(n=Count("pk")).order_by())
    return engine._table(StayReasonKind.choices, rows)


HEALTH_INDICATORS = {
    ind.code: ind for ind in (
        engine.Indicator("persons_by_pathology_group", _("Persons by pathology group"), engine.PERSONS,
                         _("health problem current during the period, person in the caseload"),
                         _("pathology group"), GROUP_CHOICES, persons_by_pathology_group, has_total=False),
        engine.Indicator("stays_by_reason", _("Stays by reason"), engine.FOLLOWUPS,
                         _("stay open during the period"), _("reason for the stay"), tuple(StayReasonKind.choices),
                         stays_by_reason),
    )
}


def publish(code, table):
    """One table, disclosure-controlled: {"values": {key: n or None}, "hidden": {key: kind}, "total"}."""
    ind = HEALTH_INDICATORS[code]
    grid = disclosure.one_dimensional(table, total=ind.has_total)
    masked = disclosure.suppress(grid)
    keys = list(table)
    values = {k: masked.shown(("cell", "", k)) for k in keys}
    hidden = {k: masked.hidden[("cell", "", k)] for k in keys if ("cell", "", k) in masked.hidden}
    total = masked.shown(("row", "")) if ind.has_total else None
    if ind.has_total and ("row", "") in masked.hidden:
        hidden["__total__"] = masked.hidden[("row", "")]
    labels = ind.labels()
    return {"code": code, "label": str(ind.label), "unit": ind.unit, "dimension": str(ind.dimension),
            "date_rule": str(ind.date_rule),
            "columns": [{"key": k, "label": labels.get(k, k), "value": values[k],
                         "shown": disclosure.label(masked, ("cell", "", k))} for k in keys],
            "values": values, "hidden": hidden, "total": total}


def health_figures(services, period):
    return [publish(code, ind.compute(services, period)) for code, ind in HEALTH_INDICATORS.items()]
