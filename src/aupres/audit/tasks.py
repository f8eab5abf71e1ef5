"""Scheduled tasks (django.tasks). Run daily, e.g. from cron: `python manage.py purge_expired`."""

import logging

from aupres.audit import retention
from aupres.core.tasks import task

log = logging.getLogger(__name__)


@task
def purge_expired(dry_run=False):
    report = retention.purge_expired(dry_run=dry_run)
    log.info("retention: %s persons anonymised, %s rows blanked (dry run: %s)",
             report["persons_anonymised"], report["rows_blanked"], dry_run)
    return report
