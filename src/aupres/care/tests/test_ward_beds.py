"""The day chart per bed: who sleeps in which place of the ward tonight (from the places app), in bed order."""

import datetime

import pytest
from django.utils import timezone

from aupres.care import services
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.places.models import OutOfService, Place, Stay

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def ward(care):
    """Five beds of the residential LHSS: Paul (care.resident) in bed 2, Ana in bed 1, beds 3 and 10 free, bed 4
    out of service; Zoé followed without a bed."""
    beds = {n: Place.objects.create(service=care.lhss, label=f"Lit {n}", kind="bed") for n in (1, 2, 3, 4, 10)}
    ana = Person.objects.create(first_name="Ana", last_name="Zapata")
    zoe = Person.objects.create(first_name="Zoé", last_name="Abel")
    for person in (ana, zoe):
        FollowUp.objects.create(person=person, service=care.lhss, opened_on=TODAY - datetime.timedelta(days=5))
    Stay.objects.create(place=beds[2], service=care.lhss, person=care.resident, followup=care.stay,
                        start_date=TODAY - datetime.timedelta(days=3))
    Stay.objects.create(place=beds[1], service=care.lhss, person=ana, start_date=TODAY - datetime.timedelta(days=4))
    OutOfService.objects.create(place=beds[4], start_date=TODAY - datetime.timedelta(days=1), reason="works")
    care.ana, care.zoe, care.beds = ana, zoe, beds
    return care


def test_the_chart_lists_the_persons_in_bed_order_with_their_bed(ward):
    nurse = ward.users["nurse"]
    rows = services.day_chart(ward.lhss, TODAY, plan=services.bed_plan(nurse, ward.lhss, TODAY))
    assert [(r["person"].pk, r["place"] and r["place"].label) for r in rows] == [
        (ward.ana.pk, "Lit 1"), (ward.resident.pk, "Lit 2"), (ward.zoe.pk, None)]
    # Without the plan (alerts, a round without places), the chart stays in name order.
    assert [r["person"].pk for r in services.day_chart(ward.lhss, TODAY)] == [ward.zoe.pk, ward.resident.pk,
                                                                               ward.ana.pk]


def test_a_stay_ending_today_leaves_its_bed_tonight(ward):
    Stay.objects.filter(person=ward.ana).update(end_date=TODAY)
    beds, _board = services.bed_plan(ward.users["nurse"], ward.lhss, TODAY)
    assert ward.ana.pk not in beds and beds[ward.resident.pk].label == "Lit 2"


def test_a_round_without_places_has_no_plan(ward):
    assert services.bed_plan(ward.users["nurse"], ward.ssiad, TODAY) == ({}, [])


def test_the_ward_screen_and_api_show_the_beds(ward, client_as, api_as):
    page = client_as(ward.users["nurse"]).get(f"/soins/services/{ward.lhss.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-testid="bed-{ward.ana.pk}">Lit 1<' in html and f'data-testid="bed-{ward.resident.pk}">Lit 2<' in html
    assert html.index(f"patient-{ward.ana.pk}") < html.index(f"patient-{ward.resident.pk}") < html.index(
        f"patient-{ward.zoe.pk}")
    free = html[html.index('data-testid="free-places"'):]
    free = free.split("</p>")[0]
    assert "Lit 3, Lit 10" in free and "Lit 4" in free  # numbers in labels compared as numbers
    body = api_as(ward.users["doctor"]).get(f"/care/wards/{ward.lhss.pk}/chart").json()
    assert [(p["person_id"], p["place"] and p["place"]["label"]) for p in body["persons"]] == [
        (ward.ana.pk, "Lit 1"), (ward.resident.pk, "Lit 2"), (ward.zoe.pk, None)]
