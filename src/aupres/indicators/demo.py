"""Demo indicators data: budgets of every demo service for this year and last, a few report
sections, last year's indicators submitted for the association's services, and last year's referrals
(anonymous: an alias « Démo n » and a main need, no person) so that the needs against responses of the
region (indicators.needs) have a year over to show."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from aupres.core.errors import DomainError
from aupres.indicators import services as indicator_services
from aupres.indicators.engine import Period
from aupres.indicators.models import ReportSection, ServiceYearBudget, StaffingEntry, Submission
from aupres.referrals.models import DeclineReason, Door, Referral, ReferralEvent, Source, Status
from aupres.services.models import Territory

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
    needs_history(demo)  # before the submissions: last year's figures count these referrals
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


# How last year's demo referrals ended, per service: counts of 0 or at least 5, so that the region's
# figures are shown (a count under 5 hides every sum over it: indicators.needs).
HISTORY = {
    "emsp": (("accepted", 14), ("waiting", 5), ("no_capacity", 6), ("forwarded", 5)),
    "lhss_mobile": (("accepted", 8), ("no_capacity", 9), ("not_eligible", 5)),
    "pass_mobile": (("accepted", 10), ("forwarded", 5)),
    "emsp_artois": (("accepted", 6), ("no_capacity", 12), ("waiting", 7)),
    "landlord_team": (("accepted", 5), ("waiting", 6)),
}
# Départements of the region with no service: referrals left to regional regulation there, undecided.
UNSERVED = (("80", 9), ("02", 6))


def needs_history(demo):
    rng, year = demo.rng, demo.today.year - 1
    if Referral.objects.filter(received_at__year=year, alias__startswith="Démo ").exists():
        return
    tz = timezone.get_current_timezone()
    head = demo.staff.get("chef")
    plan = []
    for code, outcomes in HISTORY.items():
        service = demo.services.get(code)
        if service is None:
            continue
        territory = service.territories.order_by("level", "pk").first()
        plan += [(service, territory, outcome) for outcome, count in outcomes for _i in range(count)]
    for dep_code, size in UNSERVED:
        dep = Territory.objects.filter(level="departement", code=dep_code).first()
        if dep is not None:
            plan += [(None, dep, "open")] * size
    rows = []
    for n, (service, territory, outcome) in enumerate(plan, start=1):
        received = datetime.datetime(year, 1, 1, 9, tzinfo=tz) + datetime.timedelta(
            days=rng.randint(0, 330), hours=rng.randint(0, 9))
        needs = (service.accepted_needs[:1] if service and service.accepted_needs else
                 [rng.choice(["health", "social", "housing"])])
        decided = received + datetime.timedelta(days=rng.randint(1, 25))
        status, reason = {
            "accepted": (Status.ACCEPTED, ""), "waiting": (Status.WAITING, ""),
            "no_capacity": (Status.DECLINED, DeclineReason.NO_CAPACITY),
            "not_eligible": (Status.DECLINED, DeclineReason.NOT_ELIGIBLE),
            "other": (Status.DECLINED, DeclineReason.UNREACHABLE), "forwarded": (Status.FORWARDED, ""),
            "open": (Status.PENDING, "")}[outcome]
        rows.append((Referral(door=Door.TEAM, source=rng.choice(Source.values), alias=f"Démo {n}", needs=list(needs),
                              service=service, territory=territory, received_at=received, status=status,
                              decline_reason=reason,
                              decided_at=decided if status not in (Status.PENDING, Status.WAITING) else None,
                              decided_by=head if status != Status.PENDING else None,
                              waiting_since=decided if status == Status.WAITING else None), decided))
    Referral.objects.bulk_create([r for r, _d in rows])
    events = []
    for r, decided in rows:
        events.append(ReferralEvent(referral=r, at=r.received_at, action="received", status=Status.PENDING,
                                    service=r.service))
        if r.status != Status.PENDING:
            events.append(ReferralEvent(referral=r, at=decided, by=head, action=r.status, status=r.status,
                                        service=r.service))
    ReferralEvent.objects.bulk_create(events)
