"""The demo dataset: two operators, a service of each of the fifteen kinds, ~300 persons.

Deterministic (seeded), synthetic, plausible. Later capabilities extend `load()`.
"""

import datetime
import importlib
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aupres.accounts.models import AccountKind
from aupres.demo import names
from aupres.followups.models import FollowUp, FollowUpState
from aupres.persons.models import (
    AdministrativeSituation,
    Household,
    HouseholdMember,
    HouseholdRole,
    LivingSituation,
    LivingSituationKind,
    MedicalProfile,
    Note,
    Person,
    RightStatus,
    Sex,
)
from aupres.services.kinds import load_kinds
from aupres.services.models import Membership, Operator, Profession, Service, ServiceKind, Territory
from aupres.services.territories import load_territories

DEMO_EXTENSIONS = ["aupres.followups.demo", "aupres.referrals.demo", "aupres.encounters.demo",
                   "aupres.indicators.demo", "aupres.sharing.demo", "aupres.places.demo",
                   "aupres.care.demo", "aupres.calls.demo",
                   "aupres.partnerships.demo", "aupres.quality.demo"]

DEMO_PASSWORD = "demo"  # noqa: S105 — demo accounts only, created only when AUPRES_DEMO=1

# username: (first name, last name, profession or account kind)
DEMO_USERS = {
    "medecin": ("Claire", "Vasseur", Profession.DOCTOR),
    "infirmier": ("Julien", "Delattre", Profession.NURSE),
    "social": ("Samia", "Bouzid", Profession.SOCIAL_WORKER),
    "psychologue": ("Hélène", "Caron", Profession.PSYCHOLOGIST),
    "chef": ("Marc", "Lemaire", Profession.HEAD_OF_SERVICE),
    "partenaire": ("Agnès", "Dupuis", AccountKind.PARTNER),
    "financeur": ("Olivier", "Masson", AccountKind.FUNDER),
}

# Team members of the demo services besides the demo logins, so that teams look real.
EXTRA_STAFF = [
    ("Thomas", "Vandamme", Profession.NURSE), ("Nora", "Belkacem", Profession.SOCIAL_WORKER),
    ("Paul", "Deschamps", Profession.DRIVER), ("Lina", "Ferreira", Profession.CASE_MANAGER),
    ("Yann", "Desmet", Profession.SPECIALISED_EDUCATOR), ("Sarah", "Lefebvre", Profession.MIDWIFE),
    ("Eric", "Wattel", Profession.CARE_ASSISTANT), ("Manon", "Dubois", Profession.CHILDCARE_ASSISTANT),
    ("Karima", "Ait", Profession.MEDIATOR), ("Anne", "Verhaeghe", Profession.HEALTH_MANAGER),
]

LIVING_WEIGHTS = [
    (LivingSituationKind.STREET, 30), (LivingSituationKind.CAMP, 8), (LivingSituationKind.SLUM, 6),
    (LivingSituationKind.SQUAT, 8), (LivingSituationKind.EMERGENCY_SHELTER, 14),
    (LivingSituationKind.CHRS, 5), (LivingSituationKind.HOTEL, 6), (LivingSituationKind.ASYLUM_HOUSING, 5),
    (LivingSituationKind.THIRD_PARTY, 6), (LivingSituationKind.OWN_HOUSING, 6),
    (LivingSituationKind.FTM, 2), (LivingSituationKind.SOCIAL_RESIDENCE, 2), (LivingSituationKind.HOSPITAL, 2),
]


def _operator(*, name, siret, **values):
    """The demo operator, found by its SIRET, else its name (a user may have renamed or duplicated it)."""
    operator = (Operator.objects.filter(siret=siret).order_by("pk").first()
                or Operator.objects.filter(name=name).order_by("pk").first())
    return operator or Operator.objects.create(name=name, siret=siret, **values)


def _member(user, service, **values):
    """A demo membership unless the user is already in that team, in any profession, ended or not:
    users add themselves to teams (several professions), end memberships; the demo keeps that."""
    if not Membership.objects.filter(user=user, service=service).exists():
        Membership.objects.create(user=user, service=service, **values)


