"""An operator's administrator (a head of one of its services) writes the operator's own wording of a criterion
and keeps the operator's own axes (issue #18, D58): the shared text and axes stay, another operator sees no
change."""

import html

import pytest
from django.urls import reverse

from aupres.core.errors import Forbidden, NotFound
from aupres.core.models import StaleEdit
from aupres.quality import services
from aupres.quality.models import Axis, CriterionWording
from aupres.quality.tests.helpers import YEAR, criterion

pytestmark = pytest.mark.django_db

OWN = "Le projet personnalisé est écrit avec la personne, dans sa langue, en moins de 30 jours"


def test_an_operator_words_a_criterion_and_another_operator_sees_no_change(world, client_as, api_as):
    head_a, head_c = world.users["head_of_service"], world.outsider_head
    c43 = criterion("4.3")
    shared = c43.title
    wording = services.word_criterion(head_a, world.operator.pk, c43.pk, OWN)
    assert wording.version == 1 and criterion("4.3").title == shared  # the shared text stays
    # Operator A's service reads its wording; operator C's service and the referential read the shared text.
    assert services.criterion_text(c43, world.operator.pk) == OWN
    assert services.criterion_text(c43, world.other_operator.pk) == shared
    grid_a = client_as(head_a).get(reverse("quality:assessment", args=[world.service_a.pk, YEAR])).content.decode()
    grid_c = client_as(head_c).get(reverse("quality:assessment", args=[world.service_c.pk, YEAR])).content.decode()
    assess_a = client_as(head_a).get(reverse("quality:assess", args=[world.service_a.pk, YEAR, c43.pk])).content
    assert OWN in grid_a and OWN in assess_a.decode()
    assert html.escape(shared) not in grid_a.split('criterion-4.3"')[1][:400]
    assert OWN not in grid_c and html.escape(shared) in grid_c
    referential = client_as(head_c).get(reverse("quality:referential")).content.decode()
    assert OWN not in referential and html.escape(shared) in referential
    # Operator C's head neither reads nor writes A's wording; nor does a nurse of A.
    for user in (head_c, world.users["nurse"]):
        with pytest.raises(NotFound):
            services.word_criterion(user, world.operator.pk, c43.pk, "Autre texte")
        assert client_as(user).get(reverse("quality:operator_referential", args=[world.operator.pk])).status_code \
            == 404
    assert api_as(head_c).get(f"/quality/operators/{world.operator.pk}/criteria").status_code == 404
    # C words the same criterion its own way: A keeps its wording.
    services.word_criterion(head_c, world.other_operator.pk, c43.pk, "Texte de C")
    assert services.criterion_text(c43, world.operator.pk) == OWN
    assert services.criterion_text(c43, world.other_operator.pk) == "Texte de C"
    # A stale edit is refused; the shared text again removes the wording.
    with pytest.raises(StaleEdit):
        services.word_criterion(head_a, world.operator.pk, c43.pk, "Encore", version=0)
    assert services.word_criterion(head_a, world.operator.pk, c43.pk, shared, version=1) is None
    assert not CriterionWording.objects.filter(operator=world.operator).exists()
    assert services.criterion_text(c43, world.other_operator.pk) == "Texte de C"


def test_wording_on_screen_and_api(world, client_as, api_as):
    head_a = world.users["head_of_service"]
    c43 = criterion("4.3")
    client = client_as(head_a)
    page = client.get(reverse("quality:wording_edit", args=[world.operator.pk, c43.pk])).content.decode()
    assert html.escape(c43.title) in page
    response = client.post(reverse("quality:wording_edit", args=[world.operator.pk, c43.pk]),
                           {"title": OWN, "version": 0})
    assert response.status_code == 302
    listing = client.get(reverse("quality:operator_referential", args=[world.operator.pk])).content.decode()
    assert OWN in listing.split('data-testid="wording-4.3"')[1][:400]
    api = api_as(head_a)
    rows = {r["criterion"]: r for r in api.get(f"/quality/operators/{world.operator.pk}/criteria").json()}
    assert len(rows) == 42 and rows["4.3"]["text"] == OWN and rows["4.3"]["shared_text"] == c43.title
    assert rows["4.3"]["version"] == 1 and rows["1.1"]["version"] is None
    answer = api.client.put(f"/api/v1/quality/operators/{world.operator.pk}/criteria/{c43.pk}",
                            data={"title": "Deuxième texte", "version": 1}, content_type="application/json",
                            headers=api.headers)
    assert answer.status_code == 200 and answer.json()["version"] == 2
    stale = api.client.put(f"/api/v1/quality/operators/{world.operator.pk}/criteria/{c43.pk}",
                           data={"title": "Troisième", "version": 1}, content_type="application/json",
                           headers=api.headers)
    assert stale.status_code == 409
    # The shared criterion endpoint stays for superusers only.
    assert api.client.put(f"/api/v1/quality/criteria/{c43.pk}", data={"title": "x", "version": 1},
                          content_type="application/json", headers=api.headers).status_code == 403


def test_an_operator_keeps_its_own_axes_not_the_shared_ones_nor_another_operators(world, client_as, api_as):
    head_a, head_c = world.users["head_of_service"], world.outsider_head
    criterion("4.3")  # the referential is loaded
    shared = Axis.objects.filter(operator__isnull=True).order_by("position").first()
    created = api_as(head_a).post(f"/quality/operators/{world.operator.pk}/axes",
                                  {"title": "Aller vers les personnes à la rue", "criteria": ["4.2", "4.3"]})
    assert created.status_code == 201
    own = Axis.objects.get(pk=created.json()["id"])
    assert own.operator_id == world.operator.pk and [c.code for c in own.criteria.order_by("code")] == ["4.2", "4.3"]
    edited = services.edit_axis(head_a, own.pk, "Aller vers", ["4.3"], own.version)
    assert edited.title == "Aller vers" and edited.version == 2
    with pytest.raises(Forbidden):
        services.edit_axis(head_a, shared.pk, "Accueil", ["4.3"], shared.version)
    with pytest.raises(NotFound):
        services.edit_axis(head_c, own.pk, "Pris", ["4.3"], edited.version)
    with pytest.raises(NotFound):
        services.create_axis(head_c, world.operator.pk, "Pris", ["4.3"])
    # Screens: A's head edits its own axis, not the shared one; C sees neither A's axis nor a change.
    client = client_as(head_a)
    assert client.get(reverse("quality:axis_edit", args=[own.pk])).status_code == 200
    assert client.get(reverse("quality:axis_edit", args=[shared.pk])).status_code == 403
    response = client.post(reverse("quality:axis_edit", args=[own.pk]),
                           {"title": "Aller vers la rue", "criteria": ["4.3"], "version": 2})
    assert response.status_code == 302
    assert client_as(head_c).get(reverse("quality:axis_edit", args=[own.pk])).status_code in (403, 404)
    assert [a.title for a in services.axes(world.other_operator)] == [
        a.title for a in services.axes(None)]
    assert "Aller vers la rue" in [a.title for a in services.axes(world.operator)]
