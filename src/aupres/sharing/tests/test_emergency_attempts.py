"""Issue #11 point 4: emergency access — the daily cap comes before the lookup, a refusal tells nothing of
who exists, every attempt is journaled."""

import pytest

from aupres.persons.models import Person

pytestmark = pytest.mark.django_db

REASON = "Malaise grave dans la rue, besoin des antécédents"


def attempts(user):
    from aupres.sharing.models import EmergencyAttempt

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
