"""Disclosure control of aggregate tables (pure: no database, no Django).

A table is a grid of counts with optional margins (row totals, column totals, grand total). Before
any aggregate leaves the team (exports, reports, the funders' view), `suppress()` hides:

1. primary: every entry (cell or margin) counting more than 0 and fewer than `threshold` (5);
2. secondary (complementary): so that no hidden entry can be recomputed by subtraction. Each
   additivity equation (a row with its total, a column with its total, the margins with the grand
   total) never holds exactly one hidden entry; then an exact check (linear algebra over the
   rationals, `derivable()`) finds hidden entries still determined by combining several equations
   (e.g. a "bridge" between two groups of hidden cells) and hides more until none is.

Complementary entries are chosen among the smallest non-zero visible cells of the equation, then
the margin. A hidden zero reveals nothing and is never flagged.

Keys of entries: ("cell", row, col), ("row", row), ("col", col), ("grand",).
"""

from dataclasses import dataclass, field
from fractions import Fraction

from aupres.indicators import formats

THRESHOLD = 5
SMALL = "small"  # primary suppression, shown as "< 5"
COMPLEMENTARY = "complementary"  # secondary suppression


@dataclass
class Grid:
    rows: list
    cols: list
    cells: dict  # (row, col) -> int ; a missing cell is 0
    row_totals: dict | None = None  # row -> int, or None when the table has no row margins
    col_totals: dict | None = None
    grand: int | None = None

    def value(self, key):
        kind = key[0]
        if kind == "cell":
            return self.cells.get((key[1], key[2]), 0)
        if kind == "row":
            return self.row_totals[key[1]]
        if kind == "col":
            return self.col_totals[key[1]]
        return self.grand

    def entries(self):
        out = [("cell", r, c) for r in self.rows for c in self.cols]
        if self.row_totals is not None:
            out += [("row", r) for r in self.rows]
        if self.col_totals is not None:
            out += [("col", c) for c in self.cols]
        if self.grand is not None:
            out.append(("grand",))
        return out

    def equations(self):
        """Each equation: a list of (key, coefficient) summing to zero."""
        eqs = []
        if self.row_totals is not None:
            for r in self.rows:
                eqs.append([(("cell", r, c), 1) for c in self.cols] + [(("row", r), -1)])
        if self.col_totals is not None:
            for c in self.cols:
                eqs.append([(("cell", r, c), 1) for r in self.rows] + [(("col", c), -1)])
        if self.grand is not None:
            if self.row_totals is not None:
                eqs.append([(("row", r), 1) for r in self.rows] + [(("grand",), -1)])
            if self.col_totals is not None:
                eqs.append([(("col", c), 1) for c in self.cols] + [(("grand",), -1)])
        return eqs


@dataclass
class Masked:
    grid: Grid
    hidden: dict = field(default_factory=dict)  # key -> SMALL | COMPLEMENTARY

    def shown(self, key):
        """The value to publish: an int, or None when hidden."""
        return None if key in self.hidden else self.grid.value(key)


def one_dimensional(values, total=True):
    """A {label: count} table as a one-row grid, with its total as the row margin."""
    cols = list(values)
    cells = {("", c): int(values[c] or 0) for c in cols}
    row_totals = {"": sum(cells.values())} if total else None
    return Grid(rows=[""], cols=cols, cells=cells, row_totals=row_totals)


def suppress(grid, threshold=THRESHOLD, exact=True):
    hidden = {}
    for key in grid.entries():
        v = grid.value(key)
        if v is not None and 0 < v < threshold:
            hidden[key] = SMALL
    equations = grid.equations()
    _complete(grid, equations, hidden)
    if exact:
        for _round in range(10_000):
            found = derivable(grid, hidden, equations)
            if not found:
                break
            key = min(found, key=repr)
            eqs = [eq for eq in equations if any(k == key for k, _c in eq)]
            if not _hide_one_more(grid, eqs, hidden):
                # Every equation of this entry is fully hidden: hide a visible margin elsewhere.
                margins = [k for k in grid.entries() if k[0] != "cell" and k not in hidden]
                if not margins:
                    break
                hidden[min(margins, key=lambda k: (grid.value(k), repr(k)))] = COMPLEMENTARY
            _complete(grid, equations, hidden)
    return Masked(grid, hidden)


def _candidates(grid, eq, hidden):
    visible = [k for k, _c in eq if k not in hidden]
    cells = sorted((k for k in visible if k[0] == "cell" and grid.value(k) > 0),
                   key=lambda k: (grid.value(k), repr(k)))
    margins = sorted((k for k in visible if k[0] != "cell" and grid.value(k) > 0),
                     key=lambda k: (grid.value(k), repr(k)))
    return cells + margins


def _hide_one_more(grid, eqs, hidden):
    for eq in eqs:
        candidates = _candidates(grid, eq, hidden)
        if candidates:
            hidden[candidates[0]] = COMPLEMENTARY
            return True
    return False


