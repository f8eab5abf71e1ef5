from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Auprès in production (issue #15): JSON logs with request ids, health checks, Prometheus
    metrics, backup and restore, and the read-replica router."""

    name = "aupres.ops"
    label = "ops"

    def ready(self):
        from aupres.ops import metrics  # noqa: PLC0415 — in ready(): imports models, needs the app registry

        metrics.connect_signals()
