# ruff: noqa: S311 — a local benchmark.
"""Benchmark: a person's timeline and "last encounter per open follow-up" on PostgreSQL.

Runs on the shared dataset of bench/_data.py (1 M persons, 1 000 services, 1.5 M follow-ups, 20 M
encounters (one person each, as in /work/shared/anchors/schema.sql), 30 M acts), built once and
reused by bench/caseload.py and bench/indicators.py; times the ORM code paths of
aupres.encounters.services (timeline, last_encounter_dates) and, in the same run on the same data
size, the anchor queries q/f1_timeline.sql and q/e1_caseload.sql on the anchor schema, and prints
p50/p95 and the ratios.

    .venv/bin/python bench/timeline.py [--scale 1.0] [--runs 200] [--no-reuse] [--drop]
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import ANCHORS, add_arguments, finish, open_dataset, signed_in_client  # noqa: E402


def timed(fn, runs):
    times = []
    for i in range(runs):
        t = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def measure(sizes, runs):
    from django.db import connection

    from aupres.accounts.models import User
    from aupres.core import access
    from aupres.encounters import services
    from aupres.followups.models import FollowUp

    rng = random.Random(7)
    # A person with an open follow-up, and a viewer who is a member of that follow-up's service.
    open_ids = [3 * rng.randint(1, sizes["followups"] // 3) for _ in range(runs)]
    followups = FollowUp.objects.in_bulk(open_ids)
    persons = [followups[i].person_id for i in open_ids]
    viewers = [User.objects.get(pk=sizes["first_user"] + followups[i].service_id - sizes["first_service"])
               for i in open_ids]
    svc = [rng.randint(0, sizes["services"] - 1) for _ in range(runs)]
    results = {}
    sizes_seen = []

    def timeline(i):
        user = viewers[i]
        access.forget(user)
        person = access.get_visible_person(user, persons[i])
        sizes_seen.append(len(services.timeline(user, person)))

    def caseload(i):
        sid = sizes["first_service"] + svc[i]
        ids = list(FollowUp.objects.open().filter(service_id=sid).values_list("pk", flat=True))
        services.last_encounter_dates(ids)

    clients = {v.pk: signed_in_client(v) for v in viewers}

    def person_page(i):
        """The whole person page, rendered: identity, compartments, notes, timeline, sharing, consultations."""
        r = clients[viewers[i].pk].get(f"/personnes/{persons[i]}/")
        assert r.status_code == 200 and b'data-testid="person-sharing"' in r.content, r.status_code

    for fn in (timeline, caseload, person_page):  # warm-up
        for i in range(min(10, runs)):
            fn(i)
    sizes_seen.clear()
    results["timeline (get_visible_person + services.timeline)"] = timed(timeline, runs)
    results["person page with its timeline (HTTP, rendered)"] = timed(person_page, runs)
    results["caseload: open follow-ups of a service + last_encounter_dates"] = timed(caseload, runs)
    f1 = (ANCHORS / "q/f1_timeline.sql").read_text().splitlines()[-1].replace(":p", "%s")
    e1 = (ANCHORS / "q/e1_caseload.sql").read_text().splitlines()[-1].replace(":s", "%s")
    n_anchor_services = max(10, int(1000 * sizes["persons"] / 1_000_000))
    with connection.cursor() as c:
        def anchor_f1(i):
            c.execute(f1, [persons[i]])
            c.fetchall()

        def anchor_e1(i):
            c.execute(e1, [1 + svc[i] % n_anchor_services])
            c.fetchall()

        for fn in (anchor_f1, anchor_e1):
            for i in range(min(10, runs)):
                fn(i)
        results["anchor f1_timeline"] = timed(anchor_f1, runs)
        results["anchor e1_caseload"] = timed(anchor_e1, runs)
    return results, statistics.mean(sizes_seen) if sizes_seen else 0


def main():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    sizes = open_dataset(args)
    try:
        results, mean_events = measure(sizes, args.runs)
        print(f"\n{args.runs} runs, mean timeline length {mean_events:.1f} events")
        for name, (p50, p95) in results.items():
            print(f"{name:65s} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms")
        t, c = results["timeline (get_visible_person + services.timeline)"], \
            results["caseload: open follow-ups of a service + last_encounter_dates"]
        f1, e1 = results["anchor f1_timeline"], results["anchor e1_caseload"]
        print(f"ratio timeline / f1: p50 {t[0] / f1[0]:.1f}x  p95 {t[1] / f1[1]:.1f}x")
        h = results["person page with its timeline (HTTP, rendered)"]
        print(f"ratio person page / f1: p50 {h[0] / f1[0]:.1f}x  p95 {h[1] / f1[1]:.1f}x")
        print(f"ratio caseload / e1: p50 {c[0] / e1[0]:.1f}x  p95 {c[1] / e1[1]:.1f}x")
    finally:
        finish(args)


if __name__ == "__main__":
    main()
