"""Querysets compiled once per process, their values bound at each call (D77, issue #15).

Django builds and compiles a queryset anew at every call. The access model reads three at every request (the
user's memberships, the persons they reach, the grants on a page of persons): 4–6 ms of Python per request,
more than PostgreSQL takes to run them. A `PreparedQuery` builds its queryset once with sentinel values, compiles
it, and remembers where each value lands among the parameters; a call binds the request's values there and
sends the same SQL. The queryset stays the one written with the ORM (the rules are not written twice).

Only on PostgreSQL, where `any_of` passes a list as one parameter, so that the SQL text does not depend on the
values. Elsewhere (SQLite) each call builds and evaluates the queryset, as before.

The compilation is checked: the queryset is compiled with two sets of sentinels, and must give the same SQL,
each value at the same places, every other parameter the same constant; otherwise its structure depends on
the values, and preparing it is refused (ImproperlyConfigured) rather than risk binding a value in the wrong
place. `shape` arguments are the ones that change the structure (e.g. a compartment): one compilation each."""

import datetime
import threading

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections, router
from django.db.models.expressions import RawSQL

_BASE = -(2**62)  # no id, count or year of ours is this negative
_ORIGIN = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)


def _as_ids(values):
    return [int(v) for v in values]  # ids only, as any_of: anything else is a programming error


def _as_str(value):
    if not isinstance(value, str):
        raise TypeError(f"a text is expected, not {value!r}")
    return value


def _as_date(value):
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise TypeError(f"a date is expected, not {value!r}")
    return value


def _as_datetime(value):
    if not isinstance(value, datetime.datetime) or value.tzinfo is None:
        raise TypeError(f"an aware datetime is expected, not {value!r}")
    return value


# kind: (check/convert a value, the k-th sentinel of that kind)
KINDS = {
    "int": (int, lambda k: _BASE - k),
    "str": (_as_str, lambda k: f"\x00prepared-sentinel-{k}"),  # no text we store holds a null byte
    "ids": (_as_ids, lambda k: [_BASE - 1000 - k, _BASE - 2000 - k]),
    "date": (_as_date, lambda k: datetime.date(1, 1, 2) + datetime.timedelta(days=k)),
    "datetime": (_as_datetime, lambda k: _ORIGIN + datetime.timedelta(days=3, seconds=k)),
}


class PreparedQuery:
    """`build(*shape, **values)` returns a queryset (values_list for `rows`); `kinds` names each value's kind
    (KINDS). `rows()` and `subquery()` take the shape positionally and the values by name."""

    def __init__(self, build, **kinds):
        unknown = set(kinds.values()) - set(KINDS)
        if unknown:
            raise ImproperlyConfigured(f"unknown kinds {unknown}")
        self.build = build
        self.kinds = kinds
        self._compiled = {}
        self._lock = threading.Lock()
        self._model = None  # the queryset's model, for the router: known at the first call

    def _values(self, values):
        if set(values) != set(self.kinds):
            raise TypeError(f"values {sorted(values)} given, {sorted(self.kinds)} expected")
        return {name: KINDS[self.kinds[name]][0](value) for name, value in values.items()}

    def _sentinels(self, k):
        return {name: KINDS[kind][1](i + 10 * k) for i, (name, kind) in enumerate(sorted(self.kinds.items()))}

    def _compile(self, alias, shape):
        """(sql, slots, converters): slots[i] is a value's name, or ("const", parameter); converters as
        SQLCompiler.get_converters gives them, by column."""
        key = (alias, shape)
        compiled = self._compiled.get(key)
        if compiled is not None:
            return compiled
        runs = []
        for k in (1, 2):
            sentinels = self._sentinels(k)
            compiler = self.build(*shape, **sentinels).query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            runs.append((sql, params, sentinels))
        # The columns Django converts when it reads them (from_db_value, e.g. JSON): rows() converts them too.
        converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])
        (sql, params, first), (sql2, params2, second) = runs
        if sql != sql2 or len(params) != len(params2):
            raise ImproperlyConfigured(f"{self.build.__qualname__}: the SQL depends on the values")
        slots = []
        for param, param2 in zip(params, params2, strict=True):
            names = [name for name, sentinel in first.items() if param == sentinel]
            if names:
                if len(names) > 1 or param2 != second[names[0]]:
                    raise ImproperlyConfigured(f"{self.build.__qualname__}: a value does not keep its place")
                slots.append(names[0])
            elif param == param2:
                slots.append(("const", param))
            else:
                raise ImproperlyConfigured(f"{self.build.__qualname__}: a parameter changed with the values")
        with self._lock:
            self._compiled[key] = (sql, slots, converters)
        return sql, slots, converters

    def _prepared(self, alias, shape, values):
        """(sql, params, converters) on PostgreSQL, or None (build the queryset)."""
        if connections[alias].vendor != "postgresql":
            return None
        sql, slots, converters = self._compile(alias, shape)
        return sql, [values[s] if isinstance(s, str) else s[1] for s in slots], converters

    def _alias(self, shape):
        if self._model is None:
            self._model = self.build(*shape, **self._sentinels(0)).model
        return router.db_for_read(self._model)

    def rows(self, *shape, **values):
        """The rows (tuples) of the values_list queryset."""
        values = self._values(values)
        alias = self._alias(shape)
        prepared = self._prepared(alias, shape, values)
        if prepared is None:
            return list(self.build(*shape, **values))
        sql, params, converters = prepared
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = [list(row) for row in rows]
            for row in rows:
                for position, (functions, expression) in converters.items():
                    for function in functions:
                        row[position] = function(row[position], expression, connection)
            rows = [tuple(row) for row in rows]
        return rows

    def subquery(self, *shape, **values):
        """An expression for `field__in=`: the SQL as RawSQL on PostgreSQL, else the queryset itself."""
        values = self._values(values)
        alias = self._alias(shape)
        prepared = self._prepared(alias, shape, values)
        if prepared is None:
            return self.build(*shape, **values)
        return RawSQL(*prepared[:2])  # noqa: S611 — the ORM's own SQL, values as parameters

    def sql(self, *shape, **values):
        """(sql, params) as Django would compile the queryset with these values: for tests and EXPLAIN."""
        values = self._values(values)
        alias = self._alias(shape)
        prepared = self._prepared(alias, shape, values)
        return prepared[:2] if prepared else _compiled_now(self.build(*shape, **values), alias)


def _compiled_now(queryset, alias):
    try:
        return queryset.query.get_compiler(using=alias).as_sql()
    except EmptyResultSet:
        return None
