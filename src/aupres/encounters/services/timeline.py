"""A person's timeline: one page of each kind of event, in what the reader may read."""

import dataclasses
import datetime

from django.db.models import Q
from django.utils import timezone

from aupres.audit.models import IDENTITY
from aupres.audit.services import record
from aupres.care.models import Transmission
from aupres.core import access
from aupres.core.models import Compartment
from aupres.encounters.models import (
    ENCOUNTER_COMPARTMENT,
    TARGET_COMPARTMENT,
    Act,
    Encounter,
    EncounterPerson,
    Orientation,
    RightsApplication,
)
from aupres.followups.models import FollowUp
from aupres.services.models import Service


@dataclasses.dataclass
class TimelineEvent:
    at: datetime.datetime
    kind: str  # encounter, act, orientation, rights_application, followup_opened, followup_closed, other_service
    service: Service
    own: bool  # content shown: the service is one of access.readable_services (else "followed by" only)
    encounter: Encounter | None = None
    acts: list = dataclasses.field(default_factory=list)
    record: object = None

    @property
    def on(self):
        return timezone.localtime(self.at).date()


def _at(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(0, 0)))


TIMELINE_PAGE = 100


def _per_service(readable, field="compartment"):
    """Rows of the readable services, each in the compartments readable there."""
    q = Q(pk__in=[])
    for sid, comps in sorted(readable.items()):
        q |= Q(service_id=sid, **{f"{field}__in": sorted(comps)})
    return q


def timeline(user, person, limit=TIMELINE_PAGE, before=None):
    """The person's path, most recent first, as the viewer may see it: at most `limit` events, all
    before `before` (a datetime) when given, so that older pages are fetched only when asked for.

    `person` comes from access.get_visible_person. Whose content is shown, and in which compartments,
    is access.readable_services (the user's services following the person, services whose content the
    person agreed to share, emergency access): encounters (social) with their acts (each in its
    compartment; without the social compartment the acts alone are shown), orientations (in the
    compartment of their target), rights applications (administrative), follow-up openings and
    closings. Other services following the person: one event per follow-up, "followed by <service>
    since <date>", without content, and nothing at all for a service whose location is confidential.

    Queries, whatever the number of encounters or services: readable_services, the follow-ups (with
    their services), one page of encounter links (with the encounters), their acts, orientations and
    rights applications (these two only when a readable service holds their compartments). Each reads
    an index on the person: encperson_person_time, act_encounter_person, orientation_person_sent,
    rightsapp_person_status_on, followup_person_service.
    """
    limit = max(1, int(limit))
    readable = access.readable_services(user, person)
    followups = list(FollowUp.objects.filter(person=person).select_related("service").order_by("opened_on", "pk"))
    services = {f.service_id: f.service for f in followups}
    missing = [sid for sid in readable if sid not in services]  # e.g. reached through an open referral only
    if missing:
        services.update(Service.objects.in_bulk(missing))
    events = []
    if readable:
        before_day = _day_before(before)
        events += _encounter_events(person, readable, services, limit, before)
        events += _orientation_events(person, readable, services, limit, before_day)
        events += _rights_events(person, readable, services, limit, before_day)
        events += _transmission_events(person, readable, services, limit, before)
    events += _followup_events(followups, readable, services)
    if before is not None:
        events = [e for e in events if e.at < before]
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit]


# The timeline's sources: each reads one page (`limit`) of one kind of event, in what `readable`
# ({service id: compartments}) allows, older than `before` (a moment) or `before_day` (a date) when given.

def _day_before(before):
    if before is None:
        return None
    try:
        return timezone.localtime(before).date()
    except OverflowError:  # the last or first representable moment
        return before.date()


