"""Shared model building blocks: optimistic concurrency and compartments."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from aupres.core.errors import STALE_EDIT_MESSAGE, Conflict


class Compartment(models.TextChoices):
    """Every piece of personal information belongs to exactly one compartment (DOMAIN.md §5)."""

    HEALTH = "health", _("Health")
    SOCIAL = "social", _("Social")
    ADMINISTRATIVE = "administrative", _("Administrative")


class StaleEdit(Conflict):
    """Raised by `save_versioned` when an edit was prepared from a version that someone else has since
    changed. It is the domain's 409 "stale_edit" (a `Conflict`): screens show its message on the form,
    the API answers it; services let it through."""

    def __init__(self, current_version):
        super().__init__(STALE_EDIT_MESSAGE, code="stale_edit")
        self.current_version = current_version


class VersionedModel(models.Model):
    """A record that two people may edit at once.

    Every save through `save_versioned` checks that nobody saved in between: the row is
    updated only where its version is still the one the editor read.
    """

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save_versioned(self, expected_version, update_fields=None):
        if self.pk is None or self._state.adding:
            self.version = 1
            self.save()
            return self
        expected_version = int(expected_version)
        fields = update_fields or [
            f.attname for f in self._meta.concrete_fields if not f.primary_key and f.name != "version"
        ]
        values = {name: getattr(self, name) for name in fields}
        for field in self._meta.concrete_fields:
            # auto_now fields are set by pre_save, which queryset.update() does not call
            if getattr(field, "auto_now", False):
                values[field.attname] = field.pre_save(self, add=False)
        updated = type(self)._base_manager.filter(pk=self.pk, version=expected_version).update(
            version=expected_version + 1, **values
        )
        if not updated:
            current = type(self)._base_manager.filter(pk=self.pk).values_list("version", flat=True)
            raise StaleEdit(current.first())
        self.version = expected_version + 1
        return self
