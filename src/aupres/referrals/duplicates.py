"""Who may already be known: fuzzy duplicate candidates, and merging two records of one person.

The search works field by field — last name, alias, first name and phone are compared with their own
kind (an alias must not dilute a close name, nor the reverse) — in two steps:

1. candidates: a few small, index-driven lookups, each bounded by a LIMIT (PostgreSQL) — the first
   and last names together by word similarity on search_text (`<%`, GIN trigram index); the alias,
   exactly (B-tree) then, if that is not enough, by word similarity (partial GIN index on its key); the
   exact first name (or a one-word alias) with the birth year ± 1 (B-tree on (aupres_name_key(first_name),
   birth_year)), which catches a last name too misspelt for trigrams; the same phone (last 9 digits,
   expression index). aupres_name_key is an immutable SQL function (lower case, accents removed)
   created by migration 0003, so that the indexes and the queries normalise names alike. SQLite: rows
   narrowed by word prefixes and suffixes and phone digits (slow but correct on the small data it serves).
2. ranking, in Python and alike on both databases: trigram similarity (as pg_trgm computes it) of each
   field given, the phone, then the birth year.

Candidates are always searched within a scope (the persons the user may see): a search never reveals
a person the user could not open.
"""

import re
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, models, transaction
from django.db.models import BooleanField, F, FloatField, Func, Q, Value
from django.utils.translation import gettext as _

from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound, stale_edit_error
from aupres.core.models import Compartment
from aupres.core.text import search_key
from aupres.encounters.models import Act, EncounterPerson
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.persons.services import visible_notes
from aupres.referrals.models import MergeLog
from aupres.referrals.services import visible_referrals

# A name "matches" from this combined score (0–1) on. Trigram similarity: one typo in a 6-letter name
# gives about 0.55, an unrelated name of the same length below 0.2.
NAME_THRESHOLD = 0.4
# pg_trgm thresholds set locally in the search's transaction: they bound how many rows the GIN indexes
# hand over (and PostgreSQL rechecks); a higher one is faster but misses worse typos, which the exact
# first-name + birth-year lookup then catches. Measured on 1 M persons (bench/referrals_duplicates.py).
PG_SIMILARITY_THRESHOLD = 0.4
PG_WORD_THRESHOLD = 0.6
# Weight of the first name when a last name is given too (first names are far less selective).
FIRST_NAME_WEIGHT = 0.3


@dataclass
class Candidate:
    person: Person
    score: float
    matched: list = field(default_factory=list)  # "name", "birth_year", "phone"


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


def name_score(person, last="", first="", alias=""):
    """0–1: how well the names given match the person's, each field against its own kind."""
    scores = []
    if last:
        s_last = max(similarity(last, person.last_name), 0.9 * similarity(last, person.first_name))
        if first:
            s_first = similarity(first, person.first_name)
            s_last = (1 - FIRST_NAME_WEIGHT) * s_last + FIRST_NAME_WEIGHT * s_first
        scores.append(s_last)
    elif first:
        scores.append(max(similarity(first, person.first_name), 0.9 * word_similarity(first, person.alias)))
    if alias:
        scores.append(max(word_similarity(alias, person.alias), 0.9 * similarity(alias, person.first_name)))
    return max(scores, default=0.0)


# Candidate lookups ------------------------------------------------------------------------------------

class _NameKey(Func):
    """aupres_name_key(x): lower case, accents removed (SQL function of migration referrals 0003)."""

    function = "aupres_name_key"
    output_field = models.TextField()


class _Op(Func):
    output_field = BooleanField()
    template = "(%(expressions)s)"


class _Similar(_Op):
    arg_joiner = " %% "  # a %% b: trigram similarity above pg_trgm.similarity_threshold


class _WordSimilar(_Op):
    arg_joiner = " <%% "  # a <% b: a is word-similar to some extent of b


class _PhoneDigits(Func):
    template = "right(regexp_replace(%(expressions)s, '[^0-9]', '', 'g'), 9)"
    output_field = models.CharField()


def _sim(function, a, b):
    return Func(a, b, function=function, output_field=FloatField())


def _ids(qs, limit):
    return list(qs.values_list("pk", flat=True)[:limit])


