"""On a 360×740 phone: a nurse walks a follow-up from intake to assessment to a plan with one objective."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aupres.followups.models import FollowUp
from conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for button in page.locator("main button:visible, main a.button:visible").all():
        assert button.bounding_box()["height"] >= 44


def test_intake_to_assessment_to_plan_with_one_objective(world, page):
    f = FollowUp.objects.get(person=world.person, service=world.service_a)
    sign_in(page, "nurse")
    page.goto(f"/personnes/{world.person.pk}/")
    page.get_by_test_id(f"followup-{f.pk}").click()
    expect(page.get_by_test_id("state")).to_have_attribute("data-state", "intake")
    fits_the_phone(page)

    page.locator("#id_to_state").select_option("assessment")
    page.get_by_test_id("transition").click()
    expect(page.get_by_test_id("state")).to_have_attribute("data-state", "assessment")

    page.get_by_test_id("assessment-add").click()
    page.locator("#id_level_somatic").select_option("moderate")
    page.locator("#id_notes_somatic").fill("Plaie du pied")
    page.locator("#id_level_housing").select_option("severe")
    fits_the_phone(page)
    page.get_by_test_id("save").click()
    expect(page.get_by_text("Plaie du pied")).to_be_visible()

    page.locator("#id_to_state").select_option("plan")
    page.get_by_test_id("transition").click()
    expect(page.get_by_test_id("state")).to_have_attribute("data-state", "plan")

    review = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    page.get_by_test_id("plan-add").click()
    page.locator("#id_person_took_part").check()
    page.locator("#id_review_due_on").fill(review)
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("plan")).to_be_visible()

    page.get_by_test_id("objective-add").click()
    page.locator("#id_domain").select_option("housing")
    page.locator("#id_title").fill("Entrer en CHRS")
    page.locator("#id_actions").fill("Demande SIAO")
    page.locator("#id_due_on").fill((timezone.localdate() + datetime.timedelta(days=60)).isoformat())
    fits_the_phone(page)
    page.get_by_test_id("save").click()
    expect(page.locator("#objectives").get_by_text("Entrer en CHRS")).to_be_visible()
    fits_the_phone(page)

    f.refresh_from_db()
    assert f.state == "plan"
    assert [t.to_state for t in f.transitions.all()] == ["assessment", "plan"]
    plan = f.plans.get()
    assert plan.person_took_part and plan.review_due_on.isoformat() == review
    assert plan.objectives.get().title == "Entrer en CHRS"
