"""The operator's endpoints, the metrics, the replica router and the stateless web tier."""

import pytest
from django.conf import settings
from django.tasks import task
from django.test import RequestFactory

from aupres.ops import replica

pytestmark = pytest.mark.django_db


@task
def always_fails():
    raise RuntimeError("boom")


def test_health_answers_each_check(client):
    answer = client.get("/ops/health/", headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.content
    checks = answer.json()
    assert set(checks.values()) == {"OK"}
    names = " ".join(checks)
    for check in ("Database", "Cache", "Storage", "TaskQueue", "DiskSpace"):
        assert check in names


def test_health_fails_when_the_disk_is_full(client, settings):
    settings.AUPRES_MIN_FREE_DISK_PERCENT = 100.0
    answer = client.get("/ops/health/?format=json")
    assert answer.status_code == 500
    assert "DiskSpace" in " ".join(k for k, v in answer.json().items() if v != "OK")


def test_ops_endpoints_refuse_other_networks_unless_given_the_token(client, settings):
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/ops/metrics/", **outside).status_code == 404
    assert client.get("/ops/health/", **outside).status_code == 404
    settings.AUPRES_OPS_TOKEN = "s3cret-token-for-the-scraper"
    assert client.get("/ops/metrics/", headers={"Authorization": "Bearer wrong"}, **outside).status_code == 404
    assert client.get("/ops/metrics/", headers={"Authorization": "Bearer s3cret-token-for-the-scraper"},
                      **outside).status_code == 200
    settings.AUPRES_OPS_NETWORKS = ["203.0.113.0/24"]
    assert client.get("/ops/metrics/", **outside).status_code == 200


def test_behind_the_proxy_the_forwarded_client_is_checked(client, settings):
    settings.PROXY_COUNT = 1
    forwarded = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert client.get("/ops/metrics/", **forwarded).status_code == 404
    assert client.get("/ops/metrics/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200


def test_metrics_count_requests_by_route_and_task_failures(client, world, client_as):
    signed = client_as(world.users["doctor"])
    signed.get("/personnes/")
    signed.get("/personnes/")
    before = _value(client.get("/ops/metrics/").content.decode(), "aupres_task_failures_total")
    always_fails.enqueue()
    text = client.get("/ops/metrics/").content.decode()
    assert 'aupres_http_requests_total{method="GET",route="persons:caseload",status="200"}' in text
    assert 'aupres_http_request_duration_seconds_bucket{le="0.5",method="GET",route="persons:caseload"}' in text
    assert 'aupres_task_queue_depth{backend="immediate"} 0.0' in text
    assert _value(text, "aupres_task_failures_total") == before + 1
    assert "/personnes/" not in text  # routes are names, never paths


def _value(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def test_replica_window_only_in_indicator_reads_and_closed_by_a_write(monkeypatch):
    monkeypatch.setattr(replica, "enabled", lambda: True)
    router = replica.ReplicaRouter()
    seen = {}

    def view(request):
        seen["before"] = router.db_for_read(None)
        router.db_for_write(None)
        seen["after"] = router.db_for_read(None)
        return None

    middleware = replica.ReplicaMiddleware(lambda request: view(request))
    factory = RequestFactory()
    for method, namespace, expected in (("get", "indicators", "replica"), ("post", "indicators", None),
                                        ("get", "persons", None)):
        request = getattr(factory, method)("/x/")
        request.resolver_match = type("Match", (), {"namespace": namespace})()
        middleware.process_view(request, view, (), {})
        middleware(request)
        assert seen == {"before": expected, "after": None}, (method, namespace)
        assert router.db_for_read(None) is None  # the window ends with the request
    assert router.allow_migrate("replica", "persons") is False
    assert router.allow_migrate("default", "persons") is True


def test_the_web_tier_keeps_no_state_in_process_memory():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    for cache in settings.CACHES.values():
        assert "locmem" not in cache["BACKEND"].lower() and "dummy" not in cache["BACKEND"].lower()
    assert getattr(settings, "AXES_HANDLER", "axes.handlers.database.AxesDatabaseHandler").endswith(
        "AxesDatabaseHandler")
