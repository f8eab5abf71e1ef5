import datetime
from decimal import Decimal

from aupres.calls import services
from aupres.calls.rules import SEED_003
from aupres.services.models import ServiceKind, Territory

TODAY = datetime.date.today()


def funder_of(world, territory=None):
    funder = world.users["funder"]
    funder.territory = territory or world.territory
    funder.save(update_fields=["territory"])
    return funder


def call_of(funder, amount="100000", rules=SEED_003, kinds=("emsp", "lhss_mobile"), territory=None, measure="Ségur 27"):
    envelope = services.create_envelope(funder, measure, TODAY.year, Decimal(amount))
    return services.publish_call(funder, {
        "title": "Équipes mobiles santé précarité", "envelope": envelope,
        "letter_deadline": TODAY + datetime.timedelta(days=30),
        "application_deadline": TODAY + datetime.timedelta(days=60), "rules": list(rules)},
        list(ServiceKind.objects.filter(code__in=kinds)), [territory or funder.territory])


def letter_values(**over):
    values = {
        "organisation_status": "Association loi 1901", "experience": "Maraudes depuis 2010", "authorisations": "",
        "kind": ServiceKind.objects.get(code="emsp"), "existing_project": "none", "extension": "",
        "existing_service": None, "persons_concerned": "Personnes à la rue et en hébergement d'urgence",
        "nature": "Bilans infirmiers, accompagnement social", "mediation_alliance": "Médiateurs de l'association X",
        "estimated_caseload": 80, "partnerships_written": "DAC Nord", "partnerships_planned": "PMI",
        "planned_team": {"nurse": "1.00", "social_worker": "1.00"}, "requested_amount": Decimal("150000"),
    }
    values.update(over)
    return values


def file(head, call, operator, **over):
    territories = [Territory.objects.get(pk=t.pk) for t in call.territories.all()]
    proposal = services.file_letter(head, call, operator, letter_values(**over), territories)
    return services.file_application(head, proposal, letter_values(**over), territories, proposal.version)
