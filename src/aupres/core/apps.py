from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "aupres.core"
    label = "core"
