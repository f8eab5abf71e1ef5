"""Issue #17's « done means » for the import: the exact problems of a 1 000-line file with every kind of
error, a clean import then undo that leaves the database as it was, Mano's headers, and an operator that
cannot import into (nor learn persons of) another operator's service."""

import datetime
import hashlib

import pytest
from django.apps import apps
from django.db import connection

from aupres.core.errors import Conflict, Forbidden, NotFound
from aupres.followups.models import FollowUp
from aupres.imports import services, tasks
from aupres.imports.models import ImportStatus
from aupres.persons.models import Note, Person

from .helpers import csv_bytes

pytestmark = pytest.mark.django_db

HEADERS = ["Nom", "Prénom", "Pseudo", "Sexe", "Date de naissance", "Âge", "Foyer", "Rôle dans le foyer",
           "Date d'entrée", "Date de sortie", "Motif de sortie", "Destination"]
NEXT_YEAR = datetime.date.today().year + 1
TOMORROW = (datetime.date.today() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")

# Every kind of problem: (what to change in a clean row, the column named, the value shown, the message).
# Written out here, from the rules in French, never read from the product.
KINDS = [
    ({"Sexe": "Z"}, "Sexe", "Z",
     "« Z » n'est pas une valeur connue de « sexe » : associez-la à une valeur sur l'écran de correspondance."),
    ({"Date de naissance": "31/02/1980"}, "Date de naissance", "31/02/1980",
     "Date illisible : écrivez-la JJ/MM/AAAA."),
    ({"Date de naissance": "01/01/1850"}, "Date de naissance", "01/01/1850",
     "Cette date est antérieure à 1900 : vérifiez l'année."),
    ({"Date de naissance": f"01/06/{NEXT_YEAR}"}, "Date de naissance", f"01/06/{NEXT_YEAR}",
     "La date de naissance est dans le futur."),
    ({"Nom": "", "Prénom": "", "Pseudo": ""}, "Pseudo", "", "Indiquez au moins un prénom, un nom ou un alias."),
    ({"Nom": "X" * 101}, "Nom", "X" * 101,
     "Assurez-vous que cette valeur comporte au plus 100 caractères (actuellement 101)."),
    ({"Prénom": "Jo\x01"}, "Prénom", "Jo\x01",
     "Ce texte contient un caractère de contrôle invisible (ou un octet nul) : retirez-le."),
    ({"Âge": "trente"}, "Âge", "trente", "Écrivez un nombre entier."),
    ({"Âge": "130"}, "Âge", "130", "L'âge estimé ne peut pas dépasser 120 ans."),
    ({"Date de sortie": "01/01/2020", "Motif de sortie": "Décès", "Destination": "Rue"}, "Date de sortie",
     "01/01/2020", "La date est antérieure à l'ouverture du suivi."),
    ({"Date de sortie": "01/06/2025", "Destination": "Rue"}, "Motif de sortie", "",
     "Indiquez le motif de sortie."),
    ({"Motif de sortie": "Décès"}, "Motif de sortie", "Décès",
     "Un motif ou une destination de sortie est donné sans date de sortie."),
    ({"Rôle dans le foyer": "Enfant", "Foyer": ""}, "Rôle dans le foyer", "Enfant",
     "Un rôle dans le foyer est donné, mais aucun foyer."),
    ({"Date d'entrée": TOMORROW}, "Date d'entrée", TOMORROW, "La date est dans le futur."),
    ({"Date de sortie": "01/06/2025", "Motif de sortie": "Décès", "Destination": "Lune"}, "Destination", "Lune",
     "« Lune » n'est pas une valeur connue de « situation à la sortie » : associez-la à une valeur sur "
     "l'écran de correspondance."),
]


def clean_row(i):
    family = f"Famille{i // 4}" if i % 3 == 0 else ""
    return {"Nom": f"Nom{i}", "Prénom": f"Prénom{i}", "Pseudo": "", "Sexe": ("H", "Femme", "M", "F")[i % 4],
            "Date de naissance": f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1950 + i % 50}", "Âge": "",
            "Foyer": family, "Rôle dans le foyer": "Enfant" if family else "",
            "Date d'entrée": "05/01/2025", "Date de sortie": "", "Motif de sortie": "", "Destination": ""}


