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


# Each rule of the module on a table small enough to work out by hand (mutation testing, issue #22) -----

def test_a_grid_reads_its_entries_and_writes_its_equations():
    grid = Grid(rows=["r1", "r2"], cols=["x", "y"], cells={("r1", "x"): 3, ("r2", "y"): 7},
                row_totals={"r1": 3, "r2": 7}, col_totals={"x": 3, "y": 7}, grand=10)
    assert [grid.value(k) for k in (("cell", "r1", "x"), ("cell", "r1", "y"), ("row", "r2"), ("col", "x"),
                                    ("grand",))] == [3, 0, 7, 3, 10]
    assert grid.entries() == [("cell", "r1", "x"), ("cell", "r1", "y"), ("cell", "r2", "x"), ("cell", "r2", "y"),
                              ("row", "r1"), ("row", "r2"), ("col", "x"), ("col", "y"), ("grand",)]
    assert grid.equations() == [
        [(("cell", "r1", "x"), 1), (("cell", "r1", "y"), 1), (("row", "r1"), -1)],
        [(("cell", "r2", "x"), 1), (("cell", "r2", "y"), 1), (("row", "r2"), -1)],
        [(("cell", "r1", "x"), 1), (("cell", "r2", "x"), 1), (("col", "x"), -1)],
        [(("cell", "r1", "y"), 1), (("cell", "r2", "y"), 1), (("col", "y"), -1)],
        [(("row", "r1"), 1), (("row", "r2"), 1), (("grand",), -1)],
        [(("col", "x"), 1), (("col", "y"), 1), (("grand",), -1)],
    ]
    columns_only = Grid(rows=["r1"], cols=["x"], cells={("r1", "x"): 2}, col_totals={"x": 2}, grand=2)
    assert columns_only.entries() == [("cell", "r1", "x"), ("col", "x"), ("grand",)]
    assert columns_only.equations() == [[(("cell", "r1", "x"), 1), (("col", "x"), -1)],
                                        [(("col", "x"), 1), (("grand",), -1)]]
    rows_only = Grid(rows=["r1"], cols=["x"], cells={("r1", "x"): 2}, row_totals={"r1": 2}, grand=2)
    assert rows_only.equations() == [[(("cell", "r1", "x"), 1), (("row", "r1"), -1)],
                                     [(("row", "r1"), 1), (("grand",), -1)]]


def test_a_one_dimensional_table_reads_none_as_zero_and_may_have_no_total():
    grid = one_dimensional({"a": None, "b": 2, "c": 7})
    assert (grid.rows, grid.cols) == ([""], ["a", "b", "c"])
    assert grid.cells == {("", "a"): 0, ("", "b"): 2, ("", "c"): 7}
    assert grid.row_totals == {"": 9}
    assert (grid.col_totals, grid.grand) == (None, None)
    assert one_dimensional({"a": 1}, total=False).row_totals is None


def test_what_each_mark_tells_a_reader():
    assert disclosure.bounds(SMALL) == (0, 4)  # "< 5": a zero may hide behind it too
    assert disclosure.bounds(COMPLEMENTARY) == (5, None)  # a count that would have been shown
    assert disclosure.bounds(disclosure.WITHHELD) == (0, None)
    assert disclosure.bounds(disclosure.RESTRICTED) == (0, None)
    assert disclosure.bounds(SMALL, threshold=10) == (0, 9)
    assert disclosure.bounds(COMPLEMENTARY, threshold=10) == (10, None)


