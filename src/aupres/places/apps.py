from django.apps import AppConfig


class PlacesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aupres.places"
    verbose_name = "Places and stays"

    def ready(self):
        from aupres.places import indicators  # noqa: F401, PLC0415 — in ready(): registers the indicators
        from aupres.places.services import admit_on_acceptance  # noqa: PLC0415 — in ready(): imports models
        from aupres.referrals.services import on_acceptance  # noqa: PLC0415 — in ready(): imports models

        # Accepting a referral for a service with places admits on a place (issue #14, #16: places composes
        # the acceptance; referrals imports nothing of places).
        on_acceptance(admit_on_acceptance)
