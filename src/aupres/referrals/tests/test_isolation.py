"""Partners read only the status of what they sent; the public form reads nothing back; regulators see
only the unaddressed referrals of their territory, without health content."""

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aupres.referrals import services
from aupres.referrals.models import Referral, Status
from aupres.referrals.tests.helpers import referral
from aupres.services.models import Territory

pytestmark = pytest.mark.django_db

BODY = {"source": "pass", "alias": "Coco", "first_name": "Marc", "needs": ["health", "rights"],
        "health_description": "Tuberculose suspectée", "social_description": "Squat rue X",
        "referrer_name": "Mme Dupuis", "referrer_phone": "03 20 00 00 00", "phone": "0612345678"}
HIDDEN = ("Tuberculose", "Squat", "Coco", "Marc", "0612345678")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def test_partner_sends_and_later_sees_only_status_dates_and_decision(world, api_as):
    partner = api_as(world.users["partner"])
    r = partner.post("/referrals", {**BODY, "service": world.service_a.pk})
    assert r.status_code == 201, r.content
    sent = r.json()
    assert sent["view"] == "partner" and sent["status"] == "pending"
    assert not any(h in r.content.decode() for h in HIDDEN)
    ref = Referral.objects.get(pk=sent["id"])
    assert ref.door == "partner" and ref.sent_by == world.users["partner"]
    api_as(world.users["social_worker"]).post(f"/referrals/{ref.pk}/decline",
                                              {"version": 1, "reason": "need_elsewhere", "note": "Voir PASS"})
    seen = partner.get(f"/referrals/{ref.pk}")
    assert seen.status_code == 200
    body = seen.content.decode()
    assert seen.json()["status"] == "declined" and "The need is better met elsewhere" in seen.json()["status_label"] \
        or "ailleurs" in seen.json()["status_label"]
    assert "Voir PASS" not in body and not any(h in body for h in HIDDEN)
    listed = partner.get("/referrals").json()
    assert [i["id"] for i in listed["items"]] == [ref.pk]


def test_partner_cannot_read_or_act_on_what_it_did_not_send(world, api_as):
    other = referral(world.service_a, health_description="secret")
    partner = api_as(world.users["partner"])
    assert partner.get(f"/referrals/{other.pk}").status_code == 404
    assert partner.get("/referrals").json()["count"] == 0
    for action in ("accept", "decline", "wait", "forward", "route"):
        assert partner.post(f"/referrals/{other.pk}/{action}", {"version": 1, "service": 1,
                                                                "reason": "other"}).status_code in (404, 422)
    assert partner.get(f"/referrals/{other.pk}/candidates").status_code == 404
    assert partner.get(f"/persons/{world.person.pk}").status_code == 404


def test_partner_cannot_link_a_person(world, api_as):
    r = api_as(world.users["partner"]).post("/referrals", {**BODY, "service": world.service_a.pk,
                                                           "person": world.person.pk})
    assert r.status_code == 403


def test_the_public_form_needs_no_account_and_answers_only_a_receipt(world):
    client = Client()
    r = client.post("/api/v1/public/referrals", {**BODY, "service": world.service_a.pk},
                    content_type="application/json")
    assert r.status_code == 201, r.content
    assert set(r.json()) == {"receipt"}
    receipt = r.json()["receipt"]
    assert receipt.startswith("AUP-") and len(receipt) == 12
    ref = Referral.objects.get(receipt=receipt)
    assert ref.door == "public" and ref.sent_by is None and ref.status == Status.PENDING
    # Nothing can be read back, with or without the receipt.
    assert client.get("/api/v1/referrals").status_code == 401
    assert client.get(f"/api/v1/referrals/{ref.pk}").status_code == 401
    assert client.get("/api/v1/public/referrals").status_code == 405
    assert client.get(f"/api/v1/public/referrals/{receipt}").status_code == 404


