"""ServiceYearPart (decision D66): per service and year, the part of the person figures that needs no
DISTINCT (the rollup rows not `shared`), and the exits and referrals counted by year; kept by
statement-level triggers on PersonYear, CaseloadYear, follow-ups and referrals
(rollup_sql.part_create_sql) and BACKFILLED here from them, for every year, in the same transaction.

Locks: the four tables in SHARE ROW EXCLUSIVE mode first (their writers wait for the commit, then go
through the new triggers), so the backfill and the triggers see the same rows. Cost: one grouped read
of each table (about 6 M rows at the bench's full scale: seconds), no rewrite of any existing table. Reversible: triggers and table dropped."""

import django.db.models.deletion
from django.db import migrations, models


def triggers_and_backfill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # elsewhere (SQLite) the rollups are neither kept by triggers nor read
    from aupres.indicators import rollup_sql  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

    with schema_editor.connection.cursor() as cursor:
        # In the order the writers lock them (a follow-up, then the rollups).
        cursor.execute(f"LOCK TABLE {', '.join(rollup_sql.PART_SOURCES)} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(rollup_sql.part_create_sql())
        for table, part_sql in rollup_sql.PART_SOURCES.items():  # every year, one grouped pass per table
            cursor.execute(f"INSERT INTO {rollup_sql.PART_TABLE} (year, service_id, indicator, key, n) "  # noqa: S608
                           f"{part_sql(f'SELECT *, 1 AS d FROM {table}')}")
        cursor.execute(f"ANALYZE {rollup_sql.PART_TABLE}")


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from aupres.indicators import rollup_sql  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

        with schema_editor.connection.cursor() as cursor:
            cursor.execute(rollup_sql.PART_DROP_SQL)


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0007_serviceyearbudget_envelope_amount_and_more'),
        ('services', '0007_dated_rules'),
    ]

    operations = [
        migrations.CreateModel(
            name='ServiceYearPart',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField()),
                ('indicator', models.CharField(max_length=40)),
                ('key', models.CharField(max_length=40)),
                ('n', models.BigIntegerField()),
                ('service', models.ForeignKey(db_constraint=False, db_index=False,
                                              on_delete=django.db.models.deletion.DO_NOTHING, related_name='+',
                                              to='services.service')),
            ],
            options={
                'indexes': [models.Index(fields=['year', 'service'], name='service_year_part')],
            },
        ),
        migrations.RunPython(triggers_and_backfill, drop_triggers),
    ]
