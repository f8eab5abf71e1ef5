"""The 2022 referential (seed 000: 9 themes, 42 criteria of which 18 imperative) and the association's four axes."""

from django.db import migrations


def load(apps, schema_editor):
    from aupres.quality.referential import load_referential  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

    load_referential(apps.get_model("quality", "Theme"), apps.get_model("quality", "Criterion"),
                     apps.get_model("quality", "Axis"))


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
