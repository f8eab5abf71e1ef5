"""The planned team lands on the service at acceptance; the service page and the funder's page compare planned and
actual ETP profession by profession (issue #18, D58). Every figure written out."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from aupres.calls import services
from aupres.indicators.models import StaffingEntry
from aupres.services.models import Membership, PlannedPosition
from aupres.services.services import team_by_profession

from .helpers import TODAY, call_of, file, funder_of

pytestmark = pytest.mark.django_db

D = Decimal


def _positions(service):
    return {p.profession: p.etp for p in PlannedPosition.objects.filter(service=service)}


def _cells(html):
    import re
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", html, re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.split(r"</th>|</td>", r) if c.strip()] for r in rows]


def _lines(rows):
    return [(r["profession"], r["planned"], r["actual"], r["gap"]) for r in rows]


@pytest.fixture
def funded(world):
    funder = funder_of(world)
    head = world.users["head_of_service"]
    call = call_of(funder)
    proposal = file(head, call, world.operator, planned_team={"nurse": "1.00", "social_worker": "1.00"})
    services.accept(funder, proposal, D("90000"), 40, proposal.version, service_name="EMSP Lille")
    proposal.refresh_from_db()
    return world, funder, head, proposal.service


def test_acceptance_writes_the_planned_team_on_the_service(funded):
    _world, _funder, _head, service = funded
    assert _positions(service) == {"nurse": D("1.00"), "social_worker": D("1.00")}


def test_an_extension_adds_its_planned_team_to_the_service(funded):
    world, funder, head, service = funded
    second = call_of(funder, measure="Ségur 27 bis", rules=())
    extension = file(head, second, world.operator, existing_project="fir", extension="geographic",
                     existing_service=service, planned_team={"nurse": "0.50", "psychologist": "0.40"})
    services.accept(funder, extension, D("20000"), 10, extension.version)
    assert _positions(service) == {"nurse": D("1.50"), "social_worker": D("1.00"), "psychologist": D("0.40")}


def test_planned_against_actual_by_profession(funded, client_as):
    world, funder, head, service = funded
    yesterday = TODAY - datetime.timedelta(days=1)
    Membership.objects.create(user=world.users["nurse"], service=service, profession="nurse", etp=D("0.80"),
                              start_date=yesterday)
    Membership.objects.create(user=world.users["social_worker"], service=service, profession="social_worker",
                              etp=D("0.50"), start_date=yesterday)
    # ended yesterday: not in today's team
    Membership.objects.create(user=world.users["mediator"], service=service, profession="social_worker",
                              etp=D("0.50"), start_date=TODAY - datetime.timedelta(days=30), end_date=yesterday)
    # not planned, but there
    Membership.objects.create(user=world.users["doctor"], service=service, profession="doctor", etp=D("0.20"),
                              start_date=yesterday)
    StaffingEntry.objects.create(service=service, year=TODAY.year, profession="mediator", etp=D("0.30"))
    StaffingEntry.objects.create(service=service, year=TODAY.year - 1, profession="mediator", etp=D("1.00"))
    StaffingEntry.objects.create(service=service, year=TODAY.year, profession="nurse", etp=D("0.10"))

    expected = [  # (profession, planned, actual, gap), in the order of the professions
        ("doctor", D("0"), D("0.20"), D("0.20")),
        ("nurse", D("1.00"), D("0.90"), D("-0.10")),
        ("social_worker", D("1.00"), D("0.50"), D("-0.50")),
        ("mediator", D("0"), D("0.30"), D("0.30")),
    ]
    assert _lines(team_by_profession([service.pk])[service.pk]) == expected

    row = next(r for r in services.steering(funder) if r["service"].pk == service.pk)
    assert (row["planned_etp"], row["actual_etp"]) == (D("2.00"), D("1.90"))
    assert _lines(row["team"]) == expected

    page = client_as(funder).get(reverse("calls:steering")).content.decode()
    assert "Infirmier·e : prévu 1,00, réel 0,90" in page


    detail = client_as(head).get(reverse("services:service_detail", args=[service.pk])).content.decode()
    section = detail.split('data-testid="team-plan"')[1].split("</section>")[0]
    assert _cells(section) == [
        ["Médecin", "0,00", "0,20", "+0,20"], ["Infirmier·e", "1,00", "0,90", "-0,10"],
        ["Assistant·e de service social", "1,00", "0,50", "-0,50"], ["Médiateur·rice", "0,00", "0,30", "+0,30"]]


def test_the_api_gives_the_team_by_profession(funded, api_as):
    world, funder, _head, service = funded
    Membership.objects.create(user=world.users["nurse"], service=service, profession="nurse", etp=D("0.60"),
                              start_date=TODAY)
    rows = api_as(funder).get("/steering").json()
    row = next(r for r in rows if r["service_id"] == service.pk)
    assert [(t["profession"], D(t["planned"]), D(t["actual"])) for t in row["team"]] == [
        ("nurse", D("1.00"), D("0.60")), ("social_worker", D("1.00"), D("0"))]


def test_a_service_without_planned_team_shows_no_comparison(world, client_as):
    page = client_as(world.users["head_of_service"]).get(
        reverse("services:service_detail", args=[world.service_b.pk])).content.decode()
    assert 'data-testid="team-plan"' not in page
