from django import template

from aupres.core import access
from aupres.core.models import Compartment
from aupres.encounters import services
from aupres.encounters.models import ENCOUNTER_COMPARTMENT

register = template.Library()


@register.inclusion_tag("encounters/_timeline.html", takes_context=True)
def person_timeline(context, person):
    """The person's path, filtered by what the viewer may see (services.timeline)."""
    user = context["request"].user
    events = services.timeline(user, person)
    for event in events:
        if event.kind == "rights_application":
            event.alert = services.needs_renewal(event.record)
    # What the user may change: through a service following the person (consent and emergency only read).
    comps = getattr(person, "writable_compartments", None)
    if comps is None:
        comps = frozenset().union(*(access.compartments_by_service(user)[sid]
                                    for sid in access.following_services_of(user, person)))
    return {
        "person": person, "events": events, "page_full": len(events) >= services.TIMELINE_PAGE,
        "can_record": ENCOUNTER_COMPARTMENT in comps,
        "can_orient": Compartment.SOCIAL in comps or Compartment.HEALTH in comps,
        "can_admin": Compartment.ADMINISTRATIVE in comps,
    }
