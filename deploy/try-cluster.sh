#!/usr/bin/env bash
# Auprès past one machine, tried on one machine (issue #15, "Grow"). Run as root from a clone:
#
#   deploy/try-cluster.sh            # builds, runs the smoke test (deploy/cluster_smoke.py), tears down
#   KEEP=1 deploy/try-cluster.sh     # leaves everything running (stop: deploy/try-cluster.sh stop)
#
# It installs what it needs from Debian's packages (PostgreSQL 15, nginx, Redis, openssl), then starts:
#   - a PostgreSQL primary (cluster aupres_primary, port 5442) and a streaming replica (aupres_replica,
#     port 5443, pg_basebackup -R), two clusters of the same Debian package;
#   - Redis (port 6390): Celery's broker and the shared cache;
#   - two application servers (granian with deploy/serve.sh, ports 8101 and 8102), production
#     settings (second factor on, HTTPS, AUPRES_REPLICA_URL, AUPRES_TASKS=celery);
#   - nginx with deploy/nginx/aupres.conf (rendered for localhost:8443, self-signed certificate), the two
#     servers as its upstream;
#   - two Celery workers and one Celery beat;
# loads the demo dataset into the primary, and runs the smoke test. Everything lives in $CLUSTER_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CLUSTER_DIR=${CLUSTER_DIR:-/tmp/aupres-cluster}
PGV=${PGV:-15}
PRIMARY_PORT=5442 REPLICA_PORT=5443 REDIS_PORT=6390 APP1=8101 APP2=8102 HTTPS_PORT=8443 HTTP_PORT=8080
say() { printf '\n== %s\n' "$*"; }

