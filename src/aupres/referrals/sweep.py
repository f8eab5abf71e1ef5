"""The sweep of the whole base: probable duplicate pairs among all persons (issue #21), for the review queue.

A Fellegi–Sunter model (splink on DuckDB, in process): each pair of records is compared on the first name and on
the last name apart (exact; one typo — Damerau-Levenshtein 1; written in the other field, swapped; one a word of
the other, a compound name partly given; Jaro-Winkler ≥ 0.88; the same phonetic key; else), the birth (both full
dates when both records carry one: the same, day and month swapped, one digit off, the same year only, otherwise;
else the year: the same, ± 1), the phone, the sex, the nationality (D68) and where the records were written: the
département of the services that follow or followed the person (the same, one in common, the same region, else;
D70: a person met twice is most often met by the services of one city); each level weighs its m / u log-ratio, and
on the name levels and the département that ratio is weighed by how common the value is (term frequencies: two
"Martin" tell little, two "Amzidouche" much, and so does one typo or a swap of a rare name; two records of Paris
little, two of the Creuse much); the last name's one typo by how many records bear a name one typo away (« Boly »
has hundreds of such neighbours in a large base, « Thorez » few). A value of one record is counted by one
comparison: a name written in the other field is a swap only when the other record's name in that field is not
already matched by its own comparison. The nationality is not (D70): the names' frequencies already say the
origin, and among namesakes of one origin two « malienne » are common. Two records bearing the same full name
weigh less than the first and last names' frequencies multiplied say, by how much more often the records of the
base share a full name than that product (D76: the names of one origin go together). Pairs of probability ≥
THRESHOLD are proposed. Only pairs that share a block are compared: the phonetic keys of both names
(aupres.persons.names), and the same swapped; the last name's key and the birth year; the first name's key, the
year and the sex; the phone; one name's key and the first two letters of the other; the first and last letters of
both names and the sex; one name written in the other field of the other record, with the year or the département
(the other name may be misspelt); one name, or its first word, with the other written as it is or with one letter
but the first deleted, in either field (D75: a typo with the year unknown to one side, where a common first name's
blocks are too large); the first and last letters of both names with the sex and the département (D76: both names
misspelt, the year unknown to one side). A block borne by more than MAX_BLOCK records is not compared within (the
pairs of "Marie Martin" would grow with the square of the base, and are namesakes the model would not propose).

The m probabilities (how often two records of one person agree at each level) are set here from what the
records of one person written by two teams look like: measured (splink's estimate from labelled pairs, D68) on
the planted duplicates of bench/_names.py with another seed than the benchmark's (a typo, accents lost, a
transliteration, names swapped, a year one off or unknown, the phone of one only, a date kept, lost, swapped
or one digit off). Expectation maximisation, tried first, converged on namesakes (two "Marie Martin" agree on
the names far more often than two records of one person do), so it is not used. Real records' m are not
known: the pairs heads of service decide (« même personne ») are where they could be measured. The u
probabilities (how often two different persons agree) are estimated on the data at each sweep (`estimate`:
random sampling; no EM, nothing to converge) from MIN_PERSONS_TO_ESTIMATE persons on; below, the ones set here.
The prior of a match is set: DUPLICATE_SHARE of the persons have one duplicate.

Nothing leaves the machine: DuckDB runs in memory inside the worker; only ids, scores and reason codes are
written back (referrals.models.DuplicatePair). Decided pairs (« personnes différentes ») are never proposed
again; proposed pairs the model no longer finds are withdrawn.
"""

import collections
import functools
import time

from django.db import transaction
from django.utils import timezone

from aupres.followups.models import FollowUp
from aupres.persons import names
from aupres.persons.models import Person
from aupres.referrals.duplicates import nationality_key, pair_reasons, phone_digits
from aupres.referrals.models import DuplicatePair
from aupres.services.models import Service, Territory, TerritoryLevel

