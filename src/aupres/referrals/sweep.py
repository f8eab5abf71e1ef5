"""The sweep of the whole base: probable duplicate pairs among all persons (issue #21), for the review queue.

A Fellegi–Sunter model (splink on DuckDB, in process): each pair of records is compared on the first and last
names (exact, swapped, Jaro-Winkler ≥ 0.92 / 0.88, one of them exact), the birth year (same, ± 1), the phone
and the sex; each level weighs its m / u log-ratio; pairs of probability ≥ THRESHOLD are proposed. Only pairs
that share a block are compared: the phonetic keys of both names (aupres.persons.names); the last name's key
and the birth year; the first name's key, the year and the sex; the phone; the names swapped; one name's key
and the first two letters of the other.

The m probabilities (how often two records of one person agree at each level) are set here from what the
records of one person written by two teams look like (the perturbations of bench/_names.py: a typo, accents
lost, a transliteration, names swapped, a year one off or unknown, the phone of one only): expectation
maximisation, tried first, converged on namesakes (two "Marie Martin" agree on the names far more often than
two records of one person do), so it is not used. The u probabilities (how often two different persons agree)
and the prior of a match are estimated on the data at each sweep (`estimate`: random sampling, deterministic
rules; no EM, nothing to converge), from MIN_PERSONS_TO_ESTIMATE persons on; below, the u probabilities set here
(measured on 50 000 realistic persons of bench/_names.py) and a prior of DUPLICATE_SHARE are used.

Nothing leaves the machine: DuckDB runs in memory inside the worker; only ids, scores and reason codes are
written back (referrals.models.DuplicatePair). Decided pairs (« personnes différentes ») are never proposed
again; proposed pairs the model no longer finds are withdrawn.
"""

import time

from django.db import transaction
from django.utils import timezone

from aupres.persons import names
from aupres.persons.models import Person

THRESHOLD = 0.8
DUPLICATE_SHARE = 0.02
MIN_PERSONS_TO_ESTIMATE = 5000
COLUMNS = ("unique_id", "first", "last", "first_last", "first_phon", "last_phon", "first2", "last2", "birth_year",
           "sex", "phone")


def _row(pk, first, last, year, sex, phone):
    from aupres.referrals.duplicates import phone_digits

    fw, lw = names.words(first), names.words(last)
    first, last = " ".join(fw), " ".join(lw)
    return (pk, first or None, last or None, f"{first} {last}".strip() or None, names.phonetic("".join(fw)) or None,
            names.phonetic("".join(lw)) or None, "".join(fw)[:2] or None, "".join(lw)[:2] or None, year,
            sex if sex in ("female", "male") else None, phone_digits(phone) or None)


def frame(queryset=None):
    """The persons as an Arrow table of the model's columns (names transliterated, phonetic keys)."""
    import pyarrow as pa

    qs = Person.objects.all() if queryset is None else queryset
    rows = [_row(*r) for r in qs.order_by().values_list("pk", "first_name", "last_name", "birth_year", "sex",
                                                          "phone").iterator(chunk_size=20000)
            if r[1] or r[2]]  # a person known by an alias only is compared at intake, not here
    columns = list(zip(*rows, strict=True)) if rows else [[] for _c in COLUMNS]
    types = [pa.int64(), *[pa.string()] * 7, pa.int32(), pa.string(), pa.string()]
    return pa.table({c: pa.array(list(v), type=t) for c, v, t in zip(COLUMNS, columns, types, strict=True)})


