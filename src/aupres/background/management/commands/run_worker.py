"""The embedded worker: runs the tasks queued in the database (django-tasks-db) and enqueues the
periodic jobs of aupres.background.schedule when they are due.

    python manage.py run_worker            # for ever (what `make worker` and `make demo` start)
    python manage.py run_worker --batch    # enqueue what is due, run every queued task, then exit
"""

import logging
import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, task_backends
from django.utils.crypto import get_random_string
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from aupres.background import services

logger = logging.getLogger("aupres.background")


def scheduler_loop(interval, stop):
    """Runs in a thread beside the worker: every `interval` seconds, enqueue the jobs that are due."""
    while not stop.wait(interval):
        try:
            services.enqueue_due()
        except Exception:
            logger.exception("schedule: could not enqueue the due jobs; trying again later")
        finally:
            connections.close_all()  # this thread's connections only


class Command(BaseCommand):
    help = "Run the database task worker, and enqueue the periodic jobs when they are due."

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default=DEFAULT_TASK_QUEUE_NAME,
                            help="Queues to process, separated by commas; '*' for all (default: %(default)s).")
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds to wait when no task is queued (default: %(default)s).")
        parser.add_argument("--batch", action="store_true",
                            help="Enqueue the due jobs, run every queued task, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after this many tasks.")
        parser.add_argument("--no-schedule", action="store_false", dest="schedule",
                            help="Do not enqueue periodic jobs (another worker does).")
        parser.add_argument("--schedule-interval", type=float, default=30.0,
                            help="Seconds between two looks at the schedule (default: %(default)s).")
        parser.add_argument("--worker-id", default=None, help="Unique id of this worker (default: random).")

    def handle(self, *, queue_name, interval, batch, max_tasks, schedule, schedule_interval, worker_id,
               verbosity, **options):
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        if not isinstance(backend, DatabaseBackend):
            raise CommandError(
                f"The task backend is {type(backend).__name__}, not the database: this worker has nothing to "
                "run. Set AUPRES_TASKS=database, or with AUPRES_TASKS=celery start "
                "`celery -A aupres.celery worker --beat` instead (README.md).")
        if interval < 0 or schedule_interval <= 0 or (max_tasks is not None and max_tasks <= 0):
            raise CommandError("--interval must be ≥ 0, --schedule-interval and --max-tasks > 0.")
        self.configure_logging(verbosity)
        stop = threading.Event()
        if schedule:
            services.enqueue_due()
            if not batch:
                threading.Thread(target=scheduler_loop, args=(schedule_interval, stop), daemon=True,
                                 name="aupres-schedule").start()
        worker = Worker(
            queue_names=queue_name.split(","), interval=interval, batch=batch, backend_name=backend.alias,
            startup_delay=not batch, max_tasks=max_tasks, worker_id=worker_id or get_random_string(32),
            excluded_queue_names=[],
        )
        if not batch:
            worker.configure_signals()  # SIGTERM/SIGINT: finish the running task, then stop
        started = time.monotonic()
        try:
            worker.run()
        finally:
            stop.set()
        logger.debug("worker %s ran %s tasks in %.1f s", worker.worker_id, worker._run_tasks,
                     time.monotonic() - started)

    def configure_logging(self, verbosity):
        level = {0: logging.CRITICAL, 1: logging.INFO}.get(verbosity, logging.DEBUG)
        for name in ("aupres.background", "django_tasks_db", "django.tasks"):
            logging.getLogger(name).setLevel(level)
