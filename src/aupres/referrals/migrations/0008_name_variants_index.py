"""PostgreSQL only: aupres_name_variants(name_key), an immutable SQL function giving the words of a person's
transliterated names (Person.name_key), each word of four letters or more with each one of its letters
left out in turn, and each two neighbouring words joined (Ben Ali / Benali); and a GIN index on
(birth_year, that array) with btree_gin.

Two spellings one typo apart (a letter changed, left out, added, or two letters swapped) always share one
such variant (the "deletion neighbourhood" of a word): "Diallp" and "Diallo" share "diall", "Grard" and
"Girard" share "grard". So "a word one typo from each of the words given, born that year ± 1" is an exact
index lookup that does not depend on how a typo changes a word's sound (aupres.referrals.duplicates;
aupres.persons.names.variants computes the same array in Python). Nothing happens on SQLite."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION aupres_name_variants(key text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT v), '{}'::text[]) FROM (
    SELECT w AS v FROM unnest(string_to_array(key, ' ')) AS w WHERE w <> ''
    UNION ALL
    SELECT overlay(w PLACING '' FROM i FOR 1)
      FROM unnest(string_to_array(key, ' ')) AS w, generate_series(1, length(w)) AS i WHERE length(w) >= 4
    UNION ALL
    SELECT a[i] || a[i + 1] FROM (SELECT string_to_array(key, ' ') AS a) AS t,
      generate_series(1, cardinality(a) - 1) AS i WHERE a[i] <> '' AND a[i + 1] <> ''
  ) AS s
$$
"""
INDEXES = [
    "CREATE INDEX IF NOT EXISTS person_year_name_variants ON persons_person "
    "USING gin (birth_year, aupres_name_variants(name_key))",
]
FORWARD = ["CREATE EXTENSION IF NOT EXISTS btree_gin", FUNCTION, *INDEXES]
DROP_INDEXES = ["DROP INDEX IF EXISTS person_year_name_variants"]
BACKWARD = [*DROP_INDEXES, "DROP FUNCTION IF EXISTS aupres_name_variants(text)"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("referrals", "0007_shared_cache_table")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
