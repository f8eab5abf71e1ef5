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
