"""Needs against responses, by territory (issue #18): the facts read from referrals and their events, the
figures of a hand-built dataset with every count written out, their disclosure control (including
subtraction between two legitimate tables), the screens, the API and the map."""

import datetime
import json
import re
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aupres.indicators import disclosure, maps, needs
from aupres.referrals.models import DeclineReason, Referral, ReferralEvent, Status
from aupres.services.models import Service, ServiceKind, Territory

pytestmark = pytest.mark.django_db

Y = timezone.localdate().year - 1  # the last year over: the only kind of year published


def at(month, day, year=Y, hour=10):
    return datetime.datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def region(world):
    """Region 32 with départements 59 (the world's) and 62; a commune of 62; a département elsewhere."""
    region, _c = Territory.objects.get_or_create(level="region", code="32", defaults={"name": "Hauts-de-France"})
    Territory.objects.filter(pk=world.territory.pk).update(parent=region)
    world.territory.refresh_from_db()
    d62, _c = Territory.objects.get_or_create(level="departement", code="62", defaults={"name": "Pas-de-Calais"})
    Territory.objects.filter(pk=d62.pk).update(parent=region)
    arras, _c = Territory.objects.get_or_create(level="commune", code="62041",
                                                defaults={"name": "Arras", "parent": d62})
    other, _c = Territory.objects.get_or_create(level="departement", code="75", defaults={"name": "Paris"})
    return {"region": region, "59": world.territory, "62": d62, "arras": arras, "75": other}


def make(service, received, status=Status.PENDING, *, territory=None, needs_=("health",), reason="",
         decided=None, events=True):
    r = Referral.objects.create(service=service, territory=territory, door="team", source="shelter",
                                alias="X", needs=list(needs_), received_at=received, status=status,
                                decline_reason=reason,
                                waiting_since=decided if status == Status.WAITING else None)
    if events:
        ReferralEvent.objects.create(referral=r, at=received, action="received", status=Status.PENDING)
        if decided:
            ReferralEvent.objects.create(referral=r, at=decided, action=status, status=status)
    return r


def test_needs_facts_read_territory_need_kind_and_the_outcome_on_31_december(world, region):
    a = world.service_a  # covers 59
    nord, pdc = region["59"], region["62"]
    make(a, at(3, 1), Status.ACCEPTED, territory=nord, needs_=("housing", "health"), decided=at(3, 11))
    make(a, at(4, 1), Status.DECLINED, territory=region["arras"], reason=DeclineReason.NO_CAPACITY,
         decided=at(4, 3))  # a commune of 62: counted in 62
    make(a, at(5, 1), Status.DECLINED, territory=pdc, reason=DeclineReason.NOT_ELIGIBLE, decided=at(5, 2),
         needs_=())
    make(a, at(6, 1), Status.DECLINED, territory=pdc, reason=DeclineReason.UNREACHABLE, decided=at(6, 8))
    make(a, at(7, 1), Status.FORWARDED, territory=None, decided=at(7, 5))  # no territory: the service's (59)
    make(None, at(8, 1), Status.PENDING, territory=pdc, needs_=("violence",))  # left to regulation
    make(a, at(11, 1), Status.WAITING, territory=nord, decided=at(11, 21))  # 40 whole days waiting on 31/12
    # Accepted in January of this year: still to decide on 31 December, decided after.
    late = make(a, at(12, 20), Status.PENDING, territory=nord)
    Referral.objects.filter(pk=late.pk).update(status=Status.ACCEPTED)
    ReferralEvent.objects.create(referral=late, at=at(1, 4, year=Y + 1), action="accepted", status=Status.ACCEPTED)
    make(a, at(12, 31, year=Y - 1), Status.ACCEPTED, territory=nord, decided=at(1, 2))  # received the year before
    make(a, at(3, 1), Status.ACCEPTED, territory=region["75"], decided=at(3, 2))  # another region
    make(a, at(9, 1), Status.ACCEPTED, territory=nord, decided=None, events=False)  # no events: its status

    facts = needs.facts(Y, [nord.pk, pdc.pk])
    kind = a.kind.code
    got = sorted((f["dep"] == nord.pk and "59" or "62", f["kind"], f["need"], f["outcome"], f["decision_days"],
                  f["wait_days"]) for f in facts)
    assert got == sorted([
        ("59", kind, "housing", "accepted", 10, None),
        ("62", kind, "health", "declined_capacity", 2, None),
        ("62", kind, "not_said", "declined_eligibility", 1, None),
        ("62", kind, "health", "declined_other", 7, None),
        ("59", kind, "health", "forwarded", 4, None),
        ("62", "unrouted", "violence", "open", None, None),
        ("59", kind, "health", "waiting", 20, 40),
        ("59", kind, "health", "open", None, None),
        ("59", kind, "health", "accepted", None, None),
    ])