def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class Demo:
    def __init__(self, seed=2026, persons=300, today=None, base_url="http://127.0.0.1:8000/"):
        self.base_url = base_url  # where the demo is served (links in the demo's notification e-mails)
        self.was_loaded = False
        self.rng = random.Random(seed)
        self.n_persons = persons
        self.today = today or timezone.localdate()
        self.families = 0  # families created so far: the first three go one to each family service

    @transaction.atomic
    def load(self):
        """Adds what is missing and keeps what is there, whatever users did in the demo meanwhile
        (memberships, persons, referrals, services edited or added): loading twice never fails."""
        # Persons are the first thing loaded: if some exist, the demo was loaded (and maybe used) before.
        self.was_loaded = Person.objects.exists()
        # The reference data of the migrations, again: a flushed test database has lost it.
        load_kinds(ServiceKind)
        load_territories(Territory)
        self.territories()
        self.operators_and_services()
        self.users()
        self.persons()
        # Each capability adds its own demo activity, in its app's demo.py (load(demo) -> None).
        for module in DEMO_EXTENSIONS:
            try:
                extension = importlib.import_module(module)
            except ModuleNotFoundError:
                continue
            extension.load(self)
        return self.summary()

    def summary(self):
        """What the database holds now, as (French label, count) pairs for the console."""
        return {_("operators"): Operator.objects.count(), _("services"): Service.objects.count(),
                _("persons"): Person.objects.count(), _("households"): Household.objects.count(),
                _("follow-ups"): FollowUp.objects.count()}

    def territories(self):
        region, _c = Territory.objects.get_or_create(level="region", code="32",
                                                     defaults={"name": "Hauts-de-France"})
        self.departements = {}
        for code, name, communes in names.DEPARTEMENTS:
            dep, _c = Territory.objects.get_or_create(level="departement", code=code,
                                                      defaults={"name": name, "parent": region})
            self.departements[code] = dep
            for commune in communes:
                insee, cname = commune.split(" ", 1)
                Territory.objects.get_or_create(level="commune", code=insee,
                                                defaults={"name": cname, "parent": dep})
        self.region = region

    def operators_and_services(self):
        self.op_assoc = _operator(
            name="Association Abri Nord", kind="association", siret="44306184100047",
            territory=self.departements["59"], address="12 rue des Postes, 59000 Lille")
        self.op_landlord = _operator(
            name="Habitat Solidaire Hauts-de-France", kind="social_landlord", siret="47512339900021",
            territory=self.region, address="3 boulevard de Strasbourg, 62000 Arras")
        self.services = {}
        for kind in ServiceKind.objects.order_by("code"):
            operator = self.op_landlord if kind.code in ("landlord_team", "act", "act_outreach") else self.op_assoc
            service = Service.objects.filter(operator=operator, kind=kind).order_by("pk").first()
            if service is None:
                service = Service(operator=operator, kind=kind, name=f"{kind.name} — {operator.name.split()[-1]}")
                service.apply_kind_template()
                if kind.code in ("ssiad_precarity", "lhss_residential", "lam", "mum", "violence_shelter"):
                    service.opening_days, service.opens_night = "1234567", True
                service.save()
                service.territories.set([self.departements["59" if operator == self.op_assoc else "62"]])
            self.services[kind.code] = service
        # A second service of a common kind, to show that a person may be followed by two services.
        extra = Service.objects.filter(operator=self.op_landlord, kind__code="emsp").order_by("pk").first()
        if extra is None:
            extra = Service(operator=self.op_landlord, kind=self.services["emsp"].kind, name="EMSP Artois")
            extra.apply_kind_template()
            extra.save()
            extra.territories.set([self.departements["62"]])
        self.services["emsp_artois"] = extra

    def users(self):
        User = get_user_model()
        self.staff = {}
        start = self.today - datetime.timedelta(days=700)
        for username, (first, last, role) in DEMO_USERS.items():
            kind = role if role in AccountKind.values and role not in Profession.values else AccountKind.STAFF
            user, created = User.objects.get_or_create(username=username, defaults={
                "first_name": first, "last_name": last, "kind": kind, "email": f"{username}@demo.invalid",
                "organisation": "CHU de Lille — PASS" if kind == AccountKind.PARTNER else (
                    "ARS Hauts-de-France" if kind == AccountKind.FUNDER else ""),
                "territory": self.region if kind == AccountKind.FUNDER else None,
            })
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if kind == AccountKind.STAFF:
                self.staff[username] = user
                # The demo logins work in the association's services, so that each login shows a caseload.
                # (The demo's services only: not those users added.)
                for code, service in self.services.items():
                    if code == "emsp_artois":
                        continue
                    _member(user, service, profession=role, etp=Decimal("0.10"), start_date=start,
                            is_coordinating=role == Profession.DOCTOR)
        # The demo doctor holds both operators' medical responsibility: the one who grants health access.
        doctor = self.staff.get("medecin")
        if doctor is not None:
            if not doctor.rpps:
                doctor.rpps = "10003380671"  # a made-up number with a valid check key
                doctor.save(update_fields=["rpps"])
            Operator.objects.filter(pk__in=[self.op_assoc.pk, self.op_landlord.pk], medical_lead__isnull=True) \
                .update(medical_lead=doctor)
        for i, (first, last, profession) in enumerate(EXTRA_STAFF):
            username = f"{first}.{last}".lower().replace("é", "e")
            user, created = User.objects.get_or_create(username=username, defaults={
                "first_name": first, "last_name": last, "email": f"{username}@demo.invalid"})
            if created:
                user.set_unusable_password()
                user.save()
            for service in list(self.services.values())[i::3]:
                etp = Decimal(self.rng.choice(["0.50", "0.80", "1.00"]))  # drawn every time: same sequence
                _member(user, service, profession=profession, etp=etp, start_date=start)

    def _birth(self, person, age):
        kind = self.rng.random()
        if kind < 0.55:
            person.birth_date = self.today - datetime.timedelta(days=int(age * 365.25) + self.rng.randint(0, 364))
        elif kind < 0.8:
            person.birth_year = self.today.year - age
        else:
            person.estimated_age = age
            person.estimated_on = self.today - datetime.timedelta(days=self.rng.randint(0, 300))

    def _person(self, sex, age, with_alias=None):
        rng = self.rng
        first = rng.choice(names.FIRST_NAMES_F if sex == Sex.FEMALE else names.FIRST_NAMES_M)
        person = Person(sex=sex, last_name=rng.choice(names.LAST_NAMES), first_name=first)
        if with_alias or (with_alias is None and rng.random() < 0.15):
            person.alias = rng.choice(names.ALIASES)
            if rng.random() < 0.4:
                person.first_name = person.last_name = ""
        self._birth(person, age)
        nationality = rng.choice(names.NATIONALITIES)
        person.nationality = nationality
        person.administrative_situation = (
            AdministrativeSituation.FRENCH if nationality == "française" else
            AdministrativeSituation.EU_CITIZEN if nationality == "roumaine" else
            rng.choice([AdministrativeSituation.ASYLUM_SEEKER, AdministrativeSituation.UNDOCUMENTED,
                        AdministrativeSituation.RESIDENCE_PERMIT, AdministrativeSituation.PROTECTED,
                        AdministrativeSituation.UNKNOWN]))
        person.languages = ", ".join(sorted(set(rng.sample(names.LANGUAGES, rng.randint(1, 2)) + (
            ["français"] if rng.random() < 0.6 else []))))
        if rng.random() < 0.5:
            person.phone = f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
        person.save()
        return person

    def _history(self, person, opened):
        rng = self.rng
        kind = _weighted(rng, LIVING_WEIGHTS)
        since = opened - datetime.timedelta(days=rng.randint(10, 900))
        if kind in (LivingSituationKind.STREET, LivingSituationKind.CAMP, LivingSituationKind.SQUAT):
            person.on_street_since = since
            person.save(update_fields=["on_street_since"])
        LivingSituation.objects.create(person=person, kind=kind, started_on=since, place=rng.choice(names.PLACES))
        cover = rng.choice(["puma", "css", "ame", "none", "unknown", "css", "ame"])
        RightStatus.objects.create(person=person, kind="health_cover", value=cover, started_on=since,
                                   expires_on=since + datetime.timedelta(days=365) if cover in ("ame", "css") else None)
        RightStatus.objects.create(person=person, kind="domiciliation",
                                   value=rng.choice(["ccas", "association", "none"]), started_on=since)
        if rng.random() < 0.5:
            RightStatus.objects.create(person=person, kind="income", value=rng.choice(["rsa", "aah", "ada", "none"]),
                                       started_on=since)

    def _follow(self, person, service, opened, closed=None):
        followup = FollowUp(person=person, service=service, opened_on=opened,
                            state=self.rng.choice([s for s in FollowUpState.values if s != "exit"]),
                            referent=self.rng.choice(list(self.staff.values())))
        if closed:
            followup.close(closed)
        followup.save()
        return followup

    def persons(self):
        if Person.objects.exists():
            return
        rng = self.rng
        services = [s for code, s in self.services.items()
                    if code not in ("lhss_paediatric", "mum", "violence_shelter")]
        doctor, nurse, social = self.staff["medecin"], self.staff["infirmier"], self.staff["social"]
        created = 0
        # Follow-ups opened since the first of January of last year at least, so that the last whole year,
        # which the funder reads, has people admitted in every month (issue #13).
        span = max(420, (self.today - datetime.date(self.today.year - 1, 1, 1)).days)
        while created < self.n_persons:
            opened = self.today - datetime.timedelta(days=rng.randint(0, span))
            roll = rng.random()
            if roll < 0.12:
                created += self._mother_and_children(opened)
                continue
            if roll < 0.17:
                created += self._couple(opened, services)
                continue
            sex = rng.choices([Sex.MALE, Sex.FEMALE, Sex.OTHER], weights=[68, 30, 2])[0]
            service = rng.choice(services)
            if service.kind.code == "violence_shelter":
                sex = Sex.FEMALE
            person = self._person(sex, rng.randint(18, 78))
            self._history(person, opened)
            closed = opened + datetime.timedelta(days=rng.randint(15, 200)) if rng.random() < 0.2 else None
            if closed and closed > self.today:
                closed = None
            self._follow(person, service, opened, closed)
            if rng.random() < 0.15:
                other = rng.choice([s for s in services if s != service])
                self._follow(person, other, opened + datetime.timedelta(days=rng.randint(1, 60)))
            if rng.random() < 0.5:
                MedicalProfile.objects.create(
                    person=person, general_practitioner=rng.choice(["", "Dr Lefort (Lille)", "Dr Nguyen (Roubaix)"]),
                    chronic_conditions=rng.choice(["", "Diabète de type 2", "Hypertension artérielle",
                                                   "Hépatite C traitée", "BPCO", "Épilepsie"]),
                    allergies=rng.choice(["", "", "Pénicilline"]))
                Note.objects.create(person=person, service=service, compartment="health", author=doctor,
                                    text=rng.choice(["Plaie du pied gauche, pansement refait.",
                                                     "Bilan de santé proposé, accepté pour la semaine prochaine.",
                                                     "Traitement délivré pour 7 jours."]))
            Note.objects.create(person=person, service=service, compartment="social", author=social,
                                text=rng.choice(["Rencontré lors de la maraude, accepte un rendez-vous.",
                                                 "Demande de domiciliation à déposer au CCAS.",
                                                 "Souhaite être orienté vers un hébergement stable."]))
            if rng.random() < 0.3:
                Note.objects.create(person=person, service=service, compartment="administrative", author=nurse,
                                    text="Copie de la pièce d'identité demandée.")
            created += 1

    def _mother_and_children(self, opened):
        rng = self.rng
        codes = ["lhss_paediatric", "mum", "violence_shelter"]
        # The first three families go one to each family service, so that even a small demo has all three.
        self.families += 1
        code = codes[self.families - 1] if self.families <= len(codes) else rng.choice(codes)
        service = self.services[code]
        mother = self._person(Sex.FEMALE, rng.randint(19, 40), with_alias=False)
        self._history(mother, opened)
        household = Household.objects.create(label=f"Famille {mother.last_name or mother.alias}")
        HouseholdMember.objects.create(household=household, person=mother, role=HouseholdRole.MOTHER, since=opened)
        self._follow(mother, service, opened)
        if code == "mum":
            MedicalProfile.objects.create(person=mother, pregnancy_due_date=None,
                                          chronic_conditions="Accouchement récent, suites simples.")
        children = 1 if code == "mum" else rng.randint(1, 3)
        for i in range(children):
            age = 0 if code == "mum" else rng.randint(0, 14)
            child = Person(sex=rng.choice([Sex.FEMALE, Sex.MALE]), last_name=mother.last_name,
                           first_name=rng.choice(names.FIRST_NAMES_F + names.FIRST_NAMES_M),
                           nationality=mother.nationality, languages=mother.languages,
                           administrative_situation=mother.administrative_situation)
            if not child.last_name:
                child.alias = f"{mother.alias} (enfant {i + 1})"
            child.birth_date = self.today - datetime.timedelta(days=age * 365 + rng.randint(10, 300))
            child.save()
            HouseholdMember.objects.create(household=household, person=child, role=HouseholdRole.CHILD, since=opened)
            self._follow(child, service, opened)
        return 1 + children

    def _couple(self, opened, services):
        rng = self.rng
        service = rng.choice(services)
        a = self._person(Sex.MALE, rng.randint(25, 65), with_alias=False)
        b = self._person(Sex.FEMALE, rng.randint(25, 65), with_alias=False)
        b.last_name = a.last_name
        b.save()
        household = Household.objects.create(label=f"Couple {a.last_name}")
        for person, role in ((a, HouseholdRole.HEAD), (b, HouseholdRole.PARTNER)):
            self._history(person, opened)
            HouseholdMember.objects.create(household=household, person=person, role=role, since=opened)
            self._follow(person, service, opened)
        return 2
