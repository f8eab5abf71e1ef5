"""The partnerships register (issue #18): heads of the operator keep it, the team reads it, nobody else;
documents are PDFs; « partnerships signed » counts the written agreements in force in the period."""

import datetime
import subprocess
import tempfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.indicators.engine import REGISTRY, Period
from aupres.partnerships import services
from aupres.partnerships.models import Partnership
from aupres.referrals.tests.helpers import tiny_pdf
from aupres.services.models import Service

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def _add(world, **over):
    values = {"partner": "DAC Métropole", "kind": "dac", "status": "written", "signed_on": TODAY,
              "starts_on": TODAY, "ends_on": None, "note": ""}
    values.update(over)
    return services.add(world.users["head_of_service"], world.service_a, values)


def test_heads_keep_the_register_and_the_team_reads_it(world, client_as):
    _add(world)
    nurse, outsider, foreign_head = world.users["nurse"], world.outsider, world.outsider_head
    assert [p.partner for p in services.partnerships(nurse, services.readable_service(nurse, world.service_a.pk))] \
        == ["DAC Métropole"]
    with pytest.raises(Forbidden):
        services.add(nurse, world.service_a, {"partner": "X", "kind": "pmi", "status": "planned"})
    for user in (outsider, foreign_head, world.users["funder"], world.users["partner"]):
        with pytest.raises(NotFound):
            services.readable_service(user, world.service_a.pk)
    url = reverse("partnerships:register", args=[world.service_a.pk])
    assert "DAC Métropole" in client_as(nurse).get(url).content.decode()
    assert client_as(foreign_head).get(url).status_code == 404
    assert client_as(nurse).post(url, {"partner": "Y", "kind": "pmi", "status": "planned"}).status_code == 403


def test_a_written_agreement_has_a_signature_date_and_a_pdf(world, client_as):
    with pytest.raises(DomainError) as error:
        _add(world, signed_on=None)
    assert error.value.field == "signed_on"
    with pytest.raises(DomainError):
        _add(world, starts_on=TODAY, ends_on=TODAY - datetime.timedelta(days=1))
    head = client_as(world.users["head_of_service"])
    url = reverse("partnerships:register", args=[world.service_a.pk])
    fake = SimpleUploadedFile("c.pdf", b"%PDF-1.4 not really", content_type="application/pdf")
    page = head.post(url, {"partner": "PMI Lille", "kind": "pmi", "status": "written",
                           "signed_on": TODAY.isoformat(), "document": fake})
    assert page.status_code == 200 and "PDF" in page.content.decode() and "PMI Lille" in page.content.decode()
    assert not Partnership.objects.exists()  # refused; what was typed is still on the form
    real = SimpleUploadedFile("c.pdf", tiny_pdf(), content_type="application/pdf")
    assert head.post(url, {"partner": "PMI Lille", "kind": "pmi", "status": "written",
                           "signed_on": TODAY.isoformat(), "document": real}).status_code == 302
    partnership = Partnership.objects.get()
    assert partnership.document and "PMI" not in partnership.document.name
    download = reverse("partnerships:document", args=[partnership.pk])
    assert client_as(world.users["nurse"]).get(download).status_code == 200
    assert client_as(world.outsider_head).get(download).status_code == 404


def test_partnerships_signed(world):
    """The indicator counts the written agreements in force."""
    year = Period(datetime.date(TODAY.year, 1, 1), datetime.date(TODAY.year, 12, 31))
    jan = datetime.date(TODAY.year, 1, 10)
    _add(world, partner="DAC", kind="dac", signed_on=jan, starts_on=jan)
    _add(world, partner="CHU", kind="hospital", signed_on=jan, starts_on=jan)
    _add(world, partner="PASS", kind="pass", signed_on=jan, starts_on=jan, ends_on=TODAY)  # ends in the period
    _add(world, partner="Mairie", kind="municipality", status="planned", signed_on=None)  # planned: not counted
    Partnership.objects.create(service=world.service_a, partner="Ancien", kind="dac", status="written",
                               signed_on=datetime.date(TODAY.year - 2, 1, 1),
                               ends_on=datetime.date(TODAY.year - 1, 12, 31))  # ended before the period
    Partnership.objects.create(service=world.service_b, partner="Autre", kind="pmi", status="written",
                               signed_on=jan)  # another service
    values = REGISTRY["partnerships_signed"].compute(Service.objects.filter(pk=world.service_a.pk), year)
    assert values == {"dac": 1, "pmi": 0, "hospital": 1, "pass": 1, "mediation": 0, "landlord": 0,
                      "municipality": 0, "other": 0}