DEPS = [(1, "59", "Nord"), (2, "62", "Pas-de-Calais")]
KINDS = [("emsp", "EMSP"), ("lhss", "LHSS"), ("act", "ACT"), ("unrouted", "Régulation")]


def fact(dep, kind, outcome, need="health", days=None, wait=None):
    return {"dep": dep, "kind": kind, "need": need, "outcome": outcome, "decision_days": days, "wait_days": wait}


def dataset():
    """Counts of 0 or at least 5 only: nothing is hidden, every figure can be written out."""
    rows = []
    rows += [fact(1, "emsp", "accepted", "health", 4)] * 10
    rows += [fact(1, "emsp", "waiting", "housing", 6, 40)] * 5
    rows += [fact(1, "emsp", "declined_capacity", "housing", 2)] * 5
    rows += [fact(1, "lhss", "accepted", "health", 8)] * 6
    rows += [fact(1, "lhss", "declined_eligibility", "health", 1)] * 5
    rows += [fact(2, "emsp", "accepted", "social", 3)] * 5
    rows += [fact(2, "emsp", "declined_capacity", "health", 2)] * 10
    rows += [fact(2, "emsp", "forwarded", "social", 9)] * 5
    rows += [fact(2, "unrouted", "open", "not_said")] * 5
    return rows


def test_needs_against_responses_every_count_written_out():
    coverage = {1: {"emsp": 2, "lhss": 1}, 2: {"emsp": 1}}
    out = needs.publish(dataset(), DEPS, KINDS, coverage)
    nord, pdc = out["territories"]
    z = dict.fromkeys(needs.OUTCOME_KEYS, 0)
    assert nord["values"] == {**z, "accepted": 16, "waiting": 5, "declined_capacity": 5, "declined_eligibility": 5}
    assert nord["received"] == 31 and nord["hidden"] == {}
    assert pdc["values"] == {**z, "accepted": 5, "declined_capacity": 10, "forwarded": 5, "open": 5}
    assert pdc["received"] == 25
    assert out["total"]["values"] == {**z, "accepted": 21, "waiting": 5, "declined_capacity": 15,
                                      "declined_eligibility": 5, "forwarded": 5, "open": 5}
    assert out["total"]["received"] == 56
    # Needs unanswered: declined for lack of a place + waiting list + still to decide on 31 December.
    assert (nord["unanswered"], nord["unanswered_rate"]) == (10, 32.3)
    assert (pdc["unanswered"], pdc["unanswered_rate"]) == (15, 60.0)
    assert (out["total"]["unanswered"], out["total"]["unanswered_rate"]) == (25, 44.6)
    # Delays: medians of the days to a first decision (26 decided in 59: 10×4, 5×6, 5×2, 6×8, 5×1).
    assert nord["median_decision_days"] == 4 and pdc["median_decision_days"] == 2.5  # 10×2, 5×3, 5×9
    assert nord["median_wait_days"] == 40 and nord["long_wait"] is True
    assert pdc["median_wait_days"] is None and pdc["median_wait_hidden"] is None  # nobody waiting
    # Services covering each département and the kinds asked for in the territory that none covers.
    assert (nord["services"], pdc["services"]) == (3, 1)
    assert nord["missing_kinds"] == [] and pdc["missing_kinds"] == ["LHSS"]
    # Where must the next team go: most unanswered first.
    assert [t["code"] for t in out["priorities"]] == ["62", "59"]
    # Main needs by territory.
    need_rows = {r["code"]: r for r in out["needs"]["rows"]}
    assert {k: v for k, v in need_rows["59"]["values"].items() if v} == {"health": 21, "housing": 10}
    assert {k: v for k, v in need_rows["62"]["values"].items() if v} == {"social": 10, "health": 10,
                                                                       "not_said": 5}
    assert need_rows["59"]["total"] == 31 and out["needs"]["total"]["total"] == 56
    # The same per kind of service (ACT: no referral and no service: left out).
    kinds = {k["code"]: k for k in out["kinds"]}
    assert list(kinds) == ["emsp", "lhss", "unrouted"]
    assert kinds["emsp"]["total"]["values"] == {**z, "accepted": 15, "waiting": 5, "declined_capacity": 15,
                                                "forwarded": 5}
    assert kinds["emsp"]["total"]["received"] == 40
    assert kinds["lhss"]["rows"][0]["values"] == {**z, "accepted": 6, "declined_eligibility": 5}
    assert kinds["lhss"]["rows"][1]["received"] == 0
    assert kinds["unrouted"]["total"]["values"]["open"] == 5


