"""An automated attacker of the published indicators (issue #11, point 3).

On a seeded dataset with many small cells (four services of two operators in two départements of a
region, 2024–2025), each role asks every table, scope and period it may ask, through the service
functions the API, screens and exports call (`published_live`, `submit`, `regional_view`), and keeps
what it is given. The periods asked are the publication grid (the years, and for the code before
issue #11 also the quarters and months of 2025) plus the periods an attacker picks: two periods that
differ by one day, and single days.

The attacker then writes what was published as a linear system and, with an LP solver (HiGHS),
computes the interval of every hidden entry (min and max subject to everything published; integrality
relaxed). Unknowns:
- counts that add up over services and time (events, referrals, follow-ups, collective counts): one
  unknown per (service, elementary interval of time, indicator, category); a published cell of a
  scope and period is the sum of its unknowns; tables counting the same records share their totals
  (encounters by place / by mode / by month, referrals by source / by status, exits by reason / by
  destination / lengths), acts and health actions share their health cells;
- counts of persons (counted once over several services): one unknown per (scope, period, indicator,
  category); the tables of the caseload share its total; a scope counts at least as many persons as
  each of its services in each category and at most their sum (the funder's Sum row IS their sum).
Published: each visible cell and total (an equation), each hidden one within the bounds of its mark
("< 5", "s"…: disclosure.bounds; before issue #11, "< 5" meant 1 to 4, zeros being shown), every
unknown at least 0. (Persons counted in nested periods are not linked: a weaker attacker, which
only matters for the code before #11, where periods could nest.)

It asserts that no hidden entry is pinned to one value and that every interval holds at least T
possible values (max - min >= T - 1: a "< 5" cell keeps all of 0..4), and prints the figures
(`pytest -s`, or in the summary line of the assertion).
"""

import contextlib
import datetime
from collections import defaultdict
from decimal import Decimal

import pytest

from aupres.accounts.models import AccountKind, User
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.encounters.models import Act, ActKind, Encounter, EncounterPerson, Mode, PlaceKind
from aupres.followups.models import ExitDestination, ExitReason, FollowUp
from aupres.indicators import disclosure, engine, services
from aupres.persons.models import Person
from aupres.referrals.models import Referral, Source
from aupres.referrals.models import Status as ReferralStatus
from aupres.services.models import Membership, Operator, Service, ServiceKind, Territory

highspy = pytest.importorskip("highspy")

pytestmark = pytest.mark.django_db

T = disclosure.THRESHOLD
D = datetime.date
FAMILIES_SUM = (("encounters_by_place", "encounters_by_mode", "encounters_by_month"),
                ("referrals_by_source", "referrals_by_status"),
                ("exits_by_reason", "exits_by_destination", "followup_length"))
FAMILY_PERSONS = ("persons_by_sex", "persons_by_age", "persons_by_living_situation",
                  "persons_by_administrative_situation", "persons_by_health_cover")
HEALTH_KEYS = [str(k) for k, _label in engine.HEALTH_ACTS]


def mark_bounds(kind):
    if hasattr(disclosure, "bounds"):
        return disclosure.bounds(kind)
    # Before issue #11: "< 5" was 1 to 4 (zeros were shown); a complement is only known to be >= 0.
    return (1, T - 1) if kind == "small" else (0, None)


def is_sum(code):
    ind = engine.REGISTRY[code]
    return ind.unit != engine.PERSONS or code == "collective_participants"


# The dataset -------------------------------------------------------------------------------------

