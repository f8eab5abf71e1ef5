"""An event on several persons is one row naming them all (issue #16): `person_ids` (",12,34,56,"),
`person_count`; `person_id` is empty for such an event. No data changes: every existing event stays an
event on one person.

SQLite rebuilds the table for these changes, which drops the append-only triggers: they are put back
(0003's guard). PostgreSQL adds a trigram index for `AccessEvent.objects.concerning(person)` (a LIKE
",34," on `person_ids`)."""

import importlib

from django.db import migrations, models

_guard = importlib.import_module("aupres.audit.migrations.0003_append_only_guard")

TRIGRAM = ["CREATE EXTENSION IF NOT EXISTS pg_trgm",
           "CREATE INDEX IF NOT EXISTS access_event_person_ids_trgm ON audit_accessevent "
           "USING gin (person_ids gin_trgm_ops)"]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for sql in TRIGRAM:
            schema_editor.execute(sql)
    _guard.guard(connection)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS access_event_person_ids_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0006_alter_accessevent_action'),
    ]

    operations = [
        migrations.AddField(
            model_name='accessevent',
            name='person_count',
            field=models.PositiveIntegerField(default=1, verbose_name='number of persons'),
        ),
        migrations.AddField(
            model_name='accessevent',
            name='person_ids',
            field=models.TextField(blank=True, default='', help_text="An event on several persons (a list): ',12,34,56,'.", verbose_name='persons'),
        ),
        migrations.AlterField(
            model_name='accessevent',
            name='person_id',
            field=models.BigIntegerField(blank=True, help_text='The person of an event on one person; empty for several.', null=True, verbose_name='person'),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