def small_dataset():
    rows = dataset()
    rows += [fact(2, "lhss", "accepted", "health", 3)] * 2  # 2: a small cell in 62
    rows += [fact(2, "lhss", "waiting", "health", 3, 10)] * 6
    return rows


def test_needs_disclosure_hides_small_cells_and_every_sum_over_them():
    out = needs.publish(small_dataset(), DEPS, KINDS, {})
    lhss = {k["code"]: k for k in out["kinds"]}["lhss"]
    pdc = lhss["rows"][1]
    assert pdc["hidden"]["accepted"] == disclosure.SMALL and pdc["values"]["accepted"] is None
    # The base table stays safe on its own: the small cell keeps all of 0..4 (a complement, or a decoy).
    values = {k: (v or 0) for k, v in pdc["values"].items()}
    intervals = disclosure.intervals_1d(values, pdc["hidden"], pdc["received"])
    assert intervals["accepted"][0] == 0 and intervals["accepted"][1] >= 4
    # Every sum over a hidden part is hidden: the département (all kinds), the region, the kind's total.
    for row in (out["territories"][1], out["total"], lhss["total"]):
        for key in pdc["hidden"]:
            assert row["hidden"].get(key), (row["name"], key)
    # ...and nothing else moves: 59 shows what it showed.
    assert out["territories"][0]["hidden"] == {}
    assert out["territories"][0]["received"] == 31


def test_needs_disclosure_resists_subtraction_between_two_legitimate_tables():
    """The region's row minus the other département's row, or all kinds minus the other kinds, would give
    the hidden cell if the sums were shown: every such sum is hidden, and no combination of every
    published figure (the exact check, disclosure.derivable) determines a hidden count."""
    out = needs.publish(small_dataset(), DEPS, KINDS, {})
    kinds = {k["code"]: k for k in out["kinds"]}
    hidden_cell = kinds["lhss"]["rows"][1]["hidden"]
    # Attempt 1: region total − Nord = Pas-de-Calais; Pas-de-Calais (all kinds) − EMSP − unrouted = LHSS.
    for key in [k for k in hidden_cell if k != "__total__"]:
        region_value = out["total"]["values"][key]
        pdc_all = out["territories"][1]["values"][key]
        assert region_value is None and pdc_all is None
    # Attempt 2: every published number and every equation between them, solved exactly.
    system, hidden = _published_system(out)
    assert hidden, "the dataset has hidden cells"
    assert not disclosure.derivable(system, hidden, system.equations())


def test_needs_tables_sharing_a_total_hide_it_together():
    """The needs table of a département counts the same referrals as its outcomes: when the outcomes
    cannot show the département's total (a kind hides its own), the needs table does not show it either
    (else: total − the visible kinds' totals = the hidden kind's total)."""
    rows = dataset() + [fact(2, "act", "accepted", "health", 3)] * 3  # ACT in 62: 3 referrals, total < 5
    out = needs.publish(rows, DEPS, KINDS, {})
    act = {k["code"]: k for k in out["kinds"]}["act"]["rows"][1]
    assert act["hidden"]["__total__"] == disclosure.SMALL
    assert out["territories"][1]["hidden"]["__total__"]
    pdc_needs = out["needs"]["rows"][1]
    assert pdc_needs["hidden"]["__total__"] and pdc_needs["total"] is None
    assert all(v is None for k, v in pdc_needs["values"].items() if k != "maternity" and v)
    # A reader of 62 alone and the funder of the region read the same base cells (no reader-made pattern).
    alone = needs.publish(rows, [DEPS[1]], KINDS, {})
    assert alone["territories"][0]["values"] == out["territories"][1]["values"]
    assert alone["needs"]["rows"][0]["values"] == pdc_needs["values"]