def thousand_rows():
    rows, expected = [], []
    for i in range(1000):
        row = clean_row(i)
        if i % 7 == 3:  # 143 lines with one problem each, every kind many times over
            change, column, value, message = KINDS[(i // 7) % len(KINDS)]
            row.update(change)
            expected.append({"line": i + 2, "column": column, "value": value, "message": message})
        rows.append([row[h] for h in HEADERS])
    return rows, expected


def dry(head, service, content, name="suivis.csv", capture=None, value_map=None):
    batch = services.upload(head, service.pk, name, content)
    with capture(execute=True):
        tasks.check(head, batch, batch.mapping, value_map)
    batch.refresh_from_db()
    return batch


def test_a_thousand_lines_give_the_exact_problems(world, django_capture_on_commit_callbacks):
    rows, expected = thousand_rows()
    head = world.users["head_of_service"]
    batch = dry(head, world.service_a, csv_bytes(HEADERS, rows), capture=django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.CHECKED
    got = [{k: e[k] for k in ("line", "column", "value", "message")} for e in batch.report["errors"]]
    assert got == expected
    assert batch.report["error_count"] == 143
    # Nothing is created by a dry run, and the import is refused while a problem remains.
    assert not Person.objects.filter(last_name__startswith="Nom").exists()
    with pytest.raises(Exception, match="essai à blanc"):
        tasks.start(head, batch)


def _snapshot():
    """Row counts and a checksum of every table but the journal, the tasks' queue and the imports
    themselves (which record that an import happened)."""
    skip = {"audit_accessevent", "imports_importbatch", "imports_columnmapping", "django_tasks_database_dbtaskresult",
            "django_session", "aupres_cache"}
    result = {}
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            if table in skip or model._meta.proxy or not model._meta.managed:
                continue
            if table == "indicators_serviceyearpart":
                # Append-only signed deltas kept by triggers (D66): what the table holds is each key's sum; an
                # import and its undo add rows that cancel out until the nightly compaction.
                cursor.execute(f"SELECT year, service_id, indicator, key, sum(n) FROM {table} "  # noqa: S608
                               "GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4")
            else:
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")  # noqa: S608
            rows = cursor.fetchall()
            result[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return result


def test_clean_import_then_undo_leaves_the_database_as_before(world, django_capture_on_commit_callbacks):
    rows = [[clean_row(i)[h] for h in HEADERS] for i in range(200)]
    rows[5][HEADERS.index("Date de sortie")] = "01/06/2025"
    rows[5][HEADERS.index("Motif de sortie")] = "Perdu de vue"
    rows[5][HEADERS.index("Destination")] = "Rue"
    head = world.users["head_of_service"]
    before = _snapshot()
    batch = dry(head, world.service_a, csv_bytes(HEADERS, rows), capture=django_capture_on_commit_callbacks)
    assert batch.report["errors"] == []
    assert batch.report["create"] == {"persons": 200, "followups": 200, "exits": 1, "households": 50,
                                      "members": 67, "encounters": 0, "acts": 0, "rights": 0}
    with django_capture_on_commit_callbacks(execute=True):
        tasks.start(head, batch)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE and batch.rows == []
    assert FollowUp.objects.filter(service=world.service_a, person__last_name__startswith="Nom").count() == 200
    assert _snapshot() != before
    assert services.can_undo(batch)
    services.undo(head, batch)
    assert _snapshot() == before
    batch.refresh_from_db()
    assert batch.status == ImportStatus.UNDONE
    with pytest.raises(Conflict):
        services.undo(head, batch)


@pytest.mark.parametrize("edit", ["person", "note", "followup"])
def test_no_undo_once_something_imported_was_edited(world, django_capture_on_commit_callbacks, edit):
    rows = [[clean_row(i)[h] for h in HEADERS] for i in range(3)]
    head = world.users["head_of_service"]
    batch = dry(head, world.service_a, csv_bytes(HEADERS, rows), capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.start(head, batch)
    batch.refresh_from_db()
    person = Person.objects.get(pk=batch.created_ids["persons"][1])
    if edit == "person":
        person.alias = "Jo"
        person.save_versioned(person.version, update_fields=["alias"])
    elif edit == "note":
        Note.objects.create(person=person, service=world.service_a, compartment="social", text="vu")
    else:
        followup = FollowUp.objects.get(person=person)
        followup.state = "assessment"
        followup.save_versioned(followup.version, update_fields=["state"])
    assert not services.can_undo(batch)
    with pytest.raises(Conflict):
        services.undo(head, batch)
    assert Person.objects.filter(pk__in=batch.created_ids["persons"]).count() == 3


# Mano's export (github.com/SocialGouv/mano: the labels of its person fields are its Excel columns).
MANO_HEADERS = ["Nom prénom ou Pseudonyme", "Autres pseudos", "Genre", "Date de naissance", "En rue depuis le",
                "Suivi(e) depuis le / Créé(e) le", "Téléphone", "Description", "Sortie de file active",
                "Motif de sortie de file active", "Date de sortie de file active", "Équipe(s) en charge"]


def test_mano_columns_are_recognised(world, django_capture_on_commit_callbacks):
    assert services.suggested_mapping(MANO_HEADERS) == {
        "Nom prénom ou Pseudonyme": "alias", "Genre": "sex", "Date de naissance": "birth_date",
        "En rue depuis le": "on_street_since", "Suivi(e) depuis le / Créé(e) le": "opened_on",
        "Téléphone": "phone", "Motif de sortie de file active": "exit_reason",
        "Date de sortie de file active": "closed_on"}
    rows = [["Monsieur X", "", "Homme", "1980-05-01", "2024-01-01", "2024-02-01", "0600000001", "", "Non", "", "",
             "Maraude"],
            ["Madame Y", "", "Femme transgenre", "", "", "2024-02-01", "", "", "Oui", "Décès", "2024-03-01",
             "Maraude"]]
    head = world.users["head_of_service"]
    batch = dry(head, world.service_a, csv_bytes(MANO_HEADERS, rows, delimiter=","),
                capture=django_capture_on_commit_callbacks)
    # Mano has no exit destination: the dry run asks for one.
    assert [(e["line"], e["field"]) for e in batch.report["errors"]] == [(3, "exit_destination")]
    assert services.written_values(batch)["sex"] == [("Femme transgenre", "female"), ("Homme", "male")]


def test_remembered_mapping_and_value_map(world, django_capture_on_commit_callbacks):
    head = world.users["head_of_service"]
    batch = services.upload(head, world.service_a.pk, "a.csv", csv_bytes(["Qui", "Genre"], [["Paul", "Mec"]]))
    assert batch.mapping == {"Genre": "sex"}
    with django_capture_on_commit_callbacks(execute=True):
        tasks.check(head, batch, {"Qui": "alias", "Genre": "sex"}, {"sex": {"Mec": "male"}})
    batch.refresh_from_db()
    assert batch.report["errors"] == []
    again = services.upload(head, world.service_a.pk, "b.csv", csv_bytes(["GENRE", "qui"], [["mec", "Léo"]]))
    assert again.mapping == {"GENRE": "sex", "qui": "alias"}
    assert again.value_map == {"sex": {"mec": "male"}}
    other = services.upload(head, world.service_b.pk, "c.csv", csv_bytes(["Qui", "Genre"], [["Paul", "Mec"]])) \
        if services.may_import(head, world.service_b.pk) else None
    assert other is None  # the head of A does not head B


def test_another_operator_cannot_import_nor_learn_persons(world, django_capture_on_commit_callbacks):
    """outsider_head heads service C (another operator): refused on A; on C, the dry run's duplicate hints
    never name service A's person, though the file names her exactly."""
    head, foreign = world.users["head_of_service"], world.outsider_head
    content = csv_bytes(["Nom", "Prénom", "Date de naissance"], [["Benali", "Amina", "01/05/1980"]])
    with pytest.raises(Forbidden):
        services.upload(foreign, world.service_a.pk, "a.csv", content)
    mine = services.upload(head, world.service_a.pk, "a.csv", content)
    with pytest.raises(NotFound):
        services.get_batch(foreign, mine.pk)
    for profession in ("doctor", "social_worker"):
        with pytest.raises(Forbidden):
            services.upload(world.users[profession], world.service_a.pk, "a.csv", content)
    theirs = dry(foreign, world.service_c, content, capture=django_capture_on_commit_callbacks)
    assert theirs.report["duplicates"] == []
    ours = dry(head, world.service_a, content, capture=django_capture_on_commit_callbacks)
    assert [d["person_id"] for d in ours.report["duplicates"]] == [world.person.pk]
