from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The database cache shared by every worker (settings.CACHES; the public form's rate limit). Does
    # nothing when the cache is Redis or the table exists.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    """The table of the shared cache (issue #11): created with the schema, so no deployment step is missed."""

    dependencies = [("referrals", "0006_duplicate_pair")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
