# ruff: noqa: S311 — a local benchmark.
"""Benchmark: the caseload page (file active) with its alerts, on PostgreSQL.

Runs on the shared dataset of bench/_data.py (1 M persons, 1 000 services of the fifteen kinds,
1.5 M follow-ups shaped as /work/shared/anchors/schema.sql, a third open, a current plan for the open
follow-ups past intake/assessment, 20 M encounters, 30 M acts), built once and reused by
bench/timeline.py and bench/indicators.py. Then it times, for members (nurses) of random services:

- the ORM path of the caseload view: Paginator(persons.services.caseload(user), 50).get_page(1),
  i.e. count + first page + plan review dates + last encounters + alerts;
- the whole page through Django's test client (middleware, session, template);
- in the same run, on the same data size, the anchor query q/e1_caseload.sql on the anchor schema,

and prints p50/p95 and the ratios.

    .venv/bin/python bench/caseload.py [--scale 1.0] [--runs 200] [--no-reuse] [--drop]
"""

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import ANCHORS, add_arguments, finish, log, open_dataset, signed_in_client  # noqa: E402

TIMED_SERVICES = 40


def percentiles(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def measure(users, runs, n_anchor_services=1000):
    from django.core.paginator import Paginator
    from django.db import connection

    from aupres.accounts.models import User
    from aupres.persons.services import caseload

    rng = random.Random(1)
    accounts = list(User.objects.filter(pk__in=users))
    results = {}

    def orm_page(user):
        user = User.objects.get(pk=user.pk)  # a fresh user per request, as the view has
        t = time.perf_counter()
        page = Paginator(caseload(user), 50).get_page(1)
        rows = list(page)
        elapsed = time.perf_counter() - t
        assert len(rows) == 50 and page.paginator.count > 100
        return elapsed, sum(len(f.alerts) for f in rows)

    clients = {user.pk: signed_in_client(user) for user in accounts}

    def http_page(user):
        t = time.perf_counter()
        r = clients[user.pk].get("/personnes/")
        elapsed = time.perf_counter() - t
        assert r.status_code == 200 and b"data-alert=" in r.content
        return elapsed, 0

    anchor_sql = (ANCHORS / "q/e1_caseload.sql").read_text()
    anchor_sql = re.sub(r"^\\set.*$", "", anchor_sql, flags=re.M).replace(":s", "%s").strip().rstrip(";")

    def anchor(_user):
        with connection.cursor() as c:
            t = time.perf_counter()
            c.execute(anchor_sql, [rng.randint(1, n_anchor_services)])
            c.fetchall()
            return time.perf_counter() - t, 0

    paths = [("caseload (ORM path of the view)", orm_page), ("caseload page (HTTP, rendered)", http_page),
             ("anchor e1_caseload.sql", anchor)]
    probe = clients[accounts[0].pk].get("/personnes/")
    if probe.status_code != 200:
        # e.g. a second factor required by the sign-in policy: the rendered page is not reachable here.
        log(f"caseload page (HTTP) skipped: answered {probe.status_code} {probe.get('Location', '')}")
        paths.pop(1)
    for name, fn in paths:
        for _ in range(2):
            fn(rng.choice(accounts))
        samples, alerts = [], 0
        for _ in range(runs):
            elapsed, n = fn(rng.choice(accounts))
            samples.append(elapsed * 1000)
            alerts += n
        results[name] = percentiles(samples)
        p50, p95 = results[name]
        extra = f"  ({alerts / runs:.0f} alerts per page)" if alerts else ""
        log(f"{name:34} n={runs} p50={p50:7.1f} ms  p95={p95:7.1f} ms{extra}")
    a50, a95 = results["anchor e1_caseload.sql"]
    for name in [n for n in results if not n.startswith("anchor")]:
        p50, p95 = results[name]
        log(f"ratio {name}: p50 ×{p50 / a50:.1f}, p95 ×{p95 / a95:.1f} of the anchor")
    return results


def main():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    sizes = open_dataset(args)
    try:
        from aupres.accounts.models import User

        # Members (nurses, one per service: bench/_data.py) of random services.
        timed = sorted(random.Random(2).sample(range(sizes["services"]), min(TIMED_SERVICES, sizes["services"])))
        users = list(User.objects.filter(username__in=[f"nurse{i}" for i in timed]).values_list("pk", flat=True))
        measure(users, args.runs, n_anchor_services=sizes["services"])
    finally:
        finish(args)


if __name__ == "__main__":
    main()
