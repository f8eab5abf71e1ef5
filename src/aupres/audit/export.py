"""Everything held about a person, for an access request (GDPR art. 15): JSON and a readable PDF.

Collected generically: the person's own fields, then every model that points to the person
(Person._meta.related_objects), and every model that points to those, down to MAX_DEPTH, so that
records added by future apps are exported without changing this module.
"""

import datetime
import decimal

from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone

from aupres.audit.models import IDENTITY, AccessEvent
from aupres.core.models import Compartment

ALL_COMPARTMENTS = (IDENTITY, *Compartment.values)
MAX_DEPTH = 3
SKIPPED_FIELDS = {"search_text"}
SKIPPED_MODELS = {AccessEvent}


def _raw(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def _display(obj, field):
    if field.choices:
        return str(getattr(obj, f"get_{field.name}_display")())
    value = getattr(obj, field.name)
    if value is None or value == "":
        return "—"
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _fields(model):
    return [f for f in model._meta.concrete_fields if f.name not in SKIPPED_FIELDS]


def _row(obj):
    fields = _fields(type(obj))
    return {
        "values": {f.attname if f.is_relation else f.name: _raw(getattr(obj, f.attname)) for f in fields},
        "display": [(str(f.verbose_name), _display(obj, f)) for f in fields],
    }


def _reverse_relations(model):
    for rel in model._meta.related_objects:
        if (rel.one_to_many or rel.one_to_one) and rel.related_model not in SKIPPED_MODELS:
            yield rel


def related_records(person, max_depth=MAX_DEPTH):
    """(model, queryset) for every model that points to the person, or to such a record, down to
    max_depth: the whole record of the person, whatever apps hold it."""
    visited = {type(person)}
    frontier = [(type(person), type(person)._base_manager.filter(pk=person.pk))]
    for _depth in range(max_depth):
        next_frontier = []
        for model, parents in frontier:
            for rel in _reverse_relations(model):
                child = rel.related_model
                if child in visited:
                    continue
                visited.add(child)
                rows = child._base_manager.filter(**{f"{rel.field.name}__in": parents})
                yield child, rows
                next_frontier.append((child, rows))
        frontier = next_frontier


def collect(person):
    """{"person": row, "sections": [{"model", "title", "rows"}]} for every record about the person."""
    sections = []
    for model, rows in related_records(person):
        related = [f.name for f in _fields(model) if f.many_to_one]
        objs = list((rows.select_related(*related) if related else rows).order_by("pk"))
        if objs:
            sections.append({"model": model._meta.label_lower,
                             "title": str(model._meta.verbose_name_plural).capitalize(),
                             "rows": [_row(o) for o in objs]})
    return {"person": _row(person), "sections": sections}


def as_json(person, data):
    return {
        "generated_at": timezone.now().isoformat(),
        "person_id": person.pk,
        "person": data["person"]["values"],
        "records": {s["model"]: [r["values"] for r in s["rows"]] for s in data["sections"]},
    }


PDF_CSS = """
@page { size: A4; margin: 18mm 15mm; @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: sans-serif; font-size: 9.5pt; color: #111; }
h1 { font-size: 16pt; margin: 0 0 4pt; } h2 { font-size: 12pt; margin: 14pt 0 4pt; border-bottom: 1px solid #999; }
.meta { color: #555; } table { width: 100%; border-collapse: collapse; margin: 0 0 6pt; page-break-inside: avoid; }
th { text-align: left; width: 38%; font-weight: 600; vertical-align: top; padding: 1pt 6pt 1pt 0; }
td { vertical-align: top; padding: 1pt 0; white-space: pre-wrap; } .record { border-top: 1px dotted #bbb; }
"""


def _refuse_fetch(url, *args, **kwargs):
    raise ValueError("The export fetches nothing.")


def render_pdf(request, person, data):
    from weasyprint import CSS, HTML

    html = render_to_string("audit/export_pdf.html", {"person": person, "data": data,
                                                      "generated_at": timezone.now()}, request=request)
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(stylesheets=[CSS(string=PDF_CSS)])
