"""Traceability of personal data (DOMAIN.md §5, docs/security.md).

An AccessEvent says who read or changed which person's data, when, in which compartment, through
which channel and route — never the data itself. Events are append-only: the application can create
them, never change or delete them.

A RectificationEntry keeps who changed which field of a person's record, with the old and new value:
it is part of the person's record (same compartment as the field), shown to those who hold that
compartment, exported with the record, and blanked with it when the record is anonymised.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

IDENTITY = "identity"


class Action(models.TextChoices):
    READ = "read", _("Read")
    LIST = "list", _("Listed")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    EXPORT = "export", _("Exported")
    ANONYMISE = "anonymise", _("Anonymised")


class Channel(models.TextChoices):
    SCREEN = "screen", _("Screen")
    API = "api", _("API")
    EXPORT = "export", _("Export")
    TASK = "task", _("Scheduled task")


class AppendOnly(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("Audit records cannot be changed.")

    def delete(self):
        raise AppendOnly("Audit records cannot be deleted.")


class AccessEvent(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now)
    # No database constraint: the trail outlives accounts and records (ids are kept as they were).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True,
                             on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    username = models.CharField(_("account"), max_length=150, blank=True)
    person_id = models.BigIntegerField(_("person"))
    service_id = models.BigIntegerField(_("service"), null=True, blank=True)
    compartments = models.CharField(_("compartments"), max_length=64,
                                    help_text="Comma-separated: identity, administrative, social, health.")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    route = models.CharField(_("route"), max_length=100, blank=True)
    # Reached through an emergency access (bris de glace, aupres.sharing.EmergencyAccess: its id).
    emergency = models.BooleanField(_("emergency access"), default=False)
    emergency_access_id = models.BigIntegerField(_("emergency access"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["person_id", "-at"], name="access_event_person_at"),
            models.Index(fields=["user", "-at"], name="access_event_user_at"),
            models.Index(fields=["-at"], name="access_event_at"),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("Audit records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Audit records cannot be deleted.")

    @property
    def compartment_list(self):
        return [c for c in self.compartments.split(",") if c]


class RectificationEntry(models.Model):
    """One field of a person's record changed by someone (the rectification history, GDPR art. 16)."""

    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="rectifications")
    at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True,
                             on_delete=models.SET_NULL, related_name="+")
    record = models.CharField(_("record"), max_length=40, help_text="person or medical_profile")
    compartment = models.CharField(_("compartment"), max_length=16)
    field = models.CharField(_("field"), max_length=60)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["person", "-at"], name="rectification_person_at")]


class MembershipAction(models.TextChoices):
    CREATE = "create", _("Membership created")
    UPDATE = "update", _("Membership changed")
    END = "end", _("Membership ended")


class MembershipEvent(models.Model):
    """Who gave whom which place in a team, before and after (issue #11): the journal of access grants.
    Append-only like AccessEvent; written, then notified to the operator's heads of service, before the
    membership starts (Membership.notified_at)."""

    at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True,
                             on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    username = models.CharField(_("account"), max_length=150, blank=True)
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("team member"), null=True, blank=True,
                               on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    member_username = models.CharField(_("team member's account"), max_length=150, blank=True)
    membership_id = models.BigIntegerField(_("membership"))
    service_id = models.BigIntegerField(_("service"))
    operator_id = models.BigIntegerField(_("operator"))
    action = models.CharField(_("action"), max_length=10, choices=MembershipAction.choices)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    opens_health = models.BooleanField(_("opens the health compartment"), default=False)
    heads_notified = models.PositiveIntegerField(_("heads of service notified"), default=0)
    mails_sent = models.PositiveIntegerField(_("e-mails sent"), default=0)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership event")
        verbose_name_plural = _("membership events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["operator_id", "-at"], name="membership_event_operator_at")]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("Audit records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Audit records cannot be deleted.")

    def changes(self):
        """[(field, before, after)] of the fields that differ."""
        names = [n for n in MEMBERSHIP_FIELDS if self.before.get(n) != self.after.get(n)]
        return [(n, self.before.get(n), self.after.get(n)) for n in names]


MEMBERSHIP_FIELDS = ("profession", "etp", "is_coordinating", "is_on_call", "start_date", "end_date")
