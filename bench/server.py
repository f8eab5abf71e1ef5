"""Benchmark: the application served as in production (issue #15, "Speed"), measured with wrk.

Starts the application server (granian as deploy/serve.sh runs it, or gunicorn with deploy/gunicorn.conf.py, the
server before D72) with production
settings (DEBUG off, second factor on, JSON logs, 2 workers), signs a nurse in (an API token, and a session
with the second factor given), then runs `wrk --latency` on each read route, the framework's floor
(`/api/v1/auth/me`, authentication and nothing else) first, in the same run:

    GET /api/v1/auth/me · /api/v1/persons · /api/v1/persons/{id} · /api/v1/persons/{id}/timeline
    GET /api/v1/followups · /personnes/ (caseload page) · /orientations/boite/ (referral inbox)

Persons are drawn among those the nurse's service follows (a Lua script varies the id per request).
Targets:
  --target bench  the 1 M-person PostgreSQL build of bench/_data.py (reused; --db names it), with the raw
                  anchors of /work/shared/anchors (q/e1_caseload.sql, q/f1_timeline.sql) timed by pgbench
                  on the anchor schema of the same database, in the same run;
  --target demo   the demo's SQLite database in AUPRES_VAR_DIR (as the issue's first measurement).

    .venv/bin/python bench/server.py --target bench --db prod15_bench --servers gunicorn,granian
"""

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _data  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ANCHORS = Path("/work/shared/anchors")


def uptime():
    return Path("/proc/loadavg").read_text().split()[:3]


def setup_users(target, db):
    """Returns (env for the servers, token, session cookie, person ids, route list)."""
    # The servers' secret key signs the session made here: the same one on both sides.
    os.environ["AUPRES_SECRET_KEY"] = secrets.token_urlsafe(50)
    env = dict(os.environ)
    if target == "bench":
        args = argparse.Namespace(scale=1.0, reuse=True, drop=False, db=db, keep=True)
        sizes = _data.open_dataset(args)
        env["AUPRES_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db}"
    else:
        os.environ.setdefault("AUPRES_DEV", "1")
        sys.path.insert(0, str(ROOT / "src"))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aupres.settings")
        import django

        django.setup()
        sizes = None
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from aupres.accounts.models import ApiToken, User
    from aupres.followups.models import FollowUp

    if target == "bench":
        # The nurse of a service with a caseload: service k's nurse is nurse{k - first_service}.
        service_id = sizes["first_service"] + 17
        user = User.objects.get(pk=sizes["first_user"] + 17)
    else:
        user = User.objects.get(username="infirmier")
        service_id = user.memberships.values_list("service_id", flat=True).first()
    persons = list(FollowUp.objects.filter(service_id=service_id, closed_on__isnull=True)
                   .values_list("person_id", flat=True)[:200])
    if not persons:
        persons = list(FollowUp.objects.filter(service_id=service_id).values_list("person_id", flat=True)[:200])
    _token, raw = ApiToken.issue(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench phone", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.set_expiry(24 * 3600)
    session.save()
    from django.db import connections

    connections.close_all()
    env.update({
        "AUPRES_ALLOWED_HOSTS": "127.0.0.1",
        "AUPRES_DEBUG": "0", "AUPRES_DEMO": "0", "AUPRES_DEV": "0", "AUPRES_REQUIRE_2FA": "1",
        "AUPRES_SESSION_IDLE_SECONDS": str(24 * 3600), "AUPRES_WEB_WORKERS": "2", "AUPRES_LOG_FORMAT": "json",
    })
    env.pop("PYTEST_VERSION", None)
    # As the web unit's ExecStartPre: production settings serve the hashed copies (WhiteNoise's manifest).
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "collectstatic", "--no-input", "-v0"], env=env,
                   cwd=ROOT, check=True)
    return env, raw, session.session_key, persons, sizes


ROUTES = [
    ("floor  GET /api/v1/auth/me", "api", ["/api/v1/auth/me"]),
    ("GET /api/v1/persons", "api", ["/api/v1/persons"]),
    ("GET /api/v1/persons/{id}", "api", "/api/v1/persons/{}"),
    ("GET /api/v1/persons/{id}/timeline", "api", "/api/v1/persons/{}/timeline"),
    ("GET /api/v1/followups", "api", ["/api/v1/followups"]),
    ("GET /personnes/ (caseload page)", "screen", ["/personnes/"]),
    ("GET /orientations/boite/ (referral inbox)", "screen", ["/orientations/boite/"]),
]


def lua(paths, headers):
    items = ",".join(json.dumps(p) for p in paths)
    head = "".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}\n" for k, v in headers.items())
    return (f"{head}local paths = {{{items}}}\nmath.randomseed(7)\n"
            "request = function() return wrk.format('GET', paths[math.random(#paths)]) end\n")


