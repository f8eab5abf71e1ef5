"""The distributed option: a Django task enqueued through the Celery backend is run by a Celery worker
(a separate process, `--pool=solo`) through Redis; beat's schedule comes from the same declaration."""

import os
import subprocess
import sys
import time
import uuid

import pytest
from celery.schedules import crontab
from django.tasks import TaskResultStatus

from aupres.background.schedule import JOBS
from aupres.settings import PROJECT_DIR

BROKER = os.environ.get("AUPRES_CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")


def redis_reachable():
    import redis

    try:
        return redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        return False


def test_beat_schedule_is_built_from_the_declared_jobs():
    from aupres.celery import app, beat_schedule

    assert app.conf.beat_schedule == beat_schedule()
    entries = beat_schedule()
    assert set(entries) == {job.name for job in JOBS}
    for job in JOBS:
        entry = entries[job.name]
        assert entry["task"] == job.task and entry["kwargs"] == job.kwargs
        if job.at:
            assert entry["schedule"] == crontab(hour=job.at.hour, minute=job.at.minute)
        else:
            assert entry["schedule"] == job.every
    assert app.conf.timezone == "Europe/Paris"


@pytest.mark.skipif(not redis_reachable(), reason=f"Redis is not reachable at {BROKER}: start redis-server")
def test_a_celery_worker_runs_a_task_enqueued_through_the_celery_backend(settings, tmp_path):
    from aupres.background.tasks import echo

    queue = f"test-{uuid.uuid4().hex[:12]}"  # a queue of its own: never picks up anything else's messages
    settings.TASKS = {"default": {"BACKEND": "django_tasks_celery.CeleryBackend", "QUEUES": [queue],
                                  "OPTIONS": {"CELERY_APP": "aupres.celery.app"}}}
    value = uuid.uuid4().hex
    result = echo.using(queue_name=queue).enqueue(value)
    assert result.status == TaskResultStatus.READY
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUPRES_", "PYTEST", "DJANGO_"))}
    env.update({"AUPRES_DEV": "1", "AUPRES_TASKS": "celery", "AUPRES_VAR_DIR": str(tmp_path),
                "AUPRES_CELERY_BROKER_URL": BROKER, "PYTHONPATH": str(PROJECT_DIR / "src")})
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "aupres.celery", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING",
         f"--hostname={queue}@localhost"],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and worker.poll() is None:
            result.refresh()
            if result.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        try:
            output = worker.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            worker.kill()
            output = worker.communicate()[0]
        import redis

        redis.Redis.from_url(BROKER).delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    assert result.status == TaskResultStatus.SUCCESSFUL, output
    assert result.return_value == value
    assert result.worker_ids == [f"{queue}@localhost"]
