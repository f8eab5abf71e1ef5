"""Background tasks (django.tasks): report generation and the nightly rebuild of rollups."""

from django.tasks import task


@task
def generate_report(generation_id):
    from aupres.indicators import reports

    reports.run(generation_id)


@task
def refresh_rollups_task(year):
    from aupres.indicators import services

    services.refresh_rollups(year)
