"""The sweep's precision and recall on planted duplicates generated in memory, with a seed that is not the
benchmark's (issue #21, D75): where blocks, levels and thresholds are chosen, so that seed 7 only measures them.

    .venv/bin/python bench/sweep_seed.py [--persons 1000000] [--seed 11] [--sweep-code /tmp/old_sweep.py]

The persons and duplicates of bench/_names.py as bench/referrals_duplicates.py builds them (no database: each
record's département is the generator's, which the database's follow-ups carry there). Prints the time, the
peak memory of the process, precision and recall at a few thresholds and the highest recall at ≥ 90 % and
≥ 95 % precision. At 1 M persons: about 2 minutes to generate, 4–5 for the model, 4–6 GB. Not a test.
"""

import argparse
import importlib.util
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))
from _names import planted  # noqa: E402
from _sweep import best_recall, frame_rows  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--dups", type=float, default=0.02)
    parser.add_argument("--sweep-code", help="another sweep.py to measure instead of the product's (before/after)")
    parser.add_argument("--dump", help="a folder: also write the frame, the planted pairs and every scored pair of "
                                       "weight ≥ -12 with its levels (Parquet), for the analysis of the misses")
    args = parser.parse_args()
    if args.seed == 7:
        raise SystemExit("seed 7 is the benchmark's: choose on another seed, measure with referrals_duplicates.py")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aupres.settings")
    os.environ.setdefault("AUPRES_DEV", "1")
    import django

    django.setup()
    if args.sweep_code:
        spec = importlib.util.spec_from_file_location("other_sweep", args.sweep_code)
        sweep = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sweep)
    else:
        from aupres.referrals import sweep

    t = time.perf_counter()
    rows, pairs = planted("real", args.seed, args.persons, args.dups)
    truth = set(pairs)
    print(f"generate {len(rows)} records ({len(truth)} planted pairs), seed {args.seed}: {time.perf_counter() - t:.0f} s")
    t = time.perf_counter()
    out = frame_rows(sweep, rows)
    del rows
    table = sweep.table_of(out)
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    if args.dump:
        pairs = dump(sweep, table, truth, Path(args.dump))
    else:
        pairs = sweep.predict(table, threshold=0.2)
    t_model = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"sweep on {table.num_rows} records: frame {t_load:.0f} s, model {t_model:.0f} s; peak memory {peak:.2f} GB")
    for th in sorted({0.5, sweep.THRESHOLD, 0.8}):
        found = [(a, b) for a, b, p in pairs if p >= th]
        tp = sum(pair in truth for pair in found)
        print(f"threshold {th:.3f}: pairs={len(found)} precision {100 * tp / max(1, len(found)):.2f} % "
              f"recall {100 * tp / len(truth):.2f} %")
    for target, (hits, p) in sorted(best_recall(pairs, truth).items()):
        print(f"highest recall at precision ≥ {100 * target:.0f} %: {100 * hits / len(truth):.2f} % (threshold {p:.4f})")


def dump(sweep, table, truth, out):
    """The model's scored pairs of weight ≥ -12 with their levels, written with the frame and the planted pairs
    to `out` (Parquet); returns the pairs of probability ≥ 0.3 as predict does."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out / "frame.parquet")
    pq.write_table(pa.table({"a": [a for a, _b in sorted(truth)], "b": [b for _a, b in sorted(truth)]}),
                   out / "truth.parquet")
    settings = sweep.settings_for(table) if hasattr(sweep, "settings_for") else sweep.model_settings(table.num_rows)
    settings.retain_intermediate_calculation_columns = True
    linker = sweep._linker(table, settings)
    sweep.estimate(linker)
    result = linker.inference.predict(threshold_match_weight=-12)
    result.to_parquet(str(out / "pairs.parquet"), overwrite=True)
    scored = pq.read_table(out / "pairs.parquet", columns=["unique_id_l", "unique_id_r", "match_probability"])
    data = scored.filter(pc.greater_equal(scored["match_probability"], 0.3)).to_pydict()
    return [(min(a, b), max(a, b), p) for a, b, p in
            zip(data["unique_id_l"], data["unique_id_r"], data["match_probability"], strict=True)]


if __name__ == "__main__":
    main()
