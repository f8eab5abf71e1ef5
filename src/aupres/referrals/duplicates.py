"""Who may already be known: fuzzy duplicate candidates, and merging two records of one person.

PostgreSQL: pg_trgm word similarity on Person.search_text (alias, first and last names, accent-free)
through a GIN trigram index, OR the same phone (last 9 digits, expression index), ranked with the birth
year. SQLite: candidates narrowed by 3-letter word prefixes and phone digits, ranked by difflib.
Candidates are always searched within a scope (the persons the user may see): a search never reveals
a person the user could not open.
"""

import difflib
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, models, transaction
from django.db.models import BooleanField, F, FloatField, Func, Q, Value
from django.utils.translation import gettext as _

from aupres.core import access
from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.core.models import Compartment
from aupres.core.text import search_key
from aupres.persons.models import Person

MIN_SCORE = 0.45  # SQLite fallback: difflib ratio below which a name is not a candidate
PG_WORD_THRESHOLD = 0.6


@dataclass
class Candidate:
    person: Person
    score: float
    matched: list = field(default_factory=list)  # "name", "birth_year", "phone"


def phone_digits(phone):
    """The comparable part of a phone number: its last 9 digits (0612345678 = +33 6 12 34 56 78)."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-9:] if len(digits) >= 6 else ""


class _WordSimilar(Func):
    """key <% search_text: the query is word-similar to some extent of the names (GIN index)."""

    arg_joiner = " <%% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _PhoneDigits(Func):
    template = "right(regexp_replace(%(expressions)s, '[^0-9]', '', 'g'), 9)"
    output_field = models.CharField()


def find_candidates(*, alias="", first_name="", last_name="", birth_year=None, phone="", scope=None,
                    limit=10, exclude_ids=()):
    """Persons that may be the one described, best first. `scope`: a Person queryset (default: all)."""
    key = search_key(alias, first_name, last_name)
    digits = phone_digits(phone)
    if not key and not digits:
        return []
    qs = Person.objects.all() if scope is None else scope
    if exclude_ids:
        qs = qs.exclude(pk__in=list(exclude_ids))
    if connection.vendor == "postgresql":
        # Names and alias are matched separately: an alias must not dilute a close name, nor the reverse.
        keys = [k for k in (search_key(first_name, last_name), search_key(alias)) if k]
        return _pg_candidates(qs, keys, digits, birth_year, limit)
    return _portable_candidates(qs, key, digits, birth_year, limit)


def _pg_candidates(qs, keys, digits, birth_year, limit):
    condition = Q()
    for k in keys:
        condition |= Q(_WordSimilar(Value(k), F("search_text")))
    if digits:
        qs = qs.annotate(phone_key=_PhoneDigits(F("phone")))
        condition |= Q(phone_key=digits)
    sims = [Func(Value(k), F("search_text"), function="word_similarity", output_field=FloatField()) for k in keys]
    if len(sims) > 1:
        sim = Func(*sims, function="GREATEST", output_field=FloatField())
    else:
        sim = sims[0] if sims else Value(0.0, output_field=FloatField())
    key = " ".join(keys)
    with transaction.atomic():
        if keys:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL pg_trgm.word_similarity_threshold = %s", [PG_WORD_THRESHOLD])
        rows = list(qs.filter(condition).annotate(sim=sim).order_by("-sim", "pk")[: limit * 3])
    return _rank(rows, key, digits, birth_year, limit, lambda p: p.sim)


def _portable_candidates(qs, key, digits, birth_year, limit):
    narrow = Q()
    for word in key.split():
        if len(word) >= 3:
            narrow |= Q(search_text__contains=word[:3])
        elif word:
            narrow |= Q(search_text__contains=word)
    if digits:
        narrow |= Q(phone__contains=digits[-2:])
    rows = list(qs.filter(narrow)[:5000])
    return _rank(rows, key, digits, birth_year, limit, lambda p: _name_score(key, p.search_text))


def _name_score(key, text):
    if not key or not text:
        return 0.0
    whole = difflib.SequenceMatcher(None, key, text).ratio()
    # Each query word against its best word in the names: aliases and word order do not matter.
    words = text.split()
    per_word = [max(difflib.SequenceMatcher(None, w, t).ratio() for t in words) for w in key.split()]
    return max(whole, sum(per_word) / len(per_word))


def _rank(rows, key, digits, birth_year, limit, name_score):
    result = []
    for person in rows:
        matched, score = [], 0.0
        ns = name_score(person) if key else 0.0
        if key and ns >= (PG_WORD_THRESHOLD if connection.vendor == "postgresql" else MIN_SCORE):
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


@transaction.atomic
def merge_persons(user, keep, absorb):
    """Merge `absorb` into `keep`: every row pointing to `absorb` (follow-ups, notes, history, referrals,
    anything added later) now points to `keep`; empty identity fields of `keep` are filled from `absorb`;
    a MergeLog keeps the absorbed identity. The user must hold the administrative compartment on both."""
    from aupres.referrals.models import MergeLog

    if keep.pk == absorb.pk:
        raise DomainError(_("Choose two different persons."), field="absorb")
    for person in (keep, absorb):
        comps = access.compartments_on(user, person)
        if not comps:
            raise NotFound()
        if Compartment.ADMINISTRATIVE not in comps:
            raise Forbidden(access.COMPARTMENT_DENIED_MESSAGES[Compartment.ADMINISTRATIVE],
                            code="compartment_forbidden")
    keep = Person.objects.select_for_update().get(pk=keep.pk)
    absorb = Person.objects.select_for_update().get(pk=absorb.pk)
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
    if changed:
        keep.save(update_fields=[*changed, "updated_at"])
    MergeLog.objects.create(kept_person_id=keep.pk, absorbed_person_id=absorb.pk, absorbed_identity=snapshot,
                            moved=moved, merged_by=user)
    absorb.delete()
    access.forget(user)
    return keep
