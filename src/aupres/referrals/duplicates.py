"""Who may already be known: duplicate candidates found however the name was written, and merging two
records of one person (issue #21; decisions D16 and D?? in docs/decisions.md).

The search has two steps:

1. candidates: a few small, index-driven lookups, each bounded by a LIMIT (PostgreSQL), on keys that
   Person.save() keeps (aupres.persons.names: `name_key`, the first and last names transliterated by
   unidecode; `name_tokens`, the phonetic keys of their words, alone and joined to the birth year):
   - the phonetic keys of every word given (accents, transliterations — Mohamed / Muhammad, Aïcha / Aisha —,
     swapped first and last names, a compound name partly given): one GIN lookup on the token array, and the
     same with the birth year ± 1 if given;
   - any one word's phonetic key born that year ± 1 (a second word too misspelt for anything else);
   - only when no record sounds alike (a typo that changes a sound: Diallp): the names by trigram word
     similarity on name_key (GIN (birth_year, name_key) with btree_gin), narrowed to the birth year ± 1
     inside the index with a lower threshold, or without a year, any one word's phonetic key;
   - the first names a nickname is said for (Momo → Mohamed), with the last name or the year;
   - the alias, exactly then by trigrams; the same phone (last 9 digits, expression index).
   SQLite: rows narrowed by keys, word prefixes and suffixes and phone digits (slow but correct on the
   small data it serves).
2. ranking, in Python and alike on both databases: each word given against the person's words (rapidfuzz's
   Damerau-Levenshtein similarity, phonetic keys equal, nickname, swapped fields, compound names), then the
   phone, the birth date or year and the sex, into one score; each candidate says why it is proposed
   (`reasons`: « même téléphone », « nom proche », « même année de naissance »…).

Candidates are always searched within a scope (the persons the user may see), and the phone and birth date,
which are administrative, are compared only on persons whose administrative compartment the user reads
(`private_scope`): a search never reveals a person, or a fact, the user could not open.
"""

import functools
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, models, transaction
from django.db.models import BooleanField, Case, F, FloatField, Func, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz.distance import DamerauLevenshtein

from aupres.audit.models import IDENTITY
from aupres.audit.services import record
from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound, stale_edit_error
from aupres.core.models import Compartment
from aupres.core.text import search_key
from aupres.encounters.models import Act, EncounterPerson
from aupres.followups.models import FollowUp
from aupres.persons import names as pnames
from aupres.persons.models import Person
from aupres.persons.services import person_view, visible_notes
from aupres.referrals.models import DuplicatePair, MergeLog
from aupres.referrals.services import visible_referrals

# A candidate is proposed from this name score (0–1) on, or on the same phone.
NAME_THRESHOLD = 0.7
# pg_trgm thresholds set locally in the search's transaction: they bound how many rows the GIN indexes
# hand over. Measured on 1 M persons (bench/referrals_duplicates.py).
PG_WORD_THRESHOLD = 0.55
PG_WORD_THRESHOLD_WITH_YEAR = 0.4
PG_SIMILARITY_THRESHOLD = 0.4
# Rows taken from the lookup of names one typo away before the birth year narrows it (a crowded name).
WIDE_LIMIT = 60
# Weight of the first name when a last name is given too (first names are far less selective).
FIRST_NAME_WEIGHT = 0.4
# A word one typo away, a word that sounds alike (plus a little of their edit similarity).
ONE_TYPO, SOUNDS_ALIKE = 0.9, 0.88
# Score parts (a name scores 0–1).
PHONE_SCORE = 1.0
SAME_YEAR, CLOSE_YEAR, OTHER_YEAR = 0.5, 0.25, -0.4
SAME_DATE, OTHER_DATE = 0.7, -0.3
OTHER_SEX = -0.3

REASONS = {
    "same_phone": gettext_lazy("same phone"),
    "same_name": gettext_lazy("same name"),
    "close_name": gettext_lazy("close name"),
    "swapped_names": gettext_lazy("first and last names swapped"),
    "nickname": gettext_lazy("nickname of the first name"),
    "same_alias": gettext_lazy("same alias"),
    "close_alias": gettext_lazy("close alias"),
    "same_birth_date": gettext_lazy("same birth date"),
    "swapped_birth_date": gettext_lazy("birth date with day and month swapped"),
    "close_birth_date": gettext_lazy("birth date one digit apart"),
    "same_birth_year": gettext_lazy("same birth year"),
    "close_birth_year": gettext_lazy("birth year one year apart"),
    "same_nationality": gettext_lazy("same nationality"),
}


