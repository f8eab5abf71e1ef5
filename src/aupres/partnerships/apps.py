from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aupres.partnerships"
    verbose_name = "Partnerships"

    def ready(self):
        from aupres.partnerships import indicators  # noqa: F401, PLC0415 — in ready(): registers « partnerships signed » in the engine
