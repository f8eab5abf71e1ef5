"""The people followed, their households, and the dated history of their situation.

Nothing is mandatory that a person without papers or address cannot give: one way to recognise
them (an alias is enough) is the only requirement. Each field belongs to a compartment
(see COMPARTMENT_OF_FIELD and aupres.core.access).
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aupres.core.models import Compartment, VersionedModel
from aupres.core.text import age_words, search_key
from aupres.persons import names


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class AdministrativeSituation(models.TextChoices):
    FRENCH = "french", _("French national")
    EU_CITIZEN = "eu_citizen", _("EU citizen")
    RESIDENCE_PERMIT = "residence_permit", _("Regular stay (residence permit)")
    ASYLUM_SEEKER = "asylum_seeker", _("Asylum seeker")
    PROTECTED = "protected", _("Refugee or subsidiary protection")
    UNDOCUMENTED = "undocumented", _("No right of stay")
    UNKNOWN = "unknown", _("Unknown")


class PersonQuerySet(models.QuerySet):
    def search(self, text):
        key = search_key(text)
        if not key:
            return self
        qs = self
        for word in key.split():
            qs = qs.filter(search_text__contains=word)
        return qs


class Person(VersionedModel):
    # Identity: whoever may see the person sees these, to recognise them.
    alias = models.CharField(_("alias or nickname"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(_("estimated age"), null=True, blank=True)
    estimated_on = models.DateField(_("age estimated on"), null=True, blank=True)
    # Administrative compartment
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_place = models.CharField(_("birth place"), max_length=120, blank=True)
    nationality = models.CharField(_("nationality"), max_length=80, blank=True)
    administrative_situation = models.CharField(
        _("administrative situation"), max_length=20, choices=AdministrativeSituation.choices,
        default=AdministrativeSituation.UNKNOWN,
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Social compartment
    languages = models.CharField(_("languages spoken"), max_length=200, blank=True)
    on_street_since = models.DateField(_("on the street since"), null=True, blank=True)

    search_text = models.CharField(max_length=320, editable=False, db_index=True, default="")
    # Keys of the duplicate search (aupres.persons.names, issue #21), kept by save(): the first and last
    # names transliterated, and their phonetic keys alone and with the birth year. Indexed on PostgreSQL
    # (migration referrals 0005).
    name_key = models.CharField(max_length=210, editable=False, default="")
    name_tokens = models.CharField(max_length=400, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["last_name", "first_name", "alias"]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(alias="") & models.Q(first_name="") & models.Q(last_name="")),
                name="person_has_a_name_or_alias",
            ),
        ]

    IDENTITY_FIELDS = ("alias", "first_name", "last_name", "sex", "birth_year", "estimated_age",
                       "estimated_on")
    COMPARTMENT_OF_FIELD = {
        "birth_date": Compartment.ADMINISTRATIVE,
        "birth_place": Compartment.ADMINISTRATIVE,
        "nationality": Compartment.ADMINISTRATIVE,
        "administrative_situation": Compartment.ADMINISTRATIVE,
        "phone": Compartment.ADMINISTRATIVE,
        "languages": Compartment.SOCIAL,
        "on_street_since": Compartment.SOCIAL,
    }

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        name = " ".join(p for p in (self.first_name, self.last_name.upper()) if p)
        if self.alias and name:
            return f"{name} « {self.alias} »"
        return name or f"« {self.alias} »"

    KEY_FIELDS = ("search_text", "name_key", "name_tokens")

    @staticmethod
    def keys_of(alias="", first_name="", last_name="", birth_year=None):
        """The values of KEY_FIELDS for these names (also for an update() that bypasses save)."""
        return {"search_text": search_key(alias, first_name, last_name),
                "name_key": names.normalise(first_name, last_name)[:210],
                "name_tokens": names.name_tokens(first_name, last_name, birth_year)[:400]}

    def _set_keys(self):
        for name, value in self.keys_of(self.alias, self.first_name, self.last_name, self.birth_year).items():
            setattr(self, name, value)

    def save(self, *args, **kwargs):
        if self.birth_date:
            self.birth_year = self.birth_date.year
        self._set_keys()
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *self.KEY_FIELDS, "birth_year"}
        super().save(*args, **kwargs)

    def save_versioned(self, expected_version, update_fields=None):
        if self.birth_date:
            self.birth_year = self.birth_date.year
        self._set_keys()
        if update_fields is not None:
            update_fields = [*update_fields, *self.KEY_FIELDS, "birth_year"]
        return super().save_versioned(expected_version, update_fields)

    def age(self, on=None):
        """Exact from the birth date, else from the year, else aged forward from the estimate."""
        on = on or timezone.localdate()
        if self.birth_date:
            b = self.birth_date
            return on.year - b.year - ((on.month, on.day) < (b.month, b.day))
        if self.birth_year:
            return on.year - self.birth_year
        if self.estimated_age is not None:
            since = self.estimated_on or on
            return self.estimated_age + max(0, (on - since).days // 365)
        return None

    @property
    def age_is_estimated(self):
        return not self.birth_date and not self.birth_year and self.estimated_age is not None

    def age_label(self, on=None):
        """The age in words: a baby in months (« 3 mois », not « 0 ans »), « ≈ » when estimated."""
        return age_words(self.age(on), birth_date=self.birth_date, on=on, estimated=self.age_is_estimated)

    def months_on_street(self, on=None):
        if not self.on_street_since:
            return None
        on = on or timezone.localdate()
        return (on.year - self.on_street_since.year) * 12 + on.month - self.on_street_since.month - (
            on.day < self.on_street_since.day
        )


class LivingSituationKind(models.TextChoices):
    STREET = "street", _("Street")
    CAMP = "camp", _("Camp")
    SLUM = "slum", _("Slum")
    SQUAT = "squat", _("Squat")
    EMERGENCY_SHELTER = "emergency_shelter", _("Emergency shelter (CHU)")
    CHRS = "chrs", _("Reintegration shelter (CHRS)")
    HOTEL = "hotel", _("Social hotel")
    ASYLUM_HOUSING = "asylum_housing", _("Asylum housing (CADA, HUDA, CAES)")
    FTM = "ftm", _("Migrant workers' hostel (FTM)")
    SOCIAL_RESIDENCE = "social_residence", _("Social residence")
    THIRD_PARTY = "third_party", _("At a third party's")
    OWN_HOUSING = "own_housing", _("Own housing")
    HOSPITAL = "hospital", _("Hospital")
    PRISON = "prison", _("Prison")
    CARE_FACILITY = "care_facility", _("LHSS, LAM, ACT or care home")
    VEHICLE = "vehicle", _("Vehicle")
    UNKNOWN = "unknown", _("Unknown")


class LivingSituation(models.Model):
    """Where the person lives, as a dated history (social compartment)."""

    compartment = Compartment.SOCIAL
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="living_situations")
    kind = models.CharField(_("living situation"), max_length=24, choices=LivingSituationKind.choices)
    started_on = models.DateField(_("since"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    place = models.CharField(_("place (commune, area)"), max_length=160, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("living situation")
        verbose_name_plural = _("living situations")
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="living_situation_ends_after_start",
            ),
        ]
        # The latest situation on a day (caseload profile, situation at admission and at exit): one
        # backward probe of this index per person and day.
        indexes = [models.Index(fields=["person", "started_on", "id"], name="living_situation_person_day"),
                   # Entries into ordinary housing: the moves of a period, a few among all situations.
                   models.Index(fields=["started_on"], include=["person"], condition=models.Q(kind="own_housing"),
                                name="living_situation_moves_in")]


class RightKind(models.TextChoices):
    HEALTH_COVER = "health_cover", _("Health cover")
    INCOME = "income", _("Income")
    ID_PAPERS = "id_papers", _("Identity papers")
    DOMICILIATION = "domiciliation", _("Postal address (domiciliation)")


class RightValue(models.TextChoices):
    # health cover
    PUMA = "puma", _("PUMa")
    CSS = "css", _("Complémentaire santé solidaire (CSS)")
    AME = "ame", _("Aide médicale d'État (AME)")
    # income
    RSA = "rsa", _("RSA")
    AAH = "aah", _("AAH")
    ADA = "ada", _("Asylum seeker's allowance (ADA)")
    SALARY = "salary", _("Salary")
    PENSION = "pension", _("Pension")
    OTHER_INCOME = "other_income", _("Other income")
    # identity papers
    ID_CARD = "id_card", _("Identity card")
    PASSPORT = "passport", _("Passport")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
    RECEIPT = "receipt", _("Receipt (récépissé)")
    # domiciliation
    CCAS = "ccas", _("CCAS")
    ASSOCIATION = "association", _("Approved association")
    DOMICILED = "domiciled", _("Granted (organism not stated)")
    # any kind
    NONE = "none", _("None")
    UNKNOWN = "unknown", _("Unknown")


RIGHT_VALUES_BY_KIND = {
    RightKind.HEALTH_COVER: {"puma", "css", "ame", "none", "unknown"},
    RightKind.INCOME: {"rsa", "aah", "ada", "salary", "pension", "other_income", "none", "unknown"},
    RightKind.ID_PAPERS: {"id_card", "passport", "residence_permit", "receipt", "none", "unknown"},
    RightKind.DOMICILIATION: {"ccas", "association", "domiciled", "none", "unknown"},
}


class RightStatus(models.Model):
    """A dated fact about the person's rights (administrative compartment)."""

    compartment = Compartment.ADMINISTRATIVE
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="rights")
    kind = models.CharField(_("kind"), max_length=20, choices=RightKind.choices)
    value = models.CharField(_("status"), max_length=20, choices=RightValue.choices)
    started_on = models.DateField(_("since"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("right")
        verbose_name_plural = _("rights")
        ordering = ["kind", "-started_on", "-pk"]
        # The latest status of a kind on a day (health cover, income at admission and at exit).
        indexes = [models.Index(fields=["person", "kind", "started_on", "id"], name="right_status_person_day")]


class MedicalProfile(VersionedModel):
    """What the health professionals of the team keep at hand (health compartment)."""

    compartment = Compartment.HEALTH
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="medical_profile")
    general_practitioner = models.CharField(_("general practitioner"), max_length=160, blank=True)
    allergies = models.TextField(_("allergies"), blank=True)
    chronic_conditions = models.TextField(_("chronic conditions"), blank=True)
    current_treatments = models.TextField(_("current treatments"), blank=True)
    pregnancy_due_date = models.DateField(_("pregnancy: expected term"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("medical profile")
        verbose_name_plural = _("medical profiles")


class Note(models.Model):
    """A dated note (transmission) on a person, written by a team member in one compartment."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notes")
    service = models.ForeignKey("services.Service", on_delete=models.PROTECT, related_name="+")
    compartment = models.CharField(_("compartment"), max_length=16, choices=Compartment.choices)
    text = models.TextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at", "-pk"]


class Household(VersionedModel):
    """A household or family (social compartment): who lives and moves together."""

    compartment = Compartment.SOCIAL
    label = models.CharField(_("name of the household"), max_length=160)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["label"]

    def __str__(self):
        return self.label


class HouseholdRole(models.TextChoices):
    HEAD = "head", _("Head of household")
    PARTNER = "partner", _("Partner")
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    CHILD = "child", _("Child")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    OTHER = "other", _("Other")


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="household_memberships")
    role = models.CharField(_("role"), max_length=20, choices=HouseholdRole.choices)
    since = models.DateField(_("since"), default=datetime.date.today)
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        constraints = [
            models.UniqueConstraint(fields=["household", "person"], condition=models.Q(until__isnull=True),
                                    name="household_member_once_at_a_time"),
        ]

    @property
    def is_minor(self):
        age = self.person.age()
        return age is not None and age < 18
