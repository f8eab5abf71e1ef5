"""PostgreSQL only: aupres_name_key(text), an immutable SQL function (lower case, accents and the
separators - and ' removed), and the indexes of the field-by-field duplicate search
(aupres.referrals.duplicates) besides the trigram index on search_text of 0002: trigram GIN and B-tree
on the alias's key (partial: most persons have none), B-tree on (first name's key, birth year). Nothing happens on SQLite."""

from django.db import migrations

ACCENTED = ("ÀÁÂÃÄÅàáâãäåĂăĄąÇçĆćČčĎďÉÈÊËéèêëĘęĚěĞğÍÌÎÏíìîïİıŁłÑñŃńŇňÓÒÔÕÖØóòôõöøŘřŚśŞşȘșŠšŢţȚțŤťÚÙÛÜúùûüŮů"
            "ÝýÿŹźŻżŽž'-")
PLAIN = ("AAAAAAaaaaaaAaAaCcCcCcDdEEEEeeeeEeEeGgIIIIiiiiIiLlNnNnNnOOOOOOooooooRrSsSsSsSsTtTtTtUUUUuuuuUu"
         "YyyZzZzZz  ")
assert len(ACCENTED) == len(PLAIN)

FUNCTION = (
    "CREATE OR REPLACE FUNCTION aupres_name_key(value text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS "
    f"$$ SELECT lower(translate(value, '{ACCENTED.replace(chr(39), chr(39) * 2)}', '{PLAIN}')) $$"
)
INDEXES = [
    "CREATE INDEX IF NOT EXISTS person_alias_key ON persons_person (aupres_name_key(alias)) WHERE alias <> ''",
    "CREATE INDEX IF NOT EXISTS person_alias_key_trgm ON persons_person "
    "USING gin (aupres_name_key(alias) gin_trgm_ops) WHERE alias <> ''",
    "CREATE INDEX IF NOT EXISTS person_first_key_year ON persons_person (aupres_name_key(first_name), birth_year)",
]
FORWARD = ["CREATE EXTENSION IF NOT EXISTS pg_trgm", FUNCTION, *INDEXES]
DROP_INDEXES = [
    "DROP INDEX IF EXISTS person_first_key_year",
    "DROP INDEX IF EXISTS person_alias_key_trgm",
    "DROP INDEX IF EXISTS person_alias_key",
]
BACKWARD = [*DROP_INDEXES, "DROP FUNCTION IF EXISTS aupres_name_key(text)"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0002_person_trigram_index"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
