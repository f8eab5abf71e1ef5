import pytest

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_tasks(settings, monkeypatch):
    """Tasks go to the database queue, as in production with the embedded worker. The worker's
    close_old_connections() would close the test's transaction: inside a test it has nothing to do."""
    from django_tasks_db.management.commands import db_worker

    settings.TASKS = DATABASE_TASKS
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    return settings