@dataclass
class Candidate:
    person: Person
    score: float
    matched: list = field(default_factory=list)  # "name", "birth_year", "phone"
    reasons: list = field(default_factory=list)  # codes of REASONS, in order

    @property
    def why(self):
        """« nom proche, même année de naissance »."""
        return ", ".join(str(REASONS[r]) for r in self.reasons)

    def reasons_out(self):
        return [{"code": r, "message": str(REASONS[r])} for r in self.reasons]


def phone_digits(phone):
    """The comparable part of a phone number: its last 9 digits (0612345678 = +33 6 12 34 56 78)."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-9:] if len(digits) >= 6 else ""


# Trigram similarity, as pg_trgm computes it -----------------------------------------------------------

def _trigrams(text):
    grams = set()
    for word in re.findall(r"[^\W_]+", text):
        padded = f"  {word} "
        grams.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return grams


def similarity(a, b):
    """pg_trgm's similarity(): shared trigrams over all trigrams of both (accent- and case-free)."""
    ta, tb = _trigrams(search_key(a)), _trigrams(search_key(b))
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def word_similarity(query, text):
    """Close to pg_trgm's word_similarity(): how well the query matches some run of words of the text."""
    words, qwords = search_key(text).split(), search_key(query).split()
    if not words or not qwords:
        return 0.0
    n = len(qwords)
    best = 0.0
    for size in {max(1, n - 1), n, n + 1}:
        for i in range(max(1, len(words) - size + 1)):
            best = max(best, similarity(query, " ".join(words[i:i + size])))
    return best


# Name scores ------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)
def _phonetic(word):
    return pnames.phonetic(word)


def word_score(a, b):
    """0–1 between two normalised words: their edit similarity (a swap of two letters is one edit); at least
    0.9 for one typo in a word of four letters or more, and 0.88 when they sound alike (same phonetic key),
    each plus a little of the edit similarity, so that one typo ranks above a word that merely sounds alike
    (Zahbni: Zahbii before Zaban) and near spellings rank above far ones."""
    if a == b:
        return 1.0
    score = DamerauLevenshtein.normalized_similarity(a, b)
    if min(len(a), len(b)) >= 4 and DamerauLevenshtein.distance(a, b, score_cutoff=1) <= 1:
        return max(score, ONE_TYPO + 0.05 * score)
    key = _phonetic(a)
    if len(key) > 1 and key == _phonetic(b):
        score = max(score, SOUNDS_ALIKE + 0.05 * score)
    return score


def field_score(query_words, person_words):
    """0–1: each word given against the best of the person's words (a compound name partly given scores
    its given part), or the words joined (Ben Ali / Benali)."""
    if not query_words or not person_words:
        return 0.0
    each = sum(max(word_score(q, p) for p in person_words) for q in query_words) / len(query_words)
    return max(each, word_score("".join(query_words), "".join(person_words)))


def name_match(person, last="", first="", alias=""):
    """(score, reason codes) of the names given against the person's: the first and last names (0–1),
    plus a little for an alias that matches the person's alias or is a nickname of their first name (the
    alias alone scores 0–1)."""
    ql, qf, qa = pnames.words(last), pnames.words(first), pnames.words(alias)
    pl, pf, pa = pnames.words(person.last_name), pnames.words(person.first_name), pnames.words(person.alias)
    best, reasons = 0.0, []

    def first_score(words):
        score = field_score(words, pf)
        if words and pf and pnames.is_nickname_of(" ".join(words), " ".join(pf)):
            return max(score, 0.9), True
        return score, False

    if ql or qf:
        f, nick = first_score(qf)
        if ql and qf:
            straight = (1 - FIRST_NAME_WEIGHT) * field_score(ql, pl) + FIRST_NAME_WEIGHT * f
            swapped = 0.97 * ((1 - FIRST_NAME_WEIGHT) * field_score(ql, pf) + FIRST_NAME_WEIGHT * field_score(qf, pl))
        elif ql:
            straight, swapped = field_score(ql, pl), 0.9 * field_score(ql, pf)
        else:
            straight, swapped = f, 0.9 * field_score(qf, pl)
        if swapped > straight:
            best, reasons = swapped, ["swapped_names"]
        else:
            best = straight
            exact = (not ql or ql == pl) and (not qf or qf == pf)
            reasons = ["nickname" if nick and f < 1 else ("same_name" if exact else "close_name")]
    if qa:
        by_alias = word_similarity(alias, person.alias) if pa else 0.0
        f, nick = first_score(qa)
        by_first = 0.9 * f if (nick or f >= 0.9) else 0.0
        score = max(by_alias, by_first)
        if score >= NAME_THRESHOLD:
            reason = ("nickname" if nick else "close_name") if by_first > by_alias \
                else ("same_alias" if by_alias >= 0.99 else "close_alias")
            if best:
                best += 0.2 * score
                if reason not in reasons:
                    reasons.append(reason)
            else:
                best, reasons = score, [reason]
    return best, reasons