class _System:
    """Every published cell of an analysis as the unknowns of a linear system (duck-typed disclosure.Grid):
    keys ("cell", kind, dep, outcome); margins ("m", ...) for every sum a reader sees."""

    def __init__(self):
        self.values, self.eqs = {}, []

    def entries(self):
        return list(self.values)

    def value(self, key):
        return self.values[key]

    def equations(self):
        return self.eqs


def _published_system(out, rows=None):
    system, hidden = _System(), {}
    kinds = out["kinds"]

    def put(key, exact, shown, kind):
        system.values[key] = exact
        if kind:
            hidden[key] = kind
        else:
            assert shown == exact

    exact = {}
    for f in (small_dataset() if rows is None else rows):
        exact[(f["kind"], f["dep"], f["outcome"])] = exact.get((f["kind"], f["dep"], f["outcome"]), 0) + 1
    deps = [d for d, _c, _n in DEPS]
    for k in kinds:
        for row, dep in zip(k["rows"], deps, strict=True):
            for o in needs.OUTCOME_KEYS:
                put(("cell", k["code"], dep, o), exact.get((k["code"], dep, o), 0), row["values"][o],
                    row["hidden"].get(o))
            put(("m", k["code"], dep), sum(exact.get((k["code"], dep, o), 0) for o in needs.OUTCOME_KEYS),
                row["received"], row["hidden"].get("__total__"))
            system.eqs.append([(("cell", k["code"], dep, o), 1) for o in needs.OUTCOME_KEYS]
                              + [(("m", k["code"], dep), -1)])
    for row, dep in zip(out["territories"], deps, strict=True):
        for o in needs.OUTCOME_KEYS:
            put(("m", "*", dep, o), sum(exact.get((k["code"], dep, o), 0) for k in kinds), row["values"][o],
                row["hidden"].get(o))
            system.eqs.append([(("cell", k["code"], dep, o), 1) for k in kinds] + [(("m", "*", dep, o), -1)])
    for o in needs.OUTCOME_KEYS:
        put(("m", "*", "*", o), sum(exact.get((k["code"], d, o), 0) for k in kinds for d in deps),
            out["total"]["values"][o], out["total"]["hidden"].get(o))
        system.eqs.append([(("m", "*", d, o), 1) for d in deps] + [(("m", "*", "*", o), -1)])
        for k in kinds:
            put(("m", k["code"], "*", o), sum(exact.get((k["code"], d, o), 0) for d in deps),
                k["total"]["values"][o], k["total"]["hidden"].get(o))
            system.eqs.append([(("cell", k["code"], d, o), 1) for d in deps] + [(("m", k["code"], "*", o), -1)])
    assert all(isinstance(Fraction(v), Fraction) for v in system.values.values())
    return system, hidden


# Screens, API, map ---------------------------------------------------------------------------------------

@pytest.fixture
def readers(world, region):
    User = type(world.users["funder"])
    User.objects.filter(pk=world.users["funder"].pk).update(territory=region["region"])
    User.objects.filter(pk=world.users["regulator"].pk).update(territory=region["59"])
    for key in ("funder", "regulator"):
        world.users[key].refresh_from_db()
    a = world.service_a
    for i in range(6):
        make(a, at(2, 1 + i), Status.ACCEPTED, territory=region["59"], decided=at(2, 5 + i))
    for i in range(5):
        make(a, at(3, 1 + i), Status.DECLINED, territory=region["62"], reason=DeclineReason.NO_CAPACITY,
             decided=at(3, 3 + i))
    make(a, at(4, 1), Status.WAITING, territory=region["62"], decided=at(4, 2))
    return world


