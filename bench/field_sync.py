# ruff: noqa: S311, S608 — a local benchmark: SQL built from constants.
"""Benchmark: syncing 500 captures from the field app (POST /api/v1/sync) on PostgreSQL (issue #12).

Builds (or reuses) the shared dataset of bench/_data.py in its OWN database (default `field_bench`,
scale 0.02: 20 k persons, 20 services, 30 k follow-ups, 400 k encounters, 600 k acts), then, signed in
as the nurse of one service, sends 500 captures (an encounter with one person of the service's open
follow-ups and two acts, as a quick encounter with a detail) through the whole HTTP stack in-process
(Django test client: server time, no network), in the phone's batches of 50, several rounds; and the
same 500 in one request; and the retry of an already-synced batch (all `already_applied`).

Anchor, same run, same data: the same rows (encounter, staff, encounter person, two acts, receipt,
journal event) for 500 captures written by a bare COPY in one transaction, and by plain INSERTs.

    .venv/bin/python bench/field_sync.py [--scale 0.02] [--rounds 4] [--db field_bench] [--drop]
"""

import argparse
import datetime
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import add_arguments, finish, log, open_dataset, signed_in_client  # noqa: E402

CAPTURES = 500
BATCH = 50


def pct(times, q):
    times = sorted(times)
    return times[max(0, int(round(len(times) * q)) - 1)]


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
    """The rows a sync of `rows` captures writes, by COPY or by INSERT, in one transaction."""
    from django.db import connection, transaction

    now = datetime.datetime.now(datetime.UTC)
    with connection.cursor() as c:
        c.execute("SELECT nextval(pg_get_serial_sequence('encounters_encounter', 'id')) FROM generate_series(1, %s)",
                  [len(rows)])
        ids = [r[0] for r in c.fetchall()]
    encounters = [(eid, 1, uuid.uuid4(), service_id, now, "street", "street_round", 0, user_id, now)
                  for eid in ids]
    staff = [(eid, user_id) for eid in ids]
    links = [(eid, pid, fid, service_id, now) for eid, (pid, fid) in zip(ids, rows, strict=True)]
    acts = [(eid, pid, kind, comp, "") for eid, (pid, _f) in zip(ids, rows, strict=True)
            for kind, comp in (("nursing_care", "health"), ("social_interview", "social"))]
    receipts = [(uuid.uuid4(), user_id, "encounter", eid, now, now) for eid in ids]
    events = [(now, user_id, "bench", pid, service_id, "identity,health,social", "create", "api", "api:sync", False)
              for pid, _f in rows]
    tables = [
        ("encounters_encounter", "id, version, client_uuid, service_id, occurred_at, place_kind, mode, "
                                 "anonymous_contacts, recorded_by_id, recorded_at", encounters),
        ("encounters_encounter_staff", "encounter_id, user_id", staff),
        ("encounters_encounterperson", "encounter_id, person_id, followup_id, service_id, occurred_at", links),
        ("encounters_act", "encounter_id, person_id, kind, compartment, details", acts),
        ("field_syncreceipt", "client_uuid, user_id, kind, encounter_id, captured_at, applied_at", receipts),
        ("audit_accessevent", "at, user_id, username, person_id, service_id, compartments, action, channel, route, "
                              "emergency", events),
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
    with transaction.atomic(), connection.cursor() as c:  # keep the data as it was
        for table in ("field_syncreceipt", "encounters_act", "encounters_encounterperson", "encounters_encounter_staff"):
            c.execute(f"DELETE FROM {table} WHERE encounter_id = ANY(%s)", [ids])
        c.execute("DELETE FROM encounters_encounter WHERE id = ANY(%s)", [ids])
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    parser.add_argument("--rounds", type=int, default=4, help="rounds of 500 captures in batches of 50")
    parser.set_defaults(db="field_bench", scale=0.02)
    args = parser.parse_args()
    sizes = open_dataset(args)

    from django.db import connection

    from aupres.accounts.models import User
    from aupres.followups.models import FollowUp
    from aupres.persons.models import Person

    rng = random.Random(12)
    # The service with the most open follow-ups, its nurse (health and social compartments).
    with connection.cursor() as c:
        c.execute("SELECT service_id FROM followups_followup WHERE closed_on IS NULL GROUP BY service_id "
                  "ORDER BY count(*) DESC LIMIT 1")
        service_id = c.fetchone()[0]
    user = User.objects.get(pk=sizes["first_user"] + service_id - sizes["first_service"])
    open_fu = list(FollowUp.objects.open().filter(service_id=service_id).values_list("person_id", "pk"))
    versions = dict(Person.objects.filter(pk__in=[p for p, _f in open_fu]).values_list("pk", "version"))
    persons = [(p, versions[p]) for p, _f in open_fu]
    log(f"service {service_id}: {len(persons)} persons in open follow-ups; nurse {user.username}")
    client = signed_in_client(user)

    post(client, captures(service_id, persons, rng, BATCH))  # warm-up
    batch_times, round_totals, copy_times, insert_times = [], [], [], []
    for r in range(args.rounds):
        items = captures(service_id, persons, rng, CAPTURES)
        total = 0.0
        for i in range(0, CAPTURES, BATCH):
            elapsed, statuses = post(client, items[i:i + BATCH])
            assert statuses == ["created"] * BATCH, set(statuses)
            batch_times.append(elapsed)
            total += elapsed
        round_totals.append(total)
        copy_times.append(anchor(service_id, user.pk, [open_fu[rng.randrange(len(open_fu))] for _ in range(CAPTURES)],
                                 "copy"))
        insert_times.append(anchor(service_id, user.pk,
                                   [open_fu[rng.randrange(len(open_fu))] for _ in range(CAPTURES)], "insert"))
        log(f"round {r + 1}: 500 captures in {total:.2f} s (sync), COPY {copy_times[-1] * 1000:.0f} ms, "
            f"INSERT {insert_times[-1] * 1000:.0f} ms")
    one_items = captures(service_id, persons, rng, CAPTURES)
    one_request, statuses = post(client, one_items)
    assert statuses == ["created"] * CAPTURES
    retry, statuses = post(client, one_items)
    assert statuses == ["already_applied"] * CAPTURES

    print()
    print(f"Sync of captures, PostgreSQL, scale {args.scale} ({sizes['persons']} persons, {sizes['encounters']} "
          f"encounters), {args.rounds} rounds of {CAPTURES} captures; machine shared (2 cores).")
    print(f"  batch of {BATCH} captures (one POST /api/v1/sync):  p50 {statistics.median(batch_times) * 1000:.0f} ms"
          f"  p95 {pct(batch_times, 0.95) * 1000:.0f} ms  (n={len(batch_times)})")
    per = [t / BATCH * 1000 for t in batch_times]
    print(f"  per capture:                                  p50 {statistics.median(per):.1f} ms  "
          f"p95 {pct(per, 0.95):.1f} ms")
    print(f"  {CAPTURES} captures in batches of {BATCH}:               median {statistics.median(round_totals):.2f} s"
          f"  max {max(round_totals):.2f} s")
    print(f"  {CAPTURES} captures in ONE request:                  {one_request:.2f} s")
    print(f"  retry of those {CAPTURES} (all already applied):      {retry:.2f} s")
    copy_med, insert_med = statistics.median(copy_times), statistics.median(insert_times)
    print(f"  anchor: the same rows for {CAPTURES} captures by COPY:   median {copy_med * 1000:.0f} ms; "
          f"by INSERTs: {insert_med * 1000:.0f} ms")
    print(f"  ratio sync(500, batches of 50) / COPY: {statistics.median(round_totals) / copy_med:.0f}x;  "
          f"/ INSERTs: {statistics.median(round_totals) / insert_med:.1f}x")
    print(f"  ratio sync(500, one request) / COPY: {one_request / copy_med:.0f}x")
    finish(args)


if __name__ == "__main__":
    main()
