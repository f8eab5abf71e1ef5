"""The sweep's m probabilities measured on planted duplicates (issue #21, D68, D70): how often two records of one
person fall in each level of each comparison, by splink's estimate from labelled pairs.

    .venv/bin/python bench/sweep_m.py [--persons 200000] [--seed 11]

Generates the persons and planted duplicates of bench/_names.py in memory (no database) with a seed that is NOT
the benchmark's (7): the m set in aupres.referrals.sweep must never be tuned on the pairs they are measured on.
Prints, per comparison, the m of each level (the order of the levels in sweep.py, the null level left out).
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))
from _names import planted  # noqa: E402
from _sweep import frame_rows  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--dups", type=float, default=0.02)
    args = parser.parse_args()
    if args.seed == 7:
        raise SystemExit("seed 7 is the benchmark's: measure m on another seed")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aupres.settings")
    os.environ.setdefault("AUPRES_DEV", "1")
    import django

    django.setup()
    import pyarrow as pa

    from aupres.referrals import sweep

    rows, pairs = planted("real", args.seed, args.persons, args.dups)
    out = frame_rows(sweep, rows, phone_only=False)  # the m of the names' levels: records with a name
    table = sweep.table_of(out)
    kept = {r[0] for r in out}
    labels = [(a, b) for a, b in pairs if a in kept and b in kept]
    linker = sweep._linker(table, sweep.model_settings(table.num_rows))
    sweep.estimate(linker)
    labels_table = pa.table({"unique_id_l": pa.array([a for a, _b in labels], pa.int64()),
                             "unique_id_r": pa.array([b for _a, b in labels], pa.int64())})
    registered = linker.table_management.register_table(labels_table, "bench_labels", overwrite=True)
    linker.training.estimate_m_from_pairwise_labels(registered)
    settings = linker.misc.save_model_to_json()
    print(f"{len(labels)} labelled pairs, {table.num_rows} records, seed {args.seed}")
    for comparison in settings["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        ms = [round(lv.get("m_probability", 0.0), 4) for lv in levels]
        us = [float(f"{lv.get('u_probability', 0.0):.3g}") for lv in levels]
        print(f"{comparison['output_column_name']}: m={ms}\n    u={us}")


if __name__ == "__main__":
    main()
