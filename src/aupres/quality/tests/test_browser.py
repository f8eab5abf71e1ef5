"""The quality screens in the browser (issue #18), on a phone (360 px): a head of service opens the quality
approach from the home, records a self-assessment level for an imperative criterion, adds an improvement action;
no page scrolls sideways."""

import datetime

import pytest
from playwright.sync_api import expect

from aupres.quality.models import Axis, Criterion, CriterionAssessment, ImprovementAction, Theme
from aupres.quality.referential import load_referential
from aupres.quality.tests.helpers import YEAR, criterion
from conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def test_self_assessment_and_action_from_the_home(world, page, live_server):
    load_referential(Theme, Criterion, Axis)  # a transactional test starts from empty tables
    service = world.service_a
    imperative = criterion("2.2")
    assert imperative.imperative

    sign_in(page, "head_of_service")
    page.get_by_test_id(f"home-quality-{service.pk}").click()
    expect(page.get_by_test_id(f"quality-service-{service.pk}")).to_be_visible()
    expect(page.get_by_test_id(f"quality-axes-{service.pk}")).to_contain_text("Accompagnement personnalisé")
    _no_sideways_scroll(page)

    # The self-assessment of the year → the imperative criterion → a level, saved
    page.get_by_test_id(f"quality-assessment-{service.pk}").click()
    row = page.get_by_test_id(f"criterion-{imperative.code}")
    expect(row).to_contain_text("non évalué")
    expect(page.get_by_test_id("quality-axes")).to_be_visible()
    _no_sideways_scroll(page)
    row.get_by_role("link").click()
    expect(page.get_by_test_id("assess-form")).to_be_visible()
    _no_sideways_scroll(page)
    page.get_by_label("Partiellement satisfait").check()
    page.fill("#id_comment", "Le recueil du consentement n'est pas encore tracé à chaque admission.")
    page.get_by_test_id("assess-submit").click()
    expect(page.get_by_test_id(f"criterion-{imperative.code}")).to_contain_text("Partiellement satisfait")
    saved = CriterionAssessment.objects.get(service=service, year=YEAR, criterion=imperative)
    assert saved.level == "partly_met"

    # The improvement plan: an action on that criterion
    page.get_by_role("link", name="Plan d'amélioration").first.click()
    expect(page.get_by_test_id("action-submit")).to_be_visible()
    _no_sideways_scroll(page)
    due = datetime.date.today() + datetime.timedelta(days=60)
    page.fill("#id_title", "Tracer le consentement dans le dossier à l'admission")
    page.fill("#id_owner", "Cheffe de service")
    page.fill("#id_due_on", due.isoformat())
    page.select_option("#id_criterion", label=str(imperative))
    page.get_by_test_id("action-submit").click()
    expect(page.get_by_test_id("actions")).to_contain_text("Tracer le consentement dans le dossier")
    _no_sideways_scroll(page)
    action = ImprovementAction.objects.get(service=service)
    assert (action.criterion_id, action.due_on, action.status) == (imperative.pk, due, "planned")
