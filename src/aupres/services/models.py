"""Operators, their services (dispositifs) and who works in them.

Every rule that differs from one service to another (capacity, length, prescription,
eligibility, opening) is a field here, so that a head of service sets it without code.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aupres.core.models import Compartment, VersionedModel


class TerritoryLevel(models.TextChoices):
    REGION = "region", _("Region")
    DEPARTEMENT = "departement", _("Département")
    COMMUNE = "commune", _("Commune")


class Territory(models.Model):
    level = models.CharField(_("level"), max_length=16, choices=TerritoryLevel.choices)
    code = models.CharField(_("code"), max_length=10, help_text=_("INSEE code"))
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey("self", verbose_name=_("part of"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["level", "code"]
        constraints = [models.UniqueConstraint(fields=["level", "code"], name="territory_unique_code")]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def self_and_descendant_ids(self):
        ids, frontier = {self.pk}, [self.pk]
        while frontier:
            frontier = list(Territory.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            ids.update(frontier)
        return ids


class OperatorKind(models.TextChoices):
    ASSOCIATION = "association", _("Association")
    SOCIAL_LANDLORD = "social_landlord", _("Social landlord")
    HOSPITAL = "hospital", _("Hospital")
    PUBLIC_BODY = "public_body", _("Public body")
    OTHER = "other", _("Other")


class Operator(VersionedModel):
    """An organisme gestionnaire: runs one or more services."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OperatorKind.choices)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    address = models.TextField(_("address"), blank=True)
    territory = models.ForeignKey(Territory, verbose_name=_("territory"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="operators")
    # The health professional holding the operator's medical responsibility: with the operator
    # administrators (superusers), the only one who grants a profession opening the health compartment
    # (issue #11, docs/security.md). Set by an administrator only, never through the heads' screens.
    medical_lead = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("medical lead"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="medical_lead_of",
                                     help_text=_("Health professional holding the operator's medical "
                                                 "responsibility: grants health access to its teams."))

    class Meta:
        verbose_name = _("operator")
        verbose_name_plural = _("operators")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CapacityUnit(models.TextChoices):
    HOUSEHOLDS = "households", _("households in the active caseload")
    PERSONS_PER_DAY = "persons_per_day", _("persons received per opening day")
    BEDS = "beds", _("beds")
    FAMILIES = "families", _("families")
    APARTMENTS = "apartments", _("apartments")
    PLACES = "places", _("places")
    PATIENTS = "patients", _("patients")
    CASELOAD = "caseload", _("persons in the active caseload")
    SITUATIONS_PER_CASE_MANAGER = "situations_per_case_manager", _("situations per case manager")


class Public(models.TextChoices):
    ANY = "any", _("Anyone")
    ADULTS = "adults", _("Adults")
    WOMEN = "women", _("Women")
    MOTHERS_WITH_CHILDREN = "mothers_with_children", _("Mothers with minor children")
    MOTHERS_WITH_NEWBORNS = "mothers_with_newborns", _("Mothers with a newborn")


class RequiredDocument(models.TextChoices):
    MEDICAL_FILE = "medical_file", _("Medical file")
    SOCIAL_FILE = "social_file", _("Social file")
    PRESCRIPTION = "prescription", _("Medical prescription")


class Need(models.TextChoices):
    """The kinds of need a referral names and a service takes (Service.accepted_needs)."""

    HEALTH = "health", _("Somatic health")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    ADDICTION = "addiction", _("Addiction")
    NURSING = "nursing", _("Nursing care at the living place")
    MATERNITY = "maternity", _("Pregnancy, maternity, young child")
    SOCIAL = "social", _("Social support")
    HOUSING = "housing", _("Housing, shelter or tenancy")
    RIGHTS = "rights", _("Rights and papers")
    VIOLENCE = "violence", _("Violence")


WEEKDAYS = "1234567"  # ISO weekdays, Monday = 1

# Plausible ranges of a service's numbers (issue #13, docs/decisions.md D48): (lowest, highest, message).
# The model's clean, the screen's form (each field beside its value, all at once) and the API read them.
SERVICE_RANGES = {
    "capacity": (0, 10_000, _("A capacity is between 0 (no limit) and 10 000.")),
    "usual_length_min_days": (0, 3650, _("A length is between 0 and 3 650 days (ten years).")),
    "usual_length_max_days": (0, 3650, _("A length is between 0 and 3 650 days (ten years).")),
    "max_length_days": (1, 3650, _("A maximum length is between 1 and 3 650 days (ten years).")),
    "min_age": (0, 120, _("An age is between 0 and 120.")),
    "max_age": (0, 120, _("An age is between 0 and 120.")),
    "max_months_on_street": (1, 1200, _("Between 1 and 1 200 months.")),
    "no_encounter_alert_days": (1, 365, _("The alert comes after 1 to 365 days without an encounter.")),
    "access_after_exit_days": (1, 3650, _("The team keeps access from 1 to 3 650 days after the exit: with 0, "
                                          "the person's record would disappear on the day they leave.")),
    "retention_days_after_exit": (1, 36500, _("Between 1 and 36 500 days.")),
}


# Weekdays as written inside a sentence (« du lundi au vendredi »), ISO numbers.
WEEKDAY_IN_SENTENCE = {
    "1": pgettext_lazy("weekday in a sentence", "Monday"), "2": pgettext_lazy("weekday in a sentence", "Tuesday"),
    "3": pgettext_lazy("weekday in a sentence", "Wednesday"),
    "4": pgettext_lazy("weekday in a sentence", "Thursday"), "5": pgettext_lazy("weekday in a sentence", "Friday"),
    "6": pgettext_lazy("weekday in a sentence", "Saturday"), "7": pgettext_lazy("weekday in a sentence", "Sunday"),
}


def opening_words(opening_days, opens_day=True, opens_night=False):
    """The opening in words: « du lundi au vendredi, en journée », « tous les jours, jour et nuit »,
    « lundi, mercredi et vendredi, la nuit »."""
    days = "".join(sorted(set(opening_days or "") & set(WEEKDAYS)))
    if days == WEEKDAYS:
        when = gettext_now("every day")
    else:
        runs = []
        for d in days:  # consecutive weekdays in runs
            if runs and int(d) == int(runs[-1][-1]) + 1:
                runs[-1] += d
            else:
                runs.append(d)
        parts = []
        for run in runs:
            if len(run) >= 3:
                parts.append(gettext_now("from %(first)s to %(last)s") % {
                    "first": WEEKDAY_IN_SENTENCE[run[0]], "last": WEEKDAY_IN_SENTENCE[run[-1]]})
            else:
                parts.extend(str(WEEKDAY_IN_SENTENCE[d]) for d in run)
        if not parts:
            when = gettext_now("no day")
        elif len(parts) == 1:
            when = parts[0]
        else:
            when = gettext_now("%(list)s and %(last)s") % {"list": ", ".join(parts[:-1]), "last": parts[-1]}
    if opens_day and opens_night:
        hours = gettext_now("day and night")
    elif opens_night:
        hours = gettext_now("at night")
    else:
        hours = gettext_now("in the daytime")
    return gettext_now("%(days)s, %(hours)s") % {"days": when, "hours": hours}


def range_errors(instance):
    """{field: message} for each number of SERVICE_RANGES outside its range (None is not checked)."""
    out = {}
    for name, (low, high, message) in SERVICE_RANGES.items():
        value = getattr(instance, name, None)
        if value is not None and not low <= value <= high:
            out[name] = message
    return out


class ServiceRules(models.Model):
    """The rule fields shared by a kind's template and the services built from it."""

    public = models.CharField(_("public"), max_length=32, choices=Public.choices, default=Public.ANY)
    public_description = models.TextField(_("public, in words"), blank=True)
    capacity_unit = models.CharField(_("capacity unit"), max_length=40, choices=CapacityUnit.choices)
    usual_length_min_days = models.PositiveIntegerField(_("usual length, from (days)"), null=True, blank=True)
    usual_length_max_days = models.PositiveIntegerField(_("usual length, up to (days)"), null=True, blank=True)
    max_length_days = models.PositiveIntegerField(
        _("maximum length (days)"), null=True, blank=True,
        help_text=_("Leave empty when the length is open."),
    )
    requires_prescription = models.BooleanField(_("medical prescription required"), default=False)
    required_documents = models.JSONField(
        _("documents required with a referral"), default=list, blank=True,
        help_text=_("Among: medical_file, social_file, prescription."),
    )
    accepted_needs = models.JSONField(
        _("needs the service takes"), default=list, blank=True,
        help_text=_("A referral naming none of these needs does not fit the service. Empty: any need."),
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    max_months_on_street = models.PositiveSmallIntegerField(
        _("at most this many months on the street"), null=True, blank=True,
        help_text=_("For example 6 for case management of newcomers to the street."),
    )
    requires_expressed_demand = models.BooleanField(
        _("the person's own demand is required"), default=False
    )
    eligibility_notes = models.TextField(_("other eligibility criteria"), blank=True)
    has_orientation_committee = models.BooleanField(
        _("an orientation committee decides admissions"), default=False
    )
    confidential_location = models.BooleanField(
        _("the location must stay confidential"), default=False
    )

    class Meta:
        abstract = True

    def accepted_need_labels(self):
        labels = dict(Need.choices)
        return [labels.get(n, n) for n in self.accepted_needs or []]

    def clean(self):
        super().clean()
        errors = range_errors(self)
        if errors:  # every number out of its range at once
            raise ValidationError({name: [message] for name, message in errors.items()})
        unknown = set(self.required_documents or []) - set(RequiredDocument.values)
        if unknown:
            raise ValidationError({"required_documents": _("Unknown document kind.")})
        if not isinstance(self.accepted_needs, list) or set(self.accepted_needs) - set(Need.values):
            raise ValidationError({"accepted_needs": _("Unknown kind of need.")})
        self.accepted_needs = sorted({str(n) for n in self.accepted_needs})
        lo, hi = self.usual_length_min_days, self.usual_length_max_days
        if lo is not None and hi is not None and lo > hi:
            raise ValidationError({"usual_length_max_days": _("The usual length ends before it starts.")})
        if self.max_length_days is not None and hi is not None and hi > self.max_length_days:
            raise ValidationError({"max_length_days": _("The maximum length is shorter than the usual length.")})
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValidationError({"max_age": _("The maximum age is below the minimum age.")})
        if self.requires_prescription and RequiredDocument.PRESCRIPTION not in self.required_documents:
            self.required_documents = [*self.required_documents, RequiredDocument.PRESCRIPTION]


class ServiceKind(ServiceRules):
    """One of the fifteen kinds of DOMAIN.md §2, preloaded; a template for new services."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    default_capacity = models.PositiveIntegerField(_("usual capacity"), null=True, blank=True)
    specifics = models.TextField(_("specifics"), blank=True)

    class Meta:
        verbose_name = _("service kind")
        verbose_name_plural = _("service kinds")
        ordering = ["name"]

    def __str__(self):
        return self.name

    RULE_FIELDS = [
        "public", "public_description", "capacity_unit", "usual_length_min_days",
        "usual_length_max_days", "max_length_days", "requires_prescription",
        "required_documents", "accepted_needs", "min_age", "max_age", "max_months_on_street",
        "requires_expressed_demand", "eligibility_notes", "has_orientation_committee",
        "confidential_location",
    ]

    def rules(self):
        values = {name: getattr(self, name) for name in self.RULE_FIELDS}
        values["accepted_needs"] = list(self.accepted_needs or [])
        values["capacity"] = self.default_capacity or 0
        return values


class Service(ServiceRules, VersionedModel):
    operator = models.ForeignKey(Operator, verbose_name=_("operator"), on_delete=models.PROTECT,
                                 related_name="services")
    kind = models.ForeignKey(ServiceKind, verbose_name=_("kind"), on_delete=models.PROTECT,
                             related_name="services")
    name = models.CharField(_("name"), max_length=200)
    territories = models.ManyToManyField(Territory, verbose_name=_("territory covered"), blank=True,
                                         related_name="services")
    capacity = models.PositiveIntegerField(_("capacity"), default=0)
    opening_days = models.CharField(
        _("opening days"), max_length=7, default="12345",
        help_text=_("ISO weekdays, Monday = 1: 12345 for weekdays, 1234567 for 7/7."),
    )
    opens_day = models.BooleanField(_("open in the day"), default=True)
    opens_night = models.BooleanField(_("open at night"), default=False)
    no_encounter_alert_days = models.PositiveSmallIntegerField(
        _("alert when no encounter for (days)"), default=30
    )
    access_after_exit_days = models.PositiveSmallIntegerField(
        _("the team keeps access after exit for (days)"), default=365,
        help_text=_("After this, the person's record is no longer shown to the team."),
    )
    retention_days_after_exit = models.PositiveIntegerField(
        _("records are anonymised after exit (days)"), default=730,
        help_text=_("Once every follow-up of a person has ended this long ago, their identity and free "
                    "texts are removed; dated facts are kept for statistics."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Set once a dated rule changed (ServiceRuleChange): services without history read no history at all.
    has_rule_changes = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["operator__name", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        days = self.opening_days or ""
        if not days or any(d not in WEEKDAYS for d in days) or len(set(days)) != len(days):
            raise ValidationError({"opening_days": _("Write the open weekdays as digits 1 to 7, once each.")})
        self.opening_days = "".join(sorted(days))
        if not (self.opens_day or self.opens_night):
            raise ValidationError({"opens_day": _("A service opens in the day, at night or both.")})

    @property
    def open_all_week(self):
        return self.opening_days == WEEKDAYS

    def opening_label(self):
        """The opening in words (« du lundi au vendredi, en journée »), never the stored digits."""
        return opening_words(self.opening_days, self.opens_day, self.opens_night)

    def apply_kind_template(self):
        for name, value in self.kind.rules().items():
            setattr(self, name, value)

    # Dated rules (issue #19): see ServiceRuleChange. The columns above hold the values in force today;
    # a period's indicators, reports and alerts read the values in force on their own dates.
    def _changes(self, rule):
        changes = getattr(self, "_rule_changes_cache", None)
        if self.pk is None or not self.has_rule_changes:
            return []
        if changes is None:
            # Prefetched (prefetch_related("rule_changes")) or read once per instance.
            changes = sorted(self.rule_changes.all(), key=lambda c: (c.valid_from, c.pk))
            self._rule_changes_cache = changes
        return [c for c in changes if c.rule == rule]

    def forget_rule_changes(self):
        self.__dict__.pop("_rule_changes_cache", None)
        getattr(self, "_prefetched_objects_cache", {}).pop("rule_changes", None)

    def rule_on(self, rule, day):
        """The value of a dated rule in force on `day`: the last change from that day or before; before the
        first change, the value the first change replaced; without any change, the service's own value."""
        changes = self._changes(rule)
        if not changes:
            return getattr(self, rule)
        value = changes[0].previous_value
        for change in changes:
            if change.valid_from > day:
                break
            value = change.value
        return value

    def rules_on(self, day):
        """The service as its dated rules stood on `day` (any other attribute: the service's own)."""
        return RulesOn(self, day)

    def rule_segments(self, rule, start, end):
        """[(from, to, value)] covering start..end (inclusive), one segment per value in force."""
        bounds = sorted({start} | {c.valid_from for c in self._changes(rule) if start < c.valid_from <= end})
        out = []
        for i, lo in enumerate(bounds):
            hi = bounds[i + 1] - datetime.timedelta(days=1) if i + 1 < len(bounds) else end
            value = self.rule_on(rule, lo)
            if out and out[-1][2] == value:
                out[-1] = (out[-1][0], hi, value)
            else:
                out.append((lo, hi, value))
        return out

    def capacity_days(self, start, end):
        """Capacity × days over start..end, summed over the capacities in force (a change mid-period
        counts each capacity for its own days). Readable by every indicator of capacity."""
        return sum((value or 0) * ((hi - lo).days + 1) for lo, hi, value in self.rule_segments("capacity", start, end))


def load_rule_changes(services):
    """Read the rule changes of many service instances in one query (rule_on then reads no more)."""
    services = [s for s in services if s is not None and s.pk is not None and s.has_rule_changes]
    if not services:
        return services
    by_id = {}
    for change in ServiceRuleChange.objects.filter(service_id__in={s.pk for s in services}).order_by(
            "valid_from", "pk"):
        by_id.setdefault(change.service_id, []).append(change)
    for s in services:
        s._rule_changes_cache = by_id.get(s.pk, [])
    return services


class RulesOn:
    """A service seen on one day: dated rules as they stood then, everything else from the service."""

    def __init__(self, service, day):
        self._service, self.day = service, day
        for rule in DATED_RULES:
            setattr(self, rule, service.rule_on(rule, day))

    def __getattr__(self, name):
        return getattr(self._service, name)

    def get_capacity_unit_display(self):
        return dict(CapacityUnit.choices).get(self.capacity_unit, self.capacity_unit)


# The rules whose history is kept: indicators, reports and alerts of a period read the values of that period.
DATED_RULES = ("capacity", "capacity_unit", "usual_length_min_days", "usual_length_max_days", "max_length_days",
               "opening_days", "no_encounter_alert_days")


class ServiceRuleChange(models.Model):
    """One change of a dated rule of a service: `value` holds from `valid_from` until the next change of the
    same rule (the latest recorded wins on the same day). Append-only: the history is the journal of who
    changed what, when, from when, and why when it corrects the past."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="rule_changes")
    rule = models.CharField(_("rule"), max_length=40)
    value = models.JSONField(_("value"), null=True)
    previous_value = models.JSONField(_("value before"), null=True)
    valid_from = models.DateField(_("applies from"))
    correction = models.BooleanField(_("correction of the past"), default=False)
    note = models.CharField(_("reason"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        verbose_name = _("change of a service rule")
        verbose_name_plural = _("changes of service rules")
        ordering = ["service", "valid_from", "pk"]
        indexes = [models.Index(fields=["service", "rule", "valid_from"], name="service_rule_from")]

    @property
    def rule_label(self):
        return Service._meta.get_field(self.rule).verbose_name


class Profession(models.TextChoices):
    DOCTOR = "doctor", _("Doctor")
    MIDWIFE = "midwife", _("Midwife")
    NURSE = "nurse", _("Nurse")
    CARE_ASSISTANT = "care_assistant", _("Care assistant")
    CHILDCARE_ASSISTANT = "childcare_assistant", _("Childcare assistant")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    SPECIALISED_EDUCATOR = "specialised_educator", _("Specialised educator")
    SOCIO_EDUCATIONAL_ASSISTANT = "socio_educational_assistant", _("Socio-educational assistant")
    MEDIATOR = "mediator", _("Mediator")
    DRIVER = "driver", _("Driver")
    CASE_MANAGER = "case_manager", _("Case manager")
    HEAD_OF_SERVICE = "head_of_service", _("Head of service")
    HEALTH_MANAGER = "health_manager", _("Health manager")


# Shared medical secrecy: these professions read the health compartment of persons their team follows.
HEALTH_PROFESSIONS = frozenset({
    Profession.DOCTOR, Profession.MIDWIFE, Profession.NURSE, Profession.CARE_ASSISTANT,
    Profession.CHILDCARE_ASSISTANT, Profession.PSYCHOLOGIST, Profession.HEALTH_MANAGER,
})


def compartments_of(profession):
    """What a member of the following team may read and write, by profession (docs/decisions.md)."""
    if profession == Profession.HEAD_OF_SERVICE:
        return frozenset({Compartment.ADMINISTRATIVE})
    if profession in HEALTH_PROFESSIONS:
        return frozenset({Compartment.HEALTH, Compartment.SOCIAL, Compartment.ADMINISTRATIVE})
    return frozenset({Compartment.SOCIAL, Compartment.ADMINISTRATIVE})


# The codes of the ANS nomenclature of health professions (TRE_G15 ProfessionSante) that an identity provider
# such as Pro Santé Connect returns, and the professions of Auprès each one may hold (issue #17, D55).
# AUPRES_OIDC_PROFESSION_MAP adds or replaces codes ({"35": ["care_assistant"]}).
PROVIDER_PROFESSIONS = {
    "10": {Profession.DOCTOR},
    "50": {Profession.MIDWIFE},
    "60": {Profession.NURSE, Profession.HEALTH_MANAGER},
    "93": {Profession.PSYCHOLOGIST},
}


def provider_professions():
    table = dict(PROVIDER_PROFESSIONS)
    table.update({str(code): set(values) for code, values in getattr(settings, "OIDC_PROFESSION_MAP", {}).items()})
    return table


def health_confirmed(user, profession):
    """Whether this account's health profession opens the health compartment.

    Always, unless AUPRES_OIDC_REQUIRE_RPPS_FOR_HEALTH is on: then only when the identity provider confirmed
    the account's RPPS at its last sign-in through it (User.rpps_confirmed) AND returned a profession that
    may hold this one (PROVIDER_PROFESSIONS). An RPPS typed by hand, or changed since, is not enough."""
    if not settings.OIDC_REQUIRE_RPPS_FOR_HEALTH:
        return True
    if not getattr(user, "rpps_confirmed", False):
        return False
    table = provider_professions()
    return any(profession in table.get(str(code), ()) for code in (user.idp_professions or []))


def compartments_held(user, profession):
    """compartments_of(profession), less health when the account's profession is not confirmed (D55)."""
    compartments = compartments_of(profession)
    if Compartment.HEALTH in compartments and not health_confirmed(user, profession):
        return compartments - {Compartment.HEALTH}
    return compartments


class MembershipQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        # A membership starts only once its grant was journaled and notified (notified_at set).
        return self.filter(start_date__lte=on, notified_at__isnull=False).filter(
            models.Q(end_date__isnull=True) | models.Q(end_date__gte=on)
        ).filter(service__is_active=True)


class Membership(VersionedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("team member"),
                             on_delete=models.CASCADE, related_name="memberships")
    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.CASCADE,
                                related_name="memberships")
    profession = models.CharField(_("profession"), max_length=40, choices=Profession.choices)
    etp = models.DecimalField(_("full-time equivalent (ETP)"), max_digits=4, decimal_places=2)
    is_coordinating = models.BooleanField(_("coordinating"), default=False)
    is_on_call = models.BooleanField(_("on call"), default=False)
    start_date = models.DateField(_("from"), default=timezone.localdate)
    end_date = models.DateField(_("until"), null=True, blank=True)
    # Set once the grant (or its last change) was written to the journal and notified to the operator's
    # heads of service; until then the membership gives no access (MembershipQuerySet.active).
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True, default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["service", "user__last_name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(etp__gt=0) & models.Q(etp__lte=1),
                                   name="membership_etp_between_0_and_1"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="membership_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_profession_display()} ({self.service})"

    @property
    def opens_health(self):
        return opens_health(self.profession)


def opens_health(profession):
    return Compartment.HEALTH in compartments_of(profession)


class PlannedPosition(models.Model):
    """The planned composition of a service's team: ETP by profession, as a funder granted it (issue #18, D58).

    Written when an application is accepted (calls.services.accept adds the application's planned team to the
    service's); the team actually there is read from the memberships and the year's staffing, so that
    planned and actual ETP compare profession by profession."""

    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.CASCADE,
                                related_name="planned_positions")
    profession = models.CharField(_("profession"), max_length=40, choices=Profession.choices)
    etp = models.DecimalField(_("planned full-time equivalent (ETP)"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("planned position")
        verbose_name_plural = _("planned positions")
        ordering = ["service", "profession"]
        constraints = [
            models.UniqueConstraint(fields=["service", "profession"], name="planned_position_once"),
            models.CheckConstraint(condition=models.Q(etp__gt=0), name="planned_position_etp_positive"),
        ]

    def __str__(self):
        return f"{self.service} — {self.get_profession_display()} {self.etp}"