# Pairs from this probability on are proposed: tuned on the planted duplicates of bench/referrals_duplicates.py
# with realistic names. D68 (dates, nationality, measured m, fixed prior): at 1 000 000 persons 96.2 % precision,
# 73.1 % recall at 0.95 (0.85 gave 90.9 % precision there). D70 (the département, blocks across the fields):
# 95 % precision from 0.73 on at 1 000 000 persons, from 0.59 on at 200 000; 0.8 keeps a point of margin at
# 1 M (96.0 % precision there, 97.2 % at 200 000: the probabilities still grow more confident with the size of
# the base, which has more namesakes). D73 (a name counted once, the last name's one typo by its neighbours):
# 95 % precision from 0.59 on at 1 M (seed 7); 0.65 keeps the point of margin (96.0 % precision, 88.9 % recall
# there; 0.8 gave 97.7 / 86.4 %). Chosen on the benchmark's seed, as D70's. D75 (the typo block): the 95 %
# point moved 0.586 → 0.589 at 1 M (seed 7), 0.565 → 0.566 on seed 11; kept (95.9 % precision, 89.2 % recall).
# D76 (a full name shared weighs the names' association less, about 1.5 bits): the 95 % point moved to 0.47 on
# seed 11 (1 M persons); 0.5 there gives 95.4 % precision, 90.1 % recall. Chosen on seed 11, not the benchmark's.
THRESHOLD = 0.5
# The prior of a match: this share of the persons have one duplicate. It was estimated from deterministic
# rules (same names' keys and year, assumed to find 60 % of the duplicates), which was biased with the size of
# the base: the namesakes those rules find grow with it, so the probabilities were under-confident at 200 000
# persons (95 % precision from 0.66 on) and over-confident at 1 M (from 0.92 on, D65). A fixed share does not
# move with the size (D68); it is the benchmark's, a real base's is not known.
DUPLICATE_SHARE = 0.02
MIN_PERSONS_TO_ESTIMATE = 5000
# Two records share a full name this many times more often than the shares agreeing on the first and on the last
# name multiplied say (D76: the names of one origin go together): counted in the base from MIN_PERSONS_TO_ESTIMATE
# persons on (full_name_shares); below, the benchmark's (2.77 on seed 11 at 1 M generated persons).
FULL_NAME_ASSOCIATION = 2.8
# The u of the exact first name and last name levels for small bases (model_settings).
NAME_U = (0.02, 0.002)
# Birth levels (_birth_comparison: both dates the same, day/month swapped, one digit off, the same year only,
# otherwise; a date on one side at most: the same year, one apart, else), when both years are known. m: how
# the records of one person written by two teams fall (bench/_names.py, D68: about half of the pairs carry
# a date on both sides, as a team that read the papers writes it: the same, a digit off, day and month read
# the other way; the others the year, as D65's); u for small bases: two persons (half of the pairs carry two
# dates, one day in 68 × 365), estimated on the data from MIN_PERSONS_TO_ESTIMATE on.
BIRTH_M = [0.35, 0.019, 0.115, 0.002, 0.011, 0.416, 0.085, 0.002]
BIRTH_U = [2e-5, 1e-6, 5e-4, 0.006, 0.43, 0.0085, 0.016, 0.538979]
# Nationality (the same, another) when both records give it: two teams write the same most often; a
# different one is a binational, naturalised person or a country of transit.
NATIONALITY_M = [0.94, 0.06]
NATIONALITY_U = [0.4, 0.6]
# Where the records were written (the same département, one in common, the same region, else), D70. m: the
# second record of one person is written in the same département most often (bench/_names.py: 75 % the same,
# 10 % a neighbour in the region, 15 % anywhere), measured as D68's (bench/sweep_m.py, seed 11); u for small
# bases: a fifth of the pairs in one region, one in twenty in one département; estimated on the data from
# MIN_PERSONS_TO_ESTIMATE on.
AREA_M = [0.768, 0.001, 0.116, 0.115]
AREA_U = [0.05, 0.001, 0.17, 0.779]
# A block (records sharing one blocking key) larger than this is not compared within: two records in it agree
# only on what hundreds of others share (Marie Martin born 1980), which the model would not propose anyway,
# and the pairs of such blocks would grow with the square of the base.
MAX_BLOCK = 120
BLOCKS = ("b_names", "b_swapped", "b_last_year", "b_first_year", "b_first_last2", "b_last_first2", "b_ends",
          "b_first_year_x", "b_last_year_x", "b_first_area_x", "b_last_area_x", "b_ends_area")
