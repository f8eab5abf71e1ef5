from django.apps import AppConfig


class HomeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aupres.home"
    verbose_name = "Homes and navigation"