def name_score(person, last="", first="", alias=""):
    """0–1: how well the names given match the person's."""
    return name_match(person, last, first, alias)[0]


# Candidate lookups ------------------------------------------------------------------------------------

class _NameKey(Func):
    """aupres_name_key(x): lower case, accents removed (SQL function of migration referrals 0003)."""

    function = "aupres_name_key"
    output_field = models.TextField()


class _Op(Func):
    output_field = BooleanField()
    template = "(%(expressions)s)"


class _WordSimilar(_Op):
    arg_joiner = " <%% "  # a <% b: a is word-similar to some extent of b


class _Variants(Func):
    """aupres_name_variants(name_key): the deletion neighbourhood of the name's words (migration referrals 0008)."""

    function = "aupres_name_variants"
    output_field = models.TextField()


class _Tokens(Func):
    template = "string_to_array(%(expressions)s, ' ')"
    output_field = models.TextField()


class _Contains(_Op):
    arg_joiner = " @> "


class _Overlaps(_Op):
    arg_joiner = " && "


class _PhoneDigits(Func):
    template = "right(regexp_replace(%(expressions)s, '[^0-9]', '', 'g'), 9)"
    output_field = models.CharField()


def _array(values):
    return Func(*[Value(v) for v in values], template="ARRAY[%(expressions)s]::text[]",
                output_field=models.TextField())


def _sim(function, a, b):
    return Func(a, b, function=function, output_field=FloatField())


def _ids(qs, limit):
    return list(qs.values_list("pk", flat=True)[:limit])


@dataclass
class _Query:
    last: str
    first: str
    alias: str
    digits: str
    birth_year: int | None

    @property
    def names(self):
        return pnames.normalise(self.first, self.last)

    @property
    def word_keys(self):
        """The phonetic key of each word given in the first and last names."""
        return [k for k in dict.fromkeys(pnames.phonetic(w) for w in pnames.words(self.first, self.last)) if k]

    @property
    def all_keys(self):
        return pnames.name_keys(self.first, self.last)

    @property
    def nickname_keys(self):
        """Keys of the first names that the alias (or the first name) is a nickname of."""
        firsts = []
        for given in (self.alias, self.first):
            if given:
                firsts += pnames.first_names_of_nickname(given)
        return pnames.name_keys(*firsts) if firsts else []


def _field_variants(*names):
    """What a name given at intake may share with a person's name one typo away (names.variants): each word's
    variants, and the words joined (Ben Ali / Benali, Marie Claire / Marie-Claire) with theirs."""
    found = set()
    for name in names:
        ws = pnames.words(name)
        for w in ws:
            found.update(pnames.word_variants(w))
        if len(ws) > 1:
            found.update(pnames.word_variants("".join(ws)))
    return sorted(found)


def _nickname_firsts(q):
    """The first names (normalised) the alias, or the first name, is a nickname of."""
    firsts = []
    for given in (q.alias, q.first):
        if given:
            firsts += pnames.first_names_of_nickname(given)
    return list(dict.fromkeys(firsts))


