"""PersonYear.shared: the person has rows of more than one service in the year, so that persons met
over a scope are counted without a DISTINCT for everyone else (docs/indicators.md, "Rollups").
Replaces the PersonYear trigger functions with ones that keep it (rollup_sql.person_year_shared_sql:
a per-person advisory lock, then the flag of every row of the persons touched) and BACKFILLS it for
every existing row, in the same transaction. Reversible: 0004's functions, column and index dropped.

Locks: encounters_encounterperson in SHARE mode first (links in flight finish with the old
functions before the backfill reads the rollup; new ones wait for the commit)."""

from django.db import migrations, models


def lock_links(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("LOCK TABLE encounters_encounterperson IN SHARE MODE")


def functions_and_backfill(apps, schema_editor):
    PersonYear = apps.get_model("indicators", "PersonYear")
    if schema_editor.connection.vendor == "postgresql":
        from aupres.indicators import rollup_sql  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

        with schema_editor.connection.cursor() as cursor:
            cursor.execute(rollup_sql.person_year_shared_sql())
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute(
                "UPDATE indicators_personyear t SET shared = true FROM ("
                "  SELECT year, person_id FROM indicators_personyear GROUP BY year, person_id HAVING count(*) > 1) x"
                " WHERE t.year = x.year AND t.person_id = x.person_id")
        return
    # Elsewhere (SQLite: rollups are neither kept by triggers nor read) the same, in Python.
    seen = {}
    for year, person in PersonYear.objects.values_list("year", "person_id"):
        seen[(year, person)] = seen.get((year, person), 0) + 1
    for (year, person), n in seen.items():
        if n > 1:
            PersonYear.objects.filter(year=year, person_id=person).update(shared=True)


def functions_of_0004(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from aupres.indicators import rollup_sql  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

        with schema_editor.connection.cursor() as cursor:
            cursor.execute(rollup_sql.person_year_months_sql())


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0005_caseload_year'),
        ('services', '0005_accepted_needs'),
    ]

    operations = [
        migrations.RunPython(lock_links, migrations.RunPython.noop),
        migrations.AddField(
            model_name='personyear',
            name='shared',
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.AddIndex(
            model_name='personyear',
            index=models.Index(fields=['person_id', 'year'], name='person_year_person'),
        ),
        migrations.RunPython(functions_and_backfill, functions_of_0004),
    ]
