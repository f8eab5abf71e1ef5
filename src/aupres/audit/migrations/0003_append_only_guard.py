"""The audit trail is append-only in the database too (issue #6, docs/security.md).

The application already refuses to change or delete an AccessEvent (models.AppendOnly); these triggers
make the database refuse any UPDATE or DELETE of audit_accessevent, whoever sends it (a bug, a raw SQL
statement, a shell). Nothing in Auprès updates or deletes audit rows: anonymisation (audit/retention.py)
skips AccessEvent and only appends "anonymise" events.

- PostgreSQL: a row trigger calling a function that raises. TRUNCATE is not a row operation: it stays
  open to the table's owner, for the archive-and-purge of old events after the legal period (and for
  Django's `flush`, which the test suite uses). See docs/security.md, "Deploying".
- SQLite: BEFORE UPDATE / BEFORE DELETE triggers with RAISE(ABORT). SQLite empties tables with DELETE, so
  `manage.py flush` (used between transactional tests) drops the triggers for its run and puts them
  back (audit/management/commands/flush.py).

Caution: on SQLite, a migration that rebuilds audit_accessevent (most AlterField/AddField) drops its
triggers: re-create them after it (GUARD_SQLITE below), as test_append_only_guard checks.
"""

from django.db import migrations

TABLE = "audit_accessevent"

GUARD_POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION aupres_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_accessevent_append_only ON {TABLE};
CREATE TRIGGER audit_accessevent_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION aupres_audit_append_only();
"""
UNGUARD_POSTGRESQL = f"""
DROP TRIGGER IF EXISTS audit_accessevent_append_only ON {TABLE};
DROP FUNCTION IF EXISTS aupres_audit_append_only();
"""

GUARD_SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_accessevent_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only (UPDATE refused)'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_accessevent_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only (DELETE refused)'); END;""",
]
UNGUARD_SQLITE = [
    "DROP TRIGGER IF EXISTS audit_accessevent_no_update;",
    "DROP TRIGGER IF EXISTS audit_accessevent_no_delete;",
]


def guard(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(GUARD_POSTGRESQL)
        elif connection.vendor == "sqlite":
            for statement in GUARD_SQLITE:
                cursor.execute(statement)


def unguard(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(UNGUARD_POSTGRESQL)
        elif connection.vendor == "sqlite":
            for statement in UNGUARD_SQLITE:
                cursor.execute(statement)


def forwards(apps, schema_editor):
    guard(schema_editor.connection)


def backwards(apps, schema_editor):
    unguard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_accessevent_emergency")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
