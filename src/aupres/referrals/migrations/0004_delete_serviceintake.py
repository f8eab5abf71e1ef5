from django.db import migrations


class Migration(migrations.Migration):
    """The needs a service takes now live on the service (services 0005 copied them)."""

    dependencies = [
        ("referrals", "0003_name_key_indexes"),
        ("services", "0005_accepted_needs"),
    ]

    operations = [
        migrations.DeleteModel(name="ServiceIntake"),
    ]
