"""The partner's form guides (issue #13): sections, the partner's own details remembered, document limits
announced and checked before the upload, every error at once with a summary; irreversible decisions ask
for a confirmation; « Accepter » preselects the record found."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aupres.persons.models import Person
from aupres.referrals.models import Referral, Status
from aupres.referrals.services import MAX_ATTACHMENT_BYTES
from aupres.referrals.tests.helpers import referral
from conftest import sign_in

SEND = "/orientations/envoyees/nouvelle/"


def _value(html, name):
    m = re.search(r'<input[^>]*name="%s"[^>]*>' % name, html)
    assert m, name
    v = re.search(r'value="([^"]*)"', m.group(0))
    return v.group(1) if v else ""


@pytest.mark.django_db
def test_the_form_is_in_sections_and_remembers_the_partner(world, client_as):
    partner = world.users["partner"]
    type(partner).objects.filter(pk=partner.pk).update(organisation="CHU de Lille — PASS", email="pass@chu.invalid")
    client = client_as(type(partner).objects.get(pk=partner.pk))
    html = client.get(SEND).content.decode()
    for key in ("you", "person", "household", "need", "documents"):
        assert f'data-testid="section-{key}"' in html
    assert _value(html, "referrer_organisation") == "CHU de Lille — PASS"
    assert _value(html, "referrer_email") == "pass@chu.invalid"
    response = client.post(SEND, {
        "service": world.service_a.pk, "source": "hospital", "referrer_organisation": "CHU de Lille — PASS",
        "referrer_name": "Dr Martin", "referrer_phone": "0320000000", "alias": "Pépé", "sex": "male",
        "needs": ["health"],
        "urgency": "programmed", "consent": "agrees", "minor_children": 0, "household_size": 1})
    body = response.content.decode()
    assert response.status_code == 302, body[body.find("error-summary"):][:1500]
    html = client.get(SEND).content.decode()
    assert _value(html, "referrer_phone") == "0320000000" and _value(html, "referrer_name") == "Dr Martin"
    assert 'value="hospital" selected' in html
    assert _value(html, "alias") == ""  # the person is never carried over


@pytest.mark.django_db
def test_document_limits_are_announced_before_the_upload(world, client_as):
    html = client_as(world.users["partner"]).get(SEND).content.decode()
    limits = html.split('data-testid="document-limits"')[1].split("</p>")[0]
    assert str(MAX_ATTACHMENT_BYTES // 2**20) in limits
    assert html.count(f'data-max-bytes="{MAX_ATTACHMENT_BYTES}"') == 4
    assert 'accept=".pdf,.jpg' in html


@pytest.mark.django_db
def test_every_error_is_shown_at_once_with_a_summary(world, client_as):
    response = client_as(world.users["partner"]).post(SEND, {
        "service": world.service_a.pk, "source": "", "referrer_email": "not-an-email", "urgency": "",
        "consent": "", "household_size": 1, "minor_children": 0})
    html = response.content.decode()
    summary = html.split('data-testid="error-summary"')[1].split("</div>")[0]
    links = re.findall(r'href="#field-(\w+)"', summary)
    assert {"needs", "referrer_email"} <= set(links) and len(links) >= 3
    for name in links:
        assert f'id="field-{name}"' in html
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_accept_preselects_the_record_found(world, client_as):
    r = referral(world.service_a, alias="", first_name="Amina", last_name="Benali", birth_year=1980)
    html = client_as(world.users["nurse"]).get(f"/orientations/{r.pk}/").content.decode()
    radio = re.search(r'<input[^>]*name="person"[^>]*value="%d"[^>]*>' % world.person.pk, html)
    assert radio and "checked" in radio.group(0)
    Person.objects.filter(pk=world.person.pk).update(first_name="Zoé", last_name="Zzz", alias="", search_text="")
    html = client_as(world.users["nurse"]).get(f"/orientations/{r.pk}/").content.decode()
    new = re.search(r'<input[^>]*name="person"[^>]*value=""[^>]*>', html)
    assert new is None or "checked" in new.group(0)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_file_too_large_is_refused_in_the_browser_before_the_upload(world, page):
    sign_in(page, "partner")
    with page.expect_navigation():  # waits for the new document's load, not the old one's
        page.click("#nav-new-referral")  # js/referrals.js (deferred) listens for the files chosen
    big = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-" + b"0" * MAX_ATTACHMENT_BYTES}
    page.set_input_files("#id_doc_medical_file", files=[big])
    error = page.locator("#field-doc_medical_file [data-file-error]")
    expect(error).to_be_visible()
    expect(error).to_contain_text(str(MAX_ATTACHMENT_BYTES // 2**20))
    assert page.eval_on_selector("#id_doc_medical_file", "e => e.files.length") == 0
    page.set_input_files("#id_doc_medical_file", files=[{"name": "ok.pdf", "mimeType": "application/pdf",
                                                         "buffer": b"%PDF-1.4 small"}])
    expect(error).to_be_hidden()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_declining_asks_for_a_confirmation(world, page):
    r = referral(world.service_a, alias="Le Passant")
    sign_in(page, "nurse")
    page.click("#nav-referrals")
    with page.expect_navigation():  # the confirmation's script must be attached before « Refuser »
        page.get_by_test_id(f"referral-{r.pk}").click()
    page.once("dialog", lambda d: d.dismiss())
    page.get_by_test_id("decline").click()
    page.wait_for_timeout(300)
    r.refresh_from_db()
    assert r.status == Status.PENDING
    page.once("dialog", lambda d: d.accept())
    page.get_by_test_id("decline").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("status")).to_be_visible()
    r.refresh_from_db()
    assert r.status == Status.DECLINED and r.decided_at <= timezone.now()


@pytest.mark.django_db
@pytest.mark.parametrize(("values", "field"), [
    ({"household_size": 0, "minor_children": 0}, "household_size"),
    ({"household_size": 1, "minor_children": 99}, "minor_children"),
    ({"household_size": 2, "minor_children": 2}, "minor_children"),
    ({"household_size": 31, "minor_children": 0}, "household_size"),
    ({"estimated_age": 130}, "estimated_age"),
    ({"prescription_date": "1850-01-01"}, "prescription_date"),
    ({"on_street_since": "1901-05-01"}, "on_street_since"),
])
def test_implausible_values_are_refused_beside_their_field(world, client_as, values, field):
    data = {"service": world.service_a.pk, "source": "hospital", "alias": "Pépé", "sex": "male",
            "needs": ["health"], "urgency": "programmed", "consent": "agrees", "minor_children": 0,
            "household_size": 1, "referrer_phone": "0320000000", **values}
    html = client_as(world.users["partner"]).post(SEND, data).content.decode()
    assert f'href="#field-{field}"' in html.split('data-testid="error-summary"')[1].split("</div>")[0]
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_all_rule_errors_at_once(world, client_as):
    """Broken rules of the service (no name, household of 0, prescription of 1850) all show together."""
    html = client_as(world.users["partner"]).post(SEND, {
        "service": world.service_a.pk, "source": "hospital", "sex": "male", "needs": ["health"],
        "urgency": "programmed", "consent": "agrees", "minor_children": 0, "household_size": 0,
        "prescription_date": "1850-01-01"}).content.decode()
    summary = html.split('data-testid="error-summary"')[1].split("</div>")[0]
    assert set(re.findall(r'href="#field-(\w+)"', summary)) == {"alias", "household_size", "prescription_date"}


def test_plausible_ranges_at_their_edges():
    """The last plausible value passes, the next one is refused (docs/decisions.md, issue #13)."""
    from aupres.referrals.services import referral_value_errors

    today = datetime.date(2026, 12, 1)
    base = {"source": "hospital", "alias": "X", "needs": ["health"]}

    def fields(**values):
        return {e.field for e in referral_value_errors({**base, **values}, today=today)}

    assert fields(household_size=2, minor_children=1) == set()
    assert fields(household_size=2, minor_children=2) == {"minor_children"}
    assert fields(household_size=30, estimated_age=120) == set()
    assert fields(estimated_age=121) == {"estimated_age"}
    assert fields(prescription_date=today - datetime.timedelta(days=730)) == set()
    assert fields(prescription_date=today - datetime.timedelta(days=731)) == {"prescription_date"}
    assert fields(on_street_since=datetime.date(1950, 1, 1)) == set()
    assert fields(on_street_since=datetime.date(1949, 12, 31)) == {"on_street_since"}


def test_the_api_still_answers_the_first_error():
    from aupres.core.errors import DomainError
    from aupres.referrals.services import check_referral_values

    with pytest.raises(DomainError) as error:
        check_referral_values({"source": "hospital", "alias": "X", "needs": ["health"], "household_size": 0})
    assert error.value.field == "household_size"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_the_browser_a_chosen_file_is_kept_through_an_error_with_progress_shown(world, page):
    from aupres.referrals.tests.helpers import tiny_pdf

    sign_in(page, "partner")
    with page.expect_navigation():
        page.click("#nav-new-referral")
    # A file of a type not allowed is refused at once, beside its field.
    page.set_input_files("#id_doc_other", files=[{"name": "notes.docx", "mimeType": "application/msword",
                                                  "buffer": b"PK\x03\x04"}])
    expect(page.locator("#field-doc_other [data-file-error]")).to_contain_text("PDF, JPEG ou PNG")
    page.select_option("#id_service", str(world.service_a.pk))
    page.select_option("#id_source", "hospital")
    page.fill("#id_alias", "Pépé")
    page.check("input[name=needs][value=health]")
    page.fill("#id_household_size", "0")  # an error the server finds
    page.set_input_files("#id_doc_medical_file", files=[{"name": "bilan.pdf", "mimeType": "application/pdf",
                                                         "buffer": tiny_pdf()}])
    seen = []
    page.expose_function("progressSeen", lambda v: seen.append(v))
    page.evaluate("""() => document.addEventListener('htmx:xhr:progress',
                                                    e => window.progressSeen(e.detail.loaded))""")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    expect(page.get_by_test_id("kept-doc_medical_file")).to_contain_text("bilan.pdf")
    assert seen, "the upload reported its progress"
    assert not Referral.objects.exists()
    page.fill("#id_household_size", "1")
    page.get_by_test_id("send").click()
    page.wait_for_url("**/orientations/envoyees/")
    sent = Referral.objects.get()
    assert list(sent.attachments.values_list("original_name", flat=True)) == ["bilan.pdf"]
