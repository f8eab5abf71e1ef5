# ruff: noqa: S603, S607, S608, S108 — a local benchmark: fixed commands, SQL built from constants, /tmp files.
"""Benchmark: the regulator's regional free places and a service's occupancy board, on PostgreSQL.

Builds its OWN database (`places_bench`, never the shared `aupres_bench`): `migrate`, then set-based SQL
(generate_series): 1 000 residential services in one region (100 operators), 20 000 places (beds, rooms,
apartments, shared apartments, family units), 100 000 persons, about 90 000 stays over a year (back-to-back
on each place, most places occupied tonight, the PostgreSQL exclusion constraints checking every row),
500 out-of-service periods; a regulator of the region and one nurse per service.

Then times, p50/p95 over --runs:
- the ORM path of the regional view: places.services.regional_free_places(regulator);
- the regional page through Django's test client (middleware, session, template);
- the ORM path of one service's occupancy board: places.services.board(nurse, service) (random services);
- the board page through the test client;
and in the same run, on the same data, the raw-SQL anchors: one grouped SQL of free places tonight by
territory and kind over the region, and one SQL of a service's places with tonight's stays (the board's
core), printing the ratios.

    .venv/bin/python bench/places.py [--runs 100] [--no-reuse] [--drop]
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
DB = "places_bench"
PG = ["-h", "127.0.0.1", "-U", "postgres"]
N_SERVICES, N_PLACES, N_PERSONS = 1000, 20_000, 100_000
KINDS = ["lhss_residential", "lam", "act", "lhss_paediatric", "mum", "violence_shelter"]


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, flush=True)


def percentiles(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def exists():
    out = subprocess.run(["psql", *PG, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{DB}'"],
                         capture_output=True, text=True).stdout.strip()
    return out == "1"


def setup(reuse):
    fresh = not (reuse and exists())
    if fresh:
        subprocess.run(["dropdb", *PG, "--if-exists", DB], check=True)
        subprocess.run(["createdb", *PG, DB], check=True)
    os.environ["AUPRES_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
    os.environ.setdefault("AUPRES_DEV", "1")
    os.environ.setdefault("AUPRES_VAR_DIR", "/tmp/aupres-places-bench")
    os.environ["AUPRES_ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    Path(os.environ["AUPRES_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0", "--skip-checks"], check=True, cwd=ROOT)
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aupres.settings")
    import django

    django.setup()
    from aupres.places.models import Place

    if fresh or not Place.objects.exists():
        build()


def build():
    from _data import not_null_fill
    from django.db import connection

    from aupres.accounts.models import User
    from aupres.services.models import Membership, Operator, Service, ServiceKind, Territory

    t0 = time.time()
    region = Territory.objects.create(level="region", code="P", name="Région des places")
    departements = [Territory.objects.create(level="departement", code=f"P{i}", name=f"Département {i}",
                                             parent=region) for i in range(5)]
    kinds = {k.code: k for k in ServiceKind.objects.filter(code__in=KINDS)}
    operators = Operator.objects.bulk_create([Operator(name=f"Opérateur {i}", kind="association") for i in range(100)])
    services = []
    for i in range(N_SERVICES):
        s = Service(operator=operators[i % 100], kind=kinds[KINDS[i % len(KINDS)]], name=f"Service {i}")
        s.apply_kind_template()
        services.append(s)
    services = Service.objects.bulk_create(services)
    Service.territories.through.objects.bulk_create(
        [Service.territories.through(service_id=s.pk, territory_id=departements[i % 5].pk)
         for i, s in enumerate(services)])
    users = User.objects.bulk_create([User(username=f"pnurse{i}", kind="staff") for i in range(N_SERVICES)])
    Membership.objects.bulk_create([Membership(user=u, service=s, profession="nurse", etp="0.5",
                                               start_date="2020-01-01") for u, s in zip(users, services, strict=True)])
    User.objects.create(username="pregulator", kind="regulator", territory=region)
    s0 = services[0].pk
    with connection.cursor() as c:
        c.execute("SET synchronous_commit = off")
        cols, vals = not_null_fill(c, "persons_person", {"id": "g", "alias": "'p' || g", "sex": "'unknown'"})
        c.execute(f"INSERT INTO persons_person ({cols}) SELECT {vals} FROM generate_series(1, {N_PERSONS}) g")
        c.execute("SELECT setval(pg_get_serial_sequence('persons_person', 'id'), %s)", [N_PERSONS])
        # 20 places per service: 12 beds/rooms, 4 apartments, 2 shared apartments (3 persons), 2 family units.
        kind = ("CASE WHEN g % 20 < 10 THEN 'bed' WHEN g % 20 < 12 THEN 'room' WHEN g % 20 < 16 THEN 'apartment' "
                "WHEN g % 20 < 18 THEN 'shared_apartment' ELSE 'family_unit' END")
        persons = "CASE WHEN g % 20 BETWEEN 16 AND 17 THEN 3 WHEN g % 20 >= 18 THEN 4 ELSE 1 END"
        cols, vals = not_null_fill(c, "places_place", {
            "id": "g", "service_id": f"{s0} + (g - 1) / 20", "label": "'Place ' || (g % 20)", "kind": kind,
            "persons": persons, "sex": "'any'", "family": "CASE WHEN g % 20 >= 18 THEN 'families' ELSE 'any' END",
            "address": "(g % 90) || ' rue du Banc'", "is_active": "true", "version": "1",
            "wheelchair": "g % 7 = 0", "ground_floor": "g % 5 = 0"})
        c.execute(f"INSERT INTO places_place ({cols}) SELECT {vals} FROM generate_series(1, {N_PLACES}) g")
        c.execute("SELECT setval(pg_get_serial_sequence('places_place', 'id'), %s)", [N_PLACES])
        # Stays: on each place (each of the 3 slots of a shared apartment), a year of stays of 30 to 120 days
        # back to back with a 2-day gap; the last one is open (ending in the future: planned end only) for 4
        # places in 5. Persons cycle through 100 000 (one person is never on two places at once: each
        # (place, slot) draws its persons from its own stride).
        cols, vals = not_null_fill(c, "places_stay", {
            "place_id": "p.id", "service_id": "p.service_id", "person_id": "1 + ((p.id * 3 + sl) * 7 + k) % 100000",
            "occupants": "CASE WHEN p.kind = 'family_unit' THEN 3 ELSE 1 END",
            "exclusive": "p.kind <> 'shared_apartment'",
            "start_date": "current_date - 365 + k * 62 + (p.id % 30)::int",
            "planned_end": "current_date - 365 + k * 62 + (p.id % 30)::int + 60",
            "end_date": "CASE WHEN current_date - 365 + k * 62 + (p.id % 30)::int + 60 >= current_date "
                        "AND p.id % 5 <> 0 THEN NULL ELSE LEAST(current_date - 365 + k * 62 + (p.id % 30)::int + 60, "
                        "current_date) END",
            "exit_reason": "''", "exit_destination": "''", "version": "1", "created_at": "now()"})
        c.execute(f"""INSERT INTO places_stay ({cols})
                      SELECT {vals} FROM places_place p
                      CROSS JOIN generate_series(0, 2) sl CROSS JOIN generate_series(0, 5) k
                      WHERE (sl = 0 OR p.kind = 'shared_apartment')
                        AND current_date - 365 + k * 62 + (p.id % 30)::int < current_date""")
        log(f"stays: {c.rowcount}")
        cols, vals = not_null_fill(c, "places_outofservice", {
            "place_id": "g * 40", "start_date": "current_date - 5", "end_date": "current_date + 10",
            "reason": "'works'", "note": "''"})
        c.execute(f"""INSERT INTO places_outofservice ({cols}) SELECT {vals} FROM generate_series(1, 500) g
                      WHERE NOT EXISTS (SELECT 1 FROM places_stay s WHERE s.place_id = g * 40
                                        AND (s.end_date IS NULL OR s.end_date > current_date - 5))""")
    with connection.cursor() as c:  # as autovacuum leaves a live database: statistics and visibility map set
        c.execute("VACUUM ANALYZE")
    log(f"built in {time.time() - t0:.0f} s")


REGIONAL_ANCHOR = """
SELECT st.territory_id, p.kind, count(*), sum(CASE WHEN o.place_id IS NOT NULL THEN 0
         WHEN p.kind <> 'shared_apartment' AND coalesce(u.n, 0) > 0 THEN 0
         ELSE greatest(0, p.persons - coalesce(u.n, 0)) END)
