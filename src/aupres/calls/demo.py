"""Demo calls for projects (issue #18): the regional health agency's envelope for Ségur measure 27 and its
call, with three applications in different states: the association's EMSP accepted (a service created with
its budget line), the landlord's ACT hors les murs filed (with a question of the agency, answered), the
association's SSIAD précarité at the letter of intent. Loading again adds only what is missing."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model

from aupres.accounts.models import AccountKind
from aupres.calls import services
from aupres.calls.models import Call, Envelope, Proposal, Stage
from aupres.calls.rules import SEED_003
from aupres.services.models import Membership, Profession, ServiceKind

CALL_TITLE = "Dispositif régional d'aller-vers en santé des personnes très démunies"

APPLICATIONS = [
    # (operator attribute, kind, stage reached, organisation, persons, nature, caseload, team, amount)
    ("op_assoc", "emsp", Stage.ACCEPTED, "Association loi 1901, 25 ans de maraudes à Lille",
     "Personnes à la rue, en campements et en hôtels sociaux de la métropole lilloise",
     "Bilans infirmiers de santé et d'orientation, maraudes mixtes, ouverture des droits", 90,
     {"nurse": "2.00", "social_worker": "1.00", "mediator": "0.50", "doctor": "0.20"}, Decimal("180000")),
    ("op_landlord", "act_outreach", Stage.APPLICATION, "Bailleur social, ACT avec hébergement à Arras",
     "Locataires souffrant d'une maladie chronique invalidante",
     "Coordination des soins, observance, accompagnement psychologique, passerelle vers le logement", 25,
     {"doctor": "0.30", "nurse": "1.00", "psychologist": "0.50", "social_worker": "1.00"}, Decimal("120000")),
    ("op_assoc", "ssiad_precarity", Stage.LETTER, "Association loi 1901, SSIAD autorisé",
     "Personnes hébergées en CHU et CHRS du Nord nécessitant des soins infirmiers",
     "Soins d'hygiène et techniques sur prescription, 7 jours sur 7", 30,
     {"nurse": "2.00", "care_assistant": "3.00"}, Decimal("240000")),
]


def _head(demo, operator):
    ids = Membership.objects.active().filter(profession=Profession.HEAD_OF_SERVICE, service__operator=operator)
    membership = ids.select_related("user").order_by("pk").first()
    return membership.user if membership else None


def load(demo):
    funder = get_user_model().objects.filter(kind=AccountKind.FUNDER, territory=demo.region).order_by("pk").first()
    if funder is None:
        return
    today = demo.today
    envelope = Envelope.objects.filter(territory=demo.region, measure="Ségur de la santé, mesure 27",
                                       year=today.year).first() or services.create_envelope(
        funder, "Ségur de la santé, mesure 27", today.year, Decimal("900000"))
    call = Call.objects.filter(territory=demo.region, title=CALL_TITLE).first()
    if call is None:
        call = services.publish_call(funder, {
            "title": CALL_TITLE, "envelope": envelope,
            "description": "Équipes médico-psycho-sociales pluridisciplinaires incluant obligatoirement des "
                           "professionnels de santé (appel à manifestation d'intérêt, mesure 27 du Ségur).",
            "letter_deadline": today + datetime.timedelta(days=60),
            "application_deadline": today + datetime.timedelta(days=120), "rules": SEED_003},
            list(ServiceKind.objects.filter(code__in=["emsp", "lhss_mobile", "act_outreach", "ssiad_precarity"])),
            [demo.departements["59"], demo.departements["62"]])
    for attr, code, stage, status, persons, nature, caseload, team, amount in APPLICATIONS:
        operator = getattr(demo, attr)
        kind = ServiceKind.objects.get(code=code)
        if Proposal.objects.filter(call=call, operator=operator, kind=kind).exists():
            continue
        head = _head(demo, operator)
        if head is None or today > call.letter_deadline:
            continue
        values = {"organisation_status": status, "kind": kind, "persons_concerned": persons, "nature": nature,
                  "mediation_alliance": "Médiatrices santé de l'association partenaire", "estimated_caseload": caseload,
                  "partnerships_written": "DAC, PASS du CHU", "partnerships_planned": "PMI", "planned_team": team,
                  "requested_amount": amount}
        territory = demo.departements["59" if attr == "op_assoc" else "62"]
        proposal = services.file_letter(head, call, operator, values, [territory], today=today)
        if stage == Stage.LETTER:
            continue
        proposal = services.file_application(head, proposal, values, [territory], proposal.version, today=today)
        if stage == Stage.APPLICATION:  # the thread: a question of the agency, already answered
            question = services.ask(funder, proposal, "Quelle articulation prévoyez-vous avec l'équipe mobile "
                                                      "psychiatrie précarité du territoire ?")
            services.answer(head, proposal, question.pk, "Une réunion de concertation mensuelle et une fiche de "
                                                         "liaison commune ; convention en cours de rédaction.")
        if stage == Stage.ACCEPTED:
            services.accept(funder, proposal, amount, caseload, proposal.version,
                            service_name="EMSP Métropole lilloise")
