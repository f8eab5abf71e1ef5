"""Encounters and acts: recording rules, compartments, street rounds, last encounter per follow-up."""

import datetime
import uuid

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aupres.core.errors import DomainError, Forbidden, NotFound
from aupres.encounters import services
from aupres.encounters.models import ACT_COMPARTMENT, Act, ActKind, Encounter, Orientation
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.services.models import Profession

pytestmark = pytest.mark.django_db

HEALTH_ACT, SOCIAL_ACT, ADMIN_ACT = ActKind.WOUND_CARE, ActKind.SOCIAL_INTERVIEW, ActKind.RIGHTS_APPLICATION


def when(days=1):
    return timezone.now() - datetime.timedelta(days=days)


def record(world, user=None, **kw):
    user = user or world.users[Profession.NURSE]
    values = dict(service_id=world.service_a.pk, occurred_at=when(), place_kind="street", mode="visit",
                  persons=[world.person.pk],
                  acts=[{"kind": HEALTH_ACT, "details": "plaie-secrete"}, {"kind": SOCIAL_ACT, "details": "entretien"}])
    values.update(kw)
    return services.create_encounter(user, **values)


def test_an_encounter_with_two_acts_is_recorded_with_each_act_in_its_compartment(world):
    encounter, created = record(world)
    assert created
    acts = {a.kind: a for a in encounter.acts.all()}
    assert acts[HEALTH_ACT].compartment == "health" and acts[SOCIAL_ACT].compartment == "social"
    assert all(a.person_id == world.person.pk for a in acts.values())
    assert list(encounter.staff.all()) == [world.users[Profession.NURSE]]
    link = encounter.participants.get()
    assert link.followup == FollowUp.objects.get(person=world.person, service=world.service_a)


def test_every_act_kind_has_a_compartment():
    assert set(ACT_COMPARTMENT) == set(ActKind)


@pytest.mark.parametrize("profession", list(Profession))
def test_what_each_profession_reads_of_an_encounter(world, profession):
    encounter, _ = record(world, acts=[{"kind": HEALTH_ACT}, {"kind": SOCIAL_ACT}, {"kind": ADMIN_ACT}])
    user = world.users[profession]
    comps = services._comps(user, world.service_a.pk)
    if "social" not in comps:  # head of service: the encounter itself is social (403, not hidden)
        with pytest.raises(Forbidden) as err:
            services.get_encounter(user, encounter.pk)
        assert err.value.code == "compartment_forbidden"
        return
    seen = services.get_encounter(user, encounter.pk)
    kinds = {a.kind for a in services.encounter_acts(user, seen)}
    assert kinds == {k for k in (HEALTH_ACT, SOCIAL_ACT, ADMIN_ACT) if ACT_COMPARTMENT[k] in comps}


def test_other_teams_do_not_see_the_encounter(world):
    encounter, _ = record(world)
    with pytest.raises(NotFound):
        services.get_encounter(world.outsider, encounter.pk)
    assert not services.visible_encounters(world.outsider).exists()


def test_a_social_worker_cannot_record_a_health_act(world):
    with pytest.raises(Forbidden) as err:
        record(world, user=world.users[Profession.SOCIAL_WORKER])
    assert err.value.code == "compartment_forbidden"
    assert not Encounter.objects.exists()


def test_an_encounter_needs_the_service_to_follow_the_person(world):
    stranger = Person.objects.create(alias="Inconnu")
    FollowUp.objects.create(person=stranger, service=world.service_b, opened_on=datetime.date(2026, 1, 1))
    with pytest.raises(NotFound):
        record(world, persons=[stranger.pk])
    assert not Encounter.objects.exists()


def test_a_head_of_service_cannot_record_an_encounter(world):
    with pytest.raises(Forbidden):
        record(world, user=world.users[Profession.HEAD_OF_SERVICE], acts=[{"kind": ADMIN_ACT}])


def test_new_persons_only_on_a_street_round(world):
    with pytest.raises(DomainError) as err:
        record(world, new_persons=[{"alias": "Nouveau"}])
    assert err.value.code == "new_person_not_allowed"
    assert not Person.objects.filter(alias="Nouveau").exists()


def test_a_future_encounter_is_refused(world):
    with pytest.raises(DomainError) as err:
        record(world, occurred_at=timezone.now() + datetime.timedelta(days=2))
    assert err.value.field == "occurred_at"


def test_an_act_must_say_whom_it_is_for_when_several_persons_were_met(world):
    other = Person.objects.create(alias="Deux")
    FollowUp.objects.create(person=other, service=world.service_a, opened_on=datetime.date(2026, 1, 1))
    with pytest.raises(DomainError) as err:
        record(world, persons=[world.person.pk, other.pk], acts=[{"kind": SOCIAL_ACT}])
    assert err.value.code == "act_person_required"
    encounter, _ = record(world, persons=[world.person.pk, other.pk],
                          acts=[{"kind": SOCIAL_ACT, "person": other.pk}])
    assert encounter.acts.get().person == other


