"""A nurse's morning round on a tablet (768×1024): the ward's day view, then each patient's care record where
the morning dose, a targeted transmission and a pain score are recorded — two screens per patient."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from aupres.care.models import Administration, Prescription, ScaleResult, Transmission
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.services.models import Membership, ServiceKind
from conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_nurse_records_the_morning_round_on_a_tablet(world, browser, live_server):
    lhss = world.service("LHSS Lille", ServiceKind.objects.get(code="lhss_residential"), world.operator)
    nurse = world.users["nurse"]
    Membership.objects.create(user=nurse, service=lhss, profession="nurse", etp=Decimal("1"),
                              start_date=datetime.date(2025, 1, 1))
    today = timezone.localdate()
    patients = []
    for i, (first, last) in enumerate((("Paul", "Aubert"), ("Rose", "Barre"), ("Ali", "Chaouch"))):
        person = Person.objects.create(first_name=first, last_name=last)
        FollowUp.objects.create(person=person, service=lhss, opened_on=today - datetime.timedelta(days=5))
        Prescription.objects.create(person=person, service=lhss, drug=f"Médicament {i}", dose="1 cp", times=["08:00"],
                                    starts_on=today - datetime.timedelta(days=5), prescriber="Dr Roux")
        patients.append(person)

    context = browser.new_context(base_url=live_server.url, viewport={"width": 768, "height": 1024}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, "nurse")
    page.click("#nav-care")
    page.click(f'[data-testid="ward-{lhss.pk}"]')
    ward_url = page.url
    for person in patients:
        screens = {re.sub(r"\?.*", "", page.url)}
        page.click(f'[data-testid="patient-{person.pk}"]')
        screens.add(re.sub(r"\?.*", "", page.url))
        prescription = Prescription.objects.get(person=person)
        page.click(f'[data-testid="give-{prescription.pk}-0800"]')
        page.wait_for_selector(f'[data-testid="slot-{prescription.pk}-0800"][data-state="given"]')
        page.fill("#transmission-form #id_target", "Douleur")
        page.fill("#transmission-form #id_data", "Se plaint du genou")
        page.fill("#transmission-form #id_actions", "Antalgique donné")
        page.click("#transmission-submit")
        page.wait_for_selector("text=Se plaint du genou")
        page.fill("#pain-form #id_pain", "4")
        page.click("#pain-submit")
        page.wait_for_selector('[data-testid="scale-chart-pain_nrs"]')
        screens.add(re.sub(r"\?.*", "", page.url))
        page.click(f'[data-testid="back-ward-{lhss.pk}"]')
        assert page.url == ward_url
        assert len(screens) <= 2, screens
        page.wait_for_selector(f'[data-testid="slot-{prescription.pk}-0800"].dose-given')
    context.close()

    assert Administration.objects.filter(service=lhss, due_on=today, status="given").count() == 3
    assert Transmission.objects.filter(service=lhss, target="Douleur").count() == 3
    assert list(ScaleResult.objects.filter(service=lhss, scale="pain_nrs").values_list("score", flat=True)) == [4] * 3


@pytest.mark.parametrize("width", [360, 1366])
def test_a_doctor_codes_a_problem_with_the_picker_then_resolves_it(world, browser, live_server, width):
    """The ICD-10 picker (htmx POST, js/care.js) fills the code; the problem's status is changed on its page."""
    from aupres.care.models import Condition

    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, "doctor")
    page.goto(f"/soins/personnes/{world.person.pk}/")
    page.click("text=Coder un problème de santé")
    with page.expect_request(lambda r: r.url.endswith("/soins/cim10/") and r.method == "POST") as searched:
        page.fill('[data-testid="icd10-q"]', "escarre")
    assert "escarre" not in searched.value.url  # what is typed travels in the body only
    page.click('[data-testid="icd10-L89.1"]')
    assert page.input_value("#condition-form #id_code") == "L89.1"
    page.click("#condition-form button[type=submit]")
    page.wait_for_selector("text=L89.1")
    condition = Condition.objects.get(person=world.person, code="L89.1")
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    page.click(f'[data-testid="condition-edit-{condition.pk}"]')
    page.select_option("#id_status", "resolved")
    page.click("#condition-edit-form-submit")
    page.wait_for_selector(f'[data-testid="condition-{condition.pk}"]')
    condition.refresh_from_db()
    assert condition.status == "resolved" and condition.version == 2
    context.close()
