"""Server-side SVG charts: no script, no style attribute (presentation attributes only), with <title>
and <desc> for screen readers. Each chart is shown next to its data table. Hidden (disclosure-
controlled) values draw no bar and are written as "< 5" or "s"."""

import itertools

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

CURRENT, PREVIOUS, INK, MUTED, GRID = "#0b4f8a", "#9db8d3", "#1b1b1f", "#4a4a55", "#c9c9d2"
_ids = itertools.count(1)


def _num(v):
    if v is None:
        return 0
    return float(v)


def _text(value, hidden):
    if hidden == "small":
        return "< 5"
    if hidden:
        return "s"
    if value is None:
        return "–"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:n}" if isinstance(value, int) else f"{value:.1f}"


def bar_chart(title, items, previous=None, width=340):
    """Horizontal bars. items: [(label, value, hidden_kind)]; previous: same keys' earlier values."""
    uid = f"c{next(_ids)}"
    row_h = 34 if previous else 26
    top = 6
    height = top + row_h * len(items) + 6
    label_w = 0
    values = [_num(v) for _l, v, h in items if not h] + [_num(v) for _l, v, h in (previous or []) if not h]
    peak = max(values or [0]) or 1
    bar_max = width - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-labelledby="{uid}t {uid}d">',
             f'<title id="{uid}t">{escape(title)}</title>',
             f'<desc id="{uid}d">{escape(_describe(items))}</desc>']
    for i, (label, value, hidden) in enumerate(items):
        y = top + i * row_h
        parts.append(f'<text x="{label_w}" y="{y + 9}" font-size="10" fill="{INK}">{escape(str(label))}</text>')
        w = 0 if hidden else bar_max * _num(value) / peak
        parts.append(f'<rect x="{label_w}" y="{y + 12}" width="{w:.1f}" height="8" fill="{CURRENT}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 19}" font-size="9" fill="{INK}">'
                     f'{escape(_text(value, hidden))}</text>')
        if previous:
            _pl, pvalue, phidden = previous[i]
            pw = 0 if phidden else bar_max * _num(pvalue) / peak
            parts.append(f'<rect x="{label_w}" y="{y + 22}" width="{pw:.1f}" height="6" fill="{PREVIOUS}"/>')
            parts.append(f'<text x="{label_w + pw + 4:.1f}" y="{y + 28}" font-size="8" fill="{MUTED}">'
                         f'{escape(_text(pvalue, phidden))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def line_chart(title, items, width=340, height=150):
    """A line over time. items: [(label, value, hidden_kind)] in time order."""
    uid = f"c{next(_ids)}"
    left, right, top, bottom = 30, 8, 10, 24
    n = max(1, len(items) - 1)
    peak = max([_num(v) for _l, v, h in items if not h] or [0]) or 1
    plot_w, plot_h = width - left - right, height - top - bottom

    def xy(i, v):
        return left + plot_w * i / n, top + plot_h * (1 - _num(v) / peak)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-labelledby="{uid}t {uid}d">',
             f'<title id="{uid}t">{escape(title)}</title>',
             f'<desc id="{uid}d">{escape(_describe(items))}</desc>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{GRID}"/>',
             f'<text x="2" y="{top + 8}" font-size="9" fill="{MUTED}">{escape(_text(peak, None))}</text>',
             f'<text x="2" y="{top + plot_h}" font-size="9" fill="{MUTED}">0</text>']
    points = [xy(i, v) for i, (_l, v, h) in enumerate(items) if not h]
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{CURRENT}" stroke-width="2"/>')
    for i, (label, v, h) in enumerate(items):
        x, y = xy(i, v)
        if not h:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{CURRENT}"/>')
        if len(items) <= 13 or i % 3 == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - 8}" font-size="8" fill="{MUTED}" '
                         f'text-anchor="middle">{escape(_short(str(label)))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def _short(label):
    """"03/2025" -> "03/25" under the axis."""
    return f"{label[:3]}{label[-2:]}" if len(label) == 7 and label[2] == "/" else label[:6]


def _describe(items):
    return "; ".join(f"{label}: {_text(v, h)}" for label, v, h in items) or _("no data")


def for_table(table):
    """The chart of a published table (None for tables without a chart)."""
    if not table.get("chart"):
        return None
    labels = {c["key"]: c["label"] for c in table["columns"]}
    items = [(labels[k], table["values"].get(k), table["hidden"].get(k)) for k in labels]
    if table["chart"] == "line":
        return line_chart(table["label"], items)
    if table["unit"] not in ("etp", "euros"):
        items_prev = None
        prev = table.get("previous")
        if prev:
            items_prev = [(labels[k], prev["values"].get(k), prev["hidden"].get(k)) for k in labels]
        # Long breakdowns: only the non-empty categories are drawn (the table lists them all).
        keep = [i for i, it in enumerate(items)
                if it[1] or it[2] or (items_prev and (items_prev[i][1] or items_prev[i][2]))]
        items = [items[i] for i in keep]
        items_prev = [items_prev[i] for i in keep] if items_prev else None
        return bar_chart(table["label"], items, items_prev) if items else None
    items = [it for it in items if it[1]]
    return bar_chart(table["label"], items) if items else None
