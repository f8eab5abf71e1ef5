"""Server-side SVG charts: no script, no style attribute (presentation attributes only), with <title>
and <desc> (the text alternative: every value, in words) for screen readers. Each chart is shown next
to its data table.

Charts that do not lie (issue #19):
- a hidden (disclosure-controlled) value is drawn as a marked placeholder (dashed box, « < 5 » or « s »,
  class "masked"), never as an empty area or a zero;
- a period still running (the current month of a monthly curve, a year to date) is drawn as partial:
  dashed, labelled « en cours » (class "partial"), never as 0; months still to come are not drawn;
- axes and labels fit inside the drawing (margins measured from the longest label);
- a legend when two series are drawn;
- numbers in French format (formats.py): `1 234,5`, `12,5 %`.
"""

import datetime
import itertools

from django.utils.dates import MONTHS_AP
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from aupres.indicators import formats

CURRENT, PREVIOUS, INK, MUTED, GRID, MASK = "#0b4f8a", "#9db8d3", "#1b1b1f", "#4a4a55", "#c9c9d2", "#6b6b78"
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'
_ids = itertools.count(1)


def _num(v):
    return 0.0 if v is None else float(v)


def _text_width(text, size):
    """A safe estimate of a label's width in px (DejaVu Sans is wide: ~0.62 em per character)."""
    return len(text) * size * 0.62


def _value_text(value, hidden, unit=None):
    return formats.cell(value, hidden, "euros" if unit == "euros" else None)


def _svg_open(uid, width, height, title, desc):
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height:.0f}" '
            f'width="{width}" height="{height:.0f}" role="img" aria-labelledby="{uid}t {uid}d" {FONT}>',
            f'<title id="{uid}t">{escape(title)}</title>',
            f'<desc id="{uid}d">{escape(desc)}</desc>']


def _placeholder(x, y, w, h, hidden, size=9):
    """A marked placeholder for a hidden value: a dashed box with « < 5 » (or « s ») inside."""
    label = formats.hidden_label(hidden)
    return (f'<g class="masked" data-hidden="{escape(hidden)}">'
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="#ededf2" stroke="{MASK}" '
            f'stroke-width="0.8" stroke-dasharray="3 2"/>'
            f'<text x="{x + w / 2:.1f}" y="{y + h / 2 + size * 0.35:.1f}" font-size="{size}" fill="{INK}" '
            f'text-anchor="middle">{escape(label)}</text></g>')


def _legend(series, x, y, partial=False):
    """Two swatches and their labels, on one line (the current one drawn as its bars are: dashed when partial)."""
    parts, cx = ['<g class="legend">'], x
    for i, (colour, label) in enumerate(zip((CURRENT, PREVIOUS), series, strict=False)):
        style = (f' stroke="{CURRENT}" stroke-dasharray="3 2" fill-opacity="0.55"' if partial and i == 0 else "")
        parts.append(f'<rect x="{cx:.1f}" y="{y - 8:.1f}" width="10" height="8" fill="{colour}"{style}/>')
        parts.append(f'<text x="{cx + 14:.1f}" y="{y:.1f}" font-size="9" fill="{INK}">{escape(str(label))}</text>')
        cx += 14 + _text_width(str(label), 9) + 14
    parts.append("</g>")
    return parts