def start(server, env, port, log):
    if server == "gunicorn":
        cmd = [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py"), "aupres.wsgi"]
        env = {**env, "AUPRES_BIND": f"127.0.0.1:{port}"}
    else:  # as the operator runs it (deploy/serve.sh: AUPRES_WEB_WORKERS processes, AUPRES_WEB_THREADS each)
        cmd = [str(ROOT / "deploy/serve.sh")]
        env = {**env, "AUPRES_BIND": f"127.0.0.1:{port}", "AUPRES_VENV": str(BIN.parent), "AUPRES_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/compte/connexion/", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"{server} did not start (see {log.name})")


def stop(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def run_wrk(url_base, paths, headers, duration, connections, threads):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua(paths, headers))
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", f.name,
                          url_base], capture_output=True, text=True).stdout
    os.unlink(f.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {}
    for pct, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        lat[pct] = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": lat.get("50"), "p99": lat.get("99"), "non2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else ""}


def anchor(db, query, n=60):
    """p50/p95 ms of one anchor query by pgbench on the anchor schema of the same database."""
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-n", "-t", "2", "-f",
                        str(ANCHORS / "q" / query), db], capture_output=True, check=True)
        subprocess.run(["pgbench", "-h", "127.0.0.1", "-U", "postgres", "-n", "-t", str(n), "-f",
                        str(ANCHORS / "q" / query), "-l", f"--log-prefix={d}/lat", db], capture_output=True,
                       check=True)
        times = sorted(int(line.split()[2]) / 1000 for p in Path(d).glob("lat*") for line in p.read_text().splitlines())
    return times[len(times) // 2], times[int(len(times) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", choices=["bench", "demo"], default="bench")
    parser.add_argument("--db", default="prod15_bench")
    parser.add_argument("--servers", default="granian", help="granian (production, D72), gunicorn, or both")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8715)
    parser.add_argument("--json", help="write the results there")
    args = parser.parse_args()

    env, token, session_key, persons, sizes = setup_users(args.target, args.db)
    print(f"load average at start: {' '.join(uptime())}; {len(persons)} persons drawn", flush=True)
    results = {"load_start": uptime(), "target": args.target, "servers": {}}
    if args.target == "bench":
        results["anchors"] = {q: anchor(args.db, q) for q in ("e1_caseload.sql", "f1_timeline.sql")}
        for q, (p50, p95) in results["anchors"].items():
            print(f"anchor {q:<20} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  (≈ {1000 / p50:.0f} queries/s, one client)")
    for server in args.servers.split(","):
        with open(f"/tmp/bench-server-{server}.log", "w") as log:
            proc = start(server, env, args.port, log)
            rows = {}
            try:
                for label, kind, paths in ROUTES:
                    if isinstance(paths, str):
                        paths = [paths.format(p) for p in persons]
                    headers = ({"Authorization": f"Bearer {token}"} if kind == "api"
                               else {"Cookie": f"aupres_session={session_key}"})
                    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
                    conn.request("GET", paths[0], headers=headers)
                    status = conn.getresponse().status
                    conn.close()
                    if status != 200:  # wrk counts a redirect (to sign in) as a success: check first
                        raise RuntimeError(f"{label}: {paths[0]} answered {status}")
                    run_wrk(f"http://127.0.0.1:{args.port}", paths[:5], headers, 2, 2, 1)  # warm-up
                    rows[label] = run_wrk(f"http://127.0.0.1:{args.port}", paths, headers, args.duration,
                                          args.connections, args.threads)
                    floor = rows[ROUTES[0][0]]["rps"]
                    r = rows[label]
                    print(f"{server:<8} {label:<44} {r['rps']:8.1f} req/s  ×{r['rps'] / floor:5.2f} floor  "
                          f"p50 {r['p50']:7.1f} ms  p99 {r['p99']:7.1f} ms  non-2xx {r['non2xx']} "
                          f"{r['socket_errors']}  load {' '.join(uptime())}", flush=True)
            finally:
                stop(proc)
            results["servers"][server] = rows
    if args.target == "bench":
        anchors = results["anchors"]
        for server, rows in results["servers"].items():
            for label, q in (("GET /api/v1/persons/{id}/timeline", "f1_timeline.sql"),
                             ("GET /personnes/ (caseload page)", "e1_caseload.sql"),
                             ("GET /api/v1/followups", "e1_caseload.sql")):
                p50 = rows[label]["p50"]
                print(f"{server:<8} {label:<44} p50 {p50:7.1f} ms = ×{p50 / anchors[q][0]:.1f} the anchor {q} "
                      f"({anchors[q][0]:.1f} ms)")
    results["load_end"] = uptime()
    print(f"load average at end: {' '.join(uptime())}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
