"""On a phone: the following team records the person's consent to share with another service, which then
reads the record; the receiving team withdraws it and the person is out of its reach at once."""

import pytest
from playwright.sync_api import expect

from aupres.services.models import Profession
from aupres.sharing.models import SharingConsent
from conftest import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_consent_recorded_then_withdrawn(world, page, live_server):
    person = world.person
    b_social = world.member(Profession.SOCIAL_WORKER, world.service_b, username="b_social")
    b_social.set_password(PASSWORD)
    b_social.save()

    sign_in(page, "social_worker")
    page.goto(f"/personnes/{person.pk}/")
    page.click("#consent-add")
    page.check("input[name=scope][value=social]")
    page.select_option("select[name=to_service]", str(world.service_b.pk))
    page.click("#consent-submit")
    expect(page.locator('[data-testid="person-sharing"]')).to_contain_text(world.service_b.name)
    consent = SharingConsent.objects.get(person=person)
    assert consent.to_service == world.service_b and consent.scope == "social"

    page.context.clear_cookies()
    sign_in(page, "b_social")
    response = page.goto(f"/personnes/{person.pk}/")
    assert response.status == 200
    expect(page.get_by_role("heading", name="Social")).to_be_visible()
    # Read only: the page offers nothing to change (no edit, living situation, note form).
    expect(page.get_by_role("link", name="Modifier", exact=True)).to_have_count(0)
    expect(page.locator(f'a[href="/personnes/{person.pk}/lieu-de-vie/"]')).to_have_count(0)
    expect(page.get_by_role("button", name="Ajouter la note")).to_have_count(0)
    page.click(f"#withdraw-{consent.pk}")
    page.click("#withdraw-submit")
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == b_social
    assert page.goto(f"/personnes/{person.pk}/").status == 404