def model_settings(persons=1_000_000):
    """The model; `probability` (the prior of a match between two records) is estimated from the data when
    there is enough (`estimate`), else taken as DUPLICATE_SHARE of the records having one duplicate."""
    probability = min(0.5, 2 * DUPLICATE_SHARE / max(persons, 2))
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on
    from splink.blocking_rule_library import CustomRule

    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            # exact both, swapped, Jaro-Winkler both ≥ 0.92, both ≥ 0.88, same last, same first, other
            cl.ForenameSurnameComparison("first", "last", forename_surname_concat_col_name="first_last").configure(
                m_probabilities=[0.55, 0.04, 0.2, 0.1, 0.05, 0.04, 0.02],
                u_probabilities=[8e-5, 1e-6, 3e-5, 6.5e-5, 0.003, 0.009, 0.988], term_frequency_adjustments=True),
            cl.CustomComparison(output_column_name="birth_year", comparison_levels=[
                cll.NullLevel("birth_year"), cll.ExactMatchLevel("birth_year"),
                cll.AbsoluteDifferenceLevel("birth_year", 1), cll.ElseLevel()]).configure(
                m_probabilities=[0.8, 0.15, 0.05], u_probabilities=[0.0133, 0.03, 0.9567]),
            cl.ExactMatch("phone").configure(m_probabilities=[0.9, 0.1], u_probabilities=[1e-7, 1 - 1e-7]),
            cl.ExactMatch("sex").configure(m_probabilities=[0.97, 0.03], u_probabilities=[0.5, 0.5]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_phon", "last_phon"),
            block_on("last_phon", "birth_year"),
            block_on("first_phon", "birth_year", "sex"),
            block_on("phone"),
            CustomRule("l.first_phon = r.last_phon and l.last_phon = r.first_phon"),
            block_on("first_phon", "last2"),
            block_on("last_phon", "first2"),
        ],
        probability_two_random_records_match=probability,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def _linker(table, model):
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    db_api = DuckDBAPI()
    df = db_api.register(table)
    return Linker(df, model, log_level="WARNING")


def estimate(linker):
    """The prior of a match (deterministic rules: same names' keys and year, assumed to find 80 % of the
    duplicates) and the u probabilities (random sampling of pairs) on this data; the m probabilities stay."""
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_phon", "last_phon", "birth_year")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)


def predict(table, threshold=THRESHOLD):
    """[(smaller id, larger id, probability)] of the pairs at or above the threshold."""
    if table.num_rows < 2:
        return []
    linker = _linker(table, model_settings(table.num_rows))
    if table.num_rows >= MIN_PERSONS_TO_ESTIMATE:
        estimate(linker)
    result = linker.inference.predict(threshold_match_probability=threshold)
    data = result.as_dict()
    return [(min(a, b), max(a, b), p) for a, b, p in
            zip(data["unique_id_l"], data["unique_id_r"], data["match_probability"], strict=True)]


def run(threshold=THRESHOLD, queryset=None):
    """The sweep: predict, then store the new pairs and withdraw the proposed ones no longer found.
    Returns counts and timings (no personal content)."""
    from aupres.referrals.duplicates import pair_reasons
    from aupres.referrals.models import DuplicatePair

    t0 = time.perf_counter()
    table = frame(queryset)
    t1 = time.perf_counter()
    pairs = {(a, b): p for a, b, p in predict(table, threshold)}
    t2 = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        known = set(DuplicatePair.objects.values_list("first_person_id", "second_person_id"))
        stale = DuplicatePair.objects.filter(state=DuplicatePair.State.PROPOSED)
        stale_ids = [pk for pk, a, b in stale.values_list("pk", "first_person_id", "second_person_id")
                     if (a, b) not in pairs]
        DuplicatePair.objects.filter(pk__in=stale_ids).delete()
        new = [(a, b, p) for (a, b), p in pairs.items() if (a, b) not in known]
        people = Person.objects.in_bulk({i for a, b, _p in new for i in (a, b)})
        rows = [DuplicatePair(first_person_id=a, second_person_id=b, probability=round(p, 4),
                              reasons=pair_reasons(people[a], people[b]), found_at=now)
                for a, b, p in new if a in people and b in people]
        DuplicatePair.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return {"persons": table.num_rows, "pairs": len(pairs), "new": len(rows), "withdrawn": len(stale_ids),
            "load_s": round(t1 - t0, 1), "model_s": round(t2 - t1, 1), "store_s": round(time.perf_counter() - t2, 1)}
