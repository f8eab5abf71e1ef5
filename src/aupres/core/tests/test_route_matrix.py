"""The access matrix over every route × every role, generated from the URL configuration.

Screens come from the URL resolver (names "namespace:name"), API operations from the OpenAPI schema
("METHOD /path"). A route without an entry in route_rules.py fails the suite. Each request runs in a
savepoint that is rolled back, so that every role meets the same data.
"""

import re
from collections import Counter

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from aupres.accounts.models import ApiToken
from aupres.persons.models import Household, HouseholdMember
from aupres.services.models import Membership

from . import route_rules as rules

pytestmark = pytest.mark.django_db

# Django's admin is its own world (superusers only, gated by Django): see test_admin_is_closed_to_teams.
SKIPPED_NAMESPACES = ("admin", "api")
SIGN_IN = re.compile(r"^/compte/connexion/\?next=|^/admin/login/")


def screen_routes():
    """{name: (pattern, [parameter names])} for every named screen URL."""
    found = {}

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace])) or None
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                if namespace and namespace.split(":")[0] in SKIPPED_NAMESPACES:
                    continue
                name = f"{namespace}:{p.name}" if namespace else p.name
                found[name] = (prefix + str(p.pattern), re.findall(r"<(?:\w+:)?(\w+)>", prefix + str(p.pattern)))

    walk(get_resolver().url_patterns, "/", None)
    return found


def api_routes():
    """{"METHOD /path": [parameter names]} for every API operation, from the published schema."""
    from aupres.api import api

    found = {}
    for path, operations in api.get_openapi_schema()["paths"].items():
        short = path.removeprefix("/api/v1")
        for method in operations:
            found[f"{method.upper()} {short}"] = re.findall(r"{(\w+)}", short)
    return found


def all_route_keys():
    return set(screen_routes()) | set(api_routes())


def test_every_route_has_a_rule():
    screens, apis = screen_routes(), api_routes()
    missing = sorted(k for k in [*screens, *apis]
                     if k not in rules.SCREEN_RULES and k not in rules.API_RULES and k not in rules.PENDING)
    assert not missing, f"Routes without an access rule in core/tests/route_rules.py: {missing}"
    stale = sorted(k for k in [*rules.SCREEN_RULES, *rules.API_RULES, *rules.PENDING] if k not in {*screens, *apis})
    assert not stale, f"Rules for routes that no longer exist: {stale}"
    unknown_params = sorted({p for _pat, params in screens.values() for p in params}
                            | {p for params in apis.values() for p in params})
    keys_with_rules = set(rules.SCREEN_RULES) | set(rules.API_RULES)
    needed = {p for k, (_pat, params) in screens.items() if k in keys_with_rules for p in params} | {
        p for k, params in apis.items() if k in keys_with_rules for p in params}
    assert needed <= set(rules.PARAMS), sorted(needed - set(rules.PARAMS))
    assert unknown_params  # the generator found parameters at all


def outcome(response):
    status = response.status_code
    if status in (401, 403, 404):
        return "denied"
    if status in (301, 302, 303):
        return "denied" if SIGN_IN.search(response["Location"]) else "redirect"
    if 200 <= status < 300:
        return "ok"
    if status in (400, 409, 422):
        return "invalid"
    return f"status {status}"


@pytest.fixture
def matrix_world(world):
    world.household = Household.objects.create(label="Famille")
    HouseholdMember.objects.create(household=world.household, person=world.person, role="head")
    world.membership = Membership.objects.get(user=world.users["nurse"], service=world.service_a)
    return world


def role_users(world):
    users = {role: world.users[role] for role in (*rules.PROFESSIONS, *rules.NON_TEAM)}
    users["outsider"] = world.outsider
    return users


def run(client, method, url, data, headers=None):
    """One request in a savepoint that is rolled back; the client's cookies are kept as they were."""
    cookies = {k: v.value for k, v in client.cookies.items()}
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, headers=headers)
        elif method == "POST" and not url.startswith("/api/"):
            response = client.post(url, data or {})
        else:
            response = getattr(client, method.lower())(url, data or {}, content_type="application/json",
                                                       headers=headers)
        transaction.set_rollback(True)
    client.cookies.clear()
    for key, value in cookies.items():
        client.cookies[key] = value
    return response


def check(world, routes, table, url_for, client_for, headers_for):
    mismatches, cells = [], Counter()
    for key, rule in sorted(table.items()):
        url = url_for(key, routes[key])
        data = rule.data(world) if rule.data else None
        for role in rules.ROLES:
            response = run(client_for(role), rule.method, url, data, headers_for(role))
            got, want = outcome(response), rule.outcome_for(role)
            cells[got] += 1
            if got != want:
                mismatches.append(f"{key} as {role}: expected {want}, got {got} ({response.status_code})")
    return mismatches, cells


def test_screen_matrix(matrix_world, client_as):
    world = matrix_world
    routes = screen_routes()
    clients = {role: client_as(user) for role, user in role_users(world).items()}
    clients["anonymous"] = Client()

    def url_for(name, route):
        _pattern, params = route
        return reverse(name, kwargs={p: rules.PARAMS[p](world) for p in params})

    mismatches, cells = check(world, routes, rules.SCREEN_RULES, url_for, clients.__getitem__, lambda r: None)
    print(f"\nscreen matrix: {len(rules.SCREEN_RULES)} routes × {len(rules.ROLES)} roles = "
          f"{sum(cells.values())} requests {dict(cells)}")
    assert not mismatches, "\n".join(mismatches)


def test_api_matrix(matrix_world):
    world = matrix_world
    routes = api_routes()
    headers = {role: {"Authorization": f"Bearer {ApiToken.issue(user)[1]}"}
               for role, user in role_users(world).items()}
    client = Client()

    def url_for(key, params):
        path = key.split(" ", 1)[1].format(**{p: rules.PARAMS[p](world) for p in params})
        return f"/api/v1{path}"

    mismatches, cells = check(world, routes, rules.API_RULES, url_for, lambda role: client,
                              lambda role: headers.get(role))
    print(f"\nAPI matrix: {len(rules.API_RULES)} operations × {len(rules.ROLES)} roles = "
          f"{sum(cells.values())} requests {dict(cells)}")
    assert not mismatches, "\n".join(mismatches)


def test_admin_is_closed_to_teams(world, client_as):
    for role in ("head_of_service", "doctor", "partner"):
        r = client_as(world.users[role]).get("/admin/")
        assert r.status_code == 302 and r["Location"].startswith("/admin/login/")
    assert Client().get("/admin/").status_code == 302
