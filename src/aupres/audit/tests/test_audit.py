"""The audit trail: every read and change of a person is recorded, without content, append-only."""

import pytest
from django.contrib import admin

from aupres.audit.models import AccessEvent, AppendOnly, RectificationEntry
from aupres.audit.services import record
from aupres.persons.models import Person

pytestmark = pytest.mark.django_db


def events(**filters):
    return list(AccessEvent.objects.filter(**filters).order_by("pk"))


def test_reading_a_person_on_screen_records_who_which_compartments_and_service(world, client_as):
    doctor = world.users["doctor"]
    assert client_as(doctor).get(f"/personnes/{world.person.pk}/").status_code == 200
    [event] = events(action="read")
    assert event.user == doctor and event.username == "doctor"
    assert event.person_id == world.person.pk and event.service_id == world.service_a.pk
    assert event.compartment_list == ["identity", "administrative", "social", "health"]
    assert (event.channel, event.route) == ("screen", "persons:detail")


def test_the_head_of_service_reads_the_administrative_compartment_only(world, client_as):
    client_as(world.users["head_of_service"]).get(f"/personnes/{world.person.pk}/")
    [event] = events(action="read")
    assert event.compartment_list == ["identity", "administrative"]


def test_refused_reads_record_nothing(world, client_as, api_as):
    assert client_as(world.outsider).get(f"/personnes/{world.person.pk}/").status_code == 404
    assert api_as(world.users["social_worker"]).get(f"/persons/{world.person.pk}/medical-profile").status_code == 403
    assert not AccessEvent.objects.exists()


def test_api_reads_lists_and_changes_are_recorded(world, api_as):
    api = api_as(world.users["nurse"])
    other = Person.objects.create(alias="Autre")
    from aupres.followups.models import FollowUp

    FollowUp.objects.create(person=other, service=world.service_a, opened_on="2026-01-05")
    assert api.get("/persons").status_code == 200
    [listed] = events(action="list")  # one event naming both persons
    assert (listed.person_id, set(listed.person_id_list), listed.person_count) == (
        None, {world.person.pk, other.pk}, 2)
    listed = [listed]
    assert all(e.channel == "api" and e.route == "api:list_persons" for e in listed)
    assert api.post("/persons/search", {"q": "mina"}).status_code == 200
    assert [e.person_id for e in events(action="list", route="api:search_persons")] == [world.person.pk]
    api.get(f"/persons/{world.person.pk}/medical-profile")
    assert events(action="read")[-1].compartment_list == ["health"]
    r = api.patch(f"/persons/{world.person.pk}", {"version": world.person.version, "phone": "0611111111"})
    assert r.status_code == 200
    [update] = events(action="update")
    assert update.compartment_list == ["administrative"]
    r = api.post(f"/persons/{world.person.pk}/notes", {"compartment": "health", "text": "Tension haute"})
    assert r.status_code == 201
    assert events(action="create")[-1].compartment_list == ["health"]


def test_screen_lists_record_every_person_listed(world, client_as):
    client_as(world.users["nurse"]).get("/personnes/")
    assert [e.person_id for e in events(action="list", route="persons:caseload")] == [world.person.pk]
    client_as(world.users["nurse"]).post("/personnes/recherche/", {"q": "benali"})
    assert [e.person_id for e in events(action="list", route="persons:search")] == [world.person.pk]


def test_events_hold_no_personal_content(world, client_as, api_as):
    client_as(world.users["doctor"]).get(f"/personnes/{world.person.pk}/")
    api = api_as(world.users["doctor"])
    api.patch(f"/persons/{world.person.pk}", {"version": world.person.version, "last_name": "Benali-Haddad"})
    api.post(f"/persons/{world.person.pk}/notes", {"compartment": "health", "text": "Diabète déséquilibré"})
    secrets = ["Amina", "Benali", "Mina", "0600000000", "Diab", "Haddad"]
    for event in AccessEvent.objects.all():
        text = " ".join(str(getattr(event, f.attname)) for f in AccessEvent._meta.concrete_fields)
        assert not [s for s in secrets if s.lower() in text.lower()], text


