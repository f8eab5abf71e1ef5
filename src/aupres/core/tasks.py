"""Queueing background tasks (django.tasks) from the code that changes data."""

import functools

from django.db import transaction
from django.tasks import task as django_task

from aupres.core import context


def enqueue_on_commit(task, *args, **kwargs):
    """Enqueue `task` once the current transaction has committed (at once outside one): a worker never
    looks for rows that are not committed yet, and a rolled-back change queues nothing. Whatever the
    backend (the database queue, Celery's broker, or inline)."""
    transaction.on_commit(functools.partial(task.enqueue, *args, **kwargs))


def task(function=None, **options):
    """`django.tasks.task`, run in the "task" origin named after the function (aupres.core.context): what
    a task reads or changes is journaled as such, whatever the worker."""
    def decorate(fn):
        name = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def run(*args, **kwargs):
            with context.origin(context.TASK, name=name):
                return fn(*args, **kwargs)

        return django_task(**options)(run)

    return decorate(function) if function is not None else decorate
