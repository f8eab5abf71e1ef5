from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "aupres.referrals"
    label = "referrals"
