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

from aupres.audit.models import IDENTITY, AccessEvent, MembershipEvent
from aupres.core import access
from aupres.core.models import Compartment
from aupres.persons.models import Person
from aupres.services.models import Membership, Service

ALL_COMPARTMENTS = (IDENTITY, *Compartment.values)
MAX_DEPTH = 3
SKIPPED_FIELDS = {"search_text", "name_key", "name_tokens"}
SKIPPED_MODELS = {AccessEvent, MembershipEvent}


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


class Scope:
    """What one requester may put in an export (issue #11): the services of the requester's own operators
    (the controller answering) whose records the access model lets them read, in the compartments they
    read there (access.readable_services, the timeline's rule). `None` instead of a Scope: everything (the
    retention purge, tests of the collection)."""

    def __init__(self, user, person):
        operators = set(Membership.objects.active().filter(user=user)
                        .values_list("service__operator_id", flat=True))
        readable = access.readable_services(user, person)
        own = dict(Service.objects.filter(pk__in=list(readable), operator_id__in=operators)
                   .values_list("pk", "name"))
        self.held = {sid: frozenset(str(c) for c in comps) for sid, comps in readable.items() if sid in own}
        self.union = frozenset().union(*self.held.values()) if self.held else frozenset()
        self.service_names = own
        self.operator_names = sorted(Service.objects.filter(pk__in=list(own)).values_list(
            "operator__name", flat=True).distinct())

    def compartments_for(self, service_id):
        """Compartments readable in a record held by this service (None: the person's shared record)."""
        if service_id is None:
            return self.union
        return self.held.get(service_id, frozenset())

    def withheld(self):
        """[(service name, compartment)] of the parts this requester cannot give: the health part is asked
        of the service's health professionals, the social part of its team."""
        parts = []
        for sid, comps in sorted(self.held.items(), key=lambda item: self.service_names[item[0]]):
            for comp in (Compartment.SOCIAL, Compartment.HEALTH):
                if str(comp) not in comps:
                    parts.append((self.service_names[sid], str(comp)))
        return parts

    def compartments(self):
        return (IDENTITY, *sorted(self.union))


def _service_field(model):
    """The field naming the service that holds a record: `service`, else the first link to a service."""
    fields = [f for f in model._meta.concrete_fields if f.many_to_one and f.related_model is Service]
    named = [f for f in fields if f.name == "service"]
    return (named or fields or [None])[0]


def _service_via_link(obj):
    """For a record without a service of its own (an act), the service of what it links to (its encounter)."""
    for f in type(obj)._meta.concrete_fields:
        if f.many_to_one and f.related_model is not None and _service_field(f.related_model) is not None:
            target = getattr(obj, f.name, None)
            if target is not None and getattr(target, _service_field(f.related_model).attname, None):
                return getattr(target, _service_field(f.related_model).attname)
    return None


# Records that point to the person with no compartment of their own, and the compartment they belong to.
# Any other record without a compartment (a future app's) is exported only with the health compartment
# (fail closed): give it a `compartment` (attribute or column) or list it here.
COMPARTMENT_OF_RECORD = {
    "persons.householdmember": Compartment.SOCIAL,
    "encounters.encounterperson": Compartment.SOCIAL,  # met by the service (encounters: social)
    "sharing.sharingconsent": Compartment.ADMINISTRATIVE,
    "sharing.emergencyaccess": Compartment.ADMINISTRATIVE,
}


def _compartment_of(obj, inherited):
    value = getattr(obj, "compartment", None)
    if value:
        return str(value)
    if inherited:
        return inherited
    return str(COMPARTMENT_OF_RECORD.get(type(obj)._meta.label_lower, Compartment.HEALTH))


def _field_allowed(model, name, readable):
    """Per-field compartments (Person, Referral: COMPARTMENT_OF_FIELD); other fields follow the row."""
    comp = getattr(model, "COMPARTMENT_OF_FIELD", {}).get(name)
    return comp is None or str(comp) in readable


def _scoped_row(obj, readable):
    fields = [f for f in _fields(type(obj)) if _field_allowed(type(obj), f.name, readable)]
    return {
        "values": {f.attname if f.is_relation else f.name: _raw(getattr(obj, f.attname)) for f in fields},
        "display": [(str(f.verbose_name), _display(obj, f)) for f in fields],
    }


def collect(person, scope=None):
    """{"person": row, "sections": [{"model", "title", "rows"}], "withheld": [...], "controllers": [...]}
    for every record about the person; with a Scope, only what the requester may give (per row: the
    service holding it and its compartment, inherited from the record it belongs to)."""
    sections = []
    # (model, pk) -> (service_id, compartment) of the rows kept, for the records below them.
    context = {(Person, person.pk): (None, None)}
    for model, rows, rel in _related_with_links(person):
        related = [f.name for f in _fields(model) if f.many_to_one]
        objs = list((rows.select_related(*related) if related else rows).order_by("pk"))
        service_field = _service_field(model)
        kept = []
        for obj in objs:
            parent = context.get((rel.model, getattr(obj, rel.field.attname)))
            if parent is None:
                continue  # its parent record was not exported
            service_id = getattr(obj, service_field.attname) if service_field else None
            service_id = service_id or parent[0] or _service_via_link(obj)
            compartment = _compartment_of(obj, parent[1])
            if scope is not None:
                readable = scope.compartments_for(service_id)
                if service_id is not None and service_id not in scope.held:
                    continue  # held by another controller, or by a service whose records one may not read
                if compartment not in readable and not hasattr(model, "COMPARTMENT_OF_FIELD"):
                    continue
                if hasattr(model, "COMPARTMENT_OF_FIELD") and not readable:
                    continue
            context[(model, obj.pk)] = (service_id, compartment)
            kept.append(_row(obj) if scope is None else _scoped_row(obj, scope.compartments_for(service_id)))
        if kept:
            sections.append({"model": model._meta.label_lower,
                             "title": str(model._meta.verbose_name_plural).capitalize(), "rows": kept})
    person_row = _row(person) if scope is None else _scoped_row(person, scope.union)
    return {"person": person_row, "sections": sections,
            "withheld": scope.withheld() if scope is not None else [],
            "controllers": scope.operator_names if scope is not None else []}


def _related_with_links(person, max_depth=MAX_DEPTH):
    """related_records, with the relation followed to reach each model (rel.model: the parent model)."""
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
                yield child, rows, rel
                next_frontier.append((child, rows))
        frontier = next_frontier


def as_json(person, data):
    return {
        "generated_at": timezone.now().isoformat(),
        "person_id": person.pk,
        "controllers": data.get("controllers", []),
        "person": data["person"]["values"],
        "records": {s["model"]: [r["values"] for r in s["rows"]] for s in data["sections"]},
        "withheld": [{"service": name, "compartment": comp, "ask": ASK[comp]}
                     for name, comp in data.get("withheld", [])],
    }


ASK = {"health": "the doctor (the health professionals) of the service",
       "social": "the team following the person in the service"}


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
    from weasyprint import CSS, HTML  # noqa: PLC0415 — heavy library (2 s, system fonts), loaded only when a PDF is built

    html = render_to_string("audit/export_pdf.html", {"person": person, "data": data,
                                                      "generated_at": timezone.now()}, request=request)
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(stylesheets=[CSS(string=PDF_CSS)])
