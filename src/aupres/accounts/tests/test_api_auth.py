import pytest
from django.test import Client

from aupres.accounts.models import ApiToken
from conftest import PASSWORD, otp_device, otp_token

pytestmark = pytest.mark.django_db


def test_token_then_bearer_calls(world):
    client = Client()
    token = otp_token(otp_device(world.users["nurse"]))
    r = client.post("/api/v1/auth/token", {"username": "nurse", "password": PASSWORD, "otp": token},
                    content_type="application/json")
    assert r.status_code == 200
    token = r.json()["token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["username"] == "nurse"
    # Only a hash is stored.
    assert not ApiToken.objects.filter(token_hash=token).exists()


def test_wrong_password_and_bad_token_are_json_errors(world):
    client = Client()
    r = client.post("/api/v1/auth/token", {"username": "nurse", "password": "nope"}, content_type="application/json")
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"
    r = client.get("/api/v1/persons", headers={"Authorization": "Bearer forged"})
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    assert client.get("/api/v1/persons").status_code == 401


def test_revoked_token_stops_working(world, api_as):
    api = api_as(world.users["nurse"])
    assert api.get("/persons").status_code == 200
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert api.get("/persons").status_code == 401


def test_session_auth_requires_csrf_for_writes(world, client_as):
    client = client_as(world.users["nurse"])
    client.handler.enforce_csrf_checks = True
    assert client.get("/api/v1/persons").status_code == 200
    r = client.post("/api/v1/persons", {"alias": "X"}, content_type="application/json")
    assert r.status_code in (401, 403)


def test_openapi_schema_is_published(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in ("/api/v1/auth/token", "/api/v1/persons", "/api/v1/persons/search", "/api/v1/households",
                 "/api/v1/services"):
        assert path in paths


def test_screens_require_login(client):
    r = client.get("/personnes/")
    assert r.status_code == 302 and "/compte/connexion/" in r["Location"]
