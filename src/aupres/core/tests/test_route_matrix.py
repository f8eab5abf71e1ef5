"""The access matrix over every route × every role, generated from the URL configuration.

Screens come from the URL resolver (names "namespace:name"), API operations from the OpenAPI schema
("METHOD /path"). A route without an entry in route_rules.py fails the suite. Each request runs in a
savepoint that is rolled back, so that every role meets the same data.
"""

import datetime
import re
from collections import Counter

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from aupres.accounts.models import ApiToken
from aupres.encounters.models import CollectiveAction, Encounter, Orientation, RightsApplication
from aupres.followups.models import FollowUp, Objective, Plan
from aupres.indicators.models import ReportGeneration, Submission
from aupres.persons.models import Household, HouseholdMember
from aupres.referrals.models import Door, Referral, ReferralAttachment, Source, Status
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
def matrix_world(world, settings, tmp_path):
    return build_matrix_world(world, settings, tmp_path)


def build_matrix_world(world, settings, tmp_path):
    """The World with one of every record a route takes as parameter (also walked by the journal test)."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    world.household = Household.objects.create(label="Famille")
    HouseholdMember.objects.create(household=world.household, person=world.person, role="head")
    world.membership = Membership.objects.get(user=world.users["nurse"], service=world.service_a)
    # Referrals: one the partner sent to service A, one waiting for the regulator of the territory.
    partner, regulator = world.users["partner"], world.users["regulator"]
    settings.REFERRALS_PUBLIC_RATE = (10_000, 3600)  # every role may send the public form
    type(regulator).objects.filter(pk__in=[regulator.pk, world.users["funder"].pk]).update(territory=world.territory)
    world.referral = Referral.objects.create(
        service=world.service_a, door=Door.PARTNER, source=Source.SHELTER, sent_by=partner, alias="Le Grand",
        needs=["health"], status=Status.PENDING, territory=world.territory,
        health_description="Plaie secrète", social_description="Dort dehors")
    world.attachment = ReferralAttachment.objects.create(
        referral=world.referral, kind="medical_file", file=ContentFile(b"%PDF-1.4 x", name="bilan.pdf"),
        original_name="bilan.pdf", content_type="application/pdf", size=10, uploaded_by=partner)
    world.unrouted = Referral.objects.create(
        service=None, door=Door.PARTNER, source=Source.SHELTER, sent_by=partner, alias="Sans service",
        needs=["housing"], status=Status.PENDING, territory=world.territory, health_description="Toux secrète")
    # Follow-up cycle of world.person in service A.
    world.followup = FollowUp.objects.get(person=world.person, service=world.service_a)
    world.plan = Plan.objects.create(followup=world.followup, agreed_on=datetime.date(2026, 1, 10),
                                     review_due_on=datetime.date(2026, 4, 10))
    world.objective = Objective.objects.create(followup=world.followup, plan=world.plan, domain="housing",
                                               title="Logement", due_on=datetime.date(2026, 3, 1))
    # Encounters, orientations, rights applications, collective actions of service A.
    world.encounter = Encounter.objects.create(service=world.service_a, occurred_at=timezone.now(),
                                               place_kind="street", mode="street_round")
    world.orientation = Orientation.objects.create(
        person=world.person, service=world.service_a, kind="orientation", target="general_practitioner",
        compartment="health", sent_on=datetime.date(2026, 2, 1), status_on=datetime.date(2026, 2, 1))
    world.rights_application = RightsApplication.objects.create(
        person=world.person, service=world.service_a, kind="ame", status_on=datetime.date(2026, 2, 1))
    world.collective_action = CollectiveAction.objects.create(
        service=world.service_a, occurred_on=datetime.date(2026, 2, 1), kind="training", title="Formation",
        audience="partner_staff")
    # Indicators: a submission and a finished report of service A.
    world.submission = Submission.objects.create(
        service=world.service_a, period_start=datetime.date(2025, 1, 1), period_end=datetime.date(2025, 12, 31),
        version=1, tables={}, exact={}, submitted_by=world.users["head_of_service"])
    path = default_storage.save("reports/matrix.pdf", ContentFile(b"%PDF-1.4 report"))
    world.generation = ReportGeneration.objects.create(service=world.service_a, year=2025, status="done",
                                                       progress=100, file_path=path)
    return world


def role_users(world):
    users = {role: world.users[role] for role in (*rules.PROFESSIONS, *rules.NON_TEAM)}
    users["outsider"] = world.outsider
    return users


def run(client, method, url, data, headers=None, multipart=False):
    """One request in a savepoint that is rolled back; the client's cookies are kept as they were."""
    cookies = {k: v.value for k, v in client.cookies.items()}
    client.raise_request_exception = False  # an unhandled error is a 500 cell, not a crash of the matrix
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, headers=headers)
        elif method == "POST" and (multipart or not url.startswith("/api/")):
            response = client.post(url, data or {}, headers=headers)
        else:
            response = getattr(client, method.lower())(url, data or {}, content_type="application/json",
                                                       headers=headers)
        transaction.set_rollback(True)
    client.cookies.clear()
    for key, value in cookies.items():
        client.cookies[key] = value
    return response


