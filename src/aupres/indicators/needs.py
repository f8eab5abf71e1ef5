"""Needs against responses, by territory (issue #18): the regional analysis the funder and the regulator
read. Rules of the analysis (views and API call `analysis`; `publish` is pure and tested on its own):

- Population: the referrals received in one calendar year that is over (received_at), counted where they
  were received (a forwarded referral counts once as « forwarded » where it was received, once more where
  it was forwarded to). Years only, like every published indicator (services.publication_period): two
  periods differing by a day would give the day's referrals by subtraction.
- Territory: the referral's département (its territory, or the commune's département); without one, the
  département of the service's first territory. Referrals with no département are left out.
- Need: the first need the referral names (its main need), « not said » without any, so that the needs
  partition the referrals (each counted once; the table adds up).
- Kind of service: the addressed service's kind, or « left to regional regulation » (no service).
- Outcome, as it stood on 31 December of the year (from the referral's events, so that the figures of a
  year never change afterwards): accepted, on the waiting list, declined for lack of a free place,
  declined as not eligible, declined for another reason, forwarded, still to decide.
- Delays: median days from receipt to the first decision (waiting list included), shown where at least
  THRESHOLD referrals were decided; median days on the waiting list on 31 December, likewise.
- Needs unanswered: declined for lack of a free place + still on the waiting list + still to decide on
  31 December; their share of the referrals received; and the kinds of service asked for in the scope
  that no active service covers in the département (« no service of the kind »).

Disclosure control (the same as every indicator: indicators.disclosure, docs/indicators.md):
- the base tables are the finest ones: for each kind of service and département, the outcomes with
  their total (the referrals received), protected by disclosure.protect_1d (« < 5 », complements);
  for each département, the main needs with the same total, protected likewise, with its total hidden
  whenever the département's total is hidden elsewhere (tables counting the same referrals hide their
  shared total together);
- every other figure is a sum of base cells (a département over the kinds of service, the reader's
  territory over its départements, a kind over the départements): shown only where none of its parts is
  hidden (disclosure.derived_sum_hidden), so it adds nothing to what the base tables publish, and two
  legitimate tables (a region and one of its départements, all kinds and one kind) cannot be
  subtracted to recover a hidden cell;
- the base tables depend on their own referrals only, never on who reads: a regulator of a département
  and the funder of its region read the same cells.
"""

import datetime
import statistics
from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aupres.accounts.models import AccountKind
from aupres.core.errors import DomainError, NotFound
from aupres.indicators import disclosure
from aupres.referrals.models import DeclineReason, Referral, ReferralEvent, Status
from aupres.services.models import Need, Service, ServiceKind, Territory, TerritoryLevel

THRESHOLD = disclosure.THRESHOLD
RECEIVED = "received"
UNROUTED = "unrouted"
NOT_SAID = "not_said"
LONG_WAIT_DAYS = 30

OUTCOMES = (
    ("accepted", gettext_lazy("Accepted")),
    ("waiting", gettext_lazy("On the waiting list")),
    ("declined_capacity", gettext_lazy("Declined: no free place")),
    ("declined_eligibility", gettext_lazy("Declined: not eligible")),
    ("declined_other", gettext_lazy("Declined: other reason")),
    ("forwarded", gettext_lazy("Forwarded to another service")),
    ("open", gettext_lazy("Still to decide")),
)
OUTCOME_KEYS = tuple(k for k, _label in OUTCOMES)
UNANSWERED = ("declined_capacity", "waiting", "open")
DECIDED = (Status.ACCEPTED, Status.DECLINED, Status.FORWARDED, Status.WAITING)


def need_columns():
    return [*((str(k), str(v)) for k, v in Need.choices), (NOT_SAID, str(_("Not said")))]


# Who reads ------------------------------------------------------------------------------------------

def can_read(user):
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or user.kind in (AccountKind.FUNDER, AccountKind.REGULATOR)


