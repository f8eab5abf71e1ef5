"""Every role lands on its own home, and every entry of its menu opens a page it may read (issue #13)."""

import datetime
import re

import pytest
from django.utils import timezone

from aupres.places.models import PropertyAccess
from aupres.referrals.models import Urgency
from aupres.referrals.tests.helpers import referral
from aupres.services.models import Profession
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<a href="([^"]*)" id="(nav-[a-z-]+)" data-testid="nav-[a-z-]+"(?: aria-current="page")?>([^<]+)')

HOMES = {
    "partner": ("/orientations/envoyees/", ["nav-my-referrals", "nav-new-referral"]),
    "regulator": ("/orientations/regulation/", ["nav-regulation", "nav-regional-places"]),
    "funder": ("/indicateurs/territoire/", ["nav-funder"]),
    "nurse": ("/personnes/", ["nav-caseload", "nav-field", "nav-search", "nav-referrals", "nav-activity",
                              "nav-care", "nav-households", "nav-places", "nav-indicators", "nav-services"]),
    "social_worker": ("/personnes/", ["nav-caseload", "nav-field", "nav-search", "nav-referrals", "nav-activity",
                                      "nav-households", "nav-places", "nav-indicators", "nav-services"]),
    # the head's less frequent entries come last, under « Plus » (issue #13: one line at 1366 px)
    "head_of_service": ("/", ["nav-home", "nav-caseload", "nav-field", "nav-search", "nav-referrals",
                              "nav-activity", "nav-indicators", "nav-households", "nav-places", "nav-services",
                              "nav-calls", "nav-journal", "nav-duplicates", "nav-emergency", "nav-import"]),
}


def _menu(html):
    return [(href, testid, label.strip()) for href, testid, label in NAV.findall(html)]


def _land(client):
    response = client.get("/", follow=True)
    assert response.status_code == 200
    return response.request["PATH_INFO"], response.content.decode()


@pytest.mark.parametrize("role", sorted(HOMES))
def test_each_role_lands_on_its_home_with_its_own_menu(world, client_as, role):
    client = client_as(world.users[role])
    path, html = _land(client)
    home, entries = HOMES[role]
    assert path == home
    menu = _menu(html)
    assert [testid for _h, testid, _l in menu] == entries
    assert 'aria-current="page">' in html  # the home's own entry is marked


@pytest.mark.parametrize("role", [*Profession.values, "partner", "regulator", "funder", "outsider"])
def test_no_menu_entry_of_any_role_is_a_dead_end(world, client_as, role):
    user = world.outsider if role == "outsider" else world.users[role]
    client = client_as(user)
    _path, html = _land(client)
    menu = _menu(html)
    assert menu, "a signed-in account has a menu"
    for href, testid, label in menu:
        assert label, testid
        response = client.get(href, follow=True)
        assert response.status_code == 200, (role, testid, href, response.status_code)
        # a menu entry leads to a page of that role's, not to the sign-in page or a refusal
        assert "/compte/connexion/" not in response.request["PATH_INFO"], (role, testid)


def test_the_property_department_lands_on_the_park(world, client_as):
    from aupres.accounts.models import User

    manager = User.objects.create_user(username="property", password=PASSWORD)
    PropertyAccess.objects.create(user=manager, operator=world.operator, granted_by=world.users["head_of_service"])
    path, html = _land(client_as(manager))
    assert path == "/places/parc/"
    assert [t for _h, t, _l in _menu(html)] == ["nav-park"]


def test_current_entry_follows_the_page(world, client_as):
    client = client_as(world.users["social_worker"])
    html = client.get("/personnes/menages/").content.decode()
    current = re.findall(r'id="(nav-[a-z-]+)" data-testid="[^"]+" aria-current="page"', html)
    assert current == ["nav-households"]
    html = client.get(f"/personnes/{world.person.pk}/").content.decode()
    assert re.findall(r'id="(nav-[a-z-]+)" data-testid="[^"]+" aria-current="page"', html) == ["nav-caseload"]


def test_head_dashboard_counts_what_waits_and_links_to_it(world, client_as):
    old = referral(world.service_a, urgency=Urgency.URGENT)
    # Noon, 90 calendar days ago in Paris: the board counts days between local dates, and 90 × 24 h back
    # from late evening crosses the change of time into the next day (« 89 jours » from 22:00 to 23:00 UTC).
    old.received_at = timezone.make_aware(datetime.datetime.combine(
        timezone.localdate() - datetime.timedelta(days=90), datetime.time(12)))
    old.save()
    referral(world.service_a, urgency=Urgency.PROGRAMMED)
    referral(world.service_b, urgency=Urgency.URGENT)  # not a service of this head
    html = client_as(world.users["head_of_service"]).get("/").content.decode()
    board = html[html.index(f'data-testid="home-board-{world.service_a.pk}"'):]
    assert re.search(r'data-testid="home-inbox-%d">\s*<strong>2</strong>' % world.service_a.pk, board)
    assert "90" in board.split("home-alerts")[0]  # « oldest waiting for 90 days »
    assert f'data-testid="home-board-{world.service_b.pk}"' not in html
    assert "Amina" not in html and "Benali" not in html  # counts only
