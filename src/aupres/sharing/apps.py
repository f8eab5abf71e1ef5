from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "aupres.sharing"
    label = "sharing"