def reader_scope(user):
    """(label, [départements]) a reader may analyse: a funder's or a regulator's territory; a superuser
    every département. NotFound for anyone else (and for an account without a territory)."""
    if not can_read(user):
        raise NotFound()
    deps = Territory.objects.filter(level=TerritoryLevel.DEPARTEMENT)
    if user.is_superuser and not user.territory_id:
        return str(_("All territories")), list(deps.order_by("code"))
    if user.territory_id is None:
        raise NotFound()
    ids = user.territory.self_and_descendant_ids()
    return user.territory.name, list(deps.filter(pk__in=ids).order_by("code"))


def check_year(year):
    """A calendar year that is over (the publication grid)."""
    today = timezone.localdate()
    if year is None:
        return today.year - 1
    if not 2000 <= year < today.year:
        raise DomainError(_("Indicators of a year are published once the year is over."), field="year",
                          code="period_not_over")
    return year


def years(count=3):
    today = timezone.localdate()
    return [today.year - i for i in range(1, count + 1)]


# The facts --------------------------------------------------------------------------------------------

def _bounds(year):
    tz = timezone.get_current_timezone()
    return (datetime.datetime(year, 1, 1, tzinfo=tz), datetime.datetime(year + 1, 1, 1, tzinfo=tz))


def _departement_of(territory_ids):
    """{territory id: département id} for territories that are, or lie in, a département."""
    out = {}
    rows = Territory.objects.filter(pk__in=territory_ids).values("pk", "level", "parent_id", "parent__level")
    for row in rows:
        if row["level"] == TerritoryLevel.DEPARTEMENT:
            out[row["pk"]] = row["pk"]
        elif row["level"] == TerritoryLevel.COMMUNE and row["parent__level"] == TerritoryLevel.DEPARTEMENT:
            out[row["pk"]] = row["parent_id"]
    return out


def coverage(dep_ids):
    """{département id: {kind code: number of active services of that kind covering it}}: a service covers
    the départements it names, those of its communes, and every département of a region it names."""
    dep_ids = set(dep_ids)
    parent_of = dict(Territory.objects.filter(pk__in=dep_ids).values_list("pk", "parent_id"))
    out = {d: defaultdict(int) for d in dep_ids}
    links = Service.territories.through.objects.filter(service__is_active=True).values_list(
        "service_id", "service__kind__code", "territory_id", "territory__level", "territory__parent_id")
    covered = defaultdict(set)
    for service_id, kind, tid, level, parent in links:
        if level == TerritoryLevel.DEPARTEMENT and tid in dep_ids:
            covered[(service_id, kind)].add(tid)
        elif level == TerritoryLevel.COMMUNE and parent in dep_ids:
            covered[(service_id, kind)].add(parent)
        elif level == TerritoryLevel.REGION:
            covered[(service_id, kind)].update(d for d, p in parent_of.items() if p == tid)
    for (_sid, kind), deps in covered.items():
        for d in deps:
            out[d][kind] += 1
    return {d: dict(v) for d, v in out.items()}


def facts(year, dep_ids):
    """One fact per referral received in `year` in one of `dep_ids`: dict(dep, kind, need, outcome,
    decision_days (None: not decided on 31 December), wait_days (on the waiting list on 31 December))."""
    start, end = _bounds(year)
    refs = list(Referral.objects.filter(received_at__gte=start, received_at__lt=end).values(
        "pk", "territory_id", "service_id", "service__kind__code", "needs", "status", "decline_reason",
        "received_at", "waiting_since"))
    if not refs:
        return []
    service_ids = {r["service_id"] for r in refs if r["service_id"]}
    service_territory = {}
    for sid, tid in (Service.territories.through.objects.filter(service_id__in=service_ids)
                     .order_by("territory__level", "territory_id").values_list("service_id", "territory_id")):
        service_territory.setdefault(sid, []).append(tid)
    dep_of = _departement_of({r["territory_id"] for r in refs if r["territory_id"]}
                             | {t for ts in service_territory.values() for t in ts})
    events = defaultdict(list)
    for ev in (ReferralEvent.objects.filter(referral__received_at__gte=start, referral__received_at__lt=end,
                                            at__lt=end).order_by("at", "pk").values("referral_id", "status", "at")):
        events[ev["referral_id"]].append(ev)
    dep_ids = set(dep_ids)
    out = []
    for r in refs:
        dep = dep_of.get(r["territory_id"])
        if dep is None and r["service_id"]:
            dep = next((dep_of[t] for t in service_territory.get(r["service_id"], []) if t in dep_of), None)
        if dep not in dep_ids:
            continue
        evs = events.get(r["pk"], [])
        status = evs[-1]["status"] if evs else r["status"]
        first_decision = next((e["at"] for e in evs if e["status"] in DECIDED), None)
        needs = r["needs"] or []
        need = str(needs[0]) if needs and str(needs[0]) in Need.values else NOT_SAID
        wait_days = None
        if status == Status.WAITING:
            since = r["waiting_since"] or first_decision or r["received_at"]
            wait_days = max(0, (end - since).days)
        out.append({
            "dep": dep, "kind": r["service__kind__code"] or UNROUTED, "need": need,
            "outcome": outcome_of(status, r["decline_reason"]),
            "decision_days": (max(0, (first_decision - r["received_at"]).days) if first_decision else None),
            "wait_days": wait_days})
    return out


