"""Needs against responses, per need (issue #18, D58): the outcomes of the referrals of each main need by
département, under the same disclosure control as the other tables. The datasets are test_needs's."""

import pytest

from aupres.indicators import disclosure, needs

from .test_needs import (  # noqa: F401 — readers and region are fixtures
    DEPS,
    KINDS,
    Y,
    _published_system,
    dataset,
    fact,
    readers,
    region,
    small_dataset,
)

Z = dict.fromkeys(needs.OUTCOME_KEYS, 0)


def _shown(out):
    """{need: {dep code or "*": (published values without zeros, published total)}}."""
    result = {}
    for n in out["by_need"]:
        rows = {r["code"]: ({k: v for k, v in r["values"].items() if v != 0}, r["total"]) for r in n["rows"]}
        rows["*"] = ({k: v for k, v in n["total"]["values"].items() if v != 0}, n["total"]["total"])
        result[n["key"]] = rows
    return result


def test_outcomes_per_need_every_count_written_out():
    out = needs.publish(dataset(), DEPS, KINDS, {})
    assert _shown(out) == {
        "health": {"59": ({"accepted": 16, "declined_eligibility": 5}, 21),
                   "62": ({"declined_capacity": 10}, 10),
                   "*": ({"accepted": 16, "declined_capacity": 10, "declined_eligibility": 5}, 31)},
        "social": {"59": ({}, 0),
                   "62": ({"accepted": 5, "forwarded": 5}, 10),
                   "*": ({"accepted": 5, "forwarded": 5}, 10)},
        "housing": {"59": ({"waiting": 5, "declined_capacity": 5}, 10),
                    "62": ({}, 0),
                    "*": ({"waiting": 5, "declined_capacity": 5}, 10)},
        "not_said": {"59": ({}, 0), "62": ({"open": 5}, 5), "*": ({"open": 5}, 5)},
    }
    # Needs with no referral are left out; the order is the needs'; nothing is hidden.
    assert [n["key"] for n in out["by_need"]] == ["health", "social", "housing", "not_said"]
    assert all(not r["hidden"] for n in out["by_need"] for r in [*n["rows"], n["total"]])
    # Each need's row adds up to the needs table's cell, each outcome over the needs to the département's.
    need_rows = {r["code"]: r for r in out["needs"]["rows"]}
    for n in out["by_need"]:
        for r in n["rows"]:
            assert r["total"] == need_rows[r["code"]]["values"][n["key"]]
    for t in out["territories"]:
        for o in needs.OUTCOME_KEYS:
            assert sum(next(r for r in n["rows"] if r["code"] == t["code"])["values"][o]
                       for n in out["by_need"]) == t["values"][o]


def test_outcomes_per_need_hide_small_cells_and_resist_subtraction():
    """Nord gets 2 acceptances for a housing need (EMSP: 12 acceptances there, no small cell on the kinds'
    side). The housing row of Nord hides its 2 (« < 5 »); since the row's total (12, the needs table) and
    the columns' totals (Nord's outcomes, published through the kinds) are published, complements and zero
    decoys are hidden until no hidden figure follows from every published one (the exact check)."""
    rows = dataset() + [fact(1, "emsp", "accepted", "housing", 3)] * 2
    out = needs.publish(rows, DEPS, KINDS, {})
    by_need = {n["key"]: n for n in out["by_need"]}
    housing, health = by_need["housing"]["rows"][0], by_need["health"]["rows"][0]
    S, C = disclosure.SMALL, disclosure.COMPLEMENTARY
    assert housing["hidden"] == {"accepted": S, "waiting": C, "declined_capacity": C, "declined_eligibility": S}
    assert housing["total"] == 12 and housing["values"]["declined_other"] == 0
    # Health's two non-zero cells are complements (16 and 5), its zeros decoys: no column keeps one hidden cell.
    assert health["hidden"] == {"accepted": C, "waiting": S, "declined_capacity": S, "declined_eligibility": C,
                                "declined_other": S, "forwarded": S, "open": S}
    assert health["total"] == 21
    # Pas-de-Calais publishes every figure; the région's rows are sums, hidden wherever Nord hides.
    assert _shown(out)["health"]["62"] == ({"declined_capacity": 10}, 10)
    assert _shown(out)["social"]["*"] == ({"accepted": 5, "forwarded": 5}, 10)
    assert by_need["housing"]["total"]["hidden"] == dict.fromkeys(housing["hidden"], disclosure.WITHHELD)
    assert by_need["housing"]["total"]["total"] == 12
    # The other tables are untouched by this one.
    assert out["territories"][0]["hidden"] == {} and out["territories"][0]["values"]["accepted"] == 18
    system, hidden = _published_system(out, rows)
    _add_need_tables(system, hidden, out, rows)
    assert not disclosure.derivable(system, hidden, system.equations())
    # Without the complements, the 2 would follow from the row: 12 − 5 − 5.
    naive = {k: v for k, v in hidden.items() if not (k[0] == "need" and v != S)}
    assert ("need", "housing", 1, "accepted") in disclosure.derivable(system, naive, system.equations())


