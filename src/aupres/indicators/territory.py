"""The funder's territory page (issue #13): key figures at the top, charts comparing the services, the
year-on-year view and the map of needs against responses. Built only from what the funder already reads,
disclosure-controlled: the regional view's rows and Sum row (services.regional_view, submitted years)
and the needs analysis (needs.analysis). A hidden figure stays hidden here (« < 5 » or « s »)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aupres.indicators import charts, formats, services

# (table code, key in the table or "__total__", label)
KEY_FIGURES = (
    ("caseload", "all", gettext_lazy("Persons followed (active caseload)")),
    ("referrals_by_status", "__total__", gettext_lazy("Referrals received")),
    ("encounters_by_mode", "__total__", gettext_lazy("Encounters")),
    ("exits_by_reason", "__total__", gettext_lazy("Exits")),
)


def _region_value(table, key):
    region = table.get("region") or {}
    if key == "__total__":
        return region.get("total"), (region.get("hidden") or {}).get("__total__")
    return (region.get("values") or {}).get(key), (region.get("hidden") or {}).get(key)


def _row_value(table, row, key):
    if key == "__total__":
        return row.get("total"), row["hidden"].get("__total__")
    return row["values"].get(key), row["hidden"].get(key)


def key_figures(report):
    """[{"code", "label", "value", "hidden", "text"}]: a few big numbers, French-formatted."""
    tables = {t["code"]: t for t in report["tables"]}
    out = [{"code": "services", "label": str(_("Services that submitted")),
            "value": len(report["submissions"]), "hidden": None,
            "text": formats.number(len(report["submissions"]))}]
    for code, key, label in KEY_FIGURES:
        if code not in tables:
            continue
        value, hidden = _region_value(tables[code], key)
        out.append({"code": code, "label": str(label), "value": value, "hidden": hidden,
                    "text": formats.cell(value, hidden)})
    return out


def comparison_charts(report):
    """One horizontal bar chart per key figure comparing the services (each bar as the service
    publishes it: hidden bars are marked placeholders)."""
    tables = {t["code"]: t for t in report["tables"]}
    out = []
    for code, key, label in KEY_FIGURES:
        table = tables.get(code)
        if not table or not table["rows"]:
            continue
        items = [(row["label"], *_row_value(table, row, key)) for row in table["rows"]]
        title = _("%(figure)s, by service") % {"figure": label}
        out.append({"code": code, "title": title, "svg": charts.bar_chart(title, items, width=340)})
    return out


def year_on_year(user, years, current, current_report=None):
    """The key figures of each submitted year (the shown one and the earlier ones, at most four), and a
    chart per figure. years: [(start, end)] of the submitted whole years, newest first; current_report:
    the shown year's regional view, already computed."""
    rows = []
    for start, end in [y for y in years if y[0].year <= current.start.year][:4]:
        if current_report is not None and start == current.start:
            report = current_report
        else:
            report = services.regional_view(user, services.make_period(start, end))
        rows.append({"year": start.year, "figures": key_figures(report)})
    rows.reverse()
    if not rows:
        return {"rows": [], "labels": [], "charts": []}
    labels = [f["label"] for f in rows[0]["figures"]]
    chart_list = []
    for i, label in enumerate(labels):
        items = [(str(r["year"]), r["figures"][i]["value"], r["figures"][i]["hidden"]) for r in rows]
        chart_list.append(charts.bar_chart(_("%(figure)s, year on year") % {"figure": label}, items, width=300))
    return {"rows": rows, "labels": labels, "charts": chart_list}
