from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "aupres.demo"
    label = "demo"