def _complete(grid, equations, hidden):
    """Until stable: no equation holds exactly one hidden entry with a non-zero value."""
    changed = True
    while changed:
        changed = False
        for eq in equations:
            inside = [k for k, _c in eq if k in hidden]
            if len(inside) == 1 and grid.value(inside[0]) > 0:
                candidates = _candidates(grid, eq, hidden)
                if candidates:
                    hidden[candidates[0]] = COMPLEMENTARY
                    changed = True


def derivable(grid, hidden, equations=None):
    """Hidden entries (non-zero) whose value follows exactly from the published entries.

    An unknown x_k is determined by the linear system A·x = b iff the unit vector e_k lies in the
    row space of A, i.e. iff the reduced row echelon form of A has a row equal to e_k.
    """
    if not hidden:
        return set()
    equations = equations if equations is not None else grid.equations()
    rows = []
    for eq in equations:
        row = {}
        for k, coef in eq:
            if k in hidden:
                row[k] = row.get(k, 0) + coef
        row = {k: Fraction(v) for k, v in row.items() if v}
        if row:
            rows.append(row)
    pivots = _rref(rows)
    return {k for k, row in pivots.items() if len(row) == 1 and grid.value(k) > 0}


def _rref(rows):
    """Sparse Gauss-Jordan elimination: {pivot key: row (dict key -> Fraction)}, fully reduced."""
    pivots = {}
    for row in rows:
        row = dict(row)
        # reduce by existing pivots
        for pk in [k for k in row if k in pivots]:
            if pk in row:
                factor = row[pk]
                for k, v in pivots[pk].items():
                    nv = row.get(k, 0) - factor * v
                    if nv:
                        row[k] = nv
                    else:
                        row.pop(k, None)
        if not row:
            continue
        pk = min(row, key=repr)
        lead = row[pk]
        row = {k: v / lead for k, v in row.items()}
        # eliminate pk from the existing pivot rows
        for other in pivots.values():
            if pk in other:
                factor = other[pk]
                for k, v in row.items():
                    nv = other.get(k, 0) - factor * v
                    if nv:
                        other[k] = nv
                    else:
                        other.pop(k, None)
        pivots[pk] = row
    return pivots


def label(masked, key):
    """Text for a table cell: formats.cell (the number, "< 5" for a small count, "s" for a complement)."""
    return formats.cell(masked.grid.value(key), masked.hidden.get(key), raw=True)


def protect_margins(grid, prehidden, threshold=THRESHOLD):
    """Publish a side-by-side table whose rows were already published (each row protected on its
    own, `prehidden` = what each row hides). Cells stay as published; only the new margins (column
    totals, grand total) may be hidden: small ones, then every column total through which a hidden
    entry could be recovered, until the exact check finds none."""
    hidden = dict(prehidden)
    new_margins = [k for k in grid.entries() if k[0] in ("col", "grand")]
    for key in new_margins:
        v = grid.value(key)
        if v is not None and 0 < v < threshold:
            hidden[key] = SMALL
    equations = grid.equations()
    while True:
        found = derivable(grid, hidden, equations)
        if not found:
            break
        cols = set()
        for key in found:
            if key[0] == "cell":
                cols.add(key[2])
            else:  # a row total or margin: every column where this row hides something
                cols.update(k[2] for k in hidden if k[0] == "cell" and (key[0] != "row" or k[1] == key[1]))
        to_hide = [("col", c) for c in cols if ("col", c) not in hidden and grid.col_totals is not None]
        if grid.grand is not None and ("grand",) not in hidden:
            to_hide.append(("grand",))
        if not to_hide:
            to_hide = [k for k in new_margins if k not in hidden]
            if not to_hide:
                break
        for key in to_hide:
            hidden[key] = COMPLEMENTARY
    return Masked(grid, hidden)


# Protection against combination (issue #11) ------------------------------------------------------
#
# `suppress` above guarantees that no hidden entry is DETERMINED by its table's equations. That is
# not enough once a reader combines what is published with the bounds the marks give: two hidden
# cells summing to 2 are both 1, and tables of the same population share their total. The functions
# below publish one table so that the interval a reader can compute for each hidden small cell, from
# the table's total, its visible cells and the marks ("< 5": 0 to T-1, zero included, since a zero
# may be hidden as a decoy; "s": a complement, at least T), is the whole [0, T-1]: T possible
# values, never fewer, never one. Combination across tables, scopes and periods is handled by the
# callers (services.py): a fixed grid of periods, shared totals hidden together, linked cells hidden
# together, and sums published only when they add nothing to their published parts.

RESTRICTED = "restricted"  # a health figure withheld from a reader without the health compartment
WITHHELD = "withheld"  # hidden with no bound at all ("s"): a whole table, or a sum over hidden parts


def bounds(kind, threshold=THRESHOLD):
    """What the mark of a hidden entry tells a reader: (low, high), high None for unbounded."""
    if kind == SMALL:
        return 0, threshold - 1
    if kind == COMPLEMENTARY:
        return threshold, None  # a complement is a count that would have been shown: at least T
    return 0, None


