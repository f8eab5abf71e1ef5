# ruff: noqa: S603, S607, S608 — fixed commands (psql, createdb) and generated SQL, no outside input
"""Benchmark: duplicate search at intake, recall per kind of query and speed, on realistic names (issue #21).

    .venv/bin/python bench/referrals_duplicates.py [--persons 1000000] [--per-kind 150] [--keep] [--reuse]
        [--names real|old]   # real (default, D65): names-dataset's ranked names, pip install -e ".[bench]"
        [--old-code /tmp/old_duplicates.py]   # also measures another version of duplicates.py on the same data

1. creates its own database (aupres_bench_referrals), runs Django's migrations on it (pg_trgm, btree_gin and
   the duplicate-search indexes), drops those indexes while loading;
2. generates N persons in Python (bench/_names.py: French, West African, Maghrebi and Romanian names with
   accents, compound names, a long tail of rare last names, aliases, years, phones) plus 2 % planted
   duplicates (a second record of a person, written otherwise: the sweep's ground truth, table bench_dup),
   computes each row's keys as Person.save() does, loads them by COPY, rebuilds the indexes; each record gets
   one follow-up by a service covering the département it was written in (D70);
3. for each kind of intake query (one typo in each name, with or without the year, last name only,
   phone, transliteration, swapped names, missing accents, part of a compound name, nickname), builds
   `--per-kind` queries from real rows and counts whether the source row is in the top 10 of
   aupres.referrals.duplicates.find_candidates (the ORM code path of the product): one line per kind
   `recall@10 <kind> n=<n> <pct> %`; p50 / p95 over all queries;
4. runs the shape of /work/shared/anchors/q/d1_trgm_search.sql (similarity on last_name, `%`, top 10, its
   own GIN index) on the same data in the same run, and prints the ratio;
5. drops the database (unless --keep).

Not a test: numbers depend on the machine. Targets: recall@10 ≥ 95 % for the kinds with a name and a
year, ≥ 90 % for a misspelt full name without year, 100 % with the phone; p95 < 100 ms.
"""

import argparse
import importlib.util
import io
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))
from _data import not_null_fill  # noqa: E402
from _names import Generator, planted, query_kinds  # noqa: E402
from _sweep import best_recall  # noqa: E402

from aupres.persons import names  # noqa: E402

DB = os.environ.get("AUPRES_BENCH_DB", "aupres_bench_referrals")
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
YEAR_KINDS = {"full_typo_year", "first_last_typo_year", "last_typo_year", "translit_year", "swapped_year",
              "no_accents_year", "compound_part_year", "nickname_year"}


def psql(sql, db=DB):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
                   check=True)


def setup_django():
    os.environ["AUPRES_DATABASE_URL"] = URL
    os.environ.setdefault("AUPRES_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aupres.settings")
    import django

    django.setup()


def _index_modules():
    from importlib import import_module

    return [import_module("aupres.referrals.migrations.0002_person_trigram_index"),
            import_module("aupres.referrals.migrations.0003_name_key_indexes"),
            import_module("aupres.referrals.migrations.0005_name_tokens_indexes"),
            import_module("aupres.referrals.migrations.0008_name_variants_index")]


