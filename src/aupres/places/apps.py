from django.apps import AppConfig


class PlacesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "aupres.places"
    verbose_name = "Places and stays"

    def ready(self):
        from aupres.places import indicators  # noqa: F401 — registers the places' indicators in the engine
