from django.apps import AppConfig


class CallsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aupres.calls"
    verbose_name = "Calls for projects and funding"
