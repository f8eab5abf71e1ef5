"""The team's own fields (issue #17, D56): compartments on every route, validation by kind, who defines,
and the indicator by a choice field with small cells hidden."""

import datetime
import decimal
import json

import pytest
from django.utils import timezone

from aupres.core.errors import DomainError
from aupres.customfields import services
from aupres.customfields.models import CustomValue, FieldDefinition
from aupres.encounters import services as encounter_services
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.services.models import Profession

pytestmark = pytest.mark.django_db

HEALTH_LABEL = "Sérologie VIH connue"
HEALTH_VALUE = "Résultat-secret-santé-7731"
SOCIAL_VALUE = "Suivi-CCAS-social-4410"


def define(world, **values):
    head = world.users["head_of_service"]
    body = {"target": "person", "kind": "text", "compartment": "social", **values}
    return services.create_definition(head, world.service_a.pk, body)


@pytest.fixture
def fields(world, api_as):
    """Service A's head defines a health and a social text field on the person, a health choice on the
    follow-up; the doctor and the social worker fill them in through the API."""
    person_health = define(world, label=HEALTH_LABEL, compartment="health")
    person_social = define(world, label="Référent CCAS")
    followup_health = define(world, target="followup", label="Suivi psychiatrique", kind="choice",
                             options=["Oui, en CMP", "Non"], compartment="health")
    followup = FollowUp.objects.get(person=world.person, service=world.service_a)
    doctor = api_as(world.users["doctor"])
    r = doctor.patch(f"/persons/{world.person.pk}/custom-fields",
                     {"values": {str(person_health.pk): HEALTH_VALUE, str(person_social.pk): SOCIAL_VALUE}})
    assert r.status_code == 200, r.content
    r = doctor.patch(f"/followups/{followup.pk}/custom-fields", {"values": {str(followup_health.pk): "Oui, en CMP"}})
    assert r.status_code == 200, r.content
    return {"person_health": person_health, "person_social": person_social, "followup_health": followup_health,
            "followup": followup}


def test_a_social_worker_never_sees_a_health_custom_field_screen_api_or_export(world, fields, api_as, client_as):
    person, followup = world.person, fields["followup"]
    social = client_as(world.users["social_worker"])
    doctor = client_as(world.users["doctor"])
    pages = [f"/personnes/{person.pk}/", f"/personnes/{person.pk}/modifier/", f"/suivis/{followup.pk}/",
             f"/suivis/{followup.pk}/champs/"]
    for url in pages:
        r = social.get(url)
        assert r.status_code == 200, url
        text = r.content.decode()
        assert HEALTH_VALUE not in text and HEALTH_LABEL not in text and "Suivi psychiatrique" not in text, url
    # The doctor, holding health, reads and edits both; the social worker reads the social one.
    detail = doctor.get(f"/personnes/{person.pk}/").content.decode()
    assert HEALTH_VALUE in detail and SOCIAL_VALUE in detail
    assert HEALTH_LABEL in doctor.get(f"/personnes/{person.pk}/modifier/").content.decode()
    assert "Oui, en CMP" in doctor.get(f"/suivis/{followup.pk}/").content.decode()
    assert SOCIAL_VALUE in social.get(f"/personnes/{person.pk}/").content.decode()

    api = api_as(world.users["social_worker"])
    values = api.get(f"/persons/{person.pk}/custom-fields").json()
    assert [v["value"] for v in values] == [SOCIAL_VALUE]
    assert api.get(f"/followups/{followup.pk}/custom-fields").json() == []
    labels = {d["label"] for d in api.get(f"/services/{world.service_a.pk}/custom-fields").json()}
    assert labels == {"Référent CCAS"}
    # Writing a health field is refused, not ignored.
    r = api.patch(f"/persons/{person.pk}/custom-fields", {"values": {str(fields["person_health"].pk): "x"}})
    assert r.status_code == 403 and r.json()["code"] == "compartment_forbidden"
    assert CustomValue.objects.get(field=fields["person_health"]).value_text == HEALTH_VALUE
    # The head of service (administrative only) neither: and its export (the person's export) has neither.
    head = api_as(world.users["head_of_service"])
    assert head.get(f"/persons/{person.pk}/custom-fields").json() == []
    export = head.get(f"/persons/{person.pk}/export")
    assert export.status_code == 200
    exported = json.dumps(export.json(), ensure_ascii=False)
    assert "customfields.customvalue" not in exported
    assert HEALTH_VALUE not in exported and SOCIAL_VALUE not in exported
    # A doctor's export holds both values of their service.
    exported = json.dumps(api_as(world.users["doctor"]).get(f"/persons/{person.pk}/export").json(), ensure_ascii=False)
    assert HEALTH_VALUE in exported and SOCIAL_VALUE in exported
    # A social consent to service B shares the social field, never the health one.
    r = api.post(f"/persons/{person.pk}/consents", {"scope": "social", "given_on": timezone.localdate().isoformat(),
                                                   "given_how": "oral", "to_service": world.service_b.pk})
    assert r.status_code == 201, r.content
    shared = api_as(world.outsider).get(f"/persons/{person.pk}/custom-fields").json()
    assert [v["value"] for v in shared] == [SOCIAL_VALUE]


