"""CaseloadYear: the active caseload of each service and year with the person as at the end of the
year, so that the caseload indicators of a large scope are read from it (docs/indicators.md,
"Rollups"). On PostgreSQL: the recomputation function and the triggers on follow-ups, persons,
living situations and rights (rollup_sql.caseload_create_sql), and the rows of every year already
built (RollupState), in the same transaction, so that built years are exact as soon as the
migration commits. Elsewhere (SQLite) rollups are neither kept nor read: the table stays empty.

Locks: the four source tables in SHARE mode first (writers in flight finish before the backfill
reads them; new ones wait for the commit, then run the triggers; readers are not blocked)."""

import django.db.models.deletion
from django.db import migrations, models

SOURCES = ("followups_followup", "persons_person", "persons_livingsituation", "persons_rightstatus")


def triggers_and_backfill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from aupres.indicators import rollup_sql  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(SOURCES)} IN SHARE MODE")
        cursor.execute(rollup_sql.caseload_create_sql())
    backfill(apps, schema_editor)


def backfill(apps, schema_editor):
    """The rows of every built year (PostgreSQL)."""
    from aupres.indicators import rollup_sql  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {rollup_sql.CASELOAD_TABLE} ({', '.join(rollup_sql.CASELOAD_COLUMNS)}) "
            + rollup_sql.caseload_rows_sql("true", "SELECT year::int FROM indicators_rollupstate"))
        cursor.execute(f"ANALYZE {rollup_sql.CASELOAD_TABLE}")


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from aupres.indicators import rollup_sql  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

        with schema_editor.connection.cursor() as cursor:
            cursor.execute(rollup_sql.CASELOAD_DROP_SQL)


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0004_personyear_months'),
        ('services', '0005_accepted_needs'),
        ('followups', '0002_followup_cycle'),
        ('persons', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='CaseloadYear',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField()),
                ('person_id', models.BigIntegerField()),
                ('followed_days', models.IntegerField()),
                ('first_opened', models.DateField()),
                ('person_first_opened', models.DateField()),
                ('shared', models.BooleanField()),
                ('sex', models.CharField(max_length=10)),
                ('born', models.IntegerField(null=True)),
                ('administrative_situation', models.CharField(max_length=20)),
                ('living_situation', models.CharField(max_length=24, null=True)),
                ('health_cover', models.CharField(max_length=20, null=True)),
                ('service', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='services.service')),
            ],
            options={
                'indexes': [models.Index(fields=['person_id'], name='caseload_year_person')],
                'constraints': [models.UniqueConstraint(fields=('year', 'service', 'person_id'), name='caseload_year_once')],
            },
        ),
        migrations.RunPython(triggers_and_backfill, drop_triggers),
    ]
