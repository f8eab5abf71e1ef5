"""The budget lines funded by accepted applications record their envelope part (D54): summed from the accepted
applications, never above the line (a line already overwritten keeps what it holds)."""

from collections import defaultdict
from decimal import Decimal

from django.db import migrations


def backfill(apps, schema_editor):
    Proposal = apps.get_model("calls", "Proposal")  # noqa: N806 — historical models
    Budget = apps.get_model("indicators", "ServiceYearBudget")  # noqa: N806
    parts = defaultdict(Decimal)
    for p in Proposal.objects.filter(stage="accepted").select_related("call__envelope"):
        parts[(p.service_id, p.call.envelope.year, p.call.envelope.funder)] += p.granted_amount
    for (service_id, year, funder), part in parts.items():
        line = Budget.objects.filter(service_id=service_id, year=year, funder=funder).first()
        if line is not None:
            line.envelope_amount = min(part, line.amount)
            line.save(update_fields=["envelope_amount"])


class Migration(migrations.Migration):
    dependencies = [("calls", "0002_alter_proposal_stage_proposalquestion"),
                    ("indicators", "0007_serviceyearbudget_envelope_amount_and_more")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
