"""A head of service admits a person from the inbox onto a free bed, extends the stay, transfers them and
ends it; the occupancy board shows each step."""

import datetime

import pytest
from playwright.sync_api import expect

from aupres.places.models import Stay
from aupres.referrals.models import Door, Referral, Source, Status
from conftest import click_menu, sign_in

from .helpers import Residence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_head_admits_from_the_inbox_extends_transfers_and_ends(world, page):
    res = Residence(world)
    referral = Referral.objects.create(service=res.service, door=Door.PARTNER, source=Source.HOSPITAL,
                                       alias="Le Marcheur", sex="male", needs=["health"], status=Status.PENDING)
    sign_in(page, res.head.username)
    page.goto("/orientations/")
    page.get_by_test_id(f"referral-{referral.pk}").click()
    expect(page.get_by_test_id("accept-places")).to_contain_text("Lit 2")
    page.check(f"input[name=place][value='{res.bed2.pk}']")
    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("status")).not_to_have_text(referral.get_status_display())

    # The board, reached by clicking from the menu.
    click_menu(page, "nav-places")
    page.get_by_test_id(f"board-{res.service.pk}").click()
    stay = Stay.objects.get(referral=referral)
    expect(page.get_by_test_id(f"place-{res.bed2.pk}")).to_contain_text("Le Marcheur")
    expect(page.get_by_test_id(f"free-{res.bed2.pk}")).to_have_count(0)
    expect(page.get_by_test_id("free-now")).to_contain_text("5")  # bed 1, 3 in the shared apartment, family unit

    # Extend.
    page.get_by_test_id(f"stay-{stay.pk}").click()
    new_end = stay.planned_end + datetime.timedelta(days=20)
    page.fill("#id_new_end", new_end.isoformat())
    page.fill("#id_reason", "Pansements encore quotidiens")
    page.get_by_test_id("extend").click()
    expect(page.get_by_test_id(f"place-{res.bed2.pk}")).to_contain_text(str(new_end.year))
    stay.refresh_from_db()
    assert stay.planned_end == new_end and stay.extensions.get().decided_by == res.head

    # Transfer to bed 1.
    page.get_by_test_id(f"stay-{stay.pk}").click()
    page.select_option("#id_to_place", str(res.bed1.pk))
    page.get_by_test_id("transfer").click()
    expect(page.get_by_test_id(f"place-{res.bed1.pk}")).to_contain_text("Le Marcheur")
    expect(page.get_by_test_id(f"place-{res.bed2.pk}")).not_to_contain_text("Le Marcheur")
    expect(page.get_by_test_id(f"free-{res.bed2.pk}")).to_be_visible()
    moved = Stay.objects.get(transferred_from=stay)

    # End the stay.
    page.get_by_test_id(f"stay-{moved.pk}").click()
    page.select_option("#id_exit_reason", "oriented")
    page.select_option("#id_exit_destination", "act")
    page.get_by_test_id("end").click()
    expect(page.get_by_test_id(f"place-{res.bed1.pk}")).not_to_contain_text("Le Marcheur")
    expect(page.get_by_test_id(f"free-{res.bed1.pk}")).to_be_visible()
    expect(page.get_by_test_id("free-now")).to_contain_text("6")
    moved.refresh_from_db()
    assert (moved.exit_reason, moved.exit_destination) == ("oriented", "act")
