"""Demo places and a year of stays for every residential kind (issue #14).

Beds (LHSS, LAM), apartments (ACT, individual and shared), family units (LHSS pédiatriques, MUM), rooms at a
confidential address (violence shelter); each place gets back-to-back stays over the last year (with gaps,
extensions, transfers and exits), most places occupied tonight, a few out of service. Every stay has its
follow-up in the service. Deterministic (demo.rng), bulk inserts, no overlap (the PostgreSQL constraints
hold)."""

import datetime

from aupres.followups.models import ExitDestination, ExitReason, FollowUp, FollowUpState
from aupres.persons.models import Household, HouseholdMember, Person, Sex
from aupres.places.models import Extension, OutOfService, Place, Stay

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
