"""Rollups kept current on write by PostgreSQL triggers (see indicators/rollup_sql.py). No-op elsewhere."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from aupres.indicators.rollup_sql import create_row_level_sql as create_sql  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

        with schema_editor.connection.cursor() as cursor:
            cursor.execute(create_sql())


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from aupres.indicators.rollup_sql import DROP_ROW_LEVEL_SQL as DROP_SQL  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_initial"),
        ("encounters", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
