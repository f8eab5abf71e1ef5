"""Demo activity of the follow-up cycle: for every demo follow-up, a plausible path from intake to
today (or to its exit): dated transitions, assessment grids, health checks, plans with objectives,
evaluations, lightening and exits. Deterministic (demo.rng) and quick (bulk inserts)."""

import datetime

from aupres.followups.models import (
    DOMAIN_COMPARTMENT,
    Assessment,
    AssessmentItem,
    Evaluation,
    EvaluationResult,
    ExitDestination,
    ExitReason,
    FollowUp,
    FollowUpState,
    FollowUpTransition,
    HealthCheck,
    Objective,
    ObjectiveStatus,
    Plan,
    objective_compartment,
)

S = FollowUpState
D = datetime.timedelta

# Demo only: kinds of services whose teams do standardised health checks.
HEALTH_CHECK_KINDS = {"lhss_mobile", "lhss_day", "lhss_residential", "lhss_paediatric", "lam", "act",
                      "act_outreach", "emsp", "ssiad_precarity", "pass_mobile", "mum"}

NOTES = {
    "somatic": ["Plaie chronique de la jambe", "Douleurs dentaires", "Toux depuis 3 semaines", "RAS"],
    "psychiatric": ["Troubles du sommeil", "Anxiété importante", "Suivi CMP interrompu", ""],
    "addictions": ["Alcool quotidien", "Tabac 20 cig/j", "Consommation de cannabis", ""],
    "chronic_illness": ["Diabète non suivi", "HTA", "VIH traité", ""],
    "housing": ["Dort à la gare", "Hébergé chez un tiers", "Nuitées d'hôtel 115", "En squat"],
    "resources": ["Aucune ressource", "RSA", "Mendicité", ""],
    "family_ties": ["Rupture familiale", "Contact avec une sœur", ""],
    "social_ties": ["Isolé", "Fréquente l'accueil de jour", ""],
    "strengths": ["Motivé pour se soigner", "Parle trois langues", "Ancien cuisinier", ""],
    "health_cover": ["AME à renouveler", "Pas de couverture", "CSS ouverte", ""],
    "income": ["", "Demande RSA à faire"],
    "id_papers": ["Passeport perdu", "Récépissé en cours", ""],
    "domiciliation": ["Domiciliation CCAS", "À faire", ""],
}
OBJECTIVES = [
    ("health_care", "Soigner la plaie de la jambe", "Soins infirmiers 3 fois par semaine"),
    ("health_care", "Reprendre un suivi médical du diabète", "Rendez-vous PASS, puis médecin traitant"),
    ("health_care", "Faire le bilan dentaire", "Accompagnement au centre de santé"),
    ("rights", "Ouvrir l'AME", "Constituer le dossier, domiciliation CCAS"),
    ("rights", "Obtenir la CSS", "Dossier CPAM"),
    ("housing", "Accéder à un hébergement stable", "Demande SIAO, relances"),
    ("housing", "Préparer l'entrée en logement", "Visite, ouverture des compteurs"),
    ("living_conditions", "Accéder à l'hygiène", "Douches à l'accueil de jour"),
    ("psychological_suffering", "Rencontrer l'EMPP", "Entretien avec la psychologue"),
    ("socialisation", "Rompre l'isolement", "Atelier collectif hebdomadaire"),
    ("empowerment", "Gérer ses rendez-vous", "Agenda papier, rappels"),
    ("employment_training", "Cours de français", "Inscription à l'association"),
]
EXITS = [
    (ExitReason.OBJECTIVES_REACHED, ExitDestination.ORDINARY_HOUSING, 18),
    (ExitReason.ORIENTED, ExitDestination.LHSS, 8), (ExitReason.ORIENTED, ExitDestination.ACT, 5),
    (ExitReason.ORIENTED, ExitDestination.LAM, 3), (ExitReason.ORIENTED, ExitDestination.SHELTER, 14),
    (ExitReason.ORIENTED, ExitDestination.SUPPORTED_HOUSING, 6),
    (ExitReason.ORIENTED, ExitDestination.HOSPITAL, 4), (ExitReason.ORIENTED, ExitDestination.CARE_HOME, 2),
    (ExitReason.LOST_TO_FOLLOW_UP, ExitDestination.UNKNOWN, 16), (ExitReason.REFUSAL, ExitDestination.STREET, 7),
    (ExitReason.MOVED_AWAY, ExitDestination.RETURN_TO_COUNTRY, 3),
    (ExitReason.MAXIMUM_LENGTH, ExitDestination.SHELTER, 4), (ExitReason.DEATH, ExitDestination.NOT_APPLICABLE, 2),
    (ExitReason.NOT_ELIGIBLE, ExitDestination.OTHER, 3),
]


