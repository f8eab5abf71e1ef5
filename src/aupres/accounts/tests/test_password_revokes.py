"""Issue #11 point 4: a password change (or reset) ends the account's API tokens and other sessions."""

import pytest
from django.core.management import call_command

from aupres.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_a_new_password_revokes_tokens_and_other_sessions(world, api_as, client_as):
    user = world.users["doctor"]
    api = api_as(user)
    browser = client_as(user)
    assert api.get("/persons").status_code == 200
    assert browser.get("/personnes/").status_code == 200
    user.set_password("a brand new long passphrase 42")
    user.save()
    assert api.get("/persons").status_code == 401
    assert not ApiToken.objects.valid().filter(user=user).exists()
    assert browser.get("/personnes/").status_code == 302  # signed out


def test_an_administrator_reset_revokes_too(world, api_as, monkeypatch):
    user = world.users["nurse"]
    api = api_as(user)
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: "another long passphrase 42")
    call_command("changepassword", user.username, stdout=None)
    assert api.get("/persons").status_code == 401


def test_other_saves_keep_the_tokens(world, api_as):
    user = world.users["nurse"]
    api = api_as(user)
    user.first_name = "Changed"
    user.save()
    assert api.get("/persons").status_code == 200
