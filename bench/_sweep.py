"""What the sweep benchmarks share (issue #21): generated records as the sweep's frame rows, and the highest
recall reached at a precision."""

from _names import _REGION_OF


def frame_rows(sweep, rows, phone_only=True):
    """The sweep's frame rows of generated records (`sweep._row`; no database: a record's département is the
    generator's, which the database's follow-ups carry there). As `sweep.frame`, a record without a name is kept
    for its phone only (`phone_only`), and a record with neither is left out."""
    out = []
    for i, p in enumerate(rows):
        if not (p["first_name"] or p["last_name"] or (phone_only and p["phone"])):
            continue
        dep = p.get("departement")
        places = ({dep}, {_REGION_OF[dep]}) if dep else None
        out.append(sweep._row(i, p["first_name"], p["last_name"], p["birth_year"], p["sex"], p["phone"],
                              p.get("birth_date"), p.get("nationality", ""), places))
    return out


def best_recall(pairs, truth, targets=(0.9, 0.95)):
    """{target precision: (true pairs found, threshold)} at the lowest threshold where the scored `pairs`
    ((a, b, probability)) still reach that precision against `truth`."""
    tp, best = 0, {}
    for i, (a, b, p) in enumerate(sorted(pairs, key=lambda x: -x[2]), start=1):
        tp += (a, b) in truth
        for target in targets:
            if tp / i >= target:
                best[target] = (tp, p)
    return best