def test_the_interval_a_reader_computes_from_the_total_and_the_marks():
    values = {"a": 3, "b": 7, "c": 20}
    hidden = {"a": SMALL, "b": COMPLEMENTARY}
    # 30 - 20 visible = 10 for a and b; a in 0..4, so b in 6..10; b at least 5, so a at most 5: 0..4 stays
    assert disclosure.intervals_1d(values, hidden, 30) == {"a": (0, 4), "b": (6, 10)}
    assert disclosure.intervals_1d(values, hidden, None) == {"a": (0, 4), "b": (5, None)}
    # two small cells summing to 5: each is at least 1
    assert disclosure.intervals_1d({"a": 2, "b": 3, "c": 20}, {"a": SMALL, "b": SMALL}, 25) == {
        "a": (1, 4), "b": (1, 4)}
    # one hidden cell alone is its remainder; a None is a zero
    assert disclosure.intervals_1d({"a": 3, "b": None, "c": 20}, {"a": SMALL}, 23) == {"a": (3, 3)}
    assert disclosure.intervals_1d({"a": 7, "c": 20}, {"a": COMPLEMENTARY}, 27) == {"a": (7, 7)}
    # a withheld neighbour (no bound above) leaves the small cell all of 0..4
    assert disclosure.intervals_1d({"a": 2, "w": 30, "c": 20}, {"a": SMALL, "w": disclosure.WITHHELD}, 52) == {
        "a": (0, 4), "w": (28, 32)}
    # two complements: each is at least 5, so at most 15 - 5
    assert disclosure.intervals_1d({"a": 7, "b": 8, "c": 20}, {"a": COMPLEMENTARY, "b": COMPLEMENTARY}, 35) == {
        "a": (5, 10), "b": (5, 10)}
    # a small cell next to a complement, 6 between them: the small one is 0 or 1
    assert disclosure.intervals_1d({"a": 1, "b": 5, "c": 20}, {"a": SMALL, "b": COMPLEMENTARY}, 26) == {
        "a": (0, 1), "b": (5, 6)}
    # with T = 10: "< 10" is 0..9
    assert disclosure.intervals_1d({"a": 6, "b": 30}, {"a": SMALL, "b": COMPLEMENTARY}, 36, threshold=10) == {
        "a": (0, 9), "b": (27, 36)}


def test_what_a_weak_table_still_needs():
    weak = disclosure._weak_1d
    assert weak({"a": 2, "b": 3, "c": 20}, {"a": SMALL, "b": SMALL}, 25, 5) == "low"  # 1..4: a zero more
    assert weak({"a": 1, "b": 0, "c": 20}, {"a": SMALL, "b": SMALL}, 21, 5) == "high"  # 0..1: more mass
    assert weak({"b": 7, "c": 20}, {"b": COMPLEMENTARY}, 27, 5) == "high"  # a complement pinned to 7
    assert weak({"a": 3, "b": 7, "c": 20}, {"a": SMALL, "b": COMPLEMENTARY}, 30, 5) is None  # b in 6..10
    assert weak({"a": 3, "b": 6, "c": 20}, {"a": SMALL, "b": COMPLEMENTARY}, 29, 5) is None  # b in 5..9: T-1 wide
    assert weak({"a": 3, "b": 5, "c": 20}, {"a": SMALL, "b": COMPLEMENTARY}, 28, 5) == "high"  # a in 0..3
    assert weak({"a": 3, "c": 20}, {"a": SMALL}, None, 5) is None  # no total: only the marks
    # a complement and a withheld cell sharing 8: 5..8 and 0..3, three wide where T-1 = 4 are needed
    assert disclosure.intervals_1d({"b": 7, "w": 1, "c": 20}, {"b": COMPLEMENTARY, "w": disclosure.WITHHELD},
                                   28) == {"b": (5, 8), "w": (0, 3)}
    assert weak({"b": 7, "w": 1, "c": 20}, {"b": COMPLEMENTARY, "w": disclosure.WITHHELD}, 28, 5) == "high"
    assert weak({"b": 7, "w": 2, "c": 20}, {"b": COMPLEMENTARY, "w": disclosure.WITHHELD}, 29, 5) is None
    assert weak({"a": 3, "b": 7, "c": 20}, {"a": SMALL, "b": COMPLEMENTARY}, 30, 6) == "high"  # b in 6..10 < 5 wide


def test_protect_1d_step_by_step():
    protect = disclosure.protect_1d
    # a = 3 alone is its remainder: a zero joins it ("low"), then 0..3 is still short: the smallest
    # non-zero visible cell, c = 12, becomes a complement
    assert protect({"a": 3, "b": 40, "c": 12, "d": 0}) == ({"a": SMALL, "d": SMALL, "c": COMPLEMENTARY}, None)
    # the zero may not hide (a reader knows it): the complement alone
    assert protect({"a": 3, "b": 40, "c": 12, "d": 0}, no_decoy=("d",)) == ({"a": SMALL, "c": COMPLEMENTARY}, None)
    # the first zero in the table's order, the smallest non-zero cell by value then key
    assert protect({"a": 3, "z0": 0, "b0": 0, "c": 40}) == ({"a": SMALL, "z0": SMALL, "c": COMPLEMENTARY}, None)
    assert protect({"a": 3, "y": 12, "x": 12, "b": 40}, no_decoy=()) == ({"a": SMALL, "x": COMPLEMENTARY}, None)
    assert protect({"a": 3, "b": 40}, total=False) == ({"a": SMALL}, None)
    assert protect({"a": 0, "b": 0}) == ({}, None)
    assert protect({"a": None, "b": 9}) == ({}, None)
    assert protect({"a": 6, "b": 40}) == ({}, None)
    assert protect({"a": 6, "b": 40}, threshold=10) == ({"a": SMALL, "b": COMPLEMENTARY}, None)


