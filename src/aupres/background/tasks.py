"""Background tasks of the periodic jobs (aupres.background.schedule) and a probe for the worker."""

from django.tasks import task


@task
def housekeeping():
    from aupres.background import services

    return services.housekeeping()


@task
def echo(value):
    """Returns what it is given: shows that a worker picks tasks up (tests, a deployment check)."""
    return value