def build(persons, seed, dup_share, names_kind="real"):
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    env = {**os.environ, "AUPRES_DATABASE_URL": URL, "AUPRES_DEV": "1"}
    t = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "migrate", "--skip-checks", "-v", "0"], cwd=ROOT, env=env, check=True)
    print(f"migrate: {time.perf_counter() - t:.1f} s")
    setup_django()
    from django.db import connection

    from aupres.persons.models import Person

    mods = _index_modules()
    for sql in mods[0].BACKWARD + mods[1].DROP_INDEXES + mods[2].DROP_INDEXES + mods[3].DROP_INDEXES:
        psql(sql)
    t = time.perf_counter()
    rows, pairs = planted(names_kind, seed, persons, dup_share)
    dups = [(d, o) for o, d in pairs]
    print(f"generate {len(rows)} persons ({len(dups)} planted duplicates), names {names_kind}: "
          f"{time.perf_counter() - t:.1f} s")
    lasts = Counter(names.normalise("", p["last_name"]) for p in rows[:persons] if p["last_name"])
    fulls = Counter(names.normalise(p["first_name"], p["last_name"]) for p in rows[:persons] if p["last_name"])
    named = sum(lasts.values())
    top, top_n = lasts.most_common(1)[0]
    print(f"names: {len(lasts)} distinct last names, the commonest ({top}) {100 * top_n / named:.2f} %, last names "
          f"borne by one person {100 * sum(1 for v in lasts.values() if v == 1) / named:.1f} %; full names borne by "
          f"more than 10 persons: {100 * sum(v for v in fulls.values() if v > 10) / named:.1f} % of persons")
    t = time.perf_counter()
    buf = io.StringIO()
    for i, p in enumerate(rows, start=1):
        keys = Person.keys_of(p["alias"], p["first_name"], p["last_name"], p["birth_year"])
        year = "\\N" if p["birth_year"] is None else str(p["birth_year"])
        date = "\\N" if p.get("birth_date") is None else p["birth_date"].isoformat()
        buf.write("\t".join([str(i), "1", p["alias"], p["first_name"], p["last_name"], p["sex"], year, date, "",
                             p.get("nationality", ""), "unknown", p["phone"], "", keys["search_text"],
                             keys["name_key"], keys["name_tokens"], "2026-01-01 00:00:00+00",
                             "2026-01-01 00:00:00+00"]) + "\n")
    cols = ("id, version, alias, first_name, last_name, sex, birth_year, birth_date, birth_place, nationality, "
            "administrative_situation, phone, languages, search_text, name_key, name_tokens, created_at, updated_at")
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        with cursor.copy(f"COPY persons_person ({cols}) FROM STDIN") as copy:
            copy.write(buf.getvalue())
        cursor.execute("SELECT setval(pg_get_serial_sequence('persons_person', 'id'), %s)", [len(rows)])
        # Where each record was written (D70): one follow-up by the service of its département.
        service_of = _services_by_departement()
        cursor.execute("CREATE TEMP TABLE bench_followed (person_id bigint, service_id bigint)")
        with cursor.copy("COPY bench_followed (person_id, service_id) FROM STDIN") as copy:
            copy.write("".join(f"{i}\t{service_of[p['departement']]}\n" for i, p in enumerate(rows, start=1)
                               if p.get("departement")))
        cols, vals = not_null_fill(cursor, "followups_followup", {
            "person_id": "person_id", "service_id": "service_id", "state": "'monitoring'",
            "opened_on": "'2026-01-01'", "version": "1"})
        cursor.execute(f"INSERT INTO followups_followup ({cols}) SELECT {vals} FROM bench_followed")
        cursor.execute("CREATE TABLE bench_dup (dup_id bigint PRIMARY KEY, orig_id bigint NOT NULL)")
        with cursor.copy("COPY bench_dup (dup_id, orig_id) FROM STDIN") as copy:
            copy.write("".join(f"{d + 1}\t{o + 1}\n" for d, o in dups))
        cursor.execute("CREATE TABLE bench_meta (persons int)")
        cursor.execute("INSERT INTO bench_meta VALUES (%s)", [persons])
    print(f"load (keys computed as Person.save does, COPY): {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    psql("ALTER SYSTEM SET maintenance_work_mem = '512MB'")
    psql("SELECT pg_reload_conf()")
    for sql in mods[0].FORWARD + mods[1].FORWARD + mods[2].FORWARD + mods[3].FORWARD:
        psql(sql)
    psql("ALTER SYSTEM RESET maintenance_work_mem")
    psql("SELECT pg_reload_conf()")
    print(f"product indexes: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    psql("CREATE INDEX bench_person_last_trgm ON persons_person USING gin (last_name gin_trgm_ops)")
    psql("VACUUM ANALYZE persons_person")
    print(f"anchor index + vacuum analyze: {time.perf_counter() - t:.1f} s")


def _services_by_departement():
    """{département code: service id}: the regions and départements of bench/_names.DEPARTEMENTS as territories,
    one service of one operator covering each département (D70)."""
    from _names import DEPARTEMENTS

    from aupres.services.models import Operator, Service, ServiceKind, Territory

    # The migrations may have made some of them (the regions of France): taken as they are.
    regions = {r: Territory.objects.get_or_create(level="region", code=r, defaults={"name": f"Région {r}"})[0]
               for r in sorted({r for _c, r, _w in DEPARTEMENTS})}
    operator = Operator.objects.create(name="Opérateur du banc", kind="association")
    kind = ServiceKind.objects.order_by("pk").first()
    out = {}
    for code, region, _w in DEPARTEMENTS:
        dep, _new = Territory.objects.update_or_create(level="departement", code=code, defaults={
            "name": f"Département {code}", "parent": regions[region]})
        service = Service(operator=operator, kind=kind, name=f"Service {code}")
        service.apply_kind_template()
        service.save()
        service.territories.add(dep)
        out[code] = service.pk
    return out


def load_queries(per_kind, seed):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT persons FROM bench_meta")
        persons = cursor.fetchone()[0]
        cursor.execute("SELECT id, alias, first_name, last_name, birth_year, phone FROM persons_person "
                       "WHERE id <= %s AND id %% 97 = %s ORDER BY id", [persons, seed % 97])
        rows = [dict(zip(("id", "alias", "first_name", "last_name", "birth_year", "phone"), r, strict=True))
                for r in cursor.fetchall()]
        cursor.execute("SELECT name_key, count(*) FROM persons_person GROUP BY name_key HAVING count(*) > 10")
        crowded = dict(cursor.fetchall())
        # Who the source cannot be told from on the fields a query gives: more than 10 persons with the same
        # name (or last name) and, if the query gives it, the same birth year.
        cursor.execute("SELECT name_key, birth_year FROM persons_person WHERE birth_year IS NOT NULL "
                       "GROUP BY 1, 2 HAVING count(*) > 10")
        crowded_year = set(cursor.fetchall())
        cursor.execute("SELECT aupres_name_key(last_name) FROM persons_person GROUP BY 1 HAVING count(*) > 10")
        crowded_last = {r[0] for r in cursor.fetchall()}
        cursor.execute("SELECT aupres_name_key(last_name), birth_year FROM persons_person "
                       "WHERE birth_year IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 10")
        crowded_last_year = set(cursor.fetchall())
        crowded = {"name": crowded, "name_year": crowded_year, "last": crowded_last, "last_year": crowded_last_year}
    g = Generator(seed)
    g.rng.shuffle(rows)
    queries = []
    for kind, build_query in query_kinds(g):
        made = 0
        for p in rows:
            q = build_query(p)
            if q is None:
                continue
            queries.append((kind, p["id"], q, p))
            made += 1
            if made >= per_kind:
                break
    return queries, crowded


def _indistinct(q, p, crowded):
    """True when more than 10 persons share the source's values on the fields this query gives (name or last
    name, birth year): no ranking can put the source in the top 10 but by chance (a phone query never)."""
    import unicodedata

    if q.get("phone"):
        return False
    year = q.get("birth_year")
    if q.get("first_name") or q.get("alias"):
        key = names.normalise(p["first_name"], p["last_name"])
        return (key, year) in crowded["name_year"] if year else crowded["name"].get(key, 0) > 10
    last = "".join(c for c in unicodedata.normalize("NFKD", p["last_name"]) if not unicodedata.combining(c))
    last = last.lower().replace("-", " ").replace("'", " ")
    return (last, year) in crowded["last_year"] if year else last in crowded["last"]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def measure(label, find, queries, crowded):
    for _kind, _pk, q, _p in queries[:5]:
        find(**q)
    timings, per_kind = [], {}
    for kind, pk, q, p in queries:
        t = time.perf_counter()
        result = find(**q)
        timings.append((time.perf_counter() - t) * 1000)
        stats = per_kind.setdefault(kind, Counter())
        stats["n"] += 1
        stats["any"] += bool(result)
        stats["hit"] += pk in {c.person.pk for c in result}
        stats["crowded"] += crowded["name"].get(names.normalise(p["first_name"], p["last_name"]), 0) > 10
        stats["told_apart"] += not _indistinct(q, p, crowded)
    print(f"\n== {label}")
    for kind, s in per_kind.items():
        goal = "≥95" if kind in YEAR_KINDS else ("≥90" if kind == "full_typo" else ("100" if kind == "phone" else ""))
        print(f"recall@10 {kind} n={s['n']} {100 * s['hit'] / s['n']:.1f} %   (any candidate {s['any']}, "
              f"source's exact name borne by >10 persons: {s['crowded']}; source told apart from >10 others on "
              f"the fields given: {100 * s['told_apart'] / s['n']:.1f} %; goal {goal or '—'})")
    p50, p95 = statistics.median(timings), percentile(timings, 95)
    print(f"find_candidates (ORM, whole table)  n={len(timings)}  p50={p50:7.1f} ms  p95={p95:7.1f} ms  "
          f"max={max(timings):7.1f} ms")
    return p50, p95


def anchor(queries):
    from django.db import connection

    lasts = [q.get("last_name") or "Popesku" for _kind, _pk, q, _p in queries]
    timings = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM persons_person WHERE last_name %% %s LIMIT 1", ["warm"])
        for name in lasts:
            t = time.perf_counter()
            cursor.execute("SELECT id, last_name, similarity(last_name, %s) AS sim FROM persons_person "
                           "WHERE last_name %% %s ORDER BY sim DESC LIMIT 10", [name, name])
            cursor.fetchall()
            timings.append((time.perf_counter() - t) * 1000)
    a50, a95 = statistics.median(timings), percentile(timings, 95)
    print(f"anchor d1 shape (raw SQL, last_name)  n={len(timings)}  p50={a50:7.1f} ms  p95={a95:7.1f} ms")
    return a50, a95


def _departements(ids):
    """{person id: (département code, region code)} of the follow-ups the benchmark gave (D70)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT f.person_id, t.code, r.code FROM followups_followup f JOIN services_service_territories "
                       "st ON st.service_id = f.service_id JOIN services_territory t ON t.id = st.territory_id JOIN "
                       "services_territory r ON r.id = t.parent_id WHERE f.person_id = ANY(%s)", [list(ids)])
        return {pk: (dep, region) for pk, dep, region in cursor.fetchall()}


def _pair_kinds(o, d, places=None):
    """What a planted pair (original, duplicate) has in common, one value per dimension (D68's breakdown)."""
    from rapidfuzz.distance import DamerauLevenshtein

    def norm(value):
        return " ".join(names.words(value or ""))

    of, ol, df, dl = norm(o.first_name), norm(o.last_name), norm(d.first_name), norm(d.last_name)

    def one(a, b):
        if a == b:
            return "same"
        if a and b and (f" {a} " in f" {b} " or f" {b} " in f" {a} "):
            return "part"
        return "typo" if a and b and DamerauLevenshtein.distance(a, b) <= 1 else "other"

    if of == df and ol == dl:
        name = "same (accents aside)"
    elif of == dl and ol == df:
        name = "swapped"
    else:
        f, la = one(of, df), one(ol, dl)
        name = f"first {f}, last {la}"
    if o.birth_year is None or d.birth_year is None:
        year = "one or both missing"
    else:
        year = {0: "same", 1: "one off"}.get(abs(o.birth_year - d.birth_year), "other")
    if o.birth_date and d.birth_date:
        a, b = o.birth_date, d.birth_date
        date = ("same" if a == b else "day/month swapped" if (a.year, a.month, a.day) == (b.year, b.day, b.month)
                else "one digit off" if DamerauLevenshtein.distance(a.strftime("%d%m%Y"), b.strftime("%d%m%Y")) == 1
                else "other")
    else:
        date = "one side only" if (o.birth_date or d.birth_date) else "neither"
    nat = ("unknown to one or both" if not (o.nationality and d.nationality) else
           "same" if o.nationality == d.nationality else "written otherwise")
    phone = "shared" if o.phone and o.phone == d.phone else "not shared"
    po, pd = (places or {}).get(o.pk), (places or {}).get(d.pk)
    area = ("unknown" if not (po and pd) else "same département" if po == pd else
            "same region" if po[1] == pd[1] else "other")
    return {"département": area, "names": name, "birth year": year, "full birth date": date, "nationality": nat, "phone": phone,
            "full date on both sides": "yes" if o.birth_date and d.birth_date else "no"}


def breakdown(truth, found_at):
    """Recall per kind of planted pair, at each threshold of `found_at` ({label: set of pairs found})."""
    from aupres.persons.models import Person

    people = Person.objects.in_bulk({i for pair in truth for i in pair})
    places = _departements(people)
    groups = {}
    for a, b in truth:
        if a in people and b in people:
            for dim, value in _pair_kinds(people[a], people[b], places).items():
                groups.setdefault((dim, value), []).append((a, b))
    labels = list(found_at)
    print("\n== recall per kind of planted pair (" + " | ".join(labels) + ")")
    for (dim, value), pairs in sorted(groups.items()):
        cells = "  ".join(f"{100 * sum(p in found_at[lab] for p in pairs) / len(pairs):5.1f} %" for lab in labels)
        print(f"  {dim:24} {value:28} n={len(pairs):6}  {cells}")
    print("  (recall on the pairs without a full date on both sides, the figure not owed to the new field: the "
          "line 'full date on both sides no')")


def sweep_quality(size, threshold, sweep=None):
    """The sweep's model on the first `size` persons and the planted duplicates of those: precision and recall
    against the planted pairs (ground truth, table bench_dup), the time of each step, and the recall per kind
    of pair (what the two records have in common)."""
    from django.db import connection

    from aupres.persons.models import Person

    if sweep is None:
        from aupres.referrals import sweep

    with connection.cursor() as cursor:
        cursor.execute("SELECT dup_id, orig_id FROM bench_dup WHERE orig_id <= %s", [size])
        truth = {(min(a, b), max(a, b)) for a, b in cursor.fetchall()}
    dup_ids = [max(a, b) for a, b in truth]
    qs = Person.objects.filter(pk__lte=size) | Person.objects.filter(pk__in=dup_ids)
    t = time.perf_counter()
    table = sweep.frame(qs)
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    pairs = sweep.predict(table, threshold=min(threshold))
    t_model = time.perf_counter() - t
    print(f"\n== sweep on {table.num_rows} persons ({len(truth)} planted duplicate pairs): load {t_load:.1f} s, "
          f"model (u and prior estimated, blocking, scoring) {t_model:.1f} s, total {t_load + t_model:.1f} s")
    for th in sorted({*threshold, sweep.THRESHOLD}):
        found = {(a, b) for a, b, p in pairs if p >= th}
        tp = len(found & truth)
        print(f"sweep threshold {th:.3f}{' (the product’s)' if th == sweep.THRESHOLD else ''}: pairs={len(found)} "
              f"precision {100 * tp / max(1, len(found)):.1f} % recall {100 * tp / max(1, len(truth)):.1f} %")
    best = best_recall(pairs, truth)
    # Calibration: the mean probability of the pairs above each threshold is the precision the model expects.
    ranked = sorted((p for _a, _b, p in pairs), reverse=True)
    for th in sorted({*threshold, sweep.THRESHOLD}):
        above = [p for p in ranked if p >= th]
        if above:
            print(f"  expected precision (mean probability) at ≥ {th:.3f}: {100 * sum(above) / len(above):.1f} %")
    for target, (hits, p) in sorted(best.items()):
        print(f"sweep: highest recall at precision ≥ {100 * target:.0f} %: {100 * hits / len(truth):.2f} % "
              f"(threshold {p:.4f})")
    found_at = {f"≥ {sweep.THRESHOLD}": {(a, b) for a, b, p in pairs if p >= sweep.THRESHOLD}}
    if 0.95 in best:
        found_at[f"≥ {best[0.95][1]:.4f} (best at 95 %)"] = {(a, b) for a, b, p in pairs if p >= best[0.95][1]}
    found_at[f"≥ {min(threshold)}"] = {(a, b) for a, b, p in pairs}
    breakdown(truth, found_at)
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX IF NOT EXISTS bench_name_key ON persons_person (name_key)")
        cursor.execute(
            "SELECT count(*) FILTER (WHERE o.name_key = ''), count(*) FILTER (WHERE o.phone <> '' AND o.phone = "
            "d.phone), count(*) FILTER (WHERE o.name_key <> '' AND NOT (o.phone <> '' AND o.phone = d.phone) AND "
            "EXISTS (SELECT 1 FROM persons_person x WHERE x.id NOT IN (o.id, d.id) AND x.id <= %s AND "
            "x.name_key = o.name_key AND x.sex = o.sex AND (d.birth_year IS NULL OR x.birth_year IS NULL OR "
            "abs(x.birth_year - d.birth_year) <= 1))) FROM bench_dup b JOIN persons_person o ON o.id = b.orig_id "
            "JOIN persons_person d ON d.id = b.dup_id WHERE b.orig_id <= %s", [size, size])
        alias_only, by_phone, namesakes = cursor.fetchone()
    print(f"planted pairs: {len(truth)}; known by an alias only (compared through the phone alone): {alias_only}; "
          f"same phone: {by_phone}; a namesake of the original (same name and sex, birth year compatible with "
          f"the duplicate's) and no shared phone: {namesakes} "
          f"({100 * namesakes / max(1, len(truth)):.1f} %: the model cannot tell these from the namesake)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--per-kind", type=int, default=150)
    parser.add_argument("--dups", type=float, default=0.02, help="share of planted duplicates")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--names", choices=["real", "old"], default="real",
                        help="name generator: ranked real names with a fitted rank-frequency law (D65, needs the "
                             "'bench' extra) or the old one (~30 first names, ~250 last names, syllables)")
    parser.add_argument("--old-code", help="another duplicates.py to measure on the same data (before/after)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a database built by --keep")
    parser.add_argument("--sweep", type=int, default=0, help="also measure the sweep on the first N persons")
    parser.add_argument("--sweep-code", help="another sweep.py to measure instead of the product's (before/after)")
    parser.add_argument("--no-search", action="store_true", help="skip the intake search measures")
    args = parser.parse_args()
    if args.reuse:
        setup_django()
    else:
        build(args.persons, args.seed, args.dups, args.names)
    try:
        from aupres.referrals.duplicates import find_candidates

        if args.sweep:
            other = None
            if args.sweep_code:
                spec = importlib.util.spec_from_file_location("other_sweep", args.sweep_code)
                other = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(other)
            sweep_quality(args.sweep, [0.2, 0.3, 0.5, 0.8, 0.9, 0.95, 0.99], other)
        if args.no_search:
            return
        queries, crowded = load_queries(args.per_kind, args.seed)
        a50, a95 = anchor(queries)
        if args.old_code:
            spec = importlib.util.spec_from_file_location("old_duplicates", args.old_code)
            old = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(old)
            o50, o95 = measure(f"OLD code ({args.old_code})", old.find_candidates, queries, crowded)
            print(f"ratio old/anchor: p50 ×{o50 / a50:.2f}  p95 ×{o95 / a95:.2f}")
        p50, p95 = measure("NEW code (aupres.referrals.duplicates)", find_candidates, queries, crowded)
        print(f"ratio new/anchor: p50 ×{p50 / a50:.2f}  p95 ×{p95 / a95:.2f}")
        a50, a95 = anchor(queries)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)


if __name__ == "__main__":
    main()
