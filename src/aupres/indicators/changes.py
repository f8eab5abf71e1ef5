"""What changed between two sets of published tables: a re-submission against the version before it, or
the figures computed today against a submitted (frozen) year. Compares the published text of each cell
(« < 5 » and « s » included), never exact values: nothing here reveals a hidden count."""

from django.utils.translation import gettext as _

from aupres.indicators import engine, formats
from aupres.indicators.models import Submission


def _cells(table):
    keys = set(table.get("values") or {}) | set(table.get("hidden") or {})
    out = {k: formats.cell((table.get("values") or {}).get(k), (table.get("hidden") or {}).get(k)) for k in keys
           if k != "__total__"}
    if table.get("total") is not None or "__total__" in (table.get("hidden") or {}):
        out["__total__"] = formats.cell(table.get("total"), (table.get("hidden") or {}).get("__total__"))
    return out


def between(before, after):
    """[{"code", "key", "indicator", "column", "before", "after"}] for every published cell that differs between
    two {code: {"values", "hidden", "total"}} sets, in the registry's order."""
    out = []
    for code in [c for c in engine.REGISTRY if c in before or c in after]:
        a, b = _cells(before.get(code) or {}), _cells(after.get(code) or {})
        keys = [k for k in sorted(set(a) | set(b)) if a.get(k, "–") != b.get(k, "–")]
        if not keys:
            continue
        labels = engine.column_labels(code, {k: None for k in keys if k != "__total__"})
        for key in keys:
            out.append({"code": code, "key": key, "indicator": str(engine.REGISTRY[code].label),
                        "column": _("Total") if key == "__total__" else str(labels.get(key, key)),
                        "before": a.get(key, "–"), "after": b.get(key, "–")})
    return out


def from_previous_version(submission):
    """What a re-submission changed against the version before it ([] for a first version)."""
    previous = (Submission.objects.filter(service_id=submission.service_id, period_start=submission.period_start,
                                          period_end=submission.period_end, version__lt=submission.version)
                .order_by("-version").first())
    if previous is None:
        return []
    return between(previous.tables, submission.tables)
