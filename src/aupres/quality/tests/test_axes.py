"""The priority axes on the operator's quality screens (issue #18, seed 000's four and an operator's own), with
the service's progress of the year; an operator administrator rewrites them, nobody else."""

import pytest
from django.urls import reverse
from django.utils import translation

from aupres.quality import services
from aupres.quality.models import Axis
from aupres.quality.tests.helpers import YEAR, criterion

pytestmark = pytest.mark.django_db

SUPPORT = "Accompagnement personnalisé : outils et procédures"


def test_the_axes_and_their_progress_on_the_heads_screens(world, client_as, api_as):
    head = world.users["head_of_service"]
    for code in ("4.2", "4.3"):
        services.assess(head, world.service_a, YEAR, criterion(code).pk, level="met", evidence="Procédure écrite")
    services.assess(head, world.service_a, YEAR, criterion("5.1").pk, level="partly_met")
    own = Axis.objects.create(operator=world.operator, title="Sortir de la rue vers le logement", position=9)
    own.criteria.set([criterion("4.2")])
    foreign = Axis.objects.create(operator=world.other_operator, title="Axe d'un autre opérateur", position=9)
    foreign.criteria.set([criterion("4.2")])
    client = client_as(head)
    with translation.override("fr"):
        grid = client.get(reverse("quality:assessment", args=[world.service_a.pk, YEAR])).content.decode()
        index = client.get(reverse("quality:index")).content.decode()
    for page in (grid, index):
        assert SUPPORT in page and "3 critères évalués sur 4, 2 atteints" in page
        assert "Accueil : définitions, outils et procédures" in page and "0 critères évalués sur 3, 0 atteints" in page
        assert "Sortir de la rue vers le logement" in page and "1 critères évalués sur 1, 1 atteints" in page
        assert "Axe d'un autre opérateur" not in page
    progress = api_as(head).get(f"/quality/services/{world.service_a.pk}/axes/{YEAR}").json()
    assert [(a["axis"]["title"], a["assessed"], a["met"], a["total"]) for a in progress][:2] == [
        ("Accueil : définitions, outils et procédures", 0, 0, 3), (SUPPORT, 3, 2, 4)]
    assert progress[-1]["axis"]["title"] == "Sortir de la rue vers le logement" and len(progress) == 5
    assert api_as(world.outsider_head).get(f"/quality/services/{world.service_a.pk}/axes/{YEAR}").status_code == 404


def test_an_administrator_rewrites_an_axis_and_a_head_cannot(world, client_as, api_as, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", password="x")
    axis = Axis.objects.get(title=SUPPORT)
    url = reverse("quality:axis_edit", args=[axis.pk])
    head = world.users["head_of_service"]
    assert client_as(head).get(url).status_code == 403
    assert client_as(head).post(url, {"title": "x", "criteria": ["4.2"], "version": axis.version}).status_code == 403
    assert f'data-testid="axis-edit-{axis.pk}"' in client_as(admin).get(reverse("quality:referential")).content.decode()
    assert f'data-testid="axis-edit-{axis.pk}"' not in client_as(head).get(reverse("quality:referential")).content \
        .decode()
    response = client_as(admin).post(url, {"title": "Accompagnement personnalisé et projet personnalisé",
                                           "criteria": ["4.2", "4.3", "4.4", "5.1", "5.2"], "version": axis.version})
    assert response.status_code == 302
    axis.refresh_from_db()
    assert axis.title == "Accompagnement personnalisé et projet personnalisé" and axis.version == 2
    assert sorted(c.code for c in axis.criteria.all()) == ["4.2", "4.3", "4.4", "5.1", "5.2"]
    body = {"title": "Accompagnement", "criteria": ["4.2"], "version": axis.version}
    assert api_as(head).client.put(f"/api/v1/quality/axes/{axis.pk}", data=body, content_type="application/json",
                                   headers=api_as(head).headers).status_code == 403
    admin_api = api_as(admin)
    stale = admin_api.client.put(f"/api/v1/quality/axes/{axis.pk}", data={**body, "version": 1},
                                 content_type="application/json", headers=admin_api.headers)
    assert stale.status_code == 409
    unknown = admin_api.client.put(f"/api/v1/quality/axes/{axis.pk}", data={**body, "criteria": ["99.9"]},
                                   content_type="application/json", headers=admin_api.headers)
    assert unknown.status_code == 400 and unknown.json()["field"] == "criteria"
    done = admin_api.client.put(f"/api/v1/quality/axes/{axis.pk}", data=body, content_type="application/json",
                                headers=admin_api.headers)
    assert done.status_code == 200 and done.json()["criteria"] == ["4.2"] and done.json()["version"] == 3
