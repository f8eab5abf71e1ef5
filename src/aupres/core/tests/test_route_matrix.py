"""The access matrix over every route × every method × every role, generated from the URL resolver.

Screens come from the URL resolver (names "namespace:name"), API operations from the same resolver: the
ninja API's URL patterns and the operations of each path ("METHOD /path"), hidden from the OpenAPI schema
or not. A route without an entry in route_rules.py fails the suite, and so does an unnamed screen pattern
(it cannot have a rule). Every screen is requested with GET and POST whatever its rule's method: a role
denied by the rule stays denied (or gets 405), and no role gets a server error. Each request runs in a
savepoint that is rolled back, so that every role meets the same data.

Content, not only status (issue #22): the dataset plants a marker string in every health, social and
administrative field of two persons (markers.py); every response of every route for every role is
searched for the markers that role may not read (expectations.READS, written from DOMAIN.md): none may
appear. test_route_holes.py re-creates the holes the issue found and proves that each fails here.
"""

import datetime
import re
from collections import Counter, namedtuple

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

from . import markers
from . import route_rules as rules

pytestmark = pytest.mark.django_db

# Django's admin is its own world (superusers only, gated by Django): see test_admin_is_closed_to_teams.
SKIPPED_NAMESPACES = ("admin",)
SIGN_IN = re.compile(r"^/compte/connexion/\?next=|^/admin/login/")
API_PREFIX = "/api/v1"
SCREEN_METHODS = ("GET", "POST")

# kind: "screen" or "api"; route: the Django route; params: its parameter names; named: the pattern has a
# name; in_schema: the API operation is in the OpenAPI schema (always True for screens).
Route = namedtuple("Route", "kind route params named in_schema")


def _params(route):
    return re.findall(r"<(?:\w+:)?(\w+)>", route)


def _ninja_path_view(callback):
    """The django-ninja PathView behind a resolver entry, or None for a plain Django view."""
    from ninja.operation import PathView

    for cell in getattr(callback, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(value, PathView):
            return value
    return None


def walk_routes(urlconf=None):
    """{key: Route} for every URL pattern of the resolver: screens by "namespace:name" (an unnamed one as
    "unnamed /its/route/"), API operations by "METHOD /path" (each method of each ninja path)."""
    found = {}

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace])) or None
                walk(p.url_patterns, prefix + str(p.pattern), ns)
                continue
            if not isinstance(p, URLPattern) or (namespace and namespace.split(":")[0] in SKIPPED_NAMESPACES):
                continue
            route = prefix + str(p.pattern)
            path_view = _ninja_path_view(p.callback)
            if path_view is not None:
                path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route).removeprefix(API_PREFIX)
                for operation in path_view.operations:
                    for method in operation.methods:
                        found[f"{method.upper()} {path}"] = Route("api", route, _params(route), True,
                                                                  bool(operation.include_in_schema))
            elif p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
                found[name] = Route("screen", route, _params(route), True, True)
            else:
                found[f"unnamed {route}"] = Route("screen", route, _params(route), False, True)

    walk(get_resolver(urlconf).url_patterns, "/", None)
    return found


def screen_routes(urlconf=None):
    """{name: (pattern, [parameter names])} for every named screen URL."""
    return {k: (r.route, r.params) for k, r in walk_routes(urlconf).items() if r.kind == "screen" and r.named}


def api_routes(urlconf=None):
    """{"METHOD /path": [parameter names]} for every API operation, in the schema or not."""
    return {k: r.params for k, r in walk_routes(urlconf).items() if r.kind == "api"}


def route_problems(routes, screen_rules=None, api_rules=None, pending=None):
    """What keeps the matrix from covering every route: unnamed patterns, operations hidden from the
    schema without a rule, routes without a rule, rules of routes gone, parameters without a value."""
    screen_rules = rules.SCREEN_RULES if screen_rules is None else screen_rules
    api_rules = rules.API_RULES if api_rules is None else api_rules
    pending = rules.PENDING if pending is None else pending
    ruled = set(screen_rules) | set(api_rules) | set(pending)
    problems = [f"unnamed URL pattern (name it and add a rule): {k.removeprefix('unnamed ')}"
                for k, r in sorted(routes.items()) if not r.named]
    problems += [f"API operation hidden from the schema without a rule: {k}"
                 for k, r in sorted(routes.items()) if r.kind == "api" and not r.in_schema and k not in ruled]
    problems += [f"route without an access rule in core/tests/route_rules.py: {k}"
                 for k, r in sorted(routes.items()) if r.named and r.in_schema and k not in ruled]
    problems += [f"rule for a route that no longer exists: {k}" for k in sorted(ruled - set(routes))]
    needed = {p for k, r in routes.items() if k in set(screen_rules) | set(api_rules) for p in r.params}
    problems += [f"route parameter without a value in route_rules.PARAMS: {p}"
                 for p in sorted(needed - set(rules.PARAMS))]
    return problems


def test_every_route_has_a_rule():
    routes = walk_routes()
    assert any(r.kind == "api" for r in routes.values()) and any(r.kind == "screen" for r in routes.values())
    problems = route_problems(routes)
    assert not problems, "\n".join(problems)


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
    # A doctor of another operator's service, which follows no one here (issue #22: a health professional
    # with no link at all; world.outsider is a doctor of the same operator).
    world.foreign_service = world.service("EMSP D", world.service_a.kind, world.other_operator)
    world.foreign_doctor = world.member("doctor", world.foreign_service, username="foreign_doctor")
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
    users["foreign_doctor"] = world.foreign_doctor
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
        if getattr(response, "streaming", False):  # read it while the data is there
            response.streaming_content = [b"".join(response.streaming_content)]
        transaction.set_rollback(True)
    client.cookies.clear()
    for key, value in cookies.items():
        client.cookies[key] = value
    return response


