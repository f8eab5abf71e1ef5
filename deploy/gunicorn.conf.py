"""gunicorn's configuration for Auprès: the application server before D72, kept only so that bench/server.py
can compare it with granian (`--servers gunicorn,granian`; gunicorn is in the `bench` extra). Production runs
deploy/serve.sh (granian).

    gunicorn -c deploy/gunicorn.conf.py aupres.wsgi

Environment: AUPRES_BIND (default 127.0.0.1:8000; the reverse proxy talks to it), AUPRES_WEB_WORKERS
(default 2 × cores + 1), PROMETHEUS_MULTIPROC_DIR (a directory emptied at each start, so that the
metrics add up every worker: the unit's RuntimeDirectory).
"""

import multiprocessing
import os
import shutil

bind = os.environ.get("AUPRES_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("AUPRES_WEB_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"  # each request holds one database connection; no async views to speak of
timeout = 60  # a report preview may take a few seconds; PDFs are built by the worker
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then (bounded memory)
max_requests_jitter = 200
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
forwarded_allow_ips = os.environ.get("AUPRES_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = None  # one JSON line per request comes from the application (aupres/ops/logs.py)
errorlog = "-"
loglevel = os.environ.get("AUPRES_LOG_LEVEL", "info").lower()
proc_name = "aupres-web"


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:  # counters of a previous run must not be added to this one
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
