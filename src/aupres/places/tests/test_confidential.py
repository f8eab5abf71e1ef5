"""A violence shelter's places (Service.confidential_location): the address and the place are shown to that
service's team only. Every other role walks every GET screen and API route (and the exports among them),
with the route parameters pointing at the shelter's service, place and stay, and at a person both the
shelter and service A follow: neither the address nor the place's name appears anywhere."""

import datetime

import pytest
from django.test import Client

from aupres.accounts.models import ApiToken
from aupres.core.tests import route_rules as rules
from aupres.core.tests.test_route_matrix import (
    api_routes,
    matrix_world,  # noqa: F401 — a fixture
    outcome,
    run,
    screen_routes,
)
from aupres.followups.models import FollowUp
from aupres.places import services

from .helpers import Residence

pytestmark = pytest.mark.django_db

ADDRESS, LABEL = "7 impasse Cachée", "Chambre Refuge"
ROLES = ("doctor", "social_worker", "head_of_service", "outsider", "partner", "regulator", "funder")


@pytest.fixture
def shelter(matrix_world):  # noqa: F811
    world = matrix_world
    res = Residence(world, kind="violence_shelter", name="Mise en sécurité", confidential=True)
    place = services.create_place(res.head, res.service.pk, {"label": LABEL, "kind": "room", "address": ADDRESS,
                                                             "sex": "female"})
    FollowUp.objects.create(person=world.person, service=res.service, opened_on=datetime.date.today())
    world.person.sex = "female"
    world.person.save()
    stay = services.admit(res.nurse, place, world.person.pk)
    return world, res, place, stay


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _params(world, res, place, stay, confidential):
    params = {name: fn(world) for name, fn in rules.PARAMS.items()}
    if confidential:
        params.update(service_id=res.service.pk, place_id=place.pk, stay_id=stay.pk, scope_id=res.service.pk)
    return params


def _walk(world, res, place, stay, client_for, headers_for, roles, only=None):
    leaks, seen = [], 0
    screens, apis = screen_routes(), api_routes()
    for confidential in (True,):
        params = _params(world, res, place, stay, confidential)
        for name, rule in rules.SCREEN_RULES.items():
            if rule.method != "GET" or (only and not name.startswith(only)):
                continue
            pattern, names = screens[name]
            from django.urls import reverse

            url = reverse(name, kwargs={p: rule.params[p](world) if p in rule.params else params[p] for p in names})
            for role in roles:
                response = run(client_for(role), "GET", url, None)
                seen += 1
                body = _body(response)
                if ADDRESS in body or LABEL in body:
                    leaks.append(f"{name} as {role}")
        for key, rule in rules.API_RULES.items():
            if rule.method != "GET" or (only and not any(s in key for s in ("/places", "/stays", "/occupancy"))):
                continue
            path = key.split(" ", 1)[1].format(**{p: rule.params[p](world) if p in rule.params else params[p]
                                                  for p in apis[key]})
            query = f"?{rule.query(world)}" if rule.query else ""
            if confidential and key == "GET /places":
                query = f"?service={res.service.pk}"
            for role in roles:
                response = run(Client(), "GET", f"/api/v1{path}{query}", None, headers_for(role))
                seen += 1
                body = _body(response)
                if ADDRESS in body or LABEL in body:
                    leaks.append(f"{key} as {role}")
    return leaks, seen


def test_confidential_place_and_address_reach_only_the_shelter_team(shelter, client_as):
    world, res, place, stay = shelter
    users = {role: world.users[role] for role in ROLES if role != "outsider"}
    users["outsider"] = world.outsider
    users["shelter_nurse"], users["shelter_head"] = res.nurse, res.head
    clients = {role: client_as(user) for role, user in users.items()}
    headers = {role: {"Authorization": f"Bearer {ApiToken.issue(user)[1]}"} for role, user in users.items()}
    leaks, seen = _walk(world, res, place, stay, clients.__getitem__, headers.get, ROLES)
    assert seen > 150
    assert not leaks, leaks
    # The shelter's own team does read them (the walk can see a leak).
    found, _seen = _walk(world, res, place, stay, clients.__getitem__, headers.get, ("shelter_nurse",),
                         only="places:")
    assert {"places:place_calendar as shelter_nurse", "places:stay as shelter_nurse",
            "GET /places as shelter_nurse"} <= set(found), found


def test_the_regulator_sees_the_shelter_as_a_service_only(shelter, client_as):
    world, res, place, _stay = shelter
    regulator = world.users["regulator"]
    regulator.refresh_from_db()
    view = services.regional_free_places(regulator)
    assert res.service.pk in {r["service_id"] for r in view["by_service"]}
    page = client_as(regulator).get("/places/regional/")
    body = page.content.decode()
    assert res.service.name in body and LABEL not in body and ADDRESS not in body
    assert services.routable_places(regulator, world.unrouted, res.service) == []
    assert outcome(client_as(regulator).get(f"/places/place/{place.pk}/")) == "denied"
    Client()  # the anonymous walk is the route matrix's