def values_for(world, rule, params):
    return {p: rule.params.get(p, rules.PARAMS.get(p))(world) for p in params}


def request_as(world, rule, role, url, client_for, headers_for, method=None):
    method = method or rule.method
    data = rule.data(world) if rule.data and method == rule.method else None  # an upload is read once
    return run(client_for(role), method, url, data, headers_for(role), rule.multipart and method == rule.method)


def other_method_outcome(rule, role, response):
    """A method other than the rule's (POST on a GET screen, GET on a POST one): a role the rule denies
    stays denied (405 included), and nobody gets a server error."""
    status = response.status_code
    if status >= 500:
        return False
    if rule.outcome_for(role) == "denied":
        return status == 405 or outcome(response) == "denied"
    return True


def check(world, routes, table, url_for, client_for, headers_for, methods=None):
    """Every rule × every role (× every method of `methods(key, rule)`): [mismatch], Counter of outcomes.
    With `world.markers` (the planted dataset), every response is also searched for markers the role may
    not read."""
    mismatches, cells = [], Counter()
    planted = getattr(world, "markers", None)
    for key, rule in sorted(table.items()):
        url = url_for(key, rule, routes[key])
        for method in (methods(key, rule) if methods else (rule.method,)):
            for role in rules.ROLES:
                if role in rule.xfail and method == rule.method:
                    continue  # checked, as an expected failure, by test_known_access_defects
                response = request_as(world, rule, role, url, client_for, headers_for, method)
                got, want = outcome(response), rule.outcome_for(role)
                cells[got] += 1
                if method == rule.method and got != want:
                    mismatches.append(f"{key} as {role}: expected {want}, got {got} ({response.status_code})")
                elif method != rule.method and not other_method_outcome(rule, role, response):
                    mismatches.append(f"{method} {key} as {role}: the {rule.method} rule gives {want}, "
                                      f"got {response.status_code}")
                if planted is not None:
                    leaked = markers.leaks(world, role, response)
                    if leaked:
                        mismatches.append(f"{method} {key} as {role}: leaks {leaked}")
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


def screen_methods(key, rule):
    return sorted({rule.method, *SCREEN_METHODS})


@pytest.fixture
def planted_world(matrix_world):
    return markers.plant(matrix_world)


def run_screen_matrix(world, client_as, table=None, urlconf=None):
    routes = screen_routes(urlconf)
    clients = screen_clients(world, client_as)
    table = rules.SCREEN_RULES if table is None else table
    return check(world, routes, table, lambda k, rule, r: screen_url(world, k, rule, r), clients.__getitem__,
                 lambda r: None, screen_methods)


def run_api_matrix(world, table=None, urlconf=None):
    routes = api_routes(urlconf)
    headers = api_headers(world)
    client = Client()
    table = rules.API_RULES if table is None else table
    return check(world, routes, table, lambda k, rule, p: api_url(world, k, rule, p), lambda role: client,
                 headers.get)


def test_screen_matrix(planted_world, client_as):
    mismatches, cells = run_screen_matrix(planted_world, client_as)
    print(f"\nscreen matrix: {len(rules.SCREEN_RULES)} routes × {len(SCREEN_METHODS)} methods × "
          f"{len(rules.ROLES)} roles = {sum(cells.values())} requests {dict(cells)}")
    assert not mismatches, "\n".join(mismatches)


def test_api_matrix(planted_world):
    mismatches, cells = run_api_matrix(planted_world)
    print(f"\nAPI matrix: {len(rules.API_RULES)} operations × {len(rules.ROLES)} roles = "
          f"{sum(cells.values())} requests {dict(cells)}")
    assert not mismatches, "\n".join(mismatches)


def test_every_person_field_is_marked_or_exempted():
    """New personal data cannot escape the content check: each model holding free text about a person is
    marked (markers.MARKED) or exempted with a reason (markers.EXEMPT)."""
    linked = markers.person_linked_models()
    missing = sorted(linked - set(markers.MARKED) - set(markers.EXEMPT))
    assert not missing, f"models with personal free text neither marked nor exempted in markers.py: {missing}"
    from django.apps import apps

    for label, (_path, fields) in markers.MARKED.items():
        names = {f.name for f in apps.get_model(label)._meta.concrete_fields}
        assert set(fields) <= names, (label, set(fields) - names)


def test_the_planted_dataset_has_every_marker_in_the_database(matrix_world):
    world = markers.plant(matrix_world)
    by_compartment = Counter((pid == world.person.pk, comp) for pid, comp, _f in world.markers.values())
    for comp in ("health", "social", "administrative"):
        assert by_compartment[(True, comp)] and by_compartment[(False, comp)], comp
    assert by_compartment[(False, "identity")]
    # A doctor of service A reads markers of world.person on its page: the search finds them at all.
    from conftest import login

    body = login(world.users["doctor"]).get(f"/personnes/{world.person.pk}/").content.decode().lower()
    seen = set(markers.MARKER.findall(body))
    assert seen, "no marker on the person's page: the planting or the search is broken"


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