# Keys looked up against another column (l.b_first_year_x = r.b_last_year_x): a block is the records bearing
# the key in either, so each is capped on both columns' counts.
CROSS = {1: 0, 7: 8, 8: 7, 9: 10, 10: 9}
COLUMNS = ("unique_id", "first", "last", "first_phon", "last_phon", "birth_year", "sex", "phone", "birth_date",
           "nationality", *BLOCKS, "area", "areas", "regions")


@functools.lru_cache(maxsize=200_000)
def _name(value):
    """(normalised words joined by spaces, phonetic key of the words joined) of one name (cached: names repeat)."""
    ws = names.words(value)
    return " ".join(ws), names.phonetic("".join(ws))


def _row(pk, first, last, year, sex, phone, birth_date=None, nationality="", places=None):
    """One record's columns; `places`: (départements, regions) of the services that follow or followed it."""
    (first, fp), (last, lp) = _name(first or ""), _name(last or "")
    sex = sex if sex in ("female", "male") else None
    ends = (f"{first[:1]}{first[-1:]}.{last[:1]}{last[-1:]}.{sex}" if len(first) > 2 and len(last) > 2 else None)
    area = _area_columns(places)
    # A name written in the other field, the other name misspelt (« Michel Farat », « Farlat Michel »): the
    # name that stayed, across the fields, with the year or the département.
    cross = [f"{name}|{key}" if name and key else None for key in (year, area[0]) for name in (first, last)]
    return (pk, first or None, last or None, fp or None, lp or None, year, sex, phone_digits(phone) or None,
            birth_date.isoformat() if birth_date else None, nationality_key(nationality),
            f"{fp}.{lp}" if fp and lp else None, f"{lp}.{fp}" if fp and lp else None,
            f"{lp}.{year}" if lp and year else None, f"{fp}.{year}.{sex}" if fp and year else None,
            f"{fp}.{last[:2]}" if fp and last else None, f"{lp}.{first[:2]}" if lp and first else None, ends,
            *cross, f"{ends}.{area[0]}" if ends and area[0] else None, *area)


def _area_columns(places):
    """(the département, all the départements, all the regions) or Nones: the département alone is compared
    with its frequency (two records of Paris tell little, two of the Creuse much); a person followed in
    several is compared on all of them."""
    if not places or not places[0]:
        return None, None, None
    deps, regions = sorted(places[0]), sorted(places[1])
    return deps[0] if len(deps) == 1 else None, deps, regions or None


def person_places():
    """{person id: (set of départements, set of regions)} of the services that follow or followed the person
    (a service covering a commune counts in its département; one covering a whole region says no département
    but its region). Ids of territories, as strings."""
    parent, level = {}, {}
    for pk, parent_id, level_ in Territory.objects.values_list("pk", "parent_id", "level"):
        parent[pk], level[pk] = parent_id, level_
    by_service = collections.defaultdict(lambda: (set(), set()))
    for service_id, territory_id in Service.territories.through.objects.values_list("service_id", "territory_id"):
        t = territory_id
        if level.get(t) == TerritoryLevel.COMMUNE:
            t = parent.get(t)
        deps, regions = by_service[service_id]
        if level.get(t) == TerritoryLevel.DEPARTEMENT:
            deps.add(str(t))
            t = parent.get(t)
        if level.get(t) == TerritoryLevel.REGION:
            regions.add(str(t))
    places = {}
    for person_id, service_id in FollowUp.objects.order_by().values_list("person_id", "service_id").iterator(
            chunk_size=50000):
        if service_id in by_service:
            deps, regions = places.setdefault(person_id, (set(), set()))
            deps |= by_service[service_id][0]
            regions |= by_service[service_id][1]
    return places


def _cap_blocks(rows):
    """Blocking keys borne by more than MAX_BLOCK records are left out (None): see MAX_BLOCK. The swapped key
    is looked up against the straight one, so it is capped on the straight key's count."""
    start = COLUMNS.index(BLOCKS[0])
    counts = [collections.Counter(r[start + i] for r in rows) for i in range(len(BLOCKS))]
    out = []
    for r in rows:
        r = list(r)
        for i in range(len(BLOCKS)):
            key = r[start + i]
            if key is not None and (counts[i][key] > MAX_BLOCK or (i in CROSS and counts[CROSS[i]][key] > MAX_BLOCK)):
                r[start + i] = None
        out.append(r)
    return out


