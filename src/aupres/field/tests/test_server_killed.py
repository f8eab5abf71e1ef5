"""The server process is killed in the middle of a sync batch, restarted, and the phone retries: every
capture exists exactly once, none is lost, none is half-saved (issue #12).

A real server (`manage.py runserver --noreload`, a subprocess) on a SQLite file: SIGKILL gives it no
chance to finish anything, as a power cut or an out-of-memory kill would not.
"""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[4]
CAPTURES = 500
CHUNK = 10  # the sync commits every CHUNK captures here, so that the kill falls between and inside commits

SETUP = """
import datetime, json
from decimal import Decimal
from aupres.accounts.models import ApiToken, User
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.services.models import Membership, Operator, Service, ServiceKind
operator = Operator.objects.create(name="Opérateur", kind="association")
service = Service(name="EMSP", kind=ServiceKind.objects.get(code="lhss_mobile"), operator=operator)
service.apply_kind_template(); service.save()
user = User.objects.create_user(username="worker", password="x-long-password-1", first_name="W")
Membership.objects.create(user=user, service=service, profession="social_worker", etp=Decimal("1"),
                          start_date=datetime.date(2025, 1, 1))
persons = []
for i in range(20):
    p = Person.objects.create(alias=f"P{i}")
    FollowUp.objects.create(person=p, service=service, opened_on=datetime.date(2026, 1, 5))
    persons.append({"id": p.pk, "version": p.version})
_token, raw = ApiToken.issue(user)
print(json.dumps({"token": raw, "service": service.pk, "persons": persons}))
"""


def _env(var_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "AUPRES_", "DJANGO_"))}
    env.update(AUPRES_VAR_DIR=str(var_dir), AUPRES_FIELD_SYNC_CHUNK=str(CHUNK))
    env.update(AUPRES_DEV="1", AUPRES_REQUIRE_2FA="0", AUPRES_TASKS="immediate",
               AUPRES_LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
    return env


def _manage(env, *args, **kw):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=env, check=True,  # noqa: S603
                          capture_output=True, text=True, timeout=300, **kw)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(env, port):
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runserver", "--noreload", "--nothreading", f"127.0.0.1:{port}"],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("the server did not start")


def _post(port, token, items, timeout=120):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/sync", data=json.dumps({"items": items}).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return json.loads(response.read())["results"]


def _count(db, sql, *args):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        return conn.execute(sql, args).fetchone()[0]


def test_server_killed_mid_batch_then_retried_applies_every_capture_once(tmp_path):
    env = _env(tmp_path)
    _manage(env, "migrate", "--no-input")
    world = json.loads(_manage(env, "shell", "-c", SETUP).stdout.strip().splitlines()[-1])
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 3600))
    items = []
    for i in range(CAPTURES):
        p = world["persons"][i % len(world["persons"])]
        items.append({
            "client_uuid": str(uuid.uuid4()), "kind": "encounter", "persons_seen": [p],
            "encounter": {"service": world["service"], "occurred_at": now, "place_kind": "street",
                          "mode": "street_round", "persons": [p["id"]], "anonymous_contacts": i % 3,
                          "acts": [{"kind": "social_interview", "person": p["id"]},
                                   {"kind": "material_aid", "person": p["id"]}]},
        })
    db = tmp_path / "aupres.sqlite3"
    port = _free_port()
    server = _start(env, port)
    outcome = {}

    def send():
        try:
            outcome["results"] = _post(port, world["token"], items)
        except (urllib.error.URLError, ConnectionError, OSError) as error:  # the answer never comes
            outcome["error"] = error

    sender = threading.Thread(target=send)
    sender.start()
    try:
        deadline = time.monotonic() + 120
        while _count(db, "SELECT count(*) FROM field_syncreceipt") < 10:
            assert time.monotonic() < deadline, "the batch never started"
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
        sender.join(timeout=60)
    assert "error" in outcome and "results" not in outcome, "the server answered before it was killed"
    applied = _count(db, "SELECT count(*) FROM field_syncreceipt")
    assert 10 <= applied < CAPTURES, "killed in the middle of the batch"
    # Nothing half-saved: each encounter has its receipt, its person and both acts.
    assert _count(db, "SELECT count(*) FROM encounters_encounter") == applied
    assert _count(db, "SELECT count(*) FROM encounters_act") == 2 * applied
    assert _count(db, "SELECT count(*) FROM encounters_encounterperson") == applied
    # The journal is written with its chunk, in the same transaction: no record without its event.
    assert _count(db, "SELECT count(*) FROM audit_accessevent WHERE action = 'create'") == applied

    # The phone got no answer: it keeps every capture and sends them all again.
    server = _start(env, port)
    try:
        results = _post(port, world["token"], items)
        again = _post(port, world["token"], items)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    statuses = [r["status"] for r in results]
    assert statuses.count("already_applied") == applied
    assert statuses.count("created") == CAPTURES - applied
    assert [r["client_uuid"] for r in results] == [i["client_uuid"] for i in items]
    assert {r["status"] for r in again} == {"already_applied"}
    uuids = [i["client_uuid"].replace("-", "") for i in items]
    assert _count(db, "SELECT count(*) FROM encounters_encounter") == CAPTURES
    assert _count(db, "SELECT count(DISTINCT client_uuid) FROM encounters_encounter") == CAPTURES
    stored = set(_rows(db, "SELECT client_uuid FROM encounters_encounter"))
    assert stored == set(uuids)
    assert _count(db, "SELECT count(*) FROM encounters_act") == 2 * CAPTURES
    assert _count(db, "SELECT count(*) FROM field_syncreceipt") == CAPTURES
    assert _count(db, "SELECT sum(anonymous_contacts) FROM encounters_encounter") == sum(i % 3 for i in range(CAPTURES))


def _rows(db, sql):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        return [r[0].replace("-", "") for r in conn.execute(sql)]


