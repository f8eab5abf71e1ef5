"""Issue #11 point 4: emergency access — the daily cap comes before the lookup, a refusal tells nothing of
who exists, every attempt is journaled."""

import pytest

from aupres.audit.models import AccessEvent
from aupres.persons.models import Person
from aupres.sharing import services
from aupres.sharing.models import EmergencyAttempt

pytestmark = pytest.mark.django_db

REASON = "Malaise grave dans la rue, besoin des antécédents"


def attempts(user):
    return list(EmergencyAttempt.objects.filter(user=user).order_by("pk").values_list("outcome", "person_id"))


def test_once_capped_existing_and_missing_records_get_the_same_answer(world, api_as, settings):
    settings.EMERGENCY_ACCESS_PER_DAY = 1
    api = api_as(world.outsider)
    missing = api.post("/emergency-access", {"reason": REASON, "person": 10**9})
    assert missing.status_code == 400 and missing.json()["code"] == "no_match"
    # The cap is reached: asking for a record that exists and one that does not answer alike.
    exists = api.post("/emergency-access", {"reason": REASON, "person": world.person.pk})
    nothing = api.post("/emergency-access", {"reason": REASON, "person": 10**9 + 1})
    assert exists.status_code == nothing.status_code == 429
    assert exists.json() == nothing.json()
    assert api.get(f"/persons/{world.person.pk}").status_code == 404


def test_several_matches_answer_like_no_match(world, api_as):
    Person.objects.create(first_name="Amina", last_name="Benali", birth_year=1980)
    Person.objects.create(first_name="Amina", last_name="Benali", birth_year=1980)
    api = api_as(world.outsider)
    several = api.post("/emergency-access", {"reason": REASON, "first_name": "Amina", "last_name": "Benali",
                                              "birth_year": 1980})
    none = api.post("/emergency-access", {"reason": REASON, "first_name": "Nobody", "last_name": "Here",
                                          "birth_year": 1980})
    assert several.status_code == none.status_code == 400
    assert several.json() == none.json()


def test_every_attempt_is_journaled(world, api_as, settings):
    settings.EMERGENCY_ACCESS_PER_DAY = 2
    api = api_as(world.outsider)
    api.post("/emergency-access", {"reason": "court"})
    api.post("/emergency-access", {"reason": REASON, "person": 10**9})
    assert api.post("/emergency-access", {"reason": REASON, "person": world.person.pk}).status_code == 201
    api.post("/emergency-access", {"reason": REASON, "person": world.person.pk})
    assert attempts(world.outsider) == [("reason_required", None), ("no_match", None),
                                        ("opened", world.person.pk), ("emergency_limit", None)]
    # A team member who is no health professional is refused, and that is journaled too.
    api_as(world.users["social_worker"]).post("/emergency-access", {"reason": REASON, "person": 1})
    assert attempts(world.users["social_worker"]) == [("health_professionals_only", None)]


def test_an_attempt_names_the_service_once_known_and_a_refusal_is_logged_by_its_code(world, caplog):
    # The log line names the account and the code: never the names typed, the number or the reason.
    caplog.set_level("INFO", logger="aupres.sharing.services")
    doctor, person = world.outsider, world.person
    for kw in ({"reason": "court", "person_id": person.pk}, {"reason": REASON, "person_id": 10**9},
               {"reason": REASON, "first_name": "Amina", "last_name": "Benali", "birth_year": 1979}):
        with pytest.raises(services.DomainError):
            services.open_emergency_access(doctor, **kw)
    b = world.service_b.pk
    assert list(EmergencyAttempt.objects.filter(user=doctor).order_by("pk").values_list(
        "outcome", "service_id", "person_id")) == [("reason_required", b, None), ("no_match", b, None),
                                                   ("no_match", b, None)]
    assert [r.getMessage() for r in caplog.records] == [
        f"emergency access refused to user {doctor.pk}: reason_required",
        f"emergency access refused to user {doctor.pk}: no_match",
        f"emergency access refused to user {doctor.pk}: no_match"]


def test_opening_again_what_is_open_is_journaled_and_not_counted(world, settings):
    settings.EMERGENCY_ACCESS_PER_DAY = 2
    doctor, person = world.outsider, world.person
    other = Person.objects.create(first_name="Karim", last_name="Haddad", birth_year=1975)
    first = services.open_emergency_access(doctor, reason=REASON, person_id=person.pk)
    again = services.open_emergency_access(doctor, reason=REASON, person_id=person.pk)
    assert again.pk == first.pk
    # The same access, read again: journaled as such, and not one of the day's openings.
    events = AccessEvent.objects.concerning(person.pk).filter(user=doctor, action="create")
    assert list(events.values_list("emergency_access_id", flat=True)) == [first.pk, first.pk]
    services.open_emergency_access(doctor, reason=REASON, person_id=other.pk)
    assert attempts(doctor) == [("opened", person.pk), ("already_open", person.pk), ("opened", other.pk)]
    # Already following: the person is named in the answer, which the team may open; journaled, not counted.
    with pytest.raises(services.Conflict):
        services.open_emergency_access(world.users["doctor"], reason=REASON, person_id=person.pk)
    assert attempts(world.users["doctor"]) == [("already_following", person.pk)]