def outcome_of(status, decline_reason):
    if status == Status.ACCEPTED:
        return "accepted"
    if status == Status.WAITING:
        return "waiting"
    if status == Status.FORWARDED:
        return "forwarded"
    if status == Status.DECLINED:
        if decline_reason == DeclineReason.NO_CAPACITY:
            return "declined_capacity"
        if decline_reason == DeclineReason.NOT_ELIGIBLE:
            return "declined_eligibility"
        return "declined_other"
    return "open"  # pending, before the committee


# Publishing (disclosure control) -------------------------------------------------------------------

def protect(values, hide_total=False):
    """A base table {key: count} with its total: {"values", "hidden", "total"} (disclosure.protect_1d)."""
    values = {k: int(v or 0) for k, v in values.items()}
    cells, total_kind = disclosure.protect_1d(values, total=True, hide_total=hide_total)
    hidden = dict(cells)
    total = sum(values.values())
    if total_kind:
        hidden["__total__"] = total_kind
    return {"values": {k: (None if k in hidden else v) for k, v in values.items()}, "hidden": hidden,
            "total": None if total_kind else total, "exact": values}


def derived(parts, keys):
    """The sum of published base tables: each entry shown only where none of its parts hides it."""
    values, hidden = {}, {}
    for k in [*keys, "__total__"]:
        exact = sum((p["exact"].get(k, 0) if k != "__total__" else sum(p["exact"].values())) for p in parts)
        kind = disclosure.derived_sum_hidden([p["hidden"].get(k) for p in parts], exact)
        if kind:
            hidden[k] = kind
        if k != "__total__":
            values[k] = None if kind else exact
    total = sum(sum(p["exact"].values()) for p in parts)
    return {"values": values, "hidden": hidden, "total": None if "__total__" in hidden else total}


def _median(days):
    """(median, hidden kind): withheld (« s ») below THRESHOLD values, never « < 5 » (that would bound a
    hidden count)."""
    days = [d for d in days if d is not None]
    if len(days) < THRESHOLD:
        return None, (disclosure.WITHHELD if days else None)
    m = statistics.median(days)
    return (int(m) if m == int(m) else round(m, 1)), None


def _unanswered(row):
    if any(row["hidden"].get(k) for k in UNANSWERED) or row["hidden"].get("__total__"):
        return None, None
    n = sum(row["values"][k] or 0 for k in UNANSWERED)
    total = row["total"] or 0
    return n, (round(100 * n / total, 1) if total else None)


