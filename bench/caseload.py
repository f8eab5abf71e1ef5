# ruff: noqa: S603, S607, S608, S108 — a local benchmark: fixed commands, SQL built from constants.
"""Benchmark: the caseload page (file active) with its alerts, on PostgreSQL.

Builds, in its own database, 1 M persons, 1 000 services (the fifteen kinds, with their rules) and
1.5 M follow-ups shaped as in /work/shared/anchors/schema.sql (a third open), a current plan for
the open follow-ups past intake/assessment, and ~13 encounters per follow-up of the services that
are timed (the full 20 M encounters are timed by bench/timeline.py), with set-based SQL into the
tables that `migrate` created. Then it times, for members of random services:

- the ORM path of the caseload view: Paginator(persons.services.caseload(user), 50).get_page(1),
  i.e. count + first page + plan review dates + last encounters + alerts;
- the whole page through Django's test client (middleware, session, template);
- in the same run, on the same data size, the anchor query q/e1_caseload.sql on the anchor schema
  (person, service, followup and 20 M encounter rows, as schema.sql, without the act table),

and prints p50/p95 and the ratios.

    .venv/bin/python bench/caseload.py [--scale 1.0] [--runs 200] [--keep]
    .venv/bin/python bench/caseload.py --reuse [--keep]   # measure again on a kept database

--scale 0.01 makes a quick trial; the database is dropped at the end unless --keep.
"""

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANCHORS = Path("/work/shared/anchors")
DB = "aupres_bench_caseload"
PG = ["-h", "127.0.0.1", "-U", "postgres"]
TIMED_SERVICES = 40


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, flush=True)


def setup_database(create=True):
    if create:
        subprocess.run(["dropdb", *PG, "--if-exists", DB], check=True)
        subprocess.run(["createdb", *PG, DB], check=True)
    os.environ["AUPRES_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
    os.environ.setdefault("AUPRES_DEV", "1")
    os.environ.setdefault("AUPRES_VAR_DIR", "/tmp/aupres-bench-caseload")
    os.environ["AUPRES_ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    Path(os.environ["AUPRES_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    if create:
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], check=True, cwd=ROOT)
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aupres.settings")
    import django

    django.setup()


def fill(cursor, table, given):
    """Column list and SQL expressions: `given`, plus a neutral value for the other NOT NULL columns."""
    cursor.execute("""SELECT column_name, data_type FROM information_schema.columns
                      WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL""", [table])
    neutral = {"text": "''", "character varying": "''", "integer": "0", "smallint": "0", "bigint": "0",
               "boolean": "false", "date": "current_date", "timestamp with time zone": "now()",
               "jsonb": "'[]'::jsonb", "numeric": "0", "uuid": "gen_random_uuid()"}
    columns = dict(given)
    for name, data_type in cursor.fetchall():
        if name not in columns and name != "id":
            columns[name] = neutral[data_type]
    return ", ".join(columns), ", ".join(columns.values())


