# ruff: noqa: S311, S608, S108 — a local benchmark: SQL built from constants, /tmp files.
"""Benchmark: the field app's sync (POST /api/v1/sync, issue #12), server side, on PostgreSQL or SQLite.

PostgreSQL (default): the shared dataset of bench/_data.py built (or reused) in its OWN database
(default `field_bench`, scale 0.1: 100 k persons, 100 services, 150 k follow-ups, 2 M encounters, 3 M
acts, the anchor schema of /work/shared/anchors beside them). SQLite (`--sqlite`): a file database in
/tmp/aupres-fieldplaces-bench built through the ORM (10 services, 10 k persons, 15 k follow-ups,
100 k encounters with 150 k acts).

Signed in as the nurse of the service with the most open follow-ups (health and social compartments),
it sends batches of new captures (an encounter with one person of the service's open follow-ups and two
acts, a health one and a social one) through the whole HTTP stack in-process (Django test client: server
time, no network): --runs50 requests of 50 captures and --runs500 requests of 500, then the retry of a
batch of 500 already applied. p50/p95 per request.

Anchors, same run, same data: the very rows a sync of n captures writes (encounter, staff, encounter
person, two acts, receipt, journal event) written by bare COPY (PostgreSQL) and by plain multi-row
INSERTs (executemany) in one transaction, n = 50 and 500; and the raw caseload query of
/work/shared/anchors/q/e1_caseload.sql on the anchor schema (PostgreSQL), as a yardstick of the
machine's load. Ratios are printed against them.

    .venv/bin/python bench/field_sync.py [--scale 0.1] [--db field_bench] [--drop]
    .venv/bin/python bench/field_sync.py --sqlite
"""

import argparse
import datetime
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import ANCHORS, ROOT, add_arguments, finish, log, open_dataset, signed_in_client  # noqa: E402

SQLITE_DIR = Path("/tmp/aupres-fieldplaces-bench")


def pcts(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, int(round(len(samples) * 0.95)) - 1)]


def captures(service_id, persons, rng, n):
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    out = []
    for i in range(n):
        pid, version = persons[rng.randrange(len(persons))]
        out.append({
            "client_uuid": str(uuid.uuid4()), "kind": "encounter", "captured_at": now.isoformat(),
            "persons_seen": [{"id": pid, "version": version}],
            "encounter": {"service": service_id, "occurred_at": (now - datetime.timedelta(minutes=i)).isoformat(),
                          "place_kind": rng.choice(["street", "camp", "squat"]), "mode": "street_round",
                          "persons": [pid], "acts": [{"kind": "nursing_care", "person": pid},
                                                     {"kind": "social_interview", "person": pid}]},
        })
    return out


def post(client, items):
    t = time.perf_counter()
    r = client.post("/api/v1/sync", {"items": items}, content_type="application/json")
    elapsed = time.perf_counter() - t
    assert r.status_code == 200, r.content[:300]
    return elapsed, [x["status"] for x in r.json()["results"]]


def anchor(service_id, user_id, rows, method):
    """The rows a sync of len(rows) captures writes, by COPY or by INSERTs, in one transaction (then removed)."""
    from django.db import connection, transaction

    pg = connection.vendor == "postgresql"
    now = datetime.datetime.now(datetime.UTC)
    with connection.cursor() as c:
        if pg:
            c.execute("SELECT nextval(pg_get_serial_sequence('encounters_encounter', 'id')) "
                      "FROM generate_series(1, %s)", [len(rows)])
            ids = [r[0] for r in c.fetchall()]
        else:
            c.execute("SELECT coalesce(max(id), 0) FROM encounters_encounter")
            top = c.fetchone()[0]
            ids = list(range(top + 1, top + 1 + len(rows)))

    def u():
        return uuid.uuid4() if pg else uuid.uuid4().hex

    encounters = [(eid, 1, u(), service_id, now, "street", "street_round", 0, user_id, now) for eid in ids]
    staff = [(eid, user_id) for eid in ids]
    links = [(eid, pid, fid, service_id, now) for eid, (pid, fid) in zip(ids, rows, strict=True)]
    acts = [(eid, pid, kind, comp, "") for eid, (pid, _f) in zip(ids, rows, strict=True)
            for kind, comp in (("nursing_care", "health"), ("social_interview", "social"))]
    receipts = [(u(), user_id, "encounter", eid, now, now) for eid in ids]
    events = [(now, user_id, "bench", pid, service_id, "identity,health,social", "create", "api", "api:sync", False,
               1, "") for pid, _f in rows]
    tables = [
        ("encounters_encounter", "id, version, client_uuid, service_id, occurred_at, place_kind, mode, "
                                 "anonymous_contacts, recorded_by_id, recorded_at", encounters),
        ("encounters_encounter_staff", "encounter_id, user_id", staff),
        ("encounters_encounterperson", "encounter_id, person_id, followup_id, service_id, occurred_at", links),
        ("encounters_act", "encounter_id, person_id, kind, compartment, details", acts),
        ("field_syncreceipt", "client_uuid, user_id, kind, encounter_id, captured_at, applied_at", receipts),
        ("audit_accessevent", "at, user_id, username, person_id, service_id, compartments, action, channel, route, "
                              "emergency, person_count, person_ids", events),
    ]
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        for table, cols, data in tables:
            if method == "copy":
                with c.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(data[0]))
                c.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", data)
    elapsed = time.perf_counter() - t
    with transaction.atomic(), connection.cursor() as c:  # the data as it was (events are append-only: kept)
        marks = ", ".join(["%s"] * len(ids))
        for table in ("field_syncreceipt", "encounters_act", "encounters_encounterperson", "encounters_encounter_staff"):
            c.execute(f"DELETE FROM {table} WHERE encounter_id IN ({marks})", ids)
        c.execute(f"DELETE FROM encounters_encounter WHERE id IN ({marks})", ids)
    return elapsed


