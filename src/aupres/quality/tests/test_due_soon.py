"""Improvement plan reminders before the due date (issue #18, D58): open actions due within 14 days, today
included, are counted on the head's home and the quality index and marked « à échéance dans N jours » on the
plan and in the API; overdue, later, done and abandoned actions are not."""

import datetime

import pytest
from django.urls import reverse

from aupres.quality import services
from aupres.quality.tests.helpers import TODAY

pytestmark = pytest.mark.django_db


def _action(world, title, days, status=None):
    head = world.users["head_of_service"]
    action = services.add_action(head, world.service_a, {"title": title, "owner": "Cheffe",
                                                         "due_on": TODAY + datetime.timedelta(days=days)})
    if status:
        action = services.update_action(head, action.pk, {"status": status}, action.version)
    return action


@pytest.fixture
def plan(world):
    return {
        "late": _action(world, "Procédure maltraitance", -1),
        "today": _action(world, "Livret d'accueil", 0),
        "soon": _action(world, "Affichage des droits", 3),
        "edge": _action(world, "Questionnaire", 14),
        "later": _action(world, "CVS annuel", 15),
        "done": _action(world, "Projet de service", 5, "done"),
        "abandoned": _action(world, "Boîte à idées", 6, "abandoned"),
        "started": _action(world, "Fiche d'événement", 7, "in_progress"),
    }


def test_actions_due_within_14_days(world, plan):
    head = world.users["head_of_service"]
    soon = set(services.due_soon([world.service_a]))
    assert soon == {plan["today"], plan["soon"], plan["edge"], plan["started"]}
    assert services.due_soon_counts(head) == {world.service_a.pk: 4}
    assert services.due_soon_counts(world.users["nurse"]) == {}  # not kept by a nurse
    assert {k: services.due_in_days(a) for k, a in plan.items()} == {
        "late": None, "today": 0, "soon": 3, "edge": 14, "later": None, "done": None, "abandoned": None,
        "started": 7}
    # The overdue reminder is unchanged: one action.
    assert services.overdue_counts(head) == {world.service_a.pk: 1}


def test_the_screens_and_the_api_remind_the_head(world, plan, client_as, api_as):
    head = client_as(world.users["head_of_service"])
    home = head.get("/").content.decode()
    tile = home.split(f'data-testid="home-quality-due-soon-{world.service_a.pk}"')[1].split("</a>")[0]
    assert "<strong>4</strong>" in tile and "actions d'amélioration à échéance dans les 14 jours" in tile
    index = head.get(reverse("quality:index")).content.decode()
    assert "4 actions à échéance dans les 14 jours" in index
    page = head.get(reverse("quality:plan", args=[world.service_a.pk])).content.decode()
    assert f'data-testid="due-soon-{plan["soon"].pk}">à échéance dans 3 jours<' in page
    assert f'data-testid="due-soon-{plan["edge"].pk}">à échéance dans 14 jours<' in page
    assert f'data-testid="due-soon-{plan["today"].pk}">à échéance aujourd\'hui<' in page
    for key in ("late", "later", "done", "abandoned"):
        assert f'data-testid="due-soon-{plan[key].pk}"' not in page
    rows = api_as(world.users["head_of_service"]).get(f"/quality/services/{world.service_a.pk}/actions").json()
    assert {r["title"]: r["due_in_days"] for r in rows} == {
        "Procédure maltraitance": None, "Livret d'accueil": 0, "Affichage des droits": 3, "Questionnaire": 14,
        "CVS annuel": None, "Projet de service": None, "Boîte à idées": None, "Fiche d'événement": 7}
