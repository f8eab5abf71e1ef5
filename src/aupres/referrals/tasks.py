"""Background task of the sweep of the whole base for probable duplicates (issue #21; run nightly by the
schedule of aupres.background, or `manage.py sweep_duplicates`)."""

import logging

from django.tasks import task

from aupres.referrals import sweep

log = logging.getLogger(__name__)


@task
def sweep_duplicates():
    report = sweep.run()
    log.info("duplicate sweep: %(persons)s persons, %(pairs)s pairs, %(new)s new, %(withdrawn)s withdrawn", report)
    return report
