"""Screens: dashboards with charts, the funders' view, budget entry, report sections and generation."""

import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from aupres.indicators.models import ReportGeneration, ReportSection, ServiceYearBudget
from aupres.indicators.tests.dataset import Dataset

pytestmark = pytest.mark.django_db

YEAR = "?start=2025-01-01&end=2025-12-31"


@pytest.fixture
def data(world):
    return Dataset(world)


def test_the_service_dashboard_shows_charts_tables_and_no_name(data, world, client_as):
    r = client_as(world.users["social_worker"]).get(f"/indicateurs/dispositifs/{data.a.pk}/{YEAR}")
    assert r.status_code == 200
    html = r.content.decode()
    assert html.count("<svg") >= 8 and "<title id=" in html and "<desc id=" in html
    assert 'data-testid="indicator-encounters_by_place"' in html
    assert "&lt; 5" in html
    assert " style=" not in html and "<script>" not in html
    for name in ("Ulrika", "Dorotheo", "Trifonia", "Amina"):
        assert name not in html
    assert 'action="/indicateurs/dispositifs/' not in html  # not head of service: no submission form


def test_the_head_submits_from_the_dashboard(data, world, client_as):
    client = client_as(world.users["head_of_service"])
    html = client.get(f"/indicateurs/dispositifs/{data.a.pk}/{YEAR}").content.decode()
    assert "transmettre" in html
    r = client.post(f"/indicateurs/dispositifs/{data.a.pk}/transmettre/",
                    {"start": "2025-01-01", "end": "2025-12-31", "comment": "v1"})
    assert r.status_code == 302
    assert data.a.submissions.get().version == 1


def test_a_submission_refused_answers_403_in_words_or_404(data, world, client_as):
    """The submit view lets NotFound and Forbidden through to DomainErrorMiddleware (D63): a member who is not
    the head reads why (403), a service out of reach answers 404, and neither is submitted."""
    body = {"start": "2025-01-01", "end": "2025-12-31"}
    r = client_as(world.users["social_worker"]).post(f"/indicateurs/dispositifs/{data.a.pk}/transmettre/", body)
    assert r.status_code == 403 and "Seuls les chef·fes de service de ce dispositif" in r.content.decode()
    r = client_as(world.outsider).post(f"/indicateurs/dispositifs/{data.a.pk}/transmettre/", body)
    assert r.status_code == 404
    assert not data.a.submissions.exists()


def test_dashboards_are_closed_to_others(data, world, client_as):
    assert client_as(world.outsider).get(f"/indicateurs/dispositifs/{data.a.pk}/").status_code == 404
    assert client_as(world.outsider).get(f"/indicateurs/organismes/{world.operator.pk}/").status_code == 404
    assert client_as(world.users["head_of_service"]).get(
        f"/indicateurs/organismes/{world.operator.pk}/{YEAR}").status_code == 200
    assert client_as(world.users["funder"]).get(f"/indicateurs/dispositifs/{data.a.pk}/").status_code == 404
    assert client_as(world.users["funder"]).get(
        f"/indicateurs/export/service/{data.a.pk}.csv{YEAR}").status_code == 200  # its territory only: empty
    assert b"Ulrika" not in client_as(world.users["funder"]).get(
        f"/indicateurs/export/service/{data.a.pk}.csv{YEAR}").content


def test_the_funder_screen_shows_submitted_tables(data, world, client_as, api_as):
    world.users["funder"].territory = world.territory
    world.users["funder"].save()
    api_as(world.users["head_of_service"]).post("/submissions", {"service": data.a.pk, "from": "2025-01-01",
                                                                 "to": "2025-12-31"})
    html = client_as(world.users["funder"]).get(f"/indicateurs/territoire/{YEAR}").content.decode()
    assert "EMSP A" in html and 'data-testid="indicator-acts_by_kind"' in html and "<svg" in html
    assert "Ulrika" not in html
    # A table of contents opens the page, one link per indicator shown (issue #13).
    toc = html.split('data-testid="funder-toc"')[1].split("</nav>")[0]
    sections = re.findall(r'<section class="card indicator" id="ind-(\w+)"', html)
    assert sections and re.findall(r'href="#ind-(\w+)"', toc) == sections
    assert "période déterminée par : " in html  # French spacing before the colon


def test_only_the_head_enters_the_budget(data, world, client_as):
    url = f"/indicateurs/dispositifs/{data.a.pk}/budget/"
    body = {"what": "budget", "year": 2026, "funder": "state", "amount": "1200.50"}
    client_as(world.users["nurse"]).post(url, body)
    assert not ServiceYearBudget.objects.filter(year=2026).exists()
    assert client_as(world.users["head_of_service"]).post(url, body).status_code == 302
    assert ServiceYearBudget.objects.get(year=2026).amount == 1200.5