def frame(queryset=None):
    """The persons as an Arrow table of the model's columns (names transliterated, phonetic keys, blocking keys)."""
    qs = Person.objects.all() if queryset is None else queryset
    places = person_places()
    rows = [_row(*r, places.get(r[0])) for r in qs.order_by().values_list(
                "pk", "first_name", "last_name", "birth_year", "sex", "phone", "birth_date", "nationality"
            ).iterator(chunk_size=20000)
            # A person known by an alias only has no name to block on: reached through the phone alone (D70;
            # the intake search compares the alias).
            if r[1] or r[2] or r[5]]
    return table_of(rows)


def table_of(rows):
    """The model's Arrow table from rows made by `_row`, the oversized blocks emptied (`_cap_blocks`): the
    persons of the base (frame) or the benchmark's and tests' own records."""
    import pyarrow as pa  # noqa: PLC0415 — heavy library (0.4 s), loaded only when the duplicate sweep runs

    rows = _cap_blocks(rows)
    columns = list(zip(*rows, strict=True)) if rows else [[] for _c in COLUMNS]
    types = [pa.int64(), *[pa.string()] * 4, pa.int32(), *[pa.string()] * (4 + len(BLOCKS)), pa.string(),
             pa.list_(pa.string()), pa.list_(pa.string())]
    return pa.table({c: pa.array(list(v), type=t) for c, v, t in zip(COLUMNS, columns, types, strict=True)})


def _name_comparison(col, other, neighbours=False):
    """Levels of one name: exact (weighed by how common the name is), one typo, written in the other field
    (swapped), one name a word of the other (compound name partly given), close, sounding alike, else.
    `neighbours`: the one-typo level weighed by the share of the records that bear a name one typo away
    (neighbour_frequencies) rather than by half the name's own frequency."""
    import splink.comparison_level_library as cll  # noqa: PLC0415 — heavy library (splink and DuckDB, 1 s), loaded only when the duplicate sweep runs
    import splink.comparison_library as cl  # noqa: PLC0415 — heavy library (splink and DuckDB, 1 s), loaded only when the duplicate sweep runs

    # The other record's `other` name is the other comparison's when it matches this record's `other` name,
    # exactly or at one typo (the levels above that comparison's own swap).
    free = f"not coalesce(damerau_levenshtein({other}_l, {other}_r) <= 1, false)"
    return cl.CustomComparison(output_column_name=col, comparison_levels=[
        cll.NullLevel(col),
        cll.ExactMatchLevel(col, term_frequency_adjustments=True),
        # One typo in a rare name says much, though less than the rare name itself: weighed by half the rarer
        # spelling's frequency (splink takes the larger term frequency of the two). A rare name has neighbours
        # one typo away, and more of them the larger the base (the long tail's names are spliced from common
        # syllables): with the full weight, the most confident false pairs at 1 M persons were such neighbours
        # (« Philippe Calan » and « Philippe Palan », two persons). D70: best recall at 95 % precision 87.7 →
        # 88.2 % at 1 M, 93.9 → 93.7 % at 200 000; no weight at all: 93.0 % at 200 000.
        # From MIN_PERSONS_TO_ESTIMATE persons on, the last name's one typo is weighed by the chance that
        # another person's name is one typo from this one, counted on the base (neighbour_frequencies; splink
        # takes the larger of the two names'): « Boly » has hundreds of records one typo away in a large base
        # (Joly, Bold, Holy…), « Thorez » a few. Half the name's own frequency (below, and D70) said both
        # alike when both are rare; the most confident false pairs at 1 M were such neighbours (D73: best
        # recall at 95 % precision 88.9 → 89.6 % at 1 M). Not for the first names: their neighbours are mostly
        # spellings of one name (Mohamed, Mohammed), and it lowered the recall there (offline, D73).
        (cll.DamerauLevenshteinLevel(col, 1).configure(
            tf_adjustment_column=f"{col}_nb", tf_adjustment_weight=1.0, disable_tf_exact_match_detection=True)
         if neighbours else
         cll.DamerauLevenshteinLevel(col, 1).configure(tf_adjustment_column=col, tf_adjustment_weight=0.5)),
        # This record's name written in the other field of the other record: one fact, said by one of the two
        # comparisons (the first name's says first_l = last_r, the last name's last_l = first_r); both when
        # both names are swapped. Each saying either fact counted a half swap twice (Cristina Cusca and
        # « Chinnsiuneaandripopa Cristina » proposed at 0.91, D68).
        # Only when the other record's name in that field is not already the other comparison's: « David
        # Davin » and « David Verd » share one name, « David », which the first name's comparison counts;
        # « Davin » one typo from the other's first name is the same « David » counted again (D73: at 1 M
        # persons 165 of the 928 false pairs above the threshold of 95 % precision were such, no planted pair).
        cll.CustomLevel(f"{col}_l = {other}_r and {free}", label_for_charts="swapped").configure(
            tf_adjustment_column=col, tf_adjustment_weight=1.0),
        # Swapped with one typo (« Diallo Fatou » written « Fatou Dialo »); the first letters compared first,
        # so that the distance is computed on few pairs (it made the model a third slower).
        cll.CustomLevel(f"substr({col}_l, 1, 1) = substr({other}_r, 1, 1) and "
                        f"damerau_levenshtein({col}_l, {other}_r) = 1 and {free}",
                        label_for_charts="swapped, one typo"),
        cll.CustomLevel(f"(' ' || {col}_l || ' ') like ('% ' || {col}_r || ' %') or "
                        f"(' ' || {col}_r || ' ') like ('% ' || {col}_l || ' %')", label_for_charts="word of"),
        cll.JaroWinklerLevel(col, 0.88).configure(tf_adjustment_column=col, tf_adjustment_weight=0.5),
        cll.ExactMatchLevel(f"{col}_phon"),
        cll.ElseLevel(),
    ])


