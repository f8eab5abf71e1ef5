"""Demo indicators data: budgets of every demo service for this year and last, a few report
sections, and last year's indicators submitted for the association's services."""

from decimal import Decimal

from django.db import transaction

from aupres.core.errors import DomainError
from aupres.indicators import services as indicator_services
from aupres.indicators.engine import Period
from aupres.indicators.models import ReportSection, ServiceYearBudget, StaffingEntry, Submission

SPLITS = (("health_agency", 0.7), ("departement", 0.15), ("state", 0.1), ("own_funds", 0.05))

SECTIONS = (
    ("Faits marquants de l'année",
     "L'équipe a renforcé sa présence en maraude de soirée et ouvert une permanence avancée dans deux "
     "centres d'hébergement. Les partenariats avec la PASS et le CMP de secteur ont été formalisés."),
    ("Perspectives",
     "Recrutement d'un·e infirmier·e à mi-temps, poursuite des bilans de santé et travail sur l'accès "
     "aux droits des personnes sans domiciliation."),
)


def load(demo):
    rng, today = demo.rng, demo.today
    years = (today.year - 1, today.year)
    for code, service in sorted(demo.services.items()):
        base = (service.capacity or 10) * rng.choice([9000, 11000, 14000, 18000])
        for year in years:
            for funder, share in SPLITS:
                ServiceYearBudget.objects.get_or_create(service=service, year=year, funder=funder, defaults={
                    "amount": Decimal(round(base * share * (1.03 if year == today.year else 1), 2))})
        if code in ("emsp", "lhss_mobile", "act_outreach"):
            # Users add entries and sections of their own (several per profession or position are allowed):
            # add the demo ones only where there are none, never fail on what is there.
            if not StaffingEntry.objects.filter(service=service, year=years[0], profession="driver").exists():
                StaffingEntry.objects.create(service=service, year=years[0], profession="driver",
                                             etp=Decimal("0.50"), note="Chauffeur mutualisé")
            for position, (title, text) in enumerate(SECTIONS, start=1):
                if not ReportSection.objects.filter(service=service, year=years[0], position=position).exists():
                    ReportSection.objects.create(service=service, year=years[0], position=position,
                                                 title=title, text=text)
    head = demo.staff.get("chef")
    last_year = Period.year(years[0])
    for code in ("emsp", "lhss_mobile", "pass_mobile", "empp"):
        service = demo.services[code]
        if head is None or Submission.objects.filter(service=service, period_start=last_year.start).exists():
            continue
        try:
            with transaction.atomic():
                indicator_services.submit(head, service.pk, last_year, comment="Transmission annuelle")
        except DomainError:
            continue  # the head of service left that team in the demo meanwhile: nothing to submit for them

