from django.db import migrations


def load(apps, schema_editor):
    from aupres.services.kinds import load_kinds  # noqa: PLC0415 — a migration loads app code only when it runs (D64)

    load_kinds(apps.get_model("services", "ServiceKind"))


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
