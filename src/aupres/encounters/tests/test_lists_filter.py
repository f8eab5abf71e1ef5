"""Lists that filter (issue #13): rights applications searched (by POST), filtered and paginated with the
filters kept across pages; recent encounters link to the persons met; search results tell namesakes apart."""

import datetime
import re

import pytest
from django.utils import timezone

from aupres.audit.models import AccessEvent
from aupres.encounters.models import Encounter, EncounterPerson, RightsApplication
from aupres.followups.models import FollowUp
from aupres.persons.models import Person

pytestmark = pytest.mark.django_db


def _apps(html):
    return [int(i) for i in re.findall(r'href="/activite/droits/(\d+)/"', html)]


@pytest.fixture
def rights(world):
    today = timezone.localdate()
    made = []
    for i in range(35):
        made.append(RightsApplication.objects.create(
            person=world.person, service=world.service_a, kind="ame" if i % 2 else "rsa",
            status="filed" if i < 30 else "abandoned", status_on=today - datetime.timedelta(days=i)))
    karim = Person.objects.create(first_name="Karim", last_name="Gauthier")
    FollowUp.objects.create(person=karim, service=world.service_a, opened_on=today)
    mine = RightsApplication.objects.create(person=karim, service=world.service_a, kind="css", status="granted",
                                            status_on=today - datetime.timedelta(days=400))
    return made, mine


def test_rights_list_is_paginated_and_filters_survive_paging(world, client_as, rights):
    made, karim_app = rights
    client = client_as(world.users["social_worker"])
    first = client.get("/activite/droits/").content.decode()
    listed = _apps(first.split('data-testid="rights-list"')[1])
    assert len(listed) == 30  # one page; 30 filed + 1 granted, abandoned left out
    second = client.post("/activite/droits/", {"page": "2"}).content.decode()
    assert len(_apps(second.split('data-testid="rights-list"')[1])) == 1
    ame = client.post("/activite/droits/", {"type": "ame"}).content.decode()
    assert set(_apps(ame.split('data-testid="rights-list"')[1])) == {
        a.pk for a in made if a.kind == "ame" and a.status == "filed"}
    abandoned = client.post("/activite/droits/", {"statut": "abandoned", "page": "1"}).content.decode()
    assert set(_apps(abandoned.split('data-testid="rights-list"')[1])) == {a.pk for a in made[30:]}
    # a status and a page: the filter is kept on page 2 (the pager's buttons submit the same form)
    html = client.post("/activite/droits/", {"statut": "filed"}).content.decode()
    assert 'name="page" value="2"' not in html  # 30 filed: one page
    old = client.post("/activite/droits/", {"au": (timezone.localdate() - datetime.timedelta(days=100)).isoformat()})
    assert _apps(old.content.decode().split('data-testid="rights-list"')[1]) == [karim_app.pk]


def test_rights_search_by_name_is_posted_and_journals_only_the_page(world, client_as, rights):
    _made, karim_app = rights
    client = client_as(world.users["social_worker"])
    before = AccessEvent.objects.count()
    html = client.post("/activite/droits/", {"q": "gauth"}).content.decode()
    assert _apps(html.split('data-testid="rights-list"')[1]) == [karim_app.pk]
    assert 'value="gauth"' in html  # the search stays in its box
    assert AccessEvent.objects.count() > before


def test_recent_encounters_link_to_the_persons_met(world, client_as):
    followup = FollowUp.objects.get(person=world.person, service=world.service_a)
    now = timezone.now()
    e = Encounter.objects.create(service=world.service_a, occurred_at=now, place_kind="street", mode="street_round")
    EncounterPerson.objects.create(encounter=e, person=world.person, followup=followup, service=world.service_a,
                                   occurred_at=now)
    html = client_as(world.users["social_worker"]).get("/activite/").content.decode()
    line = html.split(f'data-testid="recent-{e.pk}"')[1].split("</li>")[0]
    assert f'href="/personnes/{world.person.pk}/#timeline"' in line


def test_search_results_tell_namesakes_apart(world, client_as):
    today = timezone.localdate()
    a = Person.objects.create(first_name="Karim", last_name="Gauthier", sex="male", birth_year=1961)
    b = Person.objects.create(first_name="Karim", last_name="Gauthier", sex="male", estimated_age=30,
                              estimated_on=today)
    FollowUp.objects.create(person=a, service=world.service_a, opened_on=datetime.date(2025, 3, 2))
    FollowUp.objects.create(person=b, service=world.service_a, opened_on=today)
    html = client_as(world.users["social_worker"]).post("/personnes/recherche/", {"q": "karim gauthier"})
    html = html.content.decode()
    line_a = html.split(f'data-testid="search-result-{a.pk}"')[1].split("</li>")[0]
    line_b = html.split(f'data-testid="search-result-{b.pk}"')[1].split("</li>")[0]
    assert "1961" in line_a and "≈" in line_b and "02/03/2025" in line_a
    assert str(a.pk) in line_a and str(b.pk) in line_b
