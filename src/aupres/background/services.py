"""Background work: enqueue the periodic jobs that are due, once per slot whatever the number of
workers; what the embedded worker and the housekeeping job call."""

import datetime
import logging
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from aupres.background.models import ScheduledRun
from aupres.background.schedule import JOBS

logger = logging.getLogger(__name__)

# Finished task results and schedule rows are kept this long (they hold ids only, never content).
KEEP_TASK_RESULTS = datetime.timedelta(days=30)
KEEP_SCHEDULED_RUNS = datetime.timedelta(days=90)


def due_jobs(now=None, jobs=JOBS):
    """(job, slot) pairs whose latest slot has not been enqueued yet. A job never run is due at once
    for its latest slot only: a worker that was stopped for a week runs a daily job once, not seven times."""
    now = now or timezone.now()
    pairs = [(job, job.last_slot(now)) for job in jobs]
    done = set(ScheduledRun.objects.filter(job__in=[j.name for j, _ in pairs], slot__in={s for _, s in pairs})
               .values_list("job", "slot"))
    return [(job, slot) for job, slot in pairs if (job.name, slot) not in done]


def enqueue_due(now=None, jobs=JOBS):
    """Enqueue every due job; returns the ScheduledRun rows created by this call. Safe to call from
    several workers at once: the unique (job, slot) row is written in the same transaction as the
    enqueued task, so exactly one caller enqueues a slot."""
    created = []
    for job, slot in due_jobs(now, jobs):
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, slot=slot)
                result = job.get_task().enqueue(**job.kwargs)
                run.task_id = str(result.id)[:64]
                run.save(update_fields=["task_id"])
        except IntegrityError:
            logger.debug("schedule: %s at %s already enqueued by another worker", job.name, slot.isoformat())
            continue
        logger.info("schedule: enqueued %s for %s (task %s)", job.name, slot.isoformat(), run.task_id)
        created.append(run)
    return created


def housekeeping(now=None):
    """Delete expired sessions, finished task results past KEEP_TASK_RESULTS and schedule rows past
    KEEP_SCHEDULED_RUNS. Returns counts."""
    now = now or timezone.now()
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    report = {"task_results": 0, "scheduled_runs": 0}
    if apps.is_installed("django_tasks_db"):
        report["task_results"], _ = DBTaskResult.objects.finished().filter(
            finished_at__lt=now - KEEP_TASK_RESULTS).delete()
    report["scheduled_runs"], _ = ScheduledRun.objects.filter(slot__lt=now - KEEP_SCHEDULED_RUNS).delete()
    return report

