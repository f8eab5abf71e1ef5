"""The situations at admission and at exit of the year's exits (housing, health cover, income: the care
record's entry against exit) counted in ServiceYearPart too (decision D69): the follow-ups' part gains
them, and new statement-level triggers on the two dated histories (living situations, rights) append
their deltas (rollup_sql.history_part_sql). BACKFILLED here for every year.

The part triggers are dropped and created again from today's definitions (0008 created those of its
day, or, on a database migrated from scratch, today's already: both end the same way), and the six
indicators' rows are deleted before they are written, so the backfill never counts twice. Locks:
follow-ups and the two histories in SHARE ROW EXCLUSIVE mode (their writers wait, then pass through the
new triggers). Reversible: the triggers of 0008's definition cannot be restored from here, so going
back drops the history triggers and the six indicators' rows only."""

from django.db import migrations


def triggers_and_backfill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # elsewhere (SQLite) the parts are neither kept nor read
    from aupres.indicators import rollup_sql  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

    codes = list(rollup_sql.ENTRY_EXIT_CODES)
    with schema_editor.connection.cursor() as cursor:
        tables = ("followups_followup", *rollup_sql.HISTORY_TABLES)
        cursor.execute(f"LOCK TABLE {', '.join(tables)} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(rollup_sql.PART_DROP_SQL)
        cursor.execute(rollup_sql.part_create_sql())
        cursor.execute(f"DELETE FROM {rollup_sql.PART_TABLE} WHERE indicator = ANY(%s)", [codes])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {rollup_sql.PART_TABLE} (year, service_id, indicator, key, n) "  # noqa: S608
            f"SELECT * FROM ({rollup_sql.followup_part_sql('SELECT *, 1 AS d FROM followups_followup')}) p "
            "WHERE p.i = ANY(%s)", [codes])
        cursor.execute(f"ANALYZE {rollup_sql.PART_TABLE}")


def drop_history_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from aupres.indicators import rollup_sql  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

    with schema_editor.connection.cursor() as cursor:
        for table in rollup_sql.HISTORY_TABLES:
            for ev in rollup_sql.EVENTS:
                cursor.execute(f"DROP TRIGGER IF EXISTS indicators_part_{ev} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS indicators_part_{table}_{ev}()")
        cursor.execute(f"DELETE FROM {rollup_sql.PART_TABLE} WHERE indicator = ANY(%s)",  # noqa: S608
                       [list(rollup_sql.ENTRY_EXIT_CODES)])


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0008_serviceyearpart'),
        ('persons', '0004_history_day_indexes'),
        ('followups', '__first__'),
    ]

    operations = [
        migrations.RunPython(triggers_and_backfill, drop_history_triggers),
    ]