def _pg_candidate_ids(qs, private_qs, q, limit):
    """Ids of a few likely persons, each lookup index-driven and bounded by `limit` (or WIDE_LIMIT)."""
    ids = []
    tokens = _Tokens(F("name_tokens"))
    variants = _Variants(F("name_key"))
    names = q.names
    year = q.birth_year
    wide = max(limit, WIDE_LIMIT)

    def ranked(found, rank_names=names, n=limit):
        """Most alike first (trigram similarity of the whole name); those born that very year first."""
        found = found.annotate(rank=_sim("similarity", Value(rank_names), F("name_key")))
        if year:
            found = found.annotate(other_year=Case(When(birth_year=year, then=Value(0)), default=Value(1)))
            return _ids(found.order_by("other_year", "-rank", "pk"), n)
        return _ids(found.order_by("-rank", "pk"), n)

    def near(*fields):
        return [_Overlaps(variants, _array(_field_variants(f))) for f in fields if pnames.words(f)]

    years = {"birth_year__range": (year - 1, year + 1)} if year else {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [PG_SIMILARITY_THRESHOLD])
        cursor.execute("SET LOCAL pg_trgm.word_similarity_threshold = %s", [PG_WORD_THRESHOLD])
        # 1. Each name given one typo (or none) from one of the person's words: the deletion neighbourhoods
        # (names.variants) meet; first and last names in either field (swapped), a compound name partly given.
        fields = near(q.first, q.last)
        ids_near = []
        if len(fields) > 1:
            ids_near = ranked(qs.filter(*fields), n=wide)
            if year and len(ids_near) >= wide:  # a crowded name: those born that year ± 1
                ids_near += ranked(qs.filter(*fields, **years), n=wide)
            if year:
                # The first name too misspelt for that (two typos, another name): the last name, born that
                # year ± 1.
                ids_near += ranked(qs.filter(fields[-1], **years))
        elif fields:
            ids_near = ranked(qs.filter(fields[0], **years), n=wide)
        ids += ids_near
        # 2. Every word sounds alike (transliterations: Mohamed / Muhammad, Aïcha / Aisha): the phonetic keys,
        # born that year ± 1 when it is given.
        keys = q.word_keys
        if keys:
            every = qs.filter(_Contains(tokens, _array(keys)))
            if year:
                ids += ranked(every.filter(_Overlaps(tokens, _array(pnames.year_tokens(keys, year)))))
                # Any one word that sounds alike, born that year ± 1 (a second word too misspelt).
                ids += ranked(qs.filter(_Overlaps(tokens, _array(pnames.year_tokens(q.all_keys, year)))))
            else:
                ids += ranked(every)
        # 3. A nickname (Momo → Mohamed, JB → Jean-Baptiste) with the last name (one typo or a sound away)
        # or the birth year.
        firsts = _nickname_firsts(q)
        if firsts and (q.last or year):
            first_words = sorted({w for f in firsts for w in [*f.split(), f.replace(" ", "")]})
            rank_names = pnames.normalise(firsts[0], q.last)
            found = qs.filter(_Overlaps(variants, _array(first_words)), *near(q.last), **years)
            ids += ranked(found, rank_names)
            nick = q.nickname_keys
            if q.last and year and nick:
                found = qs.filter(_Contains(tokens, _array(pnames.name_keys(q.last))),
                                  _Overlaps(tokens, _array(pnames.year_tokens(nick, year))))
                ids += ranked(found, rank_names)
        # 4. Neither: a word too misspelt (two typos or more), trigram similarity of the whole name.
        if names and not ids_near:
            ids += _ids(qs.filter(_WordSimilar(Value(names), F("name_key"))).annotate(
                rank=_sim("word_similarity", Value(names), F("name_key"))).order_by("-rank", "pk"), limit)
            if year:
                cursor.execute("SET LOCAL pg_trgm.word_similarity_threshold = %s", [PG_WORD_THRESHOLD_WITH_YEAR])
                ids += _ids(qs.filter(_WordSimilar(Value(names), F("name_key")),
                                      birth_year__range=(year - 1, year + 1)).annotate(
                    rank=_sim("word_similarity", Value(names), F("name_key"))).order_by("-rank", "pk"), limit)
                cursor.execute("SET LOCAL pg_trgm.word_similarity_threshold = %s", [PG_WORD_THRESHOLD])
        if q.alias:
            q_alias = _NameKey(Value(q.alias))
            with_alias = qs.exclude(alias="")
            exact = _ids(with_alias.annotate(alias_key=_NameKey(F("alias"))).filter(alias_key=q_alias), limit)
            ids += exact
            if len(exact) < limit:  # common aliases ("Le Grand") fill the list exactly; others need fuzz
                ids += _ids(with_alias.filter(_WordSimilar(q_alias, _NameKey(F("alias")))).annotate(
                    rank=_sim("word_similarity", q_alias, _NameKey(F("alias")))).order_by("-rank", "pk"), limit)
        if q.digits:
            ids += _ids(private_qs.annotate(phone_key=_PhoneDigits(F("phone"))).filter(phone_key=q.digits), limit)
    return ids


def _portable_candidate_ids(qs, private_qs, q):
    """SQLite (the small bases it serves): the same lookups as on PostgreSQL, names compared in Python over
    the scope's names (the deletion neighbourhoods, the phonetic keys, the nicknames), plus word prefixes
    and suffixes of the alias; slow on a large base but correct."""
    ids = []
    fields = [set(_field_variants(f)) for f in (q.first, q.last) if pnames.words(f)]
    keys = set(q.word_keys)
    firsts = _nickname_firsts(q)
    first_words = {w for f in firsts for w in [*f.split(), f.replace(" ", "")]}
    last = set(_field_variants(q.last)) if pnames.words(q.last) else set()
    year = q.birth_year
    for pk, name_key, tokens, birth_year in qs.values_list("pk", "name_key", "name_tokens", "birth_year") \
            .iterator(chunk_size=5000):
        if not name_key:
            continue
        mine = set(pnames.variants(name_key))
        near_year = bool(year and birth_year and abs(birth_year - year) <= 1)
        one_typo = bool(fields) and (all(mine & f for f in fields) or (near_year and bool(mine & fields[-1])))
        sounds = bool(keys) and keys <= set(tokens.split())
        nickname = bool(first_words & mine) and (bool(last & mine) if last else near_year)
        if one_typo or sounds or nickname:
            ids.append(pk)
    narrow = Q()
    # The alias, and when nothing above was found (a word too misspelt), the names: prefixes and suffixes.
    for word in pnames.words(q.alias, *([] if ids else [q.first, q.last])):
        narrow |= Q(search_text__contains=word[:3]) | Q(search_text__contains=word[-3:])
    if narrow:
        ids += list(qs.filter(narrow).values_list("pk", flat=True)[:5000])
    if q.digits:
        ids += list(private_qs.filter(phone__contains=q.digits[-2:]).values_list("pk", flat=True)[:5000])
    return ids