def test_report_sections_generation_and_pdf(data, world, client_as, django_capture_on_commit_callbacks):
    head = client_as(world.users["head_of_service"])
    url = f"/indicateurs/dispositifs/{data.a.pk}/rapport/2025/"
    assert head.post(url, {"title": "Faits marquants", "text": "Une année de maraudes."}).status_code == 302
    section = ReportSection.objects.get()
    assert head.post(url, {"section_id": section.pk, "version": 99, "title": "X", "text": "Y"}).status_code == 200
    assert ReportSection.objects.get().title == "Faits marquants"  # stale edit refused
    html = head.get(url + "apercu/").content.decode()
    assert "Faits marquants" in html and "EMSP A" in html and "<svg" in html and "Ulrika" not in html
    # The task is queued once the request's transaction commits (here, at the end of the block).
    with django_capture_on_commit_callbacks(execute=True) as queued:
        r = head.post(url + "generer/")
        assert r.status_code == 200 and 'data-status="queued"' in r.content.decode()
    assert len(queued) == 1
    gen = ReportGeneration.objects.get()
    assert gen.status == "done" and gen.progress == 100, gen.error
    assert 'data-testid="download-pdf"' in head.get(f"/indicateurs/rapports/{gen.pk}/etat/").content.decode()
    pdf = head.get(f"/indicateurs/rapports/{gen.pk}/fichier/")
    content = b"".join(pdf.streaming_content)
    assert content.startswith(b"%PDF")
    assert client_as(world.outsider).get(f"/indicateurs/rapports/{gen.pk}/fichier/").status_code == 404
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.pdf"
        path.write_bytes(content)
        subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(Path(tmp) / "p")], check=True)  # noqa: S603,S607
        assert len(list(Path(tmp).glob("p-*.png"))) >= 2


def test_report_api_starts_then_gives_status_and_file(data, world, api_as, django_capture_on_commit_callbacks):
    nurse = api_as(world.users["nurse"])
    with django_capture_on_commit_callbacks(execute=True):
        r = nurse.post(f"/reports/{data.a.pk}/2025")
        assert r.status_code == 202 and r.json()["status"] == "queued"
    status = nurse.get(f"/reports/{data.a.pk}/2025").json()
    assert status["progress"] == 100 and status["download_url"].endswith("/file")
    f = nurse.client.get(status["download_url"], headers=nurse.headers)
    assert f.status_code == 200 and b"".join(f.streaming_content).startswith(b"%PDF")
    assert api_as(world.outsider).get(f"/reports/{data.a.pk}/2025").status_code == 404


def test_the_funder_page_reads_each_indicators_rows_when_opened(data, world, client_as, api_as):
    """The page carries each indicator's Sum and a link to its rows (htmx loads them when the indicator is
    opened); the rows are the services' as submitted, for the funder of the territory only."""
    world.users["funder"].territory = world.territory
    world.users["funder"].save()
    api_as(world.users["head_of_service"]).post("/submissions", {"service": data.a.pk, "from": "2025-01-01",
                                                                 "to": "2025-12-31"})
    funder = client_as(world.users["funder"])
    html = funder.get(f"/indicateurs/territoire/{YEAR}").content.decode()
    section = html.split('data-testid="indicator-acts_by_kind"')[1].split("</section>")[0]
    url = f"/indicateurs/territoire/acts_by_kind/{YEAR}".replace("&", "&amp;")
    assert f'hx-get="{url}"' in section and f'href="{url}"' in section
    assert "Opérateur A — EMSP A" not in section and 'class="total"' in section  # the Sum, not the rows
    rows = funder.get(f"/indicateurs/territoire/acts_by_kind/{YEAR}", headers={"HX-Request": "true"})
    assert rows.status_code == 200
    body = rows.content.decode()
    assert body.startswith('<tbody id="rows-acts_by_kind">') and "Opérateur A — EMSP A" in body
    page = funder.get(f"/indicateurs/territoire/acts_by_kind/{YEAR}").content.decode()  # without script
    assert "Opérateur A — EMSP A" in page and "<html" in page and 'class="total"' in page
    assert funder.get(f"/indicateurs/territoire/nothing/{YEAR}").status_code == 404
    assert client_as(world.users["head_of_service"]).get(
        f"/indicateurs/territoire/acts_by_kind/{YEAR}").status_code == 404
    from aupres.services.models import Territory

    world.users["funder"].territory, _new = Territory.objects.get_or_create(
        level="departement", code="62", defaults={"name": "Pas-de-Calais"})
    world.users["funder"].save()
    other = funder.get(f"/indicateurs/territoire/acts_by_kind/{YEAR}", headers={"HX-Request": "true"})
    assert "EMSP A" not in other.content.decode()