def build(seed=11):
    import random

    rnd = random.Random(seed)
    region = Territory.objects.create(level="region", code="X32", name="Région test")
    d1 = Territory.objects.create(level="departement", code="X62", name="Dép. 1", parent=region)
    d2 = Territory.objects.create(level="departement", code="X80", name="Dép. 2", parent=region)
    kind = ServiceKind.objects.get(code="lhss_mobile")
    o1 = Operator.objects.create(name="Opérateur 1", kind="association")
    o2 = Operator.objects.create(name="Opérateur 2", kind="association")
    svc = []
    for name, op, terr in (("S1", o1, d1), ("S2", o1, d1), ("S3", o1, d2), ("S4", o2, d2)):
        s = Service(name=name, kind=kind, operator=op)
        s.apply_kind_template()
        s.save()
        s.territories.set([terr])
        svc.append(s)

    def user(name, kind=AccountKind.STAFF, **kw):
        return User.objects.create_user(username=name, password="x" * 16, kind=kind, **kw)

    def member(u, s, profession):
        Membership.objects.create(user=u, service=s, profession=profession, etp=Decimal("0.5"),
                                  start_date=D(2023, 1, 1))
        return u

    users = {
        "team member (social)": member(user("sw"), svc[0], "social_worker"),
        "team member (health)": member(user("nurse_s1"), svc[0], "nurse"),
        "head of service": member(user("head1"), svc[0], "head_of_service"),
        "partner": user("partner1", AccountKind.PARTNER),
        "regulator": user("regulator1", AccountKind.REGULATOR),
        "funder": user("funder1", AccountKind.FUNDER, territory=region),
    }
    for s in svc[1:3]:  # the head of service heads the three services of operator 1
        member(users["head of service"], s, "head_of_service")
    head2 = member(user("head2"), svc[3], "head_of_service")
    sexes = ["female", "male", "male", "female", "unknown"]
    places = [c for c, _l in PlaceKind.choices][:4]
    modes = [c for c, _l in Mode.choices][:4]
    kinds = ["social_interview", "health_check", "vaccination", "screening", "nursing_care", "material_aid"]
    reasons = [c for c, _l in ExitReason.choices][:4]
    dests = [c for c, _l in ExitDestination.choices][:3]
    for i in range(70):
        p = Person.objects.create(first_name=f"P{i}", sex=rnd.choice(sexes), birth_year=rnd.randint(1950, 2010),
                                  administrative_situation=rnd.choice(["asylum_seeker", "french", "", ""]))
        for s in rnd.sample(svc, rnd.choice([1, 1, 1, 2])):
            opened = D(2024, 1, 1) + datetime.timedelta(days=rnd.randint(0, 700))
            closed = opened + datetime.timedelta(days=rnd.randint(20, 300)) if rnd.random() < 0.4 else None
            if closed and closed > D(2025, 12, 31):
                closed = None
            f = FollowUp.objects.create(person=p, service=s, opened_on=opened, closed_on=closed,
                                        state="exit" if closed else "active",
                                        exit_reason=rnd.choice(reasons) if closed else "",
                                        exit_destination=rnd.choice(dests) if closed else "")
            last = min(closed or D(2025, 12, 31), D(2025, 12, 31))
            for _n in range(rnd.randint(0, 4)):
                day = opened + datetime.timedelta(days=rnd.randint(0, max(0, (last - opened).days)))
                when = datetime.datetime(day.year, day.month, day.day, 10, tzinfo=datetime.UTC)
                enc = Encounter.objects.create(service=s, occurred_at=when, place_kind=rnd.choice(places),
                                               mode=rnd.choice(modes))
                EncounterPerson.objects.create(encounter=enc, person=p, followup=f, service=s, occurred_at=when)
                for kind_ in rnd.sample(kinds, rnd.randint(1, 2)):
                    Act.objects.create(encounter=enc, person=p, kind=kind_)
            if rnd.random() < 0.5:
                Referral.objects.create(door="team", source=rnd.choice([c for c, _l in Source.choices][:3]),
                                        service=s, received_at=datetime.datetime(
                                            opened.year, opened.month, opened.day, 9, tzinfo=datetime.UTC),
                                        status=rnd.choice([ReferralStatus.ACCEPTED, "declined", "waiting"]),
                                        alias=f"r{i}")
    health_days = sorted({a.encounter.occurred_at.date() for a in Act.objects.filter(
        kind=ActKind.HEALTH_CHECK, encounter__service=svc[0]).select_related("encounter")})
    return {"services": svc, "operators": (o1, o2), "territories": (region, d1, d2), "users": users,
            "heads": {svc[0].pk: users["head of service"], svc[1].pk: users["head of service"],
                      svc[2].pk: users["head of service"], svc[3].pk: head2},
            "health_days": health_days}