def caseload_anchor():
    """q/e1_caseload.sql of /work/shared/anchors on the anchor schema of the same database."""
    from django.db import connection

    sql = (ANCHORS / "q" / "e1_caseload.sql").read_text().split("\n", 1)[1].replace(":s", "%s")
    with connection.cursor() as c:
        c.execute("SELECT max(id) FROM service")
        top = c.fetchone()[0]
        rng = random.Random(5)
        samples = []
        for _ in range(40):
            t = time.perf_counter()
            c.execute(sql, [rng.randint(1, top)])
            c.fetchall()
            samples.append(time.perf_counter() - t)
    return pcts(samples)


def open_sqlite():
    """A SQLite file built through the ORM (reused when present)."""
    SQLITE_DIR.mkdir(parents=True, exist_ok=True)
    os.environ.pop("AUPRES_DATABASE_URL", None)
    os.environ["AUPRES_VAR_DIR"] = str(SQLITE_DIR)
    os.environ.setdefault("AUPRES_DEV", "1")
    os.environ["AUPRES_ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0", "--skip-checks"], check=True,  # noqa: S603
                   cwd=ROOT)
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aupres.settings")
    import django

    django.setup()
    from django.db import transaction

    from aupres.accounts.models import User
    from aupres.encounters.models import ACT_COMPARTMENT, Act, Encounter, EncounterPerson
    from aupres.followups.models import FollowUp
    from aupres.persons.models import Person
    from aupres.services.models import Membership, Operator, Service, ServiceKind

    if User.objects.filter(username="snurse0").exists():
        log(f"reusing {SQLITE_DIR}")
        return
    t0 = time.time()
    rng = random.Random(3)
    with transaction.atomic():
        operator = Operator.objects.create(name="Opérateur du banc", kind="association")
        kind = ServiceKind.objects.get(code="lhss_mobile")
        services = []
        for i in range(10):
            s = Service(operator=operator, kind=kind, name=f"Service {i}")
            s.apply_kind_template()
            services.append(s)
        services = Service.objects.bulk_create(services)
        users = User.objects.bulk_create([User(username=f"snurse{i}", kind="staff") for i in range(10)])
        Membership.objects.bulk_create([Membership(user=u, service=s, profession="nurse", etp="0.5",
                                                   start_date="2020-01-01") for u, s in zip(users, services,
                                                                                              strict=True)])
        persons = Person.objects.bulk_create([Person(alias=f"p{i}", sex="unknown") for i in range(10_000)],
                                             batch_size=2000)
        today = datetime.date.today()
        followups = FollowUp.objects.bulk_create([
            FollowUp(person=persons[i % 10_000], service=services[i % 10],
                     opened_on=today - datetime.timedelta(days=400 - i % 300),
                     closed_on=None if i % 3 == 0 else today - datetime.timedelta(days=i % 90))
            for i in range(15_000)], batch_size=2000)
        opened = [f for f in followups if f.closed_on is None]
        start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=700)
        kinds = list(ACT_COMPARTMENT)
        for chunk in range(0, 100_000, 10_000):
            encs = Encounter.objects.bulk_create([
                Encounter(service_id=f.service_id, occurred_at=start + datetime.timedelta(minutes=7 * (chunk + i)),
                          place_kind="street", mode="street_round", recorded_by=users[0])
                for i, f in enumerate(rng.choice(opened) for _ in range(10_000))], batch_size=2000)
            fus = [rng.choice(opened) for _ in encs]
            EncounterPerson.objects.bulk_create([
                EncounterPerson(encounter=e, person_id=f.person_id, followup=f, service_id=f.service_id,
                                occurred_at=e.occurred_at) for e, f in zip(encs, fus, strict=True)], batch_size=2000)
            Act.objects.bulk_create([
                Act(encounter=e, person_id=f.person_id, kind=k, compartment=ACT_COMPARTMENT[k])
                for e, f in zip(encs, fus, strict=True) for k in rng.sample(kinds, 1 + (e.pk % 2))],
                batch_size=2000)
    log(f"built {SQLITE_DIR} in {time.time() - t0:.0f} s")


