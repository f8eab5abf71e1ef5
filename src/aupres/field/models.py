"""The receipts of the captures synchronised from the field app (issue #12).

A receipt is written in the same transaction as the record a capture creates: the client's UUID is
unique, so a capture sent twice (a retry after a lost answer, a server killed mid-batch) is applied once.
It holds ids only, never content.
"""

from django.conf import settings
from django.db import models


class CaptureKind(models.TextChoices):
    ENCOUNTER = "encounter", "encounter"
    NOTE = "note", "note"


class SyncReceipt(models.Model):
    client_uuid = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=12, choices=CaptureKind.choices)
    encounter = models.ForeignKey("encounters.Encounter", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    note = models.ForeignKey("persons.Note", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    captured_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(auto_now_add=True)
