import datetime

import pytest

from aupres.followups.models import FollowUp
from aupres.imports import services, tasks
from aupres.imports.models import ImportStatus
from aupres.persons.models import Household, Person

from .helpers import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["Nom", "Prénom", "Sexe", "Date de naissance", "Foyer", "Date d'entrée", "Date de sortie",
           "Motif de sortie", "Destination"]
ROWS = [
    ["Durand", "Paul", "H", "01/02/1970", "Durand", "05/01/2025", "", "", ""],
    ["Durand", "Léa", "Femme", "1972-03-04", "Durand", "05/01/2025", "", "", ""],
    ["Martin", "Jo", "M", "", "", "01/03/2024", "01/06/2024", "Décès", "Sans objet (décès)"],
]


def test_csv_round_trip(world, django_capture_on_commit_callbacks):
    head = world.users["head_of_service"]
    batch = services.upload(head, world.service_a.pk, "file.csv", csv_bytes(HEADERS, ROWS))
    assert batch.mapping["Nom"] == "last_name" and batch.mapping["Motif de sortie"] == "exit_reason"
    with django_capture_on_commit_callbacks(execute=True):
        batch = tasks.check(head, batch, batch.mapping)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CHECKED, batch.report
    assert batch.report["errors"] == [], batch.report["errors"]
    assert batch.report["create"]["households"] == 1
    before = Person.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        batch = tasks.start(head, batch)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    assert Person.objects.count() == before + 3
    assert Household.objects.filter(label="Durand").count() == 1
    closed = FollowUp.objects.get(person__first_name="Jo")
    assert closed.closed_on == datetime.date(2024, 6, 1) and closed.state == "exit"
    services.undo(head, batch)
    assert Person.objects.count() == before


def test_xlsx(world, django_capture_on_commit_callbacks):
    head = world.users["head_of_service"]
    rows = [[r[0], r[1], r[2], datetime.date(1970, 2, 1), "", datetime.datetime(2025, 1, 5), "", "", ""]
            for r in ROWS[:2]]
    batch = services.upload(head, world.service_a.pk, "file.xlsx", xlsx_bytes(HEADERS, rows))
    assert batch.rows[0][3] == "1970-02-01"
    with django_capture_on_commit_callbacks(execute=True):
        batch = tasks.check(head, batch, batch.mapping)
    batch.refresh_from_db()
    assert batch.report["errors"] == []
