"""Issue #19: charts that do not lie (masked placeholders, running period drawn as partial, labels that fit,
a legend for two series, a text alternative) and French number formatting in SVG, PDF text and XLSX."""

import datetime
import io
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from aupres.indicators import charts, exports, formats, reports
from aupres.indicators.tests.dataset import Dataset
from aupres.services.models import Service

SVG = "{http://www.w3.org/2000/svg}"
NNBSP = "\u202f"


def parse(svg):
    return ET.fromstring(str(svg))  # noqa: S314 — our own drawing, not outside input


def texts(root):
    return [(t.text or "") for t in root.iter(f"{SVG}text")]


def monthly_table(values, hidden=None, year=2026):
    keys = [f"{year}-{m:02d}" for m in range(1, 13)]
    return {"code": "persons_met_by_month", "label": "Personnes rencontrées par mois", "unit": "persons",
            "chart": "line", "columns": [{"key": k, "label": f"{k[5:]}/{k[:4]}"} for k in keys],
            "values": dict(zip(keys, values, strict=True)), "hidden": hidden or {}}


def test_french_formatting_of_numbers_percents_and_dates():
    assert formats.number(1234.5) == f"1{NNBSP}234,5"
    assert formats.number(264600) == f"264{NNBSP}600"
    assert formats.number(264600.0) == f"264{NNBSP}600"
    assert formats.number(0.1) == "0,1"
    assert formats.number(1234567.891) == f"1{NNBSP}234{NNBSP}567,89"
    assert formats.percent(12.5) == f"12,5{NNBSP}%"
    assert formats.date(datetime.date(2026, 3, 9)) == "09/03/2026"
    assert formats.cell(3, "small") == "< 5" and formats.cell(8, "complementary") == "s"


def test_a_running_month_is_drawn_as_partial_and_months_to_come_are_not_drawn():
    values = [12, 15, 9, 14, 20, 18, 11, 16, 13, 17, 4, 0]
    table = monthly_table(values)
    root = parse(charts.for_table(table, today=datetime.date(2026, 11, 30), period_end=datetime.date(2026, 11, 30)))
    partial = [g for g in root.iter(f"{SVG}g") if g.get("class") == "partial"]
    assert len(partial) == 1 and partial[0].get("data-key") == "2026-11"
    assert "en cours : 4" in " ".join(texts(partial[0]))
    dashed = [e for e in root.iter(f"{SVG}line") if e.get("class") == "partial"]
    assert len(dashed) == 1 and dashed[0].get("stroke-dasharray")
    # December is still to come: no point, no label, never a 0 at the end of the curve.
    labels = texts(root)
    assert "déc." not in labels and "nov." in labels and "jan." in labels and "2026" in labels
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 11
    desc = root.find(f"{SVG}desc").text
    assert "11/2026 : 4 (en cours)" in desc and "12/2026" not in desc


def test_masked_values_are_drawn_as_marked_placeholders_not_as_nothing():
    table = monthly_table([12, 3, 9, 14, 2, 18, 11, 16, 13, 17, 21, 19],
                          hidden={"2025-02": "small", "2025-05": "small"}, year=2025)
    root = parse(charts.for_table(table, today=datetime.date(2026, 11, 30)))
    masked = [g for g in root.iter(f"{SVG}g") if g.get("class") == "masked"]
    assert len(masked) == 2 and all(texts(g) == ["< 5"] for g in masked)
    assert all(g.find(f"{SVG}rect").get("stroke-dasharray") for g in masked)
    assert "moins de 5 (masqué)" in root.find(f"{SVG}desc").text
    # The exact hidden values are nowhere in the drawing.
    assert not re.search(r">\s*[23]\s*<", str(charts.for_table(table, today=datetime.date(2026, 11, 30))))
    # A bar chart whose every value is hidden still draws its placeholders (no empty area).
    bars = {"code": "persons_by_sex", "label": "Personnes par sexe", "unit": "persons", "chart": "bar",
            "columns": [{"key": "female", "label": "Femmes"}, {"key": "male", "label": "Hommes"}],
            "values": {"female": None, "male": None}, "hidden": {"female": "small", "male": "complementary"}}
    root = parse(charts.for_table(bars))
    assert [texts(g) for g in root.iter(f"{SVG}g") if g.get("class") == "masked"] == [["< 5"], ["s"]]


def test_two_series_have_a_legend_french_numbers_and_labels_that_fit():
    table = {"code": "budget_by_funder", "label": "Budget par financeur", "unit": "persons", "chart": "bar",
             "columns": [{"key": "a", "label": "Agence régionale de santé"}, {"key": "b", "label": "Département"}],
             "values": {"a": 264600.0, "b": 1234.5}, "hidden": {},
             "previous": {"values": {"a": 250000.0, "b": 999.0}, "hidden": {}}}
    svg = charts.for_table(table, today=datetime.date(2026, 11, 30), period_end=datetime.date(2026, 11, 30),
                           series=("2026", "2025"))
    root = parse(svg)
    legend = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend"]
    assert len(legend) == 1 and texts(legend[0]) == ["2026 (en cours)", "2025"]
    labels = texts(root)
    assert f"264{NNBSP}600" in labels and f"1{NNBSP}234,5" in labels and "264600" not in str(svg)
    assert "0.1" not in str(svg) and "1234.5" not in str(svg)
    # The running year is drawn as partial.
    assert [r for r in root.iter(f"{SVG}rect") if r.get("class") == "partial"]
    # Every label fits inside the drawing (estimated widths, DejaVu Sans).
    width = float(root.get("viewBox").split()[2])
    for t in root.iter(f"{SVG}text"):
        x, size = float(t.get("x")), float(t.get("font-size"))
        w = charts._text_width(t.text or "", size)
        anchor = t.get("text-anchor", "start")
        lo, hi = {"start": (x, x + w), "middle": (x - w / 2, x + w / 2), "end": (x - w, x)}[anchor]
        assert lo >= -0.5 and hi <= width + 0.5, (t.text, lo, hi)