FROM places_place p
JOIN services_service_territories st ON st.service_id = p.service_id
LEFT JOIN (SELECT place_id, sum(occupants) n FROM places_stay WHERE start_date <= current_date
           AND (end_date IS NULL OR end_date > current_date) GROUP BY place_id) u ON u.place_id = p.id
LEFT JOIN (SELECT DISTINCT place_id FROM places_outofservice WHERE start_date <= current_date
           AND (end_date IS NULL OR end_date > current_date)) o ON o.place_id = p.id
WHERE p.is_active AND st.territory_id = ANY(%s)
GROUP BY st.territory_id, p.kind
"""
BOARD_ANCHOR = """
SELECT p.id, p.label, p.kind, p.persons, s.id, s.person_id, s.start_date, s.planned_end, s.end_date
FROM places_place p LEFT JOIN places_stay s ON s.place_id = p.id
  AND (s.end_date IS NULL OR s.end_date > current_date) AND s.start_date < current_date + 30
WHERE p.service_id = %s AND p.is_active ORDER BY p.label, p.id
"""


def measure(runs):
    from django.db import connection
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from aupres.accounts.models import User
    from aupres.places import services as places
    from aupres.services.models import Service

    def client_of(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="bench", confirmed=True)
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    rng = random.Random(1)
    regulator = User.objects.get(username="pregulator")
    scope = list(regulator.territory.self_and_descendant_ids())
    nurses = list(User.objects.filter(username__startswith="pnurse").order_by("pk"))
    service_ids = list(Service.objects.order_by("pk").values_list("pk", flat=True))
    view = places.regional_free_places(regulator)
    log(f"regional: {len(view['by_service'])} services, {sum(r['places'] for r in view['by_service'])} places, "
        f"{view['total']} free tonight")
    reg_client = client_of(regulator)
    nurse_clients = {}
    results = {}

    def timed(name, fn):
        samples = []
        fn()  # warm
        for _ in range(runs):
            t = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t) * 1000)
        results[name] = percentiles(samples)
        log(f"{name:34} n={runs} p50={results[name][0]:7.1f} ms  p95={results[name][1]:7.1f} ms")

    def regional_orm():
        user = User.objects.get(pk=regulator.pk)  # a fresh user per request, as the view has
        places.regional_free_places(user)

    def regional_page():
        assert reg_client.get("/places/regional/").status_code == 200

    def pick():
        i = rng.randrange(len(nurses))
        return nurses[i], service_ids[i]

    def board_orm():
        nurse, sid = pick()
        user = User.objects.get(pk=nurse.pk)
        b = places.board(user, Service.objects.get(pk=sid))
        assert len(b.rows) == 20

    # The nurses whose boards the page is timed on are signed in before the clock runs (a sign-in is
    # not a board view); the same random sequence is then replayed.
    page_picks = [pick() for _ in range(runs + 1)]
    for nurse, _sid in page_picks:
        if nurse.pk not in nurse_clients:
            nurse_clients[nurse.pk] = client_of(nurse)
    page_order = iter(page_picks)

    def board_page():
        nurse, sid = next(page_order)
        assert nurse_clients[nurse.pk].get(f"/places/service/{sid}/").status_code == 200

    def regional_anchor():
        with connection.cursor() as c:
            c.execute(REGIONAL_ANCHOR, [scope])
            c.fetchall()

    def board_anchor():
        with connection.cursor() as c:
            c.execute(BOARD_ANCHOR, [rng.choice(service_ids)])
            c.fetchall()

    timed("anchor regional (raw SQL)", regional_anchor)
    timed("regional_free_places (ORM)", regional_orm)
    timed("regional page (HTTP)", regional_page)
    timed("anchor board (raw SQL)", board_anchor)
    timed("board (ORM)", board_orm)
    timed("board page (HTTP)", board_page)
    for name, anchor in (("regional_free_places (ORM)", "anchor regional (raw SQL)"),
                         ("regional page (HTTP)", "anchor regional (raw SQL)"),
                         ("board (ORM)", "anchor board (raw SQL)"), ("board page (HTTP)", "anchor board (raw SQL)")):
        (p50, p95), (a50, a95) = results[name], results[anchor]
        log(f"ratio {name}: p50 ×{p50 / a50:.1f}, p95 ×{p95 / a95:.1f} of the anchor")
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--reuse", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args()
    setup(args.reuse)
    try:
        measure(args.runs)
    finally:
        from django.db import connections

        connections.close_all()
        if args.drop:
            subprocess.run(["dropdb", *PG, "--if-exists", DB], check=True)
            log(f"dropped {DB}")


if __name__ == "__main__":
    main()
