"""An edit made on an old version is the domain's 409 "stale_edit", raised once, by save_versioned."""

import pytest

from aupres.core.errors import Conflict
from aupres.core.models import StaleEdit

pytestmark = pytest.mark.django_db


def test_a_stale_save_is_a_409_conflict_that_changes_nothing(world):
    person = world.person
    person.alias = "Premier"
    person.save_versioned(person.version, update_fields=["alias"])
    person.alias = "Second"
    with pytest.raises(Conflict) as raised:
        person.save_versioned(person.version - 1, update_fields=["alias"])
    assert isinstance(raised.value, StaleEdit) and raised.value.status == 409 and raised.value.code == "stale_edit"
    assert raised.value.current_version == person.version
    person.refresh_from_db()
    assert person.alias == "Premier"
