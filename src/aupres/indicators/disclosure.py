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


def label(masked, key, small_label="< 5", hidden_label="s"):
    """Text for a table cell: the number, "< 5" for a small count, "s" (secret) for a complement."""
    kind = masked.hidden.get(key)
    if kind == SMALL:
        return small_label
    if kind == COMPLEMENTARY:
        return hidden_label
    return masked.grid.value(key)


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