def test_a_département_whose_total_is_withheld_publishes_no_outcome_per_need():
    """In small_dataset, 62's total is not published (the kinds' and the needs' tables share it): the
    outcomes per need of 62 are all withheld, zeros included, and so are the région's sums over them."""
    out = needs.publish(small_dataset(), DEPS, KINDS, {})
    for n in out["by_need"]:
        pdc = n["rows"][1]
        if n["key"] == "housing":
            assert pdc["values"] == Z and pdc["total"] == 0
            continue
        assert pdc["total"] is None and all(v is None for v in pdc["values"].values())
        assert all(n["total"]["hidden"].get(o) for o in needs.OUTCOME_KEYS if o in pdc["hidden"])
    system, hidden = _published_system(out)
    _add_need_tables(system, hidden, out, small_dataset())
    assert not disclosure.derivable(system, hidden, system.equations())


def test_a_need_whose_count_is_hidden_shows_no_outcome():
    rows = dataset() + [fact(2, "emsp", "accepted", "rights", 3)] * 3  # 3 referrals for rights in 62
    out = needs.publish(rows, DEPS, KINDS, {})
    rights = next(n for n in out["by_need"] if n["key"] == "rights")
    pdc = rights["rows"][1]
    assert pdc["total"] is None and pdc["hidden"]["__total__"] == disclosure.SMALL
    assert pdc["values"]["accepted"] is None
    system, hidden = _published_system(out, rows)
    _add_need_tables(system, hidden, out, rows)
    assert not disclosure.derivable(system, hidden, system.equations())


def _add_need_tables(system, hidden, out, rows):
    """The needs table and the outcomes per need as more unknowns and equations of the published system."""
    exact = {}
    for f in rows:
        exact[(f["need"], f["dep"], f["outcome"])] = exact.get((f["need"], f["dep"], f["outcome"]), 0) + 1
    deps = [d for d, _c, _n in DEPS]
    need_keys = [k for k, _l in needs.need_columns()]
    kinds = out["kinds"]

    def put(key, value, shown, kind):
        system.values[key] = value
        if kind:
            hidden[key] = kind
        else:
            assert shown == value, (key, shown, value)

    by_need = {n["key"]: n for n in out["by_need"]}
    for dep, need_row, territory in zip(deps, out["needs"]["rows"], out["territories"], strict=True):
        put(("dep_total", dep), sum(v for (n, d, _o), v in exact.items() if d == dep), territory["total"],
            territory["hidden"].get("__total__") or need_row["hidden"].get("__total__"))
        system.eqs.append([(("m", k["code"], dep), 1) for k in kinds] + [(("dep_total", dep), -1)])
        for n in need_keys:
            total = sum(exact.get((n, dep, o), 0) for o in needs.OUTCOME_KEYS)
            put(("need_total", n, dep), total, need_row["values"][n], need_row["hidden"].get(n))
            row = next((r for r in by_need[n]["rows"] if r["id"] == dep), None) if n in by_need else None
            for o in needs.OUTCOME_KEYS:
                put(("need", n, dep, o), exact.get((n, dep, o), 0), row["values"][o] if row else 0,
                    row["hidden"].get(o) if row else None)
            system.eqs.append([(("need", n, dep, o), 1) for o in needs.OUTCOME_KEYS]
                              + [(("need_total", n, dep), -1)])
        system.eqs.append([(("need_total", n, dep), 1) for n in need_keys] + [(("dep_total", dep), -1)])
        for o in needs.OUTCOME_KEYS:
            system.eqs.append([(("need", n, dep, o), 1) for n in need_keys] + [(("m", "*", dep, o), -1)])


@pytest.mark.parametrize("extra", [
    [fact(1, "emsp", "declined_other", "violence", 1)] * 1,
    [fact(2, "lhss", "waiting", "social", 3, 12)] * 4 + [fact(2, "act", "accepted", "housing", 2)] * 7,
    [fact(1, "lhss", "forwarded", "health", 5)] * 2 + [fact(1, "lhss", "forwarded", "housing", 5)] * 2,
])
def test_no_hidden_figure_follows_from_the_published_ones(extra):
    rows = dataset() + extra
    out = needs.publish(rows, DEPS, KINDS, {})
    system, hidden = _published_system(out, rows)
    _add_need_tables(system, hidden, out, rows)
    assert hidden
    assert not disclosure.derivable(system, hidden, system.equations())


@pytest.mark.django_db
def test_the_screen_and_the_api_show_the_responses_per_need(readers, client_as, api_as):  # noqa: F811
    """readers: 6 health referrals accepted in 59, 5 declined for capacity and 1 on the waiting list in 62."""
    html = client_as(readers.users["funder"]).get(f"/indicateurs/besoins/?annee={Y}").content.decode()
    table = html.split('data-testid="needs-need-table-health"')[1].split("</table>")[0]
    assert "Nord (59)" in table and "Pas-de-Calais (62)" in table and "Réponses par besoin principal" in html
    data = api_as(readers.users["funder"]).get(f"/indicators/needs?year={Y}").json()
    health = next(n for n in data["by_need"] if n["key"] == "health")
    rows = {r["code"]: r for r in health["rows"]}
    nord, pdc = rows["59"], rows["62"]
    assert (nord["values"]["accepted"], nord["total"]) == (6, 6)
    # 62: the 1 on the waiting list is hidden, and so is its complement; the row's total is the needs table's.
    need_62 = next(r for r in data["needs"]["rows"] if r["code"] == "62")
    assert pdc["values"]["waiting"] is None and pdc["values"]["declined_capacity"] is None
    assert pdc["total"] == need_62["values"]["health"]