def test_needs_screen_for_the_funder_and_the_regulator(readers, client_as):
    html = client_as(readers.users["funder"]).get(f"/indicateurs/besoins/?annee={Y}").content.decode()
    for testid in ("needs-priorities", "needs-map", "needs-map-table", "needs-by-territory", "needs-by-need",
                   "needs-years"):
        assert f'data-testid="{testid}"' in html, testid
    assert "Pas-de-Calais (62)" in html and "Nord (59)" in html
    assert "<svg" in html and 'data-code="62"' in html and " style=" not in html
    assert "&lt; 5" in html  # the waiting list of 62 (1) is hidden
    assert "Besoins et réponses" in html
    # The map for one kind of service: its own shading and services, the table below for that kind.
    kind = readers.service_a.kind
    one = client_as(readers.users["funder"]).get(f"/indicateurs/besoins/?annee={Y}&type={kind.code}").content.decode()
    assert f"— {kind.name}</h2>" in one and 'aria-current="page" data-testid="needs-map-kind-' in one
    regulator = client_as(readers.users["regulator"]).get(f"/indicateurs/besoins/?annee={Y}").content.decode()
    assert "Nord (59)" in regulator and "Pas-de-Calais" not in regulator
    assert client_as(readers.users["nurse"]).get("/indicateurs/besoins/").status_code == 404
    assert client_as(readers.users["partner"]).get("/indicateurs/besoins/").status_code == 404


def test_needs_api(readers, api_as):
    r = api_as(readers.users["funder"]).get(f"/indicators/needs?year={Y}")
    assert r.status_code == 200
    body = r.json()
    rows = {t["code"]: t for t in body["territories"]}
    assert body["year"] == Y and {"59", "62"} <= set(rows)  # every département of the region
    assert rows["59"]["values"]["accepted"] == 6
    # 62: 5 declined for lack of a place and 1 on the waiting list: the 1 is « < 5 »; with the total, 6 − 5
    # would give it, and no other cell can cover it: the 5 and the total are withheld too.
    # The kind's row (a base table) says « < 5 »; the département's row (a sum over kinds) hides with no bound.
    base = {r["code"]: r for r in body["kinds"][0]["rows"]}["62"]
    assert base["hidden"]["waiting"] == "small" and base["values"]["declined_capacity"] is None
    assert base["received"] is None and base["hidden"]["__total__"] == "withheld"
    assert rows["62"]["hidden"]["waiting"] == "withheld" and rows["62"]["received"] is None
    assert api_as(readers.users["funder"]).get(f"/indicators/needs?year={Y + 1}").status_code == 400
    assert api_as(readers.users["nurse"]).get("/indicators/needs").status_code == 404


def test_the_funder_page_opens_on_key_figures_toc_comparisons_years_and_the_map(readers, client_as, api_as):
    from aupres.indicators.tests.dataset import Dataset

    data = Dataset(readers)
    for year in (Y - 1, Y):
        assert api_as(readers.users["head_of_service"]).post("/submissions", {
            "service": data.a.pk, "from": f"{year}-01-01", "to": f"{year}-12-31"}).status_code == 201
    html = client_as(readers.users["funder"]).get(
        f"/indicateurs/territoire/?start={Y}-01-01&end={Y}-12-31").content.decode()
    order = [html.index(f'data-testid="{t}"') for t in ("funder-key-figures", "funder-toc", "funder-compare",
                                                         "funder-years", "needs-map")]
    assert order == sorted(order)
    assert html.index("funder-key-figures") < html.index('data-testid="indicator-')
    figures = html.split('data-testid="funder-key-figures"')[1].split("</section>")[0]
    assert figures.count('class="tile"') == 5 and "Personnes suivies" in figures
    assert html.count('data-testid="compare-') >= 3
    # Year on year: both submitted years, oldest first, as charts and a table.
    years = html.split('data-testid="funder-years-table"')[1].split("</table>")[0]
    assert re.findall(r'<th scope="row">(\d{4})</th>', years) == [str(Y - 1), str(Y)]
    assert html.split('data-testid="funder-years"')[1].split("</section>")[0].count("<svg") == 5
    # Every indicator is collapsed under its title: chart and table open in a closed <details>.
    sections = re.findall(r'<section class="card indicator".*?</section>', html, re.S)
    assert sections and all('<details><summary><h2 class="in-summary">' in s for s in sections)
    assert " style=" not in html and "Ulrika" not in html


