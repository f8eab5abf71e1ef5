"""Health figures of the care record: persons by pathology group, stays by reason (issue #20); and entry
against exit, registered in the indicator engine.

Persons by pathology group and stays by reason are computed by the indicator engine's means (its
Indicator, Period and caseload) but kept OUT of its registry, so that dashboards, exports, submissions,
the funders' view and the activity report, which read every indicator of the registry, never carry them:
they are published only here, to readers who hold the health compartment in the service
(services.ward_service), and always through the disclosure control (small cells "< 5", complementary
suppression).

Entry against exit (housing, health cover and resources at admission and at exit, entries into ordinary
housing) IS in the registry (register(), called by CareConfig.ready()), so that the dashboards, exports,
submissions, the funders' view and the activity report carry it through the engine's coordinated
disclosure control (indicators.services.publish_tables: the exits' family, whose totals are one number).
Its indicators are marked `health`: withheld from readers without the health compartment on the scope
unless its caseload is large (indicators.services.HEALTH_MIN_POPULATION), like the health acts.
"""

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from aupres.care.models import Condition, PathologyGroup, StayReason, StayReasonKind
from aupres.followups.models import FollowUp
from aupres.indicators import disclosure, engine, formats
from aupres.persons.models import (
    RIGHT_VALUES_BY_KIND,
    LivingSituation,
    LivingSituationKind,
    RightKind,
    RightStatus,
    RightValue,
)

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
                         "shown": formats.cell(values[k], hidden.get(k))} for k in keys],
            "values": values, "hidden": hidden, "total": total}


def health_figures(services, period):
    return [publish(code, ind.compute(services, period)) for code, ind in HEALTH_INDICATORS.items()]


# Entry against exit (ACT activity reports): housing, health cover and income at admission and at exit of the
# follow-ups that ended in the period, and entries into ordinary housing during a follow-up. Read from the
# person's dated histories (living situations, rights): nothing is typed twice.

def _exited(services, period):
    return FollowUp.objects.filter(service__in=services, closed_on__gte=period.start, closed_on__lte=period.end)


def _latest(model, moment, **filters):
    column = "kind" if model is LivingSituation else "value"
    return Subquery(model.objects.filter(person=OuterRef("person"), started_on__lte=OuterRef(moment), **filters)
                    .order_by("-started_on", "-pk").values(column)[:1])


def _at(code, model, moment, choices, **filters):
    def compute(services, period):
        if period.start.year == period.end.year and engine._rollup_ready(services, period):
            # One whole built year on PostgreSQL: the services' counts (ServiceYearPart, kept by triggers on
            # follow-ups and on the two histories, decision D69), not one history lookup per exit.
            rows = engine._parts(services, period).get((period.end.year, code), {}).items()
        else:
            rows = (_exited(services, period).annotate(k=_latest(model, moment, **filters))
                    .values_list("k").annotate(n=Count("pk")).order_by())
        return engine._table(choices, rows, unknown="unknown")
    return compute


def entries_into_housing(services, period):
    """Persons who moved into their own housing during one of their follow-ups (after its opening, by its
    closing), within the period."""
    # From the moves (a few per region and year) to their follow-ups, not from every follow-up of the
    # scope to its moves: a move dated in the period, after an opening and by the closing, is within a
    # follow-up that overlaps the period.
    during = FollowUp.objects.filter(person=OuterRef("person"), service__any_of=engine._service_ids(services, period),
                                     opened_on__lt=OuterRef("started_on")).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gte=OuterRef("started_on")))
    rows = (LivingSituation.objects.filter(kind=LivingSituationKind.OWN_HOUSING, started_on__gte=period.start,
                                           started_on__lte=period.end)
            .filter(Exists(during)).values("person").distinct())
    return {LivingSituationKind.OWN_HOUSING.value: rows.count()}


HOUSING = tuple(LivingSituationKind.choices)
COVER = tuple((v, label) for v, label in RightValue.choices if v in RIGHT_VALUES_BY_KIND[RightKind.HEALTH_COVER])
INCOME = tuple((v, label) for v, label in RightValue.choices if v in RIGHT_VALUES_BY_KIND[RightKind.INCOME])
EXIT_RULE = _("follow-ups that ended in the period")
_AT_EXITS = {"unit": engine.FOLLOWUPS, "date_rule": EXIT_RULE, "health": True}


def _entry_exit(code, label, dimension, choices, model, moment, **filters):
    return engine.Indicator(code, label, dimension=dimension, choices=choices,
                            compute=_at(code, model, moment, choices, **filters), **_AT_EXITS)


COVER_KIND, INCOME_KIND = {"kind": RightKind.HEALTH_COVER}, {"kind": RightKind.INCOME}
ENTRY_EXIT_INDICATORS = {ind.code: ind for ind in (
    _entry_exit("housing_at_entry", _("Housing at admission"), _("living situation on the day of admission"),
                HOUSING, LivingSituation, "opened_on"),
    _entry_exit("housing_at_exit", _("Housing at exit"), _("living situation on the day of exit"), HOUSING,
                LivingSituation, "closed_on"),
    _entry_exit("health_cover_at_entry", _("Health cover at admission"), _("health cover"), COVER, RightStatus,
                "opened_on", **COVER_KIND),
    _entry_exit("health_cover_at_exit", _("Health cover at exit"), _("health cover"), COVER, RightStatus,
                "closed_on", **COVER_KIND),
    _entry_exit("income_at_entry", _("Resources at admission"), _("income"), INCOME, RightStatus, "opened_on",
                **INCOME_KIND),
    _entry_exit("income_at_exit", _("Resources at exit"), _("income"), INCOME, RightStatus, "closed_on",
                **INCOME_KIND),
    engine.Indicator("entries_into_housing", _("Entries into ordinary housing during the follow-up"), engine.PERSONS,
                     _("moved into their own housing during a follow-up, in the period"), _("housing"),
                     ((LivingSituationKind.OWN_HOUSING.value, LivingSituationKind.OWN_HOUSING.label),),
                     entries_into_housing, has_total=False, additive=False, health=True),
)}


def register():
    """Put entry against exit in the engine's registry (once, at start-up: CareConfig.ready())."""
    engine.REGISTRY.update(ENTRY_EXIT_INDICATORS)