def test_events_cannot_be_changed_or_deleted(world):
    record(world.users["nurse"], world.person, "read", ["social"])
    event = AccessEvent.objects.get()
    event.action = "update"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AccessEvent.objects.filter(pk=event.pk).update(action="update")
    with pytest.raises(AppendOnly):
        AccessEvent.objects.all().delete()
    model_admin = admin.site._registry[AccessEvent]
    assert not model_admin.has_change_permission(None) and not model_admin.has_delete_permission(None)
    assert not model_admin.has_add_permission(None)
    assert AccessEvent.objects.get().action == "read"


def test_record_deduplicates_and_accepts_ids_or_persons(world):
    assert record(world.users["nurse"], [world.person, world.person.pk, world.person], "list") == 1
    assert record(world.users["nurse"], [], "list") == 0
    with pytest.raises(ValueError):
        record(world.users["nurse"], world.person, "peek")


# Rectification history ------------------------------------------------------------------------

def test_changes_keep_who_changed_which_field_from_what_to_what(world, client_as):
    client = client_as(world.users["social_worker"])
    r = client.post(f"/personnes/{world.person.pk}/modifier/", {
        "version": world.person.version, "alias": "Mina", "first_name": "Amina", "last_name": "Benali",
        "sex": "unknown", "phone": "0699999999", "languages": "arabe, français",
        "administrative_situation": "unknown", "birth_date": "1980-05-01", "birth_year": "1980",
    })
    assert r.status_code == 302, r.content.decode()[:2000]
    [entry] = RectificationEntry.objects.all()
    assert (entry.field, entry.old_value, entry.new_value) == ("phone", "0600000000", "0699999999")
    assert entry.compartment == "administrative" and entry.user == world.users["social_worker"]
    [update] = events(action="update")
    assert update.compartment_list == ["administrative"] and update.route == "persons:edit"


def test_rectifications_of_health_fields_are_shown_only_to_health_professionals(world, api_as):
    doctor = api_as(world.users["doctor"])
    profile = doctor.get(f"/persons/{world.person.pk}/medical-profile").json()
    r = doctor.patch(f"/persons/{world.person.pk}/medical-profile",
                     {"version": profile["version"], "allergies": "Pénicilline"})
    assert r.status_code == 200
    [entry] = doctor.get(f"/persons/{world.person.pk}/rectifications").json()
    assert (entry["field"], entry["new_value"], entry["compartment"]) == ("allergies", "Pénicilline", "health")
    social = api_as(world.users["social_worker"]).get(f"/persons/{world.person.pk}/rectifications")
    assert social.status_code == 200 and social.json() == []


# Screens and API to read the trail ------------------------------------------------------------

def test_person_page_shows_who_consulted_it(world, client_as):
    client_as(world.users["doctor"]).get(f"/personnes/{world.person.pk}/")
    r = client_as(world.users["nurse"]).get(f"/personnes/{world.person.pk}/")
    accesses = r.context["accesses"]
    assert [e.username for e in accesses] == ["nurse", "doctor"]
    assert 'data-testid="person-accesses"' in r.content.decode()


def test_person_accesses_api_for_those_who_see_the_person(world, api_as, client_as):
    client_as(world.users["doctor"]).get(f"/personnes/{world.person.pk}/")
    r = api_as(world.users["nurse"]).get(f"/persons/{world.person.pk}/accesses")
    assert r.status_code == 200 and [a["username"] for a in r.json()] == ["doctor"]
    assert api_as(world.outsider).get(f"/persons/{world.person.pk}/accesses").status_code == 404