def test_the_funder_page_reads_no_referral_and_its_map_comes_from_the_needs_screen(readers, client_as):
    """The needs map reads every referral of the year: the funder's page names the year and leaves the map to
    an htmx request to the needs screen, which decides who reads it as the screen does (issue #15)."""
    funder = client_as(readers.users["funder"])
    with CaptureQueriesContext(connection) as queries:
        html = funder.get(f"/indicateurs/territoire/?start={Y}-01-01&end={Y}-12-31").content.decode()
    assert not [q for q in queries.captured_queries if "referrals_referral" in q["sql"]]
    placeholder = html.split('data-testid="needs-map"')[1].split("</section>")[0]
    assert f'hx-get="/indicateurs/besoins/?annee={Y}&amp;fragment=map"' in placeholder
    assert "Chargement de la carte" in placeholder and 'href="/indicateurs/besoins/?annee=' in placeholder
    fragment = funder.get(f"/indicateurs/besoins/?annee={Y}&fragment=map", HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert body.startswith("<section") and 'data-testid="needs-map-table"' in body and "<html" not in body
    assert 'data-testid="needs-priorities"' not in body  # the map only, not the whole screen
    # Without htmx the same address is the whole needs screen; a reader of no territory gets nothing.
    whole = funder.get(f"/indicateurs/besoins/?annee={Y}&fragment=map").content.decode()
    assert 'data-testid="needs-priorities"' in whole
    nurse = client_as(readers.users["nurse"])
    assert nurse.get(f"/indicateurs/besoins/?annee={Y}&fragment=map", HTTP_HX_REQUEST="true").status_code == 404


def test_the_map_file_is_small_licensed_and_covers_metropolitan_france():
    assert maps.DATA.stat().st_size < 150_000
    data = json.loads(maps.DATA.read_text(encoding="utf-8"))
    assert "CC BY 4.0" in data["source"]
    codes = {d["code"] for d in data["departements"]}
    assert len(codes) == 96 and {"01", "2A", "2B", "59", "62", "75", "95"} <= codes
    svg = maps.territory_map("Carte", [{"code": "59", "name": "Nord", "rate": 12.0, "services": 3, "text": "x"},
                                       {"code": "62", "name": "Pas-de-Calais", "rate": None, "services": 0,
                                        "text": "y"},
                                       {"code": "971", "name": "Guadeloupe", "rate": 1.0, "services": 1,
                                        "text": "z"}])
    assert svg.count("<path ") == 2 and 'data-services="3"' in svg and "<title" in svg and "<desc" in svg
    assert 'fill="' + maps.shade(12.0) + '"' in svg and maps.NO_DATA in svg
    result = needs.publish(dataset(), DEPS, KINDS, {1: {"emsp": 2, "lhss": 1}, 2: {"emsp": 1}})
    result["year"] = Y
    lhss = maps.needs_map(result, "lhss")
    assert "LHSS" in lhss and lhss.count('data-services="1"') == 1  # one LHSS, in 59; none in 62
    assert maps.needs_map(result, "nope") is None
    lhss_rows = {k["code"]: k for k in result["kinds"]}["lhss"]["rows"]
    assert lhss_rows[1]["missing_kinds"] == ["LHSS"] and lhss_rows[0]["missing_kinds"] == []
    assert maps.territory_map("Carte", [{"code": "971", "name": "G", "rate": 1.0, "services": 1,
                                         "text": "z"}]) is None


def test_needs_coverage_counts_services_by_kind_and_département(world, region):
    kind = ServiceKind.objects.exclude(pk=world.service_a.kind_id).first()
    regional = Service.objects.create(name="Régional", kind=kind, operator=world.operator)
    regional.territories.set([region["region"]])
    local = Service.objects.create(name="Arras", kind=kind, operator=world.operator)
    local.territories.set([region["arras"]])
    cover = needs.coverage([region["59"].pk, region["62"].pk])
    assert cover[region["62"].pk] == {kind.code: 2}
    assert cover[region["59"].pk][kind.code] == 1
    assert cover[region["59"].pk][world.service_a.kind.code] >= 1
