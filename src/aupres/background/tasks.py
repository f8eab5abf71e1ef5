"""Background tasks of the periodic jobs (aupres.background.schedule) and a probe for the worker."""

from django.tasks import task
from django.utils import timezone


@task
def refresh_current_rollups():
    """Nightly: rebuild the indicator rollups of the current year; in January, of the last one too
    (late entries of December)."""
    from aupres.indicators import services

    today = timezone.localdate()
    years = [today.year - 1, today.year] if today.month == 1 else [today.year]
    for year in years:
        services.refresh_rollups(year)
    return years


@task
def housekeeping():
    from aupres.background import services

    return services.housekeeping()


@task
def echo(value):
    """Returns what it is given: shows that a worker picks tasks up (tests, a deployment check)."""
    return value