def _encounter_events(person, readable, services, limit, before):
    """Encounters with their acts (each in its compartment); without the social compartment, the acts alone."""
    links = EncounterPerson.objects.filter(person=person, service_id__in=sorted(readable))
    if before is not None:
        links = links.filter(occurred_at__lt=before)
    links = list(links.select_related("encounter").order_by("-occurred_at", "-encounter_id")[:limit])
    acts_by_encounter = {}
    if links:
        acts_q = Q(pk__in=[])
        for sid, comps in sorted(readable.items()):
            ids = [link.encounter_id for link in links if link.service_id == sid]
            if ids:
                acts_q |= Q(encounter_id__in=ids, compartment__in=sorted(comps))
        for act in Act.objects.filter(acts_q, person=person).order_by("pk"):
            acts_by_encounter.setdefault(act.encounter_id, []).append(act)
    events = []
    for link in links:
        acts, service = acts_by_encounter.get(link.encounter_id, []), services[link.service_id]
        if ENCOUNTER_COMPARTMENT in readable[link.service_id]:
            events.append(TimelineEvent(link.occurred_at, "encounter", service, True, link.encounter, acts))
        else:
            events.extend(TimelineEvent(link.occurred_at, "act", service, True, link.encounter, [act])
                          for act in acts)
    return events


def _orientation_events(person, readable, services, limit, before_day):
    """Orientations, each in the compartment of its target."""
    oriented = {sid: comps & set(TARGET_COMPARTMENT.values()) for sid, comps in readable.items()}
    oriented = {sid: comps for sid, comps in oriented.items() if comps}
    if not oriented:
        return []
    qs = Orientation.objects.filter(_per_service(oriented), person=person)
    if before_day is not None:
        qs = qs.filter(sent_on__lt=before_day)
    return [TimelineEvent(_at(o.sent_on), "orientation", services[o.service_id], True, record=o)
            for o in qs.order_by("-sent_on", "-pk")[:limit]]


def _rights_events(person, readable, services, limit, before_day):
    """Rights applications (administrative)."""
    admin = sorted(sid for sid, comps in readable.items() if RightsApplication.compartment in comps)
    if not admin:
        return []
    qs = RightsApplication.objects.filter(person=person, service_id__in=admin)
    if before_day is not None:
        qs = qs.filter(status_on__lt=before_day)
    return [TimelineEvent(_at(r.status_on), "rights_application", services[r.service_id], True, record=r)
            for r in qs.order_by("-status_on", "-pk")[:limit]]


def _transmission_events(person, readable, services, limit, before):
    """Targeted transmissions of the care record (aupres.care, health): index care_transm_person_at."""
    health = sorted(sid for sid, comps in readable.items() if Compartment.HEALTH in comps)
    if not health:
        return []

    qs = Transmission.objects.filter(person=person, service_id__in=health)
    if before is not None:
        qs = qs.filter(at__lt=before)
    return [TimelineEvent(t.at, "transmission", services[t.service_id], True, record=t)
            for t in qs.select_related("by").order_by("-at", "-pk")[:limit]]


def _followup_events(followups, readable, services):
    """Follow-up openings and closings of the readable services; "followed by" (no content) for the others,
    nothing for a service whose location is confidential."""
    events = []
    for f in followups:
        service = services[f.service_id]
        if f.service_id in readable:
            events.append(TimelineEvent(_at(f.opened_on), "followup_opened", service, True, record=f))
            if f.closed_on:
                events.append(TimelineEvent(_at(f.closed_on), "followup_closed", service, True, record=f))
        elif not service.confidential_location:
            events.append(TimelineEvent(_at(f.opened_on), "other_service", service, False, record=f))
    return events


def timeline_shown(events):
    """identity (names of the services following the person), and the compartments of what is shown."""
    comps = {IDENTITY}
    for e in events:
        if e.kind == "encounter":
            comps.add(ENCOUNTER_COMPARTMENT)
        comps |= {a.compartment for a in e.acts}
        if e.own and e.record is not None:
            comps.add(getattr(e.record, "compartment", IDENTITY))
    return comps


def read_timeline(user, person, limit=TIMELINE_PAGE, before=None):
    """timeline(), journaled as a read of what it shows (the API's page of the person's path)."""
    events = timeline(user, person, limit=limit, before=before)
    record(user, person, "read", timeline_shown(events))
    return events
