"""The 2022 quality referential of social and medico-social services (ESSMS), as data (issue #18, seed 000).

Seed 000 gives its figures — one referential, 9 themes, 42 criteria of which 18 are imperative — and the
association's four priority axes; it does not give the texts. The theme titles are the referential's nine
thématiques; the 42 criterion titles are short French titles written for Auprès after them (an operator
administrator edits them on screen, `quality:criterion_edit`). Loaded by the data migration
`quality/migrations/0002_referential.py`, and again by `load_referential` where a flushed test database lost it.

Each criterion: (code, title, imperative, figure), where `figure` names the Auprès figure that documents it
(quality.services.FIGURES), or "".
"""

THEMES = (
    ("1", "Bientraitance et éthique", (
        ("1.1", "La personne est accompagnée avec bientraitance par les professionnels", True, ""),
        ("1.2", "Les professionnels respectent la dignité, l'intimité et la vie privée de la personne", True, ""),
        ("1.3", "Le service définit et déploie sa stratégie de prévention de la maltraitance", True, ""),
        ("1.4", "Les professionnels mènent une réflexion éthique sur les situations complexes", False, ""),
        ("1.5", "La personne exprime ses attentes et ses choix dans un cadre neutre et sans jugement", False, ""),
    )),
    ("2", "Droits de la personne accompagnée", (
        ("2.1", "La personne est informée de ses droits et des voies de recours", True, ""),
        ("2.2", "Le consentement éclairé de la personne est recherché et tracé", True, ""),
        ("2.3", "La confidentialité des informations qui la concernent est garantie", True, ""),
        ("2.4", "La personne est accompagnée dans l'ouverture et la mise à jour de ses droits", False, ""),
        ("2.5", "La personne peut désigner une personne de confiance", False, ""),
    )),
    ("3", "Expression et participation de la personne accompagnée", (
        ("3.1", "Les personnes accompagnées participent au fonctionnement du service", True, "meetings"),
        ("3.2", "Les plaintes et réclamations sont recueillies, traitées et suivies", True, ""),
        ("3.3", "La satisfaction des personnes est recueillie et analysée", False, "satisfaction"),
        ("3.4", "Les professionnels favorisent l'expression des personnes là où elles vivent", False, ""),
    )),
    ("4", "Co-construction et personnalisation du projet d'accompagnement", (
        ("4.1", "Les attentes et les besoins de la personne sont évalués dès l'accueil", False, ""),
        ("4.2", "Le projet personnalisé est co-construit avec la personne", True, "plans_with_person"),
        ("4.3", "Le projet personnalisé est formalisé dans les 30 jours qui suivent l'admission", True,
         "plan_within_30_days"),
        ("4.4", "Le projet personnalisé est réévalué régulièrement avec la personne", False, ""),
        ("4.5", "Les proches sont associés au projet avec l'accord de la personne", False, ""),
    )),
    ("5", "Accompagnement à l'autonomie", (
        ("5.1", "Les capacités et l'autonomie de la personne sont évaluées", False, ""),
        ("5.2", "L'accompagnement favorise l'autonomie dans la vie quotidienne", False, ""),
        ("5.3", "Les risques liés à la vulnérabilité de la personne sont repérés et pris en compte", True, ""),
        ("5.4", "La personne est accompagnée vers l'inclusion sociale et professionnelle", False, ""),
    )),
    ("6", "Accompagnement à la santé", (
        ("6.1", "Les besoins de santé somatique, psychique et addictologique sont évalués", False, ""),
        ("6.2", "La continuité des soins est assurée avec les professionnels de santé du parcours", False, ""),
        ("6.3", "Le circuit du médicament est sécurisé", True, ""),
        ("6.4", "La douleur est repérée, évaluée et prise en charge", True, ""),
        ("6.5", "Les situations d'urgence sanitaire sont repérées et gérées", True, ""),
    )),
    ("7", "Continuité et fluidité des parcours", (
        ("7.1", "L'accueil et l'admission suivent une procédure connue des partenaires", False, ""),
        ("7.2", "Le délai entre l'orientation et le premier contact est suivi", False, "referral_to_first_contact"),
        ("7.3", "La sortie est préparée avec la personne et une solution de sortie est recherchée", True,
         "exits_with_destination"),
        ("7.4", "Les partenariats nécessaires au parcours sont formalisés", False, ""),
    )),
    ("8", "Politique ressources humaines", (
        ("8.1", "Les compétences de l'équipe correspondent au projet de service", False, ""),
        ("8.2", "Les professionnels sont formés et leurs compétences actualisées", False, ""),
        ("8.3", "Les professionnels bénéficient d'une analyse des pratiques et d'un soutien", False, ""),
        ("8.4", "La qualité de vie au travail et la prévention des risques professionnels sont prises en compte",
         False, ""),
        ("8.5", "Le service s'assure de l'honorabilité des professionnels qu'il recrute", True, ""),
    )),
    ("9", "Démarche qualité et gestion des risques", (
        ("9.1", "Le service définit et met en œuvre sa démarche qualité et son projet de service", False, ""),
        ("9.2", "Les événements indésirables et dysfonctionnements graves sont déclarés, analysés et traités", True,
         "adverse_events"),
        ("9.3", "Un plan de gestion de crise et de continuité de l'activité est défini", True, ""),
        ("9.4", "Le dossier de la personne est tenu à jour et protégé", False, ""),
        ("9.5", "Les résultats de l'évaluation donnent lieu à un plan d'amélioration suivi", False, ""),
    )),
)

# Seed 000: the association's four priority axes, with the criteria each one gathers (operator-less: offered to
# every operator; an operator adds its own).
AXES = (
    ("Accueil : définitions, outils et procédures", ("1.5", "4.1", "7.1")),
    ("Accompagnement personnalisé : outils et procédures", ("4.2", "4.3", "4.4", "5.1")),
    ("Formalisation des procédures et actualisation des outils, notamment au travers des projets de services "
     "et de pôles", ("1.3", "6.3", "9.1", "9.3")),
    ("Participation : outils, lieux, procédures et fiches ressources", ("3.1", "3.2", "3.3", "3.4")),
)


def load_referential(Theme, Criterion, Axis):  # noqa: N803 — historical models of a data migration
    """Create what is missing (never changes an edited text)."""
    for position, (code, title, criteria) in enumerate(THEMES, start=1):
        theme, _created = Theme.objects.get_or_create(code=code, defaults={"title": title, "position": position})
        for rank, (ccode, ctitle, imperative, figure) in enumerate(criteria, start=1):
            Criterion.objects.get_or_create(code=ccode, defaults={
                "theme": theme, "title": ctitle, "imperative": imperative, "figure": figure, "position": rank})
    for position, (title, codes) in enumerate(AXES, start=1):
        axis, created = Axis.objects.get_or_create(operator=None, title=title, defaults={"position": position})
        if created:
            axis.criteria.set(Criterion.objects.filter(code__in=codes))
