#!/bin/sh
# The application server for production (issue #15, D72): granian serving Django's WSGI application.
# `make serve`, the systemd unit aupres-web.service and deploy/try-cluster.sh all run this script; settings
# come from the environment (/etc/aupres/aupres.env):
#   AUPRES_BIND          host:port to listen on, behind the reverse proxy (default 127.0.0.1:8000)
#   AUPRES_WEB_WORKERS   worker processes (default 2 × cores + 1, as gunicorn's sync workers had)
#   AUPRES_WEB_THREADS   threads per worker (default 1): each a request and a database connection at a time,
#                        workers × threads connections at most. Django's work is mostly Python under the GIL:
#                        4 threads per worker measured slower than 1 on every read route (D72)
#   PROMETHEUS_MULTIPROC_DIR  emptied here at each start, so that the metrics add up every worker's
# granian answered the floor 1.4–2× faster than gunicorn's sync workers and most read routes faster (D35, D72:
# by less than the runs' noise on a quiet machine); it keeps connections alive, which gunicorn's do not.
set -eu
cd "$(dirname "$0")/.."
bind=${AUPRES_BIND:-127.0.0.1:8000}
workers=${AUPRES_WEB_WORKERS:-$(( $(nproc) * 2 + 1 ))}
threads=${AUPRES_WEB_THREADS:-1}
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then  # counters of a previous run must not be added to this one
  rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
log_level=$(printf '%s' "${AUPRES_LOG_LEVEL:-info}" | tr '[:upper:]' '[:lower:]')
# One JSON line per request comes from the application (aupres/ops/logs.py): no access log here. A request
# waits in the socket's queue (backpressure) rather than in a thread beyond the database connections.
exec "${AUPRES_VENV:-.venv}/bin/granian" --interface wsgi --no-ws \
  --host "${bind%:*}" --port "${bind##*:}" \
  --workers "$workers" --blocking-threads "$threads" --backpressure "$threads" \
  --respawn-failed-workers --workers-kill-timeout 30 --workers-lifetime 21600 \
  --log-level "$log_level" --no-access-log \
  aupres.wsgi:application
