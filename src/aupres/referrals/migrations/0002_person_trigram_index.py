"""PostgreSQL only: pg_trgm, a trigram GIN index on persons' names and an index on phone digits,
for the duplicate search (aupres.referrals.duplicates). Nothing happens on SQLite."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS person_search_text_trgm ON persons_person USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS person_phone_digits ON persons_person "
    "(right(regexp_replace(phone, '[^0-9]', '', 'g'), 9))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS person_phone_digits",
    "DROP INDEX IF EXISTS person_search_text_trgm",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("persons", "0001_initial"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