def test_api(world, api_as):
    head = api_as(world.users["head_of_service"])
    created = head.post(f"/services/{world.service_a.pk}/partnerships", {
        "partner": "Médiation santé", "kind": "mediation", "status": "planned"})
    assert created.status_code == 201 and created.json()["has_document"] is False
    assert [p["partner"] for p in api_as(world.users["nurse"]).get(
        f"/services/{world.service_a.pk}/partnerships").json()] == ["Médiation santé"]
    assert api_as(world.outsider_head).get(f"/services/{world.service_a.pk}/partnerships").status_code == 404
    bad = head.post(f"/services/{world.service_a.pk}/partnerships", {
        "partner": "DAC", "kind": "dac", "status": "written"})
    assert bad.status_code == 400 and bad.json()["field"] == "signed_on"


# Change and end a partnership; the register as PDF ----------------------------------------------------------

def test_a_head_changes_and_ends_a_partnership_and_the_count_follows(world):
    head = world.users["head_of_service"]
    signed = TODAY - datetime.timedelta(days=400)
    p = _add(world, signed_on=signed, starts_on=signed)
    p = services.update(head, p.pk, {"partner": "DAC Métropole Nord", "note": "Convention 2025"}, p.version)
    assert (p.partner, p.note, p.version) == ("DAC Métropole Nord", "Convention 2025", 2)
    with pytest.raises(DomainError):  # a stale version
        services.update(head, p.pk, {"note": "x"}, 1)
    with pytest.raises(Forbidden):
        services.update(world.users["nurse"], p.pk, {"note": "x"}, p.version)
    with pytest.raises(NotFound):
        services.end(world.outsider_head, p.pk, TODAY, "x", p.version)
    with pytest.raises(DomainError) as error:
        services.end(head, p.pk, TODAY, "  ", p.version)
    assert error.value.field == "end_reason"
    with pytest.raises(DomainError) as error:
        services.end(head, p.pk, signed - datetime.timedelta(days=1), "Dénoncée", p.version)
    assert error.value.field == "ends_on"
    ended_on = TODAY - datetime.timedelta(days=30)
    p = services.end(head, p.pk, ended_on, "Convention dénoncée par le DAC", p.version)
    p.refresh_from_db()
    assert (p.ends_on, p.end_reason) == (ended_on, "Convention dénoncée par le DAC")
    services_qs = Service.objects.filter(pk=world.service_a.pk)
    count = REGISTRY["partnerships_signed"].compute
    before = Period(ended_on - datetime.timedelta(days=60), ended_on - datetime.timedelta(days=1))
    after = Period(ended_on + datetime.timedelta(days=1), TODAY)
    assert count(services_qs, before)["dac"] == 1 and count(services_qs, after)["dac"] == 0


def test_change_and_end_on_screen_and_api(world, client_as, api_as):
    head, nurse = world.users["head_of_service"], world.users["nurse"]
    p = _add(world)
    url = reverse("partnerships:partnership", args=[p.pk])
    assert client_as(nurse).get(url).status_code == 200
    assert client_as(nurse).post(url, {"what": "end", "ends_on": TODAY, "end_reason": "x",
                                       "version": p.version}).status_code == 403
    assert client_as(world.outsider_head).get(url).status_code == 404
    response = client_as(head).post(url, {"what": "edit", "partner": "PMI de Lille", "kind": "pmi",
                                          "status": "written", "signed_on": TODAY, "starts_on": TODAY, "note": "",
                                          "version": p.version})
    assert response.status_code == 302
    p.refresh_from_db()
    assert (p.partner, p.kind) == ("PMI de Lille", "pmi")
    response = client_as(head).post(url, {"what": "end", "ends_on": TODAY, "end_reason": "Fin du projet commun",
                                          "version": p.version})
    assert response.status_code == 302
    assert "Fin du projet commun" in client_as(nurse).get(
        reverse("partnerships:register", args=[world.service_a.pk])).content.decode()
    api = api_as(head)
    read = api.get(f"/partnerships/{p.pk}").json()
    assert read["end_reason"] == "Fin du projet commun"
    changed = api.client.put(f"/api/v1/partnerships/{p.pk}", data={
        "partner": "PMI de Lille-Sud", "kind": "pmi", "status": "written", "signed_on": str(TODAY),
        "starts_on": str(TODAY), "ends_on": str(TODAY), "version": read["version"]},
        content_type="application/json", headers=api.headers)
    assert changed.status_code == 200 and changed.json()["partner"] == "PMI de Lille-Sud"
    stale = api.post(f"/partnerships/{p.pk}/end", {"ends_on": str(TODAY), "end_reason": "x",
                                                   "version": read["version"]})
    assert stale.status_code == 409
    assert api_as(nurse).post(f"/partnerships/{p.pk}/end", {"ends_on": str(TODAY), "end_reason": "x",
                                                            "version": changed.json()["version"]}).status_code == 403
    assert api_as(world.outsider_head).get(f"/partnerships/{p.pk}").status_code == 404