def test_protect_1d_totals_hidden_withheld_and_coordinated():
    protect = disclosure.protect_1d
    W, R = disclosure.WITHHELD, disclosure.RESTRICTED
    assert protect({"a": 3, "b": 0}) == ({"a": SMALL}, SMALL)  # a total of 3
    assert protect({"a": 0}, hide_total=True) == ({}, SMALL)  # a total of 0 that may not be published
    assert protect({"a": 3, "b": 40, "c": 12}, hide_total=True) == ({"a": SMALL, "b": W, "c": W}, W)
    # two small cells and nothing else to hide: no total, the cells stay "< 5"
    assert protect({"a": 3, "b": 4}) == ({"a": SMALL, "b": SMALL}, W)
    # health withheld: the cell, small or not, and the total
    assert protect({"a": 3, "b": 40}, withheld=["b", "zz"]) == ({"a": SMALL, "b": R}, R)
    assert protect({"a": 3}, withheld=["a"]) == ({"a": R}, R)
    # coordination: cells forced hidden by another table; keys of no cell are dropped
    assert protect({"a": 10, "b": 40, "c": 12}, hidden={"a": COMPLEMENTARY, "zz": SMALL}) == (
        {"a": COMPLEMENTARY, "c": COMPLEMENTARY}, None)
    assert protect({"a": 10, "b": 40}, hidden={"a": W}) == ({"a": W, "b": W}, W)
    assert protect({"a": 3, "b": 1}, hidden={"a": W}) == ({"a": W, "b": SMALL}, SMALL)  # a total of 4
    assert protect({"a": 3, "b": 2}, hidden={"a": W}) == ({"a": W, "b": SMALL}, W)  # 5: shown, unless withheld


def test_withholding_keeps_small_and_restricted_marks():
    W, R = disclosure.WITHHELD, disclosure.RESTRICTED
    values = {"a": 10, "b": 5, "c": 4, "d": 0}
    assert disclosure._withhold(values, {"a": R, "c": SMALL}, 5) == {"a": R, "b": W, "c": SMALL}
    assert disclosure._withhold(values, {}, 6) == {"a": W}


def test_a_sum_over_parts_is_shown_only_when_no_part_hides():
    derived = disclosure.derived_sum_hidden
    assert derived([], 10) is None
    assert derived([None, None], 3) is None  # 3 = the sum of published numbers: nothing new
    assert derived([None, SMALL], 30) == disclosure.WITHHELD
    assert derived([None, SMALL], 3) == disclosure.WITHHELD  # never "< 5": no bound at all
    assert derived([COMPLEMENTARY, disclosure.RESTRICTED], 30) == disclosure.RESTRICTED


def test_the_label_of_each_entry():
    masked = suppress(one_dimensional({"a": 3, "b": 40, "c": 12}))
    assert masked.hidden == {("cell", "", "a"): SMALL, ("cell", "", "c"): COMPLEMENTARY}
    assert [disclosure.label(masked, ("cell", "", k)) for k in "abc"] == ["< 5", 40, "s"]
    assert disclosure.label(masked, ("row", "")) == 55
    assert masked.shown(("cell", "", "a")) is None and masked.shown(("cell", "", "b")) == 40


