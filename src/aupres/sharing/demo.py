"""Demo: a few consents to sharing (one withdrawn) and one emergency access, deterministic."""

import datetime

from django.utils import timezone

from aupres.core.errors import DomainError
from aupres.followups.models import FollowUp
from aupres.services.models import HEALTH_PROFESSIONS, Membership, Profession
from aupres.sharing import services
from aupres.sharing.models import GivenHow, Scope, SharingConsent


def load(demo):
    if SharingConsent.objects.exists():  # loaded already
        return
    rng = demo.rng
    followups = list(FollowUp.objects.filter(closed_on__isnull=True).select_related("service")
                     .order_by("pk")[:200])
    if not followups:
        return
    all_services = sorted(demo.services.values(), key=lambda s: s.pk)
    chosen = rng.sample(followups, min(8, len(followups)))
    recorder = demo.staff.get("social")
    for i, followup in enumerate(chosen):
        others = [s for s in all_services if s.pk != followup.service_id]
        if not others:
            continue
        to_service = rng.choice(others)
        consent = SharingConsent.objects.create(
            person_id=followup.person_id, from_service_id=followup.service_id, to_service=to_service,
            scope=rng.choice(Scope.values), given_on=demo.today - datetime.timedelta(days=rng.randint(1, 120)),
            given_how=rng.choice(GivenHow.values), recorded_by=recorder)
        if i == 0:
            SharingConsent.objects.filter(pk=consent.pk).update(
                withdrawn_at=timezone.now(), withdrawn_by=recorder,
                withdrawal_note="La personne ne souhaite plus ce partage.")
    SharingConsent.objects.create(
        person_id=followups[0].person_id, from_service_id=followups[0].service_id,
        to_organisation="CCAS de Lille", scope=Scope.SOCIAL, given_on=demo.today, given_how=GivenHow.WRITTEN,
        recorded_by=recorder)
    # One emergency access, by a health professional of a service that does not follow the person.

    doctors = list(Membership.objects.active().filter(profession__in=HEALTH_PROFESSIONS)
                   .exclude(profession=Profession.HEAD_OF_SERVICE).select_related("user").order_by("pk")[:20])
    for followup in followups[:20]:
        for doctor in doctors:
            try:
                services.open_emergency_access(
                    doctor.user, person_id=followup.person_id, service_id=doctor.service_id,
                    reason="Appel des urgences : personne hospitalisée inconsciente, besoin des antécédents.",
                    base_url=getattr(demo, "base_url", "http://127.0.0.1:8000/"))
            except DomainError:
                continue
            return
