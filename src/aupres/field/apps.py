from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "aupres.field"
    label = "field"
