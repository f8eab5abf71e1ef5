"""Demo activity: a year of encounters, street rounds, orientations, admission requests, rights
applications and collective actions for every service. Deterministic (demo.rng), bulk inserts."""

import datetime

from django.utils import timezone

from aupres.encounters.models import (
    ACT_COMPARTMENT,
    TARGET_COMPARTMENT,
    Act,
    CollectiveAction,
    Encounter,
    EncounterPerson,
    Orientation,
    OrientationStatusChange,
    RightsApplication,
    RightsStatusChange,
)
from aupres.encounters.services import default_renewal_on, granted_right
from aupres.followups.models import FollowUp
from aupres.persons.models import RightStatus
from aupres.services.models import Membership

# What each kind of service mostly does (demo data only: the product has no rule per kind).
ACT_MIX = {
    "lhss_mobile": ["nursing_care", "wound_care", "health_check", "social_interview", "first_aid"],
    "lhss_day": ["health_check", "nursing_care", "social_interview", "rights_application", "medical_consultation"],
    "lhss_residential": ["nursing_care", "drug_administration", "medical_consultation", "social_interview"],
    "lhss_paediatric": ["medical_consultation", "vaccination", "nursing_care", "social_interview"],
    "lam": ["medical_consultation", "nursing_care", "drug_administration"],
    "act": ["medical_consultation", "psychological_interview", "social_interview", "health_education"],
    "act_outreach": ["social_interview", "health_education", "psychological_interview"],
    "emsp": ["health_check", "screening", "vaccination", "nursing_care", "social_interview", "wound_care"],
    "ssiad_precarity": ["nursing_care", "drug_administration", "wound_care"],
    "pass_mobile": ["medical_consultation", "first_aid", "health_check", "screening"],
    "empp": ["psychological_interview", "social_interview"],
    "mum": ["nursing_care", "social_interview", "health_education"],
    "violence_shelter": ["social_interview", "psychological_interview", "rights_application"],
    "landlord_team": ["social_interview", "psychological_interview"],
    "case_management": ["social_interview", "rights_application", "material_aid"],
}
# (mode, place) pairs by kind of service.
SETTINGS = {
    "mobile": [("visit", "street"), ("visit", "squat"), ("advanced_consultation", "shelter"),
               ("accompaniment", "hospital"), ("phone", "phone"), ("visit", "camp")],
    "premises": [("visit", "premises"), ("case_meeting", "premises"), ("accompaniment", "hospital")],
    "home": [("visit", "home"), ("visit", "social_residence"), ("accompaniment", "hospital"), ("phone", "phone")],
}
SETTING_OF = {"lhss_day": "premises", "lhss_residential": "premises", "lam": "premises", "mum": "premises",
              "violence_shelter": "premises", "act": "home", "landlord_team": "home", "ssiad_precarity": "home",
              "lhss_paediatric": "premises"}
ROUND_KINDS = {"emsp", "lhss_mobile", "pass_mobile", "empp"}
ORIENTATION_TARGETS = [("orientation", "pass"), ("orientation", "general_practitioner"), ("orientation", "dentist"),
                       ("orientation", "psychiatry"), ("orientation", "addiction"), ("orientation", "day_centre"),
                       ("orientation", "social_services"), ("orientation", "legal_aid"), ("orientation", "siao"),
                       ("admission_request", "shelter"), ("admission_request", "lhss"),
                       ("admission_request", "lam"), ("admission_request", "act"),
                       ("admission_request", "care_home"), ("admission_request", "housing")]
PARTNERS = {"pass": "PASS du CHU de Lille", "general_practitioner": "Maison de santé de Fives",
            "dentist": "Centre dentaire solidaire", "psychiatry": "CMP Lille-Centre", "addiction": "CSAPA Le Cèdre",
            "day_centre": "Accueil de jour Magdala", "social_services": "CCAS de Roubaix", "legal_aid": "Cimade",
            "siao": "SIAO du Nord", "shelter": "CHRS Les Hauts", "lhss": "LHSS Abri Nord", "lam": "LAM de Loos",
            "act": "ACT Habitat Solidaire", "care_home": "EHPAD Les Tilleuls", "housing": "Bailleur Partenord"}
