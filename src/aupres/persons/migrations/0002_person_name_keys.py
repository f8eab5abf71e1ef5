"""Keys of the duplicate search (issue #21): the transliterated first and last names and their phonetic
tokens, kept by Person.save(); existing rows are filled here (in batches)."""

from django.db import migrations, models


def backfill(apps, schema_editor):
    from aupres.persons import names  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

    Person = apps.get_model("persons", "Person")
    batch = []
    for p in Person._base_manager.only("pk", "first_name", "last_name", "birth_year").order_by("pk").iterator(
            chunk_size=5000):
        p.name_key = names.normalise(p.first_name, p.last_name)[:210]
        p.name_tokens = names.name_tokens(p.first_name, p.last_name, p.birth_year)[:400]
        batch.append(p)
        if len(batch) >= 5000:
            Person._base_manager.bulk_update(batch, ["name_key", "name_tokens"])
            batch = []
    if batch:
        Person._base_manager.bulk_update(batch, ["name_key", "name_tokens"])


class Migration(migrations.Migration):

    dependencies = [
        ('persons', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='person',
            name='name_key',
            field=models.CharField(default='', editable=False, max_length=210),
        ),
        migrations.AddField(
            model_name='person',
            name='name_tokens',
            field=models.CharField(default='', editable=False, max_length=400),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
