from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "aupres.letters"
    label = "letters"
