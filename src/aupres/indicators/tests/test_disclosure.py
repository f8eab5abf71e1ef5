"""Disclosure control: small cells hidden, and no hidden cell recoverable by subtraction.

The property tests check with an independent rank computation (not disclosure.derivable) that no
hidden non-zero entry is determined by the published entries and the additivity equations."""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from aupres.indicators import disclosure
from aupres.indicators.disclosure import COMPLEMENTARY, SMALL, Grid, one_dimensional, suppress


def _rank(rows, cols):
    m = [[Fraction(r.get(c, 0)) for c in cols] for r in rows]
    rank, col = 0, 0
    while rank < len(m) and col < len(cols):
        pivot = next((i for i in range(rank, len(m)) if m[i][col] != 0), None)
        if pivot is None:
            col += 1
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        for i in range(len(m)):
            if i != rank and m[i][col] != 0:
                f = m[i][col] / m[rank][col]
                m[i] = [a - f * b for a, b in zip(m[i], m[rank], strict=True)]
        rank, col = rank + 1, col + 1
    return rank


def recoverable(masked):
    """Hidden non-zero entries whose exact value follows from what is published (independent check)."""
    grid, hidden = masked.grid, masked.hidden
    unknowns = list(hidden)
    rows = []
    for eq in grid.equations():
        row = {}
        for k, c in eq:
            if k in hidden:
                row[k] = row.get(k, 0) + c
        if row:
            rows.append(row)
    base = _rank(rows, unknowns)
    return {k for k in unknowns if grid.value(k) > 0 and _rank([*rows, {k: 1}], unknowns) == base}


def test_a_lone_small_cell_gets_a_complement_so_the_total_does_not_reveal_it():
    masked = suppress(one_dimensional({"street": 3, "shelter": 40, "squat": 12, "camp": 0}))
    assert masked.hidden[("cell", "", "street")] == SMALL
    # the smallest non-zero other cell is hidden too, and the total stays published
    assert masked.hidden[("cell", "", "squat")] == COMPLEMENTARY
    assert masked.shown(("row", "")) == 55
    assert masked.shown(("cell", "", "camp")) == 0
    assert not recoverable(masked)


def test_the_subtraction_attack_fails():
    values = {"female": 2, "male": 31, "other": 0, "unknown": 6}
    masked = suppress(one_dimensional(values))
    published = {k: masked.shown(("cell", "", k)) for k in values}
    total = masked.shown(("row", ""))
    # The attacker subtracts the visible cells from the total: two unknowns remain, not one.
    unknown = [k for k, v in published.items() if v is None]
    assert "female" in unknown and len(unknown) >= 2
    remainder = total - sum(v for v in published.values() if v is not None)
    assert remainder == 2 + 6  # the sum of the hidden cells is all that can be learnt
    assert remainder != values["female"]


def test_a_small_total_is_hidden_and_the_only_other_cell_too():
    masked = suppress(one_dimensional({"a": 3, "b": 0}))
    assert masked.hidden == {("cell", "", "a"): SMALL, ("row", ""): SMALL}
    masked = suppress(one_dimensional({"a": 3, "b": 7}))
    assert set(masked.hidden) >= {("cell", "", "a")} and len(masked.hidden) >= 2
    assert not recoverable(masked)


def test_zero_is_not_suppressed_and_five_is_shown():
    masked = suppress(one_dimensional({"a": 0, "b": 5, "c": 9}))
    assert masked.hidden == {}


def test_a_two_dimensional_table_with_margins():
    cells = {("s1", "x"): 3, ("s1", "y"): 20, ("s1", "z"): 8, ("s2", "x"): 9, ("s2", "y"): 11, ("s2", "z"): 30}
    grid = Grid(rows=["s1", "s2"], cols=["x", "y", "z"], cells=cells,
                row_totals={"s1": 31, "s2": 50}, col_totals={"x": 12, "y": 31, "z": 38}, grand=81)
    masked = suppress(grid)
    assert masked.hidden[("cell", "s1", "x")] == SMALL
    assert not recoverable(masked)
    # the row and the column of the small cell each hide a second entry
    assert sum(1 for k in masked.hidden if k[0] == "cell" and k[1] == "s1") + (("row", "s1") in masked.hidden) >= 2
    assert sum(1 for k in masked.hidden if k[0] == "cell" and k[2] == "x") + (("col", "x") in masked.hidden) >= 2


