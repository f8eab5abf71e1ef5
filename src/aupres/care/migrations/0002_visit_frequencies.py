"""Expected visit frequencies per service kind, as data (issue #20): ACT hors les murs, a weekly visit;
SSIAD précarité, a daily round (7/7)."""

from django.db import migrations

FREQUENCIES = {"act_outreach": 7, "ssiad_precarity": 1}


def load(apps, schema_editor):
    ServiceKind = apps.get_model("services", "ServiceKind")
    VisitFrequency = apps.get_model("care", "VisitFrequency")
    for code, days in FREQUENCIES.items():
        kind = ServiceKind.objects.filter(code=code).first()
        if kind is not None:
            VisitFrequency.objects.update_or_create(kind=kind, defaults={"every_days": days})


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial"), ("services", "0002_service_kinds")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
