"""Demo quality approach (issue #18, D50): this year's self-assessment and improvement plan of two services of
the association (the mobile LHSS and the EMSP), one overdue action that the head's home shows, one adverse event
declared to the authority, a participation meeting. Loading again adds only what is missing."""

import datetime

from aupres.quality.models import (
    AdverseEvent,
    Axis,
    Criterion,
    CriterionAssessment,
    CriterionWording,
    ImprovementAction,
    ParticipationMeeting,
    Theme,
)
from aupres.quality.referential import load_referential

ASSESSED = [
    # (criterion, level, evidence, comment)
    ("1.1", "met", "Charte de bientraitance affichée, rappelée en réunion d'équipe", ""),
    ("1.3", "partly_met", "", "Procédure de signalement à réécrire avec le pôle"),
    ("2.1", "met", "Livret d'accueil remis à chaque admission", ""),
    ("2.2", "met", "Consentement tracé au dossier (partage d'informations)", ""),
    ("2.3", "met", "Cloisonnement des informations dans Auprès, journal des accès", ""),
    ("3.1", "partly_met", "", "Une seule réunion des personnes accompagnées cette année"),
    ("3.3", "met", "", "Satisfaction recueillie à chaque évaluation du projet"),
    ("4.2", "met", "", "Projet signé par la personne"),
    ("4.3", "partly_met", "", "Délai de 30 jours tenu dans la plupart des cas"),
    ("6.3", "not_met", "", "Pas de procédure écrite du circuit du médicament en hors les murs"),
    ("7.3", "met", "", "Recherche d'une solution de sortie dès l'admission"),
    ("9.2", "met", "Registre des événements indésirables tenu", ""),
]

ACTIONS = [
    # (criterion, action, owner, due in days from today, status)
    ("6.3", "Écrire la procédure du circuit du médicament hors les murs", "Médecin coordinateur", -20, "in_progress"),
    ("1.3", "Réécrire la procédure de signalement de la maltraitance", "Chef de service", 45, "planned"),
    ("2.1", "Relire le livret d'accueil avec deux personnes accompagnées", "Travailleuse sociale", 9, "in_progress"),
    ("3.1", "Tenir une réunion des personnes accompagnées par trimestre", "Infirmière référente", 90, "planned"),
]


def load(demo):
    chef = demo.staff.get("chef")
    year = demo.today.year
    criteria = {c.code: c for c in Criterion.objects.all()}
    if len(criteria) != 42:  # a flushed test database: the data migration's rows are gone
        load_referential(Theme, Criterion, Axis)
        criteria = {c.code: c for c in Criterion.objects.all()}
    for code in ("lhss_mobile", "emsp"):
        service = demo.services.get(code)
        if service is None:
            continue
        for ccode, level, evidence, comment in ASSESSED:
            CriterionAssessment.objects.get_or_create(service=service, year=year, criterion=criteria[ccode], defaults={
                "level": level, "evidence": evidence, "comment": comment, "updated_by": chef})
        for ccode, title, owner, days, status in ACTIONS:
            ImprovementAction.objects.get_or_create(service=service, title=title, defaults={
                "year": year, "criterion": criteria[ccode], "owner": owner, "status": status,
                "due_on": demo.today + datetime.timedelta(days=days), "created_by": chef})
    lhss = demo.services.get("lhss_mobile")
    if lhss is None:
        return
    # The operator's own words for one criterion (D58): its services read them, the other operator the shared text.
    CriterionWording.objects.get_or_create(operator=lhss.operator, criterion=criteria["2.1"], defaults={
        "title": "Chaque personne accueillie reçoit le livret d'accueil de l'association, lu avec elle",
        "updated_by": chef})
    occurred = demo.today - datetime.timedelta(days=12)
    AdverseEvent.objects.get_or_create(service=lhss, what=(
        "Lors d'une visite dans un squat, une personne accompagnée a été blessée par un tiers en présence de deux "
        "professionnels ; soins sur place puis transport aux urgences."), defaults={
        "kind": "violence", "occurred_on": occurred, "status": "declared",
        "informed": "Direction de l'association, ARS (délégation départementale), médecin coordinateur",
        "measures": "Débriefing de l'équipe, visites en binôme renforcées, lien avec la médiation du squat",
        "declared_on": occurred + datetime.timedelta(days=1), "created_by": chef})
    ParticipationMeeting.objects.get_or_create(service=lhss, held_on=datetime.date(year, 3, 14), defaults={
        "participants": 8, "topics": "Horaires de passage de l'équipe, accès aux douches, livret d'accueil",
        "decisions": "Passage le samedi matin à l'essai ; livret relu par deux personnes accompagnées",
        "created_by": chef})
