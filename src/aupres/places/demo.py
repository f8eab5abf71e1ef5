"""Demo places and a year of stays for every residential kind (issue #14).

Beds (LHSS, LAM), apartments (ACT, individual and shared), family units (LHSS pédiatriques, MUM), rooms at a
confidential address (violence shelter); each place gets back-to-back stays over the last year (with gaps,
extensions, transfers and exits), most places occupied tonight, a few out of service. Every stay has its
follow-up in the service. Deterministic (demo.rng), bulk inserts, no overlap (the PostgreSQL constraints
hold)."""

import datetime

from django.core.files.base import ContentFile

from aupres.accounts.models import User
from aupres.demo.loader import DEMO_PASSWORD
from aupres.followups.models import ExitDestination, ExitReason, FollowUp, FollowUpState
from aupres.persons.models import Household, HouseholdMember, Person, Sex
from aupres.places.models import (
    Apartment,
    Attendance,
    Extension,
    Incident,
    Inventory,
    InventoryPhoto,
    OutOfService,
    Place,
    PropertyAccess,
    Stay,
)

D = datetime.timedelta

# code: [(label prefix, kind, count, persons, restrictions)], and the mean stay in days
LAYOUT = {
    "lhss_residential": ([("Lit", "bed", 13, 1, {}), ("Lit PMR", "bed", 2, 1, {"wheelchair": True,
                                                                               "ground_floor": True})], 45),
    "lam": ([("Lit", "bed", 8, 1, {})], 200),
    "act": ([("Appartement", "apartment", 7, 1, {}),
             ("Appartement partagé", "shared_apartment", 2, 2, {"family": "singles"})], 300),
    "lhss_paediatric": ([("Unité famille", "family_unit", 10, 4, {"family": "families", "sex": "female"})], 60),
    "mum": ([("Chambre mère-enfant", "family_unit", 8, 3, {"family": "families", "sex": "female"})], 50),
    "violence_shelter": ([("Logement", "room", 6, 1, {"sex": "female"}),
                          ("Logement famille", "family_unit", 4, 4, {"family": "families", "sex": "female"})], 90),
}
STREETS = ["rue Nationale", "rue de Paris", "boulevard Vauban", "rue Solférino", "rue Gambetta", "rue des Postes"]
DESTINATIONS = [ExitDestination.ORDINARY_HOUSING, ExitDestination.SUPPORTED_HOUSING, ExitDestination.SHELTER,
                ExitDestination.LAM, ExitDestination.ACT, ExitDestination.HOSPITAL, ExitDestination.THIRD_PARTY,
                ExitDestination.STREET]
REASONS = [ExitReason.OBJECTIVES_REACHED, ExitReason.ORIENTED, ExitReason.REFUSAL, ExitReason.MAXIMUM_LENGTH]


def load(demo):
    if Place.objects.exists():
        return
    rng, today = demo.rng, demo.today
    deciders = list(demo.staff.values())
    for code, (layout, mean_days) in LAYOUT.items():
        service = demo.services.get(code)
        if service is None:
            continue
        places = []
        for prefix, kind, count, persons, extra in layout:
            for i in range(1, count + 1):
                places.append(Place(
                    service=service, label=f"{prefix} {i}", kind=kind, persons=persons,
                    address=f"{rng.randint(1, 180)} {rng.choice(STREETS)}, Lille" if kind != "bed" else "", **extra))
        Place.objects.bulk_create(places)
        _stays(demo, service, places, mean_days, deciders)
        # One place out of service now (works), one for a week last spring (damage).
        free_now = [p for p in places if not p.stays.filter(end_date__isnull=True).exists()]
        if free_now:
            OutOfService.objects.create(place=free_now[0], start_date=today - D(days=3), end_date=today + D(days=12),
                                        reason="works", note="Peinture et sols")
        OutOfService.objects.create(place=places[-1], start_date=today - D(days=300), end_date=today - D(days=293),
                                    reason="damage", note="Dégât des eaux")
    _register(demo)
    _park(demo)


CARE = [["nursing_care"], ["wound_care", "social_interview"], ["medical_consultation"], ["social_interview"],
        ["rights_application"], ["material_aid"], ["health_check", "social_interview"], ["screening"]]