def bar_chart(title, items, previous=None, width=340, unit=None, series=None, partial=False):
    """Horizontal bars. items: [(label, value, hidden_kind)]; previous: the same keys' earlier values;
    series: the two series' names (legend); partial: the current series covers a period still running."""
    uid = f"c{next(_ids)}"
    two = bool(previous)
    row_h = 40 if two else 28
    top = 20 if (two or partial) else 6  # a legend for two series, or to say the one drawn is running
    height = top + row_h * len(items) + 4
    values = [_num(v) for _l, v, h in items if not h] + [_num(v) for _l, v, h in (previous or []) if not h]
    longest = max([_text_width(_value_text(v, h, unit), 9) for _l, v, h in [*items, *(previous or [])]] or [0])
    peak = max(values or [0]) or 1
    bar_max = max(40.0, width - longest - 10)
    mask_w = 36
    desc = _describe(items, unit, suffix=f" ({_('running')})" if partial else "")
    if two:
        desc += " — " + _("%(series)s: %(values)s") % {"series": series[1] if series else _("previous period"),
                                                       "values": _describe(previous, unit)}
    parts = _svg_open(uid, width, height, title, desc)
    if two or partial:
        names = series or (_("period"), _("previous period"))
        if partial:
            names = (f"{names[0]} ({_('running')})", names[1])
        parts += _legend(names if two else names[:1], 0, 11, partial)

    def bar(x, y, h, value, hidden, colour, size, dashed):
        if hidden:
            return [_placeholder(x, y, mask_w, h, hidden, size=size - 1)]
        w = bar_max * _num(value) / peak
        dash = ' stroke="#0b4f8a" stroke-dasharray="3 2" fill-opacity="0.55" class="partial"' if dashed else ""
        return [f'<rect x="{x}" y="{y}" width="{w:.1f}" height="{h}" fill="{colour}"{dash}/>',
                f'<text x="{x + w + 4:.1f}" y="{y + h - 1}" font-size="{size}" fill="{INK}">'
                f'{escape(_value_text(value, hidden, unit))}</text>']

    for i, (label, value, hidden) in enumerate(items):
        y = top + i * row_h
        parts.append(f'<text x="0" y="{y + 9}" font-size="10" fill="{INK}">{escape(_fit(str(label), width))}</text>')
        parts += bar(0, y + 12, 10, value, hidden, CURRENT, 9, partial)
        if two:
            _pl, pvalue, phidden = previous[i]
            parts += bar(0, y + 26, 9, pvalue, phidden, PREVIOUS, 9, False)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def _fit(label, width, size=10):
    """A label cut with an ellipsis rather than overflowing the drawing."""
    room = int(width / (size * 0.62))
    return label if len(label) <= room else label[: room - 1] + "…"


def _nice(peak):
    """A round top for the vertical axis: 1, 2, 2.5 or 5 × 10^k at or above the peak."""
    if peak <= 0:
        return 1
    magnitude = 10 ** (len(str(int(peak))) - 1) if peak >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= peak:
            top = step * magnitude
            return int(top) if top == int(top) else top
    return 10 * magnitude


def _month_label(key, first):
    """"2025-03" -> "mars" (with the year under the first month and under each January)."""
    year, month = int(key[:4]), int(key[5:7])
    name = str(MONTHS_AP[month])
    return name, (str(year) if first or month == 1 else "")