def find_candidates(*, alias="", first_name="", last_name="", birth_year=None, phone="", sex="",
                    birth_date=None, scope=None, private_scope=None, limit=10, exclude_ids=()):
    """Persons that may be the one described, best first. `scope`: a Person queryset (default: all);
    `private_scope`: those of it whose phone and birth date may be compared (default: the scope)."""
    last, first, alias = (" ".join((v or "").split()) for v in (last_name, first_name, alias))
    last, first, alias = (v if pnames.normalise(v) else "" for v in (last, first, alias))
    if birth_date and not birth_year:
        birth_year = birth_date.year
    q = _Query(last, first, alias, phone_digits(phone), birth_year)
    if not (last or first or alias or q.digits):
        return []
    qs = Person.objects.all() if scope is None else scope
    private_qs = qs if private_scope is None else private_scope
    if exclude_ids:
        qs = qs.exclude(pk__in=list(exclude_ids))
        private_qs = private_qs.exclude(pk__in=list(exclude_ids))
    if connection.vendor == "postgresql":
        ids = _pg_candidate_ids(qs, private_qs, q, max(limit * 3, 30))
    else:
        ids = _portable_candidate_ids(qs, private_qs, q)
    ids = set(ids)
    rows = list(Person.objects.filter(pk__in=ids))
    private = set(private_qs.filter(pk__in=ids).values_list("pk", flat=True)) if private_scope is not None \
        else ids
    return _rank(rows, private, q, sex, birth_date, limit)


def _rank(rows, private, q, sex, birth_date, limit):
    result = []
    for person in rows:
        matched, reasons, score = [], [], 0.0
        ns, name_reasons = name_match(person, q.last, q.first, q.alias)
        if ns >= NAME_THRESHOLD:
            matched.append("name")
            reasons += name_reasons
            score += ns
        sees_private = person.pk in private
        if q.digits and sees_private and phone_digits(person.phone) == q.digits:
            matched.append("phone")
            reasons.insert(0, "same_phone")
            score += PHONE_SCORE
        if not matched:
            continue
        if birth_date and sees_private and person.birth_date:
            if person.birth_date == birth_date:
                matched.append("birth_year")
                reasons.append("same_birth_date")
                score += SAME_DATE
            else:
                score += OTHER_DATE
        elif q.birth_year and person.birth_year:
            if person.birth_year == q.birth_year:
                matched.append("birth_year")
                reasons.append("same_birth_year")
                score += SAME_YEAR
            elif abs(person.birth_year - q.birth_year) == 1:
                matched.append("birth_year")
                reasons.append("close_birth_year")
                score += CLOSE_YEAR
            else:
                score += OTHER_YEAR
        if sex in ("female", "male") and person.sex in ("female", "male") and sex != person.sex:
            score += OTHER_SEX
        result.append(Candidate(person, round(score, 3), matched, reasons))
    result.sort(key=lambda c: (-c.score, c.person.pk))
    return result[:limit]


def candidates_for(user, values, exclude_ids=()):
    """Duplicate candidates among the persons the user may see; the phone and birth date are compared only
    where the user reads the administrative compartment. The candidates are journaled as listed."""
    found = find_candidates(
        alias=values.get("alias") or "", first_name=values.get("first_name") or "",
        last_name=values.get("last_name") or "", birth_year=values.get("birth_year"),
        phone=values.get("phone") or "", sex=values.get("sex") or "", birth_date=values.get("birth_date"),
        scope=access.visible_persons(user),
        private_scope=access.visible_persons(user, compartment=Compartment.ADMINISTRATIVE),
        exclude_ids=exclude_ids)
    record(user, [c.person for c in found], "list", {IDENTITY})
    return found


