from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "aupres.care"
    label = "care"

    def ready(self):
        from aupres.care import indicators  # noqa: PLC0415 — in ready(): imports models, needs the app registry

        indicators.register()  # entry against exit, in the engine's registry