COLLECTIVE = [("training", "partner_staff", "Repérage des troubles psychiques"),
              ("awareness", "partner_staff", "Accès aux droits santé des personnes étrangères"),
              ("workshop", "persons_supported", "Atelier hygiène et soins des pieds"),
              ("screening_campaign", "persons_supported", "Dépistage tuberculose en centre d'hébergement"),
              ("vaccination_campaign", "persons_supported", "Vaccination grippe saisonnière"),
              ("health_watch", "partner_staff", "Veille sanitaire hivernale")]


def _at(rng, day):
    moment = datetime.time(rng.randint(8, 19), rng.choice([0, 15, 30, 45]))
    return timezone.make_aware(datetime.datetime.combine(day, moment))


def load(demo):
    if Encounter.objects.exists():
        return
    rng, today = demo.rng, demo.today
    # From the first of January of last year (or a year back, whichever is earlier): the funder reads the
    # last whole year, whose months must all have activity in the demo (issue #13).
    start = min(today - datetime.timedelta(days=365), datetime.date(today.year - 1, 1, 1))
    staff_of = {}
    for sid, uid in Membership.objects.order_by("pk").values_list("service_id", "user_id"):
        staff_of.setdefault(sid, []).append(uid)
    kind_of = {s.pk: code if code in ACT_MIX else s.kind.code for code, s in demo.services.items()}
    followups = list(FollowUp.objects.filter(service_id__in=kind_of).select_related("service").order_by("pk"))

    encounters, participants, acts = [], [], []  # participants/acts hold (encounter index, row)

    def add(service_id, at, mode, place, anonymous=0):
        e = Encounter(service_id=service_id, occurred_at=at, mode=mode, place_kind=place,
                      anonymous_contacts=anonymous, recorded_by_id=rng.choice(staff_of.get(service_id) or [None]))
        encounters.append(e)
        return len(encounters) - 1

    def link(index, f, at):
        participants.append((index, EncounterPerson(person_id=f.person_id, followup_id=f.pk,
                                                    service_id=f.service_id, occurred_at=at)))

    def act(index, person_id, kind):
        acts.append((index, Act(person_id=person_id, kind=kind, compartment=ACT_COMPARTMENT[kind])))

    # Encounters of each follow-up, every one to four weeks while it is open.
    for f in followups:
        code = kind_of[f.service_id]
        day = max(f.opened_on, start) + datetime.timedelta(days=rng.randint(0, 10))
        end = min(f.closed_on or today, today)
        while day <= end:
            mode, place = rng.choice(SETTINGS[SETTING_OF.get(code, "mobile")])
            at = _at(rng, day)
            if at > timezone.now():
                break
            i = add(f.service_id, at, mode, place)
            link(i, f, at)
            for kind in rng.sample(ACT_MIX[code], rng.randint(1, 2)):
                act(i, f.person_id, kind)
            day += datetime.timedelta(days=rng.randint(5, 28))

    # Weekly street rounds of the mobile teams: a few known persons and anonymous contacts.
    by_service = {}
    for f in followups:
        by_service.setdefault(f.service_id, []).append(f)
    for sid, code in sorted(kind_of.items()):
        if code not in ROUND_KINDS:
            continue
        day = start + datetime.timedelta(days=rng.randint(0, 6))
        while day < today:
            open_then = [f for f in by_service.get(sid, []) if f.opened_on <= day and (f.closed_on is None
                                                                                       or f.closed_on >= day)]
            at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(20, 30)))
            i = add(sid, at, "street_round", rng.choice(["street", "camp", "squat", "slum"]), rng.randint(0, 12))
            for f in rng.sample(open_then, min(len(open_then), rng.randint(1, 5))):
                link(i, f, at)
                act(i, f.person_id, rng.choice(["social_interview", "first_aid", "material_aid", "health_check"]))
            if encounters[i].anonymous_contacts:
                act(i, None, "material_aid")
            day += datetime.timedelta(days=7)

    Encounter.objects.bulk_create(encounters, batch_size=2000)
    for index, row in participants:
        row.encounter_id = encounters[index].pk
    for index, row in acts:
        row.encounter_id = encounters[index].pk
    EncounterPerson.objects.bulk_create([r for _i, r in participants], batch_size=2000)
    Act.objects.bulk_create([r for _i, r in acts], batch_size=2000)
    Through = Encounter.staff.through
    Through.objects.bulk_create([Through(encounter_id=e.pk, user_id=e.recorded_by_id) for e in encounters],
                                batch_size=2000)

    _orientations_and_rights(demo, followups, today, start)
    _collective_actions(demo, staff_of, today, start)


