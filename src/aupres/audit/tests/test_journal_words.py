"""Issue #13: the journal says its compartments in French, keeps its filters from page to page, and does
not claim to hold no personal data while it shows names."""

import pytest

from aupres.audit.models import AccessEvent
from aupres.audit.services import record

pytestmark = pytest.mark.django_db


def test_compartments_in_french_and_the_page_says_it_shows_names(world, client_as):
    record(world.users["doctor"], world.person, "read", {"identity", "administrative", "social", "health"})
    r = client_as(world.users["head_of_service"]).get("/journal/")
    text = r.content.decode()
    assert "identity,administrative" not in text and "health,social" not in text
    line = text.split('data-testid="journal-compartments">')[1].split("</span>")[0]
    assert set(line.split(", ")) == {"Identité", "Administratif", "Social", "Santé"}
    # the « Volet » filter offers French labels
    select = text.split('name="compartiment"')[1].split("</select>")[0]
    assert ">Identité<" in select and ">Santé<" in select and "Identity" not in select
    assert "données personnelles" in text and "holds no personal" not in text
    assert "aucune donnée personnelle" not in text
    assert world.person.display_name in text
    assert "<h2" not in text.split("</title>")[0]  # the page's title is its title, not the team changes


def test_filters_survive_paging(world, client_as):
    doctor = world.users["doctor"]
    for _i in range(105):
        record(doctor, world.person, "read", {"health"})
    record(doctor, world.person, "update", {"social"})
    head = client_as(world.users["head_of_service"])
    r = head.get(f"/journal/?personne={world.person.pk}&action=read&compartiment=health")
    assert r.context["page"].paginator.count == 105
    text = r.content.decode()
    link = text.split('data-testid="journal-next"')[0].rsplit('href="', 1)[1].split('"')[0]
    for part in (f"personne={world.person.pk}", "action=read", "compartiment=health", "page=2"):
        assert part in link, link
    second = head.get("/journal/" + link.replace("&amp;", "&"))
    assert second.context["filters"]["action"] == "read" and second.context["filters"]["compartment"] == "health"
    assert len(second.context["page"]) == 5
    assert all(e.action == "read" for e in second.context["page"])
    assert AccessEvent.objects.filter(action="update").exists()


def test_the_head_finds_a_person_by_name_without_the_name_in_any_url(world, client_as):
    """Issue #13: « names are searchable by the head of service ». The name goes in a POST body; the
    persons found link to the journal filtered by number; a person of another operator is not found."""
    from aupres.followups.models import FollowUp
    from aupres.persons.models import Person

    hidden = Person.objects.create(first_name="Amina", last_name="Benaliou")
    FollowUp.objects.create(person=hidden, service=world.service_c, opened_on=world.person.followups.get().opened_on)
    head = client_as(world.users["head_of_service"])
    r = head.post("/journal/", {"nom": "benali"})
    assert r.status_code == 200
    found = r.context["named"]
    assert [p.pk for p in found] == [world.person.pk]
    text = r.content.decode()
    section = text.split('id="journal-named"')[1].split("</section>")[0]
    assert f'href="?personne={world.person.pk}"' in section and world.person.display_name in section
    assert "benali" not in section.split('href="')[1].split('"')[0].lower()
    # the search is itself journaled, as a list of the persons shown
    assert AccessEvent.objects.filter(user_id=world.users["head_of_service"].pk, action="list").exists()
    r = head.post("/journal/", {"nom": "personne-inconnue"})
    assert r.context["named"] == [] and "Aucune personne suivie" in r.content.decode()
    # the journal of the person found, by number
    record(world.users["doctor"], world.person, "read", {"health"})
    r = head.get(f"/journal/?personne={world.person.pk}")
    assert r.context["page"].paginator.count >= 1


@pytest.mark.parametrize("who", ["doctor", "social_worker", "partner", "funder"])
def test_only_a_head_of_service_searches_the_journal_by_name(world, client_as, who):
    r = client_as(world.users[who]).post("/journal/", {"nom": "benali"})
    assert r.status_code == 403
    assert "Benali" not in r.content.decode()
