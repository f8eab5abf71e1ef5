"""Free places by territory over time (issue #14): the indicator and the regulator's view."""

import datetime

import pytest

from aupres.core.errors import DomainError, NotFound
from aupres.indicators import engine
from aupres.places import services
from aupres.places.models import OutOfService, Stay
from aupres.places.nights import free_place_nights

from .helpers import Residence

pytestmark = pytest.mark.django_db


def test_free_place_nights_by_hand():
    """Two beds and a shared apartment of 3, over February 2025 (28 nights)."""
    places = {1: ("bed", 1), 2: ("bed", 1), 3: ("shared_apartment", 3)}
    stays = [(1, datetime.date(2025, 1, 20), datetime.date(2025, 2, 11), 1),  # 10 nights in February
             (3, datetime.date(2025, 2, 1), None, 2)]  # two persons all month
    periods = [(2, datetime.date(2025, 2, 15), datetime.date(2025, 2, 20))]  # 5 nights out of service
    out = free_place_nights(places, stays, periods, engine.Period(datetime.date(2025, 2, 1),
                                                                   datetime.date(2025, 2, 28)))
    # bed 1: 28 − 10; bed 2: 28 − 5; apartment: 3×28 − 2×28
    assert out == {datetime.date(2025, 2, 1): (18 + 23 + 28, 28)}


def last_year():
    return datetime.date.today().year - 1


def test_free_places_by_month(world):
    """The regulator reads free places by territory, month by month."""
    res = Residence(world)
    year = last_year()
    # Bed 1 occupied the whole of March; the shared apartment (3) holds one person from 1 March on.
    person = res.person("Mars")
    Stay.objects.create(place=res.bed1, service=res.service, person=person, start_date=datetime.date(year, 3, 1),
                        end_date=datetime.date(year, 4, 1), planned_end=datetime.date(year, 4, 1))
    other = res.person("Colocataire")
    Stay.objects.create(place=res.shared, service=res.service, person=other, start_date=datetime.date(year, 3, 1),
                        exclusive=False, planned_end=datetime.date(year + 1, 3, 1))
    OutOfService.objects.create(place=res.bed2, start_date=datetime.date(year, 3, 1),
                                end_date=datetime.date(year, 3, 11), reason="works")
    table = engine.compute("free_places_by_month", type(res.service).objects.filter(pk=res.service.pk),
                           engine.Period.year(year))
    # January: bed 1, bed 2, 3 free in the shared apartment, the family unit: 6 per night.
    assert table["01"] == 6.0
    # March: bed 2 free 21 of 31 nights, 2 free in the apartment, the family unit: (21 + 2×31 + 31) / 31.
    assert table["03"] == round((21 + 62 + 31) / 31, 1)
    regulator = world.users["regulator"]
    regulator.territory = world.territory
    regulator.save()
    view = services.regional_free_places_over_time(regulator, year)
    row = next(r for r in view["rows"] if r["territory_id"] == world.territory.pk)
    assert row["values"][0] == 6.0 and row["values"][2] == table["03"] and len(row["values"]) == 12
    assert "Mars" not in str(view) and "Lit" not in str(view)  # no person, no place named
    # The indicators' grid: the running year is refused, and only regulators read it.
    with pytest.raises(DomainError) as running:
        services.regional_free_places_over_time(regulator, datetime.date.today().year)
    assert running.value.code == "period_not_over"
    for user in (world.users["nurse"], world.users["funder"], res.head):
        with pytest.raises(NotFound):
            services.regional_free_places_over_time(user, year)


def test_the_regional_page_and_api_show_it(world, client_as, api_as):
    Residence(world)
    regulator = world.users["regulator"]
    regulator.territory = world.territory
    regulator.save()
    page = client_as(regulator).get(f"/places/regional/evolution/?annee={last_year()}")
    assert page.status_code == 200
    assert f'data-testid="over-time-{world.territory.pk}"' in page.content.decode()
    body = api_as(regulator).get(f"/regional/free-places/over-time?year={last_year()}")
    assert body.status_code == 200 and body.json()["rows"][0]["values"][0] == 6.0
    assert api_as(regulator).get(f"/regional/free-places/over-time?year={datetime.date.today().year}").status_code \
        == 400
