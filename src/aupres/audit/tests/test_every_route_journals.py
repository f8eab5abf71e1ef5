"""Every route that shows a person's data writes the access journal (issue #16 point 1).

The routes come from the URL resolver and the API schema (every one of them, not a list kept by hand), with
the parameters and bodies of the route matrix (core/tests/route_rules.py). Each is requested by a health
professional, a social worker and the head of service of the service that follows world.person; when the
answer carries that person's data (their name, the text of their notes, medical profile or living place),
at least one journal event about them must have been written by that request. So the next route cannot
forget: it fails here before review."""

import pytest
from django.db import transaction
from django.test import Client

from aupres.accounts.models import ApiToken
from aupres.audit.models import AccessEvent
from aupres.core.tests import route_rules as rules
from aupres.core.tests.test_route_matrix import (
    api_routes,
    api_url,
    build_matrix_world,
    screen_routes,
    screen_url,
)

pytestmark = pytest.mark.django_db

@pytest.fixture
def matrix_world_fixture(world, settings, tmp_path):
    return build_matrix_world(world, settings, tmp_path)


ROLES = ("doctor", "social_worker", "head_of_service")
MARKERS = ("Benali", "Mina", "Diab\\u00e8te secret", "Diabète secret", "note-health-secrete", "note-social-secrete",
           "note-administrative-secrete", "Lille — gare", "0600000000")


def shows_the_person(response):
    content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    text = content.decode("utf-8", "replace")
    return any(m in text for m in MARKERS)


def journaled(world, client, method, url, data, headers, multipart):
    """(answer, shows the person, events about the person written): in a savepoint rolled back."""
    cookies = {k: v.value for k, v in client.cookies.items()}
    client.raise_request_exception = False
    with transaction.atomic():
        before = AccessEvent.objects.concerning(world.person.pk).count()
        if method == "GET":
            response = client.get(url, headers=headers)
        elif method == "POST" and (multipart or not url.startswith("/api/")):
            response = client.post(url, data or {}, headers=headers)
        else:
            response = getattr(client, method.lower())(url, data or {}, content_type="application/json",
                                                       headers=headers)
        shown = response.status_code < 400 and shows_the_person(response)
        written = AccessEvent.objects.concerning(world.person.pk).count() - before
        transaction.set_rollback(True)
    client.cookies.clear()
    for key, value in cookies.items():
        client.cookies[key] = value
    return response, shown, written


def walk(world, table, url_for, client_for, headers_for):
    silent, showing = [], set()
    for key, rule in sorted(table.items()):
        url = url_for(key, rule)
        for role in ROLES:
            data = rule.data(world) if rule.data else None
            response, shown, written = journaled(world, client_for(role), rule.method, url, data,
                                                 headers_for(role), rule.multipart)
            if shown:
                showing.add(key)
                if not written:
                    silent.append(f"{key} as {role} ({response.status_code})")
    return silent, showing


def test_every_screen_that_shows_a_person_journals_it(matrix_world_fixture, client_as):
    world = matrix_world_fixture
    routes = screen_routes()
    clients = {role: client_as(world.users[role]) for role in ROLES}
    silent, showing = walk(world, rules.SCREEN_RULES, lambda k, rule: screen_url(world, k, rule, routes[k]),
                           clients.__getitem__, lambda role: None)
    assert len(showing) >= 10, sorted(showing)  # the walk did meet the person's data
    assert not silent, "Screens showing a person without a journal event:\n" + "\n".join(silent)


def test_every_api_operation_that_returns_a_person_journals_it(matrix_world_fixture):
    world = matrix_world_fixture
    routes = api_routes()
    headers = {role: {"Authorization": f"Bearer {ApiToken.issue(world.users[role])[1]}"} for role in ROLES}
    client = Client()
    silent, showing = walk(world, rules.API_RULES, lambda k, rule: api_url(world, k, rule, routes[k]),
                           lambda role: client, headers.get)
    assert len(showing) >= 10, sorted(showing)
    assert not silent, "API operations returning a person without a journal event:\n" + "\n".join(silent)


def test_the_walk_covers_every_route_of_the_resolver_and_the_schema():
    """The tables walked above are exactly the resolver's routes and the schema's operations (the matrix
    test fails a route without a rule; PENDING routes are walked nowhere, so there must be none)."""
    assert set(screen_routes()) <= set(rules.SCREEN_RULES) | set(rules.PENDING)
    assert set(api_routes()) <= set(rules.API_RULES) | set(rules.PENDING)
    assert not rules.PENDING, sorted(rules.PENDING)
