"""ServiceYearPart (decision D66): per service and year, the part of the person figures that needs no
DISTINCT (the rollup rows not `shared`), kept by statement-level triggers on PersonYear and
CaseloadYear (rollup_sql.part_create_sql) and BACKFILLED here from the two rollups, for every year
they hold, in the same transaction.

Locks: the two rollups in SHARE ROW EXCLUSIVE mode first (their writers — the triggers of encounters,
follow-ups, persons — wait for the commit, then go through the new triggers), so the backfill and
the triggers see the same rows. Cost: one grouped read of the rollups (about 3.5 M rows at the
bench's full scale: seconds), no rewrite of any existing table. Reversible: triggers and table dropped."""

import django.db.models.deletion
from django.db import migrations, models


def triggers_and_backfill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # elsewhere (SQLite) the rollups are neither kept by triggers nor read
    from aupres.indicators import rollup_sql

    with schema_editor.connection.cursor() as cursor:
        cursor.execute("LOCK TABLE indicators_caseloadyear, indicators_personyear IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(rollup_sql.part_create_sql())
        cursor.execute("SELECT DISTINCT year FROM indicators_personyear UNION SELECT DISTINCT year "
                       "FROM indicators_caseloadyear")
        for (year,) in cursor.fetchall():
            cursor.execute(f"INSERT INTO {rollup_sql.PART_TABLE} (year, service_id, indicator, key, n) "  # noqa: S608
                           f"SELECT year, service_id, i, k, sum(n) FROM ({rollup_sql.part_rows_sql()}) x"
                           "(year, service_id, i, k, n) GROUP BY 1, 2, 3, 4", {"year": year})
        cursor.execute(f"ANALYZE {rollup_sql.PART_TABLE}")


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from aupres.indicators import rollup_sql

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
