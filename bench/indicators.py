# ruff: noqa: S603, S607, S608, S108 — a local benchmark: fixed commands, SQL built from constants.
"""Benchmark of the indicators (issue #5) on PostgreSQL: one service-year < 200 ms, a region of
1 000 services < 2 s, with 20 M encounters (bench/_data.py builds or reuses the database).

Times, for the year 2025 (the anchors' year):

(a) one service-year through the product's code path: `engine.compute_all` (every indicator of
    the registry, what screens, API, exports and submissions call) and `services.publish_services`
    (the dashboard: current and previous year, disclosure control);
(b) the region (territory scope of 1 000 services, from `services.live_scope`) the same way;
(c) the naive ORM computation of the same figures: every indicator on the raw tables (rollups off),
    the rolled-up ones by straight aggregate queries over encounters/acts written here;
(d) the anchor queries a1–a4, b1, b2, g1–g3 of /work/shared/anchors in the same session;

prints p50/p95 and ratios, and asserts that the product's figures equal the naive ones.

    .venv/bin/python bench/indicators.py [--scale 1.0] [--runs 30] [--no-reuse] [--drop]
"""

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import ANCHORS, add_arguments, finish, log, open_dataset  # noqa: E402


def percentiles(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95 + 0.5) - 1)]


def timed(fn, runs, warm=2):
    for i in range(warm):
        fn(i)
    out = []
    for i in range(runs):
        t = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t) * 1000)
    return percentiles(out)


