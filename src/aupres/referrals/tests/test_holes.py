"""Issue #11 point 4: documents are checked whole and bounded; the public form's rate limit is shared by
every worker and counts the client seen through the reverse proxies."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aupres.referrals.models import ReferralAttachment
from aupres.referrals.tests.helpers import tiny_pdf, tiny_png

pytestmark = pytest.mark.django_db

BODY = {"source": "pass", "alias": "Coco", "needs": ["health"], "referrer_name": "Mme Dupuis",
        "referrer_phone": "03 20 00 00 00"}


@pytest.fixture
def partner(world, api_as, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    return api_as(world.users["partner"])


def send(partner, world):
    r = partner.post("/referrals", {**BODY, "service": world.service_a.pk})
    assert r.status_code == 201, r.content
    return r.json()["id"]


def upload(partner, referral_id, name, content, kind="medical_file"):
    return partner.client.post(f"/api/v1/referrals/{referral_id}/attachments", headers=partner.headers,
                               data={"kind": kind, "file": SimpleUploadedFile(name, content)})


@pytest.mark.parametrize("name, content", [
    ("fake.pdf", b"%PDF-1.4\n<script>not a pdf at all</script>"),
    ("cut.pdf", tiny_pdf()[:200]),
    ("fake.png", b"\x89PNG\r\n\x1a\n" + b"MZ" * 100),
    ("fake.jpg", b"\xff\xd8\xff" + b"\x00" * 64),
])
def test_the_whole_file_must_be_what_it_claims(world, partner, name, content):
    r = upload(partner, send(partner, world), name, content)
    assert r.status_code == 400 and r.json()["code"] == "file_type", r.content
    assert not ReferralAttachment.objects.exists()


def test_real_documents_are_accepted(world, partner):
    referral_id = send(partner, world)
    assert upload(partner, referral_id, "bilan.pdf", tiny_pdf()).status_code == 201
    assert upload(partner, referral_id, "photo.png", tiny_png()).status_code == 201


def test_documents_per_referral_are_bounded(world, partner, settings):
    settings.REFERRAL_MAX_ATTACHMENTS = 2
    referral_id = send(partner, world)
    for _ in range(2):
        assert upload(partner, referral_id, "bilan.pdf", tiny_pdf()).status_code == 201
    r = upload(partner, referral_id, "bilan.pdf", tiny_pdf())
    assert r.status_code == 400 and r.json()["code"] == "too_many_files"
    settings.REFERRAL_MAX_ATTACHMENTS, settings.REFERRAL_MAX_MB = 10, 0
    r = upload(partner, send(partner, world), "bilan.pdf", tiny_pdf())
    assert r.status_code == 400 and r.json()["code"] == "referral_too_large"


def test_a_partner_cannot_fill_the_disk(world, partner, settings):
    settings.REFERRAL_SENDER_MB_PER_DAY = 0  # budget spent: every new document of this sender is refused
    r = upload(partner, send(partner, world), "bilan.pdf", tiny_pdf())
    assert r.status_code == 429 and r.json()["code"] == "sender_quota"
    referral_id = send(partner, world)
    settings.MAX_REQUEST_MB = 0  # and a body larger than the cap is refused before it is read
    r = upload(partner, referral_id, "bilan.pdf", b"x" * 2048)
    assert r.status_code == 413
    assert not ReferralAttachment.objects.exists()


def test_the_rate_limit_lives_in_the_shared_cache(world, settings):
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache
    from django.db import connection

    assert not isinstance(caches["default"], LocMemCache)  # a per-process cache: each worker its own count
    settings.REFERRALS_PUBLIC_RATE = (1, 3600)
    client = Client(REMOTE_ADDR="203.0.113.7")
    assert client.post("/api/v1/public/referrals", {**BODY, "service": world.service_a.pk},
                       content_type="application/json").status_code == 201
    with connection.cursor() as cursor:  # the count is in the database: every worker reads it
        cursor.execute("SELECT COUNT(*) FROM aupres_cache")
        assert cursor.fetchone()[0] == 1
    assert client.post("/api/v1/public/referrals", {**BODY, "service": world.service_a.pk},
                       content_type="application/json").status_code == 429


def test_the_rate_limit_counts_the_client_behind_the_proxy(world, settings):
    settings.REFERRALS_PUBLIC_RATE = (1, 3600)
    settings.PROXY_COUNT = 1
    proxy = "10.0.0.2"  # every request arrives from the reverse proxy

    def post(forwarded_for):
        return Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded_for).post(
            "/api/v1/public/referrals", {**BODY, "service": world.service_a.pk}, content_type="application/json")

    assert post("198.51.100.1").status_code == 201
    assert post("198.51.100.2").status_code == 201  # another client: not blocked by the first
    assert post("6.6.6.6, 198.51.100.1").status_code == 429  # what the client writes itself is ignored
