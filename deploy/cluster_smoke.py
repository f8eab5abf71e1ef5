# ruff: noqa: S603, S607, S501 — a smoke test of the local cluster: fixed commands, a self-signed certificate.
"""The smoke test of deploy/try-cluster.sh: each step asserts, and the script stops at the first failure.

1. health through nginx (database, replica, cache, storage, task queue, disk) and `check --deploy` (done
   by try-cluster.sh before the servers start);
2. a head of service signs in (password, then the TOTP code) on application server A, and continues on
   server B with the same session (sessions in the database, cache and lock-outs in Redis);
3. nginx spreads requests over both servers;
4. an indicator page is read from the replica (its scan counters move, the primary's stay for those tables);
5. an activity report PDF is built by one of the Celery workers and downloaded through nginx;
6. the metrics answer through nginx (requests by route, the Celery queue depth, task failures);
7. a backup of the primary is restored into a fresh database and matches, table by table.
"""

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import django
import psycopg
import requests
import urllib3

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aupres.settings")
django.setup()

from django.utils import timezone  # noqa: E402
from django_otp.oath import totp  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from aupres.accounts.models import User  # noqa: E402
from aupres.indicators.models import ReportGeneration  # noqa: E402
from aupres.services.models import Membership, Profession  # noqa: E402

urllib3.disable_warnings()
D = Path(os.environ["CLUSTER_DIR"])
A = f"http://127.0.0.1:{os.environ['APP1']}"
B = f"http://127.0.0.1:{os.environ['APP2']}"
PROXY = f"https://localhost:{os.environ['HTTPS_PORT']}"
HOST = f"localhost:{os.environ['HTTPS_PORT']}"
# Talking to an application server directly, as nginx does.
DIRECT = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1", "Origin": PROXY}
cookies = {}


def step(text):
    print(f"\n-- {text}", flush=True)


def passed(text):
    print(f"   PASS {text}", flush=True)


def fail(text):
    print(f"   FAIL {text}", flush=True)
    sys.exit(1)


def call(method, base, path, **kw):
    headers = {**(DIRECT if base != PROXY else {}), **kw.pop("headers", {})}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    answer = requests.request(method, base + path, headers=headers, allow_redirects=False, verify=False,
                              timeout=60, **kw)
    cookies.update(answer.cookies.get_dict())  # secure cookies kept by hand: the servers are reached over http
    return answer


def csrf_field(html):
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        fail("no CSRF token on the form")
    return match.group(1)


def replica_scans():
    with psycopg.connect(host="127.0.0.1", port=os.environ["REPLICA_PORT"], user="postgres", dbname="aupres") as c:
        return c.execute("SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) FROM pg_stat_user_tables "
                         "WHERE relname ~ '^(encounters|followups|indicators|persons)_'").fetchone()[0]


# -- 1
step("1. health through nginx; the settings passed check --deploy")
health = call("GET", PROXY, "/ops/health/?format=json")
checks = health.json() if health.headers.get("content-type", "").startswith("application/json") else {}
if health.status_code != 200 or not checks or set(checks.values()) != {"OK"}:
    fail(f"health {health.status_code}: {health.text[:400]}")
if not any("replica" in name for name in checks):
    fail("the replica is not among the health checks")
passed(f"{len(checks)} checks OK: {', '.join(checks)}")

# -- 2
step("2. sign in on server A (password + TOTP), continue on server B")
user = User.objects.get(username="chef")
password = secrets.token_urlsafe(18)
user.set_password(password)
user.save()
device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
    user=user, name="smoke phone", confirmed=True)
service_id = Membership.objects.filter(user=user, profession=Profession.HEAD_OF_SERVICE).values_list(
    "service_id", flat=True).first()
form = call("GET", A, "/compte/connexion/")
signed = call("POST", A, "/compte/connexion/", data={"username": "chef", "password": password,
                                                       "csrfmiddlewaretoken": csrf_field(form.text)})
if signed.status_code != 302 or "connexion" in signed.headers.get("Location", ""):
    fail(f"password step on A: {signed.status_code} {signed.headers.get('Location')}")
asked = call("GET", A, "/personnes/")  # the password alone opens nothing: the code is asked for
if asked.status_code != 302 or "verification" not in asked.headers.get("Location", ""):
    fail(f"after the password alone, A answered {asked.status_code} {asked.headers.get('Location')}")
page = call("GET", A, "/compte/verification/")
code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"
verified = call("POST", A, "/compte/verification/", data={"token": code, "csrfmiddlewaretoken": csrf_field(page.text)})
if verified.status_code != 302 or "connexion" in verified.headers.get("Location", "") or "verification" in \
        verified.headers.get("Location", ""):
    fail(f"code step on A: {verified.status_code} {verified.headers.get('Location')}")