def test_bridge_between_two_groups_is_caught_by_the_exact_check():
    # Two hidden rectangles joined by one hidden "bridge" cell (r2, c3): every row and column holds two
    # hidden cells or none, yet rows r1+r2 minus columns c1+c2 give the bridge exactly.
    rows, cols = ["r1", "r2", "r3", "r4"], ["c1", "c2", "c3", "c4"]
    pattern = {("r1", "c1"), ("r1", "c2"), ("r2", "c1"), ("r2", "c2"), ("r3", "c3"), ("r3", "c4"),
               ("r4", "c3"), ("r4", "c4"), ("r2", "c3")}
    cells = {(r, c): 3 if (r, c) in pattern else 50 for r in rows for c in cols}
    grid = Grid(rows=rows, cols=cols, cells=cells,
                row_totals={r: sum(cells[(r, c)] for c in cols) for r in rows},
                col_totals={c: sum(cells[(r, c)] for r in rows) for c in cols}, grand=sum(cells.values()))
    hidden = {("cell", r, c): SMALL for r, c in pattern}
    assert disclosure.derivable(grid, hidden) == {("cell", "r2", "c3")}
    masked = suppress(grid)
    assert set(hidden) <= set(masked.hidden)
    assert not recoverable(masked)


tables_1d = st.dictionaries(st.sampled_from("abcdefgh"), st.integers(0, 40), min_size=1, max_size=8)


@settings(max_examples=300, deadline=None)
@given(tables_1d, st.booleans())
def test_property_one_dimensional(values, with_total):
    masked = suppress(one_dimensional(values, total=with_total))
    for k, v in values.items():
        if 0 < v < 5:
            assert masked.hidden.get(("cell", "", k)) == SMALL
    assert not recoverable(masked)


@st.composite
def grids(draw):
    nr, nc = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    rows, cols = [f"r{i}" for i in range(nr)], [f"c{j}" for j in range(nc)]
    cells = {(r, c): draw(st.one_of(st.integers(0, 6), st.integers(0, 60))) for r in rows for c in cols}
    row_totals = {r: sum(cells[(r, c)] for c in cols) for r in rows} if draw(st.booleans()) else None
    col_totals = {c: sum(cells[(r, c)] for r in rows) for c in cols} if draw(st.booleans()) else None
    grand = sum(cells.values()) if draw(st.booleans()) and (row_totals or col_totals) else None
    return Grid(rows=rows, cols=cols, cells=cells, row_totals=row_totals, col_totals=col_totals, grand=grand)


@settings(max_examples=300, deadline=None)
@given(grids())
def test_property_two_dimensional(grid):
    masked = suppress(grid)
    for key in grid.entries():
        v = grid.value(key)
        if 0 < v < 5:
            assert masked.hidden.get(key) == SMALL, key
        if key not in masked.hidden:
            assert masked.shown(key) == v
    assert not recoverable(masked)
    # and the simple rule: no equation with exactly one hidden non-zero entry
    for eq in grid.equations():
        inside = [k for k, _c in eq if k in masked.hidden]
        assert not (len(inside) == 1 and grid.value(inside[0]) > 0)


@settings(max_examples=200, deadline=None)
@given(grids())
def test_property_side_by_side_of_published_rows(grid):
    """Rows published one by one, then side by side with column sums: nothing becomes recoverable."""
    prehidden = {}
    for r in grid.rows:
        row = suppress(one_dimensional({c: grid.cells[(r, c)] for c in grid.cols}))
        prehidden.update({("cell", r, k[2]): kind for k, kind in row.hidden.items() if k[0] == "cell"})
        if ("row", "") in row.hidden:
            prehidden[("row", r)] = row.hidden[("row", "")]
    full = Grid(rows=grid.rows, cols=grid.cols, cells=grid.cells,
                row_totals={r: sum(grid.cells[(r, c)] for c in grid.cols) for r in grid.rows},
                col_totals={c: sum(grid.cells[(r, c)] for r in grid.rows) for c in grid.cols},
                grand=sum(grid.cells.values()))
    masked = disclosure.protect_margins(full, prehidden)
    # published cells are exactly those published row by row
    assert {k for k in masked.hidden if k[0] in ("cell", "row")} == set(prehidden)
    # no hidden cell and no small margin can be recovered (a hidden non-small total that equals
    # what is published elsewhere reveals nothing)
    assert not {k for k in recoverable(masked) if k[0] == "cell" or masked.hidden[k] == SMALL}
