"""Rules about encounters, acts, orientations, rights applications and collective actions.

Called alike by screens, API, demo and tasks. Visibility, always per recording service:

- a record made by service S is read by a member of S only while S follows the person (a follow-up
  giving access, aupres.core.access), and only in the compartments the member's profession gives
  in S (access.compartments_by_service);
- the timeline of a person shows the content of the services of access.readable_services (the user's
  own, and those whose content the person agreed to share or an emergency access opens), each in the
  compartments given there; other services' follow-ups appear only as "followed by <service> since
  <date>", without any content, and never for a service whose location is confidential (D8, D15).

The functions that show or change a person's records journal it themselves (issue #16): `read_*`,
`*_page`, `create_*`, `change_*` (audit.record, ids and compartment names only).
"""

from aupres.encounters.services._common import (
    FUTURE_TOLERANCE,
    MAX_ANONYMOUS_CONTACTS,
    _comps,
)
from aupres.encounters.services.collective import (
    COUNT_FIELDS,
    MAX_COUNT,
    create_collective_action,
    get_collective_action,
    visible_collective_actions,
)
from aupres.encounters.services.encounters import (
    EncounterReads,
    check_moment,
    create_encounter,
    create_encounters,
    default_service_for,
    encounter_acts,
    encounter_persons,
    encounter_view,
    encounter_written,
    encounters_page,
    get_encounter,
    new_client_uuid,
    picked_persons,
    read_encounter,
    recent_encounters,
    search_persons_to_meet,
    visible_encounters,
)
from aupres.encounters.services.orientations import (
    StatusChange,
    allowed_orientation_statuses,
    change_orientation,
    create_orientation,
    get_orientation,
    orientations_page,
    read_orientation,
    visible_orientations,
)
from aupres.encounters.services.rights import (
    GRANTED_RIGHT,
    allowed_rights_statuses,
    change_rights_application,
    check_rights_application,
    create_rights_application,
    default_renewal_on,
    filter_rights_applications,
    get_rights_application,
    granted_right,
    needs_renewal,
    read_rights_application,
    renewal_alerts,
    rights_applications_page,
    visible_rights_applications,
)
from aupres.encounters.services.timeline import (
    TIMELINE_PAGE,
    TimelineEvent,
    read_timeline,
    timeline,
    timeline_shown,
)
from aupres.followups.services import last_encounter_dates, last_encounter_subquery

# The package's public rules (and `_comps`, which tests use to know what a profession gives).
__all__ = [
    "COUNT_FIELDS",
    "EncounterReads",
    "FUTURE_TOLERANCE",
    "GRANTED_RIGHT",
    "MAX_ANONYMOUS_CONTACTS",
    "MAX_COUNT",
    "StatusChange",
    "TIMELINE_PAGE",
    "TimelineEvent",
    "_comps",
    "allowed_orientation_statuses",
    "allowed_rights_statuses",
    "change_orientation",
    "change_rights_application",
    "check_moment",
    "check_rights_application",
    "create_collective_action",
    "create_encounter",
    "create_encounters",
    "create_orientation",
    "create_rights_application",
    "default_renewal_on",
    "default_service_for",
    "encounter_acts",
    "encounter_persons",
    "encounter_view",
    "encounter_written",
    "encounters_page",
    "filter_rights_applications",
    "get_collective_action",
    "get_encounter",
    "get_orientation",
    "get_rights_application",
    "granted_right",
    "needs_renewal",
    "new_client_uuid",
    "orientations_page",
    "picked_persons",
    "read_encounter",
    "read_orientation",
    "read_rights_application",
    "read_timeline",
    "recent_encounters",
    "renewal_alerts",
    "rights_applications_page",
    "search_persons_to_meet",
    "timeline",
    "timeline_shown",
    "visible_collective_actions",
    "visible_encounters",
    "visible_orientations",
    "visible_rights_applications",
    "last_encounter_dates",
    "last_encounter_subquery",
]
