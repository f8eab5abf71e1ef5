"""The fifteen service kinds of DOMAIN.md §2, loaded as templates by a data migration.

Names are kept in French: they are the field's proper names, used as such in reports.
`accepted_needs` are the needs a service of the kind usually takes (aupres.services.models.Need): a new
service starts with them and its head of service changes them on the configuration screen.
"""

KINDS = [
    dict(code="lhss_mobile", name="LHSS mobile", public="adults", capacity_unit="households",
         accepted_needs=["addiction", "health", "mental_health", "nursing"],
         default_capacity=21,
         public_description="Personnes majeures sans domicile ou mal logées, avec des problèmes de santé "
         "(somatiques, psychiatriques, addictions), quelle que soit leur situation administrative.",
         specifics="Sur orientation des professionnels, de particuliers ou de la personne ; jour/nuit ; "
         "véhicule avec chauffeur ; amont (repérer, évaluer, premiers soins, orienter) et aval (suivi "
         "après LHSS, hôpital, SSR) ; permanences avancées en hébergement.", min_age=18),
    dict(code="lhss_day", name="LHSS de jour", public="adults", capacity_unit="persons_per_day",
         accepted_needs=["addiction", "health", "mental_health", "rights"],
         default_capacity=4,
         public_description="Adultes en précarité, toute situation administrative, avec des problèmes "
         "de santé et des critères de vulnérabilité.",
         specifics="Bilan de santé, soins primaires, accès aux droits, orientation, demandes d'admission.",
         min_age=18),
    dict(code="lhss_residential", name="LHSS (lits halte soins santé)", public="adults",
         accepted_needs=["health", "nursing"],
         capacity_unit="beds", default_capacity=15, usual_length_min_days=15, usual_length_max_days=60,
         public_description="Personnes sans domicile dont l'état de santé demande des soins sans "
         "justifier une hospitalisation.",
         specifics="Séjour avec soins infirmiers quotidiens ; droits ; projet de sortie.", min_age=18),
    dict(code="lhss_paediatric", name="LHSS pédiatriques", public="mothers_with_children",
         accepted_needs=["health", "maternity"],
         capacity_unit="families", default_capacity=10,
         required_documents=["medical_file", "social_file"],
         public_description="Mineurs et leur mère sans domicile.",
         specifics="Demande par courrier et courriel à la responsable, avec un dossier médical et un "
         "dossier social."),
    dict(code="lam", name="Lits d'accueil médicalisés (LAM)", public="adults", capacity_unit="beds",
         accepted_needs=["health", "nursing"],
         default_capacity=25,
         public_description="Maladie chronique grave, perte d'autonomie.",
         specifics="Suivi médical quotidien ; durée ouverte, prolongeable.", min_age=18),
    dict(code="act", name="Appartements de coordination thérapeutique (ACT)", public="any",
         accepted_needs=["health", "housing"],
         capacity_unit="apartments", default_capacity=12, max_length_days=730,
         public_description="Maladie chronique ou invalidante (VIH, cancer, diabète…) et précarité.",
         specifics="Logement et accompagnement médical, psychologique et social."),
    dict(code="act_outreach", name="ACT hors les murs", public="any", capacity_unit="places",
         accepted_needs=["health", "housing"],
         default_capacity=15, usual_length_min_days=548, usual_length_max_days=730, max_length_days=730,
         public_description="Maladie chronique ou invalidante, en logement ordinaire, hébergement ou rue.",
         specifics="Visite hebdomadaire ; accompagnement aux rendez-vous ; passerelle vers le logement "
         "ordinaire. Coût de référence 11 000 € par place et par an."),
    dict(code="emsp", name="Équipe mobile santé précarité (EMSP)", public="any", capacity_unit="caseload",
         accepted_needs=["addiction", "health", "mental_health", "rights", "social"],
         default_capacity=150,
         public_description="Personnes à la rue ou en hébergement éloignées du soin.",
         specifics="Binôme infirmier + travailleur social au moins ; un médecin référent nommé ; bus "
         "santé, maraudes mixtes ; bilans infirmiers ; réponse rapide ; dépistage et vaccination."),
    dict(code="ssiad_precarity", name="SSIAD précarité", public="any", capacity_unit="patients",
         accepted_needs=["health", "nursing"],
         default_capacity=20, requires_prescription=True, required_documents=["prescription"],
         public_description="Personnes sans domicile, quel que soit leur lieu de vie.",
         specifics="Uniquement sur prescription médicale (date et prescripteur) ; soins infirmiers, "
         "hygiène, administration des traitements ; 7 jours sur 7."),
    dict(code="pass_mobile", name="PASS mobile", public="any", capacity_unit="caseload",
         accepted_needs=["health", "rights"],
         default_capacity=100,
         public_description="Personnes très marginalisées (campements, bidonvilles).",
         specifics="Bilan de santé, soins urgents, orientation vers la PASS de rattachement."),
    dict(code="empp", name="Équipe mobile psychiatrie précarité (EMPP)", public="any",
         accepted_needs=["addiction", "mental_health"],
         capacity_unit="caseload", default_capacity=120,
         public_description="Besoins en santé mentale.",
         specifics="Filtre et interface avec la psychiatrie de secteur."),
    dict(code="mum", name="Maison d'urgence pour mères sortant de maternité", public="mothers_with_newborns",
         accepted_needs=["housing", "maternity"],
         capacity_unit="places", default_capacity=8, usual_length_max_days=90,
         public_description="Mères et nouveau-nés sans logement.",
         specifics="Mise à l'abri immédiate, passerelle vers un logement durable."),
    dict(code="violence_shelter", name="Dispositif de mise en sécurité des femmes victimes de violences",
         accepted_needs=["housing", "social", "violence"],
         public="women", capacity_unit="places", default_capacity=10, confidential_location=True,
         public_description="Femmes victimes de violences conjugales.",
         specifics="Accompagnement social lié au logement et accompagnement spécifique violences ; le "
         "lieu doit rester confidentiel."),
    dict(code="landlord_team", name="Équipe mobile précarité du bailleur (10 000 logements accompagnés)",
         accepted_needs=["health", "housing", "mental_health", "social"],
         public="any", capacity_unit="households", default_capacity=30, has_orientation_committee=True,
         public_description="Locataires dont la santé ou la souffrance psychique menace le maintien dans "
         "le logement (risque d'expulsion).",
         specifics="Saisie par les partenaires quand leur propre action échoue ; une cellule "
         "d'orientation décide de la stratégie ; un médecin coordonnateur ; effectifs en ETP."),
    dict(code="case_management", name="Case management des personnes à la rue depuis moins de 6 mois",
         accepted_needs=["health", "housing", "mental_health", "rights", "social"],
         public="adults", capacity_unit="situations_per_case_manager", default_capacity=10,
         max_months_on_street=6, requires_expressed_demand=True, min_age=18,
         public_description="Personnes arrivées à la rue depuis peu (rue, hébergement chez des tiers, "
         "hébergement, sortie de prison ou d'hôpital, squats).",
         specifics="Demande réelle de la personne ; six étapes ; travail avec la personne, vers "
         "l'autonomie ; durée non limitée."),
]


def defaults_of(code, field):
    """The template's value of one rule for a kind code (None for an unknown kind)."""
    return next((dict(k).get(field) for k in KINDS if k["code"] == code), None)


def load_kinds(ServiceKind):
    # Also called by early data migrations, whose historical model lacks the fields added since.
    known = {f.name for f in ServiceKind._meta.concrete_fields}
    for values in KINDS:
        values = {k: v for k, v in values.items() if k in known}
        code = values.pop("code")
        ServiceKind.objects.update_or_create(code=code, defaults=values)
