"""The database itself refuses to change or delete audit events (migration 0003), on SQLite and PostgreSQL."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from aupres.audit.models import AccessEvent
from aupres.audit.services import record


def _raw(sql, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_raw_update_and_delete_of_audit_rows_are_refused(world):
    record(world.users["nurse"], world.person, "read", {"health"})
    event = AccessEvent.objects.get()
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE audit_accessevent SET username = %s WHERE id = %s", ["someone-else", event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_accessevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_accessevent")
    event.refresh_from_db()
    assert (event.username, AccessEvent.objects.count()) == ("nurse", 1)
    # Appending still works.
    record(world.users["nurse"], world.person, "read", {"social"})
    assert AccessEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_trail_and_keeps_the_guard(world):
    record(world.users["nurse"], world.person, "read", {"health"})
    call_command("flush", interactive=False, verbosity=0)
    assert AccessEvent.objects.count() == 0
    AccessEvent.objects.create(person_id=1, compartments="identity", action="read", channel="screen")
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_accessevent")
