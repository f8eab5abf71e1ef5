"""Issue #18's « Done means », in the browser: an operator files a letter of intent and an application; the
funder accepts it with an amount and a target caseload; the service appears with its team and budget; the
funder's page compares target and actual. Every page is reached by clicking from the role's home."""

import pytest
from playwright.sync_api import expect

from aupres.calls.models import Envelope, Proposal, Stage
from aupres.indicators.models import ServiceYearBudget
from conftest import click_menu, sign_in

from .helpers import call_of, funder_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_letter_application_decision_and_steering(world, page, browser, live_server):
    funder = funder_of(world)
    call = call_of(funder, amount="200000")

    # The operator's head of service: home → « Appels à projets » → the call → a letter of intent
    sign_in(page, "head_of_service")
    click_menu(page, "nav-calls")
    page.get_by_role("link", name=call.title).click()
    page.get_by_test_id("file-letter").click()
    page.fill("#id_organisation_status", "Association loi 1901")
    page.select_option("#id_kind", label="Équipe mobile santé précarité (EMSP)")
    page.fill("#id_persons_concerned", "Personnes à la rue, en campements et en hébergement d'urgence")
    page.get_by_label("Nord (59)").check()
    page.fill("#id_nature", "Bilans infirmiers, orientation, ouverture de droits")
    page.fill("#id_mediation_alliance", "Médiatrices de l'association Aller-Vers")
    page.fill("#id_estimated_caseload", "90")
    page.fill("#id_partnerships_written", "DAC Nord")
    page.fill("#id_etp_social_worker", "1")
    page.get_by_test_id("submit-letter").click()
    expect(page.get_by_test_id("stage")).to_have_text("Lettre d'intention déposée")
    # The application without a health professional is refused with the reason, and nothing typed is lost
    page.fill("#id_requested_amount", "150000")
    page.get_by_test_id("submit-application").click()
    expect(page.locator(".errors").first).to_contain_text("infirmier")
    expect(page.locator("#id_requested_amount")).to_have_value("150000")
    page.fill("#id_etp_nurse", "1.5")
    page.get_by_test_id("submit-application").click()
    expect(page.get_by_test_id("stage")).to_have_text("Candidature déposée")
    proposal = Proposal.objects.get()
    assert proposal.stage == Stage.APPLICATION and proposal.planned_team == {"nurse": "1.50", "social_worker": "1.00"}

    # The funder: home → « Appels à projets » → the application → accepted with an amount and a target
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900}, locale="fr-FR")
    funder_page = context.new_page()
    funder_page.set_default_timeout(10_000)
    sign_in(funder_page, "funder")
    click_menu(funder_page, "nav-calls")
    funder_page.get_by_role("link", name="Opérateur A").first.click()
    funder_page.locator("#id_decision_0").check()
    funder_page.fill("#id_granted_amount", "140000")
    funder_page.fill("#id_target_caseload", "80")
    funder_page.fill("#id_service_name", "EMSP Nord")
    funder_page.get_by_test_id("submit-decision").click()
    expect(funder_page.get_by_test_id("granted-amount")).to_have_text("140 000 €")  # « 140 000 € », no-break spaces
    # The service appears, with its planned team and budget
    funder_page.get_by_test_id("funded-service").click()
    expect(funder_page.locator("h1")).to_have_text("EMSP Nord")
    expect(funder_page.get_by_test_id("funding")).to_contain_text("2,50 ETP")
    expect(funder_page.get_by_test_id("funding")).to_contain_text("80")
    assert ServiceYearBudget.objects.get(service__name="EMSP Nord").amount == 140000
    assert Envelope.objects.get().committed == 140000
    # The funder's page compares target and actual
    click_menu(funder_page, "nav-steering")
    row = funder_page.get_by_test_id("steering").locator("tr", has_text="EMSP Nord")
    expect(row).to_contain_text("80")
    expect(row.get_by_test_id("actual")).to_have_text("0 (0 %)")
    context.close()

    # The operator sees the decision and its new service among its services
    page.reload()
    expect(page.get_by_test_id("stage")).to_have_text("Acceptée")
    page.get_by_test_id("funded-service").click()
    expect(page.locator("h1")).to_have_text("EMSP Nord")
