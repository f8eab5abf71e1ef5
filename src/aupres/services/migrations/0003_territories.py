from django.db import migrations


def load(apps, schema_editor):
    from aupres.services.territories import load_territories

    load_territories(apps.get_model("services", "Territory"))


class Migration(migrations.Migration):
    dependencies = [("services", "0002_service_kinds")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
