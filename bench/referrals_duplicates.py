# ruff: noqa: S603, S607, S608 — fixed commands (psql, createdb) and generated SQL, no outside input
"""Benchmark: duplicate search at referral intake against 1 million persons (PostgreSQL).

    .venv/bin/python bench/referrals_duplicates.py [--persons 1000000] [--runs 200] [--keep]

1. creates its own database (aupres_bench_referrals), runs Django's migrations on it (which create
   pg_trgm and the trigram and phone indexes of aupres.referrals);
2. inserts N persons with set-based SQL (generate_series), with French-looking names: common names,
   names built from syllables, aliases, birth years, phones;
3. runs aupres.referrals.duplicates.find_candidates (the ORM code path of the product) `runs` times on
   varied queries — misspelt full names, alias only, last name + birth year, phone only — and prints
   p50 / p95;
4. runs the shape of /work/shared/anchors/q/d1_trgm_search.sql (similarity on last_name, `%`, top 10,
   its own GIN index) on the same data, and prints the ratio;
5. drops the database (unless --keep).

Not a test: numbers depend on the machine. Target: p95 < 100 ms.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "aupres_bench_referrals"
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"

FIRST = ["Marie", "Fatou", "Aïcha", "Nadia", "Sophie", "Chantal", "Élodie", "Mariana", "Ioana", "Samira", "Awa",
         "Lucie", "Josiane", "Khadija", "Sandrine", "Leïla", "Amina", "Brigitte", "Camille", "Oumou", "Florica",
         "Yasmina", "Nathalie", "Mireille", "Inès", "Jean", "Mohamed", "Pierre", "Mamadou", "Karim", "Alain",
         "Ionut", "Sébastien", "Ibrahim", "Patrick", "Youssef", "Daniel", "Moussa", "Thierry", "Bogdan", "Hamid",
         "Franck", "Ousmane", "Gérard", "Nicolas", "Abdel", "Vasile", "Didier", "Amadou", "Rachid", "Kevin",
         "Julien", "Laurent", "Christophe", "Stéphane", "Olivier", "Bruno", "Dragos", "Mihai", "Elena"]
LAST = ["Martin", "Bernard", "Diallo", "Traoré", "Petit", "Durand", "Leroy", "Moreau", "Benali", "Popescu",
        "Haddad", "Fontaine", "Roux", "Camara", "Mercier", "Lambert", "Bonnet", "Keita", "Garnier", "Faure",
        "Rousseau", "Ionescu", "Mansouri", "Chevalier", "Blanc", "Guérin", "Boyer", "Cissé", "Gauthier",
        "Perrin", "Morel", "Henry", "Sow", "Brahimi", "Dumont", "Lefèvre", "Marchand", "Koné", "Barbier",
        "Renaud", "Dubois", "Thomas", "Robert", "Richard", "Laurent", "Simon", "Michel", "Lefebvre", "David",
        "Bertrand", "Vincent", "Fournier", "Girard", "André", "Mercier", "Dupont", "Lemaire", "Vasseur",
        "Delattre", "Caron"]
SYL1 = ["Bel", "Mar", "Ber", "Du", "Le", "Fon", "Gar", "Ro", "Mo", "Ben", "Ha", "Pe", "Tra", "Dia", "Ka",
        "Va", "De", "La", "Ri", "Che", "Bou", "Gui", "Po", "Io", "Sa", "Ma", "Lo", "Vi", "Da", "Ni"]
SYL2 = ["chard", "tin", "nard", "bois", "roy", "taine", "nier", "reau", "del", "ali", "ssan", "tit", "oré",
        "llo", "mara", "lier", "court", "mont", "val", "ville", "gnon", "rand", "lot", "quet", "zaoui",
        "pescu", "nescu", "doux", "ssier", "baud"]
SYL3 = ["", "", "", "e", "et", "ier", "in", "ot", "ard", "eau", "i", "a"]
ALIASES = ["Le Grand", "Pépé", "Titi", "La Brune", "Gigi", "Le Marin", "Jojo", "Mamie", "Coco", "Le Chti",
           "Nounours", "Zizou", "La Rousse", "Le Sage", "Papou", "Tonton", "Mimi", "Le Belge", "Bébert", "Lulu"]

SYL4 = ["", "", "", "", "", "", "ar", "en", "ou", "el", "is", "on", "il", "ag", "ur", "ev", "ol", "an"]
QUALIFIERS = ["de la gare", "du canal", "du parc", "du pont", "de Roubaix", "de Lens", "le Belge", "le Polonais",
              "du métro", "des quais"]

ACCENTS_FROM = "àâäéèêëîïôöùûüçÀÂÄÉÈÊËÎÏÔÖÙÛÜÇ-'"
ACCENTS_TO = "aaaeeeeiioouuucAAAEEEEIIOOUUUC  "


def sql_array(values):
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def psql(sql, db=DB):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
                   check=True)


def build(persons):
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    env = {**os.environ, "AUPRES_DATABASE_URL": URL, "AUPRES_DEV": "1"}
    t = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "migrate", "--skip-checks", "-v", "0"], cwd=ROOT, env=env, check=True)
    print(f"migrate: {time.perf_counter() - t:.1f} s")
    sys.path.insert(0, str(ROOT / "src"))
    from importlib import import_module

    migrations = [import_module("aupres.referrals.migrations.0002_person_trigram_index"),
                  import_module("aupres.referrals.migrations.0003_name_key_indexes")]
    for sql in migrations[0].BACKWARD + migrations[1].DROP_INDEXES:  # built after the insert, faster
        psql(sql)
    t = time.perf_counter()
    # Names, chosen by independent hashes of g: 20 % common last names (60), 80 % built from syllables
    # (≈ 190 000 distinct); ≈ 7 % have an alias (20 × 10 qualifiers), 4 % only an alias; birth years
    # for 75 %; phones for 50 %.
    psql(f"""
    SET synchronous_commit = off;
    INSERT INTO persons_person (version, alias, first_name, last_name, sex, birth_year, estimated_age,
        birth_place, nationality, administrative_situation, phone, languages, search_text, created_at, updated_at)
    SELECT 1, p.alias, p.first_name, p.last_name, p.sex, p.birth_year, NULL, '', '', 'unknown', p.phone, '',
           lower(trim(regexp_replace(translate(concat_ws(' ', nullif(p.alias, ''), nullif(p.first_name, ''),
                 nullif(p.last_name, '')), '{ACCENTS_FROM.replace("'", "''")}', '{ACCENTS_TO}'), '\\s+', ' ', 'g'))),
           now(), now()
    FROM (
      SELECT g,
        CASE WHEN h.a % 25 = 0 OR h.a % 30 = 1 THEN (a.v)[1 + h.b % {len(ALIASES)}] ||
             CASE WHEN h.b % 3 = 0 THEN ' ' || (q.v)[1 + h.c % {len(QUALIFIERS)}] ELSE '' END ELSE '' END AS alias,
        CASE WHEN h.a % 25 = 0 THEN '' ELSE (f.v)[1 + h.d % {len(FIRST)}] END AS first_name,
        CASE WHEN h.a % 25 = 0 THEN ''
             WHEN h.e % 5 = 0 THEN (l.v)[1 + h.f % {len(LAST)}]
             ELSE (s1.v)[1 + h.f % {len(SYL1)}] || (s2.v)[1 + h.c % {len(SYL2)}]
                  || (s4.v)[1 + h.b % {len(SYL4)}] || (s3.v)[1 + h.e % {len(SYL3)}] END AS last_name,
        CASE WHEN g % 2 = 0 THEN 'female' ELSE 'male' END AS sex,
        CASE WHEN h.c % 4 = 0 THEN NULL ELSE 1940 + h.e % 70 END AS birth_year,
        CASE WHEN h.d % 2 = 0 THEN '06 ' || substr(lpad(((g * 7919) % 100000000)::text, 8, '0'), 1, 2) || ' '
             || substr(lpad(((g * 7919) % 100000000)::text, 8, '0'), 3, 2) || ' '
             || substr(lpad(((g * 7919) % 100000000)::text, 8, '0'), 5, 2) || ' '
             || substr(lpad(((g * 7919) % 100000000)::text, 8, '0'), 7, 2) ELSE '' END AS phone
      FROM generate_series(1::bigint, {persons}) g
      CROSS JOIN LATERAL (SELECT abs(hashint8(g)) AS a, abs(hashint8(g + 7000000)) AS b,
                                 abs(hashint8(g + 14000000)) AS c, abs(hashint8(g + 21000000)) AS d,
                                 abs(hashint8(g + 28000000)) AS e, abs(hashint8(g + 35000000)) AS f) h,
           (SELECT {sql_array(QUALIFIERS)} v) q, (SELECT {sql_array(SYL4)} v) s4,
           (SELECT {sql_array(ALIASES)} v) a, (SELECT {sql_array(FIRST)} v) f, (SELECT {sql_array(LAST)} v) l,
           (SELECT {sql_array(SYL1)} v) s1, (SELECT {sql_array(SYL2)} v) s2, (SELECT {sql_array(SYL3)} v) s3
    ) p;
    """)
    print(f"insert {persons} persons: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    for sql in migrations[0].FORWARD + migrations[1].FORWARD:
        psql(sql)
    print(f"product indexes (trigram on search_text, phone digits, alias and first-name keys): "
          f"{time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    # The anchor's own index (last_name), so that its query runs as in /work/shared/anchors.
    psql("CREATE INDEX bench_person_last_trgm ON persons_person USING gin (last_name gin_trgm_ops)")
    psql("VACUUM ANALYZE persons_person")
    print(f"anchor index + vacuum analyze: {time.perf_counter() - t:.1f} s")


def typo(rng, word):
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.4:
        return word[:i] + rng.choice("aeiouy") + word[i + 1:]
    if kind < 0.7:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + word[i + 1:]


def queries(rng, runs):
    """Varied intake queries, built from real rows (so that most have true matches), perturbed."""
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, alias, first_name, last_name, birth_year, phone FROM persons_person "
                       "TABLESAMPLE BERNOULLI (0.1) REPEATABLE (42) LIMIT %s", [runs * 2])
        rows = cursor.fetchall()
    assert django.VERSION
    rng.shuffle(rows)
    result = []
    for i in range(runs):
        pk, alias, first, last, year, phone = rows[i % len(rows)]
        kind = i % 5
        if kind == 0 and (first or last):
            q = {"first_name": typo(rng, first), "last_name": typo(rng, last)}
        elif kind == 1 and (first or last):
            q = {"last_name": typo(rng, last) or alias, "birth_year": year}
        elif kind == 2 and alias:
            q = {"alias": alias}
        elif kind == 3 and phone:
            q = {"alias": "", "phone": phone.replace(" ", "")}
        else:
            q = {"first_name": first, "last_name": typo(rng, last), "birth_year": year, "phone": phone}
        result.append((pk, q))
    return result


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run(runs, seed):
    os.environ["AUPRES_DATABASE_URL"] = URL
    os.environ.setdefault("AUPRES_DEV", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aupres.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import connection

    from aupres.referrals.duplicates import find_candidates

    rng = random.Random(seed)
    qs = queries(rng, runs)
    for _pk, q in qs[:5]:  # warm-up
        find_candidates(**q)
    timings, found, hits = [], 0, 0
    for pk, q in qs:
        t = time.perf_counter()
        result = find_candidates(**q)
        timings.append((time.perf_counter() - t) * 1000)
        found += bool(result)
        hits += pk in {c.person.pk for c in result}
    p50, p95 = statistics.median(timings), percentile(timings, 95)
    print(f"find_candidates (ORM, whole table)  n={len(timings)}  p50={p50:7.1f} ms  p95={p95:7.1f} ms  "
          f"max={max(timings):7.1f} ms  queries with ≥1 candidate: {found}/{len(qs)}  "
          f"source row in the top 10: {hits}/{len(qs)} (alias-only queries share their alias with thousands)")

    # The anchor's shape (d1_trgm_search.sql): similarity on last_name, %, top 10.
    lasts = [q.get("last_name") or "Popesku" for _pk, q in qs]
    anchor = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM persons_person WHERE last_name %% %s LIMIT 1", ["warm"])
        for name in lasts:
            t = time.perf_counter()
            cursor.execute("SELECT id, last_name, similarity(last_name, %s) AS sim FROM persons_person "
                           "WHERE last_name %% %s ORDER BY sim DESC LIMIT 10", [name, name])
            cursor.fetchall()
            anchor.append((time.perf_counter() - t) * 1000)
    a50, a95 = statistics.median(anchor), percentile(anchor, 95)
    print(f"anchor d1 shape (raw SQL, last_name)  n={len(anchor)}  p50={a50:7.1f} ms  p95={a95:7.1f} ms")
    print(f"ratio product/anchor: p50 ×{p50 / a50:.2f}  p95 ×{p95 / a95:.2f}")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + _explain_sql(), [])
        print("\nplan of one product query:")
        for (line,) in cursor.fetchall():
            print("   ", line)
    return p50, p95


def _explain_sql():
    return ("SELECT id, word_similarity('amina benaly', search_text) AS sim FROM persons_person "
            "WHERE 'amina benaly' <% search_text ORDER BY sim DESC, id LIMIT 30").replace("%", "%%")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a database built by --keep")
    args = parser.parse_args()
    if not args.reuse:
        build(args.persons)
    try:
        run(args.runs, args.seed)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)


if __name__ == "__main__":
    main()
