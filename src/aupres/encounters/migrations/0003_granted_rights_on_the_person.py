"""One rights model (issue #13): a rights application granted before this change (a domiciliation, or a
demo's application) left the person's rights as they were, so the person page said « Domiciliation :
Néant » after the domiciliation was granted. Each granted application whose right the person's history
does not show since its grant is written there, as encounters.services.granted_right does now."""

from django.db import migrations

GRANTED_RIGHT = {
    "domiciliation": ("domiciliation", "domiciled"),
    "ame": ("health_cover", "ame"), "puma": ("health_cover", "puma"), "css": ("health_cover", "css"),
    "rsa": ("income", "rsa"), "aah": ("income", "aah"), "residence_permit": ("id_papers", "residence_permit"),
}


def forward(apps, schema_editor):
    RightsApplication = apps.get_model("encounters", "RightsApplication")
    RightStatus = apps.get_model("persons", "RightStatus")
    missing = []
    for a in RightsApplication.objects.filter(status="granted", kind__in=list(GRANTED_RIGHT)).iterator():
        kind, value = GRANTED_RIGHT[a.kind]
        if not RightStatus.objects.filter(person_id=a.person_id, kind=kind, started_on__gte=a.status_on).exists():
            missing.append(RightStatus(person_id=a.person_id, kind=kind, value=value, started_on=a.status_on,
                                       expires_on=a.valid_until, recorded_by_id=a.created_by_id))
    RightStatus.objects.bulk_create(missing, batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ("encounters", "0002_care_coordination_acts"),
        ("persons", "0003_right_value_domiciled"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