def _register(demo):
    """The LHSS de jour's attendance register: about 4 persons a day over the last year's opening days."""
    service = demo.services.get("lhss_day")
    if service is None:
        return
    rng, today = demo.rng, demo.today
    start = today - D(days=365)
    regulars = []
    for i in range(40):
        person = demo._person(rng.choice([Sex.MALE, Sex.MALE, Sex.FEMALE]), rng.randint(20, 70))
        FollowUp.objects.create(person=person, service=service, opened_on=start - D(days=i), referent=None,
                                state=FollowUpState.MONITORING)
        regulars.append(person)
    rows, day = [], start
    deciders = list(demo.staff.values())
    while day <= today:
        if str(day.isoweekday()) in service.opening_days:
            for person in rng.sample(regulars, min(len(regulars), max(1, int(rng.gauss(4, 1.3))))):
                rows.append(Attendance(service=service, person=person, on=day, care=rng.choice(CARE),
                                       recorded_by=rng.choice(deciders)))
        day += D(days=1)
    Attendance.objects.bulk_create(rows)


OWNERS = ["SCI Les Tilleuls", "Lille Métropole Habitat", "M. et Mme Deschamps", "Vilogia", "Partenord Habitat"]
INCIDENTS = [("water_damage", "Fuite sous l'évier, plafond du voisin taché", 380),
             ("lost_keys", "Double des clés refait, serrure changée", 145),
             ("owner_repair", "Chaudière en panne, à la charge du propriétaire", 0),
             ("operator_repair", "Porte de placard arrachée", 90), ("pests", "Punaises de lit, désinsectisation", 420),
             ("break_in", "Porte d'entrée forcée", 610)]
ROOMS = ["Entrée", "Séjour", "Cuisine", "Chambre", "Salle d'eau", "WC"]
CONDITIONS = ["neuf", "bon", "bon", "usé", "à réparer"]
# A tiny valid PNG (1×1, grey): the inventories' photos in the demo.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010800000000"
                    "3a7e9b550000000a49444154789c63680000000401010024f8fb0d0000000049454e44ae426082")


def _park(demo):
    """The operators' housing park: the apartments of ACT and the shelter (and their places), leases, rents,
    incidents over the year, check-in and check-out inventories with a photo; a property manager account."""
    rng, today = demo.rng, demo.today
    flats = []
    for place in Place.objects.filter(kind__in=["apartment", "shared_apartment", "family_unit", "room"],
                                      service__kind__code__in=["act", "violence_shelter", "lhss_paediatric"]) \
            .select_related("service").order_by("pk"):
        start = today - D(days=rng.randint(200, 2000))
        flats.append(Apartment(
            operator_id=place.service.operator_id, service=place.service, place=place,
            label=f"{place.service.kind.code.upper()} · {place.label}",
            address=place.address or f"{rng.randint(1, 180)} {rng.choice(STREETS)}, Lille",
            rooms=max(1, place.persons), owner=rng.choice(OWNERS), owner_contact="03 20 00 00 00",
            lease_start=start, lease_end=start + D(days=3 * 365), rent=rng.choice([420, 480, 540, 610, 690]),
            charges=rng.choice([40, 60, 80]), insurer=rng.choice(["MAIF", "MACIF", "SMACL"])))
    Apartment.objects.bulk_create(flats)
    deciders = list(demo.staff.values())
    for flat in flats:
        for _i in range(rng.choice([0, 0, 1, 1, 2])):
            kind, text, cost = rng.choice(INCIDENTS)
            on = today - D(days=rng.randint(0, 360))
            Incident.objects.create(apartment=flat, kind=kind, occurred_on=on, description=text, cost=cost,
                                    status="closed" if on < today - D(days=60) else rng.choice(["open", "in_progress"]),
                                    insurer_contact=f"{flat.insurer} sinistres" if kind in ("water_damage", "fire",
                                                                                            "break_in") else "",
                                    contractor_contact=rng.choice(["Plomberie Martin", "Serrurerie du Nord", ""]),
                                    recorded_by=rng.choice(deciders))
        for kind, days in (("check_in", rng.randint(100, 360)), ("check_out", rng.randint(0, 90))):
            if kind == "check_out" and rng.random() < 0.6:
                continue
            inventory = Inventory.objects.create(
                apartment=flat, kind=kind, done_on=today - D(days=days), signed_by_occupant=True,
                signed_by_operator=True, recorded_by=rng.choice(deciders),
                rooms=[{"room": r, "condition": rng.choice(CONDITIONS), "note": ""} for r in ROOMS[:3 + flat.rooms]])
            InventoryPhoto.objects.create(inventory=inventory, file=ContentFile(PNG, name="photo.png"),
                                          content_type="image/png", size=len(PNG))
    if flats and "chef" in demo.staff:
        manager, created = User.objects.get_or_create(username="gestion.locative", defaults={
            "first_name": "Hélène", "last_name": "Roussel", "email": "gestion.locative@demo.invalid"})
        if created:  # the property role: a demo login that sees the park and no person
            manager.set_password(DEMO_PASSWORD)
            manager.save()
        for operator_id in {f.operator_id for f in flats}:
            PropertyAccess.objects.get_or_create(user=manager, operator_id=operator_id,
                                                 defaults={"granted_by": demo.staff["chef"]})


