from django.db import migrations


def load(apps, schema_editor):
    from aupres.services.territories import load_territories  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

    load_territories(apps.get_model("services", "Territory"))


class Migration(migrations.Migration):
    dependencies = [("services", "0002_service_kinds")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