def periods(world):
    grid = [engine.Period.year(y) for y in (2024, 2025)]
    grid += [engine.Period(D(2025, m, 1), D(2025, m + 2, 1) + datetime.timedelta(days=-1) if m < 10
                           else D(2025, 12, 31)) for m in (1, 4, 7, 10)]
    for m in range(1, 13):
        end = (D(2025, m + 1, 1) if m < 12 else D(2026, 1, 1)) - datetime.timedelta(days=1)
        grid.append(engine.Period(D(2025, m, 1), end))
    attack = []
    for end in (D(2025, 3, 14), D(2025, 6, 30), D(2025, 10, 14)):
        attack += [engine.Period(D(2025, 1, 1), end), engine.Period(D(2025, 1, 1), end - datetime.timedelta(days=1))]
    attack += [engine.Period(d, d) for d in world["health_days"][:3]]
    today = datetime.date.today()
    attack.append(engine.Period(D(today.year, 1, 1), today))  # the year to date (live dashboards, issue #19)
    return grid + attack


# Asking ------------------------------------------------------------------------------------------

def ask(world):
    """{role: [publication]}: publication = (services, (start, end), code, entries, sum_of_rows)
    where entries = {key or "__total__": (value or None, hidden kind or None)}."""
    svc = world["services"]
    o1, o2 = world["operators"]
    region, d1, d2 = world["territories"]
    all_periods = periods(world)
    # Heads submit every period they may (funders read submissions).
    for s in svc:
        for p in all_periods:
            with contextlib.suppress(DomainError, Forbidden, NotFound):
                services.submit(world["heads"][s.pk], s.pk, p)
    live_scopes = {
        "team member (social)": [("service", svc[0].pk)],
        "team member (health)": [("service", svc[0].pk)],
        "head of service": [("service", s.pk) for s in svc[:3]] + [("operator", o1.pk)],
        "partner": [("service", svc[0].pk), ("operator", o1.pk)],
        "regulator": [("service", svc[0].pk), ("operator", o1.pk)],
        "funder": [],
    }
    funder_scopes = [("territory", t.pk) for t in (region, d1, d2)] + [("operator", o.pk) for o in (o1, o2)] + [
        ("service", s.pk) for s in svc]
    out, asked = {}, {}
    for role, user in world["users"].items():
        pubs, n = [], 0
        for scope, sid in live_scopes[role]:
            ids = frozenset([sid] if scope == "service" else Service.objects.filter(operator_id=sid)
                            .values_list("pk", flat=True))
            for p in all_periods:
                n += 1
                try:
                    report = services.published_live(user, scope, sid, p)
                except (DomainError, NotFound, Forbidden):
                    continue
                prev = (report["previous_from"], report["previous_to"])
                for t in report["tables"]:
                    if not t["suppressed"]:
                        continue
                    pubs.append((ids, (p.start, p.end), t["code"], _entries(t), False))
                    pubs.append((ids, prev, t["code"], _entries(t["previous"]), False))
        if role in ("funder", "partner", "regulator"):
            for scope, sid in funder_scopes:
                for p in all_periods:
                    n += 1
                    try:
                        view = services.regional_view(user, p, scope, sid)
                    except (DomainError, NotFound, Forbidden):
                        continue
                    for t in view["tables"]:
                        if not t["suppressed"]:
                            continue
                        rows = frozenset(int(r["key"]) for r in t["rows"])
                        for r in t["rows"]:
                            pubs.append((frozenset([int(r["key"])]), (p.start, p.end), t["code"], _entries(r), False))
                        if t.get("region") and rows:
                            pubs.append((rows, (p.start, p.end), t["code"], _entries(t["region"]), True))
        out[role], asked[role] = pubs, n
    return out, asked


def _entries(t):
    e = {k: (v, t["hidden"].get(k)) for k, v in t["values"].items()}
    if t.get("total") is not None or "__total__" in t["hidden"]:
        e["__total__"] = (t.get("total"), t["hidden"].get("__total__"))
    return e


# The linear system -------------------------------------------------------------------------------

