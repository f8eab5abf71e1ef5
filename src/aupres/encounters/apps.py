from django.apps import AppConfig


class EncountersConfig(AppConfig):
    name = "aupres.encounters"
    label = "encounters"
