from django.apps import AppConfig


class BackgroundConfig(AppConfig):
    name = "aupres.background"
    label = "background"
    verbose_name = "Background work"
