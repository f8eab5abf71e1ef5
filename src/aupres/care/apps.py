from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "aupres.care"
    label = "care"
