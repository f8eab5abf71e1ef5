"""The head of service's home (issue #13): per headed service, what waits for a decision, the follow-ups
in alert, the occupancy of the places and this year's key figures. Counts only: no person is shown here
(each count links to the list that shows and journals them)."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q
from django.utils import timezone

from aupres.core import access
from aupres.encounters.models import Encounter
from aupres.followups import services as followups
from aupres.followups.models import FollowUp
from aupres.places import services as places
from aupres.quality import services as quality
from aupres.referrals.models import Referral, Status, Urgency
from aupres.services.models import Membership, Profession, Service


@dataclass
class ServiceBoard:
    service: Service
    to_decide: int = 0
    urgent_to_decide: int = 0
    oldest_days: int | None = None
    committee: int = 0
    waiting: int = 0
    in_alert: int = 0
    caseload: int = 0
    places: int = 0
    free: int = 0
    has_places: bool = False
    overdue_actions: int = 0  # improvement plan's actions past their due date (quality, issue #18)
    due_soon_actions: int = 0  # open actions due within quality.services.DUE_SOON_DAYS (D58)
    figures: dict = field(default_factory=dict)


def headed_services(user):
    ids = Membership.objects.active().filter(user=user, profession=Profession.HEAD_OF_SERVICE).values("service_id")
    return Service.objects.filter(pk__in=ids, is_active=True).order_by("name")


def boards(user, today=None):
    """One ServiceBoard per service the user heads (a few queries per service)."""
    today = today or timezone.localdate()
    year_start = datetime.date(today.year, 1, 1)
    start_dt = timezone.make_aware(datetime.datetime.combine(year_start, datetime.time.min))
    result = []
    mine = set(access.service_ids(user))
    overdue = quality.overdue_counts(user, today)
    due_soon = quality.due_soon_counts(user, today)
    for service in headed_services(user):
        if service.pk not in mine:
            continue
        board = ServiceBoard(service=service, overdue_actions=overdue.get(service.pk, 0),
                             due_soon_actions=due_soon.get(service.pk, 0))
        referrals = Referral.objects.filter(service=service)
        open_counts = referrals.aggregate(
            to_decide=Count("pk", filter=Q(status=Status.PENDING)),
            urgent=Count("pk", filter=Q(status=Status.PENDING, urgency=Urgency.URGENT)),
            committee=Count("pk", filter=Q(status=Status.COMMITTEE)),
            waiting=Count("pk", filter=Q(status=Status.WAITING)),
            oldest=Min("received_at", filter=Q(status=Status.PENDING)),
            received=Count("pk", filter=Q(received_at__gte=start_dt)),
        )
        board.to_decide, board.urgent_to_decide = open_counts["to_decide"], open_counts["urgent"]
        board.committee, board.waiting = open_counts["committee"], open_counts["waiting"]
        if open_counts["oldest"]:
            board.oldest_days = (today - timezone.localtime(open_counts["oldest"]).date()).days
        open_followups = (FollowUp.objects.open().filter(service=service).select_related("service")
                          .annotate(plan_review_due=followups.plan_review_due_annotation(),
                                    last_encounter_at=followups.last_encounter_annotation()))
        rows = followups.attach_alerts(open_followups, today)
        board.caseload = len({f.person_id for f in rows})
        board.in_alert = len({f.person_id for f in rows if f.alerts})
        place_count = service.places.filter(is_active=True).count()
        if place_count:
            board.has_places, board.places = True, place_count
            board.free = sum(n for _p, n in places.free_places(service, today))
        board.figures = {
            "new_followups": FollowUp.objects.filter(service=service, opened_on__gte=year_start).count(),
            "referrals_received": open_counts["received"],
            "encounters": Encounter.objects.filter(service=service, occurred_at__gte=start_dt).count(),
            "exits": FollowUp.objects.filter(service=service, closed_on__gte=year_start).count(),
        }
        result.append(board)
    return result
