"""Rollup triggers become statement-level, with transition tables (see indicators/rollup_sql.py):
each statement's changes are applied in one upsert ordered by the rollup key, so two writers of the
same service and month no longer deadlock. Replaces 0002's row-level triggers; reversible. No-op
outside PostgreSQL. (0004 replaces its PersonYear functions; `create_sql_0003` is this migration's SQL.)"""

from django.db import migrations


def _run(schema_editor, *scripts):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            for sql in scripts:
                cursor.execute(sql)


def forward(apps, schema_editor):
    from aupres.indicators import rollup_sql  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

    _run(schema_editor, rollup_sql.DROP_ROW_LEVEL_SQL, rollup_sql.create_sql_0003())


def backward(apps, schema_editor):
    from aupres.indicators import rollup_sql  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

    _run(schema_editor, rollup_sql.DROP_SQL, rollup_sql.create_row_level_sql())


class Migration(migrations.Migration):
    dependencies = [("indicators", "0002_rollup_triggers")]

    operations = [migrations.RunPython(forward, backward)]
