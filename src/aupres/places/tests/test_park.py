"""The housing park: apartments, incidents, inventories with photos; the property role sees the park of its
operator and no person data (walks every GET route)."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aupres.accounts.models import ApiToken
from aupres.core.errors import DomainError, NotFound
from aupres.core.tests import route_rules as rules
from aupres.core.tests.test_route_matrix import (
    api_routes,
    matrix_world,  # noqa: F401 — a fixture
    run,
    screen_routes,
)
from aupres.places import park
from aupres.places.models import Apartment, IncidentKind, PropertyAccess

from .helpers import Residence

pytestmark = pytest.mark.django_db
PNG = rules.PNG
TODAY = datetime.date.today()


@pytest.fixture
def property_user(world):
    user = world.user("gestion_locative")
    PropertyAccess.objects.create(user=user, operator=world.operator)
    return user


def test_the_property_role_manages_the_park_of_its_operator(world, property_user):
    flat = park.create_apartment(property_user, {
        "label": "T2 Wazemmes", "address": "8 rue des Sarrazins, Lille", "service_id": world.service_a.pk,
        "owner": "SCI Nord", "lease_start": TODAY.replace(day=1), "rent": "540.00", "charges": 60})
    assert flat.operator == world.operator and flat.rent == Decimal("540.00")
    with pytest.raises(DomainError):
        park.create_apartment(property_user, {"label": "X", "address": "y", "lease_start": TODAY,
                                              "lease_end": TODAY - datetime.timedelta(days=1),
                                              "service_id": world.service_a.pk})
    with pytest.raises(NotFound):  # a service of another operator
        park.create_apartment(property_user, {"label": "X", "address": "y", "service_id": world.service_c.pk})
    incident = park.record_incident(property_user, flat, {"kind": "water_damage", "occurred_on": TODAY,
                                                          "insurer_contact": "MAIF 03 20", "cost": "380"})
    incident = park.update_incident(property_user, incident, {"status": "closed"}, incident.version)
    assert incident.status == "closed" and incident.cost == Decimal("380.00")
    inventory = park.record_inventory(property_user, flat, kind="check_in", done_on=TODAY,
                                      rooms=[{"room": "Séjour", "condition": "bon"}], signed_by_occupant=True,
                                      photos=[SimpleUploadedFile("a.png", PNG)])
    assert inventory.photos.get().content_type == "image/png"
    with pytest.raises(DomainError):
        park.add_photo(property_user, inventory, SimpleUploadedFile("a.exe", b"MZ\x90\x00 not an image"))
    with pytest.raises(DomainError):
        park.record_inventory(property_user, flat, kind="check_out", done_on=TODAY, rooms=[])
    # Heads see the apartments of the services they head only; other members none.
    assert list(park.visible_apartments(world.users["head_of_service"])) == [flat]
    assert not park.visible_apartments(world.outsider_head).exists()
    assert not park.visible_apartments(world.users["nurse"]).exists()


def test_a_head_of_another_service_never_sees_the_shelter_apartment(world, property_user):
    shelter = Residence(world, kind="violence_shelter", name="Refuge", confidential=True)
    Apartment.objects.create(operator=world.operator, service=shelter.service, label="Refuge 1",
                             address="5 allée Secrète")
    assert not park.visible_apartments(world.users["head_of_service"]).filter(label="Refuge 1").exists()
    assert park.visible_apartments(shelter.head).filter(label="Refuge 1").exists()
    assert park.visible_apartments(property_user).filter(label="Refuge 1").exists()  # the operator's own


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def test_the_property_role_walks_every_route_and_meets_no_person(matrix_world, client_as):  # noqa: F811
    world = matrix_world
    user = world.user("gestion")
    PropertyAccess.objects.create(user=user, operator=world.operator)
    rules._matrix_stay(world)  # world.person stays on a bed of service A
    rules._matrix_park(world)
    client = client_as(user)
    headers = {"Authorization": f"Bearer {ApiToken.issue(user)[1]}"}
    params = {name: fn(world) for name, fn in rules.PARAMS.items()}
    secrets = ("Benali", "Amina", "note-", "Diabète", "Mina")
    leaks, reached = [], set()
    from django.urls import reverse

    for name, (_pattern, names) in screen_routes().items():
        rule = rules.SCREEN_RULES.get(name)
        if rule is None or rule.method != "GET":
            continue
        url = reverse(name, kwargs={p: rule.params[p](world) if p in rule.params else params[p] for p in names})
        response = run(client, "GET", url, None)
        if response.status_code == 200:
            reached.add(name)
        if any(s in _body(response) for s in secrets):
            leaks.append(name)
    for key, names in api_routes().items():
        rule = rules.API_RULES.get(key)
        if rule is None or rule.method != "GET":
            continue
        path = key.split(" ", 1)[1].format(**{p: rule.params[p](world) if p in rule.params else params[p]
                                              for p in names})
        query = f"?{rule.query(world)}" if rule.query else ""
        response = run(Client(), "GET", f"/api/v1{path}{query}", None, headers)
        if response.status_code == 200:
            reached.add(key)
        if any(s in _body(response) for s in secrets):
            leaks.append(key)
    assert not leaks, leaks
    assert {"places:park", "places:apartment", "places:photo", "GET /park/apartments",
            "GET /park/apartments/{apartment_id}"} <= reached
    assert "places:board" not in reached and "persons:detail" not in reached
    page = _body(run(client, "GET", reverse("places:apartment", args=[params["apartment_id"]]), None))
    assert "Appt matrice" in page and str(IncidentKind.LOST_KEYS.label) in page
