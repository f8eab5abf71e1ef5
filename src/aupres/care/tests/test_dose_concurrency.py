"""Two nurses record the same dose at the same instant (PostgreSQL: real concurrent transactions)."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from aupres.care import services
from aupres.care.models import Administration, Prescription
from aupres.core.errors import Conflict

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent connections need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.mark.parametrize("second_status", ["given", "refused"])
def test_a_dose_recorded_twice_at_once_is_one_record(world, second_status):
    today = timezone.localdate()
    p = Prescription.objects.create(person=world.person, service=world.service_a, drug="Paracétamol", dose="1 g",
                                    times=["08:00"], starts_on=today - datetime.timedelta(days=1), prescriber="Dr R")
    barrier = threading.Barrier(2, timeout=30)
    results, errors = [], []

    def tap(user, status):
        try:
            barrier.wait()
            reason = "dort" if status != "given" else ""
            results.append(services.record_dose(user, p.pk, today, "08:00", status, reason))
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tap, args=(world.users["nurse"], "given")),
               threading.Thread(target=tap, args=(world.users["care_assistant"], second_status))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert Administration.objects.filter(prescription=p).count() == 1
    if second_status == "given":
        assert not errors and len({dose.pk for dose, _created, _p in results}) == 1
        assert sorted(created for _d, created, _p in results) == [False, True]
    else:  # the loser learns that the dose is already recorded, whichever won
        assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