def test_values_are_validated_by_kind_with_french_messages(world, api_as, client_as):
    number = define(world, label="Nombre d'enfants", kind="number")
    day = define(world, label="Date de la domiciliation", kind="date", compartment="administrative")
    choice = define(world, label="Hébergement", kind="choice", options=["CHRS", "Hôtel"])
    yes_no = define(world, label="Animal", kind="yes_no")
    text = define(world, label="Précisions")
    assert services.check_value(number, "2,5") == decimal.Decimal("2.5")
    assert services.check_value(day, "2026-03-01") == datetime.date(2026, 3, 1)
    assert services.check_value(choice, "Hôtel") == "Hôtel"
    assert services.check_value(yes_no, "oui") is True and services.check_value(yes_no, False) is False
    assert services.check_value(text, "  ") is None
    bad = [(number, "deux", "donnez un nombre"), (number, "1e400", "nombre"), (day, "01/03/2026", "date"),
           (day, "1850-01-01", "date"), (choice, "Rue", "choisissez l’une des options"),
           (yes_no, "peut-être", "répondez oui ou non"), (text, "x" * 2001, "2000 caractères")]
    for definition, raw, words in bad:
        with pytest.raises(DomainError) as error:
            services.check_value(definition, raw)
        assert words.lower() in str(error.value.message).lower(), (raw, error.value.message)
        assert definition.label in str(error.value.message)
    # Through the API: 400 with the field; nothing written.
    api = api_as(world.users["social_worker"])
    r = api.patch(f"/persons/{world.person.pk}/custom-fields", {"values": {str(number.pk): "deux", str(text.pk): "ok"}})
    assert r.status_code == 400 and r.json()["field"] == f"cf_{number.pk}"
    assert "nombre" in r.json()["message"]
    assert not CustomValue.objects.exists()
    # On the screen: the error shows on the field, the page answers the form again.
    client = client_as(world.users["social_worker"])
    page = client.get(f"/personnes/{world.person.pk}/modifier/")
    version = page.context["form"].initial["version"]
    person = world.person
    base = {"alias": "Mina", "first_name": "Amina", "last_name": "Benali", "version": version,
            "sex": person.sex, "administrative_situation": person.administrative_situation}
    r = client.post(f"/personnes/{world.person.pk}/modifier/",
                    {**base, f"cf_{day.pk}": "demain", f"cf_{choice.pk}": "CHRS"})
    assert r.status_code == 200 and "Date de la domiciliation" in r.content.decode()
    assert r.context["form"].errors[f"cf_{day.pk}"]
    r = client.post(f"/personnes/{world.person.pk}/modifier/", {
        **base, f"cf_{day.pk}": "2026-02-01", f"cf_{choice.pk}": "CHRS", f"cf_{yes_no.pk}": "true",
        f"cf_{number.pk}": "3"})
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    got = {v.field_id: v.value for v in CustomValue.objects.all()}
    assert got == {day.pk: datetime.date(2026, 2, 1), choice.pk: "CHRS", yes_no.pk: True, number.pk: 3}
    # A definition is checked too: a choice needs two options, other kinds none.
    with pytest.raises(DomainError, match="deux options"):
        define(world, label="Seul", kind="choice", options=["A"])
    with pytest.raises(DomainError, match="Seul un choix"):
        define(world, label="Seul", kind="text", options=["A", "B"])


