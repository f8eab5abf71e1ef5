# ruff: noqa: S603, S607, S608, S108 — a local benchmark: fixed commands, SQL built from constants, /tmp files.
"""The large dataset shared by bench/caseload.py, bench/timeline.py and bench/indicators.py.

One PostgreSQL database (`aupres_bench`) holds, built with set-based SQL into the tables that
`migrate` created:

- 1 M persons, 1 000 services of the fifteen kinds (100 operators, all covering one region, so that
  the territory scope is the 1 000 services), one nurse per service (usernames nurse0…nurse999);
- 1.5 M follow-ups (a third open, the others closed 60 days after opening, with an exit reason and
  destination), a current plan for the open follow-ups past intake/assessment;
- 20 M encounters (one person each), 30 M acts, 600 k referrals (by source and status, the accepted
  ones linked to a follow-up);
- shaped as /work/shared/anchors/schema.sql (encounter g -> follow-up 1 + g·104729 mod 1.5 M ->
  person and service; same dates, 2023-01-01 + 3 years), except that one person in ten is
  followed by two services (the second follow-up of one person in five, with the service next but
  seven): the anchor schema has nobody followed by two services, which would leave the
  distinct-person paths of a scope unmeasured; and the anchor schema itself (person,
  service, followup, encounter, act, plus the rollup tables of q/g*.sql) in the same database.

A marker table `bench_build` records the scale built: a second script REUSES the database (default)
instead of rebuilding; `--no-reuse` rebuilds, `--drop` drops it at the end.

    from _data import add_arguments, open_dataset, finish
    sizes = open_dataset(args)       # builds or reuses, then django.setup() is done
    ...
    finish(args)                     # drops the database when --drop
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANCHORS = Path("/work/shared/anchors")
DB = "aupres_bench"
PG = ["-h", "127.0.0.1", "-U", "postgres"]
YEAR = 2025  # the anchor queries' year

ACT_KINDS = ["nursing_care", "first_aid", "wound_care", "drug_administration", "health_check", "vaccination",
             "screening", "medical_consultation", "psychological_interview", "health_education",
             "social_interview", "orientation", "admission_request", "rights_application", "material_aid"]
PLACES = ["street", "camp", "slum", "squat", "day_centre", "shelter", "asylum_housing", "ftm", "social_residence",
          "home", "premises", "hospital"]
MODES = ["visit", "street_round", "advanced_consultation", "accompaniment", "case_meeting", "phone"]
SOURCES = ["street_team", "emergency_line", "shelter", "asylum_housing", "hospital", "pass", "empp", "csapa", "pmi",
           "dac", "town_hall", "ccas", "landlord", "individual", "self", "own_service"]
ADMIN = ["french", "eu_citizen", "residence_permit", "asylum_seeker", "protected", "undocumented", "unknown"]
EXIT_REASONS = ["objectives_reached", "oriented", "refusal", "lost_to_follow_up", "death", "maximum_length",
                "moved_away", "not_eligible", "other"]
EXIT_DESTINATIONS = ["ordinary_housing", "supported_housing", "shelter", "lhss", "lam", "act", "hospital",
                     "care_home", "return_to_country", "street", "third_party", "not_applicable", "unknown", "other"]


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, flush=True)


def sql_array(values):
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"


def add_arguments(parser):
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 1 M persons, 20 M encounters")
    parser.add_argument("--reuse", action=__import__("argparse").BooleanOptionalAction, default=True,
                        help="reuse the database when it was built at this scale (default)")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--db", default=DB, help=f"database name (default {DB}, shared by the benchmarks)")
    parser.add_argument("--keep", action="store_true", help="kept for compatibility: the database is kept "
                                                            "unless --drop")


def psql(*args, check=True):
    done = subprocess.run(["psql", *PG, "-v", "ON_ERROR_STOP=1", "-q", "-d", DB, *args], capture_output=True,
                          text=True)
    if check and done.returncode:
        raise RuntimeError(done.stderr)
    return done


def built_sizes():
    """The sizes recorded by a finished build, or None (no database, or a build that did not end)."""
    exists = subprocess.run(["psql", *PG, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{DB}'"],
                            capture_output=True, text=True).stdout.strip()
    if exists != "1":
        return None
    done = psql("-Atc", "SELECT sizes FROM bench_build WHERE finished_at IS NOT NULL", check=False)
    out = done.stdout.strip()
    return json.loads(out) if done.returncode == 0 and out else None


def django_setup():
    os.environ["AUPRES_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
    os.environ.setdefault("AUPRES_DEV", "1")
    os.environ.setdefault("AUPRES_VAR_DIR", "/tmp/aupres-bench")
    os.environ["AUPRES_ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    Path(os.environ["AUPRES_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    # Applies migrations added since the build (e.g. the rollup triggers): cheap on a built database.
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0", "--skip-checks"], check=True, cwd=ROOT)
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aupres.settings")
    import django

    django.setup()


def signed_in_client(user):
    """A Django test client signed in as the user with the second factor given, as on the phone."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench phone", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def open_dataset(args):
    """Reuse the database built at this scale, or build it. Returns the sizes dict."""
    global DB
    DB = args.db
    sizes = built_sizes() if args.reuse else None
    if sizes is not None and abs(sizes["scale"] - args.scale) < 1e-9:
        log(f"reusing {DB} (built at scale {sizes['scale']} in {sizes['build_seconds']:.0f} s)")
        django_setup()
        build_situations(args.scale)
        return sizes
    if sizes is not None:
        log(f"{DB} was built at scale {sizes['scale']}: rebuilding at {args.scale}")
    started = time.time()
    subprocess.run(["dropdb", *PG, "--if-exists", DB], check=True)
    subprocess.run(["createdb", *PG, DB], check=True)
    django_setup()
    from django.db import connection

    with connection.cursor() as c:
        c.execute("CREATE TABLE bench_build (scale float, sizes jsonb, started_at timestamptz DEFAULT now(), "
                  "finished_at timestamptz)")
        c.execute("INSERT INTO bench_build (scale) VALUES (%s)", [args.scale])
    sizes = build(args.scale)
    build_situations(args.scale)
    build_anchor(args.scale)
    t = time.time()
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")
    log(f"vacuum analyze in {time.time() - t:.0f} s")
    sizes["scale"] = args.scale
    sizes["build_seconds"] = time.time() - started
    with connection.cursor() as c:
        c.execute("SELECT pg_database_size(current_database())")
        sizes["database_bytes"] = c.fetchone()[0]
        c.execute("UPDATE bench_build SET sizes = %s, finished_at = now()", [json.dumps(sizes)])
    log(f"built {DB} in {sizes['build_seconds']:.0f} s, {sizes['database_bytes'] / 2**30:.1f} GB:", sizes)
    return sizes


