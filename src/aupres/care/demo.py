"""A year of care records for the medical services of the demo (LHSS résidentiel, LAM, ACT, SSIAD précarité):
coded problems and stay reasons, treatment plans with their administration chart, targeted transmissions,
scales (pain, fall risk, undernutrition, pressure ulcer, AGGIR) and SSIAD prescriptions with renewals.
Deterministic (demo.rng), bulk inserts only."""

import datetime

from django.utils import timezone

from aupres.care import pathology, scales
from aupres.care.models import (
    Administration,
    CarePrescription,
    Condition,
    Prescription,
    ScaleResult,
    StayReason,
    Transmission,
)
from aupres.followups.models import FollowUp

D = datetime.timedelta
KINDS = ("lhss_residential", "lam", "act", "ssiad_precarity")
CODES = {
    "lhss_residential": ["J18.9", "L89.2", "L97", "S82.0", "Z48.0", "E11.9", "F10.2", "I50.9", "A15.0"],
    "lam": ["C34.9", "G30.9", "F20.0", "F10.2", "G20", "I50.9", "N18.5", "C50.9", "J44.9"],
    "act": ["B20", "B20.1", "C50.9", "E11.9", "B18.2", "F20.0", "C61", "N18.4"],
    "ssiad_precarity": ["L97", "E11.9", "I10", "F10.2", "L89.1", "J44.9", "G40.9"],
}
DRUGS = [("Paracétamol", "1 g", "oral", ["08:00", "14:00", "20:00"]),
         ("Metformine", "850 mg", "oral", ["08:00", "20:00"]),
         ("Amoxicilline", "1 g", "oral", ["08:00", "20:00"]),
         ("Insuline glargine", "18 UI", "subcutaneous", ["20:00"]),
         ("Enoxaparine", "4000 UI", "subcutaneous", ["20:00"]),
         ("Bictégravir/emtricitabine/ténofovir", "1 cp", "oral", ["08:00"]),
         ("Rispéridone", "2 mg", "oral", ["08:00", "20:00"]), ("Furosémide", "40 mg", "oral", ["08:00"]),
         ("Pansement hydrocellulaire", "1", "topical", ["10:00"]), ("Méthadone", "60 mg", "oral", ["09:00"])]
TARGETS = [("Douleur", "Se plaint du genou droit, EVA 6.", "Antalgique selon prescription, installation.",
            "EVA 2 une heure après."),
           ("Plaie", "Plaie du talon suintante.", "Nettoyage, pansement refait.", "Pansement propre à la visite."),
           ("Sommeil", "Dit mal dormir, réveils fréquents.", "Écoute, tisane, lumière tamisée.", "S'est rendormi."),
           ("Anxiété", "Agité avant le rendez-vous à l'hôpital.", "Entretien, réassurance.", "Plus calme."),
           ("Alimentation", "A peu mangé ce midi.", "Collation proposée, pesée.", "Collation prise."),
           ("Observance", "Oubli du traitement du matin.", "Pilulier préparé avec lui.", "Prise à 10 h.")]
REFUSALS = ["Dort, sera reproposé", "Nausées", "Refuse ce matin", "Absent de la chambre"]


def _answers(rng, scale):
    out = {}
    for item in scale.items:
        if item.computed:
            continue
        if item.choices:
            out[item.code] = rng.choice(item.choices)[0]
        elif item.code == "weight_kg":
            out[item.code] = rng.randint(45, 90)
        elif item.code == "height_cm":
            out[item.code] = rng.randint(155, 190)
        else:
            out[item.code] = rng.randint(int(item.minimum), int(item.maximum))
    return out


