"""Background tasks of the periodic jobs (aupres.background.schedule) and a probe for the worker."""

from aupres.background import services
from aupres.core.tasks import task


@task
def housekeeping():
    return services.housekeeping()


@task
def echo(value):
    """Returns what it is given: shows that a worker picks tasks up (tests, a deployment check)."""
    return value