def test_suppress_with_another_threshold_and_without_the_exact_check():
    masked = suppress(one_dimensional({"a": 6, "b": 40, "c": 12}), threshold=10)
    assert masked.hidden == {("cell", "", "a"): SMALL, ("cell", "", "c"): COMPLEMENTARY}
    # the bridge of the test above: without the exact check it stays recoverable
    rows, cols = ["r1", "r2", "r3", "r4"], ["c1", "c2", "c3", "c4"]
    pattern = {("r1", "c1"), ("r1", "c2"), ("r2", "c1"), ("r2", "c2"), ("r3", "c3"), ("r3", "c4"),
               ("r4", "c3"), ("r4", "c4"), ("r2", "c3")}
    cells = {(r, c): 3 if (r, c) in pattern else 50 for r in rows for c in cols}
    grid = Grid(rows=rows, cols=cols, cells=cells,
                row_totals={r: sum(cells[(r, c)] for c in cols) for r in rows},
                col_totals={c: sum(cells[(r, c)] for r in rows) for c in cols}, grand=sum(cells.values()))
    loose = suppress(grid, exact=False)
    assert loose.hidden == {("cell", r, c): SMALL for r, c in pattern}
    assert recoverable(loose) == {("cell", "r2", "c3")}
    assert disclosure.derivable(grid, {}) == set()


def test_when_every_equation_of_a_recoverable_entry_is_hidden_a_margin_elsewhere_is_hidden():
    # r1 = 3 + 1: all of row r1 is small. Columns c0 and c1 each hide r0's 20 as a complement; then
    # r1's total = c0 + c1 - r0 = 23 + 21 - 40 = 4 is recoverable, and its one equation (row r1) has
    # nothing visible left: the smallest visible margin, c1 = 21, is hidden
    cells = {("r0", "c0"): 20, ("r0", "c1"): 20, ("r1", "c0"): 3, ("r1", "c1"): 1}
    grid = Grid(rows=["r0", "r1"], cols=["c0", "c1"], cells=cells, row_totals={"r0": 40, "r1": 4},
                col_totals={"c0": 23, "c1": 21})
    masked = suppress(grid)
    assert masked.hidden == {("cell", "r1", "c0"): SMALL, ("cell", "r1", "c1"): SMALL, ("row", "r1"): SMALL,
                             ("cell", "r0", "c0"): COMPLEMENTARY, ("cell", "r0", "c1"): COMPLEMENTARY,
                             ("col", "c1"): COMPLEMENTARY}
    assert not recoverable(masked)


def _side_by_side(cells, rows, cols, **margins):
    return Grid(rows=rows, cols=cols, cells=cells, row_totals={r: sum(cells[(r, c)] for c in cols) for r in rows},
                **margins)


def test_side_by_side_rows_hide_the_column_totals_that_give_their_hidden_cells():
    # row a publishes 3 as "< 5" and 10 as a complement; the column totals would give both back
    cells = {("a", "x"): 3, ("a", "y"): 10, ("b", "x"): 20, ("b", "y"): 30}
    grid = _side_by_side(cells, ["a", "b"], ["x", "y"], col_totals={"x": 23, "y": 40}, grand=63)
    prehidden = {("cell", "a", "x"): SMALL, ("cell", "a", "y"): COMPLEMENTARY}
    masked = disclosure.protect_margins(grid, prehidden)
    assert masked.hidden == {**prehidden, ("col", "x"): COMPLEMENTARY, ("col", "y"): COMPLEMENTARY,
                             ("grand",): COMPLEMENTARY}
    assert prehidden == {("cell", "a", "x"): SMALL, ("cell", "a", "y"): COMPLEMENTARY}  # not changed in place
    # a third column, all shown: hidden last, when nothing else is left (a hidden grand total
    # equal to published rows gives nothing away)
    cells = {**cells, ("a", "z"): 40, ("b", "z"): 50}
    grid = _side_by_side(cells, ["a", "b"], ["x", "y", "z"], col_totals={"x": 23, "y": 40, "z": 90}, grand=153)
    masked = disclosure.protect_margins(grid, prehidden)
    assert masked.hidden == {**prehidden, ("col", "x"): COMPLEMENTARY, ("col", "y"): COMPLEMENTARY,
                             ("grand",): COMPLEMENTARY, ("col", "z"): COMPLEMENTARY}


def test_a_hidden_row_total_hides_the_column_totals_of_its_row():
    cells = {("a", "x"): 2, ("a", "y"): 1, ("b", "x"): 20, ("b", "y"): 30, ("c", "x"): 0, ("c", "y"): 7}
    prehidden = {("cell", "a", "x"): SMALL, ("cell", "a", "y"): SMALL, ("row", "a"): SMALL}
    grid = _side_by_side(cells, ["a", "b", "c"], ["x", "y"], col_totals={"x": 22, "y": 38}, grand=60)
    masked = disclosure.protect_margins(grid, prehidden)
    assert masked.hidden == {**prehidden, ("col", "x"): COMPLEMENTARY, ("col", "y"): COMPLEMENTARY,
                             ("grand",): COMPLEMENTARY}
    # without column totals: the grand total alone
    grid = _side_by_side(cells, ["a", "b", "c"], ["x", "y"], grand=60)
    masked = disclosure.protect_margins(grid, prehidden)
    assert masked.hidden == {**prehidden, ("grand",): COMPLEMENTARY}


