"""A partner sends a referral online; the head of service accepts it; the person is in the team's caseload."""

import pytest
from playwright.sync_api import expect

from aupres.followups.models import FollowUp
from aupres.referrals.models import Referral
from conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_sends_head_accepts_and_the_person_joins_the_caseload(world, page):
    sign_in(page, "partner")
    page.goto("/orientations/")
    page.get_by_test_id("partner-new").click()
    page.select_option("#id_service", str(world.service_a.pk))
    page.select_option("#id_source", "hospital")
    page.fill("#id_alias", "Le Voyageur")
    page.fill("#id_estimated_age", "47")
    page.check("input[name=needs][value=health]")
    page.select_option("#id_consent", "agrees")
    page.fill("#id_health_description", "Ulcère de jambe, pansements à prévoir")
    page.get_by_test_id("send").click()
    page.wait_for_url("**/orientations/envoyees/")  # sent through htmx (upload progress), then redirected
    referral = Referral.objects.get(alias="Le Voyageur")
    row = page.get_by_test_id(f"sent-{referral.receipt}")
    expect(row).to_be_visible()
    expect(page.get_by_test_id("sent")).not_to_contain_text("Ulcère")
    assert referral.sent_by == world.users["partner"] and referral.person is None

    page.context.clear_cookies()
    sign_in(page, "head_of_service")
    page.goto("/orientations/")
    page.get_by_test_id(f"referral-{referral.pk}").click()
    expect(page.get_by_role("heading", name="« Le Voyageur »")).to_be_visible()
    expect(page.get_by_text("Ulcère de jambe")).to_have_count(0)  # health content: not for the head
    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("status")).not_to_have_text(referral.get_status_display())
    referral.refresh_from_db()
    assert referral.status == "accepted" and referral.accepted_at is not None
    assert FollowUp.objects.get(pk=referral.followup_id).service == world.service_a

    page.goto("/personnes/")
    expect(page.get_by_text("« Le Voyageur »")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, "partner")
    page.goto("/orientations/envoyees/")
    expect(page.get_by_test_id(f"sent-{referral.receipt}")).not_to_contain_text("Voyageur")
    expect(page.get_by_test_id(f"sent-{referral.receipt}")).to_contain_text(world.service_a.name)