def test_street_round_with_known_new_and_anonymous_contacts(world):
    nurse = world.users[Profession.NURSE]
    encounter, _ = services.create_encounter(
        nurse, service_id=world.service_a.pk, occurred_at=when(0), place_kind="street", mode="street_round",
        persons=[world.person.pk],
        new_persons=[{"alias": "Le Grand", "sex": "male", "estimated_age": 40}, {"first_name": "Ioana"}],
        anonymous_contacts=7,
        acts=[{"kind": SOCIAL_ACT, "person": world.person.pk}, {"kind": ActKind.FIRST_AID, "new_person": 0},
              {"kind": ActKind.MATERIAL_AID}])
    assert encounter.anonymous_contacts == 7
    met = set(encounter.participants.values_list("person__alias", "person__first_name"))
    assert met == {("Mina", "Amina"), ("Le Grand", ""), ("", "Ioana")}
    newcomer = Person.objects.get(alias="Le Grand")
    assert newcomer.estimated_age == 40
    # The new persons are followed by the service, so that the team finds them again.
    assert FollowUp.objects.open().filter(person=newcomer, service=world.service_a).exists()
    acts = {a.kind: a.person_id for a in encounter.acts.all()}
    assert acts == {SOCIAL_ACT: world.person.pk, ActKind.FIRST_AID: newcomer.pk, ActKind.MATERIAL_AID: None}
    # Anonymous contacts are counted, never named.
    assert encounter.participants.count() == 3


def test_a_round_with_anonymous_contacts_only(world):
    encounter, _ = record(world, mode="street_round", persons=[], anonymous_contacts=3,
                          acts=[{"kind": ActKind.MATERIAL_AID}])
    assert encounter.participants.count() == 0 and encounter.acts.get().person is None


def test_nobody_met_is_refused(world):
    with pytest.raises(DomainError) as err:
        record(world, persons=[], acts=[])
    assert err.value.code == "nobody_met"


def test_a_retried_client_uuid_records_once(world):
    key = uuid.uuid4()
    first, created = record(world, client_uuid=key)
    again, created_again = record(world, client_uuid=key)
    assert created and not created_again and first.pk == again.pk
    assert Encounter.objects.count() == 1 and Act.objects.count() == 2


def test_an_orientation_recorded_with_the_encounter(world):
    encounter, _ = record(world, orientations=[{"kind": "orientation", "target": "pass", "partner_name": "PASS Lille"}])
    o = Orientation.objects.get()
    assert o.encounter == encounter and o.compartment == "health" and o.status == "sent"
    assert encounter.acts.filter(kind=ActKind.ORIENTATION, person=world.person).exists()


def test_last_encounter_dates(world):
    followup = FollowUp.objects.get(person=world.person, service=world.service_a)
    assert services.last_encounter_dates([followup.pk]) == {}
    record(world, occurred_at=when(10))
    record(world, occurred_at=when(3))
    expected = timezone.localtime(when(3)).date()
    assert services.last_encounter_dates([followup.pk]) == {followup.pk: expected}


def test_last_encounter_dates_keeps_services_apart(world):
    # The person is also followed by service B; B's encounter does not count for A's follow-up.
    fb = FollowUp.objects.create(person=world.person, service=world.service_b, opened_on=datetime.date(2026, 1, 1))
    services.create_encounter(world.outsider, service_id=world.service_b.pk, occurred_at=when(1),
                              place_kind="street", mode="visit", persons=[world.person.pk])
    fa = FollowUp.objects.get(person=world.person, service=world.service_a)
    record(world, occurred_at=when(20))
    dates = services.last_encounter_dates([fa.pk, fb.pk])
    assert dates[fa.pk] == timezone.localtime(when(20)).date()
    assert dates[fb.pk] == timezone.localtime(when(1)).date()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(list(ActKind)), min_size=1, max_size=4),
       profession=st.sampled_from([Profession.NURSE, Profession.SOCIAL_WORKER, Profession.DRIVER]))
def test_recording_acts_follows_the_compartments(world, kinds, profession):
    user = world.users[profession]
    comps = services._comps(user, world.service_a.pk)
    before = Encounter.objects.count()
    allowed = all(ACT_COMPARTMENT[k] in comps for k in kinds)
    try:
        encounter, _ = record(world, user=user, acts=[{"kind": k} for k in kinds])
    except Forbidden:
        assert not allowed
        assert Encounter.objects.count() == before
    else:
        assert allowed
        assert sorted(encounter.acts.values_list("kind", flat=True)) == sorted(kinds)