def naive(services_qs, period):
    """The indicators straight from the raw tables: the engine with rollups off, and the rolled-up
    indicators again by plain aggregate queries over encounters and acts (independent of the engine)."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    from aupres.encounters.models import Act, Encounter, EncounterPerson
    from aupres.indicators import engine

    saved, engine.ROLLUP_MIN_SERVICES = engine.ROLLUP_MIN_SERVICES, 10**9
    try:
        out = engine.compute_all(services_qs, period)
    finally:
        engine.ROLLUP_MIN_SERVICES = saved
    start, end = period.bounds()
    enc = Encounter.objects.filter(service__in=services_qs, occurred_at__gte=start, occurred_at__lt=end)
    acts = Act.objects.filter(encounter__service__in=services_qs, encounter__occurred_at__gte=start,
                              encounter__occurred_at__lt=end)

    def table(code, rows):
        t = {k: 0 for k in out[code]}
        for k, n in rows:
            t[str(k)] = t.get(str(k), 0) + n
        return t

    out["persons_met"] = {"all": EncounterPerson.objects.filter(
        service__in=services_qs, occurred_at__gte=start, occurred_at__lt=end).values("person_id").distinct().count()}
    out["encounters_by_place"] = table("encounters_by_place", enc.order_by().values_list("place_kind")
                                       .annotate(n=Count("pk")))
    out["encounters_by_mode"] = table("encounters_by_mode", enc.order_by().values_list("mode").annotate(n=Count("pk")))
    out["acts_by_kind"] = table("acts_by_kind", acts.order_by().values_list("kind").annotate(n=Count("pk")))
    health = list(engine.REGISTRY["health_actions"].labels())
    out["health_actions"] = table("health_actions", acts.filter(kind__in=health).order_by().values_list("kind")
                                  .annotate(n=Count("pk")))
    by_month = {k: 0 for k in out["encounters_by_month"]}
    for m, n in enc.order_by().annotate(m=TruncMonth("occurred_at")).values_list("m").annotate(n=Count("pk")):
        by_month[timezone.localtime(m).strftime("%Y-%m")] += n
    out["encounters_by_month"] = by_month
    return out


def anchor_runner(name):
    from django.db import connection

    sql = (ANCHORS / "q" / f"{name}.sql").read_text()
    has_param = ":s" in sql
    sql = re.sub(r"^\\set.*$", "", sql, flags=re.M).replace(":s", "%s").strip().rstrip(";")
    rng = random.Random(name)

    def run(_i):
        with connection.cursor() as c:
            c.execute(sql, [rng.randint(1, 1000)] if has_param else [])
            c.fetchall()
    return run


def main():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    parser.add_argument("--runs", type=int, default=30, help="runs of the service-year measures")
    parser.add_argument("--region-runs", type=int, default=5)
    parser.add_argument("--funder-view", action=argparse.BooleanOptionalAction, default=True,
                        help="submit the year for every service, then time the funder's regional view")
    parser.add_argument("--only-funder-view", action="store_true",
                        help="only the funder's view (cold and from the cache) and the region anchors")
    args = parser.parse_args()
    sizes = open_dataset(args)
    try:
        measure(sizes, args)
    finally:
        finish(args)


def measure(sizes, args):
    from django.db import connection

    from aupres.accounts.models import User
    from aupres.indicators import engine, services
    from aupres.indicators.models import RollupState
    from aupres.services.models import Service

    year = sizes["year"]
    period = engine.Period.year(year)
    with connection.cursor() as c:
        c.execute("SELECT count(*) FILTER (WHERE tgname LIKE 'indicators\\_rollup\\_%'), "
                  "count(*) FILTER (WHERE tgname LIKE 'indicators\\_caseload\\_%') "
                  "FROM pg_trigger WHERE tgenabled <> 'D'")
        log("rollup triggers enabled (statement-level): {} of 9 on encounters, {} of 11 for the caseload".format(
            *c.fetchone()))
    for y in (year - 1, year):
        if not RollupState.objects.filter(year=y).exists():
            t = time.time()
            services.refresh_rollups(y)
            log(f"rollup rebuild of {y} (the nightly task) in {time.time() - t:.1f} s")
    admin = User.objects.filter(username="benchadmin").first() or User.objects.create_superuser(
        "benchadmin", password=None)
    region_qs, label = services.live_scope(admin, services.TERRITORY, sizes["region_id"])
    n_region = region_qs.count()
    log(f"region scope {label!r}: {n_region} services; year {year}")
    from aupres.indicators.models import CaseloadYear, PersonYear

    for model in (PersonYear, CaseloadYear):
        rows = model.objects.filter(year=year)
        log(f"{model.__name__} {year}: {rows.count()} rows, {rows.filter(shared=True).count()} of persons "
            "with another service (shared)")
    rng = random.Random(5)
    first, n_services = sizes["first_service"], sizes["services"]
    picked = [first + rng.randrange(n_services) for _ in range(args.runs + 1)]

    def service_qs(i):
        return Service.objects.filter(pk=picked[i % len(picked)])

    results = {}

    def record(name, value):
        results[name] = value
        log(f"{name:58} p50 {value[0]:9.1f} ms   p95 {value[1]:9.1f} ms")

    if args.only_funder_view:
        return funder_view(sizes, args, region_qs, period, record, results)
    # Correctness first (not timed): the product's figures equal the naive ones.
    t = time.time()
    product_region = engine.compute_all(region_qs, period)
    naive_region = naive(region_qs, period)
    assert product_region == naive_region, {k: (product_region[k], naive_region[k]) for k in product_region
                                            if product_region[k] != naive_region[k]}
    for i in range(3):
        assert engine.compute_all(service_qs(i), period) == naive(service_qs(i), period)
    log(f"product figures == naive figures (region and 3 services), checked in {time.time() - t:.0f} s")
    log(f"region: persons met {product_region['persons_met']['all']}, caseload {product_region['caseload']['all']}, "
        f"encounters {sum(product_region['encounters_by_place'].values())}, "
        f"acts {sum(product_region['acts_by_kind'].values())}")

    # (a) one service-year
    record("service-year: engine.compute_all (product)", timed(
        lambda i: engine.compute_all(service_qs(i), period), args.runs))
    record("service-year: publish_services (dashboard: 2 years)", timed(
        lambda i: services.publish_services(service_qs(i), "s", period), args.runs))
    record("service-year: naive ORM", timed(lambda i: naive(service_qs(i), period), args.runs))
    rolled = ("persons_met", "persons_met_by_month", "encounters_by_month", *engine.ROLLUP_CODES)
    record("service-year: rolled-up indicators only (product)", timed(
        lambda i: engine.compute_all(service_qs(i), period, rolled), args.runs))
    # (b) the region
    record("region-year: engine.compute_all (product, rollups)", timed(
        lambda i: engine.compute_all(region_qs, period), args.region_runs))
    record("region-year: rolled-up indicators only (product)", timed(
        lambda i: engine.compute_all(region_qs, period, rolled), args.runs))
    record("region-year: publish_services (dashboard: 2 years)", timed(
        lambda i: services.publish_services(region_qs, label, period), max(2, args.region_runs // 2)))
    record("region-year: naive ORM", timed(lambda i: naive(region_qs, period), max(2, args.region_runs // 2), warm=0))
    # (c) the funder's regional view: what a funder reads, from the services' submissions
    if args.funder_view:
        funder_view(sizes, args, region_qs, period, record, results, anchors=False)
    # per indicator, region (product path), to see where the time goes
    per = {}
    for code in engine.REGISTRY:
        per[code] = timed(lambda i, code=code: engine.compute(code, region_qs, period), 2, warm=0)[0]
    log("region-year per indicator (product, p50 of 2): " + ", ".join(
        f"{code} {ms:.0f}" for code, ms in sorted(per.items(), key=lambda kv: -kv[1])))
    # (d) anchors
    for name in ("a1_service_year_by_place", "a2_service_year_by_month", "a3_service_year_file_active",
                 "a4_service_year_acts", "g3_service_year_rollup_file_active"):
        record(f"anchor {name}", timed(anchor_runner(name), args.runs))
    for name, runs in (("b1_region_year_by_service_place", 3), ("b2_region_year_file_active", 3),
                       ("g1_region_year_rollup_place", 20), ("g2_region_year_rollup_file_active", 20)):
        record(f"anchor {name}", timed(anchor_runner(name), runs))

    def anchor_sum(*names):
        return tuple(sum(results[f"anchor {n}"][j] for n in names) for j in (0, 1))

    svc_anchor = anchor_sum("a1_service_year_by_place", "a2_service_year_by_month", "a3_service_year_file_active",
                            "a4_service_year_acts")
    raw_region = anchor_sum("b1_region_year_by_service_place", "b2_region_year_file_active")
    roll_region = anchor_sum("g1_region_year_rollup_place", "g2_region_year_rollup_file_active")
    print("\nratios (p50, p95):")
    for name, base, base_name in (
            ("service-year: engine.compute_all (product)", svc_anchor, "a1+a2+a3+a4"),
            ("service-year: publish_services (dashboard: 2 years)", svc_anchor, "a1+a2+a3+a4"),
            ("service-year: naive ORM", svc_anchor, "a1+a2+a3+a4"),
            ("region-year: engine.compute_all (product, rollups)", roll_region, "g1+g2"),
            ("region-year: engine.compute_all (product, rollups)", raw_region, "b1+b2"),
            ("service-year: rolled-up indicators only (product)", svc_anchor, "a1+a2+a3+a4"),
            ("region-year: rolled-up indicators only (product)", roll_region, "g1+g2"),
            ("region-year: rolled-up indicators only (product)", raw_region, "b1+b2"),
            ("region-year: publish_services (dashboard: 2 years)", raw_region, "b1+b2"),
            ("region-year: naive ORM", raw_region, "b1+b2")):
        p50, p95 = results[name]
        print(f"  {name:55} / {base_name:12} ×{p50 / base[0]:6.2f}  ×{p95 / base[1]:6.2f}")
    for name, base in (("region-year: engine.compute_all (product, rollups)", "region-year: naive ORM"),
                       ("service-year: engine.compute_all (product)", "service-year: naive ORM")):
        print(f"  {name:55} / naive        ×{results[name][0] / results[base][0]:6.2f}")
    targets = (("service-year: engine.compute_all (product)", 200),
               *((("region-year: funder's regional view (from submissions)", 2000),)
                 if "region-year: funder's regional view (from submissions)" in results else ()),
               ("service-year: rolled-up indicators only (product)", 200),
               ("region-year: engine.compute_all (product, rollups)", 2000),
               ("region-year: rolled-up indicators only (product)", 2000))
    for name, limit in targets:
        p50, p95 = results[name]
        print(f"  target {name}: p95 {p95:.0f} ms {'<' if p95 < limit else '>='} {limit} ms")


def funder_view(sizes, args, region_qs, period, record, results, anchors=True):
    """The funder's regional view over the region's submissions (submitted first when missing): computed
    (the side-by-side cache cleared before each run: the first reading after a submission) and read back
    from the cache (every later reading of the same submissions), then the region anchors g1, g2."""
    from django.core.cache import cache

    from aupres.accounts.models import User
    from aupres.indicators import services
    from aupres.indicators.models import Submission
    from aupres.services.models import Membership, Profession

    head = User.objects.filter(username="benchhead").first() or User.objects.create_user(
        "benchhead", password=None, kind="staff")
    if not Membership.objects.filter(user=head).exists():
        Membership.objects.bulk_create([Membership(user=head, service_id=sid, profession=Profession.HEAD_OF_SERVICE,
                                                   etp="0.1", start_date="2020-01-01")
                                        for sid in region_qs.values_list("pk", flat=True)])
    missing = set(region_qs.values_list("pk", flat=True)) - set(Submission.objects.filter(
        period_start=period.start, period_end=period.end).values_list("service_id", flat=True))
    t = time.time()
    for sid in sorted(missing):
        services.submit(head, sid, period)
    log(f"submissions of {len(missing)} services (services.submit, one by one) in {time.time() - t:.0f} s")
    funder = User.objects.filter(username="benchfunder").first() or User.objects.create_user(
        "benchfunder", password=None, kind="funder", territory_id=sizes["region_id"])

    def view(_i):
        return services.regional_view(funder, period, services.TERRITORY, sizes["region_id"])

    cache.clear()
    computed = view(0)
    log(f"regional view: {len(computed['submissions'])} submissions, {len(computed['tables'])} tables")
    assert view(0) == computed  # read back from the cache: the same tables

    def cold(i):
        cache.clear()
        return view(i)

    record("region-year: funder's regional view, computed (cache cleared)", timed(cold, max(3, args.region_runs)))
    view(0)
    record("region-year: funder's regional view (from submissions)", timed(view, max(20, args.runs)))
    if anchors:
        for name in ("g1_region_year_rollup_place", "g2_region_year_rollup_file_active"):
            record(f"anchor {name}", timed(anchor_runner(name), 20))
        g = tuple(results["anchor g1_region_year_rollup_place"][j] + results[
            "anchor g2_region_year_rollup_file_active"][j] for j in (0, 1))
        for name in ("region-year: funder's regional view, computed (cache cleared)",
                     "region-year: funder's regional view (from submissions)"):
            p50, p95 = results[name]
            print(f"  {name:62} / g1+g2 ×{p50 / g[0]:6.2f}  ×{p95 / g[1]:6.2f}  (target p95 < 300 ms: {p95:.0f})")


if __name__ == "__main__":
    main()
