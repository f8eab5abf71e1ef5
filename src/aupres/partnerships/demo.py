"""Demo partnerships (issue #18): every service has its DAC convention, a hospital or PASS agreement and a
planned partnership. Loading again adds only what is missing."""

import datetime

from aupres.partnerships.models import Partnership
from aupres.services.models import Service

BY_KIND = {
    "mum": ("PMI de Lille-Moulins", "pmi"),
    "lhss_paediatric": ("PMI de Lille-Moulins", "pmi"),
    "landlord_team": ("Mairie d'Arras — CCAS", "municipality"),
    "act": ("Habitat Solidaire — gestion locative", "landlord"),
}


def load(demo):
    signed = datetime.date(demo.today.year - 1, 3, 1)
    for service in Service.objects.all():
        dac = "DAC Artois" if service.territories.filter(code="62").exists() else "DAC Métropole Flandre"
        wanted = [
            (dac, "dac", "written", signed),
            ("PASS du CHU de Lille", "pass", "written", signed + datetime.timedelta(days=40)),
            BY_KIND.get(service.kind.code, ("Médiation santé Aller-Vers", "mediation")) + ("planned", None),
        ]
        for partner, kind, status, on in wanted:
            Partnership.objects.get_or_create(service=service, partner=partner, defaults={
                "kind": kind, "status": status, "signed_on": on, "starts_on": on})
