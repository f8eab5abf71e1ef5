"""Accepting a referral in a service with places: proposes the free places that fit, admits on one, and
refuses when none is free unless the head of service overrides with a justification."""

import pytest

from aupres.core.errors import DomainError, Forbidden
from aupres.places import services
from aupres.places.models import Place, PlaceRouting, Stay
from aupres.referrals import services as referrals
from aupres.referrals.models import Door, Referral, Source, Status

from .helpers import Residence

pytestmark = pytest.mark.django_db


@pytest.fixture
def res(world):
    return Residence(world)


def referral(res, **kw):
    values = {"service": res.service, "door": Door.PARTNER, "source": Source.SHELTER, "alias": "Rémi",
              "needs": ["health"], "status": Status.PENDING, "sex": "male", "territory": res.world.territory}
    values.update(kw)
    return Referral.objects.create(**values)


def test_acceptance_proposes_fitting_places_and_admits_on_the_chosen_one(res):
    Place.objects.filter(pk=res.bed1.pk).update(sex="female")
    r = referral(res)
    proposed = services.places_for_acceptance(r)
    assert res.bed1 not in proposed and res.bed2 in proposed and res.family not in proposed
    assert res.shared in proposed
    referrals.accept(res.head, r, r.version, place_id=res.shared.pk)
    stay = Stay.objects.get(referral=r)
    assert stay.place == res.shared and stay.followup == r.followup and stay.person == r.person


def test_acceptance_uses_the_place_the_regulator_routed_to(res, world):
    r = referral(res)
    PlaceRouting.objects.create(referral=r, place=res.shared, routed_by=world.users["regulator"])
    referrals.accept(res.nurse, r, r.version)
    assert Stay.objects.get(referral=r).place == res.shared


def test_a_family_referral_goes_to_the_family_unit(res):
    r = referral(res, alias="Maman", sex="female", minor_children=2)
    assert services.places_for_acceptance(r) == [res.family]
    referrals.accept(res.nurse, r, r.version)
    assert Stay.objects.get(referral=r).occupants == 3


def test_no_free_place_refuses_unless_the_head_overrides(res):
    for place in (res.bed1, res.bed2):
        services.admit(res.nurse, place, res.person(f"Sur {place.label}").pk)
    services.add_out_of_service(res.head, res.shared, start_date=services.timezone.localdate(), reason="damage")
    r = referral(res)
    assert services.places_for_acceptance(r) == []
    with pytest.raises(DomainError) as refused:
        referrals.accept(res.nurse, r, r.version)
    assert refused.value.code == "no_free_place"
    with pytest.raises(Forbidden):
        referrals.accept(res.nurse, r, r.version, override_justification="Urgence vitale")
    r.refresh_from_db()
    assert r.status == Status.PENDING and r.followup_id is None  # nothing saved
    referrals.accept(res.head, r, r.version, override_justification="Urgence vitale, lit d'appoint")
    r.refresh_from_db()
    assert r.status == Status.ACCEPTED and "no_free_place" in r.overridden_rules
    assert not Stay.objects.filter(referral=r).exists()


def test_a_service_without_places_accepts_as_before(world):
    r = Referral.objects.create(service=world.service_a, door=Door.PARTNER, source=Source.SHELTER, alias="X",
                                needs=["health"], status=Status.PENDING)
    referrals.accept(world.users["nurse"], r, r.version)
    r.refresh_from_db()
    assert r.status == Status.ACCEPTED and not Stay.objects.exists()


def test_accepting_on_screen_offers_the_places(res, client_as):
    r = referral(res)
    page = client_as(res.head).get(f"/orientations/{r.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="accept-places"' in body and "Lit 2" in body
    response = client_as(res.head).post(f"/orientations/{r.pk}/accept/",
                                        {"version": r.version, "place": res.bed2.pk})
    assert response.status_code == 302
    assert Stay.objects.get(referral=r).place == res.bed2


def test_the_regional_view_counts_free_places_by_territory_and_kind_and_routes_to_a_place(res, world):
    regulator = world.users["regulator"]
    regulator.territory = world.territory
    regulator.save()
    services.admit(res.nurse, res.bed1, res.person("A").pk)
    services.admit(res.nurse, res.shared, res.person("B").pk)
    view = services.regional_free_places(regulator)
    cells = {(r["territory"], r["kind"]): (r["places"], r["free"]) for r in view["by_territory"]}
    assert cells == {("Nord", "bed"): (2, 1), ("Nord", "shared_apartment"): (1, 2), ("Nord", "family_unit"): (1, 1)}
    assert view["total"] == 4
    assert [r for r in view["by_service"] if r["service_id"] == res.service.pk][0]["free"] == 4
    # As stays change, the view follows.
    services.admit(res.nurse, res.bed2, res.person("C").pk)
    assert services.regional_free_places(regulator)["total"] == 3
    assert services.regional_free_places(world.users["funder"])["total"] == 0  # regulators only
    # Routing a referral (addressed to no service) to a free place that fits.
    r = Referral.objects.create(service=None, door=Door.PARTNER, source=Source.SHELTER, alias="Sans toit",
                                needs=["health"], status=Status.PENDING, sex="male", territory=world.territory)
    with pytest.raises(services.Conflict):
        services.route_to_place(regulator, r, r.version, place_id=res.bed1.pk)  # taken
    services.route_to_place(regulator, r, r.version, place_id=res.shared.pk)
    r.refresh_from_db()
    assert r.service == res.service and PlaceRouting.objects.get(referral=r).place == res.shared