def publish(rows, deps, kinds, dep_services=None):
    """Publish the facts of `rows` (facts()) for the départements `deps` [(id, code, name)] and the kinds
    of service `kinds` [(code, name)]: pure, so that the tests write every count out."""
    dep_services = dep_services or {}
    counts = defaultdict(lambda: dict.fromkeys(OUTCOME_KEYS, 0))
    need_keys = [k for k, _l in need_columns()]
    need_counts = defaultdict(lambda: dict.fromkeys(need_keys, 0))
    decisions, waits = defaultdict(list), defaultdict(list)
    need_outcomes = defaultdict(lambda: dict.fromkeys(OUTCOME_KEYS, 0))
    for f in rows:
        counts[(f["kind"], f["dep"])][f["outcome"]] += 1
        need_counts[f["dep"]][f["need"]] += 1
        need_outcomes[(f["need"], f["dep"])][f["outcome"]] += 1
        for key in ((f["kind"], f["dep"]), f["dep"], (f["kind"], None), None):
            decisions[key].append(f["decision_days"])
            if f["wait_days"] is not None:
                waits[key].append(f["wait_days"])
    kind_codes = [k for k, _n in kinds]
    base = {(k, d): protect(counts[(k, d)]) for k in kind_codes for d, _c, _n in deps}

    def row_out(dep, code, name, published, delay_key):
        median, median_hidden = _median(decisions.get(delay_key, []))
        wait, wait_hidden = _median(waits.get(delay_key, []))
        out = {"id": dep, "code": code, "name": name, "values": published["values"],
               "hidden": published["hidden"], "received": published["total"], "total": published["total"],
               "median_decision_days": median, "median_decision_hidden": median_hidden,
               "median_wait_days": wait, "median_wait_hidden": wait_hidden,
               "long_wait": bool(wait is not None and wait >= LONG_WAIT_DAYS)}
        out["unanswered"], out["unanswered_rate"] = _unanswered(published)
        return out

    territories, dep_tables, need_tables = [], {}, {}
    for dep, code, name in deps:
        table = derived([base[(k, dep)] for k in kind_codes], OUTCOME_KEYS)
        dep_tables[dep] = table
        row = row_out(dep, code, name, table, dep)
        services_here = dep_services.get(dep, {})
        asked = {k for k in kind_codes if k != UNROUTED and sum(counts[(k, d)][o] for d, _c, _n in deps
                                                                for o in OUTCOME_KEYS)}
        row["services"] = sum(services_here.values())
        row["missing_kinds"] = [str(n) for k, n in kinds if k in asked and not services_here.get(k)]
        territories.append(row)
        need_tables[dep] = protect(need_counts[dep], hide_total="__total__" in table["hidden"])
    all_parts = [base[(k, d)] for k in kind_codes for d, _c, _n in deps]
    total = row_out(None, "", str(_("Total")), derived(all_parts, OUTCOME_KEYS), None)
    total["services"] = None
    total["missing_kinds"] = []
    needs_rows = [{"id": d, "code": c, "name": n, **_plain(need_tables[d])} for d, c, n in deps]
    needs_total = _plain(derived([need_tables[d] for d, _c, _n in deps], need_keys)) if deps else None
    by_need = _needs_outcomes(need_outcomes, need_keys, deps, kind_codes, base, dep_tables, need_tables)
    per_kind = []
    for k, kname in kinds:
        parts = [base[(k, d)] for d, _c, _n in deps]
        if not any(sum(p["exact"].values()) for p in parts) and not any(
                dep_services.get(d, {}).get(k) for d, _c, _n in deps):
            continue
        krows = []
        for d, c, n in deps:
            krow = row_out(d, c, n, base[(k, d)], (k, d))
            krow["services"] = dep_services.get(d, {}).get(k, 0)
            asked_here = k != UNROUTED and any(sum(counts[(k, dd)].values()) for dd, _c, _n in deps)
            krow["missing_kinds"] = [str(kname)] if asked_here and not krow["services"] else []
            krows.append(krow)
        ktotal = row_out(None, "", str(_("Total")), derived(parts, OUTCOME_KEYS), (k, None))
        per_kind.append({"code": k, "name": str(kname), "rows": krows, "total": ktotal})
    shown = [t for t in territories if t["unanswered"] is not None]
    priorities = sorted((t for t in shown if t["unanswered"] or t["missing_kinds"]),
                        key=lambda t: (-(t["unanswered"] or 0), -len(t["missing_kinds"]), t["code"]))
    return {"columns": [{"key": k, "label": str(v)} for k, v in OUTCOMES],
            "territories": territories, "total": total,
            "needs": {"columns": [{"key": k, "label": v} for k, v in need_columns()], "rows": needs_rows,
                      "total": needs_total},
            "by_need": by_need, "kinds": per_kind, "priorities": priorities[:5], "threshold": THRESHOLD,
            "long_wait_days": LONG_WAIT_DAYS}