def _pg_candidate_ids(qs, last, first, alias, digits, birth_year, limit):
    """Ids of a few likely persons, each lookup index-driven and bounded by `limit`."""
    ids = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [PG_SIMILARITY_THRESHOLD])
        cursor.execute("SET LOCAL pg_trgm.word_similarity_threshold = %s", [PG_WORD_THRESHOLD])
        names = search_key(first, last)
        if names:
            # The names together, on the trigram index of search_text: most of the query's trigrams must be
            # found, which keeps the thousands of bearers of a common first or last name out of the answer
            # (a lower threshold lets them all through and costs ten times more).
            ids += _ids(qs.filter(_WordSimilar(Value(names), F("search_text"))).annotate(
                rank=_sim("word_similarity", Value(names), F("search_text"))).order_by("-rank", "pk"), limit)
        if alias:
            q_alias = _NameKey(Value(alias))
            with_alias = qs.exclude(alias="")
            exact = _ids(with_alias.annotate(alias_key=_NameKey(F("alias"))).filter(alias_key=q_alias), limit)
            ids += exact
            if len(exact) < limit:  # common aliases ("Le Grand") fill the list exactly; others need fuzz
                ids += _ids(with_alias.filter(_WordSimilar(q_alias, _NameKey(F("alias")))).annotate(
                    rank=_sim("word_similarity", q_alias, _NameKey(F("alias")))).order_by("-rank", "pk"), limit)
        for given in {n for n in (first, alias) if n and len(n.split()) == 1}:
            # The exact first name (or an alias that is one) with the birth year: catches a last name too
            # misspelt for trigrams (Keita / Kieta).
            exact = qs.annotate(first_key=_NameKey(F("first_name"))).filter(first_key=_NameKey(Value(given)))
            if birth_year:
                exact = exact.filter(birth_year__range=(birth_year - 1, birth_year + 1))
            ids += _ids(exact, limit)
        if digits:
            ids += _ids(qs.annotate(phone_key=_PhoneDigits(F("phone"))).filter(phone_key=digits), limit)
    return ids


def _portable_candidate_ids(qs, last, first, alias, digits):
    narrow = Q()
    for word in search_key(last, first, alias).split():
        narrow |= Q(search_text__contains=word[:3]) | Q(search_text__contains=word[-3:])
    if digits:
        narrow |= Q(phone__contains=digits[-2:])
    return list(qs.filter(narrow).values_list("pk", flat=True)[:5000])


def find_candidates(*, alias="", first_name="", last_name="", birth_year=None, phone="", scope=None,
                    limit=10, exclude_ids=()):
    """Persons that may be the one described, best first. `scope`: a Person queryset (default: all)."""
    last, first, alias = (" ".join((v or "").split()) for v in (last_name, first_name, alias))
    if not search_key(last):
        last = ""
    if not search_key(first):
        first = ""
    if not search_key(alias):
        alias = ""
    digits = phone_digits(phone)
    if not (last or first or alias or digits):
        return []
    qs = Person.objects.all() if scope is None else scope
    if exclude_ids:
        qs = qs.exclude(pk__in=list(exclude_ids))
    if connection.vendor == "postgresql":
        ids = _pg_candidate_ids(qs, last, first, alias, digits, birth_year, limit * 3)
    else:
        ids = _portable_candidate_ids(qs, last, first, alias, digits)
    rows = Person.objects.filter(pk__in=set(ids))
    return _rank(rows, last, first, alias, digits, birth_year, limit)


def _rank(rows, last, first, alias, digits, birth_year, limit):
    result = []
    for person in rows:
        matched, score = [], 0.0
        ns = name_score(person, last, first, alias)
        if ns >= NAME_THRESHOLD:
            matched.append("name")
            score += ns
        if digits and phone_digits(person.phone) == digits:
            matched.append("phone")
            score += 1.0
        if not matched:
            continue
        if birth_year and person.birth_year:
            if abs(person.birth_year - birth_year) <= 1:
                matched.append("birth_year")
                score += 0.5 if person.birth_year == birth_year else 0.25
            else:
                score -= 0.3
        result.append(Candidate(person, round(score, 3), matched))
    result.sort(key=lambda c: (-c.score, c.person.pk))
    return result[:limit]


def candidates_for(user, values, exclude_ids=()):
    """Duplicate candidates among the persons the user may see."""
    return find_candidates(
        alias=values.get("alias", ""), first_name=values.get("first_name", ""),
        last_name=values.get("last_name", ""), birth_year=values.get("birth_year"),
        phone=values.get("phone", ""), scope=access.visible_persons(user), exclude_ids=exclude_ids)


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
    absorb.delete()
    access.forget(user)
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
    return MergeSide(person, followups, counts)


MERGE_FIELDS = ("alias", "first_name", "last_name", "sex", "birth_year", "estimated_age", "birth_date",
                "birth_place", "nationality", "administrative_situation", "phone", "languages", "on_street_since")


def identity_rows(first, second):
    """[(label, value of first, value of second, differ)] over the identity fields and those of the
    compartments the user reads on both records (`.compartments` from access.get_visible_person)."""
    rows = []
    for name in MERGE_FIELDS:
        compartment = Person.COMPARTMENT_OF_FIELD.get(name)
        if compartment is not None and not (compartment in first.compartments and compartment in second.compartments):
            continue
        field_ = Person._meta.get_field(name)
        values = []
        for person in (first, second):
            value = getattr(person, name)
            if field_.choices:
                value = getattr(person, f"get_{name}_display")()
            values.append("" if value is None else value)
        rows.append((field_.verbose_name, values[0], values[1], values[0] != values[1]))
    return rows
