"""The referral's read model (issue #16 point 2, D62): what a user reads of a referral's compartments, a
section absent (not empty) when not read; the screen and the API render it."""

import datetime

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import reverse

from aupres.audit.models import AccessEvent
from aupres.referrals import services
from aupres.referrals.tests.helpers import referral

SECTIONS = {"administrative", "social", "health"}

BY_ROLE = {
    "nurse": {"administrative", "social", "health"},
    "psychologist": {"administrative", "social", "health"},
    "social_worker": {"administrative", "social"},
    "head_of_service": {"administrative"},
    "partner": set(),
    "regulator": set(),
}


@pytest.fixture
def sent(world):
    return referral(world.service_a, sent_by=world.users["partner"], phone="0611111111",
                    location="Sous le pont", social_description="Besoin-social-secret",
                    health_description="Besoin-sante-secret", prescriber="Dr Secret",
                    prescription_date=datetime.date(2026, 1, 2))


@pytest.mark.parametrize("role", sorted(BY_ROLE))
def test_sections_absent_when_not_read(world, sent, role):
    view = services.referral_view(world.users[role], sent, documents=True)
    assert SECTIONS & view.keys() == BY_ROLE[role]
    for missing in SECTIONS - BY_ROLE[role]:
        assert missing not in view
    assert view["compartments"] == BY_ROLE[role]
    if "administrative" in view:
        assert view["administrative"] == {"phone": "0611111111"}
    if "social" in view:
        assert view["social"] == {"location": "Sous le pont", "on_street_since": None,
                                  "social_description": "Besoin-social-secret"}
    if "health" in view:
        assert view["health"] == {"health_description": "Besoin-sante-secret",
                                  "prescription_date": datetime.date(2026, 1, 2), "prescriber": "Dr Secret"}
    flat = repr(view)
    if "health" not in view:
        assert "Besoin-sante-secret" not in flat and "Dr Secret" not in flat


def test_search_values_carry_the_phone_only_when_read(world, sent):
    head = services.referral_view(world.users["head_of_service"], sent)
    partner = services.referral_view(world.users["partner"], sent)
    assert services.search_values(sent, head)["phone"] == "0611111111"
    assert services.search_values(sent, partner)["phone"] == ""


def test_the_read_model_journals_nothing(world, sent):
    user = world.users["nurse"]
    found = services.read_referral(user, sent.pk)
    before = AccessEvent.objects.count()
    services.referral_view(user, found, documents=True)
    assert AccessEvent.objects.count() == before


@pytest.mark.parametrize("role", ["nurse", "psychologist", "social_worker", "head_of_service"])
def test_screen_and_api_show_what_the_view_holds(world, sent, role, client_as, api_as):
    answer = client_as(world.users[role]).get(reverse("referrals:detail", args=[sent.pk]))
    assert answer.status_code == 200
    page = answer.content.decode()
    body = api_as(world.users[role]).get(f"/referrals/{sent.pk}").json()
    shown = BY_ROLE[role]
    assert ("0611111111" in page) == ("administrative" in shown) == (body["phone"] == "0611111111")
    assert ("Besoin-social-secret" in page) == ("social" in shown) == (body["social"] is not None)
    assert ("Besoin-sante-secret" in page) == ("health" in shown) == (body["health"] is not None)


def test_the_partner_api_shows_no_section(world, sent, api_as):
    body = api_as(world.users["partner"]).get(f"/referrals/{sent.pk}").json()
    assert body["view"] == "partner"
    assert body["phone"] is None and body["social"] is None and body["health"] is None


def test_the_guard_covers_the_referral_screen(world, sent, client_as, monkeypatch):
    real = services.referral_view

    def without_location(user, r, **kw):
        view = real(user, r, **kw)
        view["social"].pop("location")
        return view

    monkeypatch.setattr(services, "referral_view", without_location)
    with pytest.raises(TemplateSyntaxError, match="location"):
        client_as(world.users["nurse"]).get(reverse("referrals:detail", args=[sent.pk]))


def test_the_screen_gets_the_referral_without_its_compartments_fields(world, sent, client_as):
    """The facts every addressed reader sees stay readable; a compartment's field is only in the read model, so
    a template naming `referral.phone` (or any field of a compartment) renders nothing and fails the guard."""
    facts = services.ReferralFacts(sent)
    assert (facts.receipt, facts.pk, facts.get_status_display()) == (sent.receipt, sent.pk, sent.get_status_display())
    for field in ("phone", "location", "on_street_since", "social_description", "health_description",
                  "prescription_date", "prescriber"):
        with pytest.raises(AttributeError):
            getattr(facts, field)
    page = client_as(world.users["nurse"]).get(reverse("referrals:detail", args=[sent.pk]))
    assert isinstance(page.context["referral"], services.ReferralFacts)
    assert "Besoin-sante-secret" in page.content.decode()  # the nurse reads health: from the read model
    with pytest.raises(TemplateSyntaxError, match="health_description"):
        Template("{{ referral.health_description }}").render(Context({"referral": facts}))
