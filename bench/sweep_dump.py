"""The sweep's scored pairs with each comparison's level, for the analysis of what a missed pair shares
(issue #21): reads a benchmark database kept by bench/referrals_duplicates.py --keep.

    AUPRES_BENCH_DB=... .venv/bin/python bench/sweep_dump.py --size 1000000 --out /tmp/sweep_dump [--weight -12]

Writes <out>/frame.parquet (the model's columns of every record), <out>/pairs.parquet (every blocked pair of
match weight ≥ --weight, with its levels, Bayes factors and term-frequency adjustments), <out>/truth.parquet
(the planted pairs), <out>/model.json (the model with the u estimated on this data). Not a test.
"""

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--out", default="/tmp/sweep_dump")
    parser.add_argument("--weight", type=float, default=-12.0)
    args = parser.parse_args()
    import pyarrow as pa
    import pyarrow.parquet as pq
    from referrals_duplicates import setup_django

    setup_django()
    from django.db import connection

    from aupres.persons.models import Person
    from aupres.referrals import sweep

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT dup_id, orig_id FROM bench_dup WHERE orig_id <= %s", [args.size])
        truth = sorted({(min(a, b), max(a, b)) for a, b in cursor.fetchall()})
    pq.write_table(pa.table({"a": [a for a, _b in truth], "b": [b for _a, b in truth]}), out / "truth.parquet")
    qs = Person.objects.filter(pk__lte=args.size) | Person.objects.filter(pk__in=[b for _a, b in truth])
    t = time.perf_counter()
    table = sweep.frame(qs)
    pq.write_table(table, out / "frame.parquet")
    print(f"frame {table.num_rows} rows {time.perf_counter() - t:.1f} s")
    settings = sweep.settings_for(table)
    settings.retain_intermediate_calculation_columns = True
    linker = sweep._linker(table, settings)
    t = time.perf_counter()
    sweep.estimate(linker)
    result = linker.inference.predict(threshold_match_weight=args.weight)
    result.to_parquet(str(out / "pairs.parquet"), overwrite=True)
    print(f"model and dump {time.perf_counter() - t:.1f} s")
    (out / "model.json").write_text(json.dumps(linker.misc.save_model_to_json(), indent=1, default=str))


if __name__ == "__main__":
    main()