def build_product(n_persons, n_followups, timed):
    from decimal import Decimal

    from django.db import connection, transaction

    from aupres.accounts.models import User
    from aupres.services.models import Membership, Operator, Service, ServiceKind

    with transaction.atomic():
        kinds = list(ServiceKind.objects.order_by("code"))
        operators = Operator.objects.bulk_create(
            [Operator(name=f"Opérateur {i}", kind="association") for i in range(100)])
        services = []
        for i in range(1000):
            s = Service(operator=operators[i // 10], kind=kinds[i % len(kinds)], name=f"Service {i + 1}")
            s.apply_kind_template()
            services.append(s)
        Service.objects.bulk_create(services)
        assert [s.pk for s in services] == list(range(1, 1001)), "services must be numbered 1..1000"

    t = time.time()
    with connection.cursor() as c:
        cols, exprs = fill(c, "persons_person", {
            "alias": "CASE WHEN g % 7 = 0 THEN 'alias' || g ELSE '' END",
            "first_name": "fn.a[1 + (g*7) % 20]",
            "last_name": "ln.a[1 + (g*13) % 30] || CASE WHEN g % 3 = 0 THEN '-' || ln.a[1 + (g*17) % 30] "
                         "ELSE '' END || (g % 997)::text",
            "birth_year": "1940 + (g % 70)::int", "sex": "CASE WHEN g % 2 = 0 THEN 'female' ELSE 'male' END",
            "administrative_situation": "'unknown'", "phone": "'06' || lpad((g*7919 % 100000000)::text, 8, '0')",
            "search_text": "''", "version": "1",
        })
        c.execute(f"""
            WITH fn AS (SELECT ARRAY['Jean','Marie','Ahmed','Fatima','Ion','Elena','Mamadou','Aïcha','Pierre',
                 'Nadia','Dragos','Ioana','Karim','Sofia','Youssef','Claire','Moussa','Inès','Vasile','Léa'] a),
                 ln AS (SELECT ARRAY['Martin','Bernard','Dubois','Thomas','Robert','Richard','Petit','Durand',
                 'Leroy','Moreau','Popescu','Ionescu','Diallo','Traoré','Benali','Haddad','Nguyen','Lefebvre',
                 'Garcia','Rousseau','Fontaine','Chevalier','Mercier','Blanc','Guerin','Boyer','Roux','Faure',
                 'Andre','Gauthier'] a)
            INSERT INTO persons_person (id, {cols}) SELECT g, {exprs}
            FROM generate_series(1::bigint, {n_persons}) g, fn, ln""")
        c.execute("UPDATE persons_person SET search_text = "
                  "lower(trim(alias || ' ' || first_name || ' ' || last_name))")
        c.execute("SELECT setval(pg_get_serial_sequence('persons_person', 'id'), %s)", [n_persons])
        log(f"persons: {n_persons} in {time.time() - t:.0f} s")

        t = time.time()
        # Anchor shape (person, service, open one time in three), dated back from today.
        opened = "(current_date - 1000 + (g % 1000)::int)"
        cols, exprs = fill(c, "followups_followup", {
            "person_id": f"1 + (g % {n_persons})", "service_id": "1 + (g*31 % 1000)",
            "opened_on": opened,
            "closed_on": f"CASE WHEN g % 3 = 0 THEN NULL ELSE {opened} + 60 END",
            "access_until": f"CASE WHEN g % 3 = 0 THEN NULL ELSE {opened} + 425 END",
            "state": "CASE WHEN g % 3 <> 0 THEN 'exit' ELSE (ARRAY['intake','assessment','plan','monitoring',"
                     "'monitoring','monitoring','evaluation'])[1 + (g / 3) % 7] END",
            "lightened_on": "CASE WHEN g % 3 = 0 AND g % 11 = 0 THEN current_date - 30 END",
            "version": "1",
        })
        c.execute(f"INSERT INTO followups_followup (id, {cols}) SELECT g, {exprs} "
                  f"FROM generate_series(1::bigint, {n_followups}) g")
        c.execute("SELECT setval(pg_get_serial_sequence('followups_followup', 'id'), %s)", [n_followups])
        cols, exprs = fill(c, "followups_plan", {
            "followup_id": "f.id", "agreed_on": "f.opened_on + 20",
            "review_due_on": "f.opened_on + 20 + (f.id % 400)::int", "person_took_part": "true", "version": "1",
        })
        c.execute(f"INSERT INTO followups_plan ({cols}) SELECT {exprs} FROM followups_followup f "
                  "WHERE f.closed_on IS NULL AND f.state IN ('plan', 'monitoring', 'evaluation')")
        log(f"follow-ups: {n_followups} (+ plans) in {time.time() - t:.0f} s")

        t = time.time()
        c.execute("SELECT to_regclass('encounters_encounterperson') IS NOT NULL")
        if c.fetchone()[0]:
            # About 13 encounters per follow-up of the timed services (20 M / 1.5 M as in the anchors).
            at = ("(f.opened_on + ((f.id * 7919 + k * 104729) %% GREATEST(1, COALESCE(f.closed_on, current_date) "
                  "- f.opened_on))::int)::timestamp + interval '10 hours'")
            ecols, eexprs = fill(c, "encounters_encounter", {"service_id": "service_id", "occurred_at": "at",
                                                            "version": "1"})
            pcols, pexprs = fill(c, "encounters_encounterperson", {
                "encounter_id": "eid", "person_id": "person_id", "followup_id": "fid", "service_id": "service_id",
                "occurred_at": "at"})
            c.execute(f"""
                WITH src AS MATERIALIZED (
                    SELECT nextval(pg_get_serial_sequence('encounters_encounter', 'id')) AS eid, f.id AS fid,
                           f.person_id, f.service_id, {at} AS at
                    FROM followups_followup f, generate_series(1, 1 + (f.id %% 26)::int) k
                    WHERE f.service_id = ANY(%s)),
                ins AS (INSERT INTO encounters_encounter (id, {ecols}) SELECT eid, {eexprs} FROM src)
                INSERT INTO encounters_encounterperson ({pcols}) SELECT {pexprs} FROM src""", [timed])
            log(f"encounters of the timed services: {c.rowcount} in {time.time() - t:.0f} s")

    users = []
    for sid in timed:
        user = User.objects.create_user(username=f"bench{sid}", password=None)
        Membership.objects.create(user=user, service_id=sid, profession="nurse", etp=Decimal("0.5"),
                                  start_date="2020-01-01")
        users.append(user.pk)
    return users


def build_anchor():
    """The anchor tables of schema.sql (without act) and the indexes e1 needs, in the same database."""
    t = time.time()
    sql = (ANCHORS / "schema.sql").read_text()
    statements = [s.strip() for s in sql.split(";\n") if s.strip() and not s.strip().startswith("\\")]
    statements = [s for s in statements if "INSERT INTO act" not in s and "CREATE TABLE act" not in s]
    from django.db import connection

    with connection.cursor() as c:
        for s in statements:
            c.execute(s.replace("DROP TABLE IF EXISTS act, ", "DROP TABLE IF EXISTS "))
        for line in (ANCHORS / "indexes.sql").read_text().splitlines():
            if line.startswith("CREATE INDEX") and (" ON encounter(" in line or " ON followup" in line):
                # Prefixed: the product has indexes of the same names (e.g. encounter_service_time).
                c.execute(line.replace("CREATE INDEX ", "CREATE INDEX anchor_"))
    log(f"anchor tables in {time.time() - t:.0f} s")


def percentiles(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def measure(users, runs):
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test import Client

    from aupres.accounts.models import User
    from aupres.persons.services import caseload

    rng = random.Random(1)
    accounts = list(User.objects.filter(pk__in=users))
    results = {}

    def orm_page(user):
        user = User.objects.get(pk=user.pk)  # a fresh user per request, as the view has
        t = time.perf_counter()
        page = Paginator(caseload(user), 50).get_page(1)
        rows = list(page)
        elapsed = time.perf_counter() - t
        assert len(rows) == 50 and page.paginator.count > 100
        return elapsed, sum(len(f.alerts) for f in rows)

    clients = {}
    for user in accounts:
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)

    def http_page(user):
        t = time.perf_counter()
        r = clients[user.pk].get("/personnes/")
        elapsed = time.perf_counter() - t
        assert r.status_code == 200 and b"data-alert=" in r.content
        return elapsed, 0

    anchor_sql = (ANCHORS / "q/e1_caseload.sql").read_text()
    anchor_sql = re.sub(r"^\\set.*$", "", anchor_sql, flags=re.M).replace(":s", "%s").strip().rstrip(";")

    def anchor(_user):
        with connection.cursor() as c:
            t = time.perf_counter()
            c.execute(anchor_sql, [rng.randint(1, 1000)])
            c.fetchall()
            return time.perf_counter() - t, 0

    paths = [("caseload (ORM path of the view)", orm_page), ("caseload page (HTTP, rendered)", http_page),
             ("anchor e1_caseload.sql", anchor)]
    probe = clients[accounts[0].pk].get("/personnes/")
    if probe.status_code != 200:
        # e.g. a second factor required by the sign-in policy: the rendered page is not reachable here.
        log(f"caseload page (HTTP) skipped: answered {probe.status_code} {probe.get('Location', '')}")
        paths.pop(1)
    for name, fn in paths:
        for _ in range(2):
            fn(rng.choice(accounts))
        samples, alerts = [], 0
        for _ in range(runs):
            elapsed, n = fn(rng.choice(accounts))
            samples.append(elapsed * 1000)
            alerts += n
        results[name] = percentiles(samples)
        p50, p95 = results[name]
        extra = f"  ({alerts / runs:.0f} alerts per page)" if alerts else ""
        log(f"{name:34} n={runs} p50={p50:7.1f} ms  p95={p95:7.1f} ms{extra}")
    a50, a95 = results["anchor e1_caseload.sql"]
    for name in [n for n in results if not n.startswith("anchor")]:
        p50, p95 = results[name]
        log(f"ratio {name}: p50 ×{p50 / a50:.1f}, p95 ×{p95 / a95:.1f} of the anchor")
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="measure again on a kept database")
    args = parser.parse_args()
    n_persons, n_followups = int(1_000_000 * args.scale), int(1_500_000 * args.scale)
    start = time.time()
    if args.reuse:
        setup_database(create=False)
        from aupres.accounts.models import User

        try:
            measure(list(User.objects.filter(username__startswith="bench").values_list("pk", flat=True)), args.runs)
        finally:
            finish(args.keep)
        return
    setup_database()
    try:
        timed = sorted(random.Random(2).sample(range(1, 1001), TIMED_SERVICES))
        users = build_product(n_persons, n_followups, timed)
        if args.scale >= 1:
            build_anchor()
        else:
            log("anchor tables skipped below scale 1 (schema.sql has fixed sizes)")
        from django.db import connection

        t = time.time()
        with connection.cursor() as c:
            c.execute("VACUUM ANALYZE")
        log(f"vacuum analyze in {time.time() - t:.0f} s; data ready in {time.time() - start:.0f} s")
        if args.scale >= 1:
            measure(users, args.runs)
        else:
            measure_without_anchor(users, args.runs)
    finally:
        finish(args.keep)


def finish(keep):
    from django.db import connections

    connections.close_all()
    if not keep:
        subprocess.run(["dropdb", *PG, "--if-exists", DB], check=True)
        log(f"dropped {DB}")


def measure_without_anchor(users, runs):
    """Quick trials: the product paths only."""
    from django.core.paginator import Paginator

    from aupres.accounts.models import User
    from aupres.persons.services import caseload

    rng = random.Random(1)
    samples = []
    for _ in range(runs):
        user = User.objects.get(pk=rng.choice(users))
        t = time.perf_counter()
        list(Paginator(caseload(user), 50).get_page(1))
        samples.append((time.perf_counter() - t) * 1000)
    p50, p95 = percentiles(samples)
    log(f"caseload (ORM path of the view) n={runs} p50={p50:.1f} ms p95={p95:.1f} ms")


if __name__ == "__main__":
    main()
