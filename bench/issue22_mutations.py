"""The one-line changes of issue #22 that once passed the whole suite, applied one at a time: each must now
make its targeted tests fail. Not a test (it edits product files, then puts them back); run by hand:

    nice -n 10 .venv/bin/python bench/issue22_mutations.py [name ...]

Each mutation replaces exactly one occurrence of a line fragment; the file is restored in a `finally`
(and checked byte for byte). Prints KILLED or SURVIVED per mutation; exits 1 when one survives. The three
route holes of the issue (unnamed route, schema-hidden operation, wrong rule) are re-created by
src/aupres/core/tests/test_route_holes.py instead: they are fixtures, not edits.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "aupres"

IND_TESTS = ["src/aupres/indicators/tests/test_disclosure_boundaries.py"]
REF_TESTS = ["src/aupres/referrals/tests/test_boundaries.py"]
EXIT_TESTS = ["src/aupres/followups/tests/test_exit_window.py"]
EXPECT_TESTS = ["src/aupres/core/tests/test_independent_expectations.py"]

# name: (file, old fragment, new fragment, tests that must fail)
MUTATIONS = {
    "educator_reads_health": (
        "services/models.py", "Profession.CHILDCARE_ASSISTANT, Profession.PSYCHOLOGIST, Profession.HEALTH_MANAGER,",
        "Profession.CHILDCARE_ASSISTANT, Profession.PSYCHOLOGIST, Profession.HEALTH_MANAGER, "
        "Profession.SPECIALISED_EDUCATOR,", EXPECT_TESTS + ["src/aupres/persons/tests/test_access_matrix.py"]),
    "regional_sum_cells_not_hidden": (
        "indicators/services.py",
        "hidden = {k: kind for k in keys if (kind := disclosure.derived_sum_hidden(parts[k], sums[k]))}",
        "hidden = {}", IND_TESTS),
    "regional_total_not_hidden": (
        "indicators/services.py",
        "total_kind = disclosure.derived_sum_hidden(total_parts, total) if ind.suppressed else None",
        "total_kind = None", IND_TESTS),
    "previous_period_uncontrolled": (
        "indicators/services.py",
        "previous = _published_year(services, comparison_period(period), codes, reader)",
        "previous = {c: {'values': t, 'hidden': {}, 'total': None} for c, t in "
        "engine.compute_all(services, comparison_period(period), codes).items()}", IND_TESTS),
    "mean_below_five": (
        "indicators/services.py", "mean if n >= disclosure.THRESHOLD else None", "mean if n else None", IND_TESTS),
    "capacity_counts_closed": (
        "referrals/services.py",
        'used = FollowUp.objects.open().filter(service=service).values("person_id").distinct().count()',
        'used = FollowUp.objects.filter(service=service).values("person_id").distinct().count()', REF_TESTS),
    "capacity_households_count_closed": (
        "referrals/services.py", 'return FollowUp.objects.open().filter(service=service).values("person_id")',
        'return FollowUp.objects.filter(service=service).values("person_id")', REF_TESTS),
    "any_head_overrides": (
        "referrals/services.py", "access.is_head_of_service(user, referral.service_id)",
        "access.is_head_of_service(user)", EXPECT_TESTS),
    "adults_from_17": (
        "referrals/services.py", "age is not None and age < 18:", "age is not None and age < 17:", REF_TESTS),
    "min_age_off_by_one": (
        "referrals/services.py", "age < service.min_age:", "age <= service.min_age:", REF_TESTS),
    "max_age_off_by_one": (
        "referrals/services.py", "age > service.max_age:", "age >= service.max_age:", REF_TESTS),
    "exit_window_one_day_early_query": (
        "followups/models.py", "models.Q(access_until__gte=on)", "models.Q(access_until__gt=on)", EXIT_TESTS),
    "exit_window_one_day_early_close": (
        "followups/models.py", "days=self.service.access_after_exit_days)",
        "days=self.service.access_after_exit_days - 1)", EXIT_TESTS),
    "emergency_cap_plus_one": (
        "sharing/services.py", "if attempts >= settings.EMERGENCY_ACCESS_PER_DAY:",
        "if attempts > settings.EMERGENCY_ACCESS_PER_DAY:",
        ["src/aupres/sharing/tests/test_emergency_boundaries.py"]),
}


def run(name):
    rel, old, new, tests = MUTATIONS[name]
    path = SRC / rel
    original = path.read_bytes()
    text = original.decode()
    if text.count(old) != 1:
        return f"NOT APPLIED ({text.count(old)} matches of the fragment)"
    try:
        path.write_text(text.replace(old, new))
        started = time.monotonic()
        env = {**os.environ, "AUPRES_TEST_DATABASE_NAME": os.environ.get(
            "AUPRES_TEST_DATABASE_NAME", "/tmp/aupres-issue22-mutations.sqlite3")}
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:randomly", "--reuse-db",
                                 *tests], cwd=ROOT, env=env, capture_output=True, text=True)
        took = time.monotonic() - started
    finally:
        path.write_bytes(original)
    assert path.read_bytes() == original
    last = (result.stdout.strip().splitlines() or ["?"])[-1]
    return f"{'KILLED' if result.returncode != 0 else 'SURVIVED'} in {took:.0f} s ({last})"


def main(names):
    survived = False
    for name in names or MUTATIONS:
        outcome = run(name)
        survived |= not outcome.startswith("KILLED")
        print(f"{name:36} {outcome}", flush=True)
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
