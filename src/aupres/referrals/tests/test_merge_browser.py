"""On a phone: from the person page, "Merge with…", compare, keep the other record, land on it."""

import datetime

import pytest
from playwright.sync_api import expect

from aupres.followups.models import FollowUp
from aupres.persons.models import Note, Person
from conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_nurse_merges_two_records_of_one_person_from_the_person_page(world, page):
    twin = Person.objects.create(first_name="Amina", last_name="Benaly", birth_year=1980)
    FollowUp.objects.create(person=twin, service=world.service_b, opened_on=datetime.date(2026, 1, 5))
    Note.objects.create(person=twin, service=world.service_b, compartment="social", text="note du doublon")
    from aupres.referrals.tests.helpers import join
    from aupres.services.models import Profession

    join(world.users["nurse"], world.service_b, Profession.NURSE)
    sign_in(page, "nurse")
    page.goto(f"/personnes/{world.person.pk}/")
    page.get_by_test_id("merge-with").click()
    page.get_by_test_id(f"merge-candidate-{twin.pk}").click()
    expect(page.get_by_test_id("merge-identity")).to_contain_text("Benaly")
    expect(page.get_by_test_id(f"merge-side-{twin.pk}")).to_contain_text(world.service_b.name)
    page.check(f"input[name=keep][value='{twin.pk}']")
    page.get_by_test_id("merge-confirm").click()
    page.wait_for_url(f"**/personnes/{twin.pk}/")
    expect(page.get_by_text("note du doublon")).to_be_visible()
    expect(page.get_by_text("note-social-secrete")).to_be_visible()  # the absorbed record's note
    assert not Person.objects.filter(pk=world.person.pk).exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