def test_the_head_of_another_service_can_neither_define_nor_see_the_fields(world, api_as, client_as):
    field = define(world, label="Chien")
    head_b = world.member(Profession.HEAD_OF_SERVICE, world.service_b, username="head_b")  # same operator
    for head in (head_b, world.outsider_head):
        api = api_as(head)
        assert api.get(f"/services/{world.service_a.pk}/custom-fields").status_code == 404
        r = api.post(f"/services/{world.service_a.pk}/custom-fields",
                     {"target": "person", "label": "Intrus", "kind": "text", "compartment": "social"})
        assert r.status_code == 404
        assert api.patch(f"/custom-fields/{field.pk}", {"version": field.version, "label": "Pris"}).status_code == 404
        client = client_as(head)
        assert client.get(f"/configuration/dispositifs/{world.service_a.pk}/champs/").status_code == 404
        assert client.get(f"/configuration/dispositifs/{world.service_a.pk}/champs/nouveau/").status_code == 404
        assert client.post(f"/configuration/champs/{field.pk}/", {"label": "Pris"}).status_code == 404
    assert list(FieldDefinition.objects.values_list("label", flat=True)) == ["Chien"]
    # Service A's head does, on screen.
    client = client_as(world.users["head_of_service"])
    assert "Chien" in client.get(f"/configuration/dispositifs/{world.service_a.pk}/champs/").content.decode()
    r = client.post(f"/configuration/dispositifs/{world.service_a.pk}/champs/nouveau/", {
        "target": "followup", "label": "Orientation souhaitée", "kind": "choice",
        "options_text": "CHRS\nPension de famille\n", "compartment": "social", "order": "1", "active": "on"})
    assert r.status_code == 302
    created = FieldDefinition.objects.get(label="Orientation souhaitée")
    assert created.options == ["CHRS", "Pension de famille"] and created.service == world.service_a
    # A social worker of A may not define either.
    assert api_as(world.users["social_worker"]).post(
        f"/services/{world.service_a.pk}/custom-fields",
        {"target": "person", "label": "Intrus", "kind": "text", "compartment": "social"}).status_code == 404


def _followups_with(world, field, counts):
    """Follow-ups of service A opened this year, each with the option given (None: not filled in)."""
    today = timezone.localdate()
    for option, n in counts.items():
        for i in range(n):
            person = Person.objects.create(alias=f"P-{option}-{i}")
            f = FollowUp.objects.create(person=person, service=world.service_a, opened_on=today.replace(day=1, month=1))
            if option is not None:
                CustomValue.objects.create(field=field, service=world.service_a, compartment=field.compartment,
                                           person=person, followup=f, value_choice=option)


