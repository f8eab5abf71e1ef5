"""Background tasks (django.tasks): report generation and the indicator rollups (docs/indicators.md)."""

from django.tasks import task
from django.utils import timezone


@task
def generate_report(generation_id):
    from aupres.indicators import reports

    reports.run(generation_id)


@task
def maintain_current_rollups():
    """Nightly (aupres.background.schedule): the rollups of the current year, and in January of the
    last one too (late entries of December), are built if they never were, else verified without
    locking (services.maintain_rollups). Returns one report per year (ids and counts only)."""
    from aupres.indicators import services

    today = timezone.localdate()
    years = [today.year - 1, today.year] if today.month == 1 else [today.year]
    return [services.maintain_rollups(year) for year in years]


@task
def refresh_rollups_task(year, service_ids=None):
    """The locked rebuild of a year (all services or some), for operators and after loads written
    with triggers disabled; `manage.py rebuild_rollups` runs the same in the foreground."""
    from aupres.indicators import services

    services.refresh_rollups(year, service_ids)