def test_new_margins_are_small_under_the_threshold_given():
    cells = {("a", "x"): 6, ("b", "x"): 0, ("a", "y"): 10, ("b", "y"): 10}
    grid = _side_by_side(cells, ["a", "b"], ["x", "y"], col_totals={"x": 6, "y": 20}, grand=26)
    assert disclosure.protect_margins(grid, {}).hidden == {}
    masked = disclosure.protect_margins(grid, {("cell", "a", "x"): SMALL}, threshold=10)
    assert masked.hidden[("col", "x")] == SMALL


def test_the_bridge_is_closed_by_a_visible_cell_of_its_row():
    # the exact check finds the bridge (r2, c3); its row r2 still shows one cell, 50: it becomes the
    # complement (before any margin), and r2's two middle cells are then two unknowns in both groups
    rows, cols = ["r1", "r2", "r3", "r4"], ["c1", "c2", "c3", "c4"]
    pattern = {("r1", "c1"), ("r1", "c2"), ("r2", "c1"), ("r2", "c2"), ("r3", "c3"), ("r3", "c4"),
               ("r4", "c3"), ("r4", "c4"), ("r2", "c3")}
    cells = {(r, c): 3 if (r, c) in pattern else 50 for r in rows for c in cols}
    grid = Grid(rows=rows, cols=cols, cells=cells,
                row_totals={r: sum(cells[(r, c)] for c in cols) for r in rows},
                col_totals={c: sum(cells[(r, c)] for r in rows) for c in cols}, grand=sum(cells.values()))
    masked = suppress(grid)
    assert masked.hidden == {**{("cell", r, c): SMALL for r, c in pattern}, ("cell", "r2", "c4"): COMPLEMENTARY}
    assert not recoverable(masked)


def test_new_margins_under_five_are_hidden_zero_ones_shown():
    # rows published alone: a = 2 (and its total), b = 1 (and its total); columns 2, 1, 0, grand 3
    cells = {("a", "x"): 2, ("a", "y"): 0, ("a", "z"): 0, ("b", "x"): 0, ("b", "y"): 1, ("b", "z"): 0}
    grid = _side_by_side(cells, ["a", "b"], ["x", "y", "z"], col_totals={"x": 2, "y": 1, "z": 0}, grand=3)
    prehidden = {("cell", "a", "x"): SMALL, ("row", "a"): SMALL, ("cell", "b", "y"): SMALL, ("row", "b"): SMALL}
    masked = disclosure.protect_margins(grid, prehidden)
    assert masked.hidden == {**prehidden, ("col", "x"): SMALL, ("col", "y"): SMALL, ("grand",): SMALL}


def test_a_recoverable_cell_hides_its_own_column_total_only():
    # c = 2 (and c's total) is recovered from the grand total and the rows a and b: column x and the
    # grand total are hidden, not column y where a and b hide their other cells
    cells = {("a", "x"): 3, ("a", "y"): 10, ("b", "x"): 10, ("b", "y"): 3, ("c", "x"): 2, ("c", "y"): 0}
    grid = _side_by_side(cells, ["a", "b", "c"], ["x", "y"], col_totals={"x": 15, "y": 13}, grand=28)
    prehidden = {("cell", "a", "x"): SMALL, ("cell", "a", "y"): COMPLEMENTARY, ("cell", "b", "y"): SMALL,
                 ("cell", "b", "x"): COMPLEMENTARY, ("cell", "c", "x"): SMALL, ("row", "c"): SMALL}
    masked = disclosure.protect_margins(grid, prehidden)
    assert masked.hidden == {**prehidden, ("col", "x"): COMPLEMENTARY, ("grand",): COMPLEMENTARY}
    assert not {k for k in recoverable(masked) if k[0] == "cell"}