class System:
    def __init__(self, pubs):
        self.pubs = pubs
        self.vars = {}
        self.ub = {}
        self.rows = {}  # (coefs {var: c}, lo, hi), deduplicated
        self.keys = defaultdict(set)
        for _ids, _p, code, entries, _s in pubs:
            self.keys[code] |= {k for k in entries if k != "__total__"}
        cuts = set()
        for _ids, (a, b), *_rest in pubs:
            cuts |= {a, b + datetime.timedelta(days=1)}
        cuts = sorted(cuts)
        self.intervals = list(zip(cuts, cuts[1:], strict=False))

    def var(self, key, ub=None):
        if key not in self.vars:
            self.vars[key] = len(self.vars)
            self.ub[self.vars[key]] = ub
        return self.vars[key]

    def pieces(self, period):
        a, b = period
        return [(x, y) for x, y in self.intervals if x >= a and y <= b + datetime.timedelta(days=1)]

    @staticmethod
    def possible(piece, code, key):
        """A month's encounters happen in that month: no unknown outside it."""
        if code != "encounters_by_month":
            return True
        y, m = map(int, key.split("-"))
        return not (piece[1] <= D(y, m, 1) or piece[0] >= D(y + (m == 12), m % 12 + 1, 1))

    def atom(self, s, piece, code, key):
        return self.var(("atom", s, piece, code, key), None if self.possible(piece, code, key) else 0)

    def cell(self, ids, period, code, key, sum_of_rows=False):
        """{var: coef} of a published cell."""
        if key == "__total__":
            out = defaultdict(int)
            for k in self.keys[code]:
                for v, c in self.cell(ids, period, code, k, sum_of_rows).items():
                    out[v] += c
            return dict(out)
        if is_sum(code):
            return {self.atom(s, piece, code, key): 1 for s in ids for piece in self.pieces(period)
                    if self.possible(piece, code, key)}
        if sum_of_rows:
            return {self.var(("persons", frozenset([s]), period, code, key)): 1 for s in ids}
        return {self.var(("persons", ids, period, code, key)): 1}

    def add(self, coefs, lo, hi):
        coefs = {v: c for v, c in coefs.items() if c}
        if coefs:
            self.rows[(frozenset(coefs.items()), lo, hi)] = (coefs, lo, hi)  # the same entry, published twice

    def build(self):
        hidden = {}
        for ids, period, code, entries, sum_of_rows in self.pubs:
            for key, (value, kind) in entries.items():
                coefs = self.cell(ids, period, code, key, sum_of_rows)
                if kind:
                    lo, hi = mark_bounds(kind)
                    self.add(coefs, lo, hi)
                    hidden[("sum" if sum_of_rows else "cell", ids, period, code, key)] = (coefs, kind)
                elif value is not None:
                    self.add(coefs, value, value)
        scopes = {(ids, period) for ids, period, _c, _e, s in self.pubs if not s}
        for ids, period in scopes:
            # tables of the same records share their totals
            for family in FAMILIES_SUM:
                present = [c for c in family if self.keys[c]]
                for s in ids:
                    for piece in self.pieces(period):
                        sums = [{self.atom(s, piece, c, k): 1 for k in self.keys[c]} for c in present]
                        for other in sums[1:]:
                            self.add({**sums[0], **dict.fromkeys(other, -1)}, 0, 0)
            if self.keys["caseload"]:
                base = self.cell(ids, period, "caseload", "all")
                for c in FAMILY_PERSONS:
                    if self.keys[c]:
                        total = self.cell(ids, period, c, "__total__")
                        self.add({**base, **dict.fromkeys(total, -1)}, 0, 0)
            for k in HEALTH_KEYS:
                if self.keys["health_actions"] and self.keys["acts_by_kind"]:
                    for s in ids:
                        for piece in self.pieces(period):
                            self.add({self.atom(s, piece, "health_actions", k): 1,
                                      self.atom(s, piece, "acts_by_kind", k): -1}, 0, 0)
            # persons: a scope counts at least each service's persons, at most their sum
            if len(ids) > 1:
                for code, keys in self.keys.items():
                    if is_sum(code):
                        continue
                    for k in keys:
                        whole = self.var(("persons", ids, period, code, k))
                        parts = [self.var(("persons", frozenset([s]), period, code, k)) for s in ids]
                        if code != "new_persons":  # new to a service may not be new to the operator
                            for part in parts:
                                self.add({whole: 1, part: -1}, 0, None)
                        self.add({whole: -1, **dict.fromkeys(parts, 1)}, 0, None)
        return hidden

    def components(self):
        """Variables linked by some published equation or bound, as {root: [rows]} (union-find)."""
        parent = list(range(len(self.vars)))

        def find(v):
            while parent[v] != v:
                parent[v] = parent[parent[v]]
                v = parent[v]
            return v

        for coefs, _lo, _hi in self.rows.values():
            first, *rest = coefs
            for v in rest:
                parent[find(v)] = find(first)
        groups = defaultdict(list)
        for row in self.rows.values():
            groups[find(next(iter(row[0])))].append(row)
        return find, groups

    def intervals_of(self, hidden):
        find, groups = self.components()
        models = {}

        def model(root):
            if root not in models:
                rows = groups[root]
                local = sorted({v for coefs, _lo, _hi in rows for v in coefs})
                index = {v: i for i, v in enumerate(local)}
                h = highspy.Highs()
                h.setOptionValue("output_flag", False)
                inf = highspy.kHighsInf
                h.addVars(len(local), [0.0] * len(local),
                          [inf if self.ub[v] is None else float(self.ub[v]) for v in local])
                for coefs, lo, hi in rows:
                    idx = [index[v] for v in coefs]
                    h.addRow(-inf if lo is None else float(lo), inf if hi is None else float(hi), len(idx), idx,
                             [float(c) for c in coefs.values()])
                models[root] = (h, index)
            return models[root]

        out, solved = {}, {}
        for key, (coefs, _kind) in hidden.items():
            expression = frozenset(coefs.items())  # the same entry published in several views
            if expression in solved:
                out[key] = solved[expression]
                continue
            h, index = model(find(next(iter(coefs))))
            idx = [index[v] for v in coefs]
            bounds = []
            for sense in (1.0, -1.0):
                h.changeColsCost(len(idx), idx, [sense * c for c in coefs.values()])
                h.run()
                status = h.getModelStatus()
                if status == highspy.HighsModelStatus.kUnbounded:
                    bounds.append(None)
                elif status == highspy.HighsModelStatus.kOptimal:
                    bounds.append(sense * h.getInfo().objective_function_value)
                else:
                    raise AssertionError(f"the published system has no solution ({status}): a mark lies")
            h.changeColsCost(len(idx), idx, [0.0] * len(idx))
            out[key] = solved[expression] = tuple(bounds)
        return out