def merge_candidates(user, person, values=None, limit=10):
    """The records that may be the same person as `person` (by their identity, or by `values` typed),
    among those whose administrative compartment the user holds; journaled as listed."""
    values = values or {}
    found = find_candidates(
        alias=values.get("alias") or "", first_name=values.get("first_name") or "",
        last_name=values.get("last_name") or "", birth_year=values.get("birth_year"),
        phone=values.get("phone") or "", exclude_ids=[person.pk],
        scope=access.visible_persons(user, compartment=Compartment.ADMINISTRATIVE), limit=limit)
    record(user, [c.person for c in found], "list", {IDENTITY})
    return found


def pair_reasons(first, second):
    """The reason codes of two records taken for one person (the sweep's pairs), as at intake."""
    _score, reasons = name_match(second, first.last_name, first.first_name, "" if first.first_name else first.alias)
    codes = list(reasons) if _score >= NAME_THRESHOLD else []
    digits = phone_digits(first.phone)
    if digits and digits == phone_digits(second.phone):
        codes.insert(0, "same_phone")
    date = birth_date_match(first.birth_date, second.birth_date)
    if date:
        codes.append(date)
    elif first.birth_year and second.birth_year:
        if first.birth_year == second.birth_year:
            codes.append("same_birth_year")
        elif abs(first.birth_year - second.birth_year) == 1:
            codes.append("close_birth_year")
    if nationality_key(first.nationality) and nationality_key(first.nationality) == nationality_key(
            second.nationality):
        codes.append("same_nationality")
    return codes


def birth_date_match(first, second):
    """The reason code of two full birth dates alike, as the sweep's levels tell them: the same; day and month
    swapped (a date read the other way); one digit off (DDMMYYYY, or two neighbours swapped); else None."""
    if not (first and second):
        return None
    if first == second:
        return "same_birth_date"
    if (first.year, first.month, first.day) == (second.year, second.day, second.month):
        return "swapped_birth_date"
    if DamerauLevenshtein.distance(first.isoformat(), second.isoformat()) == 1:
        return "close_birth_date"
    return None


@functools.lru_cache(maxsize=1000)
def nationality_key(value):
    """Nationality as two teams write it (free text), made comparable: transliterated, letters only, its first
    four letters (« Mali » and « malienne », « France » and « française », « Sénégal » and « sénégalaise »)."""
    letters = "".join(c for c in pnames.normalise(value or "") if c.isalpha())
    return letters[:4] or None


# Review queue of the sweep's pairs (heads of service) ------------------------------------------------------

def _reviewer_scope(user):
    """The persons whose pairs the user reviews: a head of service sees a pair when they see both records
    with the administrative compartment (the access model decides); nobody else reviews."""
    if not access.is_head_of_service(user):
        raise NotFound()
    return access.visible_persons(user, compartment=Compartment.ADMINISTRATIVE)


def review_queue(user):
    """The proposed pairs the user may review, most probable first: [(pair, first person, second person)]."""
    scope = _reviewer_scope(user).values("pk")
    pairs = list(DuplicatePair.objects.filter(state=DuplicatePair.State.PROPOSED, first_person_id__in=scope,
                                              second_person_id__in=scope)[:200])
    people = Person.objects.in_bulk({i for p in pairs for i in (p.first_person_id, p.second_person_id)})
    rows = [(p, people[p.first_person_id], people[p.second_person_id]) for p in pairs
            if p.first_person_id in people and p.second_person_id in people]
    record(user, [person.pk for _pair, a, b in rows for person in (a, b)], "list", {IDENTITY})
    return rows


def get_pair(user, pair_id):
    """A pair the user may review, or NotFound (also when it exists but one record is not visible)."""
    scope = _reviewer_scope(user).values("pk")
    pair = DuplicatePair.objects.filter(pk=pair_id, first_person_id__in=scope, second_person_id__in=scope).first()
    if pair is None:
        raise NotFound()
    return pair


def mark_different(user, pair_id):
    """« Personnes différentes »: remembered, the sweep never proposes the pair again. Idempotent."""
    pair = get_pair(user, pair_id)
    if pair.state != DuplicatePair.State.DIFFERENT:
        DuplicatePair.objects.filter(pk=pair.pk).update(state=DuplicatePair.State.DIFFERENT, decided_by=user,
                                                        decided_at=timezone.now())
        pair.refresh_from_db()
    record(user, [pair.first_person_id, pair.second_person_id], "update", {IDENTITY})
    return pair


