"""Coded problems, the treatment plan, the administration chart, transmissions, scales, alerts: rules and access."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from aupres.audit.models import AccessEvent
from aupres.care import services
from aupres.care.models import (
    Administration,
    CarePrescription,
    Condition,
    Prescription,
    ScaleResult,
    StayReason,
    Transmission,
    VisitFrequency,
)
from aupres.core import access
from aupres.core.errors import Conflict, DomainError, Forbidden, NotFound
from aupres.core.models import Compartment
from aupres.followups.models import FollowUp

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _person(user, person):
    return access.get_visible_person(user, person.pk)


def _prescription(world, person=None, service=None, times=("08:00", "20:00"), **kw):
    nurse = world.users["nurse"]
    person = _person(nurse, person or world.person)
    return services.add_prescription(nurse, person, "Paracétamol", "1 g", "oral", list(times),
                                     kw.pop("starts_on", TODAY - datetime.timedelta(days=10)), prescriber="Dr Roux",
                                     service_id=(service or world.service_a).pk, **kw)


def test_every_record_of_the_care_record_is_in_the_health_compartment():
    for model in (Condition, StayReason, Prescription, Administration, Transmission, ScaleResult, CarePrescription):
        assert model.compartment == Compartment.HEALTH
        assert any(f.related_model.__name__ == "Person" for f in model._meta.concrete_fields if f.is_relation)


def test_a_condition_is_coded_and_grouped(world):
    doctor = world.users["doctor"]
    person = _person(doctor, world.person)
    condition = services.add_condition(doctor, person, "b20.1", datetime.date(2020, 3, 1))
    assert (condition.code, condition.group, condition.service_id) == ("B20.1", "hiv", world.service_a.pk)
    with pytest.raises(DomainError) as error:
        services.add_condition(doctor, person, "VIH")
    assert error.value.field == "code" and error.value.code == "invalid_icd10"
    changed, _p = services.update_condition(doctor, condition.pk, condition.version, "stabilised")
    assert changed.status == "stabilised" and changed.version == 2
    with pytest.raises(Conflict):
        services.update_condition(doctor, condition.pk, 1, "resolved")


def test_only_health_professionals_of_the_following_team_read_or_write_the_care_record(world, api_as):
    doctor = world.users["doctor"]
    services.add_condition(doctor, _person(doctor, world.person), "E11.9")
    assert api_as(doctor).get(f"/persons/{world.person.pk}/care").json()["conditions"][0]["group"] == "diabetes"
    for role in ("social_worker", "head_of_service", "mediator"):
        response = api_as(world.users[role]).get(f"/persons/{world.person.pk}/care")
        assert response.status_code == 403 and response.json()["code"] == "compartment_forbidden", role
        response = api_as(world.users[role]).post(f"/persons/{world.person.pk}/conditions", {"code": "E11.9"})
        assert response.status_code == 403, role
    assert api_as(world.outsider).get(f"/persons/{world.person.pk}/care").status_code == 404
    assert api_as(world.users["funder"]).get(f"/persons/{world.person.pk}/care").status_code == 404


def test_reads_and_writes_are_journaled_without_content(world, api_as):
    nurse = world.users["nurse"]
    response = api_as(nurse).post(f"/persons/{world.person.pk}/transmissions",
                                  {"target": "Douleur", "data": "plainte-secrete"})
    assert response.status_code == 201
    event = AccessEvent.objects.concerning(world.person.pk).filter(user=nurse, action="create").latest("pk")
    assert event.compartments == "health" and "plainte" not in str(event.__dict__)


def test_a_stay_reason_is_coded_for_a_residential_stay_only(care):
    doctor = care.users["doctor"]
    resident = _person(doctor, care.resident)
    reason = services.set_stay_reason(doctor, resident, care.stay.pk, "Z48.0")
    assert reason.kind == "post_operative"
    reason = services.set_stay_reason(doctor, resident, care.stay.pk, "L89.2", version=reason.version)
    assert reason.kind == "wound" and StayReason.objects.count() == 1
    person = _person(doctor, care.person)
    with pytest.raises(DomainError) as error:  # service A (LHSS mobile) counts households, not beds
        services.set_stay_reason(doctor, person, FollowUp.objects.get(person=care.person).pk, "Z48.0")
    assert error.value.field == "followup"


def test_a_dose_recorded_twice_is_one_record(world):
    nurse, aide = world.users["nurse"], world.users["care_assistant"]
    p = _prescription(world)
    first, created, _p = services.record_dose(nurse, p.pk, TODAY, "08:00", "given")
    again, created_again, _p = services.record_dose(aide, p.pk, TODAY, "8:00", "given")
    assert created and not created_again and first.pk == again.pk and again.by == nurse
    assert Administration.objects.count() == 1
    with pytest.raises(Conflict) as error:  # another outcome for the same dose: never a second record
        services.record_dose(aide, p.pk, TODAY, "08:00", "refused", "dort")
    assert error.value.code == "dose_already_recorded" and Administration.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Administration.objects.create(prescription=p, person=world.person, service=world.service_a, due_on=TODAY,
                                      due_time=datetime.time(8), status="given", at=timezone.now())


def test_the_api_answers_201_then_200_for_the_same_dose(world, api_as):
    p = _prescription(world)
    body = {"due_on": TODAY.isoformat(), "due_time": "20:00", "status": "given"}
    first = api_as(world.users["nurse"]).post(f"/prescriptions/{p.pk}/doses", body)
    second = api_as(world.users["doctor"]).post(f"/prescriptions/{p.pk}/doses", body)
    assert (first.status_code, second.status_code) == (201, 200) and first.json()["id"] == second.json()["id"]


def test_a_refused_or_missed_dose_needs_a_reason(world, api_as):
    p = _prescription(world)
    for status in ("refused", "not_given"):
        response = api_as(world.users["nurse"]).post(f"/prescriptions/{p.pk}/doses", {
            "due_on": TODAY.isoformat(), "due_time": "08:00", "status": status, "reason": "  "})
        assert response.status_code == 400 and response.json()["field"] == "reason", status
    assert not Administration.objects.exists()
    dose, _c, _p = services.record_dose(world.users["nurse"], p.pk, TODAY, "08:00", "refused", "nausées")
    assert dose.reason == "nausées"


@pytest.mark.parametrize("due_time, due_on, field", [("09:00", TODAY, "due_time"), ("25:00", TODAY, "times"),
                                                     ("08:00", TODAY - datetime.timedelta(days=30), "due_on")])
def test_a_dose_must_be_one_of_the_prescription(world, due_time, due_on, field):
    p = _prescription(world)
    with pytest.raises(DomainError) as error:
        services.record_dose(world.users["nurse"], p.pk, due_on, due_time, "given")
    assert error.value.field == field


def test_a_dose_is_never_recorded_by_another_team_or_profession(world):
    p = _prescription(world)
    with pytest.raises(NotFound):
        services.record_dose(world.outsider, p.pk, TODAY, "08:00", "given")
    with pytest.raises(NotFound):
        services.record_dose(world.users["social_worker"], p.pk, TODAY, "08:00", "given")


def test_the_day_chart_and_the_missed_dose_alert(world):
    p = _prescription(world)
    services.record_dose(world.users["nurse"], p.pk, TODAY, "08:00", "given")
    noon = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(12)))
    late = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(22, 30)))
    rows = services.day_chart(world.service_a, TODAY, now=noon)
    assert [s["state"] for s in rows[0]["lines"][0]["slots"]] == ["given", "pending"]
    assert not [a for a in services.alerts(world.service_a, TODAY, noon) if a["kind"] == "missed_dose"]
    missed = [a for a in services.alerts(world.service_a, TODAY, late) if a["kind"] == "missed_dose"]
    assert [(a["person"].pk, a["time"]) for a in missed] == [(world.person.pk, datetime.time(20))]


def test_the_prescription_ending_alert(world):
    ending = _prescription(world, ends_on=TODAY + datetime.timedelta(days=2))
    _prescription(world, ends_on=TODAY + datetime.timedelta(days=20))
    found = [a["record"].pk for a in services.alerts(world.service_a, TODAY) if a["kind"] == "prescription_ending"]
    assert found == [ending.pk]


def test_adherence_counts_doses_taken_out_of_doses_due(world):
    p = _prescription(world, times=("08:00",), starts_on=TODAY - datetime.timedelta(days=3))
    nurse = world.users["nurse"]
    services.record_dose(nurse, p.pk, TODAY - datetime.timedelta(days=3), "08:00", "given")
    services.record_dose(nurse, p.pk, TODAY - datetime.timedelta(days=2), "08:00", "refused", "refuse")
    # day -1 missed; today at 08:00 still ahead at 07:00.
    seven = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(7)))
    result = services.adherence([p], TODAY, now=seven)
    assert (result["due"], result["given"], result["refused"], result["missed"], result["rate"]) == (3, 1, 1, 1, 33)


def test_the_care_prescription_of_home_nursing_alerts_when_it_ends(care):
    nurse = care.users["nurse"]
    patient = _person(nurse, care.patient)
    alerts = services.alerts(care.ssiad, TODAY)
    assert [a["kind"] for a in alerts if a["person"].pk == care.patient.pk][0] == "care_prescription_missing"
    first = services.add_care_prescription(nurse, patient, care.home_care.pk, TODAY - datetime.timedelta(days=40),
                                           TODAY - datetime.timedelta(days=40), TODAY - datetime.timedelta(days=1),
                                           "Dr Roux")
    kinds = {a["kind"] for a in services.alerts(care.ssiad, TODAY) if a["person"].pk == care.patient.pk}
    assert "care_prescription_ended" in kinds
    services.add_care_prescription(nurse, patient, care.home_care.pk, TODAY, TODAY, TODAY + datetime.timedelta(days=5),
                                   "Dr Roux", renews_id=first.pk)
    kinds = {a["kind"] for a in services.alerts(care.ssiad, TODAY) if a["person"].pk == care.patient.pk}
    assert "care_prescription_ending" in kinds and "care_prescription_ended" not in kinds
    with pytest.raises(DomainError) as error:
        services.add_care_prescription(nurse, patient, care.home_care.pk, TODAY, TODAY,
                                       TODAY - datetime.timedelta(days=1), "Dr Roux")
    assert error.value.field == "ends_on"


def test_visits_falling_behind_the_expected_frequency_alert(care):
    from aupres.encounters.models import Encounter, EncounterPerson
    from aupres.persons.models import Person

    assert VisitFrequency.objects.get(kind__code="act_outreach").every_days == 7  # data, by service kind
    seen, unseen = Person.objects.create(alias="Vu"), Person.objects.create(alias="Pas vu")
    opened = TODAY - datetime.timedelta(days=30)
    for person in (seen, unseen):
        FollowUp.objects.create(person=person, service=care.act, opened_on=opened)
    encounter = Encounter.objects.create(service=care.act, occurred_at=timezone.now() - datetime.timedelta(days=3),
                                         place_kind="home", mode="planned_visit")
    EncounterPerson.objects.create(encounter=encounter, person=seen, service=care.act,
                                   occurred_at=encounter.occurred_at, followup=FollowUp.objects.get(person=seen))
    overdue = [(a["person"].pk, a["days"]) for a in services.alerts(care.act, TODAY) if a["kind"] == "visit_overdue"]
    assert overdue == [(unseen.pk, 30)]
    assert not [a for a in services.alerts(care.lhss, TODAY) if a["kind"] == "visit_overdue"]  # no frequency set


def test_transmissions_need_a_target_and_content(world):
    nurse = world.users["nurse"]
    person = _person(nurse, world.person)
    with pytest.raises(DomainError) as error:
        services.add_transmission(nurse, person, "Douleur")
    assert error.value.field == "data"
    t = services.add_transmission(nurse, person, "Douleur", data="EVA 6", actions="Paracétamol", results="EVA 2")
    assert t.shift in ("morning", "afternoon", "night")
    assert services.transmissions_of(world.users["doctor"], person) == [t]


def test_scales_are_scored_and_trend(world):
    nurse = world.users["nurse"]
    person = _person(nurse, world.person)
    services.record_scale(nurse, person, "pain_nrs", {"pain": 7}, on=TODAY - datetime.timedelta(days=1))
    services.record_scale(nurse, person, "pain_nrs", {"pain": "3"})
    trend = services.trend(services.scale_series(nurse, person))
    assert trend["pain_nrs"]["direction"] == "better" and trend["pain_nrs"]["last"].level == "mild"
    with pytest.raises(DomainError) as error:
        services.record_scale(nurse, person, "pain_nrs", {"pain": 12})
    assert error.value.field == "pain"


def test_a_consent_or_an_emergency_reads_but_never_writes(world):
    from aupres.sharing.models import SharingConsent

    SharingConsent.objects.create(person=world.person, from_service=world.service_a, to_service=world.service_b,
                                  scope="health", given_on=TODAY, given_how="oral")
    outsider = world.outsider
    services.add_condition(world.users["doctor"], _person(world.users["doctor"], world.person), "C50.9")
    person = _person(outsider, world.person)
    assert [c.code for c in services.conditions_of(outsider, person)] == ["C50.9"]
    with pytest.raises(Forbidden):
        services.add_condition(outsider, person, "E11.9")


def test_transmissions_are_in_the_persons_timeline_for_health_readers_only(world, api_as, client_as):
    nurse = world.users["nurse"]
    services.add_transmission(nurse, _person(nurse, world.person), "Plaie", data="suintement-secret")
    body = api_as(world.users["doctor"]).get(f"/persons/{world.person.pk}/timeline").json()
    assert "transmission" in [e["kind"] for e in body]
    page = client_as(world.users["doctor"]).get(f"/personnes/{world.person.pk}/")
    assert b"suintement-secret" in page.content
    for role in ("social_worker", "head_of_service"):
        body = api_as(world.users[role]).get(f"/persons/{world.person.pk}/timeline").json()
        assert "transmission" not in [e["kind"] for e in body], role
        assert b"suintement-secret" not in client_as(world.users[role]).get(f"/personnes/{world.person.pk}/").content


def test_the_care_network_and_coordination_acts(world, api_as):
    from aupres.encounters.models import ACT_COMPARTMENT, ActKind

    response = api_as(world.users["nurse"]).post(f"/persons/{world.person.pk}/care-contacts", {
        "kind": "pharmacy", "name": "Pharmacie de la Gare", "phone": "0320000000"})
    assert response.status_code == 201
    record = api_as(world.users["doctor"]).get(f"/persons/{world.person.pk}/care").json()
    assert [c["kind"] for c in record["care_network"]] == ["pharmacy"]
    assert api_as(world.users["social_worker"]).post(f"/persons/{world.person.pk}/care-contacts", {
        "kind": "pharmacy", "name": "X"}).status_code == 403
    bad = api_as(world.users["nurse"]).post(f"/persons/{world.person.pk}/care-contacts",
                                            {"kind": "pharmacy", "name": " "})
    assert bad.status_code == 400 and bad.json()["field"] == "name"
    assert ACT_COMPARTMENT[ActKind.CARE_COORDINATION] == Compartment.HEALTH
    assert ACT_COMPARTMENT[ActKind.HEALTH_MEDIATION] == Compartment.SOCIAL


def test_a_scale_level_is_named_by_its_own_scale():
    from aupres.care.models import ScaleResult

    assert ScaleResult(scale="pressure_braden", level="high").level_label != ScaleResult(
        scale="fall_morse", level="high").level_label


def test_an_aggir_grid_coded_by_adverbs_on_the_screen_and_the_api(world, api_as, client_as):
    from aupres.care.tests.test_scales import AGGIR_GRID

    nurse = world.users["nurse"]
    page = client_as(nurse).get(f"/soins/personnes/{world.person.pk}/echelles/?echelle=aggir")
    assert page.status_code == 200 and b'name="transfers_adverbs"' in page.content
    form = dict(AGGIR_GRID, scale="aggir", transfers="", transfers_adverbs=["S", "H"])
    assert client_as(nurse).post(f"/soins/personnes/{world.person.pk}/echelles/", form).status_code == 302
    result = ScaleResult.objects.get(person=world.person, scale="aggir")
    assert result.answers["transfers"] == "B" and result.answers["transfers_adverbs"] == "SH"
    bad = client_as(nurse).post(f"/soins/personnes/{world.person.pk}/echelles/", dict(form, transfers="A"))
    assert bad.status_code == 200 and b"donnent B, pas A" in bad.content
    assert ScaleResult.objects.filter(person=world.person, scale="aggir").count() == 1
    body = api_as(nurse).post(f"/persons/{world.person.pk}/scales", {"scale": "aggir", "answers": {
        **{f"{k}_adverbs": {"A": "STCH", "B": "ST", "C": "-"}[v] for k, v in AGGIR_GRID.items()}}})
    assert body.status_code == 201, body.json()
    assert float(body.json()["score"]) == 3 and body.json()["answers"]["transfers_adverbs"] == "ST"
    described = api_as(nurse).get("/care/scales").json()
    aggir = next(s for s in described if s["code"] == "aggir")
    assert [a["code"] for a in aggir["adverbs"]] == ["S", "T", "C", "H"]
    assert all(i["adverbs"] for i in aggir["items"])
