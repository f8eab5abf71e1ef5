"""Django's `flush`, able to empty the append-only audit table on SQLite.

SQLite empties tables with DELETE, which the audit trail's triggers refuse (migration 0003): for the run
of `flush` only (an administrator's wipe of the whole database, or the test suite between transactional
tests), the triggers are dropped and then put back. PostgreSQL empties with TRUNCATE, which row triggers
do not see: nothing to do there.
"""

from importlib import import_module

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections

_guard = import_module("aupres.audit.migrations.0003_append_only_guard")


def _guarded(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                       "AND name LIKE 'audit_accessevent_no_%'")
        return cursor.fetchone()[0] > 0


class Command(FlushCommand):
    help = FlushCommand.help + " On SQLite, the audit trail's append-only triggers are lifted for the run."

    def handle(self, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite" or not _guarded(connection):
            return super().handle(**options)
        _guard.unguard(connection)
        try:
            return super().handle(**options)
        finally:
            _guard.guard(connection)