class _System:
    """The published figures of one département as the unknowns of a linear system (duck-typed
    disclosure.Grid, for disclosure.derivable)."""

    def __init__(self):
        self.values, self.eqs = {}, []

    def entries(self):
        return list(self.values)

    def value(self, key):
        return self.values[key]

    def equations(self):
        return self.eqs


def _protect_need_outcomes(dep, need_keys, kind_codes, base, dep_table, need_table, cells):
    """Hide cells of the département's needs × outcomes table {(need, outcome): count} until no figure the
    other tables hide follows from it: (hidden {(need, outcome): kind}) or None when the table cannot be
    published at all.

    Its rows add up to the needs table's cells (a need's referrals) and its columns to the département's
    outcomes, which are also the sums of the kinds' base tables: a second decomposition of the same margins,
    so a cell hidden on one side could be recovered from the other. Every equation between the base tables
    of the kinds, the département's row, the needs table and this one is written out, with what the other
    tables already hide; primary suppression (1 to 4: « < 5 »), then, while the exact check
    (disclosure.derivable) determines any hidden figure, the smallest visible non-zero cell of this table in
    an equation of that figure is hidden as a complement; if none is left, the table is not published."""
    system, hidden = _System(), {}
    dep_hidden = dep_table["hidden"]
    for k in kind_codes:
        table = base[(k, dep)]
        for o in OUTCOME_KEYS:
            system.values[("kind", k, o)] = table["exact"][o]
            if table["hidden"].get(o):
                hidden[("kind", k, o)] = table["hidden"][o]
        system.values[("kind_total", k)] = sum(table["exact"].values())
        if table["hidden"].get("__total__"):
            hidden[("kind_total", k)] = table["hidden"]["__total__"]
        system.eqs.append([(("kind", k, o), 1) for o in OUTCOME_KEYS] + [(("kind_total", k), -1)])
    for o in OUTCOME_KEYS:
        system.values[("dep", o)] = sum(base[(k, dep)]["exact"][o] for k in kind_codes)
        if dep_hidden.get(o):
            hidden[("dep", o)] = dep_hidden[o]
        system.eqs.append([(("kind", k, o), 1) for k in kind_codes] + [(("dep", o), -1)])
        system.eqs.append([(("need", n, o), 1) for n in need_keys] + [(("dep", o), -1)])
    system.values[("dep_total",)] = sum(system.values[("dep", o)] for o in OUTCOME_KEYS)
    if dep_hidden.get("__total__") or need_table["hidden"].get("__total__"):
        hidden[("dep_total",)] = dep_hidden.get("__total__") or need_table["hidden"]["__total__"]
    system.eqs.append([(("dep", o), 1) for o in OUTCOME_KEYS] + [(("dep_total",), -1)])
    system.eqs.append([(("kind_total", k), 1) for k in kind_codes] + [(("dep_total",), -1)])
    for n in need_keys:
        system.values[("need_total", n)] = need_table["exact"][n]
        if need_table["hidden"].get(n):
            hidden[("need_total", n)] = need_table["hidden"][n]
        system.eqs.append([(("need", n, o), 1) for o in OUTCOME_KEYS] + [(("need_total", n), -1)])
    system.eqs.append([(("need_total", n), 1) for n in need_keys] + [(("dep_total",), -1)])
    for (n, o), v in cells.items():
        system.values[("need", n, o)] = v
        if 0 < v < THRESHOLD:
            hidden[("need", n, o)] = disclosure.SMALL
        elif need_table["hidden"].get(n):
            # a need whose count is hidden: none of its outcomes is shown, zeros included (visible zeros
            # would leave the row's one non-zero cell equal to the hidden count)
            hidden[("need", n, o)] = disclosure.WITHHELD
    equations = system.equations()

    def usable(k):  # a visible cell of this table: non-zero (a complement), or a zero of a need with referrals
        return k[0] == "need" and k not in hidden and (system.values[k] > 0 or need_table["exact"][k[1]] > 0)

    def order(k):  # the smallest non-zero cells first, then zeros (a decoy, « < 5 »)
        return (system.values[k] == 0, system.values[k], repr(k))

    while found := disclosure.derivable(system, hidden, equations):
        key = min(found, key=repr)
        candidates = sorted({k for eq in equations if any(k2 == key for k2, _c in eq) for k, _c in eq
                             if usable(k)}, key=order)
        if not candidates:  # the figure follows from tables published elsewhere through this one only
            candidates = sorted((k for k in system.values if usable(k)), key=order)
        if not candidates:
            return None
        hidden[candidates[0]] = disclosure.COMPLEMENTARY if system.values[candidates[0]] else disclosure.SMALL
    return {(k[1], k[2]): kind for k, kind in hidden.items() if k[0] == "need"}