def load(demo):
    if Condition.objects.exists():
        return
    rng, today = demo.rng, demo.today
    nurse, doctor = demo.staff["infirmier"], demo.staff["medecin"]
    now = timezone.now()
    year_ago = today - D(days=365)
    followups = list(FollowUp.objects.filter(service__kind__code__in=KINDS).select_related("service__kind", "person")
                     .order_by("pk"))
    conditions, reasons, scale_rows, transmissions = [], [], [], []
    prescriptions = []
    for f in followups:
        kind = f.service.kind.code
        start = max(f.opened_on, year_ago)
        end = min(f.closed_on or today, today)
        for code in rng.sample(CODES[kind], rng.choice([1, 1, 2, 2, 3])):
            conditions.append(Condition(person=f.person, service=f.service, code=code, group=pathology.group_of(code),
                                        onset_on=f.opened_on - D(days=rng.randint(30, 3000)), recorded_by=doctor,
                                        status=rng.choice(["active", "active", "stabilised"])))
        if kind in ("lhss_residential", "lam"):
            code = rng.choice(CODES[kind])
            reasons.append(StayReason(followup=f, person=f.person, code=code, kind=pathology.stay_reason_of(code),
                                      recorded_by=doctor))
        if kind == "ssiad_precarity":
            day, previous = f.opened_on, None
            while day <= end:
                cp = CarePrescription.objects.create(followup=f, person=f.person, prescribed_on=day - D(days=2),
                                                     prescriber="Dr Lefort", starts_on=day, ends_on=day + D(days=89),
                                                     renews=previous, recorded_by=nurse)
                previous, day = cp, day + D(days=90)
        for drug, dose, route, times in rng.sample(DRUGS, rng.randint(1, 3)):
            p_start = start + D(days=rng.randint(0, 10))
            if p_start > end:
                continue
            p_end = None if rng.random() < 0.6 else p_start + D(days=rng.randint(5, 60))
            prescriptions.append(Prescription(person=f.person, service=f.service, drug=drug, dose=dose, route=route,
                                              times=times, starts_on=p_start, ends_on=p_end, prescriber="Dr Lefort",
                                              recorded_by=doctor))
        day = start
        while day <= end:
            target, data, actions, results = rng.choice(TARGETS)
            transmissions.append(Transmission(person=f.person, service=f.service, on=day,
                                              shift=rng.choice(["morning", "afternoon", "night"]), target=target,
                                              data=data, actions=actions, results=results, by=nurse))
            day += D(days=rng.randint(2, 6) if kind != "act" else rng.randint(6, 10))
        plan = [("pain_nrs", 14), ("fall_morse", 90), ("nutrition_mna", 90), ("pressure_braden", 60)]
        if kind == "lam":
            plan.append(("aggir", 90))
        for code, every in plan:
            day = start
            while day <= end:
                kept, total, level = scales.score(code, _answers(rng, scales.SCALES[code]))
                scale_rows.append(ScaleResult(person=f.person, service=f.service, scale=code, on=day, answers=kept,
                                              score=total, level=level, by=nurse))
                day += D(days=every + rng.randint(0, 5))
    Condition.objects.bulk_create(conditions)
    StayReason.objects.bulk_create(reasons)
    Transmission.objects.bulk_create(transmissions)
    ScaleResult.objects.bulk_create(scale_rows)
    Prescription.objects.bulk_create(prescriptions)
    by_followup = {(f.person_id, f.service_id): f for f in followups}
    doses = []
    for p in prescriptions:
        f = by_followup[(p.person_id, p.service_id)]
        last = min(p.ends_on or today, f.closed_on or today, today)
        day = max(p.starts_on, last - D(days=30))  # the last month of each chart
        while day <= last:
            for t in p.times:
                time = datetime.time.fromisoformat(t)
                due = timezone.make_aware(datetime.datetime.combine(day, time))
                if due > now or (day == today and rng.random() < 0.3):
                    continue  # ahead, or today's still to do
                roll = rng.random()
                if roll < 0.03:
                    continue  # missed
                status = "given" if roll < 0.92 else rng.choice(["refused", "not_given"])
                doses.append(Administration(prescription=p, person_id=p.person_id, service_id=p.service_id, due_on=day,
                                            due_time=time, status=status,
                                            reason="" if status == "given" else rng.choice(REFUSALS), by=nurse,
                                            at=due + D(minutes=rng.randint(0, 50))))
            day += D(days=1)
    Administration.objects.bulk_create(doses, batch_size=2000)