def _orientations_and_rights(demo, followups, today, start):
    rng = demo.rng
    orientations, o_history, applications, r_history = [], [], [], []
    for f in followups:
        base = max(f.opened_on, start)
        span = max(1, (min(f.closed_on or today, today) - base).days)
        if rng.random() < 0.45:
            kind, target = rng.choice(ORIENTATION_TARGETS)
            sent = base + datetime.timedelta(days=rng.randint(0, span))
            path = rng.choice([["sent"], ["sent", "pending"], ["sent", "pending", "accepted"],
                               ["sent", "pending", "refused"], ["sent", "accepted", "honoured"],
                               ["sent", "honoured"], ["sent", "not_honoured"]])
            days = [sent]
            for _s in path[1:]:
                days.append(min(today, days[-1] + datetime.timedelta(days=rng.randint(2, 30))))
            o = Orientation(person_id=f.person_id, service_id=f.service_id, kind=kind, target=target,
                            partner_name=PARTNERS[target], compartment=TARGET_COMPARTMENT[target],
                            status=path[-1], sent_on=sent, status_on=days[-1],
                            appointment_on=sent + datetime.timedelta(days=rng.randint(3, 20)) if kind == "orientation"
                            else None)
            orientations.append(o)
            o_history.append((o, list(zip(path, days, strict=True))))
        if rng.random() < 0.4:
            kind = rng.choice(["ame", "ame", "puma", "css", "css", "rsa", "aah", "domiciliation", "residence_permit"])
            first = base + datetime.timedelta(days=rng.randint(0, min(span, 60)))
            path = rng.choice([["to_do"], ["to_do", "filed"], ["to_do", "filed", "granted"],
                               ["to_do", "filed", "granted"], ["to_do", "filed", "refused"]])
            days = [first]
            for _s in path[1:]:
                days.append(min(today, days[-1] + datetime.timedelta(days=rng.randint(5, 60))))
            valid_until = days[-1] + datetime.timedelta(days=365) if path[-1] == "granted" else None
            applications.append(RightsApplication(
                person_id=f.person_id, service_id=f.service_id, kind=kind, status=path[-1], status_on=days[-1],
                filed_on=days[1] if len(days) > 1 else None, valid_until=valid_until,
                renewal_on=default_renewal_on(kind, valid_until)))
            r_history.append((applications[-1], list(zip(path, days, strict=True))))
    Orientation.objects.bulk_create(orientations, batch_size=2000)
    RightsApplication.objects.bulk_create(applications, batch_size=2000)
    OrientationStatusChange.objects.bulk_create(
        [OrientationStatusChange(orientation_id=o.pk, status=s, on=d) for o, steps in o_history for s, d in steps])
    RightsStatusChange.objects.bulk_create(
        [RightsStatusChange(application_id=a.pk, status=s, on=d) for a, steps in r_history for s, d in steps])
    # A granted application is the person's right on their page, as on the screens (granted_right).
    RightStatus.objects.bulk_create([r for a in applications if a.status == "granted"
                                     if (r := granted_right(a)) is not None], batch_size=2000)


def _collective_actions(demo, staff_of, today, start):
    rng = demo.rng
    rows = []
    for _code, service in sorted(demo.services.items()):
        for _n in range(rng.randint(4, 10)):
            kind, audience, title = rng.choice(COLLECTIVE)
            participants = rng.randint(5, 40)
            rows.append(CollectiveAction(
                service=service, occurred_on=start + datetime.timedelta(days=rng.randint(0, (today - start).days)),
                kind=kind,
                title=title, audience=audience, place=rng.choice(["Lille", "Roubaix", "Tourcoing", "Arras", "Lens"]),
                participants=participants,
                persons_trained=participants if kind in ("training", "awareness") else 0,
                screenings=rng.randint(participants // 2, participants) if kind == "screening_campaign" else 0,
                vaccinations=rng.randint(participants // 2, participants) if kind == "vaccination_campaign" else 0,
                recorded_by_id=rng.choice(staff_of.get(service.pk) or [None])))
    CollectiveAction.objects.bulk_create(rows)
