from django.apps import AppConfig


class CustomFieldsConfig(AppConfig):
    name = "aupres.customfields"
    label = "customfields"