def _rewrite_pairs_on_merge(keep, absorb):
    """A merge ends the absorbed record's pairs; what was said of it (« différentes ») holds for the kept one."""
    theirs = DuplicatePair.objects.filter(Q(first_person_id=absorb.pk) | Q(second_person_id=absorb.pk))
    for pair in theirs.filter(state=DuplicatePair.State.DIFFERENT):
        other = pair.second_person_id if pair.first_person_id == absorb.pk else pair.first_person_id
        if other == keep.pk:
            continue
        a, b = sorted((keep.pk, other))
        DuplicatePair.objects.update_or_create(
            first_person_id=a, second_person_id=b,
            defaults={"state": DuplicatePair.State.DIFFERENT, "decided_by_id": pair.decided_by_id,
                      "decided_at": pair.decided_at},
            create_defaults={"state": DuplicatePair.State.DIFFERENT, "probability": pair.probability,
                             "reasons": [], "found_at": pair.found_at, "decided_by_id": pair.decided_by_id,
                             "decided_at": pair.decided_at})
    theirs.delete()


# Merge -------------------------------------------------------------------------------------------

def _relations():
    """Every relation pointing to Person, found generically so that future models are covered."""
    return [rel for rel in Person._meta.get_fields(include_hidden=True)
            if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one or rel.many_to_many)]


def _merge_one_to_one(model, field_name, keep, absorb, moved):
    kept = model._base_manager.filter(**{field_name: keep}).first()
    other = model._base_manager.filter(**{field_name: absorb}).first()
    if other is None:
        return
    if kept is None:
        model._base_manager.filter(pk=other.pk).update(**{field_name: keep})
    else:
        # Both have one: keep the union, texts side by side, so that nothing written is lost.
        updates = {}
        for f in model._meta.concrete_fields:
            if f.primary_key or f.name == field_name or f.name == "version" or getattr(f, "auto_now", False):
                continue
            mine, theirs = getattr(kept, f.attname), getattr(other, f.attname)
            if theirs in (None, "") or mine == theirs:
                continue
            if mine in (None, ""):
                updates[f.attname] = theirs
            elif isinstance(f, models.TextField | models.CharField):
                joined = f"{mine}\n{theirs}" if isinstance(f, models.TextField) else f"{mine} / {theirs}"
                if f.max_length is None or len(joined) <= f.max_length:
                    updates[f.attname] = joined
        if updates:
            model._base_manager.filter(pk=kept.pk).update(**updates)
        model._base_manager.filter(pk=other.pk).delete()
    moved[model._meta.label] = moved.get(model._meta.label, 0) + 1


def check_merge(user, first, second):
    """Refuse a merge the user may not make: the same person twice (DomainError), a person the user does
    not see (NotFound), or one on which the user does not hold the administrative compartment through a
    team following the person (Forbidden: consent to sharing or emergency access only let read)."""
    if first.pk == second.pk:
        raise DomainError(_("Choose two different persons."), field="absorb", code="same_person")
    for person in (first, second):
        if not access.compartments_on(user, person):
            raise NotFound()
    for person in (first, second):
        if Compartment.ADMINISTRATIVE not in access.writable_compartments_on(user, person):
            raise Forbidden(_("Merging needs the administrative compartment of both persons, through a team "
                              "that follows each of them."), code="compartment_forbidden")


@transaction.atomic
def merge_persons(user, keep, absorb, versions=None):
    """Merge `absorb` into `keep`: every row pointing to `absorb` (follow-ups, notes, history, referrals,
    anything added later) now points to `keep`; empty identity fields of `keep` are filled from `absorb`;
    a MergeLog keeps the absorbed identity. The user must hold the administrative compartment on both
    (check_merge). `versions` ({person id: version} as the user read them, from a screen): refused as a
    stale edit when either record changed since."""

    check_merge(user, keep, absorb)
    keep = Person.objects.select_for_update().filter(pk=keep.pk).first()
    absorb = Person.objects.select_for_update().filter(pk=absorb.pk).first()
    if keep is None or absorb is None:
        raise stale_edit_error()  # merged or deleted meanwhile
    for person in (keep, absorb):
        if versions is not None and versions.get(person.pk) != person.version:
            raise stale_edit_error()
    snapshot = {f.attname: (str(v) if v is not None else None) for f in Person._meta.concrete_fields
                for v in [getattr(absorb, f.attname)]}
    _rewrite_pairs_on_merge(keep, absorb)
    moved = {}
    for rel in _relations():
        model = rel.related_model
        if rel.many_to_many:
            through = rel.through if hasattr(rel, "through") else rel.field.remote_field.through
            fk = next(f for f in through._meta.concrete_fields
                      if f.is_relation and f.related_model is Person)
            count = through._base_manager.filter(**{fk.name: absorb}).update(**{fk.name: keep})
        elif rel.one_to_one:
            _merge_one_to_one(model, rel.field.name, keep, absorb, moved)
            continue
        else:
            try:
                with transaction.atomic():
                    count = model._base_manager.filter(**{rel.field.name: absorb}).update(**{rel.field.name: keep})
            except IntegrityError:
                raise DomainError(
                    _("Both records have a current %(what)s that cannot be held twice (for example an open "
                      "follow-up in the same service, or the same household): close one, then merge.")
                    % {"what": model._meta.verbose_name}, code="merge_conflict") from None
        if count:
            moved[model._meta.label] = moved.get(model._meta.label, 0) + count
    changed = []
    for name in ("alias", "first_name", "last_name", "birth_year", "birth_date", "birth_place", "nationality",
                 "phone", "languages", "on_street_since", "estimated_age", "estimated_on"):
        if getattr(keep, name) in (None, "") and getattr(absorb, name) not in (None, ""):
            setattr(keep, name, getattr(absorb, name))
            changed.append(name)
    if keep.sex == "unknown" and absorb.sex != "unknown":
        keep.sex = absorb.sex
        changed.append("sex")
    # A new version, so that a form opened on the kept record before the merge is refused as stale.
    keep.version += 1
    keep.save(update_fields=[*changed, "version", "updated_at"])
    MergeLog.objects.create(kept_person_id=keep.pk, absorbed_person_id=absorb.pk, absorbed_identity=snapshot,
                            moved=moved, merged_by=user)
    absorb_id = absorb.pk
    absorb.delete()
    access.forget(user)
    # Every record of the absorbed person, in every compartment, now belongs to the one kept.
    record(user, [keep.pk, absorb_id], "update", {IDENTITY, *Compartment.values})
    return keep