class _Path:
    """Builds the rows of one follow-up's path in memory."""

    def __init__(self, demo, f, rows):
        self.demo, self.rng, self.f, self.rows = demo, demo.rng, f, rows
        self.end = f.closed_on or demo.today
        self.day = f.opened_on
        self.state = S.INTAKE
        self.plan = None
        self.objectives = []
        staff = demo.staff
        self.health_user = self.rng.choice([staff["medecin"], staff["infirmier"]])
        self.social_user = staff["social"]
        self.admin_user = self.rng.choice([staff["social"], staff["chef"]])

    def advance(self, lo, hi):
        day = self.day + D(days=self.rng.randint(lo, hi))
        if day > self.end or day > self.demo.today:
            return False
        self.day = day
        return True

    def go(self, to_state, note=""):
        self.rows["transitions"].append(FollowUpTransition(
            followup=self.f, from_state=self.state, to_state=to_state, on=self.day, by=self.admin_user, note=note))
        self.state = to_state

    def assess(self):
        rng = self.rng
        assessment = Assessment(followup=self.f, assessed_on=self.day, by=self.social_user)
        self.rows["assessments"].append(assessment)
        domains = rng.sample(sorted(NOTES), rng.randint(5, 10))
        for d in domains:
            self.rows["items"].append(AssessmentItem(
                assessment=assessment, domain=d, compartment=DOMAIN_COMPARTMENT[d],
                level=rng.choice(["none", "mild", "moderate", "moderate", "severe", "unknown"]),
                notes=rng.choice(NOTES[d])))
        if self.f.service.kind.code in HEALTH_CHECK_KINDS and rng.random() < 0.7:
            self.health_check()

    def health_check(self):
        rng = self.rng
        female = self.f.person.sex == "female"
        pregnant = female and rng.random() < 0.08
        self.rows["health_checks"].append(HealthCheck(
            followup=self.f, done_on=self.day, by=self.health_user,
            weight_kg=rng.randint(450, 950) / 10, height_cm=rng.randint(150, 190),
            systolic_mmhg=rng.randint(100, 170), diastolic_mmhg=rng.randint(60, 100),
            heart_rate=rng.randint(55, 110), temperature_c=rng.choice([36.5, 36.8, 37.1, 37.6, 38.2]),
            spo2=rng.randint(92, 100), glycaemia_g_l=rng.choice([None, 0.95, 1.1, 1.8, 2.4]),
            reasons=rng.choice(["Bilan d'entrée", "Toux et fièvre", "Plaie du pied", "Douleurs abdominales",
                                "Renouvellement de traitement"]),
            chronic_illnesses=rng.choice(["", "Diabète de type 2", "HTA", "BPCO", "Hépatite C"]),
            treatments=rng.choice(["", "Metformine", "Amlodipine", "Paracétamol si besoin"]),
            vaccinations=rng.choice(["", "DTP à jour", "Carnet perdu"]),
            vaccinations_up_to_date=rng.choice(["yes", "no", "unknown", "unknown"]),
            screening_tb=rng.choice(["not_proposed", "proposed", "done", "done"]),
            screening_hiv=rng.choice(["not_proposed", "proposed", "done", "refused"]),
            screening_hbv=rng.choice(["not_proposed", "proposed", "done"]),
            screening_hcv=rng.choice(["not_proposed", "proposed", "done"]),
            pregnancy="yes" if pregnant else ("no" if female else "not_applicable"),
            pregnancy_term=self.day + D(days=rng.randint(30, 200)) if pregnant else None,
            orientation_proposed=rng.choice(["", "PASS de l'hôpital", "CSAPA", "Centre de santé dentaire",
                                             "Dépistage radiologique TB"])))

    def draw_plan(self):
        rng = self.rng
        self.plan = Plan(followup=self.f, agreed_on=self.day, person_took_part=rng.random() < 0.85,
                         person_words=rng.choice(["", "« Je veux d'abord un toit. »", "« Me soigner. »",
                                                  "« Retrouver mes enfants. »"]),
                         review_due_on=self.day + D(days=rng.choice([60, 90, 90, 120, 180])),
                         by=self.social_user)
        self.rows["plans"].append(self.plan)
        self.objectives = []
        for domain, title, actions in rng.sample(OBJECTIVES, rng.randint(1, 3)):
            o = Objective(followup=self.f, plan=self.plan, domain=domain, compartment=objective_compartment(domain),
                          title=title, actions=actions, due_on=self.day + D(days=rng.randint(45, 180)),
                          status=ObjectiveStatus.IN_PROGRESS, by=self.social_user)
            self.objectives.append(o)
            self.rows["objectives"].append(o)

    def evaluate(self):
        rng = self.rng
        e = Evaluation(followup=self.f, evaluated_on=self.day, by=self.social_user,
                       satisfaction=rng.choice(["very_satisfied", "satisfied", "satisfied", "not_very_satisfied",
                                                "not_satisfied", "not_expressed"]),
                       person_words=rng.choice(["", "Content d'avoir un suivi régulier.", "Trop de rendez-vous."]))
        self.rows["evaluations"].append(e)
        for o in self.objectives:
            result = rng.choice(["reached", "partly_reached", "not_reached", "reached"])
            o.status = result
            self.rows["results"].append(EvaluationResult(evaluation=e, objective=o, compartment=o.compartment,
                                                         result=result))

    def walk(self):
        rng = self.rng
        if not self.advance(0, 7):
            return
        self.go(S.ASSESSMENT)
        self.assess()
        while True:
            if not self.advance(3, 21):
                return
            self.go(S.PLAN)
            self.draw_plan()
            if not self.advance(0, 5):
                return
            self.go(S.MONITORING)
            if self.day < self.demo.today - D(days=200) and rng.random() < 0.15:
                self.f.lightened_on = self.day + D(days=rng.randint(60, 150))
            if not self.advance(45, 120):
                return
            self.go(S.EVALUATION)
            self.evaluate()
            if not self.advance(0, 10):
                return
            if rng.random() < 0.35:
                self.go(S.ASSESSMENT, note="Réévaluation après le bilan des objectifs")
                self.assess()
                continue
            self.go(S.MONITORING)
            if not self.advance(60, 150):
                return
            if self.plan.review_due_on < self.day:
                self.go(S.EVALUATION)
                self.evaluate()
                if not self.advance(0, 10):
                    return
                self.go(S.ASSESSMENT, note="Révision du projet")
                self.assess()
                continue
            return

    def finish(self):
        f = self.f
        if f.closed_on:
            self.day = f.closed_on
            reason, destination = self.rng.choices([(r, d) for r, d, _w in EXITS],
                                                   weights=[w for _r, _d, w in EXITS])[0]
            self.go(S.EXIT, note="")
            f.exit_reason, f.exit_destination = reason, destination
        f.state = self.state
        if f.lightened_on and (f.state not in (S.MONITORING, S.EVALUATION, S.EXIT)
                               or f.lightened_on > (f.closed_on or self.demo.today)):
            f.lightened_on = None


