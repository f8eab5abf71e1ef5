"""Issue #17: the import brings encounters with their acts and rights applications too (D57). A line records
them for the person it creates, for the person of an earlier line with the same reference, or for a person
the service already follows (by number). The dry run lists their problems under the encounters' and rights'
own rules; the undo removes them, and is refused once one was edited."""

import datetime

import pytest

from aupres.core.errors import Conflict
from aupres.encounters import services as encounters
from aupres.encounters.models import Act, Encounter, EncounterPerson, Orientation, RightsApplication
from aupres.imports import services, tasks
from aupres.imports.models import ImportStatus
from aupres.persons.models import Person, RightStatus

from .helpers import csv_bytes
from .test_import import _snapshot, dry

pytestmark = pytest.mark.django_db

HEADERS = ["Réf", "Nom", "Prénom", "N° Auprès", "Date de la rencontre", "Lieu", "Mode", "Actes", "Détails",
           "Droit", "Statut du droit", "Date du statut", "Déposée le", "Valable jusqu'au"]
TOMORROW = (datetime.date.today() + datetime.timedelta(days=1)).strftime("%d/%m/%Y")
UNKNOWN = "« %s » n'est pas une valeur connue de « %s » : associez-la à une valeur sur l'écran de correspondance."


def line(**cells):
    keys = {"ref": "Réf", "nom": "Nom", "prenom": "Prénom", "numero": "N° Auprès", "le": "Date de la rencontre",
            "lieu": "Lieu", "mode": "Mode", "actes": "Actes", "details": "Détails", "droit": "Droit",
            "statut": "Statut du droit", "depuis": "Date du statut", "depose": "Déposée le",
            "jusqu": "Valable jusqu'au"}
    row = dict.fromkeys(HEADERS, "")
    row.update({keys[k]: v for k, v in cells.items()})
    return [row[h] for h in HEADERS]


def clean_lines(world):
    return [
        # A new person, met twice (the second line by her reference), with a rights application filed.
        line(ref="R1", nom="Dupont", prenom="Jeanne", le="05/03/2026 14:30", lieu="Rue", mode="Maraude",
             actes="Entretien social ; Aide matérielle", details="kit", droit="AME", statut="Déposée",
             depose="01/03/2026"),
        line(ref="R1", le="10/03/2026", lieu="Locaux", mode="Permanence", actes="Entretien social"),
        # A new person with a granted right only (her current right is recorded too).
        line(ref="R2", nom="Martin", prenom="Paul", droit="Domiciliation", statut="Obtenue", depuis="02/02/2026",
             jusqu="01/02/2027"),
        # The person service A already follows, by number.
        line(numero=str(world.person.pk), le="12/03/2026", lieu="Rue", mode="Maraude", actes="Aide matérielle"),
    ]


