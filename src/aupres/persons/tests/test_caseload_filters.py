"""« Ma file active » filters: mine, service, step, alert, kept in the URL and across pages (issue #13)."""

import datetime
import re

import pytest
from django.utils import timezone

from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.services.models import Membership, Service

pytestmark = pytest.mark.django_db


def _ids(html):
    return {int(i) for i in re.findall(r'data-testid="caseload-person-(\d+)"', html)}


@pytest.fixture
def caseload(world):
    nurse = world.users["nurse"]
    Service.objects.filter(pk=world.service_a.pk).update(no_encounter_alert_days=30)
    Membership.objects.create(user=nurse, service=world.service_b, profession="nurse", etp=1,
                              start_date=datetime.date(2025, 1, 1))
    today = timezone.localdate()
    mine = Person.objects.create(first_name="Karim", last_name="Gauthier")
    FollowUp.objects.create(person=mine, service=world.service_a, opened_on=today, referent=nurse, state="plan")
    other = Person.objects.create(first_name="Karim", last_name="Gauthier", birth_year=1990)
    FollowUp.objects.create(person=other, service=world.service_b, opened_on=today, state="assessment")
    world.person.followups.update(opened_on=today - datetime.timedelta(days=90))  # 90 days unseen: alert
    return nurse, mine, other


def test_filters_narrow_the_caseload(world, client_as, caseload):
    nurse, mine, other = caseload
    client = client_as(nurse)
    assert _ids(client.get("/personnes/").content.decode()) == {world.person.pk, mine.pk, other.pk}
    assert _ids(client.get("/personnes/?mes=1").content.decode()) == {mine.pk}
    assert _ids(client.get(f"/personnes/?dispositif={world.service_b.pk}").content.decode()) == {other.pk}
    assert _ids(client.get("/personnes/?etape=plan").content.decode()) == {mine.pk}
    assert _ids(client.get("/personnes/?alerte=1").content.decode()) == {world.person.pk}
    both = client.get(f"/personnes/?alerte=1&dispositif={world.service_b.pk}").content.decode()
    assert _ids(both) == set() and "No person matches these filters." in both or "Aucune personne" in both


def test_a_service_not_mine_filters_nothing_out_and_shows_nothing_more(world, client_as, caseload):
    nurse, mine, other = caseload
    html = client_as(nurse).get(f"/personnes/?dispositif={world.service_c.pk}").content.decode()
    assert _ids(html) == {world.person.pk, mine.pk, other.pk}


def test_filters_survive_paging(world, client_as, caseload):
    nurse, *_ = caseload
    today = timezone.localdate()
    for i in range(55):
        p = Person.objects.create(alias=f"P{i:02d}")
        FollowUp.objects.create(person=p, service=world.service_a, opened_on=today, referent=nurse)
    html = client_as(nurse).get("/personnes/?mes=1").content.decode()
    assert len(_ids(html)) == 50
    assert "?mes=1&amp;page=2" in html
    second = client_as(nurse).get("/personnes/?mes=1&page=2").content.decode()
    assert len(_ids(second)) == 6  # 55 + Karim, all mine
