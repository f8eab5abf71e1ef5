"""A head of service brings the team's spreadsheet (issue #17): uploads an XLSX, maps the two columns that
are not recognised, reads the dry run, imports with the progress shown, then finds the persons in the
caseload."""

import pytest

from conftest import click_menu, sign_in

from .helpers import xlsx_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_head_of_service_imports_a_spreadsheet(world, page):
    content = xlsx_bytes(["Surnom d'usage", "Né(e) en", "Genre"],
                         [["Le Marin", 1971, "H"], ["Zazie", 1990, "Femme"]])
    sign_in(page, "head_of_service")
    click_menu(page, "nav-import")
    page.select_option("#id_service", str(world.service_a.pk))
    page.set_input_files("#id_file", files=[{"name": "file-active.xlsx", "mimeType": XLSX, "buffer": content}])
    page.get_by_role("button", name="Lire le fichier").click()
    # « Genre » is recognised; the team's own headers are mapped by hand.
    assert page.locator("#col-2").input_value() == "sex"
    page.select_option("#col-0", "alias")
    page.select_option("#col-1", "birth_year")
    page.click("[data-testid=start-dry-run]")
    counts = page.locator("[data-testid=import-counts]")
    counts.wait_for()
    assert "2 personnes avec leurs suivis" in counts.inner_text()
    assert page.locator("[data-testid=import-errors]").count() == 0
    page.click("[data-testid=run-import]")
    page.wait_for_selector("[data-testid=import-created]")
    assert page.locator("[data-testid=import-progress]").get_attribute("value") == "100"
    assert "Importé" in page.locator("[data-testid=import-state]").inner_text()
    page.click("#nav-caseload")
    body = page.locator("main").inner_text()
    assert "Le Marin" in body and "Zazie" in body
