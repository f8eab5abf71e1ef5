from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "aupres.audit"
    label = "audit"
    verbose_name = "Audit"