def line_chart(title, items, width=340, height=170, unit=None, running=None, future=()):
    """A line over time. items: [(key, label, value, hidden_kind)] in time order; keys "YYYY-MM" are drawn
    with French month names. running: the key of the period still running (dashed, « en cours »);
    future: keys still to come (not drawn)."""
    uid = f"c{next(_ids)}"
    items = [it for it in items if it[0] not in set(future)]
    shown = [_num(v) for _k, _l, v, h in items if not h]
    top_value = _nice(max(shown or [0]))
    whole = all(float(v).is_integer() for v in shown)
    middle = top_value / 2
    # No "0,5" person: a middle tick only where it is a value the unit can take.
    y_labels = [formats.number(top_value), formats.number(middle) if (not whole or middle.is_integer()) else "", "0"]
    left = max(_text_width(t, 9) for t in y_labels) + 8
    right, top, bottom = 18, 18, 30
    n = max(1, len(items) - 1)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(i):
        return left + (plot_w * i / n if len(items) > 1 else plot_w / 2)

    def y_of(v):
        return top + plot_h * (1 - _num(v) / top_value)

    desc = _describe([(label, v, h) for _k, label, v, h in items], unit,
                     running=next((label for k, label, _v, _h in items if k == running), None))
    parts = _svg_open(uid, width, height, title, desc)
    for fraction, text in zip((0, 0.5, 1), y_labels, strict=True):
        y = top + plot_h * fraction
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" '
                     f'stroke-width="{1 if fraction == 1 else 0.5}"/>')
        if text:
            parts.append(f'<text x="{left - 4:.1f}" y="{y + 3:.1f}" font-size="9" fill="{MUTED}" '
                         f'text-anchor="end">{escape(text)}</text>')
    # The line, broken at hidden values; the segment to a running period is dashed.
    previous_point = None
    for i, (key, _label, v, h) in enumerate(items):
        if h:
            previous_point = None
            continue
        point = (x_of(i), y_of(v))
        if previous_point:
            dashed = ' stroke-dasharray="4 3" class="partial"' if key == running else ""
            parts.append(f'<line x1="{previous_point[0]:.1f}" y1="{previous_point[1]:.1f}" x2="{point[0]:.1f}" '
                         f'y2="{point[1]:.1f}" stroke="{CURRENT}" stroke-width="2"{dashed}/>')
        previous_point = point
    every = 1 if len(items) <= 13 else 3
    slot = plot_w / max(1, len(items) - 1) if len(items) > 1 else plot_w
    for i, (key, label, v, h) in enumerate(items):
        x = x_of(i)
        if h:
            w = min(30.0, max(18.0, slot - 2))
            parts.append(_placeholder(x - w / 2, top + plot_h - 14, w, 13, h, size=7))
        elif key == running:
            y = y_of(v)
            note = f"{_('running')} : {_value_text(v, None, unit)}"
            note_anchor = "start" if x - _text_width(note, 8) < 0 else "end"
            parts.append(f'<g class="partial" data-key="{escape(key)}"><circle cx="{x:.1f}" cy="{y:.1f}" r="3" '
                         f'fill="#ffffff" stroke="{CURRENT}" stroke-width="1.5"/>'
                         f'<text x="{min(x, width - 2):.1f}" y="{max(y - 10, 9):.1f}" font-size="8" fill="{INK}" '
                         f'text-anchor="{note_anchor}">{escape(note)}</text></g>')
        else:
            parts.append(f'<circle cx="{x:.1f}" cy="{y_of(v):.1f}" r="2.5" fill="{CURRENT}"/>')
        if i % every == 0 or i == len(items) - 1:
            if len(key) == 7 and key[4] == "-":
                name, year = _month_label(key, i == 0)
            else:
                name, year = str(label), ""
            anchor = "end" if x + _text_width(name, 8) / 2 > width else (
                "start" if x - _text_width(name, 8) / 2 < 0 else "middle")
            parts.append(f'<text x="{x:.1f}" y="{height - 16}" font-size="8" fill="{MUTED}" '
                         f'text-anchor="{anchor}">{escape(name)}</text>')
            if year:
                parts.append(f'<text x="{x:.1f}" y="{height - 5}" font-size="8" fill="{MUTED}" '
                             f'text-anchor="{anchor}">{escape(year)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def _describe(items, unit=None, running=None, suffix=""):
    """The text alternative: every value, French-formatted, the hidden ones and the running one said."""
    out = []
    for label, v, h in items or []:
        if h == "small":
            text = _("fewer than 5 (hidden)")
        elif h:
            text = _("hidden")
        else:
            text = _value_text(v, None, unit)
        if running is not None and label == running:
            text += f" ({_('running')})"
        out.append(f"{label} : {text}")
    return ("; ".join(out) + suffix) if out else str(_("no data"))


def month_states(keys, period_end, today):
    """(the running key, the keys still to come) among "YYYY-MM" keys: the month of today is running when
    the period reaches it; later months are to come."""
    this_month = f"{today.year:04d}-{today.month:02d}"
    running = this_month if this_month in keys and period_end >= today else None
    future = [k for k in keys if len(k) == 7 and k > this_month]
    return running, future


def series_names(start, end, previous_start, previous_end):
    """The names of the two periods compared, short enough for a chart legend: "2026" / "2025" for years
    (or years to date), else "01/03/26 – 31/05/26"."""
    def name(a, b):
        if a.year == b.year and (a.month, a.day) == (1, 1):
            return str(a.year)
        return f"{a.strftime('%d/%m/%y')} – {b.strftime('%d/%m/%y')}"
    return name(start, end), name(previous_start, previous_end)


def for_table(table, today=None, period_end=None, series=None):
    """The chart of a published table (None for tables without a chart). today/period_end: to draw the
    running month as partial and leave out months to come; series: names of the two periods compared."""
    if not table.get("chart"):
        return None
    today = today or datetime.date.today()
    labels = {c["key"]: c["label"] for c in table["columns"]}
    unit = table.get("unit")
    if table["chart"] == "line":
        running, future = month_states(list(labels), period_end or today, today)
        items = [(k, labels[k], table["values"].get(k), table["hidden"].get(k)) for k in labels]
        return line_chart(table["label"], items, unit=unit, running=running, future=future)
    items = [(labels[k], table["values"].get(k), table["hidden"].get(k)) for k in labels]
    partial = bool(period_end and period_end >= today)
    if unit not in ("etp", "euros"):
        items_prev = None
        prev = table.get("previous")
        if prev:
            items_prev = [(labels[k], prev["values"].get(k), prev["hidden"].get(k)) for k in labels]
        # Long breakdowns: only the non-empty categories are drawn (the table lists them all).
        keep = [i for i, it in enumerate(items)
                if it[1] or it[2] or (items_prev and (items_prev[i][1] or items_prev[i][2]))]
        items = [items[i] for i in keep]
        items_prev = [items_prev[i] for i in keep] if items_prev else None
        return bar_chart(table["label"], items, items_prev, unit=unit, series=series,
                         partial=partial) if items else None
    items = [it for it in items if it[1] or it[2]]
    return bar_chart(table["label"], items, unit=unit, partial=partial, series=series) if items else None
