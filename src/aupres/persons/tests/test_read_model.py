"""The person's read model (issue #16 point 2, D62): a compartment the user does not read is absent from it,
not present and empty; the screen and the API render it; the test settings fail on a variable it lacks."""

import pytest
from django.template import TemplateSyntaxError
from django.urls import reverse

from aupres.audit.models import AccessEvent
from aupres.core import access
from aupres.persons import services

SECTIONS = {"administrative", "social", "health"}

# What each role of the following team reads (services.models.compartments_of).
BY_ROLE = {
    "nurse": {"administrative", "social", "health"},
    "psychologist": {"administrative", "social", "health"},
    "social_worker": {"administrative", "social"},
    "head_of_service": {"administrative"},
}


def _view(world, role, **kw):
    user = world.users[role]
    return services.person_view(user, access.get_visible_person(user, world.person.pk), **kw)


@pytest.mark.parametrize("role", sorted(BY_ROLE))
def test_sections_absent_when_not_read(world, role):
    view = _view(world, role)
    assert SECTIONS & view.keys() == BY_ROLE[role]
    for missing in SECTIONS - BY_ROLE[role]:
        assert missing not in view
    assert view["identity"]["first_name"] == "Amina"
    assert view["display_name"] == world.person.display_name


@pytest.mark.parametrize("role", sorted(BY_ROLE))
def test_sections_hold_their_fields_and_records(world, role):
    view = _view(world, role)
    if "administrative" in view:
        assert view["administrative"]["phone"] == "0600000000"
        assert [r.value for r in view["administrative"]["rights"]] == ["ame"]
    if "social" in view:
        assert view["social"]["languages"] == "arabe, français"
        assert [s.place for s in view["social"]["living_situations"]] == ["Lille — gare"]
    if "health" in view:
        assert view["health"]["medical"].chronic_conditions == "Diabète secret"
    # No field of a compartment not read anywhere in the view, whatever its key.
    flat = repr(view)
    if "health" not in view:
        assert "Diabète secret" not in flat and "note-health-secrete" not in flat
    if "social" not in view:
        assert "arabe" not in flat and "Lille" not in flat and "note-social-secrete" not in flat


def test_notes_of_the_compartments_read_only(world):
    texts = {n.text for n in _view(world, "social_worker")["notes"]}
    assert texts == {"note-social-secrete", "note-administrative-secrete"}
    texts = {n.text for n in _view(world, "head_of_service")["notes"]}
    assert texts == {"note-administrative-secrete"}


def test_without_records_no_query_and_no_record(world, django_assert_num_queries):
    user = world.users["social_worker"]
    person = access.get_visible_person(user, world.person.pk)
    with django_assert_num_queries(0):
        view = services.person_view(user, person, records=False)
    assert view.keys() == {"pk", "version", "display_name", "compartments", "identity", "administrative", "social"}
    assert "rights" not in view["administrative"] and "living_situations" not in view["social"]


def test_the_read_model_journals_nothing(world):
    """The journal is written by the read that fetched the person (read_person), once, as before (D47)."""
    user = world.users["nurse"]
    person = services.read_person(user, world.person.pk)
    before = AccessEvent.objects.count()
    services.person_view(user, person)
    services.person_view(user, person, records=False)
    assert AccessEvent.objects.count() == before


def test_an_outsider_reads_nothing(world):
    from aupres.core.errors import NotFound

    with pytest.raises(NotFound):
        access.get_visible_person(world.outsider, world.person.pk)


@pytest.mark.parametrize("role", sorted(BY_ROLE))
def test_screen_and_api_show_what_the_view_holds(world, role, client_as, api_as):
    answer = client_as(world.users[role]).get(reverse("persons:detail", args=[world.person.pk]))
    assert answer.status_code == 200
    page = answer.content.decode()
    body = api_as(world.users[role]).get(f"/persons/{world.person.pk}").json()
    shown = BY_ROLE[role]
    assert ("0600000000" in page) == ("administrative" in shown)
    assert ("arabe, français" in page) == ("social" in shown)
    assert ("Diabète secret" in page) == ("health" in shown)
    assert (body["administrative"] is not None) == ("administrative" in shown)
    assert (body["social"] is not None) == ("social" in shown)
    if "administrative" in shown:
        assert body["administrative"]["phone"] == "0600000000"


def test_the_guard_covers_the_person_screen(world, client_as, monkeypatch):
    """A template that prints a key its read model lacks fails the test (string_if_invalid), so a section
    cannot be blanked silently by a renamed key."""
    real = services.person_view

    def without_phone(user, person, **kw):
        view = real(user, person, **kw)
        view["administrative"].pop("phone")
        return view

    monkeypatch.setattr(services, "person_view", without_phone)
    with pytest.raises(TemplateSyntaxError, match="phone"):
        client_as(world.users["nurse"]).get(reverse("persons:detail", args=[world.person.pk]))
