"""CSV, XLSX and JSON of published (disclosure-controlled) indicator tables. Never given exact tables:
a hidden cell is written as "< 5" (small) or "s" (hidden so that it cannot be recomputed)."""

import csv
import io
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from aupres.indicators import formats

SMALL_LABEL = formats.SMALL_LABEL
HIDDEN_LABEL = formats.HIDDEN_LABEL


def cell_text(value, hidden_kind):
    """A spreadsheet cell: formats.cell, numbers kept as numbers."""
    return formats.cell(value, hidden_kind, raw=True)


def rows_of(report):
    """Flatten a published report (live or regional) into rows: scope, indicator, row, column, value."""
    out = []
    for table in report["tables"]:
        columns = table["columns"]
        body = table.get("rows")
        if body is None:  # one scope
            body = [{"label": report["label"], "values": table["values"], "hidden": table["hidden"],
                     "total": table["total"]}]
        if table.get("region"):
            body = [*body, {"label": _("Sum of the services shown"), **table["region"]}]
        for row in body:
            for col in columns:
                out.append([table["code"], table["label"], row["label"], col["label"],
                            cell_text(row["values"].get(col["key"]), row["hidden"].get(col["key"]))])
            if table["has_total"] and row.get("total", None) is not None or "__total__" in row.get("hidden", {}):
                out.append([table["code"], table["label"], row["label"], _("Total"),
                            cell_text(row.get("total"), row["hidden"].get("__total__"))])
    return out


def header():
    """The columns in the reader's language (« indicateur ; libellé ; périmètre ; catégorie ; valeur »)."""
    return [pgettext("export column", "indicator"), pgettext("export column", "label"),
            pgettext("export column", "scope"), pgettext("export column", "category"),
            pgettext("export column", "value")]


# The scope as a file name says it (never the code's English: `indicateurs-territory-0.csv`).
SCOPE_FILE_WORDS = {"service": "dispositif", "operator": "gestionnaire", "territory": "territoire"}


def filename(report, scope, scope_id, fmt):
    """« indicateurs-dispositif-12-2025.csv », « indicateurs-territoire-2025-01-01-au-2025-06-30.xlsx »:
    the scope in French, its number (none for the whole territory of a funder), then the period."""
    start, end = report.get("from"), report.get("to")
    if start and end and (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        period = str(start.year)
    elif start and end:
        period = f"{start.isoformat()}-au-{end.isoformat()}"
    else:
        period = ""
    parts = ["indicateurs", SCOPE_FILE_WORDS.get(scope, "perimetre")]
    if scope_id:
        parts.append(str(scope_id))
    if period:
        parts.append(period)
    return f"{'-'.join(parts)}.{fmt}"


def _csv_value(v):
    """French spreadsheets read `;`-separated files with a decimal comma: 0.1 -> "0,1" (no thousands
    separator, so that the cell stays a number)."""
    if isinstance(v, float):
        return formats.number(v).replace(formats.THOUSANDS, "")
    return v


def to_csv(report):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([f"# {report['label']} {formats.date(report['from'])} – {formats.date(report['to'])}"])
    writer.writerow(header())
    for row in rows_of(report):
        writer.writerow([_csv_value(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


# Spreadsheet number formats are written in the file's neutral syntax and shown with the reader's
# separators: in French, `1 234` and `1 234,5`.
XLSX_INTEGER, XLSX_DECIMAL = "#,##0", "#,##0.0#"


def to_xlsx(report):
    from openpyxl import Workbook  # noqa: PLC0415 — heavy library (0.7 s), loaded only when a spreadsheet is built

    wb = Workbook()
    ws = wb.active
    ws.title = "indicateurs"
    ws.append([str(report["label"]), formats.date(report["from"]), formats.date(report["to"])])
    ws.append(header())
    for row in rows_of(report):
        ws.append([str(v) if not isinstance(v, int | float) else v for v in row])
        value = ws.cell(row=ws.max_row, column=len(row))
        if isinstance(value.value, int | float) and not isinstance(value.value, bool):
            value.number_format = XLSX_INTEGER if float(value.value).is_integer() else XLSX_DECIMAL
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def to_json(report):
    return json.dumps(report, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


FORMATS = {
    "csv": (to_csv, "text/csv; charset=utf-8"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": (to_json, "application/json"),
}
