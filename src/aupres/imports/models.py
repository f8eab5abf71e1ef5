"""An import of a team's spreadsheet (issue #17): the file's rows, the column and value mappings, the dry
run's report, the rows created (for the undo). Only the heads of the service read it (imports.services)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("File read: map the columns")
    CHECKING = "checking", _("Dry run under way")
    CHECKED = "checked", _("Dry run done")
    RUNNING = "running", _("Import under way")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Import failed: nothing was saved")
    UNDONE = "undone", _("Import undone")


class ImportBatch(models.Model):
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=200)
    # The file's cells as text (header row and data rows), emptied once imported or undone.
    headers = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    shape = models.CharField(max_length=64)  # sha256 of the set of headers (ColumnMapping)
    mapping = models.JSONField(default=dict)  # header -> target field
    value_map = models.JSONField(default=dict)  # target field -> {written value -> code}
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    progress = models.PositiveSmallIntegerField(default=0)
    report = models.JSONField(default=dict)  # the dry run's (then the import's) report
    created_ids = models.JSONField(default=dict)  # model label -> ids created, for the undo
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]


class ColumnMapping(models.Model):
    """The mapping chosen for a shape of file (its set of headers) in a service, offered again."""

    service = models.ForeignKey("services.Service", on_delete=models.CASCADE, related_name="+")
    shape = models.CharField(max_length=64)
    mapping = models.JSONField(default=dict)
    value_map = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "shape"], name="one_mapping_per_shape")]
