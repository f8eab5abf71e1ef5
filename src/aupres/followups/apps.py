from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "aupres.followups"
    label = "followups"
