"""Anonymisation deletes the files uploaded with the person's referrals, and their original names."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from aupres.audit import retention
from aupres.followups.models import FollowUp
from aupres.referrals.models import Referral, ReferralAttachment, Status

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 1)


def test_anonymisation_deletes_referral_attachments(world, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    referral = Referral.objects.create(service=world.service_a, door="team", source="shelter", person=world.person,
                                       alias="Mina", needs=["health"], status=Status.ACCEPTED)
    files = [ReferralAttachment.objects.create(
        referral=referral, kind=kind, file=ContentFile(b"%PDF-1.4 Benali", name="x.pdf"),
        original_name=f"{kind}-Amina-Benali.pdf", content_type="application/pdf", size=15)
        for kind in ("medical_file", "social_file")]
    names = [a.file.name for a in files]
    assert all(default_storage.exists(n) and (tmp_path / n).exists() for n in names)
    FollowUp.objects.filter(person=world.person).update(state="closed",
                                                        closed_on=TODAY - datetime.timedelta(days=800))
    assert retention.purge_expired(TODAY)["persons_anonymised"] == 1
    assert not any((tmp_path / n).exists() for n in names)
    for attachment in ReferralAttachment.objects.filter(referral=referral):
        assert attachment.file.name == "" and "Benali" not in attachment.original_name
        assert attachment.kind in ("medical_file", "social_file")
