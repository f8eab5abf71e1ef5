"""Traceability of personal data (DOMAIN.md §5, docs/security.md).

An AccessEvent says who read or changed which person's data, when, in which compartment, through
which channel and route — never the data itself. Events are append-only: the application can create
them, never change or delete them. An event on one person names it in `person_id`; an event on several
(a list of 50 persons shown at once, issue #16) is one row naming them all in `person_ids`
(",12,34,56,"), so that `AccessEvent.objects.concerning(person_id)` still finds every event on a person.

A RectificationEntry keeps who changed which field of a person's record, with the old and new value:
it is part of the person's record (same compartment as the field), shown to those who hold that
compartment, exported with the record, and blanked with it when the record is anonymised.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, ExpressionWrapper, F, OuterRef, Q, TextField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aupres.core.models import Compartment

IDENTITY = "identity"


def compartment_choices():
    """{code: label} of the journal's compartments: identity, then the person's three compartments."""
    return {IDENTITY: _("Identity"), **dict(Compartment.choices)}


class Action(models.TextChoices):
    READ = "read", _("Read")
    LIST = "list", _("Listed")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")  # an import undone (imports.services.undo)
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


class AppendOnlyModel(models.Model):
    """A journal row: written once, never changed nor deleted (one by one here, in bulk by the queryset)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("Audit records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Audit records cannot be deleted.")


def ids_text(ids):
    """The `person_ids` of an event on several persons: ",12,34,56," (a LIKE ",34," finds one of them)."""
    return "," + ",".join(str(int(i)) for i in ids) + ","


class AccessEventQuerySet(AppendOnlyQuerySet):
    def concerning(self, person_id):
        """The events on this person: alone (person_id) or among others (person_ids)."""
        person_id = int(person_id)
        return self.filter(Q(person_id=person_id) | Q(person_ids__contains=f",{person_id},"))

    def concerning_any(self, rows, field="person_id"):
        """The events on any of the persons these rows point at (`field` of a queryset, e.g. the
        follow-ups of some services): alone, or among others in a list."""
        among = rows.annotate(
            _listed=ExpressionWrapper(OuterRef("person_ids"), output_field=TextField()),
            _needle=Concat(Value(","), Cast(field, TextField()), Value(","), output_field=TextField()),
        ).filter(_listed__contains=F("_needle"))
        return self.filter(Q(person_id__in=rows.values(field)) | Q(Exists(among), person_id__isnull=True))


class AccessEvent(AppendOnlyModel):
    at = models.DateTimeField(_("when"), default=timezone.now)
    # No database constraint: the trail outlives accounts and records (ids are kept as they were).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True,
                             on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    username = models.CharField(_("account"), max_length=150, blank=True)
    person_id = models.BigIntegerField(_("person"), null=True, blank=True,
                                       help_text="The person of an event on one person; empty for several.")
    person_ids = models.TextField(_("persons"), blank=True, default="",
                                  help_text="An event on several persons (a list): ',12,34,56,'.")
    person_count = models.PositiveIntegerField(_("number of persons"), default=1)
    service_id = models.BigIntegerField(_("service"), null=True, blank=True)
    compartments = models.CharField(_("compartments"), max_length=64,
                                    help_text="Comma-separated: identity, administrative, social, health.")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    route = models.CharField(_("route"), max_length=100, blank=True)
    # Reached through an emergency access (bris de glace, aupres.sharing.EmergencyAccess: its id).
    emergency = models.BooleanField(_("emergency access"), default=False)
    emergency_access_id = models.BigIntegerField(_("emergency access"), null=True, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["person_id", "-at"], name="access_event_person_at"),
            models.Index(fields=["user", "-at"], name="access_event_user_at"),
            models.Index(fields=["-at"], name="access_event_at"),
        ]

    @property
    def compartment_list(self):
        return [c for c in self.compartments.split(",") if c]

    @property
    def compartment_labels(self):
        """The compartments in words (« Identité, Administratif »), never the stored codes."""
        labels = compartment_choices()
        return ", ".join(str(labels.get(c, c)) for c in self.compartment_list)

    @property
    def person_id_list(self):
        """Every person of the event: [person_id], or the persons of a list."""
        if self.person_id is not None:
            return [self.person_id]
        return [int(i) for i in self.person_ids.split(",") if i]


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


class MembershipEvent(AppendOnlyModel):
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


    class Meta:
        verbose_name = _("membership event")
        verbose_name_plural = _("membership events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["operator_id", "-at"], name="membership_event_operator_at")]

    def changes(self):
        """[(field, before, after)] of the fields that differ."""
        names = [n for n in MEMBERSHIP_FIELDS if self.before.get(n) != self.after.get(n)]
        return [(n, self.before.get(n), self.after.get(n)) for n in names]


MEMBERSHIP_FIELDS = ("profession", "etp", "is_coordinating", "is_on_call", "start_date", "end_date")


class PropertyRoleAction(models.TextChoices):
    GRANT = "grant", _("Property role granted")
    WITHDRAW = "withdraw", _("Property role withdrawn")


class PropertyRoleEvent(AppendOnlyModel):
    """Who gave or took back an operator's property role from whom, and when (issues #11, #14): the
    property role reads the housing park, so its grants are journaled like team memberships. Append-only:
    the grant row itself is deleted on withdrawal, this event stays."""

    at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"), null=True, blank=True,
                             on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    username = models.CharField(_("account"), max_length=150, blank=True)
    grantee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account concerned"), null=True,
                                blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    grantee_username = models.CharField(_("account concerned (username)"), max_length=150, blank=True)
    operator_id = models.BigIntegerField(_("operator"))
    access_id = models.BigIntegerField(_("grant"))
    action = models.CharField(_("action"), max_length=10, choices=PropertyRoleAction.choices)


    class Meta:
        verbose_name = _("property role event")
        verbose_name_plural = _("property role events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["operator_id", "-at"], name="property_role_operator_at")]


class SignInOutcome(models.TextChoices):
    SIGNED_IN = "signed_in", _("Signed in")
    UNKNOWN = "unknown", _("No account linked")
    AMBIGUOUS = "ambiguous", _("Several accounts match")
    RPPS_MISMATCH = "rpps_mismatch", _("RPPS differs from the account's")
    INACTIVE = "inactive", _("Account deactivated")
    ADMINISTRATOR = "administrator", _("Administrator account")
    FAILED = "failed", _("Protocol failure")


class SignInEvent(AppendOnlyModel):
    """A sign-in through the OpenID Connect provider, accepted or refused (issue #17, D55). Append-only like
    the other journals; it names the account (when one was found) and the outcome, never what the provider
    returned (no RPPS, name, e-mail nor profession)."""

    at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True,
                             on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    username = models.CharField(_("account"), max_length=150, blank=True)
    method = models.CharField(_("method"), max_length=10, default="oidc")
    outcome = models.CharField(_("outcome"), max_length=16, choices=SignInOutcome.choices)
    rpps_confirmed = models.BooleanField(_("RPPS confirmed"), default=False)

    class Meta:
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"], name="sign_in_user_at")]