def test_journal_for_the_head_of_service_only(world, client_as, api_as):
    client_as(world.users["doctor"]).get(f"/personnes/{world.person.pk}/")
    record(world.outsider, 999999, "read")  # an event on a person service A never followed
    head = client_as(world.users["head_of_service"])
    r = head.get("/journal/")
    assert r.status_code == 200
    assert [(e.username, e.person_id) for e in r.context["page"]] == [("doctor", world.person.pk)]
    assert world.person.display_name in r.content.decode()
    assert head.get(f"/journal/?personne={world.person.pk}&action=update").context["page"].paginator.count == 0
    assert client_as(world.users["doctor"]).get("/journal/").status_code == 403
    assert client_as(world.outsider_head).get("/journal/").context["page"].paginator.count == 0
    r = api_as(world.users["head_of_service"]).get(f"/audit/events?person={world.person.pk}")
    assert r.status_code == 200 and r.json()["count"] == 1
    assert r.json()["items"][0]["compartments"] == ["identity", "administrative", "social", "health"]
    r = api_as(world.users["nurse"]).get("/audit/events")
    assert r.status_code == 403 and r.json()["code"] == "head_of_service_only"


# A listing is one event (issue #16) ----------------------------------------------------------------

def _followed_persons(world, n):
    from aupres.followups.models import FollowUp

    persons = Person.objects.bulk_create([Person(alias=f"Liste {i}") for i in range(n)])
    FollowUp.objects.bulk_create([FollowUp(person=p, service=world.service_a, opened_on="2026-01-05")
                                  for p in persons])
    return persons


def test_a_listing_of_fifty_persons_is_one_row_that_still_names_each_person(world, client_as, api_as):
    persons = _followed_persons(world, 49)  # with world.person: 50 on the caseload
    nurse = world.users["nurse"]
    before = AccessEvent.objects.count()
    assert api_as(nurse).get("/persons?limit=50").status_code == 200
    assert AccessEvent.objects.count() - before == 1
    event = AccessEvent.objects.latest("pk")
    assert (event.action, event.person_id, event.person_count) == ("list", None, 50)
    assert set(event.person_id_list) == {world.person.pk, *(p.pk for p in persons)}
    # Per-person traceability: each person's events find the listing, and no one else's do.
    for p in (persons[0], persons[-1], world.person):
        assert list(AccessEvent.objects.concerning(p.pk)) == [event]
    stranger = Person.objects.create(alias="Inconnu")
    assert not AccessEvent.objects.concerning(stranger.pk).exists()
    # The person's page and the API list the listing among their accesses; the head's journal too.
    accesses = api_as(world.users["doctor"]).get(f"/persons/{persons[3].pk}/accesses").json()
    assert [(a["action"], a["username"]) for a in accesses] == [("list", "nurse")]
    head = api_as(world.users["head_of_service"])
    found = head.get(f"/audit/events?person={persons[3].pk}&action=list").json()
    assert found["count"] == 1 and found["items"][0]["person_count"] == 50
    assert persons[3].pk in found["items"][0]["person_ids"]
    page = client_as(world.users["head_of_service"]).get(f"/journal/?personne={persons[3].pk}")
    assert "50" in page.content.decode()


def test_ids_that_share_digits_are_not_confused(world):
    nurse = world.users["nurse"]
    a, b = 7, 17
    record(nurse, [a, 170, 71], "list")
    assert not AccessEvent.objects.concerning(b).exists()
    assert AccessEvent.objects.concerning(a).count() == 1
    assert AccessEvent.objects.concerning(170).count() == 1


def test_the_head_sees_listings_of_the_persons_the_service_follows_by_another_service(world, api_as):
    persons = _followed_persons(world, 3)
    record(world.outsider, [persons[0].pk, persons[1].pk], "list")  # another service's listing
    record(world.outsider, [991, 992], "list")  # persons the head's services do not follow
    items = api_as(world.users["head_of_service"]).get("/audit/events?action=list").json()["items"]
    assert [sorted(i["person_ids"]) for i in items if i["username"] == world.outsider.username] == [
        sorted([persons[0].pk, persons[1].pk])]
