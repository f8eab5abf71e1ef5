"""The periodic jobs: their slots, enqueued once per slot whatever the number of workers, run by the
embedded worker."""

import datetime
import zoneinfo

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult
from hypothesis import given
from hypothesis import strategies as st

from aupres.background import services
from aupres.background.models import ScheduledRun
from aupres.background.schedule import JOBS, Job

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
ECHO = "aupres.background.tasks.echo"


def paris(*args):
    return datetime.datetime(*args, tzinfo=PARIS)


def test_a_daily_job_is_due_at_its_local_time():
    job = Job("j", ECHO, at=datetime.time(3, 30))
    assert job.last_slot(paris(2026, 3, 10, 3, 29)) == paris(2026, 3, 9, 3, 30)
    assert job.last_slot(paris(2026, 3, 10, 3, 30)) == paris(2026, 3, 10, 3, 30)
    assert job.last_slot(paris(2026, 3, 10, 23, 0)) == paris(2026, 3, 10, 3, 30)
    # 02:00 on the last Sunday of March does not exist in Paris: the slot still falls on that day.
    spring = Job("k", ECHO, at=datetime.time(2, 30)).last_slot(paris(2026, 3, 29, 12, 0))
    assert spring.astimezone(PARIS).date() == datetime.date(2026, 3, 29)


@given(st.datetimes(min_value=datetime.datetime(2001, 1, 1), max_value=datetime.datetime(2099, 1, 1),
                    timezones=st.just(datetime.UTC)),
       st.times(), st.integers(min_value=1, max_value=7 * 24 * 60))
def test_the_last_slot_is_the_latest_due_instant(now, at, minutes):
    daily = Job("d", ECHO, at=at.replace(tzinfo=None))
    slot = daily.last_slot(now)
    assert slot <= now < slot + datetime.timedelta(hours=25)  # 25: the day the clocks go back
    every = Job("e", ECHO, every=datetime.timedelta(minutes=minutes))
    slot = every.last_slot(now)
    assert slot <= now < slot + every.every
    assert every.last_slot(slot) == slot and every.last_slot(slot - datetime.timedelta(microseconds=1)) < slot


def test_a_job_needs_one_schedule():
    with pytest.raises(ValueError):
        Job("x", ECHO)
    with pytest.raises(ValueError):
        Job("x", ECHO, at=datetime.time(1), every=datetime.timedelta(hours=1))
    with pytest.raises(ValueError):
        Job("x", ECHO, every=datetime.timedelta(0))


def test_every_declared_job_points_to_a_task():
    from django.tasks import Task

    names = [job.name for job in JOBS]
    assert len(names) == len(set(names))
    assert {"retention-purge", "indicator-rollups", "housekeeping"} <= set(names)
    for job in JOBS:
        assert isinstance(job.get_task(), Task), job.task


@pytest.mark.django_db
def test_due_jobs_are_enqueued_once_per_slot(database_tasks):
    jobs = (Job("echo-daily", ECHO, at=datetime.time(4, 0), kwargs={"value": "daily"}),
            Job("echo-hourly", ECHO, every=datetime.timedelta(hours=1), kwargs={"value": "hourly"}))
    now = paris(2026, 5, 4, 10, 15)
    first = services.enqueue_due(now, jobs)
    assert {(r.job, r.slot) for r in first} == {("echo-daily", paris(2026, 5, 4, 4, 0)),
                                                ("echo-hourly", paris(2026, 5, 4, 10, 0))}
    assert DBTaskResult.objects.count() == 2
    assert {str(t.id) for t in DBTaskResult.objects.all()} == {r.task_id for r in first}
    # The same slots again (the worker looks every 30 s; a second worker looks too): nothing more.
    assert services.enqueue_due(now + datetime.timedelta(minutes=40), jobs) == []
    assert DBTaskResult.objects.count() == 2
    # The next hour, only the hourly job; the next day, both.
    assert [r.job for r in services.enqueue_due(paris(2026, 5, 4, 11, 0), jobs)] == ["echo-hourly"]
    assert sorted(r.job for r in services.enqueue_due(paris(2026, 5, 5, 4, 0), jobs)) == ["echo-daily",
                                                                                           "echo-hourly"]
    assert ScheduledRun.objects.count() == DBTaskResult.objects.count() == 5


