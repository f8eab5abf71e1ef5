"""Health figures: computed from the coded record, small cells hidden, and only for health readers."""

import datetime

import pytest
from django.utils import timezone

from aupres.care import indicators
from aupres.care.models import Condition, StayReason
from aupres.followups.models import FollowUp
from aupres.indicators.engine import REGISTRY, Period
from aupres.persons.models import Person
from aupres.services.models import Service

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
OPENED = datetime.date(YEAR, 1, 2)


def _caseload(world, codes):
    """One person followed by service A per code, each with that problem coded."""
    for i, code in enumerate(codes):
        person = Person.objects.create(alias=f"P{i}")
        FollowUp.objects.create(person=person, service=world.service_a, opened_on=OPENED)
        from aupres.care import pathology

        Condition.objects.create(person=person, service=world.service_a, code=code, group=pathology.group_of(code))


@pytest.fixture
def coded(world):
    _caseload(world, ["E11.9"] * 6 + ["B20"] * 2 + ["J18.9"])
    return world


def test_persons_by_pathology_group_counts_distinct_persons(coded):
    person = Person.objects.get(alias="P0")  # a person with diabetes AND cancer counts in both groups, once each
    Condition.objects.create(person=person, service=coded.service_a, code="C50.9", group="cancer")
    Condition.objects.create(person=person, service=coded.service_a, code="E11.8", group="diabetes")
    Condition.objects.create(person=person, service=coded.service_b, code="F20.0", group="psychiatric")  # not A's
    table = indicators.persons_by_pathology_group(Service.objects.filter(pk=coded.service_a.pk), Period.year(YEAR))
    assert table == {"hiv": 2, "cancer": 1, "diabetes": 6, "neurodegenerative": 0, "psychiatric": 0, "addiction": 0,
                     "other_chronic": 0}


def test_a_problem_resolved_before_the_period_is_not_counted(coded):
    Condition.objects.filter(code="B20").update(resolved_on=datetime.date(YEAR - 1, 6, 1), status="resolved")
    table = indicators.persons_by_pathology_group(Service.objects.filter(pk=coded.service_a.pk), Period.year(YEAR))
    assert table["hiv"] == 0


def test_small_cells_are_hidden(coded):
    published = indicators.publish("persons_by_pathology_group", indicators.persons_by_pathology_group(
        Service.objects.filter(pk=coded.service_a.pk), Period.year(YEAR)))
    cells = {c["key"]: c["shown"] for c in published["columns"]}
    assert cells["diabetes"] == "6" and cells["hiv"] == "< 5" and published["values"]["hiv"] is None


def test_stays_by_reason_hide_small_cells_and_their_complement(care):
    for i, code in enumerate(["Z48.0"] * 6 + ["L89.1"] * 2):
        person = Person.objects.create(alias=f"S{i}")
        stay = FollowUp.objects.create(person=person, service=care.lhss, opened_on=OPENED)
        from aupres.care import pathology

        StayReason.objects.create(followup=stay, person=person, code=code, kind=pathology.stay_reason_of(code))
    table = indicators.stays_by_reason(Service.objects.filter(pk=care.lhss.pk), Period.year(YEAR))
    assert (table["post_operative"], table["wound"]) == (6, 2)
    published = indicators.publish("stays_by_reason", table)
    # The wound cell is small; with the total shown, post-operative would give it back: hidden too.
    assert published["hidden"]["wound"] == "small" and published["values"]["post_operative"] is None


def test_health_figures_are_served_to_health_readers_only(coded, api_as, client_as):
    path = f"/care/indicators?service={coded.service_a.pk}"
    body = api_as(coded.users["doctor"]).get(path).json()
    assert [t["code"] for t in body["tables"]] == ["persons_by_pathology_group", "stays_by_reason"]
    page = client_as(coded.users["nurse"]).get(f"/soins/services/{coded.service_a.pk}/indicateurs/")
    assert page.status_code == 200 and b'data-testid="cell-persons_by_pathology_group-diabetes">6<' in page.content
    for role in ("social_worker", "head_of_service", "case_manager", "funder", "regulator", "partner"):
        assert api_as(coded.users[role]).get(path).status_code == 404, role
        assert client_as(coded.users[role]).get(f"/soins/services/{coded.service_a.pk}/indicateurs/").status_code in (
            302, 403, 404), role
    assert api_as(coded.outsider).get(path).status_code == 404  # a doctor, of another service


def test_health_figures_never_reach_dashboards_exports_submissions_or_funders(coded, api_as, client_as):
    """They are not in the engine's registry, which every other channel reads."""
    assert not set(indicators.HEALTH_INDICATORS) & set(REGISTRY)
    head = coded.users["head_of_service"]
    scope = f"scope=service&id={coded.service_a.pk}"
    for user in (head, coded.users["social_worker"], coded.users["doctor"]):
        body = api_as(user).get(f"/indicators?{scope}").content
        assert b"pathology" not in body and b"stays_by_reason" not in body
        export = api_as(user).get(f"/indicators/export?{scope}&format=csv")
        assert export.status_code == 200 and b"pathology" not in export.content.lower()
        dashboard = client_as(user).get(f"/indicateurs/dispositifs/{coded.service_a.pk}/")
        assert dashboard.status_code == 200 and b"pathologie" not in dashboard.content.lower()
    definitions = api_as(head).get("/indicators/definitions").json()
    assert "persons_by_pathology_group" not in {d["code"] for d in definitions}