def finish(args):
    from django.db import connections

    connections.close_all()
    if args.drop:
        subprocess.run(["dropdb", *PG, "--if-exists", DB], check=True)
        log(f"dropped {DB}")


def not_null_fill(cursor, table, given):
    """Column list and SQL expressions: `given`, plus a neutral value for the other NOT NULL columns."""
    cursor.execute("""SELECT column_name, data_type FROM information_schema.columns
                      WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL""", [table])
    neutral = {"text": "''", "character varying": "''", "integer": "0", "smallint": "0", "bigint": "0",
               "boolean": "false", "date": "current_date", "timestamp with time zone": "now()",
               "jsonb": "'[]'::jsonb", "numeric": "0", "uuid": "gen_random_uuid()", "double precision": "0"}
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
    from aupres.encounters.models import ACT_COMPARTMENT
    from aupres.services.models import Membership, Operator, Service, ServiceKind, Territory

    n_persons, n_services = int(1_000_000 * scale), max(10, int(1000 * scale))
    n_followups, n_encounters, n_acts = int(1_500_000 * scale), int(20_000_000 * scale), int(30_000_000 * scale)
    n_referrals = int(600_000 * scale)
    region = Territory.objects.create(level="region", code="99", name="Région du banc d'essai")
    kinds = list(ServiceKind.objects.order_by("pk"))
    operators = Operator.objects.bulk_create([Operator(name=f"Opérateur {i}", kind="association")
                                              for i in range(max(1, n_services // 10))])
    services = []
    for i in range(n_services):
        s = Service(operator=operators[i // 10 % len(operators)], kind=kinds[i % len(kinds)], name=f"Service {i}")
        s.apply_kind_template()
        services.append(s)
    services = Service.objects.bulk_create(services)
    Service.territories.through.objects.bulk_create(
        [Service.territories.through(service_id=s.pk, territory_id=region.pk) for s in services])
    users = User.objects.bulk_create([User(username=f"nurse{i}", kind="staff") for i in range(n_services)])
    Membership.objects.bulk_create([Membership(user=u, service=s, profession="nurse", etp="0.5",
                                               start_date="2020-01-01") for u, s in zip(users, services, strict=True)])
    s0, u0 = services[0].pk, users[0].pk
    assert [s.pk for s in services] == list(range(s0, s0 + n_services))
    tables = ["persons_person", "followups_followup", "followups_plan", "encounters_encounter",
              "encounters_encounterperson", "encounters_act", "encounters_encounter_staff", "referrals_referral"]
    comps_sql = sql_array(ACT_COMPARTMENT[k] for k in ACT_KINDS)
    # encounter g -> follow-up f(g) -> person and service, as in the anchor schema, by arithmetic.
    fu = f"(1 + (g * 104729 % {n_followups}))"
    person_of_fu = f"(1 + ({{f}} % {n_persons}))"
    # The second follow-up of one person in five is with ANOTHER service (+7): persons followed by
    # two services, whom scope counts must count once (the anchor schema has none).
    service_of_fu = (f"({s0} + (({{f}} * 31 + CASE WHEN {{f}} >= {n_persons} AND {{f}} % 5 = 0 THEN 7 ELSE 0 END)"
                     f" % {n_services}))")
    at = "(timestamptz '2023-01-01' + ((g * 7919) % (3 * 365 * 24 * 60)) * interval '1 minute')"
    opened = "(date '2023-01-01' + (g % 1000)::int)"
    with connection.cursor() as c:
        c.execute("SET maintenance_work_mem = '1GB'")
        c.execute("SET synchronous_commit = off")
        recreate = drop_secondary(c, tables)
        for table in tables:  # rollup triggers: the rollups are rebuilt once after the load
            c.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")

        def step(name, sql):
            t = time.time()
            c.execute(sql)
            log(f"{name}: {c.rowcount} rows in {time.time() - t:.0f} s")

        cols, vals = not_null_fill(c, "persons_person", {
            "id": "g", "alias": "CASE WHEN g % 7 = 0 THEN 'alias' || g ELSE '' END",
            "first_name": "fn.a[1 + (g*7) % 20]",
            "last_name": "ln.a[1 + (g*13) % 30] || CASE WHEN g % 3 = 0 THEN '-' || ln.a[1 + (g*17) % 30] "
                         "ELSE '' END || (g % 997)::text",
            "birth_year": "1940 + (g % 70)::int", "sex": "CASE WHEN g % 2 = 0 THEN 'female' ELSE 'male' END",
            "administrative_situation": f"({sql_array(ADMIN)})[1 + (g / 2) % {len(ADMIN)}]",
            "phone": "'06' || lpad((g*7919 % 100000000)::text, 8, '0')",
            "search_text": "''", "version": "1", "created_at": "now()", "updated_at": "now()"})
        step("persons", f"""
            WITH fn AS (SELECT ARRAY['Jean','Marie','Ahmed','Fatima','Ion','Elena','Mamadou','Aïcha','Pierre',
                 'Nadia','Dragos','Ioana','Karim','Sofia','Youssef','Claire','Moussa','Inès','Vasile','Léa'] a),
                 ln AS (SELECT ARRAY['Martin','Bernard','Dubois','Thomas','Robert','Richard','Petit','Durand',
                 'Leroy','Moreau','Popescu','Ionescu','Diallo','Traoré','Benali','Haddad','Nguyen','Lefebvre',
                 'Garcia','Rousseau','Fontaine','Chevalier','Mercier','Blanc','Guerin','Boyer','Roux','Faure',
                 'Andre','Gauthier'] a)
            INSERT INTO persons_person ({cols}) SELECT {vals}
            FROM generate_series(1::bigint, {n_persons}) g, fn, ln""")
        c.execute("UPDATE persons_person SET search_text = lower(trim(alias || ' ' || first_name || ' ' || last_name))")
        cols, vals = not_null_fill(c, "followups_followup", {
            "id": "g", "person_id": person_of_fu.format(f="g"), "service_id": service_of_fu.format(f="g"),
            "state": "CASE WHEN g % 3 <> 0 THEN 'exit' ELSE (ARRAY['intake','assessment','plan','monitoring',"
                     "'monitoring','monitoring','evaluation'])[1 + (g / 3) % 7] END",
            "opened_on": opened,
            "closed_on": f"CASE WHEN g % 3 = 0 THEN NULL ELSE {opened} + 60 END",
            "access_until": f"CASE WHEN g % 3 = 0 THEN NULL ELSE {opened} + 425 END",
            "lightened_on": "CASE WHEN g % 3 = 0 AND g % 11 = 0 THEN current_date - 30 END",
            "exit_reason": f"CASE WHEN g % 3 = 0 THEN '' ELSE ({sql_array(EXIT_REASONS)})"
                           f"[1 + (g / 3) % {len(EXIT_REASONS)}] END",
            "exit_destination": f"CASE WHEN g % 3 = 0 THEN '' ELSE ({sql_array(EXIT_DESTINATIONS)})"
                                f"[1 + (g / 7) % {len(EXIT_DESTINATIONS)}] END",
            "version": "1", "created_at": "now()"})
        step("follow-ups", f"INSERT INTO followups_followup ({cols}) SELECT {vals} "
                           f"FROM generate_series(1::bigint, {n_followups}) g")
        cols, vals = not_null_fill(c, "followups_plan", {
            "followup_id": "f.id", "agreed_on": "f.opened_on + 20",
            "review_due_on": "f.opened_on + 20 + (f.id % 400)::int", "person_took_part": "true", "version": "1"})
        step("plans", f"INSERT INTO followups_plan ({cols}) SELECT {vals} FROM followups_followup f "
                      "WHERE f.closed_on IS NULL AND f.state IN ('plan', 'monitoring', 'evaluation')")
        cols, vals = not_null_fill(c, "encounters_encounter", {
            "id": "g", "client_uuid": "md5(g::text)::uuid", "service_id": service_of_fu.format(f=fu),
            "occurred_at": at, "place_kind": f"({sql_array(PLACES)})[1 + g % 12]",
            "mode": f"({sql_array(MODES)})[1 + g % 6]",
            "anonymous_contacts": "0", "recorded_by_id": f"{u0} + ({fu} * 31 % {n_services})",
            "recorded_at": "now()", "version": "1"})
        step("encounters", f"INSERT INTO encounters_encounter ({cols}) SELECT {vals} "
                           f"FROM generate_series(1::bigint, {n_encounters}) g")
        step("encounter persons", f"""
            INSERT INTO encounters_encounterperson (id, encounter_id, person_id, followup_id, service_id, occurred_at)
            SELECT g, g, {person_of_fu.format(f=fu)}, {fu}, {service_of_fu.format(f=fu)}, {at}
            FROM generate_series(1::bigint, {n_encounters}) g""")
        e = f"(1 + (g * 7 % {n_encounters}))"
        step("acts", f"""
            INSERT INTO encounters_act (id, encounter_id, person_id, kind, compartment, details)
            SELECT g, {e}, {person_of_fu.format(f=fu.replace('g', e))}, ({sql_array(ACT_KINDS)})[1 + g % 15],
                   ({comps_sql})[1 + g % 15], '' FROM generate_series(1::bigint, {n_acts}) g""")
        # Referrals: received over the three years, by source; one in three accepted, with its follow-up
        # (follow-up 2r, opened about when the referral was received).
        statuses = "(ARRAY['accepted','declined','waiting','accepted','pending','accepted','forwarded','committee'," \
                   "'accepted'])"
        cols, vals = not_null_fill(c, "referrals_referral", {
            "id": "g", "receipt": "'B' || g", "door": "(ARRAY['team','partner','public'])[1 + g % 3]",
            "received_at": "(timestamptz '2023-01-01' + ((g * 2 % 1000) * interval '1 day') - interval '3 days' "
                           "+ (g % 600) * interval '1 minute')",
            "source": f"({sql_array(SOURCES)})[1 + g % {len(SOURCES)}]",
            "service_id": service_of_fu.format(f="(2 * g)"),
            "person_id": person_of_fu.format(f="(2 * g)"),
            "status": f"{statuses}[1 + g % 9]",
            "followup_id": f"CASE WHEN {statuses}[1 + g % 9] = 'accepted' THEN 2 * g END",
            "needs": "'[]'::jsonb", "overridden_rules": "'[]'::jsonb", "version": "1"})
        step("referrals", f"INSERT INTO referrals_referral ({cols}) SELECT {vals} "
                          f"FROM generate_series(1::bigint, {n_referrals}) g")
        for table in ("persons_person", "followups_followup", "encounters_encounter", "encounters_encounterperson",
                      "encounters_act", "referrals_referral"):
            c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        t = time.time()
        for sql in recreate:
            t1 = time.time()
            c.execute(sql)
            if time.time() - t1 > 20:
                log(f"  {time.time() - t1:.0f} s: {sql[:100]}")
        for table in tables:
            c.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        log(f"indexes and constraints in {time.time() - t:.0f} s")
    return {"persons": n_persons, "services": n_services, "followups": n_followups, "encounters": n_encounters,
            "acts": n_acts, "referrals": n_referrals, "first_service": s0, "first_user": u0,
            "region_id": region.pk, "year": YEAR}


LIVING = ["street", "camp", "slum", "squat", "emergency_shelter", "chrs", "hotel", "asylum_housing", "ftm",
          "social_residence", "third_party", "own_housing", "hospital", "prison", "care_facility", "vehicle",
          "unknown"]
HEALTH_COVER = ["puma", "css", "ame", "none", "unknown"]


def build_situations(scale):
    """Dated living situations and health cover (what the caseload profile reads at the end of a
    period): every person has a living situation, a quarter a second one later; four persons in
    five have a health cover, one in six a later change. Added to a database built before these
    existed (they are built when the tables are empty)."""
    from django.db import connection

    n_persons = int(1_000_000 * scale)
    with connection.cursor() as c:
        c.execute("SELECT EXISTS (SELECT 1 FROM persons_livingsituation)")
        if c.fetchone()[0]:
            return
        t = time.time()
        c.execute("SET synchronous_commit = off")
        # Written without the parts' triggers (a 1 M-row statement would look up every exit's situations
        # twice); the years are rebuilt instead (RollupState cleared: bench/indicators.py rebuilds them).
        for table in ("persons_livingsituation", "persons_rightstatus"):
            c.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        c.execute("DELETE FROM indicators_rollupstate")
        cols, vals = not_null_fill(c, "persons_livingsituation", {
            "person_id": "g", "kind": f"({sql_array(LIVING)})[1 + (g * 3 + s) % {len(LIVING)}]",
            "started_on": "date '2022-06-01' + (g % 900)::int + s * 200", "recorded_at": "now()"})
        c.execute(f"INSERT INTO persons_livingsituation ({cols}) SELECT {vals} "
                  f"FROM generate_series(1::bigint, {n_persons}) g, generate_series(0, 1) s "
                  "WHERE s = 0 OR g % 4 = 0")
        n_living = c.rowcount
        cols, vals = not_null_fill(c, "persons_rightstatus", {
            "person_id": "g", "kind": "'health_cover'",
            "value": f"({sql_array(HEALTH_COVER)})[1 + (g + s) % {len(HEALTH_COVER)}]",
            "started_on": "date '2022-01-01' + (g % 1000)::int + s * 300", "recorded_at": "now()"})
        c.execute(f"INSERT INTO persons_rightstatus ({cols}) SELECT {vals} "
                  f"FROM generate_series(1::bigint, {n_persons}) g, generate_series(0, 1) s "
                  "WHERE g % 5 <> 0 AND (s = 0 OR g % 6 = 0)")
        n_rights = c.rowcount
        for table in ("persons_livingsituation", "persons_rightstatus"):
            c.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        c.execute("ANALYZE persons_livingsituation")
        c.execute("ANALYZE persons_rightstatus")
    log(f"living situations {n_living}, health cover statuses {n_rights} in {time.time() - t:.0f} s")


def build_anchor(scale):
    """The anchor schema (schema.sql, indexes.sql) in the same database, and the rollup tables that
    q/g*.sql read (not in schema.sql): its table names do not clash with Django's."""
    t = time.time()
    sql = (ANCHORS / "schema.sql").read_text()
    if scale != 1.0:
        for big in (30000000, 20000000, 1500000, 1000000):
            sql = sql.replace(str(big), str(int(big * scale)))
        sql = sql.replace("generate_series(1,1000)", f"generate_series(1,{max(10, int(1000 * scale))})")
        sql = sql.replace("% 1000)", f"% {max(10, int(1000 * scale))})")
    sql = "SET maintenance_work_mem = '1GB';\nSET synchronous_commit = off;\n" + sql
    Path("/tmp/aupres_bench_anchor_schema.sql").write_text(sql)
    psql("-f", "/tmp/aupres_bench_anchor_schema.sql")
    log(f"anchor schema in {time.time() - t:.0f} s")
    t = time.time()
    # Index names are global in a schema: the anchor's are prefixed so as not to clash with Django's.
    indexes = (ANCHORS / "indexes.sql").read_text().replace("CREATE INDEX ", "CREATE INDEX anchor_")
    indexes = "SET maintenance_work_mem = '1GB';\n" + indexes.replace("VACUUM ANALYZE;", "")
    indexes += """
DROP TABLE IF EXISTS rollup_person_year, rollup_month;
CREATE TABLE rollup_person_year AS
  SELECT DISTINCT service_id, extract(year FROM happened_at)::int AS year, person_id FROM encounter;
CREATE INDEX anchor_rollup_person_year ON rollup_person_year(year, service_id, person_id);
CREATE TABLE rollup_month AS
  SELECT service_id, date_trunc('month', happened_at)::date AS month, place_kind, count(*) AS n
  FROM encounter GROUP BY 1, 2, 3;
CREATE INDEX anchor_rollup_month ON rollup_month(month);
"""
    Path("/tmp/aupres_bench_anchor_indexes.sql").write_text(indexes)
    psql("-f", "/tmp/aupres_bench_anchor_indexes.sql")
    log(f"anchor indexes and rollups in {time.time() - t:.0f} s")
