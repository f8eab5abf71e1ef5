"""Issue #13: an irreversible decision (« Refuser », « Réorienter ») is confirmed on a page of its own that
works without JavaScript, after every rule was checked; « Accepter » preselects the record proposed."""

import pytest

from aupres.audit.models import AccessEvent
from aupres.referrals.models import Referral, Status
from aupres.referrals.tests.helpers import referral

pytestmark = pytest.mark.django_db


def test_declining_without_javascript_asks_on_a_page_then_declines(world, client_as):
    r = referral(world.service_a, alias="Le Passant")
    client = client_as(world.users["social_worker"])
    ask = client.post(f"/orientations/{r.pk}/decline/", {"version": 1, "reason": "no_capacity",
                                                        "note": "Plus de place ce mois-ci"})
    assert ask.status_code == 200
    html = ask.content.decode()
    assert 'data-testid="confirm-decision"' in html and "Refuser cette orientation" in html
    assert "Plus de place ce mois-ci" in html and "Pas de place disponible" in html  # what was chosen, in words
    assert 'name="confirmed" value="1"' in html and 'data-testid="cancel-decision"' in html
    r.refresh_from_db()
    assert (r.status, r.version) == (Status.PENDING, 1)  # nothing decided yet, nothing kept of the dry run
    done = client.post(f"/orientations/{r.pk}/decline/", {"version": 1, "reason": "no_capacity",
                                                         "note": "Plus de place ce mois-ci", "confirmed": "1"})
    assert done.status_code == 302
    r.refresh_from_db()
    assert r.status == Status.DECLINED and r.decision_note == "Plus de place ce mois-ci"


def test_a_decision_the_rules_refuse_is_not_confirmed_but_shown_on_the_form(world, client_as):
    r = referral(world.service_a)
    client = client_as(world.users["social_worker"])
    response = client.post(f"/orientations/{r.pk}/decline/", {"version": 1, "reason": "other", "note": ""})
    assert response.status_code == 400 and 'data-testid="confirm-decision"' not in response.content.decode()
    r.refresh_from_db()
    assert r.status == Status.PENDING


def test_forwarding_asks_first_and_names_the_service(world, client_as):
    r = referral(world.service_a)
    client = client_as(world.users["social_worker"])
    ask = client.post(f"/orientations/{r.pk}/forward/", {"version": 1, "service": world.service_c.pk})
    assert ask.status_code == 200 and world.service_c.name in ask.content.decode()
    assert not Referral.objects.filter(forwarded_from=r).exists()
    events = AccessEvent.objects.filter(action="update").count()
    assert client.post(f"/orientations/{r.pk}/forward/", {"version": 1, "service": world.service_c.pk,
                                                         "confirmed": "1"}).status_code == 302
    assert Referral.objects.get(forwarded_from=r).service == world.service_c
    assert AccessEvent.objects.filter(action="update").count() >= events


def test_accept_preselects_the_record_proposed(world, client_as):
    r = referral(world.service_a, first_name="Amina", last_name="Benali", alias="Mina")
    page = client_as(world.users["social_worker"]).get(f"/orientations/{r.pk}/")
    form = page.context["accept_form"]
    assert form.initial["person"] == world.person.pk
    checked = [tag for tag in page.content.decode().split("<input")[1:] if 'name="person"' in tag.split(">")[0]
               and "checked" in tag.split(">")[0]]
    assert len(checked) == 1 and f'value="{world.person.pk}"' in checked[0]
