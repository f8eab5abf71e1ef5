"""Indicators: what is entered per service and year (budget, manual staffing), the activity report's
free-text sections and generations, the immutable submissions of indicators, and the rollups.

No model here holds personal data except the rollup PersonYear (person ids only, never served).
"""

import os

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from aupres.core.models import VersionedModel
from aupres.services.models import Profession


class FunderKind(models.TextChoices):
    STATE = "state", _("State (DDETS, DREETS)")
    HEALTH_AGENCY = "health_agency", _("Regional health agency (ARS)")
    HEALTH_INSURANCE = "health_insurance", _("Health insurance (CPAM)")
    DEPARTEMENT = "departement", _("Département")
    MUNICIPALITY = "municipality", _("Municipality, CCAS")
    EUROPE = "europe", _("European funds")
    FOUNDATION = "foundation", _("Foundations, sponsorship")
    OWN_FUNDS = "own_funds", _("Own funds")
    OTHER = "other", _("Other")


class ServiceYearBudget(VersionedModel):
    """What one funder gives one service for one year (euros)."""

    service = models.ForeignKey("services.Service", on_delete=models.CASCADE, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("year"))
    funder = models.CharField(_("funder"), max_length=20, choices=FunderKind.choices)
    amount = models.DecimalField(_("amount (€)"), max_digits=12, decimal_places=2)
    # Of which granted from funding envelopes (accepted applications, issue #18): the line never goes below it,
    # so that what an envelope committed is what the services received (D54).
    envelope_amount = models.DecimalField(_("of which from funding envelopes (€)"), max_digits=12, decimal_places=2,
                                          default=0, editable=False)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["service", "-year", "funder"]
        constraints = [
            models.UniqueConstraint(fields=["service", "year", "funder"], name="budget_once_per_funder"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="budget_amount_not_negative"),
            models.CheckConstraint(condition=models.Q(envelope_amount__gte=0) &
                                   models.Q(amount__gte=models.F("envelope_amount")),
                                   name="budget_covers_its_envelope_part"),
        ]


class StaffingEntry(VersionedModel):
    """Staff not recorded as team members (volunteers, shared or seconded staff), in ETP for a year."""

    service = models.ForeignKey("services.Service", on_delete=models.CASCADE, related_name="staffing_entries")
    year = models.PositiveSmallIntegerField(_("year"))
    profession = models.CharField(_("profession"), max_length=40, choices=Profession.choices)
    etp = models.DecimalField(_("full-time equivalent (ETP)"), max_digits=5, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("staffing entry")
        verbose_name_plural = _("staffing entries")
        ordering = ["service", "-year", "profession"]
        constraints = [models.CheckConstraint(condition=models.Q(etp__gt=0), name="staffing_etp_positive")]


class ReportSection(VersionedModel):
    """A free-text section of a service's yearly activity report, written by the head of service."""

    service = models.ForeignKey("services.Service", on_delete=models.CASCADE, related_name="report_sections")
    year = models.PositiveSmallIntegerField(_("year"))
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), max_length=20_000)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("report section")
        verbose_name_plural = _("report sections")
        ordering = ["service", "year", "position", "pk"]


class GenerationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReportGeneration(models.Model):
    """One generation of the activity report (PDF), run as a background task."""

    service = models.ForeignKey("services.Service", on_delete=models.CASCADE, related_name="report_generations")
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=10, choices=GenerationStatus.choices,
                              default=GenerationStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(max_length=100, blank=True)
    file_path = models.CharField(max_length=200, blank=True, help_text="Path in the default storage.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    @property
    def file_name(self):
        return os.path.basename(self.file_path)


class ImmutableError(Exception):
    pass


class Submission(models.Model):
    """A period's indicators, frozen and submitted to the funders by a head of service.

    `tables` holds the disclosure-controlled tables (what funders read). `exact` holds the same
    aggregates before suppression: never served; used only to compute regional sums, which are
    then disclosure-controlled again (services.regional_view). Rows are never updated: a
    correction is a new version.
    """

    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="submissions")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    version = models.PositiveIntegerField(_("version"))
    tables = models.JSONField()
    exact = models.JSONField()
    comment = models.CharField(_("comment on this version"), max_length=500, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["service", "-period_start", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["service", "period_start", "period_end", "version"],
                                    name="submission_version_once"),
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="submission_period_ordered"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise ImmutableError("A submission is immutable: submit a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("A submission is immutable.")


class PersonYear(models.Model):
    """Rollup: the persons a service met in a year (from encounters), and in which months: `months`
    is a bitmask, bit m - 1 set when the person was met in month m (Europe/Paris). See
    docs/indicators.md."""

    service = models.ForeignKey("services.Service", on_delete=models.CASCADE, related_name="+", db_index=False)
    year = models.PositiveSmallIntegerField()
    person_id = models.BigIntegerField()
    months = models.IntegerField(default=0, db_default=0)
    # The person has rows of more than one service in the year: only such persons need a DISTINCT
    # when a scope is counted (the others are in one row). Kept by the triggers (migration 0006).
    shared = models.BooleanField(default=False, db_default=False)

    class Meta:
        indexes = [models.Index(fields=["person_id", "year"], name="person_year_person"),
                   # The persons of several services, counted with a DISTINCT over a scope (the others are in
                   # ServiceYearPart): a tenth of the rows, read from this index alone on PostgreSQL (D69).
                   models.Index(fields=["year", "service"], include=["person_id", "months"],
                                condition=models.Q(shared=True), name="person_year_shared"),
                   # The same rows in person order: over a large scope, OR-ed person by person as a stream (D74).
                   models.Index(fields=["year", "person_id"], include=["service", "months"],
                                condition=models.Q(shared=True), name="person_year_shared_person")]
        constraints = [models.UniqueConstraint(fields=["year", "service", "person_id"], name="person_year_once")]


class CaseloadYear(models.Model):
    """Rollup: the active caseload of a service in a year, one row per (year, service, person) with
    a follow-up of the service open at some time in the year, and what the caseload indicators read
    of the person AS AT THE END OF THAT YEAR (sex, year of birth, administrative situation, living
    situation, health cover). Kept by PostgreSQL triggers on follow-ups, persons, living situations
    and rights, which recompute every row of the persons concerned (rollup_sql.py); built for a year
    by services.refresh_rollups. See docs/indicators.md, "Rollups"."""

    year = models.PositiveSmallIntegerField()
    service = models.ForeignKey("services.Service", on_delete=models.CASCADE, related_name="+", db_index=False)
    person_id = models.BigIntegerField()
    # Days of the year within the service's follow-ups of the person (occupancy), summed per follow-up.
    followed_days = models.IntegerField()
    # First opening of a follow-up of the person by this service, and by any service (new persons).
    first_opened = models.DateField()
    person_first_opened = models.DateField()
    # The person has been followed by more than one service (ever): only such persons can appear
    # in two rows of a year, so only they need a DISTINCT when a scope is counted.
    shared = models.BooleanField()
    sex = models.CharField(max_length=10)
    born = models.IntegerField(null=True)
    administrative_situation = models.CharField(max_length=20)
    living_situation = models.CharField(max_length=24, null=True)
    health_cover = models.CharField(max_length=20, null=True)

    class Meta:
        indexes = [models.Index(fields=["person_id"], name="caseload_year_person"),
                   # As PersonYear's: the shared persons' profiles and first openings from the index alone (D69).
                   models.Index(fields=["year", "service"],
                                include=["person_id", "first_opened", "person_first_opened", "sex", "born",
                                         "administrative_situation", "living_situation", "health_cover"],
                                condition=models.Q(shared=True), name="caseload_year_shared"),
                   # The same rows in person order, earliest opening first: over a large scope each shared person is
                   # read once as a stream (DISTINCT ON), where the index above fed a hash of every row (D74).
                   models.Index(fields=["year", "person_id", "first_opened"],
                                include=["service", "person_first_opened", "sex", "born", "administrative_situation",
                                         "living_situation", "health_cover"],
                                condition=models.Q(shared=True), name="caseload_year_shared_person")]
        constraints = [models.UniqueConstraint(fields=["year", "service", "person_id"], name="caseload_year_once")]


class EventMonth(models.Model):
    """Rollup: event counts per service, month, indicator and dimension value."""

    service = models.ForeignKey("services.Service", on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField()
    indicator = models.CharField(max_length=40)
    key = models.CharField(max_length=40)
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["indicator", "month"], name="event_month_ind_month")]
        constraints = [models.UniqueConstraint(fields=["service", "month", "indicator", "key"],
                                               name="event_month_once")]


class RollupState(models.Model):
    """When the rollups of a year were last rebuilt (they are used only when present)."""

    year = models.PositiveSmallIntegerField(unique=True)
    refreshed_at = models.DateTimeField()


class ServiceYearPart(models.Model):
    """Rollup of the rollups: per service and year, the part of the person figures that needs no
    DISTINCT over a scope — the PersonYear and CaseloadYear rows that are not `shared` (persons of
    this service only), counted (persons met, by month; the caseload by each profile column; new
    persons) — and the followed days of every CaseloadYear row (occupancy, a sum). A region's
    figure is then the sum of its services' parts plus the shared persons counted with a DISTINCT,
    so it scales with services and shared persons, not with all persons (decision D66).

    Written ONLY by PostgreSQL statement-level triggers on PersonYear and CaseloadYear, as signed
    delta rows (append-only: no row is updated, so writers of one service never queue on a counter
    row); the figure of a key is sum(n). `compact` (services.compact_parts: the rebuild and the nightly
    job) replaces a year's rows by one row per key, in one statement. See docs/indicators.md."""

    year = models.PositiveSmallIntegerField()
    service = models.ForeignKey("services.Service", on_delete=models.DO_NOTHING, related_name="+",
                                db_constraint=False, db_index=False)
    indicator = models.CharField(max_length=40)
    key = models.CharField(max_length=40)
    n = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["year", "service"], name="service_year_part")]
