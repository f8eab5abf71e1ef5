"""The needs a service takes become a rule of the service (and of its kind's template).

They were kept apart, in referrals.ServiceIntake (set by the head of service), with per-kind defaults in
code. Each service now holds its own list: the one its head had set when there was one (even empty: any
need), else the defaults of its kind, frozen below as they were when the data moved.
"""

from django.db import migrations, models

NEEDS_BY_KIND = {
    "lhss_mobile": ["addiction", "health", "mental_health", "nursing"],
    "lhss_day": ["addiction", "health", "mental_health", "rights"],
    "lhss_residential": ["health", "nursing"],
    "lhss_paediatric": ["health", "maternity"],
    "lam": ["health", "nursing"],
    "act": ["health", "housing"],
    "act_outreach": ["health", "housing"],
    "emsp": ["addiction", "health", "mental_health", "rights", "social"],
    "ssiad_precarity": ["health", "nursing"],
    "pass_mobile": ["health", "rights"],
    "empp": ["addiction", "mental_health"],
    "mum": ["housing", "maternity"],
    "violence_shelter": ["housing", "social", "violence"],
    "landlord_team": ["health", "housing", "mental_health", "social"],
    "case_management": ["health", "housing", "mental_health", "rights", "social"],
}


def forward(apps, schema_editor):
    ServiceKind = apps.get_model("services", "ServiceKind")
    Service = apps.get_model("services", "Service")
    ServiceIntake = apps.get_model("referrals", "ServiceIntake")
    for kind in ServiceKind.objects.all():
        kind.accepted_needs = NEEDS_BY_KIND.get(kind.code, [])
        kind.save(update_fields=["accepted_needs"])
    set_by_head = dict(ServiceIntake.objects.values_list("service_id", "accepted_needs"))
    for service in Service.objects.select_related("kind"):
        if service.pk in set_by_head:
            needs = set_by_head[service.pk] or []
        else:
            needs = NEEDS_BY_KIND.get(service.kind.code, [])
        service.accepted_needs = sorted(set(needs))
        service.save(update_fields=["accepted_needs"])


def backward(apps, schema_editor):
    """Back to ServiceIntake rows (every service gets one: its list is then what it was set to)."""
    Service = apps.get_model("services", "Service")
    ServiceIntake = apps.get_model("referrals", "ServiceIntake")
    for service in Service.objects.all():
        ServiceIntake.objects.update_or_create(service=service, defaults={"accepted_needs": service.accepted_needs})


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0004_retention_days_after_exit"),
        ("referrals", "0003_name_key_indexes"),  # reads referrals.ServiceIntake before 0004 deletes it
    ]

    operations = [
        migrations.AddField(
            model_name="service",
            name="accepted_needs",
            field=models.JSONField(blank=True, default=list, help_text="A referral naming none of these needs does not fit the service. Empty: any need.", verbose_name="needs the service takes"),
        ),
        migrations.AddField(
            model_name="servicekind",
            name="accepted_needs",
            field=models.JSONField(blank=True, default=list, help_text="A referral naming none of these needs does not fit the service. Empty: any need.", verbose_name="needs the service takes"),
        ),
        migrations.RunPython(forward, backward),
    ]
