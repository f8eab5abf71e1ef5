"""Background tasks (django.tasks): report generation and the indicator rollups (docs/indicators.md)."""

from django.db import transaction
from django.utils import timezone

from aupres.core.tasks import enqueue_on_commit, task
from aupres.indicators import reports, services


@task
def generate_report(generation_id):
    reports.run(generation_id)


def start_report(user, service_id, year):
    """Queue the generation of a service's activity report, after the row is committed."""
    with transaction.atomic():
        gen = reports.new_generation(user, service_id, year)
        enqueue_on_commit(generate_report, gen.pk)
    gen.refresh_from_db()  # an inline backend has already run it
    return gen


@task
def maintain_current_rollups():
    """Nightly (aupres.background.schedule): the rollups of the current year, and in January of the
    last one too (late entries of December), are built if they never were, else verified without
    locking (services.maintain_rollups). Returns one report per year (ids and counts only)."""
    today = timezone.localdate()
    years = [today.year - 1, today.year] if today.month == 1 else [today.year]
    return [services.maintain_rollups(year) for year in years]


@task
def warm_funder_views():
    """Periodic (aupres.background.schedule): the funders' regional views of their last four submitted
    years, computed once after a submission rather than by the first funder to open the page."""
    return services.warm_side_by_side()


@task
def refresh_rollups_task(year, service_ids=None):
    """The locked rebuild of a year (all services or some), for operators and after loads written
    with triggers disabled; `manage.py rebuild_rollups` runs the same in the foreground."""
    services.refresh_rollups(year, service_ids)
