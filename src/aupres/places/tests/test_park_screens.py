"""Edit screens of the housing park, and the screen where a head of service grants the property role
(issue #14)."""

import datetime

import pytest

from aupres.accounts.models import User
from aupres.places.models import Apartment, Incident, PropertyAccess

pytestmark = pytest.mark.django_db


@pytest.fixture
def flat(world):
    flat = Apartment.objects.create(operator=world.operator, service=world.service_a, label="Appt 3",
                                    address="3 rue du Port")
    Incident.objects.create(apartment=flat, kind="lost_keys", occurred_on=datetime.date.today())
    return flat


def test_a_head_edits_an_apartment_and_a_stale_edit_keeps_what_was_typed(world, flat, client_as):
    head = client_as(world.users["head_of_service"])
    page = head.get(f"/places/parc/{flat.pk}/modifier/")
    assert page.status_code == 200 and "3 rue du Port" in page.content.decode()
    data = {"label": "Appt 3 bis", "address": "3 bis rue du Port", "service_id": world.service_a.pk, "rooms": 2,
            "rent": "410.00", "charges": "30", "version": flat.version}
    response = head.post(f"/places/parc/{flat.pk}/modifier/", data)
    assert response.status_code == 302
    flat.refresh_from_db()
    assert (flat.label, flat.rooms, str(flat.rent), flat.version) == ("Appt 3 bis", 2, "410.00", 2)
    stale = head.post(f"/places/parc/{flat.pk}/modifier/", {**data, "label": "Appt ancien", "version": 1})
    assert stale.status_code == 400 and "Appt ancien" in stale.content.decode()
    flat.refresh_from_db()
    assert flat.label == "Appt 3 bis"
    bad = head.post(f"/places/parc/{flat.pk}/modifier/", {**data, "version": flat.version,
                                                             "lease_start": "2026-05-01", "lease_end": "2026-01-01"})
    assert bad.status_code == 400
    # Other team members do not reach the park.
    assert client_as(world.users["nurse"]).get(f"/places/parc/{flat.pk}/modifier/").status_code == 404


def test_a_head_edits_an_incident(world, flat, client_as):
    incident = flat.incidents.get()
    head = client_as(world.users["head_of_service"])
    assert head.get(f"/places/parc/sinistre/{incident.pk}/modifier/").status_code == 200
    response = head.post(f"/places/parc/sinistre/{incident.pk}/modifier/", {
        "kind": "lost_keys", "occurred_on": incident.occurred_on.isoformat(), "status": "closed",
        "cost": "85.50", "contractor_contact": "Serrurier Dupont", "version": incident.version})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.status, str(incident.cost), incident.contractor_contact) == ("closed", "85.50",
                                                                                 "Serrurier Dupont")
    assert client_as(world.outsider).get(f"/places/parc/sinistre/{incident.pk}/modifier/").status_code == 404


def test_a_head_of_service_grants_and_withdraws_the_property_role(world, flat, client_as):
    head_user = world.users["head_of_service"]
    head = client_as(head_user)
    manager = User.objects.create_user(username="gestionnaire", password="x-long-password-1")
    assert head.get("/places/parc/role-gestion-locative/").status_code == 200
    response = head.post("/places/parc/role-gestion-locative/", {"form": "grant", "operator": world.operator.pk,
                                                                 "username": "gestionnaire"})
    assert response.status_code == 302
    grant = PropertyAccess.objects.get(user=manager, operator=world.operator)
    assert grant.granted_by == head_user
    # The property role now reads the park, and no person.
    assert client_as(manager).get(f"/places/parc/{flat.pk}/").status_code == 200
    assert client_as(manager).get(f"/personnes/{world.person.pk}/").status_code in (403, 404)
    # Nobody grants themselves; an unknown account is told; another operator is out of reach.
    for username, said in ((head_user.username, "Personne ne s'accorde"),
                           ("personne-inconnue", "Aucun compte d'équipe")):
        refused = head.post("/places/parc/role-gestion-locative/", {"form": "grant", "operator": world.operator.pk,
                                                                    "username": username})
        assert refused.status_code == 400 and said in refused.content.decode().replace("&#x27;", "'")
    assert not PropertyAccess.objects.filter(user=head_user).exists()
    assert head.post("/places/parc/role-gestion-locative/", {"form": "grant", "operator": world.other_operator.pk,
                                                             "username": "gestionnaire"}).status_code == 400
    # Only heads of service reach the screen.
    for user in (world.users["nurse"], world.users["regulator"], manager):
        assert client_as(user).get("/places/parc/role-gestion-locative/").status_code == 404
    assert head.post("/places/parc/role-gestion-locative/", {"form": "revoke", "access": grant.pk}).status_code == 302
    assert not PropertyAccess.objects.filter(pk=grant.pk).exists()
    assert client_as(manager).get(f"/places/parc/{flat.pk}/").status_code == 404


def test_granting_and_withdrawing_the_property_role_leaves_append_only_events(world, client_as):
    from aupres.audit.models import AppendOnly, PropertyRoleEvent

    head_user = world.users["head_of_service"]
    head = client_as(head_user)
    manager = User.objects.create_user(username="gestionnaire", password="x-long-password-1")
    head.post("/places/parc/role-gestion-locative/", {"form": "grant", "operator": world.operator.pk,
                                                      "username": "gestionnaire"})
    grant = PropertyAccess.objects.get(user=manager)
    # A refused grant (already granted) journals nothing.
    assert head.post("/places/parc/role-gestion-locative/", {"form": "grant", "operator": world.operator.pk,
                                                             "username": "gestionnaire"}).status_code == 400
    head.post("/places/parc/role-gestion-locative/", {"form": "revoke", "access": grant.pk})
    events = list(PropertyRoleEvent.objects.order_by("pk"))
    assert [(e.action, e.user_id, e.username, e.grantee_id, e.grantee_username, e.operator_id, e.access_id)
            for e in events] == [
        (action, head_user.pk, head_user.username, manager.pk, "gestionnaire", world.operator.pk, grant.pk)
        for action in ("grant", "withdraw")]
    # The screen shows the journal; withdrawing what is gone is not found and journals nothing.
    page = head.get("/places/parc/role-gestion-locative/").content.decode()
    assert page.count('data-testid="property-role-event"') == 2
    assert head.post("/places/parc/role-gestion-locative/", {"form": "revoke", "access": grant.pk}).status_code == 404
    assert PropertyRoleEvent.objects.count() == 2
    # Append-only: neither changed nor deleted, one by one or in bulk.
    events[0].action = "withdraw"
    with pytest.raises(AppendOnly):
        events[0].save()
    with pytest.raises(AppendOnly):
        events[0].delete()
    with pytest.raises(AppendOnly):
        PropertyRoleEvent.objects.all().update(action="grant")
    with pytest.raises(AppendOnly):
        PropertyRoleEvent.objects.all().delete()
    assert [e.action for e in PropertyRoleEvent.objects.order_by("pk")] == ["grant", "withdraw"]