def _birth_comparison():
    """Levels of the birth, the full date when both records carry one, else the year: the same date; day and
    month swapped (a date read the other way); one digit off; both dates but only the year alike, or nothing
    alike (two persons whose papers disagree); then, a date on one side at most, the same year, one year
    apart, else. One comparison, not a date's and a year's: the year is the date's, and two comparisons would
    count the same agreement twice (Fellegi–Sunter adds them as if independent)."""
    import splink.comparison_level_library as cll  # noqa: PLC0415 — heavy library (splink and DuckDB, 1 s), loaded only when the duplicate sweep runs
    import splink.comparison_library as cl  # noqa: PLC0415 — heavy library (splink and DuckDB, 1 s), loaded only when the duplicate sweep runs

    both = "birth_date_l is not null and birth_date_r is not null"
    return cl.CustomComparison(output_column_name="birth", comparison_levels=[
        cll.NullLevel("birth_year"),
        cll.CustomLevel(f"{both} and birth_date_l = birth_date_r", label_for_charts="same date"),
        cll.CustomLevel(f"{both} and substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) and "
                        "substr(birth_date_l, 6, 2) = substr(birth_date_r, 9, 2) and "
                        "substr(birth_date_l, 9, 2) = substr(birth_date_r, 6, 2)",
                        label_for_charts="day/month swapped"),
        cll.CustomLevel(f"{both} and damerau_levenshtein(birth_date_l, birth_date_r) = 1",
                        label_for_charts="one digit off"),
        cll.CustomLevel(f"{both} and birth_year_l = birth_year_r", label_for_charts="dates: same year only"),
        cll.CustomLevel(both, label_for_charts="dates differ"),
        cll.ExactMatchLevel("birth_year"),
        cll.AbsoluteDifferenceLevel("birth_year", 1),
        cll.ElseLevel(),
    ])


def _area_comparison():
    """Levels of where the two records were written: the same département (weighed by how many persons are
    followed there), one département in common among several, the same region, else (a person who moved)."""
    import splink.comparison_level_library as cll  # noqa: PLC0415 — heavy library (splink and DuckDB, 1 s), loaded only when the duplicate sweep runs
    import splink.comparison_library as cl  # noqa: PLC0415 — heavy library (splink and DuckDB, 1 s), loaded only when the duplicate sweep runs

    return cl.CustomComparison(output_column_name="area", comparison_levels=[
        cll.CustomLevel("areas_l is null or areas_r is null", label_for_charts="unknown").configure(
            is_null_level=True),
        cll.ExactMatchLevel("area", term_frequency_adjustments=True),
        cll.CustomLevel("list_has_any(areas_l, areas_r)", label_for_charts="a département in common"),
        cll.CustomLevel("list_has_any(regions_l, regions_r)", label_for_charts="same region"),
        cll.ElseLevel(),
    ])