def intervals_1d(values, hidden, total_shown, threshold=THRESHOLD):
    """{key: (low, high)} that a reader can compute for each hidden cell of a one-dimensional table
    from its marks and the single equation sum(cells) = total (high None: unbounded). Exact for one
    equation (the LP of tests/test_disclosure_attack.py checks the combinations)."""
    keys = [k for k in values if k in hidden]
    marks = {k: bounds(hidden[k], threshold) for k in keys}
    if total_shown is None:
        return marks
    rest = total_shown - sum(int(values[k] or 0) for k in values if k not in hidden)
    out = {}
    for k in keys:
        lo, hi = marks[k]
        others = [marks[o] for o in keys if o != k]
        others_lo = sum(b[0] for b in others)
        others_hi = None if any(b[1] is None for b in others) else sum(b[1] for b in others)
        hi = rest - others_lo if hi is None else min(hi, rest - others_lo)
        if others_hi is not None:
            lo = max(lo, rest - others_hi)
        out[k] = (lo, hi)
    return out


def _weak_1d(values, hidden, total_shown, threshold):
    """None when every hidden small cell keeps all of [0, T-1] and every other hidden cell an
    interval at least T-1 wide; else what is missing: "low" (a small cell is bounded below: one more
    hidden cell, a zero will do), "high" (more hidden mass is needed: a complement)."""
    for k, (lo, hi) in intervals_1d(values, hidden, total_shown, threshold).items():
        if hidden[k] == SMALL and lo > 0:
            return "low"
        if hidden[k] == SMALL and hi < threshold - 1:
            return "high"
        if hi is not None and hi - lo < threshold - 1:
            return "high"
    return None


def protect_1d(values, total=True, threshold=THRESHOLD, hidden=None, hide_total=False, withheld=(),
               no_decoy=()):
    """Publish a {key: count} table (with its total when `total`): returns (hidden {key: kind},
    total kind or None). `hidden`: cells that must stay hidden (coordination with other tables);
    `hide_total`: the total is not published (shared with a table that could not publish it);
    `withheld`: cells not published to this reader at all (health); `no_decoy`: zero cells that
    would hide nothing (a reader knows they are 0 from elsewhere).

    Primary: 1 to T-1 is "< 5". Then, while a reader could narrow a hidden cell from the total and
    the marks (a small cell below all of 0..T-1, any other below T-1 wide): when a small cell is
    bounded below, a visible zero is hidden as "< 5" (else a complement); when more hidden mass is
    needed, the smallest visible non-zero cell is hidden as a complement ("s", at least T). When no
    cell is left, or the total may not be published, or a cell is withheld, the table publishes no
    total and all its non-zero cells are hidden ("< 5", or withheld with no bound above T-1)."""
    values = {k: int(v or 0) for k, v in values.items()}
    hidden = {k: kind for k, kind in (hidden or {}).items() if k in values}
    for k in withheld:
        if k in values:
            hidden[k] = RESTRICTED
    for k, v in values.items():
        if 0 < v < threshold and hidden.get(k) not in (RESTRICTED, WITHHELD):
            hidden[k] = SMALL
    if not total:
        return hidden, None
    grand = sum(values.values())
    if any(kind == RESTRICTED for kind in hidden.values()):
        return hidden, RESTRICTED
    if 0 < grand < threshold or (not grand and hide_total):
        return hidden, SMALL
    if hide_total or any(kind == WITHHELD for kind in hidden.values()):
        return _withhold(values, hidden, threshold), WITHHELD
    while (weak := _weak_1d(values, hidden, grand, threshold)) is not None:
        nonzero = sorted((k for k, v in values.items() if k not in hidden and v > 0), key=lambda k: (values[k], k))
        zeros = [k for k, v in values.items() if k not in hidden and v == 0 and k not in no_decoy]
        if weak == "low" and zeros:
            hidden[zeros[0]] = SMALL
        elif nonzero:
            hidden[nonzero[0]] = COMPLEMENTARY
        else:
            return _withhold(values, hidden, threshold), WITHHELD
    return hidden, None


def _withhold(values, hidden, threshold):
    """No total: small cells stay "< 5" (0..T-1) and every other non-zero cell is withheld with no
    bound, so that tables sharing the (unpublished) total cannot bound each other's cells."""
    out = dict(hidden)
    for k, v in values.items():
        if v >= threshold and out.get(k) != RESTRICTED:
            out[k] = WITHHELD
    return out


def derived_sum_hidden(parts_hidden, value, threshold=THRESHOLD):
    """A sum over published parts (a region's Sum row, an operator's counts) adds nothing to what the
    parts publish when it is shown only if none of its parts is hidden: then it equals the sum of
    published numbers. Shown otherwise, it would give the sum of the hidden parts, and two such sums
    over nested or overlapping sets (a region and one of its départements) give their difference.
    Hidden, it carries no bound at all (WITHHELD, even when under T: a "< 5" on sums of hidden parts
    over overlapping sets would bound them). Returns the kind to hide the sum with, or None."""
    kinds = [k for k in parts_hidden if k]
    if not kinds:
        return None
    if RESTRICTED in kinds:
        return RESTRICTED
    return WITHHELD
