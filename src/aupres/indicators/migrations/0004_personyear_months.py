"""PersonYear.months: the bitmask of the Europe/Paris months of its year in which the service met the
person (bit m - 1 for month m), so that persons met by month over a scope are read from PersonYear
(docs/indicators.md, "Rollups"). Replaces the PersonYear trigger functions of 0003 with ones that
keep `months` (rollup_sql.py) and BACKFILLS `months` of every existing row from the raw links, in
the same transaction, so that built years are exact as soon as the migration commits (nothing is
marked for rebuild). Reversible: back to 0003's triggers, column dropped.

Locks: encounters_encounterperson in SHARE mode first (writers of links that are in flight finish
with the 0003 triggers before the backfill reads the links; new ones wait for the commit and then
run the new triggers; readers are not blocked), then indicators_personyear (ADD COLUMN, ACCESS
EXCLUSIVE) for the migration. Measured on 20 M links: see docs/indicators.md."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import ExtractMonth

MONTH_BIT = "(1 << (extract(month FROM occurred_at AT TIME ZONE %s)::int - 1))"


def lock_links(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("LOCK TABLE encounters_encounterperson IN SHARE MODE")


def backfill(apps, schema_editor):
    """months of every PersonYear row from the links of its (service, year, person)."""
    PersonYear = apps.get_model("indicators", "PersonYear")
    EncounterPerson = apps.get_model("encounters", "EncounterPerson")
    tz = ZoneInfo(settings.TIME_ZONE)
    years = sorted(set(PersonYear.objects.order_by().values_list("year", flat=True).distinct()))
    for year in years:
        start = datetime.datetime(year, 1, 1, tzinfo=tz)
        end = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute(
                    "UPDATE indicators_personyear t SET months = r.mb FROM ("
                    f"  SELECT service_id AS s, person_id AS p, bit_or({MONTH_BIT}) AS mb"
                    "     FROM encounters_encounterperson WHERE occurred_at >= %s AND occurred_at < %s"
                    "    GROUP BY service_id, person_id) r"
                    " WHERE t.year = %s AND t.service_id = r.s AND t.person_id = r.p AND t.months <> r.mb",
                    [settings.TIME_ZONE, start, end, year])
            continue
        # Elsewhere (SQLite: rollups are neither kept by triggers nor read) the same, in Python.
        months = {}
        links = (EncounterPerson.objects.filter(occurred_at__gte=start, occurred_at__lt=end).order_by()
                 .annotate(m=ExtractMonth("occurred_at", tzinfo=tz))
                 .values_list("service_id", "person_id", "m").distinct())
        for s, p, m in links:
            months[(s, p)] = months.get((s, p), 0) | (1 << (m - 1))
        rows = list(PersonYear.objects.filter(year=year))
        for row in rows:
            row.months = months.get((row.service_id, row.person_id), 0)
        PersonYear.objects.bulk_update(rows, ["months"], batch_size=5000)


def triggers_with_months(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from aupres.indicators import rollup_sql  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

        with schema_editor.connection.cursor() as cursor:
            cursor.execute(rollup_sql.DROP_SQL)
            cursor.execute(rollup_sql.create_sql())  # PersonYear functions as of 0004 (no `shared`)


def triggers_of_0003(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from aupres.indicators import rollup_sql  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

        with schema_editor.connection.cursor() as cursor:
            cursor.execute(rollup_sql.DROP_SQL)
            cursor.execute(rollup_sql.create_sql_0003())


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0003_statement_rollup_triggers"),
        ("encounters", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(lock_links, migrations.RunPython.noop),
        migrations.AddField(
            model_name="personyear",
            name="months",
            field=models.IntegerField(db_default=0, default=0),
        ),
        migrations.RunPython(triggers_with_months, triggers_of_0003),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
