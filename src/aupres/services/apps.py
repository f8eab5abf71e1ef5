from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "aupres.services"
    label = "services"