def attack(world):
    import time

    started = time.perf_counter()
    pubs, asked = ask(world)
    report = {"__timing__": {"ask": time.perf_counter() - started}}
    for role, published in pubs.items():
        system = System(published)
        hidden = system.build()
        intervals = system.intervals_of(hidden) if hidden else {}
        widths = {k: (hi - lo if hi is not None else float("inf")) for k, (lo, hi) in intervals.items()}
        pinned = [k for k, w in widths.items() if w < 0.5]
        narrow = [k for k, w in widths.items() if w < T - 1 - 1e-6]
        report[role] = {
            "requests": asked[role], "tables": len(published), "hidden": len(hidden), "pinned": len(pinned),
            "narrower_than_T": len(narrow), "narrowest": min(widths.values()) if widths else None,
            "examples": [(k[3], k[4], str(k[2][0]), str(k[2][1]), intervals[k]) for k in (pinned or narrow)[:3]],
        }
    report["__timing__"]["solve"] = time.perf_counter() - started - report["__timing__"]["ask"]
    return report


def test_no_hidden_cell_can_be_narrowed_by_combining_what_any_role_may_ask(world, capsys):
    data = build()
    report = attack(data)
    timing = report.pop("__timing__")
    lines = ["disclosure attack (threshold %d): role: requests asked, tables published, hidden entries, "
             "pinned to one value, narrower than %d values, narrowest interval (max - min)" % (T, T)]
    for role, r in report.items():
        narrowest = "-" if r["narrowest"] is None else (
            "unbounded" if r["narrowest"] == float("inf") else f"{r['narrowest']:.2f}")
        lines.append(f"  {role}: {r['requests']} requests, {r['tables']} tables, {r['hidden']} hidden, "
                     f"{r['pinned']} pinned, {r['narrower_than_T']} narrower than {T}, narrowest {narrowest}"
                     + (f"; e.g. {r['examples']}" if r["examples"] else ""))
    lines.append(f"  (asking {timing['ask']:.1f} s, building and solving the LPs {timing['solve']:.1f} s)")
    summary = "\n".join(lines)
    with capsys.disabled():
        print("\n" + summary)
    assert sum(r["tables"] for r in report.values()) > 0, summary
    assert report["partner"]["tables"] == 0 and report["regulator"]["tables"] == 0, summary
    assert all(r["pinned"] == 0 and r["narrower_than_T"] == 0 for r in report.values()), summary


