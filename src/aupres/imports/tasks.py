"""Background tasks of the import (issue #17): the dry run and the import, queued after commit."""

from django.db import transaction

from aupres.core.tasks import enqueue_on_commit, task
from aupres.imports import services


@task
def dry_run_task(batch_id, user_id):
    services.dry_run(batch_id, user_id)


@task
def run_task(batch_id, user_id):
    services.run(batch_id, user_id)


def check(user, batch, mapping, value_map=None):
    """Save the mapping and queue the dry run."""
    with transaction.atomic():
        batch = services.set_mapping(user, batch, mapping, value_map)
        enqueue_on_commit(dry_run_task, batch.pk, user.pk)
    batch.refresh_from_db()  # an inline backend has already run it
    return batch


def start(user, batch):
    """Queue the import of a file whose dry run found no problem."""
    with transaction.atomic():
        batch = services.start(user, batch)
        enqueue_on_commit(run_task, batch.pk, user.pk)
    batch.refresh_from_db()
    return batch
