"""The planned team of every accepted application lands on its service (D58): the service's planned positions are
the sum, profession by profession, of the teams of the applications accepted for it. Positions already there
are left as they are (the migration runs once, before any acceptance wrote them)."""

from decimal import Decimal, InvalidOperation

from django.db import migrations


def forward(apps, schema_editor):
    Proposal = apps.get_model("calls", "Proposal")
    PlannedPosition = apps.get_model("services", "PlannedPosition")
    professions = {f.name: f for f in PlannedPosition._meta.get_fields()}["profession"].choices
    allowed = {value for value, _label in professions}
    totals = {}
    for service_id, team in Proposal.objects.filter(stage="accepted", service__isnull=False).values_list(
            "service_id", "planned_team"):
        for profession, value in (team or {}).items():
            try:
                etp = Decimal(str(value))
            except InvalidOperation:
                continue
            if etp > 0 and profession in allowed:
                totals[(service_id, profession)] = totals.get((service_id, profession), Decimal(0)) + etp
    existing = set(PlannedPosition.objects.values_list("service_id", "profession"))
    PlannedPosition.objects.bulk_create([
        PlannedPosition(service_id=sid, profession=profession, etp=etp)
        for (sid, profession), etp in sorted(totals.items()) if (sid, profession) not in existing])


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0003_budget_envelope_part"),
        ("services", "0008_planned_positions"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