def test_an_indicator_by_a_custom_choice_field_hides_small_cells(world, api_as, client_as):
    field = define(world, target="followup", label="Hébergement souhaité", kind="choice",
                   options=["CHRS", "Pension de famille", "Logement"])
    _followups_with(world, field, {"CHRS": 9, "Pension de famille": 2, "Logement": 7, None: 5})
    # world.person's follow-up (opened this year) is a sixth « not filled in ».
    r = api_as(world.users["social_worker"]).get(f"/indicators/custom-fields/{field.pk}")
    assert r.status_code == 200, r.content
    rows = {row["key"]: row for row in r.json()["rows"]}
    assert rows["Pension de famille"]["value"] is None and rows["Pension de famille"]["hidden"] == "small"
    # One more cell is hidden so that the small one cannot be recomputed from the total.
    complements = [k for k, row in rows.items() if row["hidden"] and k != "Pension de famille"]
    assert complements and all(rows[k]["hidden"] == "complementary" for k in complements)
    shown = {k: row["value"] for k, row in rows.items() if not row["hidden"]}
    expected = {"CHRS": 9, "Logement": 7, "__none__": 6}
    assert shown == {k: expected[k] for k in shown}
    assert r.json()["total"] == 24
    page = client_as(world.users["social_worker"]).get(f"/indicateurs/champs/{field.pk}/")
    assert "&lt; 5" in page.content.decode() and ">2<" not in page.content.decode()
    # A health choice is withheld from a reader without health, counted for a doctor.
    health = define(world, target="followup", label="Suivi psychiatrique", kind="choice", options=["Oui", "Non"],
                    compartment="health")
    _followups_with(world, health, {"Oui": 6, "Non": 8})
    social = api_as(world.users["social_worker"]).get(f"/indicators/custom-fields/{health.pk}").json()
    assert all(row["value"] is None for row in social["rows"]) and social["total"] is None
    doctor = api_as(world.users["doctor"]).get(f"/indicators/custom-fields/{health.pk}").json()
    assert {row["key"]: row["value"] for row in doctor["rows"]}["Oui"] == 6
    # Not for the doctor of another service.
    assert api_as(world.outsider).get(f"/indicators/custom-fields/{field.pk}").status_code == 404


def test_encounter_fields_are_filled_on_the_form_and_read_by_compartment(world, api_as, client_as):
    """An encounter field of each compartment: recorded with the encounter on screen, read cut to the
    compartments held in the encounter's service, written only with the compartment."""
    social_field = define(world, target="encounter", label="Chien présent", kind="yes_no")
    health_field = define(world, target="encounter", label="Signes de sevrage", kind="choice",
                          options=["Oui", "Non"], compartment="health")
    nurse = client_as(world.users["nurse"])
    page = nurse.get(f"/activite/rencontre/nouvelle/?personne={world.person.pk}")
    assert page.status_code == 200 and "Signes de sevrage" in page.content.decode()
    social_page = client_as(world.users["social_worker"]).get(
        f"/activite/rencontre/nouvelle/?personne={world.person.pk}").content.decode()
    assert "Chien présent" in social_page and "Signes de sevrage" not in social_page
    encounter, _created = services.create_encounter(
        world.users["nurse"], custom={f"cf_{social_field.pk}": "true", f"cf_{health_field.pk}": "Oui"},
        service_id=world.service_a.pk, occurred_at=timezone.now(), place_kind="street", mode="visit",
        persons=[world.person.pk])
    assert encounter_services.get_encounter(world.users["nurse"], encounter.pk)
    values = api_as(world.users["nurse"]).get(f"/encounters/{encounter.pk}/custom-fields").json()
    assert {v["label"]: v["value"] for v in values} == {"Chien présent": True, "Signes de sevrage": "Oui"}
    social = api_as(world.users["social_worker"])
    assert [v["label"] for v in social.get(f"/encounters/{encounter.pk}/custom-fields").json()] == ["Chien présent"]
    r = social.patch(f"/encounters/{encounter.pk}/custom-fields", {"values": {str(health_field.pk): "Non"}})
    assert r.status_code == 403
    r = social.patch(f"/encounters/{encounter.pk}/custom-fields", {"values": {str(social_field.pk): "non"}})
    assert r.status_code == 200 and r.json()[0]["value"] is False
