from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "aupres.care"
    label = "care"

    def ready(self):
        from aupres.care import indicators

        indicators.register()  # entry against exit, in the engine's registry
