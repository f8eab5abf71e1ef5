"""PostgreSQL only: the indexes of the duplicate search of issue #21 (aupres.referrals.duplicates) on the keys
of persons migration 0002: a GIN index on the phonetic tokens (as an array: "these keys, born that year"
is one exact lookup) and a GIN index on (birth_year, name_key) with btree_gin, so that a trigram match of
the names can be narrowed to a birth year inside the index. Nothing happens on SQLite."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX IF NOT EXISTS person_name_tokens ON persons_person "
    "USING gin ((string_to_array(name_tokens, ' ')))",
    "CREATE INDEX IF NOT EXISTS person_year_name_key_trgm ON persons_person "
    "USING gin (birth_year, name_key gin_trgm_ops)",
]
DROP_INDEXES = [
    "DROP INDEX IF EXISTS person_year_name_key_trgm",
    "DROP INDEX IF EXISTS person_name_tokens",
]
BACKWARD = DROP_INDEXES


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0004_delete_serviceintake"),
        ("persons", "0002_person_name_keys"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