# Merge screen: what each record holds ------------------------------------------------------------------

@dataclass
class FollowUpLine:
    service: str  # "" for a service with a confidential location that is not the user's
    opened_on: object
    closed_on: object = None
    state: str = ""  # only for the user's own services (D8)


@dataclass
class MergeSide:
    person: Person
    followups: list
    counts: dict  # label -> count, of what the user may read


def merge_side(user, person):
    """What the merge screen shows of one record: identity, follow-ups by service (the user's services
    with their state; other services as "followed by … since …", a confidential one unnamed — D8), and
    counts of the records the user may read (encounters, acts, referrals, notes, living situations,
    rights). Counts only, never content. `person` comes from access.get_visible_person."""

    mine = set(access.service_ids(user))
    followups = []
    for f in FollowUp.objects.filter(person=person).select_related("service").order_by("opened_on", "pk"):
        if f.service_id in mine:
            followups.append(FollowUpLine(f.service.name, f.opened_on, f.closed_on, f.get_state_display()))
        else:
            name = "" if f.service.confidential_location else f.service.name
            followups.append(FollowUpLine(name, f.opened_on, f.closed_on))
    readable = access.readable_services(user, person)
    social = [sid for sid, comps in readable.items() if Compartment.SOCIAL in comps]
    acts = Q(pk__in=[])
    for sid, comps in readable.items():
        acts |= Q(encounter__service_id=sid, compartment__in=list(comps))
    comps = person.compartments
    counts = {
        _("Encounters"): EncounterPerson.objects.filter(person=person, service_id__in=social)
        .values("encounter_id").distinct().count(),
        _("Acts"): Act.objects.filter(acts, person=person).count(),
        _("Referrals"): visible_referrals(user).filter(person=person).count(),
        _("Notes"): visible_notes(user, person).count(),
    }
    if Compartment.SOCIAL in comps:
        counts[_("Living situations")] = person.living_situations.count()
    if Compartment.ADMINISTRATIVE in comps:
        counts[_("Rights")] = person.rights.count()
    record(user, person, "read", {IDENTITY, *(comps & {Compartment.ADMINISTRATIVE, Compartment.SOCIAL})})
    return MergeSide(person, followups, counts)


MERGE_FIELDS = ("alias", "first_name", "last_name", "sex", "birth_year", "estimated_age", "birth_date",
                "birth_place", "nationality", "administrative_situation", "phone", "languages", "on_street_since")


def identity_rows(user, first, second):
    """[(label, value of first, value of second, differ)] over the identity fields and those of the
    compartments both read models hold (persons.services.person_view, D62: a section the user does not read
    on either record is absent, and so is its row)."""
    views = [person_view(user, person, records=False) for person in (first, second)]
    rows = []
    for name in MERGE_FIELDS:
        compartment = Person.COMPARTMENT_OF_FIELD.get(name)
        section = "identity" if compartment is None else str(compartment)
        if not all(section in view for view in views):
            continue
        field_ = Person._meta.get_field(name)
        key = f"{name}_label" if field_.choices else name
        values = ["" if view[section][key] is None else view[section][key] for view in views]
        rows.append((field_.verbose_name, values[0], values[1], values[0] != values[1]))
    return rows