@pytest.mark.django_db
def test_a_worker_that_loses_the_race_enqueues_nothing(database_tasks, monkeypatch):
    job = Job("echo-daily", ECHO, at=datetime.time(4, 0), kwargs={"value": 1})
    now = paris(2026, 5, 4, 10, 15)
    seen = services.due_jobs(now, (job,))
    # Another worker writes the slot between our look and our insert.
    ScheduledRun.objects.create(job=job.name, slot=job.last_slot(now), task_id="other")
    monkeypatch.setattr(services, "due_jobs", lambda now, jobs: seen)
    assert services.enqueue_due(now, (job,)) == []
    assert ScheduledRun.objects.get().task_id == "other"
    assert DBTaskResult.objects.count() == 0  # the task row went with the refused slot row


@pytest.mark.django_db
def test_the_worker_enqueues_the_declared_jobs_and_runs_them_once(database_tasks, world):
    queued = DBTaskResult.objects.create(args_kwargs={"args": ["ping"], "kwargs": {}}, task_path=ECHO,
                                         backend_name="default")
    call_command("run_worker", "--batch", verbosity=0)
    assert set(ScheduledRun.objects.values_list("job", flat=True)) == {job.name for job in JOBS}
    results = {r.task_path: r for r in DBTaskResult.objects.all()}
    assert set(results) == {job.task for job in JOBS} | {ECHO}
    assert all(r.status == "SUCCESSFUL" for r in results.values()), {
        r.task_path: r.traceback for r in results.values()}
    queued.refresh_from_db()
    assert queued.return_value == "ping" and queued.worker_ids
    assert results["aupres.indicators.tasks.maintain_current_rollups"].return_value[-1] == {
        "year": datetime.date.today().year, "action": "built"}
    from aupres.indicators.models import RollupState

    assert RollupState.objects.filter(year=datetime.date.today().year).exists()
    # A second start in the same slots enqueues nothing and finds nothing to run.
    call_command("run_worker", "--batch", verbosity=0)
    assert DBTaskResult.objects.count() == len(JOBS) + 1


@pytest.mark.django_db
def test_housekeeping_deletes_old_rows_only(database_tasks):
    now = datetime.datetime.now(datetime.UTC)
    old = ScheduledRun.objects.create(job="j", slot=now - datetime.timedelta(days=200))
    recent = ScheduledRun.objects.create(job="j", slot=now - datetime.timedelta(days=1))
    for finished in (now - datetime.timedelta(days=40), now - datetime.timedelta(days=2)):
        DBTaskResult.objects.create(args_kwargs={"args": [], "kwargs": {}}, task_path=ECHO, backend_name="default",
                                    status="SUCCESSFUL", finished_at=finished)
    waiting = DBTaskResult.objects.create(args_kwargs={"args": [], "kwargs": {}}, task_path=ECHO,
                                          backend_name="default")
    DBTaskResult.objects.filter(pk=waiting.pk).update(enqueued_at=now - datetime.timedelta(days=100))
    report = services.housekeeping()
    assert report == {"task_results": 1, "scheduled_runs": 1}
    assert list(ScheduledRun.objects.all()) == [recent] and old.pk != recent.pk
    assert DBTaskResult.objects.filter(pk=waiting.pk).exists()  # never delete what has not run


@pytest.mark.django_db
def test_the_worker_refuses_to_start_without_the_database_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with pytest.raises(CommandError, match="AUPRES_TASKS"):
        call_command("run_worker", "--batch")


def test_the_database_is_the_default_outside_tests(tmp_path):
    import os
    import subprocess
    import sys

    from aupres.settings import PROJECT_DIR

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUPRES_", "PYTEST", "DJANGO_"))}
    env.update({"AUPRES_DEV": "1", "AUPRES_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "aupres.settings",
                "PYTHONPATH": str(PROJECT_DIR / "src")})
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.TASKS['default']['BACKEND'])")

    def run(**extra):
        return subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, env={**env, **extra},  # noqa: S603
                              capture_output=True, text=True, timeout=60)

    assert run().stdout.strip() == "django_tasks_db.DatabaseBackend"
    assert run(AUPRES_TASKS="celery").stdout.strip() == "django_tasks_celery.CeleryBackend"
    bad = run(AUPRES_TASKS="cron")
    assert bad.returncode != 0 and "AUPRES_TASKS" in bad.stderr
