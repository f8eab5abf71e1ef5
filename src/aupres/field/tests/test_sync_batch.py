"""POST /api/v1/sync applies a batch at once (issue #12): reads once per batch, bulk inserts, one journal
insert, and still every rule of create_encounter, per capture."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aupres.audit.models import AccessEvent
from aupres.core.errors import DomainError
from aupres.encounters import services as encounters
from aupres.encounters.models import Act, Encounter, EncounterPerson
from aupres.field.models import SyncReceipt
from aupres.field.tests.test_sync import encounter_capture, sync
from aupres.followups.models import FollowUp
from aupres.persons.models import Note, Person

pytestmark = pytest.mark.django_db


def persons(world, n):
    made = []
    for i in range(n):
        p = Person.objects.create(alias=f"Lot-{i}")
        FollowUp.objects.create(person=p, service=world.service_a, opened_on=datetime.date(2026, 1, 5))
        made.append(p)
    return made


def inserts(queries, table):
    return [q for q in queries if q["sql"].startswith(f'INSERT INTO "{table}"')]


def test_the_queries_of_a_batch_do_not_grow_with_its_size(world, api_as):
    client = api_as(world.users["nurse"])
    people = persons(world, 30)
    counts = {}
    for n in (3, 30):
        items = [encounter_capture(world, person=people[i], acts=("social_interview", "nursing_care"))
                 for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            results = sync(client, items)
        assert [r["status"] for r in results] == ["created"] * n
        counts[n] = len(queries.captured_queries)
        # One insert per table, the journal included.
        for table in ("encounters_encounter", "encounters_act", "encounters_encounterperson", "field_syncreceipt",
                      "audit_accessevent"):
            assert len(inserts(queries.captured_queries, table)) == 1, table
    assert abs(counts[30] - counts[3]) <= 1 and max(counts.values()) <= 20, counts  # not one per capture
    assert Encounter.objects.count() == 33 and Act.objects.count() == 66 and SyncReceipt.objects.count() == 33
    assert AccessEvent.objects.filter(action="create", route="api:sync").count() == 33
    for e in Encounter.objects.all():
        assert list(e.staff.values_list("pk", flat=True)) == [world.users["nurse"].pk]
        link = EncounterPerson.objects.get(encounter=e)
        assert link.followup.person_id == link.person_id and link.occurred_at == e.occurred_at


def test_a_mixed_batch_answers_each_capture_alone(world, api_as):
    nurse = world.users["nurse"]
    client = api_as(nurse)
    people = persons(world, 3)
    plain = [encounter_capture(world, person=p) for p in people]
    refused = encounter_capture(world, acts=("nonsense",))
    conflict = encounter_capture(world, person=people[0], version=people[0].version + 1)
    street = encounter_capture(world, new_persons=[{"alias": "Nouveau-lot"}], anonymous_contacts=2)
    street["encounter"]["acts"].append({"kind": "material_aid", "new_person": 0})
    oriented = encounter_capture(world, orientations=[{"kind": "orientation", "target": "pass",
                                                       "person": world.person.pk}])
    world.person.refresh_from_db()
    note = {"client_uuid": str(uuid.uuid4()), "kind": "note",
            "persons_seen": [{"id": world.person.pk, "version": world.person.version}],
            "note": {"person": world.person.pk, "compartment": "health", "text": "Lot: pansement"}}
    batch = [plain[0], refused, plain[1], conflict, street, plain[0], note, oriented, plain[2]]
    results = sync(client, batch)
    assert [r["status"] for r in results] == ["created", "refused", "created", "conflict", "created",
                                              "already_applied", "created", "created", "created"]
    assert [r["client_uuid"] for r in results] == [i["client_uuid"] for i in batch]
    assert results[5]["record"] == results[0]["record"]
    assert Encounter.objects.filter(client_uuid=plain[0]["client_uuid"]).count() == 1
    assert not Encounter.objects.filter(client_uuid=refused["client_uuid"]).exists()
    assert not Encounter.objects.filter(client_uuid=conflict["client_uuid"]).exists()
    assert Person.objects.filter(alias="Nouveau-lot").count() == 1
    assert Note.objects.filter(text="Lot: pansement").count() == 1
    assert Encounter.objects.get(client_uuid=oriented["client_uuid"]).orientations.count() == 1
    assert SyncReceipt.objects.count() == 6
    # Each write journalled once, with the compartments it wrote; the conflict's names as a read.
    # (an encounter of several persons is one event naming them all: concerning() finds both kinds)
    written = sorted(AccessEvent.objects.concerning(world.person.pk).filter(
        action="create", route="api:sync", channel="api").values_list("compartments", flat=True))
    # The note (health), the street round and the oriented encounter (identity, social, their acts' ones).
    assert len(written) == 3 and "health" in written
    assert all({"identity", "social"} <= set(c.split(",")) for c in written if c != "health")
    assert AccessEvent.objects.filter(action="read", person_id=people[0].pk, route="api:sync").count() == 1
    again = sync(client, batch)
    assert [r["status"] for r in again] == ["already_applied", "refused", "already_applied", "conflict",
                                            "already_applied", "already_applied", "already_applied",
                                            "already_applied", "already_applied"]
    assert SyncReceipt.objects.count() == 6


def test_a_capture_applied_meanwhile_by_a_concurrent_request_is_told_alone(world, api_as, monkeypatch):
    """Between the batch's reads and its inserts, another request applies one of its UUIDs: the bulk insert
    fails on the unique key, and the captures are applied one by one: that one is already applied."""
    client = api_as(world.users["social_worker"])
    people = persons(world, 3)
    items = [encounter_capture(world, person=p) for p in people]
    raced = items[1]
    # The other request's encounter, committed after this batch read the recorded UUIDs.
    encounters.create_encounter(world.users["social_worker"], client_uuid=uuid.UUID(raced["client_uuid"]),
                                **encounters_args(raced))
    original = encounters.EncounterReads.prefetch

    def prefetch_then_race(self, batch):
        original(self, batch)
        if len(batch) > 1:  # the batch's read came before the other request's commit
            self._recorded.pop(raced["client_uuid"], None)

    monkeypatch.setattr(encounters.EncounterReads, "prefetch", prefetch_then_race)
    results = sync(client, items)
    assert [r["status"] for r in results] == ["created", "already_applied", "created"]
    assert Encounter.objects.filter(client_uuid__in=[i["client_uuid"] for i in items]).count() == 3


def encounters_args(item):
    e = item["encounter"]
    return {"service_id": e["service"], "occurred_at": datetime.datetime.fromisoformat(e["occurred_at"]),
            "place_kind": e["place_kind"], "mode": e["mode"], "persons": e["persons"], "acts": e["acts"]}


ACT_KINDS = ["social_interview", "nursing_care", "material_aid", "wound_care", "orientation", "bogus"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_batch_keeps_every_rule_of_create_encounter(world, data):
    """Whatever the encounter, the batch refuses what create_encounter refuses, with the same code and field,
    and records what it records."""
    user = world.users[data.draw(st.sampled_from(["social_worker", "nurse", "doctor"]))]
    stranger = Person.objects.get_or_create(alias="Hors-service")[0]
    person = data.draw(st.sampled_from([world.person.pk, stranger.pk]))
    n_anonymous = data.draw(st.sampled_from([0, 2, 5000]))
    acts = [{"kind": data.draw(st.sampled_from(ACT_KINDS)),
             **data.draw(st.sampled_from([{}, {"person": person}, {"person": 999999}, {"new_person": 0}]))}
            for _ in range(data.draw(st.integers(0, 3)))]
    values = dict(
        service_id=data.draw(st.sampled_from([world.service_a.pk, world.service_b.pk, None])),
        occurred_at=timezone.now() - datetime.timedelta(minutes=data.draw(st.sampled_from([5, -60]))),
        place_kind=data.draw(st.sampled_from(["street", "moon"])),
        mode=data.draw(st.sampled_from(["street_round", "visit"])),
        persons=data.draw(st.sampled_from([[], [person]])), anonymous_contacts=n_anonymous,
        staff=data.draw(st.sampled_from([[], [world.outsider.pk]])), acts=acts)

    def single():
        try:
            encounter, _created = encounters.create_encounter(user, client_uuid=uuid.uuid4(), **values)
        except DomainError as error:
            return ("refused", error.code, error.field)
        return ("created", sorted(encounter.acts.values_list("kind", "person_id")))

    def batched():
        from django.db import transaction

        with transaction.atomic():
            done = encounters.create_encounters(user, [{**values, "client_uuid": uuid.uuid4()}])[0]
        if isinstance(done, DomainError):
            return ("refused", done.code, done.field)
        return ("created", sorted(done[0].acts.values_list("kind", "person_id")))

    assert batched() == single()
