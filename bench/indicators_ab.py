# ruff: noqa: S608, T201 — a local benchmark: anchor SQL from files, printed results.
"""A/B of the region's indicators and the funder's regional view (issue #15), for the code of one
worktree, on the database that bench/indicators.py built and submitted (aupres_bench: 1 000
services, every service's 2025 submission). Run it for two trees back to back, with the anchors g1,
g2 and b1 of the same run; it writes nothing.

    .venv/bin/python bench/indicators_ab.py /work/main [runs]
    .venv/bin/python bench/indicators_ab.py /work/wt/<branch> [runs]
    AB_EACH=1 .venv/bin/python bench/indicators_ab.py /work/main 3   # and each indicator alone
"""

import os
import random
import re
import statistics
import sys
import time
from pathlib import Path


def main():
    tree, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10
    os.environ["AUPRES_DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/aupres_bench"
    os.environ.setdefault("AUPRES_DEV", "1")
    os.environ.setdefault("AUPRES_VAR_DIR", "/tmp/aupres-bench")
    Path(os.environ["AUPRES_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, f"{tree}/src")
    os.environ["DJANGO_SETTINGS_MODULE"] = "aupres.settings"
    import django

    django.setup()
    from django.db import connection

    from aupres.accounts.models import User
    from aupres.indicators import engine, services

    admin, funder = User.objects.get(username="benchadmin"), User.objects.get(username="benchfunder")
    period = engine.Period.year(2025)
    region_qs, _label = services.live_scope(admin, services.TERRITORY, funder.territory_id)

    def timed(fn, n, warm=2):
        for _ in range(warm):
            fn()
        out = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
        out.sort()
        return statistics.median(out), out[max(0, int(len(out) * 0.95 + 0.5) - 1)]

    def anchor(name):
        sql = (Path("/work/shared/anchors/q") / f"{name}.sql").read_text()
        sql = re.sub(r"^\\set.*$", "", sql, flags=re.M).replace(":s", "%s").strip().rstrip(";")
        rng = random.Random(name)

        def run():
            with connection.cursor() as c:
                c.execute(sql, [rng.randint(1, 1000)] if "%s" in sql else [])
                c.fetchall()
        return run

    codes = [c for c, ind in engine.REGISTRY.items() if not ind.health]
    print(tree, "load", os.getloadavg())
    print("region compute_all p50/p95 %.0f %.0f" % timed(lambda: engine.compute_all(region_qs, period), runs))
    print(f"region compute_all without the {len(engine.REGISTRY) - len(codes)} health figures p50/p95 %.0f %.0f"
          % timed(lambda: engine.compute_all(region_qs, period, codes), runs))
    print("funder view p50/p95 %.0f %.0f" % timed(
        lambda: services.regional_view(funder, period, services.TERRITORY, funder.territory_id), runs))
    for name in ("g1_region_year_rollup_place", "g2_region_year_rollup_file_active"):
        print(name, "p50/p95 %.1f %.1f" % timed(anchor(name), 20))
    print("b1 p50/p95 %.0f %.0f" % timed(anchor("b1_region_year_by_service_place"), 3, warm=1))
    print("load", os.getloadavg())
    if os.environ.get("AB_EACH"):  # where the region's time goes: each indicator alone (3 runs, median)
        each = {code: timed(lambda code=code: engine.compute_all(region_qs, period, [code]), 3, warm=1)[0]
                for code in engine.REGISTRY}
        for code, ms in sorted(each.items(), key=lambda kv: -kv[1])[:15]:
            print(f"  {code:40} {ms:7.0f} ms")


if __name__ == "__main__":
    main()
