"""Periodic jobs, declared once as data.

Two things read this list and nothing else: the embedded worker (`manage.py run_worker`, which enqueues
a job when its slot is due, once per slot thanks to a `ScheduledRun` row) and Celery beat
(`aupres.celery`, which turns each job into a beat entry). Times are local (settings.TIME_ZONE).
This module imports no model, so that the Celery app can read it before Django is set up.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.module_loading import import_string

EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Job:
    name: str
    task: str  # dotted path of a django.tasks Task
    at: datetime.time | None = None  # every day at this local time…
    every: datetime.timedelta | None = None  # …or at a fixed interval (slots counted from EPOCH)
    kwargs: dict = field(default_factory=dict)  # JSON values only (the task may run in another process)
    description: str = ""

    def __post_init__(self):
        if (self.at is None) == (self.every is None):
            raise ValueError(f"Job {self.name!r}: give either `at` or `every`.")
        if self.every is not None and self.every <= datetime.timedelta(0):
            raise ValueError(f"Job {self.name!r}: `every` must be positive.")

    def get_task(self):
        return import_string(self.task)

    def last_slot(self, now=None):
        """The latest instant, at or before `now`, at which this job was due."""
        now = now or timezone.now()
        if self.every is not None:
            return EPOCH + ((now - EPOCH) // self.every) * self.every
        local = timezone.localtime(now)
        day = local.date()
        slot = timezone.make_aware(datetime.datetime.combine(day, self.at))
        if slot > now:
            slot = timezone.make_aware(datetime.datetime.combine(day - datetime.timedelta(days=1), self.at))
        return slot


JOBS = (
    Job("retention-purge", "aupres.audit.tasks.purge_expired", at=datetime.time(3, 30),
        description="Anonymise the records kept past their service's retention period (docs/security.md)."),
    Job("indicator-rollups", "aupres.indicators.tasks.maintain_current_rollups", at=datetime.time(2, 0),
        description="Build the indicator rollups of the current year (and of the last one in January) if "
                    "they never were, else verify them without locking (docs/indicators.md)."),
    Job("duplicate-sweep", "aupres.referrals.tasks.sweep_duplicates", at=datetime.time(1, 30),
        description="Find probable duplicate pairs among all persons for the heads of service's review queue "
                    "(issue #21)."),
    Job("funder-views", "aupres.indicators.tasks.warm_funder_views", every=datetime.timedelta(minutes=15),
        description="Compute the funders' regional views whose submissions changed (issue #15): the page then "
                    "reads them from the cache."),
    Job("housekeeping", "aupres.background.tasks.housekeeping", at=datetime.time(4, 30),
        description="Delete expired sessions, old finished task results and old schedule rows."),
)