def _full_name_comparison(shares=None):
    """The full name, a correction (D76): the first and the last names' comparisons weigh two records bearing
    the same full name as if the two agreements were independent (the product of the names' frequencies);
    they are not: the names of one origin go together (a Romanian first name with a Romanian last name), so two
    persons share a full name more often than the product says. `shares` (full_name_shares): the share of pairs
    of records that agree on the first name times the share that agree on the last name, and the share that
    agree on both; the level « the same full name » weighs their ratio (m = the product, u = the joint share:
    about −1.5 bits at 1 M generated persons); every other pair nothing (m = u: a correction, not a comparison).
    None (a base below MIN_PERSONS_TO_ESTIMATE, whose counts say little): FULL_NAME_ASSOCIATION, as the u set
    here for small bases."""
    import splink.comparison_level_library as cll  # noqa: PLC0415 — heavy library (splink and DuckDB, 1 s), loaded only when the duplicate sweep runs
    import splink.comparison_library as cl  # noqa: PLC0415 — heavy library (splink and DuckDB, 1 s), loaded only when the duplicate sweep runs

    product, joint = shares or (NAME_U[0] * NAME_U[1], NAME_U[0] * NAME_U[1] * FULL_NAME_ASSOCIATION)
    fixed = {"fix_m_probability": True, "fix_u_probability": True}
    return cl.CustomComparison(output_column_name="full_name", comparison_levels=[
        cll.CustomLevel("first_l is null or first_r is null or last_l is null or last_r is null").configure(
            is_null_level=True),
        cll.CustomLevel("first_l = first_r and last_l = last_r", label_for_charts="the same full name").configure(
            m_probability=product, u_probability=joint, **fixed),
        cll.ElseLevel().configure(m_probability=1 - joint, u_probability=1 - joint, **fixed),
    ])


def full_name_shares(table):
    """(share of pairs of records agreeing on the first name × share agreeing on the last name, share agreeing on
    both), over the records bearing both names (the model's normalised names), counted: the correction of
    _full_name_comparison. None when no pair agrees on both or the base is below MIN_PERSONS_TO_ESTIMATE."""
    if table.num_rows < MIN_PERSONS_TO_ESTIMATE:
        return None
    import duckdb  # noqa: PLC0415 — heavy library, loaded only when the duplicate sweep runs

    con = duckdb.connect()
    con.register("shares_input", table.select(["first", "last"]))
    n, first, last, both = con.sql("""
        with r as (select first, last from shares_input where first is not null and last is not null)
        select (select count(*) from r),
               (select sum(c * (c - 1)) from (select count(*) c from r group by first)),
               (select sum(c * (c - 1)) from (select count(*) c from r group by last)),
               (select sum(c * (c - 1)) from (select count(*) c from r group by first, last))""").fetchall()[0]
    con.close()
    if not both:
        return None
    pairs = float(n) * (n - 1)
    return (float(first) / pairs) * (float(last) / pairs), float(both) / pairs


