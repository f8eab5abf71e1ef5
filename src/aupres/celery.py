"""The distributed option: Celery on Redis (AUPRES_TASKS=celery), for large deployments.

    celery -A aupres.celery worker --loglevel=INFO     # as many as needed, on any machine
    celery -A aupres.celery beat --loglevel=INFO       # exactly one: enqueues the periodic jobs

(`worker --beat` runs both in one process, for a single machine.) Django tasks are handed to Celery by
django-tasks-celery: `some_task.enqueue(...)` sends a message to the broker and a worker runs it. Beat's
schedule is built from the same declaration as the embedded worker's (aupres.background.schedule).
"""

import os

from celery import Celery
from celery.schedules import crontab

from aupres.background.schedule import JOBS

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aupres.settings")


def beat_schedule(jobs=JOBS):
    """Celery beat entries for the periodic jobs. django-tasks-celery names each Celery task after the
    dotted path of its Django task, so that beat and `enqueue()` reach the same function."""
    return {
        job.name: {
            "task": job.task,
            "schedule": crontab(hour=job.at.hour, minute=job.at.minute) if job.at else job.every,
            "kwargs": dict(job.kwargs),
        }
        for job in jobs
    }


app = Celery("aupres")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_schedule = beat_schedule()
# Imports every installed app's tasks.py once Django is set up: creating each Task registers it with Celery.
app.autodiscover_tasks()
