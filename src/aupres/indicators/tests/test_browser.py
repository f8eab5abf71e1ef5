"""A head of service of the demo generates and downloads the PDF activity report of a demo service."""

import os
import subprocess
from pathlib import Path

import pytest

from aupres.demo.loader import Demo
from aupres.indicators.models import ReportGeneration, ServiceYearBudget, Submission
from conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Kept after the run, to look at the pages (a reviewer opens page-01.png).
OUT = Path(os.environ.get("AUPRES_REPORT_PNG_DIR", "/tmp/aupres-indicators-report"))  # noqa: S108


def test_head_downloads_the_pdf_report_of_a_demo_service(page, settings):
    settings.DEMO = True
    demo = Demo(persons=50)
    demo.load()
    service = demo.services["emsp"]
    year = demo.today.year - 1
    assert ServiceYearBudget.objects.filter(service=service, year=year).exists()
    assert Submission.objects.filter(service=service).exists()
    sign_in(page, "chef", password="demo")
    page.goto(f"/indicateurs/dispositifs/{service.pk}/")
    assert page.locator("[data-testid=indicator-encounters_by_place] svg").count() == 1
    page.click("[data-testid=report-link]")
    page.click("[data-testid=generate-pdf]")
    link = page.locator("[data-testid=download-pdf]")
    link.wait_for(timeout=60_000)
    with page.expect_download() as info:
        link.click()
    OUT.mkdir(exist_ok=True)
    pdf = OUT / "report.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert ReportGeneration.objects.get(service=service).status == "done"
    for old in OUT.glob("page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(OUT / "page")], check=True)  # noqa: S603,S607
    pages = sorted(OUT.glob("page-*.png"))
    assert len(pages) >= 3