def test_every_chart_has_a_text_alternative():
    root = parse(charts.for_table(monthly_table([1000 + i for i in range(12)], year=2025),
                                  today=datetime.date(2026, 11, 30)))
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert f"01/2025 : 1{NNBSP}000" in desc.text and f"12/2025 : 1{NNBSP}011" in desc.text
    width = float(root.get("viewBox").split()[2])
    last = [t for t in root.iter(f"{SVG}text") if t.text == "déc."][0]
    assert last.get("text-anchor") in ("end", "middle") and float(last.get("x")) <= width


@pytest.mark.django_db
def test_xlsx_cells_are_numbers_in_a_french_displayed_format(world):
    from openpyxl import load_workbook

    report = {"label": "EMSP A", "from": datetime.date(2025, 1, 1), "to": datetime.date(2025, 12, 31), "tables": [
        {"code": "budget_by_funder", "label": "Budget", "columns": [{"key": "a", "label": "ARS"},
                                                                     {"key": "b", "label": "Département"}],
         "values": {"a": 1234.5, "b": 264600}, "hidden": {}, "total": None, "has_total": False},
        {"code": "caseload", "label": "File active", "columns": [{"key": "x", "label": "x"}],
         "values": {"x": None}, "hidden": {"x": "small"}, "total": None, "has_total": False}]}
    ws = load_workbook(io.BytesIO(exports.to_xlsx(report))).active
    assert [ws.cell(1, c).value for c in (2, 3)] == ["01/01/2025", "31/12/2025"]
    rows = {ws.cell(r, 4).value: ws.cell(r, 5) for r in range(3, ws.max_row + 1)}
    assert rows["ARS"].value == 1234.5 and rows["ARS"].number_format == "#,##0.0#"
    assert rows["Département"].value == 264600 and rows["Département"].number_format == "#,##0"
    assert rows["x"].value == "< 5"
    csv = exports.to_csv(report).decode("utf-8-sig")
    assert "1234,5" in csv and "1234.5" not in csv and "01/01/2025" in csv


@pytest.mark.django_db
def test_the_report_pdf_has_french_numbers_rules_in_force_and_no_empty_chart(world, tmp_path):
    data = Dataset(world)
    service = Service.objects.get(pk=data.a.pk)
    html = reports.render_html(service, 2025, for_pdf=True)
    assert "<svg" in html
    pdf = reports.render_pdf(html)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,  # noqa: S603,S607
                              capture_output=True, text=True).stdout
    flat = text.replace("\u202f", " ").replace("\xa0", " ")
    assert "Produit le" in flat and "Règles en vigueur sur la période" in flat
    assert "350 000" in flat  # the 2025 budget (300 000 + 50 000), French grouping
    assert "350000" not in flat and not re.search(r"\d\.\d", flat.split("Produit le")[1])
    assert "< 5" in flat


def test_a_single_running_series_says_so_in_its_legend():
    table = {"code": "staffing_etp", "label": "ETP", "unit": "etp", "chart": "bar",
             "columns": [{"key": "nurse", "label": "Infirmier·e"}], "values": {"nurse": 0.5}, "hidden": {}}
    root = parse(charts.for_table(table, today=datetime.date(2026, 11, 30), period_end=datetime.date(2026, 11, 30),
                                  series=("2026", "2025")))
    legend = [g for g in root.iter(f"{SVG}g") if g.get("class") == "legend"]
    assert texts(legend[0]) == ["2026 (en cours)"] and "0,5" in texts(root)
    closed = parse(charts.for_table(table, today=datetime.date(2026, 11, 30), period_end=datetime.date(2025, 12, 31)))
    assert not [g for g in closed.iter(f"{SVG}g") if g.get("class") == "legend"]


def test_one_rendering_of_a_hidden_or_missing_cell_everywhere():
    """Issue #16: the screen's filter, the spreadsheet, the disclosure label and the chart placeholder say
    the same « < 5 », « s » and « – » (the spreadsheet keeps shown numbers as numbers)."""
    from aupres.indicators import charts, disclosure, exports
    from aupres.indicators.templatetags.indicators import cell as screen_cell

    for value, hidden, text in ((3, "small", "< 5"), (8, "complementary", "s"), (None, None, "–")):
        assert screen_cell(value, hidden) == exports.cell_text(value, hidden) == formats.cell(value, hidden) == text
    assert exports.cell_text(1234, None) == 1234 and formats.cell(1234, None) == "1\u202f234"
    grid = disclosure.one_dimensional({"a": 3, "b": 20, "c": 30}, total=True)
    masked = disclosure.suppress(grid)
    assert disclosure.label(masked, ("cell", "", "a")) == "< 5"
    assert "&lt; 5" in charts._placeholder(0, 0, 10, 10, "small")