stop_all() {
  set +e
  if [ -d "$CLUSTER_DIR/pids" ]; then
    for f in "$CLUSTER_DIR"/pids/*.pid; do
      [ -e "$f" ] || continue
      pid=$(cat "$f"); kill "$pid" 2>/dev/null
      for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null; rm -f "$f"
    done
  fi
  [ -f "$CLUSTER_DIR/nginx.pid" ] && nginx -c "$CLUSTER_DIR/nginx.conf" -s stop 2>/dev/null
  redis-cli -p $REDIS_PORT shutdown nosave >/dev/null 2>&1
  for c in aupres_replica aupres_primary; do
    pg_lsclusters -h | grep -q "^$PGV  *$c " && pg_dropcluster --stop "$PGV" "$c"
  done
  set -e
}

if [ "${1:-}" = stop ]; then stop_all; echo "stopped"; exit 0; fi
[ "$(id -u)" = 0 ] || { echo "Run as root (it installs Debian packages and starts PostgreSQL clusters)."; exit 1; }

say "Debian packages"
need=()
for pair in pg_createcluster:postgresql-common "pg_ctl:postgresql-$PGV" nginx:nginx redis-server:redis-server \
            openssl:openssl curl:curl make:make; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  if [ "$cmd" = pg_ctl ]; then [ -x "/usr/lib/postgresql/$PGV/bin/pg_ctl" ] || need+=("$pkg"); continue; fi
  command -v "$cmd" >/dev/null || [ -x "/usr/sbin/$cmd" ] || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "ok: postgresql-$PGV, nginx $(nginx -v 2>&1 | sed 's/.*\///'), redis $(redis-server --version | awk '{print $3}')"

say "Python environment (make install)"
make -s install
BIN=$ROOT/.venv/bin

stop_all
trap '[ -n "${KEEP:-}" ] || stop_all' EXIT
rm -rf "$CLUSTER_DIR"; mkdir -p "$CLUSTER_DIR"/{pids,logs,var,tls,nginx-tmp}
chmod 755 "$CLUSTER_DIR"

say "PostgreSQL primary ($PRIMARY_PORT) and streaming replica ($REPLICA_PORT)"
pg_createcluster "$PGV" aupres_primary -p $PRIMARY_PORT -- --auth-local=trust --auth-host=trust >/dev/null
pg_ctlcluster --skip-systemctl-redirect "$PGV" aupres_primary start
pg_createcluster "$PGV" aupres_replica -p $REPLICA_PORT -- --auth-local=trust --auth-host=trust >/dev/null
REPLICA_DATA=$(pg_lsclusters -h | awk -v c=aupres_replica '$2 == c {print $6}')
find "$REPLICA_DATA" -mindepth 1 -delete  # pg_basebackup fills the empty directory
runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p $PRIMARY_PORT -U postgres -D "$REPLICA_DATA" -R -X stream -c fast
pg_ctlcluster --skip-systemctl-redirect "$PGV" aupres_replica start
for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p $REPLICA_PORT && break; sleep 1; done
psql -h 127.0.0.1 -p $PRIMARY_PORT -U postgres -Atc "SELECT 'replication: ' || application_name || ' ' || state FROM pg_stat_replication"
psql -h 127.0.0.1 -p $REPLICA_PORT -U postgres -Atc "SELECT 'replica in recovery: ' || pg_is_in_recovery()"
createdb -h 127.0.0.1 -p $PRIMARY_PORT -U postgres aupres

say "Redis ($REDIS_PORT)"
redis-server --port $REDIS_PORT --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$CLUSTER_DIR/redis.pid" --logfile "$CLUSTER_DIR/logs/redis.log"
for _ in $(seq 20); do redis-cli -p $REDIS_PORT ping >/dev/null 2>&1 && break; sleep 0.5; done

# The environment every process of the installation shares (what /etc/aupres/aupres.env holds).
cat > "$CLUSTER_DIR/aupres.env" <<EOF
AUPRES_SECRET_KEY=$(openssl rand -base64 48 | tr -d '\n=+/')
AUPRES_ALLOWED_HOSTS=localhost,127.0.0.1
AUPRES_CSRF_TRUSTED_ORIGINS=https://localhost:$HTTPS_PORT
AUPRES_HTTPS=1
AUPRES_PROXY_COUNT=1
AUPRES_DATABASE_URL=postgres://postgres@127.0.0.1:$PRIMARY_PORT/aupres
AUPRES_REPLICA_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/aupres
AUPRES_VAR_DIR=$CLUSTER_DIR/var
AUPRES_TASKS=celery
AUPRES_CELERY_BROKER_URL=redis://127.0.0.1:$REDIS_PORT/0
AUPRES_CACHE_URL=redis://127.0.0.1:$REDIS_PORT/1
AUPRES_WEB_WORKERS=2
AUPRES_BACKUP_KEY=$(openssl rand -base64 32 | tr '+/' '-_')
AUPRES_BACKUP_DIR=$CLUSTER_DIR/backups
EOF
set -a; . "$CLUSTER_DIR/aupres.env"; set +a

say "Django: check --deploy, migrate, demo data, static files"
"$BIN/python" manage.py check --deploy --fail-level WARNING
"$BIN/python" manage.py migrate --no-input -v0
AUPRES_DEMO=1 "$BIN/python" -W ignore manage.py load_demo >"$CLUSTER_DIR/logs/load_demo.log" 2>&1
"$BIN/python" manage.py collectstatic --no-input -v0

say "Two application servers ($APP1, $APP2), two Celery workers, one beat"
start() {  # name, command...
  local name=$1; shift
  setsid "$@" >"$CLUSTER_DIR/logs/$name.log" 2>&1 &
  echo $! >"$CLUSTER_DIR/pids/$name.pid"
}
for port in $APP1 $APP2; do
  mkdir -p "$CLUSTER_DIR/metrics-$port"
  AUPRES_BIND=127.0.0.1:$port PROMETHEUS_MULTIPROC_DIR=$CLUSTER_DIR/metrics-$port \
    AUPRES_VENV=$(dirname "$BIN") start "web-$port" deploy/serve.sh
done
for n in 1 2; do
  start "celery-worker-$n" "$BIN/celery" -A aupres.celery worker --loglevel=INFO --concurrency=1 -n "worker$n@%h"
done
start celery-beat "$BIN/celery" -A aupres.celery beat --loglevel=INFO

say "nginx (deploy/nginx/aupres.conf on https://localhost:$HTTPS_PORT)"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" \
  -keyout "$CLUSTER_DIR/tls/key.pem" -out "$CLUSTER_DIR/tls/cert.pem" 2>/dev/null
sed -e "s/aupres\.example\.org/localhost/g" \
    -e "s#/etc/letsencrypt/live/localhost/fullchain.pem#$CLUSTER_DIR/tls/cert.pem#" \
    -e "s#/etc/letsencrypt/live/localhost/privkey.pem#$CLUSTER_DIR/tls/key.pem#" \
    -e "s#listen 443 ssl http2;#listen $HTTPS_PORT ssl http2;#" -e "s#listen 80;#listen $HTTP_PORT;#" \
    -e "/listen \[::\]/d" \
    -e "s#server 127.0.0.1:8000 #server 127.0.0.1:$APP1 #" \
    -e "s|# server 127.0.0.1:8001 \(.*\);  # CLUSTER.*|server 127.0.0.1:$APP2 \1;|" \
    -e "s#/var/log/nginx/#$CLUSTER_DIR/logs/nginx-#g" -e "s#root /var/www/html;#root $CLUSTER_DIR;#" \
    deploy/nginx/aupres.conf >"$CLUSTER_DIR/site.conf"
grep -q "server 127.0.0.1:$APP2" "$CLUSTER_DIR/site.conf" || { echo "the second upstream was not rendered"; exit 1; }
cat >"$CLUSTER_DIR/nginx.conf" <<EOF
worker_processes 1;
pid $CLUSTER_DIR/nginx.pid;
error_log $CLUSTER_DIR/logs/nginx-main.error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  client_body_temp_path $CLUSTER_DIR/nginx-tmp/body;
  proxy_temp_path $CLUSTER_DIR/nginx-tmp/proxy;
  fastcgi_temp_path $CLUSTER_DIR/nginx-tmp/fastcgi;
  uwsgi_temp_path $CLUSTER_DIR/nginx-tmp/uwsgi;
  scgi_temp_path $CLUSTER_DIR/nginx-tmp/scgi;
  access_log off;
  include $CLUSTER_DIR/site.conf;
}
EOF
nginx -t -q -c "$CLUSTER_DIR/nginx.conf"
nginx -c "$CLUSTER_DIR/nginx.conf"

for port in $APP1 $APP2; do  # each server answers once it has started (a refusal before that is expected)
  for _ in $(seq 120); do
    curl -fs -o /dev/null -H "X-Forwarded-Proto: https" "http://127.0.0.1:$port/compte/connexion/" && break; sleep 1
  done
  curl -fsS -o /dev/null -H "X-Forwarded-Proto: https" "http://127.0.0.1:$port/compte/connexion/"
  echo "server on $port answers"
done

say "Smoke test"
CLUSTER_DIR=$CLUSTER_DIR APP1=$APP1 APP2=$APP2 HTTPS_PORT=$HTTPS_PORT REPLICA_PORT=$REPLICA_PORT PRIMARY_PORT=$PRIMARY_PORT \
  "$BIN/python" -W ignore deploy/cluster_smoke.py
