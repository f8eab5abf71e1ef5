"""Health checks (django-health-check): database (and its replica), cache, task queue, disk space, file
storage. `GET /ops/health/` answers 200 when every check passes, 500 otherwise (JSON with `?format=json`
or `Accept: application/json`). Messages name a check and a cause, never a person."""

import dataclasses
import datetime
import shutil

from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from health_check.base import HealthCheck
from health_check.checks import Cache, Database, Storage
from health_check.exceptions import ServiceUnavailable, ServiceWarning

from aupres.ops import metrics


@dataclasses.dataclass
class TaskQueue(HealthCheck):
    """The queue answers, and nothing has been waiting longer than `stale_minutes` (a stopped worker)."""

    stale_minutes: int = 15

    def run(self):
        try:
            backend, _depth = metrics.queue_depth()
        except Exception as error:  # the broker or the table is unreachable
            raise ServiceUnavailable(f"task queue unreachable ({type(error).__name__})") from error
        if backend == "database":
            limit = timezone.now() - datetime.timedelta(minutes=self.stale_minutes)
            if DBTaskResult.objects.ready().filter(enqueued_at__lt=limit).exists():
                raise ServiceUnavailable(f"tasks waiting for over {self.stale_minutes} minutes: is a worker running?")


@dataclasses.dataclass
class DiskSpace(HealthCheck):
    """Free space where the data lives (AUPRES_VAR_DIR: uploaded files, SQLite, backups)."""

    min_free_percent: float = 10.0

    def run(self):
        usage = shutil.disk_usage(settings.VAR_DIR)
        free = 100.0 * usage.free / usage.total
        if free < self.min_free_percent / 2:
            raise ServiceUnavailable(f"{free:.1f} % free on the data volume")
        if free < self.min_free_percent:
            raise ServiceWarning(f"{free:.1f} % free on the data volume")


def checks():
    found = [Database, Cache, (Storage, {"alias": "default"}), TaskQueue,
             (DiskSpace, {"min_free_percent": settings.AUPRES_MIN_FREE_DISK_PERCENT})]
    if "replica" in settings.DATABASES:
        found.insert(1, (Database, {"alias": "replica"}))
    return found
