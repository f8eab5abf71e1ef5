"""Screens: the inbox with waiting positions, decisions with reasons and overrides, intake with duplicate
candidates, the partner's list, the public form, the regulation queue, the committee, attachments."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from aupres.followups.models import FollowUp
from aupres.referrals.models import Referral, ReferralAttachment, Status
from aupres.referrals.tests.helpers import join, referral, tiny_pdf
from aupres.services.models import Profession, ServiceKind

pytestmark = pytest.mark.django_db

PDF = tiny_pdf()


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    cache.clear()


def test_home_sends_each_kind_of_account_to_its_screen(world, client_as):
    assert client_as(world.users["nurse"]).get("/orientations/").url.endswith("/orientations/boite/")
    assert client_as(world.users["partner"]).get("/orientations/").url.endswith("/orientations/envoyees/")
    assert client_as(world.users["regulator"]).get("/orientations/").url.endswith("/orientations/regulation/")
    assert client_as(world.users["funder"]).get("/orientations/").status_code == 404
    assert client_as(world.users["partner"]).get("/orientations/boite/").status_code == 404


def test_inbox_lists_by_status_with_waiting_positions(world, client_as):
    first = referral(world.service_a, alias="Premier", status="waiting", waiting_since=timezone.now())
    referral(world.service_a, alias="Second", status="waiting", waiting_since=timezone.now())
    referral(world.service_b, alias="Ailleurs")
    client = client_as(world.users["social_worker"])
    body = client.get("/orientations/boite/?statut=waiting").content.decode()
    assert "Premier" in body and "Second" in body and "Ailleurs" not in body
    assert body.index("Premier") < body.index("Rang 1") < body.index("Second") < body.index("Rang 2")
    page = client.get(f"/orientations/{first.pk}/").content.decode()
    assert "rang 1" in page


def test_detail_hides_health_from_non_health_professions_and_shows_reasons(world, client_as):
    r = referral(world.service_a, health_description="Plaie secrète", social_description="Sous le pont",
                 birth_year=timezone.localdate().year - 15)
    nurse = client_as(world.users["nurse"]).get(f"/orientations/{r.pk}/").content.decode()
    social = client_as(world.users["social_worker"]).get(f"/orientations/{r.pk}/").content.decode()
    assert "Plaie secrète" in nurse and "Sous le pont" in nurse
    assert "Plaie secrète" not in social and "Sous le pont" in social
    assert 'data-code="wrong_public"' in social
    assert client_as(world.outsider).get(f"/orientations/{r.pk}/").status_code == 404


def test_decisions_on_screen_refuse_with_the_reason_and_keep_what_was_typed(world, client_as):
    r = referral(world.service_a, birth_year=timezone.localdate().year - 15)
    client = client_as(world.users["social_worker"])
    response = client.post(f"/orientations/{r.pk}/accept/", {"version": 1})
    assert response.status_code == 400 and 'data-code="wrong_public"' in response.content.decode()
    r.refresh_from_db()
    assert r.status == Status.PENDING
    head = client_as(world.users["head_of_service"])
    response = head.post(f"/orientations/{r.pk}/accept/", {"version": 1, "override_justification": "Accord ASE"})
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == Status.ACCEPTED and FollowUp.objects.filter(pk=r.followup_id).exists()
    other = referral(world.service_a)
    response = client.post(f"/orientations/{other.pk}/decline/", {"version": 1, "reason": "other", "note": ""})
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.status == Status.PENDING
    assert client.post(f"/orientations/{other.pk}/wait/", {"version": 1}).status_code == 302
    response = client.post(f"/orientations/{other.pk}/forward/", {"version": 2, "service": world.service_c.pk})
    assert response.status_code == 200 and 'data-testid="confirm-decision"' in response.content.decode()
    assert not Referral.objects.filter(forwarded_from=other).exists()  # asked first (issue #13)
    response = client.post(f"/orientations/{other.pk}/forward/", {"version": 2, "service": world.service_c.pk,
                                                                  "confirmed": "1"})
    assert response.status_code == 302
    assert Referral.objects.get(forwarded_from=other).service == world.service_c


def test_intake_screen_proposes_candidates_and_links_the_chosen_person(world, client_as):
    client = client_as(world.users["nurse"])
    assert client.get("/orientations/nouvelle/").status_code == 200
    partial = client.post("/orientations/doublons/", {"first_name": "Amina", "last_name": "Benaly"})
    assert f'value="{world.person.pk}"' in partial.content.decode()
    response = client.post("/orientations/nouvelle/", {
        "service": world.service_a.pk, "source": "street_team", "first_name": "Amina", "last_name": "Benaly",
        "sex": "female", "needs": ["health"], "urgency": "urgent", "consent": "agrees", "minor_children": 0,
        "household_size": 1, "person": world.person.pk,
        "doc_medical_file": SimpleUploadedFile("bilan.pdf", PDF, content_type="application/pdf")})
    assert response.status_code == 302, response.content.decode()[:2000]
    r = Referral.objects.get(first_name="Amina")
    assert r.person == world.person and r.door == "team"
    assert r.attachments.get().kind == "medical_file"


def test_attachments_are_served_only_by_compartment(world, client_as):
    r = referral(world.service_a)
    from aupres.referrals import services
    services._store_attachment(world.users["nurse"], r, "medical_file", SimpleUploadedFile("m.pdf", PDF))
    services._store_attachment(world.users["nurse"], r, "social_file", SimpleUploadedFile("s.pdf", PDF))
    medical, social = ReferralAttachment.objects.order_by("pk")
    assert "referrals/" in medical.file.name and "m.pdf" not in medical.file.name
    nurse, worker = client_as(world.users["nurse"]), client_as(world.users["social_worker"])
    got = nurse.get(f"/orientations/{r.pk}/pieces/{medical.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert worker.get(f"/orientations/{r.pk}/pieces/{medical.pk}/").status_code == 404
    assert worker.get(f"/orientations/{r.pk}/pieces/{social.pk}/").status_code == 200
    assert client_as(world.outsider).get(f"/orientations/{r.pk}/pieces/{social.pk}/").status_code == 404
    assert client_as(world.users["partner"]).get(f"/orientations/{r.pk}/pieces/{social.pk}/").status_code == 404


def test_partner_screens_send_and_list_only_status(world, client_as):
    client = client_as(world.users["partner"])
    response = client.post("/orientations/envoyees/nouvelle/", {
        "service": world.service_a.pk, "source": "hospital", "alias": "Pépé", "sex": "male", "needs": ["health"],
        "urgency": "semi_urgent", "consent": "agrees", "minor_children": 0, "household_size": 1,
        "health_description": "Diabète déséquilibré"})
    assert response.status_code == 302, response.content.decode()[:3000]
    body = client.get("/orientations/envoyees/").content.decode()
    r = Referral.objects.get(alias="Pépé")
    assert r.receipt in body and "Pépé" not in body and "Diabète" not in body
    referral(world.service_a, alias="PasÀMoi")
    assert "PasÀMoi" not in client.get("/orientations/envoyees/").content.decode()


def test_public_form_without_account_gives_a_receipt(world):
    client = Client()
    page = client.get("/orientations/public/")
    assert page.status_code == 200
    response = client.post("/orientations/public/", {
        "territory": world.territory.pk, "source": "individual", "alias": "Le Marin", "sex": "male",
        "needs": ["health"], "consent": "not_informed", "social_description": "Il tousse beaucoup",
        "referrer_phone": "0601020304", "location": "Gare", "website": ""})
    body = response.content.decode()
    r = Referral.objects.get(alias="Le Marin")
    assert r.receipt in body and r.door == "public"
    assert (r.territory, r.service, r.needs) == (world.territory, None, ["health"])  # to the regulation
    bot = client.post("/orientations/public/", {
        "territory": world.territory.pk, "source": "individual", "alias": "Bot", "needs": ["health"],
        "consent": "agrees", "social_description": "x", "location": "x", "referrer_phone": "0601020304",
        "website": "http://spam"})
    assert "AUP-" in bot.content.decode() and not Referral.objects.filter(alias="Bot").exists()


def test_regulation_screens_route_with_suggestions(world, client_as):
    regulator = world.users["regulator"]
    regulator.territory = world.territory
    regulator.save()
    r = referral(None, territory=world.territory, health_description="Secret médical", needs=["rights"])
    client = client_as(regulator)
    assert str(r.receipt) in client.get("/orientations/regulation/").content.decode()
    page = client.get(f"/orientations/regulation/{r.pk}/").content.decode()
    assert "Secret médical" not in page and world.service_c.name in page
    response = client.post(f"/orientations/regulation/{r.pk}/", {"version": 1, "service": world.service_c.pk})
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.service == world.service_c


def test_committee_screen_records_attendees_and_strategy(world, client_as):
    service = world.service("Bailleur", ServiceKind.objects.get(code="landlord_team"), world.operator)
    join(world.users["social_worker"], service, Profession.SOCIAL_WORKER)
    r = referral(service, needs=["housing"])
    client = client_as(world.users["social_worker"])
    assert client.get(f"/orientations/comite/{service.pk}/").status_code == 200
    assert client.get(f"/orientations/comite/{world.service_a.pk}/").status_code == 404
    response = client.post(f"/orientations/comite/{service.pk}/", {
        "held_on": str(timezone.localdate()), "attendees": "Bailleur, CMP", f"decision_{r.pk}": "accept",
        f"strategy_{r.pk}": "Visite conjointe"})
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == Status.ACCEPTED and r.committee_strategy == "Visite conjointe"


def test_regulation_queue_filters_by_territory_urgency_and_number_and_pages(world, client_as, api_as):
    """Issue #13: every list paginated and filtered; the regulator's queue keeps its filters from page to
    page and says how long each referral has waited."""
    import datetime

    from aupres.services.models import Territory

    region, _c = Territory.objects.get_or_create(level="region", code="32", defaults={"name": "Hauts-de-France"})
    world.territory.parent = region
    world.territory.save()
    pas_de_calais, _c = Territory.objects.get_or_create(level="departement", code="62",
                                                        defaults={"name": "Pas-de-Calais"})
    pas_de_calais.parent = region
    pas_de_calais.save()
    regulator = world.users["regulator"]
    regulator.territory = region
    regulator.save()
    old = timezone.now() - datetime.timedelta(days=12)
    urgent = referral(None, territory=pas_de_calais, urgency="urgent", received_at=old)
    for _i in range(55):
        referral(None, territory=world.territory, urgency="programmed")
    client = client_as(regulator)
    first = client.get("/orientations/regulation/")
    assert first.context["page"].paginator.count == 56
    assert len(first.context["rows"]) == 50 and first.context["rows"][0].pk == urgent.pk  # urgent first
    text = first.content.decode()
    assert "12 jours" in text.split(f'data-testid="waiting-{urgent.pk}">')[1].split("<")[0]
    only = client.get(f"/orientations/regulation/?territoire={pas_de_calais.pk}")
    assert [r.pk for r in only.context["rows"]] == [urgent.pk]
    assert client.get("/orientations/regulation/?urgence=urgent").context["page"].paginator.count == 1
    assert client.get(f"/orientations/regulation/?numero={urgent.receipt[-5:]}").context["rows"][0].pk == urgent.pk
    nord = client.get(f"/orientations/regulation/?territoire={world.territory.pk}&urgence=programmed")
    assert nord.context["page"].paginator.count == 55
    link = nord.content.decode().split('data-testid="queue-next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = client.get("/orientations/regulation/" + link.replace("&amp;", "&"))
    rows = second.context["rows"]
    assert len(rows) == 5 and all(r.territory_id == world.territory.pk for r in rows)
    # a territory outside the regulator's scope gives nothing, not everything
    other, _c = Territory.objects.get_or_create(level="departement", code="75", defaults={"name": "Paris"})
    other.parent = None
    other.save()
    referral(None, territory=other)
    assert client.get(f"/orientations/regulation/?territoire={other.pk}").context["page"].paginator.count == 0
    assert client.get("/orientations/regulation/?urgence=nimporte").context["page"].paginator.count == 0
    # the same filters on the API
    api = api_as(regulator)
    body = api.get(f"/referrals?territory={pas_de_calais.pk}").json()
    assert body["count"] == 1 and body["items"][0]["id"] == urgent.pk
    assert api.get("/referrals?urgency=urgent").json()["count"] == 1
    assert api.get("/referrals?urgency=nimporte").status_code == 422


def test_a_candidate_found_by_phone_on_the_page_can_be_accepted(world, client_as):
    """The accept form is checked against the same candidates the page offered: those found by the phone too,
    when the deciding member reads the referral's phone."""
    user = world.users["social_worker"]
    join(user, world.service_b, Profession.SOCIAL_WORKER)
    r = referral(world.service_b, first_name="Zoé", last_name="Vandamme", alias="", phone=world.person.phone,
                 birth_year=1980)
    client = client_as(user)
    page = client.get(f"/orientations/{r.pk}/").content.decode()
    assert f'value="{world.person.pk}"' in page  # proposed: same phone, another name
    response = client.post(f"/orientations/{r.pk}/accept/", {"version": 1, "person": world.person.pk})
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.status == Status.ACCEPTED and r.person_id == world.person.pk
