from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "aupres.accounts"
    label = "accounts"
