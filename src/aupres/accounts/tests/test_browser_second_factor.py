import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, otp_token, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_first_sign_in_enrols_the_phone_then_shows_recovery_codes(world, page):
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto("/compte/connexion/")
    page.fill("#id_username", "nurse")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/compte/double-authentification/**")
    assert page.locator(".qr svg").count() == 1
    device = TOTPDevice.objects.get(user=world.users["nurse"], confirmed=False)
    page.fill("#id_token", otp_token(device))
    page.click("#otp-enrol-submit")
    page.wait_for_selector("#recovery-codes")
    assert page.locator("#recovery-codes li").count() == 10
    page.click("a.button.primary")
    page.wait_for_url("**/personnes/")
    page.goto(f"/personnes/{world.person.pk}/")
    assert page.locator("[data-testid=person-accesses]").count() == 1
    assert not violations, violations


def test_sign_in_with_code_and_sign_out_everywhere(world, page):
    sign_in(page, "doctor")
    page.goto("/compte/securite/")
    page.click("#logout-everywhere")
    page.wait_for_url("**/compte/connexion/")
    page.goto("/personnes/")
    page.wait_for_url("**/compte/connexion/**")