def test_bad_encounter_act_and_right_lines_give_the_exact_problems(world, django_capture_on_commit_callbacks):
    head = world.users["head_of_service"]
    rows = clean_lines(world) + [
        line(nom="A", le=TOMORROW, lieu="Rue", mode="Maraude"),  # 6
        line(nom="B", le="05/03/1999", lieu="Rue", mode="Maraude"),  # 7
        line(nom="C", le="05/03/2026", lieu="Rue", mode="Maraude", actes="Câlin ; Entretien social"),  # 8
        line(nom="D", le="05/03/2026", lieu="Rue", mode="Maraude", actes="Pansement"),  # 9: health
        line(nom="E", le="05/03/2026", mode="Maraude"),  # 10: no place
        line(nom="F", actes="Entretien social"),  # 11: no date
        line(numero="999999", le="05/03/2026", lieu="Rue", mode="Maraude"),  # 12: not followed
        line(numero=str(world.person.pk), ref="R9", le="05/03/2026", lieu="Rue", mode="Maraude"),  # 13
        line(nom="G", droit="AME", statut="Déposée", depose="01/03/2026", jusqu="01/01/2026"),  # 14
        line(nom="H", statut="Obtenue"),  # 15: no right
        line(nom="I", droit="RSA", depuis=TOMORROW),  # 16
        line(nom="J", le="05/03/2026", lieu="Rue", mode="Maraude", details="vu"),  # 17: details, no act
        line(nom="K", le="32/03/2026", lieu="Rue", mode="Maraude"),  # 18
    ]
    batch = dry(head, world.service_a, csv_bytes(HEADERS, rows), capture=django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.CHECKED
    got = [(e["line"], e["column"], e["value"], e["message"]) for e in batch.report["errors"]]
    assert got == [
        (6, "Date de la rencontre", TOMORROW, "La rencontre est dans le futur."),
        (7, "Date de la rencontre", "05/03/1999", "La date est trop ancienne."),
        (8, "Actes", "Câlin", UNKNOWN % ("Câlin", "rencontre : actes")),
        (9, "Actes", "Pansement", "Les actes de santé ne sont importés que par un compte qui détient le "
                                  "compartiment santé dans ce dispositif."),
        (10, "Lieu", "", "Indiquez le lieu de la rencontre."),
        (11, "Date de la rencontre", "", "Une rencontre a besoin de sa date."),
        (12, "N° Auprès", "999999", "Ce dispositif ne suit pas cette personne."),
        (13, "N° Auprès", str(world.person.pk), "Indiquez soit la référence de la personne dans le fichier, soit "
                                                "le n° d'une personne déjà dans Auprès, pas les deux."),
        (14, "Valable jusqu'au", "01/01/2026", "Le droit prend fin avant la date de la demande."),
        (15, "Droit", "", "Un statut ou une date de demande de droits est donné sans le droit demandé."),
        (16, "Date du statut", TOMORROW, "La date est dans le futur."),
        (17, "Détails", "vu", "Des précisions sont données sans acte."),
        (18, "Date de la rencontre", "32/03/2026", "Date illisible : écrivez-la JJ/MM/AAAA."),
    ]
    assert not Encounter.objects.exists() and not RightsApplication.objects.exists()


def _import(head, world, rows, capture, value_map=None):
    batch = services.upload(head, world.service_a.pk, "activite.csv", csv_bytes(HEADERS, rows))
    with capture(execute=True):
        tasks.check(head, batch, batch.mapping, value_map)
    batch.refresh_from_db()
    assert batch.report["errors"] == []
    with capture(execute=True):
        tasks.start(head, batch)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    return batch


def test_clean_import_of_encounters_and_rights_then_undo(world, django_capture_on_commit_callbacks):
    head = world.users["head_of_service"]
    before = _snapshot()
    batch = _import(head, world, clean_lines(world), django_capture_on_commit_callbacks)
    assert batch.report["created"] == {"persons": 2, "followups": 2, "households": 0, "members": 0,
                                       "encounters": 3, "encounter_persons": 3, "acts": 4, "rights": 2,
                                       "rights_history": 2, "granted_rights": 1}
    jeanne = Person.objects.get(last_name="Dupont")
    assert list(EncounterPerson.objects.filter(person=jeanne).order_by("occurred_at")
                .values_list("encounter__mode", flat=True)) == ["street_round", "advanced_consultation"]
    first = Encounter.objects.get(participants__person=jeanne, mode="street_round")
    assert sorted(first.acts.values_list("kind", "details", "compartment")) == [
        ("material_aid", "kit", "social"), ("social_interview", "kit", "social")]
    assert Act.objects.filter(person=world.person, kind="material_aid").count() == 1
    application = RightsApplication.objects.get(person=jeanne)
    assert (application.kind, application.status, application.filed_on) == ("ame", "filed",
                                                                            datetime.date(2026, 3, 1))
    assert application.history.count() == 1
    paul = Person.objects.get(last_name="Martin")
    assert RightStatus.objects.filter(person=paul, kind="domiciliation", value="domiciled").exists()
    # The social worker of the service reads the encounters in the person's timeline as recorded on screen.
    social_worker = world.users["social_worker"]
    assert encounters.visible_encounters(social_worker).filter(pk=first.pk).exists()
    assert services.can_undo(batch)
    services.undo(head, batch)
    assert _snapshot() == before


@pytest.mark.parametrize("edit", ["encounter", "right", "orientation"])
def test_no_undo_once_an_imported_encounter_or_right_was_edited(world, django_capture_on_commit_callbacks, edit):
    head = world.users["head_of_service"]
    rows = [clean_lines(world)[3], line(numero=str(world.person.pk), droit="RSA", statut="Déposée",
                                        depose="01/03/2026")]
    batch = _import(head, world, rows, django_capture_on_commit_callbacks)
    encounter = Encounter.objects.get(pk=batch.created_ids["encounters"][0])
    if edit == "encounter":
        encounter.place_kind = "camp"
        encounter.save_versioned(encounter.version, update_fields=["place_kind"])
    elif edit == "right":
        application = RightsApplication.objects.get(pk=batch.created_ids["rights"][0])
        encounters.change_rights_application(world.users["social_worker"], application,
                                             version=application.version, status="granted")
    else:
        Orientation.objects.create(person=world.person, service=world.service_a, encounter=encounter,
                                   kind="orientation", target="shelter", sent_on=datetime.date(2026, 3, 6),
                                   status_on=datetime.date(2026, 3, 6))
    assert not services.can_undo(batch)
    with pytest.raises(Conflict):
        services.undo(head, batch)
    assert Encounter.objects.filter(pk=encounter.pk).exists()


def test_the_teams_own_act_names_are_mapped_to_act_kinds(world, django_capture_on_commit_callbacks):
    head = world.users["head_of_service"]
    rows = [line(numero=str(world.person.pk), le="05/03/2026", lieu="Rue", mode="Maraude",
                 actes="Café + Écoute"),
            line(numero=str(world.person.pk), le="06/03/2026", lieu="Rue", mode="Maraude", actes="café")]
    batch = services.upload(head, world.service_a.pk, "a.csv", csv_bytes(HEADERS, rows))
    assert services.written_values(batch)["acts"] == [("Café", ""), ("Écoute", "")]
    with django_capture_on_commit_callbacks(execute=True):
        tasks.check(head, batch, batch.mapping)
    batch.refresh_from_db()
    assert [(e["line"], e["value"]) for e in batch.report["errors"]] == [(2, "Café"), (2, "Écoute"), (3, "café")]
    batch = _import(head, world, rows, django_capture_on_commit_callbacks,
                    value_map={"acts": {"Café": "material_aid", "Écoute": "social_interview"}})
    assert sorted(Act.objects.filter(encounter_id__in=batch.created_ids["encounters"])
                  .values_list("kind", flat=True)) == ["material_aid", "material_aid", "social_interview"]
    # Remembered for the next file of this shape.
    again = services.upload(head, world.service_a.pk, "b.csv", csv_bytes(HEADERS, rows))
    assert services.written_values(again)["acts"] == [("Café", "material_aid"), ("Écoute", "social_interview")]


def test_the_api_imports_activity_from_an_xlsx(world, api_as, django_capture_on_commit_callbacks):
    """The import's API (upload, mapping with the act names' value map, dry run, import) over an XLSX file
    whose lines add encounters to a person already followed."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .helpers import xlsx_bytes

    api = api_as(world.users["head_of_service"])
    headers = ["N° Auprès", "Date de la rencontre", "Lieu", "Mode", "Actes"]
    rows = [[world.person.pk, datetime.datetime(2026, 3, 5, 10, 0), "Rue", "Maraude", "Café"]]
    upload = SimpleUploadedFile("activite.xlsx", xlsx_bytes(headers, rows))
    response = api.client.post("/api/v1/imports", {"service": world.service_a.pk, "file": upload},
                               headers=api.headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["mapping"] == {"N° Auprès": "person_number", "Date de la rencontre": "encounter_on",
                               "Lieu": "encounter_place", "Mode": "encounter_mode", "Actes": "acts"}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.client.put(f"/api/v1/imports/{body['id']}/mapping", {
            "mapping": body["mapping"], "value_map": {"acts": {"Café": "material_aid"}}},
            content_type="application/json", headers=api.headers)
    assert response.status_code == 200, response.content
    checked = api.get(f"/imports/{body['id']}").json()
    assert checked["errors"] == [] and checked["create"]["encounters"] == 1 and checked["create"]["persons"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/imports/{body['id']}/run").status_code == 200
    done = api.get(f"/imports/{body['id']}").json()
    assert done["status"] == "done" and done["created"]["acts"] == 1 and done["can_undo"]
    encounter = Encounter.objects.get()
    assert encounter.occurred_at.hour == 9  # 10:00 in Paris, in UTC
    assert list(encounter.acts.values_list("person_id", "kind")) == [(world.person.pk, "material_aid")]