def test_public_form_requires_a_way_to_call_back(world):
    r = Client().post("/api/v1/public/referrals", {**BODY, "referrer_phone": "", "service": world.service_a.pk},
                      content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "referrer_phone"


def test_the_honeypot_gives_a_decoy_receipt_and_saves_nothing(world):
    r = Client().post("/api/v1/public/referrals", {**BODY, "service": world.service_a.pk,
                                                   "website": "http://spam.example"},
                      content_type="application/json")
    assert r.status_code == 201 and r.json()["receipt"].startswith("AUP-")
    assert not Referral.objects.exists()


def test_the_public_form_is_rate_limited_per_client_ip(world, settings):
    settings.REFERRALS_PUBLIC_RATE = (3, 3600)
    client = Client(REMOTE_ADDR="198.51.100.7")
    codes = [client.post("/api/v1/public/referrals", {**BODY, "service": world.service_a.pk},
                         content_type="application/json").status_code for _ in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    assert Referral.objects.count() == 3
    other = Client(REMOTE_ADDR="198.51.100.8")
    assert other.post("/api/v1/public/referrals", {**BODY, "service": world.service_a.pk},
                      content_type="application/json").status_code == 201


@given(body=st.fixed_dictionaries({
    "source": st.sampled_from(["pass", "self", "individual"]),
    "alias": st.text(max_size=100), "needs": st.lists(st.sampled_from(["health", "housing"]), min_size=1),
    "referrer_email": st.text(max_size=200), "birth_year": st.none() | st.integers(1900, 2100),
    "website": st.just(""),
}))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_public_form_never_answers_more_than_a_receipt_or_an_error(world, body):
    cache.clear()
    r = Client().post("/api/v1/public/referrals", {**body, "service": world.service_a.pk},
                      content_type="application/json")
    assert r.status_code in (201, 400, 422)
    if r.status_code == 201:
        assert set(r.json()) == {"receipt"}
    else:
        assert set(r.json()) >= {"code", "message", "field"}


# Regulator --------------------------------------------------------------------------------------

def _regulated(world):
    region, _c = Territory.objects.get_or_create(level="region", code="32", defaults={"name": "Hauts-de-France"})
    world.territory.parent = region
    world.territory.save()
    elsewhere, _c = Territory.objects.get_or_create(level="departement", code="75", defaults={"name": "Paris"})
    regulator = world.users["regulator"]
    regulator.territory = world.territory
    regulator.save()
    return region, elsewhere, regulator


def test_regulator_sees_unaddressed_referrals_of_its_territory_without_health_content(world, api_as):
    region, elsewhere, regulator = _regulated(world)
    mine = referral(None, territory=world.territory, health_description="Tuberculose", social_description="Squat",
                    first_name="Marc", alias="Coco", needs=["health"])
    referral(None, territory=elsewhere, alias="Paris")
    referral(world.service_a, territory=world.territory, alias="Adressée")
    api = api_as(regulator)
    listed = api.get("/referrals").json()
    assert [i["id"] for i in listed["items"]] == [mine.pk]
    body = api.get(f"/referrals/{mine.pk}").content.decode()
    assert not any(h in body for h in ("Tuberculose", "Squat", "Marc", "Coco"))
    suggestions = api.get(f"/referrals/{mine.pk}/suggestions").json()
    assert suggestions[0]["territory_match"] and suggestions[0]["need_match"]
    r = api.post(f"/referrals/{mine.pk}/route", {"version": 1, "service": suggestions[0]["service"]})
    assert r.status_code == 200, r.content
    mine.refresh_from_db()
    assert mine.service_id == suggestions[0]["service"] and mine.routed_by == regulator
    assert api.get(f"/referrals/{mine.pk}").status_code == 404  # routed: no longer the regulator's
    # A regional regulator sees the departement's referrals too.
    regulator.territory = region
    regulator.save()
    referral(None, territory=world.territory, alias="Autre")
    assert api_as(regulator).get("/referrals").json()["count"] == 1


def test_suggestions_rank_territory_need_eligibility_and_free_capacity(world):
    _region, elsewhere, _regulator = _regulated(world)
    r = referral(None, territory=world.territory, needs=["rights"], birth_year=2015)
    ranked = services.suggest_services(r, limit=10)
    by_id = {s.service.pk: s for s in ranked}
    # PASS C takes rights and any age; LHSS A and B take adults with health needs only.
    assert ranked[0].service == world.service_c
    assert by_id[world.service_a.pk].reasons and not by_id[world.service_c.pk].reasons
    before = by_id[world.service_c.pk].score
    # Another fitting PASS in the territory now ranks first; C, moved away, loses the territory points.
    world.service_c.territories.set([elsewhere])
    local = world.service("PASS locale", world.service_c.kind, world.operator)
    ranked = services.suggest_services(r, limit=10)
    assert ranked[0].service == local and ranked[0].territory_match
    moved = next(s for s in ranked if s.service == world.service_c)
    assert not moved.territory_match and moved.score == before - 40
    # Full services rank below free ones, all else equal.
    local.capacity = 1
    local.save()
    from aupres.followups.models import FollowUp
    FollowUp.objects.create(person=world.person, service=local, opened_on=world.person.created_at.date())
    world.service_c.territories.set([world.territory])
    ranked = services.suggest_services(r, limit=10)
    assert [s.service for s in ranked[:2]] == [world.service_c, local]
    assert ranked[1].capacity.free == 0


def test_staff_and_others_cannot_route(world, api_as):
    _regulated(world)
    r = referral(None, territory=world.territory)
    assert api_as(world.users["head_of_service"]).post(f"/referrals/{r.pk}/route",
                                                       {"version": 1, "service": world.service_a.pk}).status_code == 404
    assert api_as(world.users["funder"]).get(f"/referrals/{r.pk}").status_code == 404
    assert api_as(world.users["funder"]).get("/referrals").json()["count"] == 0


def test_a_partner_referral_without_service_goes_to_the_territory_queue(world, api_as):
    _region, _elsewhere, regulator = _regulated(world)
    r = api_as(world.users["partner"]).post("/referrals", {**BODY, "territory": world.territory.pk})
    assert r.status_code == 201
    assert api_as(regulator).get("/referrals").json()["count"] == 1
    r = api_as(world.users["partner"]).post("/referrals", BODY)
    assert r.status_code == 400 and r.json()["field"] == "service"


def test_partner_adds_a_document_the_team_opens_it_by_compartment(world, api_as, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    from django.core.files.uploadedfile import SimpleUploadedFile

    from aupres.referrals.tests.helpers import tiny_pdf

    partner = api_as(world.users["partner"])
    sent = partner.post("/referrals", {**BODY, "service": world.service_a.pk}).json()
    upload = partner.client.post(f"/api/v1/referrals/{sent['id']}/attachments", headers=partner.headers,
                                 data={"kind": "medical_file",
                                       "file": SimpleUploadedFile("bilan.pdf", tiny_pdf())})
    assert upload.status_code == 201, upload.content
    doc = upload.json()["id"]
    bad = partner.client.post(f"/api/v1/referrals/{sent['id']}/attachments", headers=partner.headers,
                              data={"kind": "social_file", "file": SimpleUploadedFile("x.exe", b"MZ")})
    assert bad.status_code == 400 and bad.json()["code"] == "file_type"
    assert partner.get(f"/referrals/{sent['id']}/attachments/{doc}").status_code == 404
    nurse = api_as(world.users["nurse"])
    assert nurse.get(f"/referrals/{sent['id']}").json()["attachments"][0]["kind"] == "medical_file"
    got = nurse.get(f"/referrals/{sent['id']}/attachments/{doc}")
    assert got.status_code == 200 and b"".join(got.streaming_content) == tiny_pdf()
    worker = api_as(world.users["social_worker"])
    assert worker.get(f"/referrals/{sent['id']}").json()["attachments"] == []
    denied = worker.get(f"/referrals/{sent['id']}/attachments/{doc}")
    assert denied.status_code == 403 and denied.json()["code"] == "compartment_forbidden"


def test_a_person_seen_through_an_open_referral_is_listed_with_the_team_compartments(world, api_as):
    from aupres.persons.models import Person

    from .helpers import referral

    newcomer = Person.objects.create(alias="Nouveau venu")
    referral(world.service_a, person=newcomer)
    items = api_as(world.users["nurse"]).get("/persons?limit=200").json()["items"]
    listed = {i["id"]: i["compartments"] for i in items}
    assert listed[newcomer.pk] == ["administrative", "health", "social"]