def main():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    parser.add_argument("--sqlite", action="store_true", help="measure on a SQLite file instead")
    parser.add_argument("--runs50", type=int, default=30, help="requests of 50 captures")
    parser.add_argument("--runs500", type=int, default=12, help="requests of 500 captures")
    parser.add_argument("--profile", action="store_true", help="profile one request of 500 captures, then stop")
    parser.set_defaults(db="field_bench", scale=0.1)
    args = parser.parse_args()
    if args.sqlite:
        open_sqlite()
        sizes = None
    else:
        sizes = open_dataset(args)

    from django.db import connection

    from aupres.accounts.models import User
    from aupres.encounters.models import Encounter
    from aupres.followups.models import FollowUp
    from aupres.persons.models import Person

    rng = random.Random(12)
    with connection.cursor() as c:
        c.execute("SELECT service_id FROM followups_followup WHERE closed_on IS NULL GROUP BY service_id "
                  "ORDER BY count(*) DESC LIMIT 1")
        service_id = c.fetchone()[0]
    user = (User.objects.get(username=f"snurse{service_id - min_service()}") if args.sqlite else
            User.objects.get(pk=sizes["first_user"] + service_id - sizes["first_service"]))
    open_fu = list(FollowUp.objects.open().filter(service_id=service_id).values_list("person_id", "pk"))
    versions = dict(Person.objects.filter(pk__in=[p for p, _f in open_fu]).values_list("pk", "version"))
    persons = [(p, versions[p]) for p, _f in open_fu]
    log(f"{connection.vendor}: service {service_id}: {len(persons)} persons in open follow-ups; "
        f"{Encounter.objects.count()} encounters; nurse {user.username}")
    client = signed_in_client(user)

    for _ in range(2):  # warm-up (imports, caches)
        post(client, captures(service_id, persons, rng, 50))
    if args.profile:
        import cProfile
        import pstats

        items = captures(service_id, persons, rng, 500)
        profiler = cProfile.Profile()
        profiler.runcall(post, client, items)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        pstats.Stats(profiler).print_callers("functional.py:(276|249)")
        return
    times = {50: [], 500: []}
    anchors = {(n, m): [] for n in (50, 500) for m in ("copy", "insert")}
    methods = ("copy", "insert") if connection.vendor == "postgresql" else ("insert",)
    for n, runs in ((50, args.runs50), (500, args.runs500)):
        for r in range(runs):
            elapsed, statuses = post(client, captures(service_id, persons, rng, n))
            assert statuses == ["created"] * n, set(statuses)
            times[n].append(elapsed)
            for m in methods:
                anchors[(n, m)].append(anchor(service_id, user.pk,
                                              [open_fu[rng.randrange(len(open_fu))] for _ in range(n)], m))
            if r % 5 == 0:
                log(f"{n} captures: run {r + 1}/{runs}: {elapsed * 1000:.0f} ms")
    retry_items = captures(service_id, persons, rng, 500)
    post(client, retry_items)
    retries = []
    for _ in range(5):
        elapsed, statuses = post(client, retry_items)
        assert statuses == ["already_applied"] * 500
        retries.append(elapsed)
    case = caseload_anchor() if connection.vendor == "postgresql" else None
    load = Path("/proc/loadavg").read_text().split()[:3]

    print()
    where = (f"PostgreSQL, scale {args.scale} ({sizes['persons']} persons, {sizes['encounters']} encounters)"
             if sizes else "SQLite file (10 k persons, 100 k encounters)")
    print(f"POST /api/v1/sync, server side, {where}; load average {' '.join(load)} (2 cores, shared)")
    for n in (50, 500):
        p50, p95 = pcts(times[n])
        print(f"  {n:3} captures per request: p50 {p50 * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms  (n={len(times[n])})"
              f"  per capture p50 {p50 / n * 1000:.2f} ms")
        for m in methods:
            a50, a95 = pcts(anchors[(n, m)])
            print(f"      anchor: the same rows by {m.upper():6}: p50 {a50 * 1000:6.1f} ms  p95 {a95 * 1000:6.1f} ms"
                  f"  -> ratio sync/anchor p50 x{p50 / a50:.1f}, p95 x{p95 / a95:.1f}")
    r50, r95 = pcts(retries)
    print(f"  retry of 500 already applied: p50 {r50 * 1000:.0f} ms  p95 {r95 * 1000:.0f} ms")
    if case:
        print(f"  anchor q/e1_caseload.sql (raw, same database): p50 {case[0] * 1000:.1f} ms  "
              f"p95 {case[1] * 1000:.1f} ms (README's quiet machine: 8 / 13 ms at 1 M persons)")
    if not args.sqlite:
        finish(args)


def min_service():
    from aupres.services.models import Service

    return Service.objects.filter(name__startswith="Service ").order_by("pk").values_list("pk", flat=True).first()


if __name__ == "__main__":
    main()
