import datetime

import pytest

from aupres.demo.loader import Demo
from aupres.places import services
from aupres.places.demo import LAYOUT
from aupres.places.models import Apartment, Attendance, Extension, Incident, Inventory, InventoryPhoto, Place, Stay

pytestmark = pytest.mark.django_db


def test_demo_has_places_and_a_year_of_stays_for_every_residential_kind():
    Demo(persons=30).load()
    today = datetime.date.today()
    for code in LAYOUT:
        stays = Stay.objects.filter(service__kind__code=code)
        assert Place.objects.filter(service__kind__code=code).count() >= 8, code
        assert stays.filter(end_date__isnull=True).exists(), code
        assert stays.filter(end_date__lt=today - datetime.timedelta(days=180)).exists(), code
        assert stays.exclude(exit_destination="").exists(), code
    assert Extension.objects.exists()
    assert Stay.objects.filter(occupants__gt=1).exists()  # families
    # No place holds more than it may, on any night of the year (the rules the constraints enforce).
    for place in Place.objects.all():
        for offset in range(0, 365, 7):
            day = today - datetime.timedelta(days=offset)
            used = services.occupied_by_place([place.pk], day).get(place.pk, 0)
            count = place.stays.filter(start_date__lte=day).exclude(end_date__lte=day).count()
            assert used <= place.persons and (not place.exclusive or count <= 1), (place, day)
    for stay in Stay.objects.all():
        assert stay.followup.service_id == stay.service_id and stay.followup.opened_on == stay.start_date
    register = Attendance.objects.filter(service__kind__code="lhss_day")
    days = register.values("on").distinct().count()
    assert days > 200 and 3 <= register.count() / days <= 5
    assert Apartment.objects.count() >= 20 and Incident.objects.exists() and InventoryPhoto.objects.exists()
    assert Inventory.objects.filter(kind="check_out").exists()
    before = Stay.objects.count()
    Demo(persons=30).load()
    assert Stay.objects.count() == before
