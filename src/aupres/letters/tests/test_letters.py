"""Letters (issue #17, D51): placeholders filled in the PDF (read back by pdftotext), access per role,
the sandbox (nothing outside the whitelisted context), journaled."""

import shutil
import subprocess

import pytest

from aupres.audit.models import AccessEvent
from aupres.core.errors import DomainError, NotFound
from aupres.letters import services
from aupres.letters.models import LetterTemplate

pytestmark = pytest.mark.django_db
BODY = """Madame, Monsieur,

Nous vous adressons {{ person.first_name }} {{ person.last_name|upper }}{% if person.alias %}, dit \
« {{ person.alias }} »{% endif %}, né le {{ person.birth_date|date:"d/m/Y" }}, suivi par {{ service.name }}.

{{ author.name }}"""


def pdf_text(pdf):
    assert pdf.startswith(b"%PDF")
    found = subprocess.run(  # noqa: S603 (pdftotext, from Debian's poppler-utils)
        [shutil.which("pdftotext"), "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(found.stdout.decode().split())


@pytest.fixture
def template(world):
    return services.create_template(world.users["head_of_service"], world.service_a.pk, "Lettre d'orientation",
                                    "referral_letter", BODY)


def test_the_letter_fills_the_placeholders(world, template, api_as):
    response = api_as(world.users["social_worker"]).post(f"/persons/{world.person.pk}/letters",
                                                         {"template": template.pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    name = f'attachment; filename="lettre-referral-letter-{world.person.pk}-'
    assert response["Content-Disposition"].startswith(name)
    text = pdf_text(response.content)
    assert "Nous vous adressons Amina BENALI, dit « Mina », né le 01/05/1980, suivi par EMSP A." in text
    assert "Social_worker" in text and "Lettre d'orientation" in text


def test_a_template_reaches_nothing_outside_its_context(world):
    head = world.users["head_of_service"]
    for refused in ("{% load static %}", "{% debug %}", "{% include 'base.html' %}", "{% url 'home' %}",
                    "{% csrf_token %}", "{% extends 'base.html' %}", "{{ person.first_name|safe }}",
                    "{% for x in person %}{% endfor %}", "{% now 'Y' %}", "{{ person.first_name.__class__ }}"):
        with pytest.raises(DomainError) as error:
            services.create_template(head, world.service_a.pk, "T", "referral_letter", refused)
        assert error.value.field == "body", refused
    # unknown names and private attributes render as nothing
    template = services.create_template(
        head, world.service_a.pk, "T", "referral_letter",
        "[{{ request }}][{{ settings.SECRET_KEY }}][{{ csrf_token }}][{{ user.password }}]"
        "[{{ person.pk }}][{{ service.operator }}]")
    text = services.render_body(template, services.letter_context(world.person, template, None, head))
    assert text == "[][][][][][Opérateur A]"


def test_who_generates_and_who_edits(world, template, api_as, client_as):
    path = f"/persons/{world.person.pk}/letters"
    for role in ("nurse", "mediator", "head_of_service"):
        assert api_as(world.users[role]).post(path, {"template": template.pk}).status_code == 200, role
    for user in (world.outsider, world.outsider_head, world.users["funder"], world.users["partner"]):
        assert api_as(user).post(path, {"template": template.pk}).status_code == 404
    # a template of a service that does not follow the person: refused on its content
    other = LetterTemplate.objects.create(service=world.service_b, title="B", kind="referral_letter", body="x")
    assert api_as(world.users["nurse"]).post(path, {"template": other.pk}).status_code == 400
    # editing: the head of service only
    patch = {"title": "Nouveau", "kind": "admission_request", "body": "{{ person.alias }}", "version": 1}
    assert api_as(world.users["social_worker"]).patch(f"/letter-templates/{template.pk}", patch).status_code == 404
    assert api_as(world.outsider_head).patch(f"/letter-templates/{template.pk}", patch).status_code == 404
    response = api_as(world.users["head_of_service"]).patch(f"/letter-templates/{template.pk}", patch)
    assert response.status_code == 200 and response.json()["version"] == 2
    assert api_as(world.users["head_of_service"]).patch(f"/letter-templates/{template.pk}", patch).status_code == 409
    with pytest.raises(NotFound):
        services.create_template(world.users["nurse"], world.service_a.pk, "T", "referral_letter", "x")
    refused = api_as(world.users["head_of_service"]).post(
        f"/services/{world.service_a.pk}/letter-templates",
        {"title": "T", "kind": "referral_letter", "body": "{% load static %}"})
    assert refused.status_code == 400


def test_generating_is_journaled_without_content(world, template, api_as):
    nurse = world.users["nurse"]
    api_as(nurse).post(f"/persons/{world.person.pk}/letters", {"template": template.pk})
    event = AccessEvent.objects.concerning(world.person.pk).filter(user=nurse, action="export").get()
    assert event.compartments == "administrative" and event.service_id == world.service_a.pk
    assert "Amina" not in str(event.__dict__)


def test_from_the_person_page_to_the_pdf(world, template, client_as):
    client = client_as(world.users["social_worker"])
    detail = client.get(f"/personnes/{world.person.pk}/")
    assert b'data-testid="person-action-letters"' in detail.content
    page = client.get(f"/lettres/personnes/{world.person.pk}/")
    assert page.status_code == 200 and b"Lettre d&#x27;orientation" in page.content
    response = client.post(f"/lettres/personnes/{world.person.pk}/pdf/", {"template": template.pk})
    assert response["Content-Type"] == "application/pdf"
    assert "Amina BENALI" in pdf_text(response.content)
    head = client_as(world.users["head_of_service"])
    assert f'data-testid="letter-templates-{world.service_a.pk}"'.encode() in head.get(
        f"/lettres/personnes/{world.person.pk}/").content
    listing = head.get(f"/lettres/services/{world.service_a.pk}/modeles/")
    assert listing.status_code == 200 and b'data-testid="letter-template-add"' in listing.content
    saved = head.post(f"/lettres/modeles/{template.pk}/", {"title": "Lettre", "kind": "referral_letter",
                                                           "body": "Bonjour {{ person.first_name }}",
                                                           "version": template.version})
    assert saved.status_code == 302
    refused = head.post(f"/lettres/services/{world.service_a.pk}/modeles/nouveau/",
                        {"title": "T", "kind": "referral_letter", "body": "{% debug %}"})
    assert refused.status_code == 400 and LetterTemplate.objects.count() == 1
    assert client.get(f"/lettres/modeles/{template.pk}/").status_code == 404