def _pdf_words(pdf):
    """The PDF's text in reading order (pdftotext, poppler-utils), whitespace collapsed: a cell wrapped over two
    lines reads as one phrase."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        text = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, check=True,  # noqa: S603,S607
                              text=True).stdout
    return " ".join(text.split())


def test_the_register_as_pdf(world, client_as, api_as):
    _add(world)
    ended = _add(world, partner="Mairie de Roubaix", kind="municipality", signed_on=TODAY - datetime.timedelta(days=90),
                 starts_on=TODAY - datetime.timedelta(days=90))
    services.end(world.users["head_of_service"], ended.pk, TODAY - datetime.timedelta(days=1), "Changement d'équipe",
                 ended.version)
    _add(world, partner="Hôpital de la Croix", kind="hospital", status="planned", signed_on=None)
    response = client_as(world.users["nurse"]).get(reverse("partnerships:register_pdf", args=[world.service_a.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_words(response.content)
    for expected in ("DAC Métropole", "Mairie de Roubaix", "Hôpital de la Croix", "Changement d'équipe",
                     world.service_a.name):
        assert expected in text, expected
    assert "Conventions écrites en vigueur 1 " in text, text  # the ended one is no longer in force
    api = api_as(world.users["head_of_service"])
    assert api.get(f"/services/{world.service_a.pk}/partnerships.pdf").content.startswith(b"%PDF")
    assert api_as(world.outsider_head).get(f"/services/{world.service_a.pk}/partnerships.pdf").status_code == 404
    assert client_as(world.users["funder"]).get(
        reverse("partnerships:register_pdf", args=[world.service_a.pk])).status_code == 404


# The orientation form suggests the partnerships in force (D58) ------------------------------------------

def test_the_orientation_form_suggests_partnerships_in_force_and_marks_the_planned(world, client_as):
    yesterday, tomorrow = TODAY - datetime.timedelta(days=1), TODAY + datetime.timedelta(days=1)
    _add(world, partner="DAC Métropole")  # written, in force
    _add(world, partner="PMI Roubaix", kind="pmi", status="planned", signed_on=None, starts_on=None)
    _add(world, partner="CHU Lille", kind="hospital", starts_on=TODAY - datetime.timedelta(days=400),
         signed_on=TODAY - datetime.timedelta(days=400), ends_on=yesterday)  # ended yesterday
    _add(world, partner="CCAS Tourcoing", kind="municipality", starts_on=tomorrow)  # not started yet
    _add(world, partner="PASS Roubaix", kind="pass", ends_on=TODAY)  # its last day: still in force
    ended = _add(world, partner="Médiation Nord", kind="mediation", status="planned", signed_on=None,
                 starts_on=None)
    Partnership.objects.filter(pk=ended.pk).update(ends_on=yesterday, end_reason="abandonné")
    # The same partner planned on one service and written on the other: written wins.
    services.add(world.users["head_of_service"], world.service_b,
                 {"partner": "PASS Roubaix", "kind": "pass", "status": "planned", "signed_on": None,
                  "starts_on": None, "ends_on": None, "note": ""})
    assert sorted(p.partner for p in Partnership.objects.in_force()) == [
        "DAC Métropole", "PASS Roubaix", "PASS Roubaix", "PMI Roubaix"]
    assert sorted(p.partner for p in Partnership.objects.in_force(tomorrow)) == [
        "CCAS Tourcoing", "DAC Métropole", "PASS Roubaix", "PMI Roubaix"]

    html = client_as(world.users["social_worker"]).get(
        reverse("encounters:orientation_create", args=[world.person.pk])).content.decode()
    datalist = html.split("<datalist")[1].split("</datalist>")[0]
    assert datalist.count("<option") == 3
    assert '<option value="DAC Métropole">' in datalist and '<option value="PASS Roubaix">' in datalist
    assert '<option value="PMI Roubaix" label="PMI Roubaix — partenariat prévu">' in datalist
    for gone in ("CHU Lille", "CCAS Tourcoing", "Médiation Nord"):
        assert gone not in datalist
