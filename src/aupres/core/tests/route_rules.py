"""Who may reach each route: one entry per route, screens by URL name, API operations by "METHOD /path".

test_route_matrix.py generates the list of routes from the URL configuration and the OpenAPI schema,
fails when a route has no entry here (or in PENDING), and requests every route as every role,
comparing the outcome with the entry:

- ok:       2xx;
- redirect: 3xx, except to the sign-in page with ?next= (that is "denied");
- invalid:  400, 409 or 422, i.e. the request got past the access checks and was refused on its content;
- denied:   401, 403, 404 or a redirect to sign in: the default for every role not listed.

Roles: the fourteen professions (members of service A, which follows world.person), "outsider" (a doctor
of service B, which does not), the partner, regulator and funder accounts, and "anonymous".
To add a route: add one entry, with the roles for each outcome; `data` (a function of the World) gives
the body or form of a POST, PUT or PATCH, and `method` defaults to GET.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from aupres.services.models import HEALTH_PROFESSIONS, Profession

PROFESSIONS = tuple(Profession.values)
HEALTH = tuple(p for p in PROFESSIONS if p in HEALTH_PROFESSIONS)
HEAD = ("head_of_service",)
SOCIAL_TEAM = tuple(p for p in PROFESSIONS if p != "head_of_service")  # social + administrative
OUTSIDER = ("outsider",)
NON_TEAM = ("partner", "regulator", "funder")
STAFF = PROFESSIONS + OUTSIDER
SIGNED_IN = STAFF + NON_TEAM
ANONYMOUS = ("anonymous",)
ROLES = SIGNED_IN + ANONYMOUS


@dataclass(frozen=True)
class Rule:
    ok: tuple = ()
    redirect: tuple = ()
    invalid: tuple = ()
    method: str = "GET"
    data: Any = None  # callable(world) -> dict
    note: str = ""
    expected: dict = field(default_factory=dict, compare=False)

    def outcome_for(self, role):
        for outcome in ("ok", "redirect", "invalid"):
            if role in getattr(self, outcome):
                return outcome
        return "denied"


# Values for the parameters of the routes, from the test World.
PARAMS = {
    "person_id": lambda w: w.person.pk,
    "household_id": lambda w: w.household.pk,
    "service_id": lambda w: w.service_a.pk,
    "operator_id": lambda w: w.operator.pk,
    "membership_id": lambda w: w.membership.pk,
}

TODAY = datetime.date.today().isoformat()

SCREEN_RULES = {
    "home": Rule(redirect=SIGNED_IN),
    # Accounts
    "accounts:login": Rule(ok=ANONYMOUS, redirect=SIGNED_IN),
    "accounts:logout": Rule(method="POST", redirect=SIGNED_IN),
    "accounts:otp_verify": Rule(redirect=SIGNED_IN, note="sessions here are verified: it sends them on"),
    "accounts:otp_enrol": Rule(ok=SIGNED_IN),
    "accounts:security": Rule(ok=SIGNED_IN),
    "accounts:recovery_codes": Rule(method="POST", ok=SIGNED_IN),
    "accounts:logout_everywhere": Rule(method="POST", redirect=SIGNED_IN),
    # Persons and households
    "persons:caseload": Rule(ok=SIGNED_IN, note="a caseload is empty without a team"),
    "persons:search": Rule(ok=SIGNED_IN),
    "persons:create": Rule(ok=STAFF, redirect=NON_TEAM),
    "persons:detail": Rule(ok=PROFESSIONS),
    "persons:edit": Rule(ok=PROFESSIONS),
    "persons:living_situation_add": Rule(ok=PROFESSIONS, note="saving checks the social compartment"),
    "persons:right_add": Rule(ok=PROFESSIONS),
    "persons:medical_profile": Rule(ok=HEALTH),
    "persons:note_add": Rule(method="POST", redirect=PROFESSIONS),
    "persons:households": Rule(ok=SIGNED_IN),
    "persons:household_member_row": Rule(method="POST", ok=SOCIAL_TEAM, data=lambda w: {"person": w.person.pk}),
    "persons:household_create": Rule(ok=SIGNED_IN),
    "persons:household_detail": Rule(ok=SOCIAL_TEAM),
    # Configuration of services
    "services:home": Rule(ok=SIGNED_IN),
    "services:service_detail": Rule(ok=SIGNED_IN, note="services are public; the team list is not"),
    "services:operator_edit": Rule(ok=HEAD),
    "services:service_create": Rule(ok=HEAD),
    "services:service_edit": Rule(ok=HEAD),
    "services:membership_add": Rule(ok=HEAD),
    "services:membership_edit": Rule(ok=HEAD),
    # Audit and GDPR
    "audit:journal": Rule(ok=HEAD),
    "audit:person_export_pdf": Rule(ok=HEAD),
}

API_RULES = {
    # Accounts: the token route answers everyone, and gives nothing without the right credentials.
    "POST /auth/token": Rule(method="POST", data=lambda w: {"username": "nurse", "password": "not-it"}),
    "POST /auth/logout-everywhere": Rule(method="POST", ok=SIGNED_IN),
    "GET /auth/me": Rule(ok=SIGNED_IN),
    # Services (public to signed-in accounts) and their configuration (heads of service)
    "GET /territories": Rule(ok=SIGNED_IN),
    "POST /territories": Rule(method="POST", ok=HEAD,
                              data=lambda w: {"code": "59350", "name": "Lille", "departement": "59"}),
    "GET /service-kinds": Rule(ok=SIGNED_IN),
    "GET /services": Rule(ok=SIGNED_IN),
    "POST /services": Rule(method="POST", ok=HEAD,
                           data=lambda w: {"operator": w.operator.pk, "kind": "lhss_mobile", "name": "Nouvelle"}),
    "GET /services/{service_id}": Rule(ok=SIGNED_IN),
    "PATCH /services/{service_id}": Rule(method="PATCH", ok=HEAD, data=lambda w: {"version": w.service_a.version}),
    "GET /operators": Rule(ok=SIGNED_IN, note="lists the operators you manage: empty for most"),
    "PATCH /operators/{operator_id}": Rule(method="PATCH", ok=HEAD, data=lambda w: {"version": w.operator.version}),
    "GET /services/{service_id}/memberships": Rule(ok=HEAD),
    "POST /services/{service_id}/memberships": Rule(
        method="POST", ok=HEAD,
        data=lambda w: {"user": w.outsider.pk, "profession": "nurse", "etp": "0.5", "start_date": TODAY}),
    "PATCH /memberships/{membership_id}": Rule(method="PATCH", ok=HEAD,
                                               data=lambda w: {"version": w.membership.version}),
    # Persons
    "GET /persons": Rule(ok=SIGNED_IN, note="lists the persons your teams follow: empty without a team"),
    "POST /persons": Rule(method="POST", ok=STAFF, data=lambda w: {"alias": "Nouveau"}),
    "POST /persons/search": Rule(method="POST", ok=SIGNED_IN, data=lambda w: {"q": "mina"}),
    "GET /persons/{person_id}": Rule(ok=PROFESSIONS),
    "PATCH /persons/{person_id}": Rule(method="PATCH", ok=PROFESSIONS, data=lambda w: {"version": w.person.version}),
    "GET /persons/{person_id}/living-situations": Rule(ok=SOCIAL_TEAM),
    "POST /persons/{person_id}/living-situations": Rule(
        method="POST", ok=SOCIAL_TEAM, data=lambda w: {"kind": "street", "started_on": TODAY}),
    "GET /persons/{person_id}/rights": Rule(ok=PROFESSIONS),
    "POST /persons/{person_id}/rights": Rule(
        method="POST", ok=PROFESSIONS, data=lambda w: {"kind": "health_cover", "value": "ame", "started_on": TODAY}),
    "GET /persons/{person_id}/medical-profile": Rule(ok=HEALTH),
    "PATCH /persons/{person_id}/medical-profile": Rule(method="PATCH", ok=HEALTH, data=lambda w: {"version": 1}),
    "GET /persons/{person_id}/notes": Rule(ok=PROFESSIONS, note="cut to the compartments held"),
    "POST /persons/{person_id}/notes": Rule(
        method="POST", ok=PROFESSIONS, data=lambda w: {"compartment": "administrative", "text": "Vu"}),
    "GET /households": Rule(ok=SIGNED_IN, note="households of persons followed with the social compartment"),
    "POST /households": Rule(method="POST", ok=SOCIAL_TEAM,
                             data=lambda w: {"label": "Ménage", "members": [{"person": w.person.pk, "role": "head"}]}),
    "GET /households/{household_id}": Rule(ok=SOCIAL_TEAM),
    "PATCH /households/{household_id}": Rule(method="PATCH", ok=SOCIAL_TEAM,
                                             data=lambda w: {"version": w.household.version}),
    # Audit and GDPR
    "GET /audit/events": Rule(ok=HEAD),
    "GET /persons/{person_id}/accesses": Rule(ok=PROFESSIONS),
    "GET /persons/{person_id}/rectifications": Rule(ok=PROFESSIONS),
    "GET /persons/{person_id}/export": Rule(ok=HEAD),
}

# Routes of apps being written at the same time (referrals, follow-up cycle, encounters, indicators):
# their rules are to be written; a route that is neither here nor in the rules fails the suite.
PENDING = {
    "GET /budgets", "GET /collective-actions", "GET /collective-actions/{action_id}", "GET /encounters",
    "GET /encounters/{encounter_id}", "GET /followups", "GET /followups/{followup_id}",
    "GET /followups/{followup_id}/assessments", "GET /followups/{followup_id}/evaluations",
    "GET /followups/{followup_id}/health-checks", "GET /followups/{followup_id}/objectives",
    "GET /followups/{followup_id}/plans", "GET /indicators", "GET /indicators/definitions",
    "GET /indicators/export", "GET /orientations", "GET /orientations/{orientation_id}",
    "GET /persons/{person_id}/timeline", "GET /referrals", "GET /referrals/{referral_id}",
    "GET /referrals/{referral_id}/attachments/{attachment_id}", "GET /referrals/{referral_id}/candidates",
    "GET /referrals/{referral_id}/suggestions", "GET /reports/{service_id}/{year}",
    "GET /reports/{service_id}/{year}/file", "GET /rights-applications",
    "GET /rights-applications/{application_id}", "GET /services/{service_id}/capacity", "GET /submissions",
    "GET /submissions/{submission_id}", "PATCH /followups/{followup_id}/objectives/{objective_id}",
    "PATCH /followups/{followup_id}/plans/{plan_id}", "PATCH /orientations/{orientation_id}",
    "PATCH /rights-applications/{application_id}", "POST /collective-actions", "POST /encounters",
    "POST /followups/{followup_id}/assessments", "POST /followups/{followup_id}/evaluations",
    "POST /followups/{followup_id}/health-checks", "POST /followups/{followup_id}/lighten",
    "POST /followups/{followup_id}/objectives", "POST /followups/{followup_id}/plans",
    "POST /followups/{followup_id}/transition", "POST /orientations", "POST /public/referrals", "POST /referrals",
    "POST /referrals/duplicates", "POST /referrals/merge-persons", "POST /referrals/{referral_id}/accept",
    "POST /referrals/{referral_id}/attachments", "POST /referrals/{referral_id}/decline",
    "POST /referrals/{referral_id}/forward", "POST /referrals/{referral_id}/route",
    "POST /referrals/{referral_id}/wait", "POST /reports/{service_id}/{year}", "POST /rights-applications",
    "POST /services/{service_id}/committee-meetings", "POST /submissions", "PUT /budgets", "encounters:act_row",
    "encounters:collective_actions", "encounters:encounter_create", "encounters:index", "encounters:new_person_row",
    "encounters:orientation", "encounters:orientation_create", "encounters:orientations", "encounters:person_pick",
    "encounters:person_row", "encounters:rights", "encounters:rights_application", "encounters:rights_create",
    "encounters:street_round", "followups:assessment_add", "followups:detail", "followups:evaluation_add",
    "followups:health_check_add", "followups:lighten", "followups:objective_add", "followups:objective_edit",
    "followups:plan_add", "followups:transition", "indicators:budget", "indicators:export", "indicators:funder",
    "indicators:home", "indicators:operator", "indicators:report", "indicators:report_file",
    "indicators:report_generate", "indicators:report_preview", "indicators:report_status", "indicators:service",
    "indicators:submit", "referrals:attachment", "referrals:candidates", "referrals:committee", "referrals:decide",
    "referrals:detail", "referrals:home", "referrals:inbox", "referrals:intake", "referrals:partner_list",
    "referrals:partner_new", "referrals:public", "referrals:regulation", "referrals:regulation_detail",
}
