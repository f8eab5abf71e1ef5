"""The server-rendered encounter form, as issue #12 found it on a phone: service default, partner label,
rows removable, no duplicate person, search above the save button."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from aupres.encounters.models import Encounter
from aupres.services.models import Membership, Service, ServiceKind
from conftest import sign_in


def _first_alphabetically(world, user):
    """A second service of the user, first in alphabetical order, that does NOT follow world.person."""
    other = Service(name="AAA Accueil de jour", kind=ServiceKind.objects.get(code="lhss_mobile"),
                    operator=world.operator)
    other.apply_kind_template()
    other.save()
    Membership.objects.create(user=user, service=other, profession="social_worker", etp=Decimal("0.5"),
                              start_date=datetime.date(2025, 1, 1))
    return other


@pytest.mark.django_db
def test_the_service_defaults_to_the_one_following_the_person(world, client_as):
    worker = world.users["social_worker"]
    other = _first_alphabetically(world, worker)
    client = client_as(worker)
    page = client.get(f"/activite/rencontre/nouvelle/?personne={world.person.pk}").content.decode()
    selected = re.search(r'<select name="service"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.search(rf'<option value="{world.service_a.pk}" selected>', selected), selected
    assert not re.search(rf'<option value="{other.pk}" selected>', selected)
    # The orientation's partner is an organisation, not a spouse.
    assert "Conjoint" not in page and "Structure partenaire" in page


@pytest.mark.django_db
def test_the_partner_label_of_the_orientation_form(world, client_as):
    page = client_as(world.users["nurse"]).get(f"/activite/personnes/{world.person.pk}/orientation/")
    assert "Structure partenaire" in page.content.decode() and "Conjoint" not in page.content.decode()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_rows_removable_no_duplicates_search_above_save(world, page):
    worker = world.users["social_worker"]
    _first_alphabetically(world, worker)
    sign_in(page, "social_worker")
    page.goto(f"/personnes/{world.person.pk}/")
    page.click("[data-testid=person-action-encounter]")
    expect(page.locator("#id_service")).to_have_value(str(world.service_a.pk))
    # The search is above the save button.
    assert page.locator("#pick-q").bounding_box()["y"] < page.locator("#save-encounter").bounding_box()["y"]
    # The same person added twice stays once.
    page.fill("#pick-q", "Mina")
    page.click("#pick-search")
    page.locator("#pick-results button").first.click()
    expect(page.locator("#persons li")).to_have_count(1)
    # An act row added by mistake is removed.
    page.select_option("#acts li >> nth=0 >> select[name$='-kind']", "social_interview")
    page.click("#add-act")
    expect(page.locator("#acts li")).to_have_count(2)
    page.locator("#acts li >> nth=1 >> [data-testid=remove-act]").click()
    expect(page.locator("#acts li")).to_have_count(1)
    page.click("#save-encounter")
    page.wait_for_url(f"**/personnes/{world.person.pk}/")
    encounter = Encounter.objects.get()
    assert encounter.service_id == world.service_a.pk
    assert list(encounter.acts.values_list("kind", flat=True)) == ["social_interview"]
    page.wait_for_load_state("networkidle")
