"""Prometheus metrics (issue #15), with the official client (prometheus-client).

- `aupres_http_requests_total{method,route,status}` and `aupres_http_request_duration_seconds{method,route}`:
  counted by `logs.RequestLogMiddleware`, labelled by URL name (never a path: bounded, and no id);
- `aupres_task_queue_depth{backend}`: tasks waiting (database backend: rows ready to run; Celery: messages
  in the broker's queue), read at scrape time;
- `aupres_tasks{status}`: the database backend's task rows per status, read at scrape time;
- `aupres_task_failures_total`: tasks that ended in failure, counted in the shared cache by the
  `task_finished` signal, wherever they ran (embedded worker, Celery worker, inline).

Several application server processes: set PROMETHEUS_MULTIPROC_DIR (the systemd unit does, and
`deploy/serve.sh` empties it at each start), and each scrape adds up every process's counters.
django-prometheus, which the issue named, requires Django < 6.1 (decision D?? in docs/decisions.md).
"""

import os

import redis
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.tasks import TaskResultStatus
from django.tasks.signals import task_finished
from django_tasks_db.models import DBTaskResult
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

FAILURES_KEY = "aupres:ops:task_failures"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REQUESTS = Counter("aupres_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram("aupres_http_request_duration_seconds", "Time to answer an HTTP request", ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def observe_request(method, route, status, seconds):
    method = method if method in METHODS else "OTHER"
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def _task_failed(sender, task_result, **kwargs):
    if task_result.status == TaskResultStatus.FAILED:
        cache.add(FAILURES_KEY, 0, timeout=None)
        try:
            cache.incr(FAILURES_KEY)
        except ValueError:  # expired between add and incr
            cache.set(FAILURES_KEY, 1, timeout=None)


def connect_signals():
    task_finished.connect(_task_failed, dispatch_uid="aupres.ops.metrics.task_failed")


def queue_depth():
    """(backend, waiting tasks): what the health check and the metrics read."""
    backend = settings.AUPRES_TASKS
    if backend == "database":
        return backend, DBTaskResult.objects.ready().count()
    if backend == "celery":
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2)
        return backend, client.llen("celery")
    return backend, 0


class TaskCollector:
    """Read at each scrape, from the database or the broker: the same figure from every process."""

    def collect(self):
        backend, depth = queue_depth()
        gauge = GaugeMetricFamily("aupres_task_queue_depth", "Background tasks waiting to run", labels=["backend"])
        gauge.add_metric([backend], depth)
        yield gauge
        if backend == "database":
            rows = GaugeMetricFamily("aupres_tasks", "Task rows of the database backend, per status",
                                     labels=["status"])
            for row in DBTaskResult.objects.values("status").annotate(n=Count("id")).order_by():
                rows.add_metric([row["status"]], row["n"])
            yield rows
        failures = CounterMetricFamily("aupres_task_failures", "Background tasks that ended in failure")
        failures.add_metric([], cache.get(FAILURES_KEY, 0))
        yield failures


def render():
    """The exposition text: this process's (or every process's) request metrics, then the task figures."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    tasks = CollectorRegistry()
    tasks.register(TaskCollector())
    return text + generate_latest(tasks)