def model_settings(persons=1_000_000, full_name=None):
    """The model; `probability`, the prior of a match between two records, is DUPLICATE_SHARE of the records
    having one duplicate; `full_name`: full_name_shares of the base (settings_for)."""
    probability = min(0.5, 2 * DUPLICATE_SHARE / max(persons, 2))
    import splink.comparison_level_library as cll  # noqa: PLC0415 — heavy library (splink and DuckDB, 1 s), loaded only when the duplicate sweep runs
    import splink.comparison_library as cl  # noqa: PLC0415 — heavy library (splink and DuckDB, 1 s), loaded only when the duplicate sweep runs
    from splink import SettingsCreator, block_on  # noqa: PLC0415 — heavy library (splink and DuckDB, 1 s), loaded only when the duplicate sweep runs
    from splink.blocking_rule_library import CustomRule  # noqa: PLC0415 — heavy library (splink and DuckDB, 1 s), loaded only when the duplicate sweep runs

    # m: how often two records of one person, written by two teams, fall in each level (exact, one typo,
    # swapped, partly given, close, sounding alike, other: see the module's doc; swaps and typos are far more
    # frequent than D65's 0.06 and 0.08-0.12 said); u: set here for small bases, else estimated.
    first = _name_comparison("first", "last").configure(
        m_probabilities=[0.61, 0.165, 0.193, 0.023, 0.0035, 0.0035, 0.0005, 0.0015],
        u_probabilities=[NAME_U[0], 0.003, 0.0005, 0.0001, 0.003, 0.01, 0.01, 0.9534])
    last = _name_comparison("last", "first", neighbours=persons >= MIN_PERSONS_TO_ESTIMATE).configure(
        m_probabilities=[0.467, 0.285, 0.191, 0.025, 0.005, 0.016, 0.001, 0.01],
        u_probabilities=[NAME_U[1], 0.001, 0.0005, 0.0001, 0.001, 0.003, 0.002, 0.9904])
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            first, last,
            _birth_comparison().configure(m_probabilities=BIRTH_M, u_probabilities=BIRTH_U),
            cl.ExactMatch("phone").configure(m_probabilities=[0.9, 0.1], u_probabilities=[1e-7, 1 - 1e-7]),
            cl.ExactMatch("sex").configure(m_probabilities=[0.97, 0.03], u_probabilities=[0.5, 0.5]),
            # The same nationality; a different one is weak evidence against (binational, naturalised). Not
            # weighed by how common it is (D70): two « mauritanienne » among namesakes of a West African name
            # are common, and the names' frequencies already counted the rarity of the origin (at 200 000:
            # best recall at 95 % precision 91.6 % with the frequency, 91.8 % without).
            cl.CustomComparison(output_column_name="nationality", comparison_levels=[
                cll.NullLevel("nationality"), cll.ExactMatchLevel("nationality"),
                cll.ElseLevel()]).configure(m_probabilities=NATIONALITY_M, u_probabilities=NATIONALITY_U),
            _area_comparison().configure(m_probabilities=AREA_M, u_probabilities=AREA_U),
            _full_name_comparison(full_name),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("b_names"), CustomRule("l.b_names = r.b_swapped"), block_on("b_last_year"),
            block_on("b_first_year"), block_on("phone"), block_on("b_first_last2"), block_on("b_last_first2"),
            block_on("b_ends"), CustomRule("l.b_first_year_x = r.b_last_year_x"),
            CustomRule("l.b_last_year_x = r.b_first_year_x"), CustomRule("l.b_first_area_x = r.b_last_area_x"),
            CustomRule("l.b_last_area_x = r.b_first_area_x"),
            # Both names misspelt, the year unknown to one side (D76): the first and last letters of both names
            # (a misspelling rarely touches them), the sex and the département.
            block_on("b_ends_area"),
            # Last: splink excludes from an exploded rule the pairs of the rules before it, not from the rules
            # after it the pairs of an exploded rule.
            block_on("b_typo", arrays_to_explode=["b_typo"]),
        ],
        probability_two_random_records_match=probability,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def settings_for(table):
    """The model for this table of records (model_settings with the table's full_name_shares)."""
    return model_settings(table.num_rows, full_name_shares(table))


def _linker(table, model):
    from splink import Linker  # noqa: PLC0415 — heavy library (splink and DuckDB, 1 s), loaded only when the duplicate sweep runs
    from splink.backends.duckdb import DuckDBAPI  # noqa: PLC0415 — heavy library (splink and DuckDB, 1 s), loaded only when the duplicate sweep runs

    db_api = DuckDBAPI()
    neighbours = table.num_rows >= MIN_PERSONS_TO_ESTIMATE
    if neighbours:
        table = table.append_column("last_nb", table["last"])
    table = with_typo_keys(table)
    df = db_api.register(table)
    linker = Linker(df, model, log_level="WARNING")
    if neighbours:
        linker.table_management.register_term_frequency_lookup(
            db_api.register(neighbour_frequencies(db_api.duckdb_con, df.physical_name, "last")), "last_nb")
    return linker