def test_a_recoverable_row_total_hides_the_column_totals_of_its_own_hidden_cells():
    # rows a and b hide a block in columns x and y, rows d and e in z and w; row c = 2 + 1 and its total
    # 3 hidden. The grand total gives c's total back: the columns of c's hidden cells (x, y) and the
    # grand total are hidden, not z and w
    cells = {}
    for r, row in {"a": (3, 10, 40, 40), "b": (10, 3, 40, 40), "c": (2, 1, 0, 0), "d": (40, 40, 3, 10),
                   "e": (40, 40, 10, 3)}.items():
        cells.update({(r, c): v for c, v in zip("xyzw", row, strict=True)})
    grid = _side_by_side(cells, list("abcde"), list("xyzw"), col_totals={"x": 95, "y": 94, "z": 93, "w": 93},
                         grand=375)
    prehidden = {("cell", "a", "x"): SMALL, ("cell", "a", "y"): COMPLEMENTARY, ("cell", "b", "y"): SMALL,
                 ("cell", "b", "x"): COMPLEMENTARY, ("cell", "c", "x"): SMALL, ("cell", "c", "y"): SMALL,
                 ("row", "c"): SMALL, ("cell", "d", "z"): SMALL, ("cell", "d", "w"): COMPLEMENTARY,
                 ("cell", "e", "w"): SMALL, ("cell", "e", "z"): COMPLEMENTARY}
    assert disclosure.derivable(grid, prehidden) == {("row", "c")}
    masked = disclosure.protect_margins(grid, prehidden)
    assert masked.hidden == {**prehidden, ("col", "x"): COMPLEMENTARY, ("col", "y"): COMPLEMENTARY,
                             ("grand",): COMPLEMENTARY}
    assert not recoverable(masked)


def test_the_margin_hidden_elsewhere_is_the_smallest_then_the_first_by_its_key():
    # r1 = 2 + 1 = 3, all hidden; column c0 hides r0's 3 with it, row r0 hides its 20 as a complement;
    # then r1's total = c0 + c1 - r0 = 5 + 21 - 23 comes back and row r1 shows nothing else. The
    # smallest visible margins are row r2 and column c0 (5 each): column c0, first by its key. A
    # visible zero cell (r2, c0) is no margin.
    cells = {("r0", "c0"): 3, ("r0", "c1"): 20, ("r1", "c0"): 2, ("r1", "c1"): 1, ("r2", "c0"): 0, ("r2", "c1"): 5}
    grid = Grid(rows=["r0", "r1", "r2"], cols=["c0", "c1"], cells=cells, row_totals={"r0": 23, "r1": 3, "r2": 5},
                col_totals={"c0": 5, "c1": 26})
    masked = suppress(grid)
    assert masked.hidden == {("cell", "r0", "c0"): SMALL, ("cell", "r1", "c0"): SMALL, ("cell", "r1", "c1"): SMALL,
                             ("row", "r1"): SMALL, ("cell", "r0", "c1"): COMPLEMENTARY, ("col", "c0"): COMPLEMENTARY}
    assert not recoverable(masked)


def test_complements_of_equal_value_are_chosen_by_their_key_not_their_order():
    masked = suppress(one_dimensional({"b": 10, "a": 10, "c": 3}))
    assert masked.hidden == {("cell", "", "c"): SMALL, ("cell", "", "a"): COMPLEMENTARY}
    # row r2 (3) alone in the grand total's equation: of the two rows of 10, r0 by its key, though r1
    # comes first; then r0's own cell, for row r0
    cells = {("r1", "x"): 10, ("r0", "x"): 10, ("r2", "x"): 3}
    grid = Grid(rows=["r1", "r0", "r2"], cols=["x"], cells=cells, row_totals={"r1": 10, "r0": 10, "r2": 3}, grand=23)
    assert suppress(grid).hidden == {("cell", "r2", "x"): SMALL, ("row", "r2"): SMALL, ("row", "r0"): COMPLEMENTARY,
                                     ("cell", "r0", "x"): COMPLEMENTARY}


def test_a_zero_margin_is_never_a_complement():
    # row a (3) alone in the grand total's equation: row b, 0, is no complement; row c (10) is
    cells = {("a", "x"): 3, ("b", "x"): 0, ("c", "x"): 10}
    grid = Grid(rows=["a", "b", "c"], cols=["x"], cells=cells, row_totals={"a": 3, "b": 0, "c": 10}, grand=13)
    assert suppress(grid).hidden == {("cell", "a", "x"): SMALL, ("row", "a"): SMALL, ("row", "c"): COMPLEMENTARY,
                                     ("cell", "c", "x"): COMPLEMENTARY}


