"""PostgreSQL: no two stays of an exclusive place share a night, nor two stays of one person in one service
(btree_gist exclusion constraints over daterange(start_date, end_date, '[)'); an open stay has no upper bound).
SQLite has no exclusion constraint: there, services.py checks under the write lock of BEGIN IMMEDIATE."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE places_stay ADD CONSTRAINT stay_no_overlap_on_exclusive_place
       EXCLUDE USING gist (place_id WITH =, daterange(start_date, end_date, '[)') WITH &&) WHERE (exclusive)""",
    """ALTER TABLE places_stay ADD CONSTRAINT stay_no_overlap_for_person
       EXCLUDE USING gist (person_id WITH =, service_id WITH =, daterange(start_date, end_date, '[)') WITH &&)""",
]
BACKWARD = [
    "ALTER TABLE places_stay DROP CONSTRAINT IF EXISTS stay_no_overlap_for_person",
    "ALTER TABLE places_stay DROP CONSTRAINT IF EXISTS stay_no_overlap_on_exclusive_place",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("places", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
