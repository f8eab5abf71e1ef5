# ruff: noqa: S603, S607, S608, S108 — a local benchmark: fixed commands, SQL built from constants, /tmp files.
"""Benchmark: a person's timeline and "last encounter per open follow-up" on PostgreSQL.

Builds, in its own database, 1 M persons, 1 000 services, 1.5 M follow-ups, 20 M encounters (one
person each, as in /work/shared/anchors/schema.sql), 30 M acts, with set-based SQL into the tables
that `migrate` created; then times the ORM code paths of aupres.encounters.services (timeline,
last_encounter_dates) and, in the same run on the same data size, the anchor queries
q/f1_timeline.sql and q/e1_caseload.sql on the anchor schema, and prints p50/p95 and the ratios.

    .venv/bin/python bench/timeline.py [--scale 1.0] [--runs 200] [--keep]

--scale 0.01 makes a quick trial; the database is dropped at the end unless --keep.
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
ANCHORS = Path("/work/shared/anchors")
DB = "aupres_bench_encounters"
PG = ["-h", "127.0.0.1", "-U", "postgres"]

ACT_KINDS = ["nursing_care", "first_aid", "wound_care", "drug_administration", "health_check", "vaccination",
             "screening", "medical_consultation", "psychological_interview", "health_education",
             "social_interview", "orientation", "admission_request", "rights_application", "material_aid"]


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, flush=True)


def psql(*args, db=DB, check=True):
    done = subprocess.run(["psql", *PG, "-v", "ON_ERROR_STOP=1", "-q", "-d", db, *args], capture_output=True,
                          text=True)
    if check and done.returncode:
        raise RuntimeError(done.stderr)
    return done


def setup_database():
    subprocess.run(["dropdb", *PG, "--if-exists", DB], check=True)
    subprocess.run(["createdb", *PG, DB], check=True)
    os.environ["AUPRES_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
    os.environ.setdefault("AUPRES_DEV", "1")
    os.environ.setdefault("AUPRES_VAR_DIR", "/tmp/aupres-bench-encounters")
    Path(os.environ["AUPRES_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], check=True, cwd=ROOT)
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aupres.settings")
    import django

    django.setup()


def not_null_fill(cursor, table, given):
    """Column list and SQL expressions: `given`, plus a neutral value for other NOT NULL columns."""
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


def drop_secondary(cursor, tables):
    """Drop unique/foreign-key constraints and secondary indexes; return the SQL to recreate them."""
    recreate = []
    cursor.execute("""SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
                      FROM pg_constraint c WHERE c.conrelid::regclass::text = ANY(%s) AND c.contype IN ('u', 'f')""",
                   [tables])
    for table, name, definition, contype in cursor.fetchall():
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        # Foreign keys come back NOT VALID: the generated data is consistent by construction.
        recreate.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
                        + (" NOT VALID" if contype == "f" else ""))
    cursor.execute("""SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i
                      WHERE i.tablename = ANY(%s) AND i.indexname NOT LIKE '%%_pkey'""", [tables])
    for _table, name, definition in cursor.fetchall():
        cursor.execute(f'DROP INDEX "{name}"')
        recreate.insert(0, definition)
    return recreate


def build(scale):
    from django.db import connection

    from aupres.accounts.models import User
    from aupres.services.models import Membership, Operator, Service, ServiceKind

    n_persons, n_services = int(1_000_000 * scale), max(10, int(1000 * scale))
    n_followups, n_encounters, n_acts = int(1_500_000 * scale), int(20_000_000 * scale), int(30_000_000 * scale)
    kinds = list(ServiceKind.objects.order_by("pk"))
    operators = Operator.objects.bulk_create([Operator(name=f"Opérateur {i}", kind="association")
                                              for i in range(max(1, n_services // 10))])
    services = []
    for i in range(n_services):
        s = Service(operator=operators[i // 10 % len(operators)], kind=kinds[i % len(kinds)], name=f"Service {i}")
        s.apply_kind_template()
        services.append(s)
    services = Service.objects.bulk_create(services)
    users = User.objects.bulk_create([User(username=f"nurse{i}", kind="staff") for i in range(n_services)])
    Membership.objects.bulk_create([Membership(user=u, service=s, profession="nurse", etp="0.5",
                                               start_date="2020-01-01") for u, s in zip(users, services, strict=True)])
    s0 = services[0].pk
    assert [s.pk for s in services] == list(range(s0, s0 + n_services))
    u0 = users[0].pk
    tables = ["persons_person", "followups_followup", "encounters_encounter", "encounters_encounterperson",
              "encounters_act", "encounters_encounter_staff"]
    kinds_sql = "ARRAY[" + ",".join(f"'{k}'" for k in ACT_KINDS) + "]"
    from aupres.encounters.models import ACT_COMPARTMENT

    comps_sql = "ARRAY[" + ",".join(f"'{ACT_COMPARTMENT[k]}'" for k in ACT_KINDS) + "]"
    places = "ARRAY['street','camp','slum','squat','day_centre','shelter','asylum_housing','ftm'," \
             "'social_residence','home','premises','hospital']"
    modes = "ARRAY['visit','street_round','advanced_consultation','accompaniment','case_meeting','phone']"
    # encounter g -> follow-up f(g) -> person and service, as in the anchor schema, by arithmetic.
    fu = f"(1 + (g * 104729 % {n_followups}))"
    person_of_fu = f"(1 + ({{f}} % {n_persons}))"
    service_of_fu = f"({s0} + ({{f}} * 31 % {n_services}))"
    at = "(timestamptz '2023-01-01' + ((g * 7919) % (3 * 365 * 24 * 60)) * interval '1 minute')"
    with connection.cursor() as c:
        c.execute("SET maintenance_work_mem = '1GB'")
        c.execute("SET synchronous_commit = off")
        recreate = drop_secondary(c, tables)
        cols, vals = not_null_fill(c, "persons_person", {
            "id": "g", "alias": "CASE WHEN g % 7 = 0 THEN 'alias' || g ELSE '' END",
            "first_name": "(ARRAY['Jean','Marie','Ahmed','Fatima','Ion','Elena','Mamadou','Aïcha'])[1 + g % 8]",
            "last_name": "'Nom' || (g % 997)", "sex": "'unknown'", "birth_year": "1940 + g % 70",
            "search_text": "'nom' || (g % 997)", "version": "1", "created_at": "now()", "updated_at": "now()"})
        log("persons")
        c.execute(f"INSERT INTO persons_person ({cols}) SELECT {vals} FROM generate_series(1::bigint, {n_persons}) g")
        cols, vals = not_null_fill(c, "followups_followup", {
            "id": "g", "person_id": person_of_fu.format(f="g"), "service_id": service_of_fu.format(f="g"),
            "state": "'monitoring'", "opened_on": "date '2023-01-01' + (g % 1000)::int",
            "closed_on": "CASE WHEN g % 3 = 0 THEN NULL ELSE date '2023-01-01' + (g % 1000)::int + 60 END",
            "access_until": "CASE WHEN g % 3 = 0 THEN NULL ELSE date '2023-01-01' + (g % 1000)::int + 425 END",
            "version": "1", "created_at": "now()"})
        log("follow-ups")
        c.execute(f"INSERT INTO followups_followup ({cols}) SELECT {vals} "
                  f"FROM generate_series(1::bigint, {n_followups}) g")
        cols, vals = not_null_fill(c, "encounters_encounter", {
            "id": "g", "client_uuid": "md5(g::text)::uuid", "service_id": service_of_fu.format(f=fu),
            "occurred_at": at, "place_kind": f"({places})[1 + g % 12]", "mode": f"({modes})[1 + g % 6]",
            "anonymous_contacts": "0", "recorded_by_id": f"{u0} + ({fu} * 31 % {n_services})",
            "recorded_at": "now()", "version": "1"})
        log("encounters")
        c.execute(f"INSERT INTO encounters_encounter ({cols}) SELECT {vals} "
                  f"FROM generate_series(1::bigint, {n_encounters}) g")
        log("encounter persons")
        c.execute(f"""INSERT INTO encounters_encounterperson (id, encounter_id, person_id, followup_id, service_id,
                      occurred_at) SELECT g, g, {person_of_fu.format(f=fu)}, {fu}, {service_of_fu.format(f=fu)}, {at}
                      FROM generate_series(1::bigint, {n_encounters}) g""")
        log("acts")
        e = f"(1 + (g * 7 % {n_encounters}))"
        c.execute(f"""INSERT INTO encounters_act (id, encounter_id, person_id, kind, compartment, details)
                      SELECT g, {e}, {person_of_fu.format(f=fu.replace('g', e))}, ({kinds_sql})[1 + g % 15],
                      ({comps_sql})[1 + g % 15], '' FROM generate_series(1::bigint, {n_acts}) g""")
        for table in ("persons_person", "followups_followup", "encounters_encounter", "encounters_encounterperson",
                      "encounters_act"):
            c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        log("indexes and constraints")
        for sql in recreate:
            c.execute(sql)
        c.execute("VACUUM ANALYZE")
    log("built")
    return {"persons": n_persons, "services": n_services, "followups": n_followups, "encounters": n_encounters,
            "acts": n_acts, "first_service": s0, "first_user": u0}


def build_anchor(scale):
    """The anchor schema in the same database (its table names do not clash with Django's)."""
    log("anchor schema")
    sql = (ANCHORS / "schema.sql").read_text()
    if scale != 1.0:
        for big in (30000000, 20000000, 1500000, 1000000):
            sql = sql.replace(str(big), str(int(big * scale)))
        sql = sql.replace("generate_series(1,1000)", f"generate_series(1,{max(10, int(1000 * scale))})")
        sql = sql.replace("% 1000)", f"% {max(10, int(1000 * scale))})")
    Path("/tmp/aupres_bench_anchor_schema.sql").write_text(sql)
    psql("-f", "/tmp/aupres_bench_anchor_schema.sql")
    # Index names are global in a schema: the anchor's are prefixed so as not to clash with Django's.
    indexes = (ANCHORS / "indexes.sql").read_text().replace("CREATE INDEX ", "CREATE INDEX anchor_")
    Path("/tmp/aupres_bench_anchor_indexes.sql").write_text(indexes)
    psql("-f", "/tmp/aupres_bench_anchor_indexes.sql")
    log("anchor built")


def timed(fn, runs):
    times = []
    for i in range(runs):
        t = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def measure(sizes, runs):
    from django.db import connection

    from aupres.accounts.models import User
    from aupres.core import access
    from aupres.encounters import services
    from aupres.followups.models import FollowUp

    rng = random.Random(7)
    # A person with an open follow-up, and a viewer who is a member of that follow-up's service.
    open_ids = [3 * rng.randint(1, sizes["followups"] // 3) for _ in range(runs)]
    followups = FollowUp.objects.in_bulk(open_ids)
    persons = [followups[i].person_id for i in open_ids]
    viewers = [User.objects.get(pk=sizes["first_user"] + followups[i].service_id - sizes["first_service"])
               for i in open_ids]
    svc = [rng.randint(0, sizes["services"] - 1) for _ in range(runs)]
    results = {}
    sizes_seen = []

    def timeline(i):
        user = viewers[i]
        access.forget(user)
        person = access.get_visible_person(user, persons[i])
        sizes_seen.append(len(services.timeline(user, person)))

    def caseload(i):
        sid = sizes["first_service"] + svc[i]
        ids = list(FollowUp.objects.open().filter(service_id=sid).values_list("pk", flat=True))
        services.last_encounter_dates(ids)

    for fn in (timeline, caseload):  # warm-up
        for i in range(min(10, runs)):
            fn(i)
    sizes_seen.clear()
    results["timeline (get_visible_person + services.timeline)"] = timed(timeline, runs)
    results["caseload: open follow-ups of a service + last_encounter_dates"] = timed(caseload, runs)
    f1 = (ANCHORS / "q/f1_timeline.sql").read_text().splitlines()[-1].replace(":p", "%s")
    e1 = (ANCHORS / "q/e1_caseload.sql").read_text().splitlines()[-1].replace(":s", "%s")
    n_anchor_services = max(10, int(1000 * sizes["persons"] / 1_000_000))
    with connection.cursor() as c:
        def anchor_f1(i):
            c.execute(f1, [persons[i]])
            c.fetchall()

        def anchor_e1(i):
            c.execute(e1, [1 + svc[i] % n_anchor_services])
            c.fetchall()

        for fn in (anchor_f1, anchor_e1):
            for i in range(min(10, runs)):
                fn(i)
        results["anchor f1_timeline"] = timed(anchor_f1, runs)
        results["anchor e1_caseload"] = timed(anchor_e1, runs)
    return results, statistics.mean(sizes_seen) if sizes_seen else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    started = time.time()
    setup_database()
    try:
        sizes = build(args.scale)
        build_anchor(args.scale)
        log(f"data built in {time.time() - started:.0f} s:", sizes)
        results, mean_events = measure(sizes, args.runs)
        print(f"\n{args.runs} runs, mean timeline length {mean_events:.1f} events")
        for name, (p50, p95) in results.items():
            print(f"{name:65s} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms")
        t, c = results["timeline (get_visible_person + services.timeline)"], \
            results["caseload: open follow-ups of a service + last_encounter_dates"]
        f1, e1 = results["anchor f1_timeline"], results["anchor e1_caseload"]
        print(f"ratio timeline / f1: p50 {t[0] / f1[0]:.1f}x  p95 {t[1] / f1[1]:.1f}x")
        print(f"ratio caseload / e1: p50 {c[0] / e1[0]:.1f}x  p95 {c[1] / e1[1]:.1f}x")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            subprocess.run(["dropdb", *PG, "--if-exists", DB], check=False)
            log("database dropped")


if __name__ == "__main__":
    main()