def _needs_outcomes(need_outcomes, need_keys, deps, kind_codes, base, dep_tables, need_tables):
    """Responses per need: for each main need (with any referral), the outcomes by département (a base table
    per département, `_protect_need_outcomes`) and the reader's territory (a sum over départements, shown
    only where none of its parts is hidden, like every other sum)."""
    tables = {}
    for dep, _c, _n in deps:
        cells = {(n, o): need_outcomes[(n, dep)][o] for n in need_keys for o in OUTCOME_KEYS}
        hidden = _protect_need_outcomes(dep, need_keys, kind_codes, base, dep_tables[dep], need_tables[dep], cells)
        for n in need_keys:
            exact = {o: cells[(n, o)] for o in OUTCOME_KEYS}
            if hidden is None:  # not published for this département (zeros included)
                row_hidden = dict.fromkeys(OUTCOME_KEYS, disclosure.WITHHELD)
            else:
                row_hidden = {o: hidden[(n, o)] for o in OUTCOME_KEYS if (n, o) in hidden}
            total_kind = need_tables[dep]["hidden"].get(n)
            if total_kind:
                row_hidden["__total__"] = total_kind
            tables[(n, dep)] = {"values": {o: (None if o in row_hidden else v) for o, v in exact.items()},
                                "hidden": row_hidden, "exact": exact,
                                "total": None if total_kind else sum(exact.values())}
    out = []
    for n, label in need_columns():
        if not any(sum(tables[(n, d)]["exact"].values()) for d, _c, _name in deps):
            continue
        rows = [{"id": d, "code": c, "name": name, **_plain(tables[(n, d)])} for d, c, name in deps]
        total = _plain(derived([tables[(n, d)] for d, _c, _n in deps], OUTCOME_KEYS))
        out.append({"key": n, "label": label, "rows": rows, "total": total})
    return out


def _plain(table):
    return {"values": table["values"], "hidden": table["hidden"], "total": table["total"]}


def kinds_list():
    kinds = [(k.code, k.name) for k in ServiceKind.objects.order_by("name")]
    return [*kinds, (UNROUTED, str(_("Left to regional regulation")))]


def analysis(user, year=None):
    """The disclosure-controlled analysis of a year over for the reader's territory (a dict, for the
    screen, the funder's map and the API). NotFound for a reader who may not read it."""
    label, deps = reader_scope(user)
    year = check_year(year)
    dep_ids = [d.pk for d in deps]
    rows = facts(year, dep_ids)
    out = publish(rows, [(d.pk, d.code, d.name) for d in deps], kinds_list(), coverage(dep_ids))
    return {"year": year, "label": label, **out}


def yearly_totals(user, count=3):
    """Year-on-year: the reader's territory's total row for each of the last `count` years over."""
    out = []
    for year in years(count):
        result = analysis(user, year)
        out.append({"year": year, **{k: result["total"][k] for k in (
            "received", "total", "unanswered", "unanswered_rate", "median_decision_days", "median_decision_hidden")},
            "values": result["total"]["values"], "hidden": result["total"]["hidden"]})
    return out