def test_a_lone_one_gets_its_complement_before_the_exact_check():
    assert suppress(one_dimensional({"a": 1, "b": 10}), exact=False).hidden == {
        ("cell", "", "a"): SMALL, ("cell", "", "b"): COMPLEMENTARY}


def test_a_hidden_zero_that_follows_from_the_total_reveals_nothing():
    grid = one_dimensional({"a": 0, "b": 7})
    assert disclosure.derivable(grid, {("cell", "", "a"): SMALL}) == set()
    assert disclosure.derivable(one_dimensional({"a": 1, "b": 7}), {("cell", "", "a"): SMALL}) == {("cell", "", "a")}


def test_side_by_side_rows_without_a_grand_total():
    cells = {("a", "x"): 3, ("a", "y"): 10, ("b", "x"): 20, ("b", "y"): 30}
    grid = _side_by_side(cells, ["a", "b"], ["x", "y"], col_totals={"x": 23, "y": 40})
    prehidden = {("cell", "a", "x"): SMALL, ("cell", "a", "y"): COMPLEMENTARY}
    assert disclosure.protect_margins(grid, prehidden).hidden == {
        **prehidden, ("col", "x"): COMPLEMENTARY, ("col", "y"): COMPLEMENTARY}


def test_a_complement_alone_in_its_column_gets_a_complement_too():
    # the bridge again, with a fifth column of 50s where r2 shows 40: r2's smallest visible cell, 40,
    # is its first complement, alone in column c5, which hides its first 50 (r1) with it; the bridge
    # still follows from r3 and r4 (columns c3 + c4 - rows r3 + r4), so r2 hides its 50 in c4 as well
    rows, cols = ["r1", "r2", "r3", "r4"], ["c1", "c2", "c3", "c4", "c5"]
    pattern = {("r1", "c1"), ("r1", "c2"), ("r2", "c1"), ("r2", "c2"), ("r3", "c3"), ("r3", "c4"),
               ("r4", "c3"), ("r4", "c4"), ("r2", "c3")}
    cells = {(r, c): 3 if (r, c) in pattern else 50 for r in rows for c in cols} | {("r2", "c5"): 40}
    grid = Grid(rows=rows, cols=cols, cells=cells,
                row_totals={r: sum(cells[(r, c)] for c in cols) for r in rows},
                col_totals={c: sum(cells[(r, c)] for r in rows) for c in cols}, grand=sum(cells.values()))
    masked = suppress(grid)
    assert masked.hidden == {**{("cell", r, c): SMALL for r, c in pattern}, ("cell", "r2", "c5"): COMPLEMENTARY,
                             ("cell", "r1", "c5"): COMPLEMENTARY, ("cell", "r2", "c4"): COMPLEMENTARY}
    assert not recoverable(masked)


class _System:
    """A linear system as indicators/needs.py writes one for derivable (a duck-typed Grid)."""

    def __init__(self, equations):
        self.eqs = equations
        self.values = {k: 3 for eq in equations for k, _c in eq}

    def entries(self):
        return list(self.values)

    def value(self, key):
        return self.values[key]

    def equations(self):
        return self.eqs


def test_the_exact_check_solves_any_linear_system():
    hidden = dict.fromkeys(["u0", "u1", "u2", "u3"], SMALL)
    # a repeated equation, then one that pins u0: u0, then u1 from the first
    system = _System([[("u0", -1), ("u1", -1)], [("u1", -1), ("u0", -1)], [("u0", -1)]])
    assert disclosure.derivable(system, hidden) == {"u0", "u1"}
    # u0 - u3 and u0 + u3 give both (halves); u1 - u2 gives neither
    system = _System([[("u0", 1), ("u3", -1)], [("u1", 1), ("u3", 1), ("u0", -1), ("u2", -1)], [("u3", 1), ("u0", 1)]])
    assert disclosure.derivable(system, hidden) == {"u0", "u3"}
    # coefficients of 2: u1 alone, u0 from 2 u0; 2 u2 + u3 gives neither
    system = _System([[("u1", -1)], [("u0", 2), ("u2", 2), ("u3", 1)], [("u0", 2)]])
    assert disclosure.derivable(system, hidden) == {"u0", "u1"}