passed("signed in on A with the password and the code")
on_b = call("GET", B, "/personnes/")
if on_b.status_code != 200 or 'name="password"' in on_b.text:
    fail(f"B did not recognise A's session: {on_b.status_code} {on_b.headers.get('Location')}")
passed("server B serves the caseload with the session opened on A")

# -- 3
step("3. nginx spreads the requests over both servers")
log = D / "logs" / "nginx-aupres.access.log"
before = log.read_text().count("\n") if log.exists() else 0
for _ in range(12):
    if call("GET", PROXY, "/personnes/").status_code != 200:
        fail("caseload through nginx")
time.sleep(0.5)
lines = log.read_text().splitlines()[before:]
upstreams = {m.group(1) for line in lines if (m := re.search(r'"(127\.0\.0\.1:\d+)"', line))}
if upstreams != {f"127.0.0.1:{os.environ['APP1']}", f"127.0.0.1:{os.environ['APP2']}"}:
    fail(f"upstreams used: {upstreams}")
passed(f"12 requests through https, served by {sorted(upstreams)}")

# -- 4
step("4. an indicator page is read from the replica")
scans = replica_scans()
dashboard = call("GET", B, f"/indicateurs/dispositifs/{service_id}/")
if dashboard.status_code != 200:
    fail(f"dashboard {dashboard.status_code}")
for _ in range(30):  # statistics reach the view within a second or so, at most when the backend idles
    time.sleep(0.5)
    now = replica_scans()
    if now > scans:
        break
else:
    fail(f"the replica's scan counters did not move ({scans})")
passed(f"service dashboard {service_id}: the replica scanned indicator tables {now - scans} more times")

# -- 5
step("5. an activity report PDF built by a Celery worker")
year = timezone.localdate().year - 1
started = call("POST", B, f"/indicateurs/dispositifs/{service_id}/rapport/{year}/generer/",
               headers={"X-CSRFToken": cookies.get("csrftoken", ""), "HX-Request": "true"})
if started.status_code != 200:
    fail(f"report start {started.status_code}: {started.text[:300]}")
generation = ReportGeneration.objects.filter(service_id=service_id, year=year).order_by("-pk").first()
for _ in range(240):
    generation.refresh_from_db()
    if generation.status in ("done", "failed"):
        break
    time.sleep(0.5)
if generation.status != "done":
    fail(f"report generation {generation.pk}: {generation.status} {generation.error}")
pdf = call("GET", PROXY, f"/indicateurs/rapports/{generation.pk}/fichier/")
if pdf.status_code != 200 or not pdf.content.startswith(b"%PDF"):
    fail(f"report file {pdf.status_code}")
ran_by = [n for n in (1, 2) if re.search(r"generate_report\[[0-9a-f-]+\] succeeded",
                                          (D / "logs" / f"celery-worker-{n}.log").read_text())]
if len(ran_by) != 1:
    fail(f"the report task succeeded in the logs of workers {ran_by}, not exactly one")
passed(f"report {generation.pk} ({len(pdf.content)} bytes of PDF) built by Celery worker {ran_by}")

# -- 6
step("6. metrics through nginx")
metrics = call("GET", PROXY, "/ops/metrics/").text
for needle in ('aupres_http_requests_total{method="GET",route="persons:caseload",status="200"}',
               'aupres_task_queue_depth{backend="celery"}', "aupres_task_failures_total",
               "aupres_http_request_duration_seconds_bucket"):
    if needle not in metrics:
        fail(f"{needle} missing from the metrics")
passed("requests by route, latencies, the Celery queue depth and task failures are exported")

# -- 7
step("7. backup of the primary, restored into a fresh database")
env = dict(os.environ)
done = subprocess.run([sys.executable, "manage.py", "backup"], capture_output=True, text=True, env=env)
if done.returncode:
    fail(done.stderr[-500:])
print("   " + done.stdout.strip())
archive = done.stdout.split(":")[0]
port = os.environ["PRIMARY_PORT"]
subprocess.run(["createdb", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "aupres_drill"], check=True)
done = subprocess.run([sys.executable, "manage.py", "restore", archive, "--database-url",
                       f"postgres://postgres@127.0.0.1:{port}/aupres_drill", "--files-dir", str(D / "drill-files")],
                      capture_output=True, text=True, env=env)
if done.returncode:
    fail(done.stderr[-800:])
passed(done.stdout.strip())

print("\nALL STEPS PASSED", flush=True)