def with_typo_keys(table):
    """The table with `b_typo`: the keys of the typo block, a list per record. A key is one of the record's
    names (or its first word) with the other name (or its first word) as written or with one letter deleted,
    in either order: two records whose names agree but for one typo in one of them (« Marie Gautier » /
    « Marie Giutier », the year unknown to one side) share one, written in the same fields or swapped (the
    same deletion on both sides for a letter changed or two swapped; the other's whole name for a letter
    added or removed), and so do « Marie-Josée Simon » / « Marie Simon ». The first letter is never deleted:
    a misspelling rarely touches it, as every other block assumes (the phonetic keys and the first letters);
    deleting it too, the block's new pairs above the threshold of 95 % precision were two false for one true
    (« Oxana Frupov » / « Oxana Drupov », D75, measured on seed 11). Keys are hashed (a fifth less memory);
    keys borne by one record are dropped, and keys borne by more than MAX_BLOCK records (the straight
    blocks' cap). Computed on a connection of its own, closed after: the keys' working memory (1.6 GB at 1 M
    records) is given back before the model's, not added to it."""
    import duckdb  # noqa: PLC0415 — heavy library, loaded only when the duplicate sweep runs

    con = duckdb.connect()
    con.register("typo_input", table)
    keys = con.sql(f"""
        with n as (select unique_id, first as keep, last as vary from typo_input
                   where first is not null and last is not null
                   union all select unique_id, last, first from typo_input
                   where first is not null and last is not null),
        w as (select distinct unique_id, k, v from n, unnest([keep, split_part(keep, ' ', 1)]) a(k),
              unnest([vary, split_part(vary, ' ', 1)]) b(v)),
        d as (select unique_id, hash(k, v) as key from w
              union select unique_id, hash(k, substr(v, 1, i - 1) || substr(v, i + 1)) from w, range(2, 64) r(i)
              where i <= length(v) and length(v) >= 3),
        c as (select key from d group by key having count(*) between 2 and {int(MAX_BLOCK)})
        select unique_id, list(key order by key) as b_typo from d semi join c using (key) group by unique_id
        """).to_arrow_table()  # noqa: S608 — MAX_BLOCK is the sweep's own integer
    con.register("typo_keys", keys)
    out = con.sql("select t.*, k.b_typo from typo_input t left join typo_keys k using (unique_id)").to_arrow_table()
    con.close()
    return out


def neighbour_frequencies(con, table_name, col):
    """The chance that a record's `col` is one typo (Damerau–Levenshtein 1) from a name, per name of the base,
    as an Arrow table (`{col}_nb`, `tf_{col}_nb`): the one-typo level's u for that name (D73). Names
    one typo apart share a spelling with one letter deleted (the name itself, or one deletion each). The name
    itself is not counted; its partner in a pair one typo apart is, so the share is never 0 for such a pair."""
    # S608: the table's and the column's names are the sweep's own, no input.
    total = con.execute(f"select count(*) from {table_name}").fetchall()[0][0]  # noqa: S608
    return con.sql(f"""
        with v as (select {col} as name, count(*) as c from {table_name} where {col} is not null group by 1),
        d as (select name, c, name as del from v union all
              select name, c, substr(name, 1, i - 1) || substr(name, i + 1) from v, range(1, 64) r(i)
              where i <= length(name)),
        near as (select distinct a.name, b.name as other, b.c from d a join d b on a.del = b.del
                 and a.name <> b.name)
        select name as {col}_nb, sum(c) / {total} as tf_{col}_nb from near
        where damerau_levenshtein(name, other) = 1 group by 1""").to_arrow_table()  # noqa: S608


def estimate(linker):
    """The u probabilities (random sampling of pairs) on this data; the m probabilities and the prior stay."""
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)


def predict(table, threshold=THRESHOLD):
    """[(smaller id, larger id, probability)] of the pairs at or above the threshold."""
    if table.num_rows < 2:
        return []
    linker = _linker(table, settings_for(table))
    if table.num_rows >= MIN_PERSONS_TO_ESTIMATE:
        estimate(linker)
    result = linker.inference.predict(threshold_match_probability=threshold)
    data = result.as_dict()
    return [(min(a, b), max(a, b), p) for a, b, p in
            zip(data["unique_id_l"], data["unique_id_r"], data["match_probability"], strict=True)]


def run(threshold=THRESHOLD, queryset=None):
    """The sweep: predict, then store the new pairs and withdraw the proposed ones no longer found.
    Returns counts and timings (no personal content)."""
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
