"""Issue #13: exports are named and headed in French (not `indicateurs-territory-0.csv`)."""

import datetime

import pytest

from aupres.indicators import exports

pytestmark = pytest.mark.django_db

YEAR = "from=2025-01-01&to=2025-12-31"


@pytest.mark.parametrize("scope, scope_id, start, end, name", [
    ("territory", 0, datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), "indicateurs-territoire-2025.csv"),
    ("service", 12, datetime.date(2025, 1, 1), datetime.date(2025, 12, 31), "indicateurs-dispositif-12-2025.csv"),
    ("operator", 3, datetime.date(2025, 1, 1), datetime.date(2025, 6, 30),
     "indicateurs-gestionnaire-3-2025-01-01-au-2025-06-30.csv"),
])
def test_file_names_in_french(scope, scope_id, start, end, name):
    assert exports.filename({"from": start, "to": end}, scope, scope_id, "csv") == name


def test_the_export_is_named_and_headed_in_french(world, api_as, client_as):
    service = world.service_a
    r = api_as(world.users["nurse"]).get(f"/indicators/export?scope=service&id={service.pk}&{YEAR}&format=csv")
    assert r.status_code == 200
    assert r["Content-Disposition"] == f'attachment; filename="indicateurs-dispositif-{service.pk}-2025.csv"'
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[1] == "indicateur;libellé;périmètre;catégorie;valeur"
    screen = client_as(world.users["head_of_service"]).get(f"/indicateurs/export/service/{service.pk}.csv?{YEAR}")
    assert screen.status_code == 200
    disposition = screen["Content-Disposition"]
    assert "territory" not in disposition and "indicateurs-dispositif-" in disposition
