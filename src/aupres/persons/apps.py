from django.apps import AppConfig


class PersonsConfig(AppConfig):
    name = "aupres.persons"
    label = "persons"
