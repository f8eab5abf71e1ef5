"""Queueing background tasks (django.tasks) from the code that changes data."""

import functools

from django.db import transaction


def enqueue_on_commit(task, *args, **kwargs):
    """Enqueue `task` once the current transaction has committed (at once outside one): a worker never
    looks for rows that are not committed yet, and a rolled-back change queues nothing. Whatever the
    backend (the database queue, Celery's broker, or inline)."""
    transaction.on_commit(functools.partial(task.enqueue, *args, **kwargs))
