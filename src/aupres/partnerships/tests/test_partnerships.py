"""The partnerships register (issue #18): heads of the operator keep it, the team reads it, nobody else;
documents are PDFs; « partnerships signed » counts the written agreements in force in the period."""

import datetime

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