# The attacks of the issue, one by one -------------------------------------------------------------

def test_a_single_day_or_two_periods_a_day_apart_are_refused_everywhere(world, api_as):
    """(c) and (d): Jan 1–Oct 14 minus Jan 1–Oct 13, or the indicators of one day, gave one person."""
    data = build()
    s1 = data["services"][0]
    sw = api_as(data["users"]["team member (social)"])
    for q in ("from=2025-01-01&to=2025-10-14", "from=2025-01-01&to=2025-10-13", "from=2025-03-05&to=2025-03-05",
              "from=2025-01-01&to=2025-03-31", "from=2024-01-01&to=2025-12-31"):
        r = sw.get(f"/indicators?scope=service&id={s1.pk}&{q}")
        assert r.status_code == 400 and r.json()["code"] == "period_not_on_grid", (q, r.content)
        assert r.json()["message"].startswith("Les indicateurs se publient par année civile")
    # the year in progress changes from day to day: not published before it is over
    this_year = datetime.date.today().year
    r = sw.get(f"/indicators?scope=service&id={s1.pk}&from={this_year}-01-01&to={this_year}-12-31")
    assert r.status_code == 400 and r.json()["code"] == "period_not_over"
    assert sw.get(f"/indicators?scope=service&id={s1.pk}&from=2025-01-01&to=2025-12-31").status_code == 200
    head = data["users"]["head of service"]
    with pytest.raises(DomainError):
        services.submit(head, s1.pk, engine.Period(D(2025, 1, 1), D(2025, 10, 14)))


def test_health_figures_reach_only_health_professionals_in_small_services(world):
    """(d): a social worker read that someone received health acts; now only the service's health
    professionals read health figures, unless the caseload reaches HEALTH_MIN_POPULATION."""
    data = build()
    s1 = data["services"][0]
    year = engine.Period.year(2025)
    exact = engine.compute("health_actions", Service.objects.filter(pk=s1.pk), year)
    caseload = engine.compute("caseload", Service.objects.filter(pk=s1.pk), year)["all"]
    assert sum(exact.values()) > 0 and caseload < services.HEALTH_MIN_POPULATION

    def table(user, code):
        report = services.published_live(user, "service", s1.pk, year)
        return next(t for t in report["tables"] if t["code"] == code)

    for role in ("team member (social)", "head of service"):
        health = table(data["users"][role], "health_actions")
        assert set(health["values"].values()) <= {None, 0}, role
        assert {health["hidden"][k] for k, v in exact.items() if v} == {"restricted"}
        assert health["hidden"]["__total__"] == "restricted" and health["total"] is None
        acts = table(data["users"][role], "acts_by_kind")
        assert acts["hidden"]["__total__"] == "restricted"
        assert all(acts["values"][k] is None for k in services.health_withheld("acts_by_kind")
                   if acts["values"].get(k) != 0)
        assert acts["values"]["social_interview"] is not None or acts["hidden"]["social_interview"] != "restricted"
    nurse = table(data["users"]["team member (health)"], "health_actions")
    assert "restricted" not in nurse["hidden"].values()
    assert [k for k, v in exact.items() if v >= disclosure.THRESHOLD] == [
        k for k, v in nurse["values"].items() if v]
    # the funder reads submissions: the head's submission withholds them too
    sub = services.submit(data["users"]["head of service"], s1.pk, year)
    assert services.submitted_tables(sub)["health_actions"]["hidden"]["__total__"] == "restricted"
    # above the population threshold nobody can be isolated: shown (under disclosure control) to all
    published = services.publish_tables({"health_actions": exact, "caseload": {"all": 60}}, health=False)
    assert "restricted" not in published["health_actions"]["hidden"].values()