def _end_some(demo, followups):
    """Stays end around the service's usual length (its rules); open-ended follow-ups end sometimes."""
    rng = demo.rng
    for f in followups:
        if f.closed_on:
            continue
        age = (demo.today - f.opened_on).days
        usual = f.service.usual_length_max_days or f.service.max_length_days
        if usual and age > usual and rng.random() < 0.85:
            f.close(f.opened_on + D(days=rng.randint(f.service.usual_length_min_days or usual // 2, usual)))
        elif not usual and age > 120 and rng.random() < 0.3:
            f.close(f.opened_on + D(days=rng.randint(60, age - 1)))


def load(demo):
    if FollowUpTransition.objects.exists():
        return
    rows = {k: [] for k in ("transitions", "assessments", "items", "health_checks", "plans", "objectives",
                            "evaluations", "results")}
    followups = list(FollowUp.objects.select_related("service__kind", "person").order_by("pk"))
    _end_some(demo, followups)
    for f in followups:
        path = _Path(demo, f, rows)
        path.walk()
        path.finish()
    FollowUp.objects.bulk_update(followups, ["state", "lightened_on", "exit_reason", "exit_destination",
                                             "closed_on", "access_until"])
    for model, key in ((FollowUpTransition, "transitions"), (Assessment, "assessments"),
                       (HealthCheck, "health_checks"), (Plan, "plans"), (Evaluation, "evaluations")):
        model.objects.bulk_create(rows[key])
    for item in rows["items"]:
        item.assessment_id = item.assessment.pk
    AssessmentItem.objects.bulk_create(rows["items"])
    for o in rows["objectives"]:
        o.plan_id = o.plan.pk
    Objective.objects.bulk_create(rows["objectives"])
    for r in rows["results"]:
        r.evaluation_id, r.objective_id = r.evaluation.pk, r.objective.pk
    EvaluationResult.objects.bulk_create(rows["results"])
