"""Issue #13: the partner's chosen documents are kept when the form comes back with errors (checked, kept
server-side under the form's token, in the sender's session), replaced or removed on demand, and become
the referral's attachments once it is sent; the form sends through htmx (upload progress) and still works
without JavaScript."""

import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from aupres.referrals.models import Referral
from aupres.referrals.services import PENDING_DIR
from aupres.referrals.tests.helpers import tiny_pdf

pytestmark = pytest.mark.django_db

SEND = "/orientations/envoyees/nouvelle/"


def _token(html):
    return re.search(r'name="upload_token" value="([^"]+)"', html).group(1)


def _values(world, **changes):
    values = {"service": world.service_a.pk, "source": "hospital", "referrer_name": "Dr Martin",
              "referrer_phone": "0320000000", "alias": "Pépé", "sex": "male", "needs": ["health"],
              "urgency": "programmed", "consent": "agrees", "minor_children": 0, "household_size": 1}
    values.update(changes)
    return values


def _pdf(name="scan.pdf"):
    return SimpleUploadedFile(name, tiny_pdf(), content_type="application/pdf")


def test_a_chosen_file_survives_an_error_and_is_sent_with_the_referral(world, client_as):
    client = client_as(world.users["partner"])
    token = _token(client.get(SEND).content.decode())
    first = client.post(SEND, {**_values(world, household_size=0), "upload_token": token,
                               "doc_medical_file": _pdf("bilan.pdf")})
    assert first.status_code == 200 and "household_size" in first.context["form"].errors
    html = first.content.decode()
    kept = html.split('data-testid="kept-files"')[1].split("</div>")[0]
    assert "bilan.pdf" in kept and 'name="remove_doc_medical_file"' in kept
    assert _token(html) == token and not Referral.objects.exists()
    # Corrected, without choosing the file again: the kept file goes with the referral.
    second = client.post(SEND, {**_values(world), "upload_token": token})
    assert second.status_code == 302, second.context and second.context["form"].errors
    referral = Referral.objects.get()
    attachment = referral.attachments.get()
    assert (attachment.kind, attachment.original_name) == ("medical_file", "bilan.pdf")
    assert attachment.file.read().startswith(b"%PDF")
    _dirs, left = default_storage.listdir(f"{PENDING_DIR}/{token}")
    assert left == []  # the kept copy is gone once sent


def test_a_kept_file_can_be_removed_or_replaced(world, client_as):
    client = client_as(world.users["partner"])
    token = _token(client.get(SEND).content.decode())
    client.post(SEND, {**_values(world, needs=[]), "upload_token": token, "doc_social_file": _pdf("a.pdf"),
                       "doc_other": _pdf("b.pdf")})
    replaced = client.post(SEND, {**_values(world, needs=[]), "upload_token": token,
                                  "doc_social_file": _pdf("a2.pdf"), "remove_doc_other": "1"})
    kept = replaced.content.decode().split('data-testid="kept-files"')[1].split("</div>")[0]
    assert "a2.pdf" in kept and "a.pdf" not in kept.replace("a2.pdf", "") and "b.pdf" not in kept
    assert client.post(SEND, {**_values(world), "upload_token": token}).status_code == 302
    assert list(Referral.objects.get().attachments.values_list("original_name", flat=True)) == ["a2.pdf"]


def test_a_file_refused_is_not_kept_and_its_error_is_beside_its_field(world, client_as):
    client = client_as(world.users["partner"])
    token = _token(client.get(SEND).content.decode())
    fake = SimpleUploadedFile("fake.pdf", b"%PDF-1.4 not really", content_type="application/pdf")
    r = client.post(SEND, {**_values(world), "upload_token": token, "doc_medical_file": fake})
    assert r.status_code == 200
    assert r.context["form"].errors["doc_medical_file"] == ["Envoyez un fichier PDF, JPEG ou PNG."]
    assert 'data-testid="kept-files"' not in r.content.decode() and not Referral.objects.exists()


def test_another_account_cannot_use_the_token(world, client_as):
    from aupres.accounts.models import AccountKind, User

    client = client_as(world.users["partner"])
    token = _token(client.get(SEND).content.decode())
    client.post(SEND, {**_values(world, needs=[]), "upload_token": token, "doc_medical_file": _pdf()})
    other = User.objects.create_user(username="partner2", password="x", kind=AccountKind.PARTNER)
    r = client_as(other).post(SEND, {**_values(world), "upload_token": token})
    assert r.status_code == 302
    assert not Referral.objects.get(sent_by=other).attachments.exists()