def values_for(world, rule, params):
    return {p: rule.params.get(p, rules.PARAMS.get(p))(world) for p in params}


def request_as(world, rule, role, url, client_for, headers_for):
    data = rule.data(world) if rule.data else None  # per request: an uploaded file is read once
    return run(client_for(role), rule.method, url, data, headers_for(role), rule.multipart)


def check(world, routes, table, url_for, client_for, headers_for):
    mismatches, cells = [], Counter()
    for key, rule in sorted(table.items()):
        url = url_for(key, rule, routes[key])
        for role in rules.ROLES:
            if role in rule.xfail:
                continue  # checked, as an expected failure, by test_known_access_defects
            response = request_as(world, rule, role, url, client_for, headers_for)
            got, want = outcome(response), rule.outcome_for(role)
            cells[got] += 1
            if got != want:
                mismatches.append(f"{key} as {role}: expected {want}, got {got} ({response.status_code})")
    return mismatches, cells


def screen_url(world, name, rule, route):
    _pattern, params = route
    return reverse(name, kwargs=values_for(world, rule, params))


def api_url(world, key, rule, params):
    query = f"?{rule.query(world)}" if rule.query else ""
    return f"/api/v1{key.split(' ', 1)[1].format(**values_for(world, rule, params))}{query}"


def screen_clients(world, client_as):
    clients = {role: client_as(user) for role, user in role_users(world).items()}
    clients["anonymous"] = Client()
    return clients


def api_headers(world):
    return {role: {"Authorization": f"Bearer {ApiToken.issue(user)[1]}"} for role, user in role_users(world).items()}


def test_screen_matrix(matrix_world, client_as):
    world = matrix_world
    routes = screen_routes()
    clients = screen_clients(world, client_as)
    mismatches, cells = check(world, routes, rules.SCREEN_RULES, lambda k, rule, r: screen_url(world, k, rule, r),
                              clients.__getitem__, lambda r: None)
    print(f"\nscreen matrix: {len(rules.SCREEN_RULES)} routes × {len(rules.ROLES)} roles = "
          f"{sum(cells.values())} requests {dict(cells)}")
    assert not mismatches, "\n".join(mismatches)


def test_api_matrix(matrix_world):
    world = matrix_world
    routes = api_routes()
    headers = api_headers(world)
    client = Client()
    mismatches, cells = check(world, routes, rules.API_RULES, lambda k, rule, p: api_url(world, k, rule, p),
                              lambda role: client, headers.get)
    print(f"\nAPI matrix: {len(rules.API_RULES)} operations × {len(rules.ROLES)} roles = "
          f"{sum(cells.values())} requests {dict(cells)}")
    assert not mismatches, "\n".join(mismatches)


KNOWN_DEFECTS = [
    pytest.param(key, role, marks=pytest.mark.xfail(strict=True, reason=reason), id=f"{key} as {role}")
    for table in (rules.SCREEN_RULES, rules.API_RULES) for key, rule in sorted(table.items())
    for role, reason in sorted(rule.xfail.items())
]


@pytest.mark.parametrize(("key", "role"), KNOWN_DEFECTS or [pytest.param(None, None, marks=pytest.mark.skip)])
def test_known_access_defects(matrix_world, client_as, key, role):
    """The cells where the code lets through what the access model forbids: each one fails until fixed."""
    world = matrix_world
    if key in rules.SCREEN_RULES:
        rule = rules.SCREEN_RULES[key]
        url = screen_url(world, key, rule, screen_routes()[key])
        response = request_as(world, rule, role, url, screen_clients(world, client_as).__getitem__, lambda r: None)
    else:
        rule = rules.API_RULES[key]
        url = api_url(world, key, rule, api_routes()[key])
        response = request_as(world, rule, role, url, lambda r: Client(), api_headers(world).get)
    assert outcome(response) == rule.outcome_for(role), f"{key} as {role}: got {response.status_code}"


def test_admin_is_closed_to_teams(world, client_as):
    for role in ("head_of_service", "doctor", "partner"):
        r = client_as(world.users[role]).get("/admin/")
        assert r.status_code == 302 and r["Location"].startswith("/admin/login/")
    assert Client().get("/admin/").status_code == 302


def test_regulator_reads_the_routing_queue_without_health_content(matrix_world, client_as):
    """The matrix proves the regulator reaches the queue; this proves what it reads there."""
    world = matrix_world
    api = Client()
    headers = {"Authorization": f"Bearer {ApiToken.issue(world.users['regulator'])[1]}"}
    got = api.get(f"/api/v1/referrals/{world.unrouted.pk}", headers=headers)
    assert got.status_code == 200 and got.json()["receipt"] == world.unrouted.receipt
    assert b"Toux" not in got.content
    screen = client_as(world.users["regulator"]).get(reverse("referrals:regulation_detail",
                                                             args=[world.unrouted.pk]))
    assert screen.status_code == 200 and "Toux" not in screen.content.decode()