def _household(demo, mother, start):
    rng = demo.rng
    household = Household.objects.create(label=f"Famille {mother.last_name or mother.alias}")
    HouseholdMember.objects.create(household=household, person=mother, role="mother", since=start)
    for _i in range(rng.choice([1, 1, 2])):
        child = Person.objects.create(first_name=rng.choice(["Lina", "Adam", "Inès", "Noah", "Sara"]),
                                      last_name=mother.last_name, sex=rng.choice([Sex.FEMALE, Sex.MALE]),
                                      birth_year=demo.today.year - rng.randint(0, 9))
        HouseholdMember.objects.create(household=household, person=child, role="child", since=start)
    return household, HouseholdMember.objects.filter(household=household).count()


def _stays(demo, service, places, mean_days, deciders):
    rng, today = demo.rng, demo.today
    usual = service.usual_length_max_days
    stays, extensions = [], []
    year_ago = today - D(days=365)
    for place in places:
        day = year_ago - D(days=rng.randint(0, mean_days))
        slots = place.persons if place.kind == "shared_apartment" else 1
        for _slot in range(slots):
            day = year_ago - D(days=rng.randint(0, mean_days))
            while day <= today:
                length = max(3, int(rng.expovariate(1 / mean_days)))
                end = day + D(days=length)
                family = place.kind == "family_unit"
                sex = Sex.FEMALE if family or place.sex == "female" else rng.choice([Sex.FEMALE, Sex.MALE, Sex.MALE])
                person = demo._person(sex, rng.randint(19, 70))
                household, occupants = (_household(demo, person, day) if family else (None, 1))
                open_ = end > today and rng.random() < 0.85
                followup = FollowUp(person=person, service=service, opened_on=day, referent=rng.choice(deciders),
                                    state=FollowUpState.MONITORING)
                reason, destination = rng.choice(REASONS), rng.choice(DESTINATIONS)
                if not open_:
                    end = min(end, today)
                    if end <= day:
                        break
                    followup.exit_reason, followup.exit_destination = reason, destination
                    followup.close(end)
                followup.save()
                planned = day + D(days=usual) if usual else None
                stay = Stay(place=place, service=service, person=person, household=household, occupants=occupants,
                            exclusive=place.exclusive, followup=followup, start_date=day, planned_end=planned,
                            end_date=None if open_ else end, exit_reason="" if open_ else reason,
                            exit_destination="" if open_ else destination, admitted_by=rng.choice(deciders))
                stays.append(stay)
                if planned and (open_ or end > planned) and rng.random() < 0.7:
                    new_end = max(planned + D(days=rng.choice([15, 30, 60])), (end if not open_ else today) + D(days=7))
                    extensions.append((stay, planned, new_end))
                    stay.planned_end = new_end
                day = (end if not open_ else today) + D(days=rng.randint(1, 10))
                if open_:
                    break
    Stay.objects.bulk_create(stays)
    Extension.objects.bulk_create([
        Extension(stay=s, previous_end=prev, new_end=new, decided_by=rng.choice(deciders),
                  decided_on=min(prev, today), reason=rng.choice(["Soins en cours", "Attente d'une place en ACT",
                                                                  "Dossier logement en instruction"]))
        for s, prev, new in extensions])