def test_through_htmx_a_sent_referral_redirects_the_page(world, client_as):
    client = client_as(world.users["partner"])
    html = client.get(SEND).content.decode()
    assert 'hx-post="/orientations/envoyees/nouvelle/"' in html and 'hx-encoding="multipart/form-data"' in html
    assert 'data-testid="upload-progress"' in html and 'data-types=".pdf,.jpg,.jpeg,.png"' in html
    r = client.post(SEND, {**_values(world), "upload_token": _token(html), "doc_medical_file": _pdf()},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r["HX-Redirect"] == "/orientations/envoyees/"
    assert Referral.objects.get().attachments.count() == 1


# The team's own intake (/orientations/nouvelle/) keeps chosen files the same way (issue #13).
INTAKE = "/orientations/nouvelle/"


def _intake_values(world, **changes):
    values = {"service": world.service_a.pk, "source": "street_team", "alias": "Le Marin", "sex": "male",
              "needs": ["health"], "urgency": "programmed", "consent": "agrees", "minor_children": 0,
              "household_size": 1}
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def test_the_team_intake_keeps_a_chosen_file_through_an_error(world, client_as):
    client = client_as(world.users["nurse"])
    token = _token(client.get(INTAKE).content.decode())
    first = client.post(INTAKE, {**_intake_values(world, urgency=None), "upload_token": token,
                                 "doc_social_file": _pdf("rapport.pdf")})
    assert first.status_code == 200 and "urgency" in first.context["form"].errors
    html = first.content.decode()
    assert 'data-testid="error-summary"' in html
    kept = html.split('data-testid="kept-files"')[1].split("</div>")[0]
    assert "rapport.pdf" in kept and 'name="remove_doc_social_file"' in kept
    assert _token(html) == token and not Referral.objects.exists()
    second = client.post(INTAKE, {**_intake_values(world), "upload_token": token})
    assert second.status_code == 302, second.context and second.context["form"].errors
    referral = Referral.objects.get()
    assert second["Location"] == f"/orientations/{referral.pk}/"
    attachment = referral.attachments.get()
    assert (attachment.kind, attachment.original_name) == ("social_file", "rapport.pdf")
    assert attachment.file.read().startswith(b"%PDF")
    _dirs, left = default_storage.listdir(f"{PENDING_DIR}/{token}")
    assert left == []


def test_the_team_intake_kept_file_can_be_removed(world, client_as):
    client = client_as(world.users["nurse"])
    token = _token(client.get(INTAKE).content.decode())
    client.post(INTAKE, {**_intake_values(world, needs=None), "upload_token": token, "doc_other": _pdf("x.pdf")})
    removed = client.post(INTAKE, {**_intake_values(world, needs=None), "upload_token": token,
                                   "remove_doc_other": "1"})
    assert 'data-testid="kept-files"' not in removed.content.decode()
    assert client.post(INTAKE, {**_intake_values(world), "upload_token": token}).status_code == 302
    assert not Referral.objects.get().attachments.exists()


def test_another_account_cannot_name_a_file_kept_on_the_team_intake(world, client_as):
    nurse = client_as(world.users["nurse"])
    token = _token(nurse.get(INTAKE).content.decode())
    nurse.post(INTAKE, {**_intake_values(world, urgency=None), "upload_token": token,
                        "doc_medical_file": _pdf("secret.pdf")})
    colleague = client_as(world.users["social_worker"])
    shown = colleague.post(INTAKE, {**_intake_values(world, urgency=None), "upload_token": token})
    assert shown.status_code == 200 and "secret.pdf" not in shown.content.decode()
    sent = colleague.post(INTAKE, {**_intake_values(world, alias="Autre"), "upload_token": token})
    assert sent.status_code == 302
    assert not Referral.objects.get(alias="Autre").attachments.exists()
    # The kept copy stays the nurse's: her corrected form still sends it.
    assert nurse.post(INTAKE, {**_intake_values(world), "upload_token": token}).status_code == 302
    assert Referral.objects.get(alias="Le Marin").attachments.get().original_name == "secret.pdf"
