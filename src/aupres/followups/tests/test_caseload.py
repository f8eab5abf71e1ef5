"""The caseload: one row per person with their follow-ups in my services, last encounters read in
the page's query, a number of queries that does not grow with the page."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aupres.core import access
from aupres.encounters import services as encounters
from aupres.followups import services
from aupres.followups.models import FollowUp
from aupres.followups.services import caseload
from aupres.persons.models import Person
from aupres.services.models import Membership, Profession

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def join_b(world, user):
    Membership.objects.create(user=user, service=world.service_b, profession=Profession.NURSE, etp=Decimal("0.5"),
                              start_date=datetime.date(2025, 1, 1))
    access.forget(user)


def met(user, service, person, days):
    encounters.create_encounter(user, service_id=service.pk, place_kind="street", mode="visit", persons=[person.pk],
                                occurred_at=timezone.now() - datetime.timedelta(days=days))


def test_a_person_followed_by_two_of_my_services_is_one_row(world):
    nurse = world.users[Profession.NURSE]
    join_b(world, nurse)
    fb = FollowUp.objects.create(person=world.person, service=world.service_b, opened_on=TODAY)
    other = Person.objects.create(first_name="Zoé", last_name="Zed")
    FollowUp.objects.create(person=other, service=world.service_b, opened_on=TODAY)
    closed = Person.objects.create(first_name="Aline", last_name="Aa")
    FollowUp.objects.create(person=closed, service=world.service_a, opened_on=TODAY, closed_on=TODAY,
                            access_until=TODAY + datetime.timedelta(days=30))
    rows = list(caseload(nurse).page(1, 50))
    assert [p.pk for p in rows] == [world.person.pk, other.pk]  # by name; a closed follow-up is not listed
    fa = FollowUp.objects.get(person=world.person, service=world.service_a)
    assert {f.pk for f in rows[0].caseload_followups} == {fa.pk, fb.pk}
    assert caseload(nurse).page(1, 50).paginator.count == 2


def test_last_encounters_come_with_the_page(world):
    nurse = world.users[Profession.NURSE]
    join_b(world, nurse)
    fb = FollowUp.objects.create(person=world.person, service=world.service_b, opened_on=TODAY)
    fa = FollowUp.objects.get(person=world.person, service=world.service_a)
    met(nurse, world.service_a, world.person, 12)
    met(nurse, world.service_a, world.person, 4)
    met(nurse, world.service_b, world.person, 1)
    row = list(caseload(nurse).page(1, 50))[0]
    last = {f.pk: f.last_encounter for f in row.caseload_followups}
    day = lambda days: timezone.localtime(timezone.now() - datetime.timedelta(days=days)).date()  # noqa: E731
    assert last == {fa.pk: day(4), fb.pk: day(1)}
    assert encounters.last_encounter_dates([fa.pk, fb.pk]) == last


def test_the_page_costs_the_same_number_of_queries_for_one_row_or_many(world, client_as):
    nurse = world.users[Profession.NURSE]
    client = client_as(nurse)
    client.get("/personnes/")  # first request: session and caches
    with CaptureQueriesContext(connection) as one:
        assert client.get("/personnes/").status_code == 200
    for i in range(12):
        p = Person.objects.create(first_name=f"P{i}", last_name=f"Nom{i:02d}")
        FollowUp.objects.create(person=p, service=world.service_a, opened_on=TODAY)
        met(nurse, world.service_a, p, i + 1)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/personnes/")
    assert page.status_code == 200 and page.content.decode().count('data-testid="caseload-person-') == 13
    assert len(many.captured_queries) == len(one.captured_queries)
    assert len(many.captured_queries) <= 14  # session, user, second factor, memberships, persons with their count,
    # follow-ups, emergency accesses (for the audit flag), audit, the menu, the services of the filter form
    # (issue #13), the session save (3)


def test_the_orm_path_is_two_reads(world):
    nurse = world.users[Profession.NURSE]
    access.compartments_by_service(nurse)
    with CaptureQueriesContext(connection) as ctx:
        page = caseload(nurse).page(1, 50)
        rows = list(page)
    assert len(rows) == 1 and rows[0].caseload_followups
    # The page is journaled by the service that reads it (issue #16): its writes are the journal's.
    reads = [q for q in ctx.captured_queries if "audit_accessevent" not in q["sql"]
             and "sharing_emergencyaccess" not in q["sql"]]
    assert len(reads) == 2  # the page of persons with the total (D77), their follow-ups (with last encounters)
    assert [q for q in ctx.captured_queries if q["sql"].startswith("INSERT INTO \"audit_accessevent\"")]
    assert len(ctx.captured_queries) <= 5


def test_alerts_of_every_followup_show_on_the_person_row(world, client_as):
    nurse = world.users[Profession.NURSE]
    join_b(world, nurse)
    world.service_b.no_encounter_alert_days = 5
    world.service_b.save()
    fb = FollowUp.objects.create(person=world.person, service=world.service_b,
                                 opened_on=TODAY - datetime.timedelta(days=20))
    body = client_as(nurse).get("/personnes/").content.decode()
    assert f'data-testid="alerts-{fb.pk}"' in body and 'data-alert="no_encounter"' in body
    assert body.count(f'data-testid="caseload-person-{world.person.pk}"') == 1
    row = list(caseload(nurse).page(1, 50))[0]
    assert [a.code for a in row.alerts] == [a.code for f in row.caseload_followups for a in f.alerts]
    assert services.attach_caseload_followups(nurse, []) == []
