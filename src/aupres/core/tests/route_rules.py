"""Who may reach each route: one entry per route, screens by URL name, API operations by "METHOD /path".

test_route_matrix.py generates the list of routes from the URL configuration and the OpenAPI schema,
fails when a route has no entry here (or in PENDING), and requests every route as every role,
comparing the outcome with the entry:

- ok:       2xx;
- redirect: 3xx, except to the sign-in page with ?next= (that is "denied");
- invalid:  400, 409 or 422, i.e. the request got past the access checks and was refused on its content;
- denied:   401, 403, 404 or a redirect to sign in: the default for every role not listed.

Roles: the fourteen professions (members of service A, which follows world.person), "outsider" (a doctor
of service B, which does not), "foreign_doctor" (a doctor of a service of another operator), the partner,
regulator and funder accounts, and "anonymous". Every screen is also requested with the other method (GET
or POST): the roles denied here stay denied. Every response is searched for the markers of markers.py
that the role may not read (expectations.READS).
To add a route: add one entry, with the roles for each outcome; `data` (a function of the World) gives
the body or form of a POST, PUT or PATCH, and `method` defaults to GET.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from aupres.referrals.tests.helpers import tiny_pdf

from . import expectations

# Written out from DOMAIN.md in expectations.py, never read from the product (issue #22).
PROFESSIONS = expectations.PROFESSIONS
HEALTH = expectations.HEALTH_READERS
HEAD = ("head_of_service",)
SOCIAL_TEAM = tuple(p for p in PROFESSIONS if p != "head_of_service")  # social + administrative
OUTSIDER = ("outsider", "foreign_doctor")  # a doctor of service B; a doctor of another operator's service
NON_TEAM = ("partner", "regulator", "funder")
PARTNER, REGULATOR, FUNDER = ("partner",), ("regulator",), ("funder",)
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
    params: dict = field(default_factory=dict, compare=False)  # name -> callable(world), over PARAMS
    query: Any = None  # callable(world) -> query string of an API GET
    multipart: bool = False  # an API body sent as a multipart form (file uploads)
    xfail: dict = field(default_factory=dict, compare=False)  # role -> reason: a known access defect
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
    "referral_id": lambda w: w.referral.pk,
    "attachment_id": lambda w: w.attachment.pk,
    "action": lambda w: "accept",
    "followup_id": lambda w: w.followup.pk,
    "plan_id": lambda w: w.plan.pk,
    "objective_id": lambda w: w.objective.pk,
    "encounter_id": lambda w: w.encounter.pk,
    "orientation_id": lambda w: w.orientation.pk,
    "application_id": lambda w: w.rights_application.pk,
    "action_id": lambda w: w.collective_action.pk,
    "submission_id": lambda w: w.submission.pk,
    "generation_id": lambda w: w.generation.pk,
    "year": lambda w: 2025,
    "scope": lambda w: "service",
    "scope_id": lambda w: w.service_a.pk,
    "fmt": lambda w: "csv",
    "code": lambda w: "caseload",  # an indicator
    "consent_id": lambda w: _matrix_consent(w).pk,
    "other_person_id": lambda w: _matrix_twin(w).pk,
    "place_id": lambda w: _matrix_stay(w).place_id,
    "stay_id": lambda w: _matrix_stay(w).pk,
    "apartment_id": lambda w: _matrix_park(w).pk,
    "incident_id": lambda w: _matrix_park(w).incidents.first().pk,
    "inventory_id": lambda w: _matrix_park(w).inventories.first().pk,
    "photo_id": lambda w: _matrix_park(w).inventories.first().photos.first().pk,
    "prescription_id": lambda w: _matrix_prescription(w).pk,
    "condition_id": lambda w: _matrix_condition(w).pk,
    "pair_id": lambda w: _matrix_pair(w).pk,
    "batch_id": lambda w: _matrix_import(w, "checked").pk,
    "call_id": lambda w: _matrix_call(w).pk,
    "proposal_id": lambda w: _matrix_proposal(w).pk,
    "partnership_id": lambda w: _matrix_partnership(w).pk,
    "letter_template_id": lambda w: _matrix_letter_template(w).pk,
    "criterion_id": lambda w: _matrix_criterion().pk,
    "quality_action_id": lambda w: _matrix_quality_action(w).pk,
    "axis_id": lambda w: _matrix_axis().pk,
    "question_id": lambda w: _matrix_question(w).pk,
    "event_id": lambda w: _matrix_adverse_event(w).pk,
    "field_id": lambda w: _matrix_custom_field(w).pk,
}


def _matrix_custom_field(w):
    """A choice field of service A's follow-ups, in the social compartment (the team's own fields, D56)."""
    from aupres.customfields.models import FieldDefinition

    field, _created = FieldDefinition.objects.get_or_create(
        service=w.service_a, target="followup", label="Hébergement souhaité",
        defaults={"kind": "choice", "options": ["CHRS", "Pension de famille"], "compartment": "social"})
    return field

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def _matrix_park(w):
    """An apartment used by service A, with an incident and an inventory with a photo (housing park)."""
    from django.core.files.base import ContentFile

    from aupres.places.models import Apartment, Incident, Inventory, InventoryPhoto

    flat, created = Apartment.objects.get_or_create(operator=w.operator, service=w.service_a, label="Appt matrice",
                                                    defaults={"address": "3 rue du Parc"})
    if created:
        Incident.objects.create(apartment=flat, kind="lost_keys", occurred_on=datetime.date.today())
        inventory = Inventory.objects.create(apartment=flat, kind="check_in", done_on=datetime.date.today(),
                                             rooms=[{"room": "Séjour", "condition": "bon", "note": ""}])
        InventoryPhoto.objects.create(inventory=inventory, file=ContentFile(PNG, name="p.png"),
                                      content_type="image/png", size=len(PNG))
    return flat



def _matrix_stay(w):
    """World.person stays on a bed of service A since ten days (places, issue #14)."""
    from aupres.places.models import Place, Stay

    place, created = Place.objects.get_or_create(service=w.service_a, label="Lit matrice",
                                                 defaults={"kind": "bed", "address": "12 rue Secrète"})
    if created:  # and a free bed, where accepting a referral to service A puts the person
        Place.objects.create(service=w.service_a, label="Lit libre", kind="bed")
    stay = Stay.objects.filter(place=place).first()
    if stay is None:
        stay = Stay.objects.create(place=place, service=w.service_a, person=w.person, start_date=datetime.date.today()
                                   - datetime.timedelta(days=10), followup=w.person.followups.first())
    return stay



def _matrix_prescription(w):
    """A prescription of world.person in service A (care record, issue #20), a dose at 08:00."""
    from aupres.care.models import Prescription

    return Prescription.objects.get_or_create(
        person=w.person, service=w.service_a, drug="Paracétamol", defaults={
            "dose": "1 g", "times": ["08:00"], "starts_on": datetime.date.today(), "prescriber": "Dr Roux"})[0]


def _matrix_condition(w):
    from aupres.care.models import Condition

    return Condition.objects.get_or_create(person=w.person, service=w.service_a, code="E11.9",
                                           defaults={"group": "diabetes"})[0]


def _matrix_letter_template(w):
    """A referral letter template of service A (letters, issue #17)."""
    from aupres.letters.models import LetterTemplate

    return LetterTemplate.objects.get_or_create(service=w.service_a, title="Lettre matrice", defaults={
        "kind": "referral_letter", "body": "Nous adressons {{ person.first_name }} {{ person.last_name }}."})[0]


def _matrix_consent(w):
    """A consent of service A to service C (which no role belongs to), for the consent routes."""
    from aupres.sharing.models import SharingConsent

    return SharingConsent.objects.get_or_create(
        person=w.person, from_service=w.service_a, to_service=w.service_c, scope="social",
        defaults={"given_on": datetime.date.today(), "given_how": "oral"})[0]

def _matrix_twin(w):
    """A second record that may be world.person, followed by services A and B (the outsider, in B, sees
    this one and not world.person): for the merge screen."""
    from aupres.followups.models import FollowUp
    from aupres.persons.models import Person

    twin, created = Person.objects.get_or_create(alias="Mina bis", defaults={"first_name": "Amina"})
    if created:
        FollowUp.objects.create(person=twin, service=w.service_b, opened_on=datetime.date(2026, 1, 5))
        FollowUp.objects.create(person=twin, service=w.service_a, opened_on=datetime.date(2026, 1, 6))
    return twin

def _matrix_pair(w):
    """A probable duplicate pair (world.person and the twin, both followed by service A), for the review queue."""
    from aupres.referrals.models import DuplicatePair

    a, b = sorted((w.person.pk, _matrix_twin(w).pk))
    return DuplicatePair.objects.get_or_create(first_person_id=a, second_person_id=b, defaults={
        "probability": 0.99, "reasons": ["close_name"], "found_at": datetime.datetime.now(datetime.UTC)})[0]

def _matrix_call(w):
    """A call for projects of the world's territory (the funder's), on an envelope (issue #18)."""
    from aupres.calls.models import Call, Envelope
    from aupres.services.models import ServiceKind

    envelope = Envelope.objects.get_or_create(territory=w.territory, measure="Matrice", year=2026,
                                              defaults={"amount": 100000})[0]
    call, created = Call.objects.get_or_create(territory=w.territory, envelope=envelope, title="Appel matrice",
                                               defaults={"letter_deadline": datetime.date.today(),
                                                         "application_deadline": datetime.date.today()})
    if created:
        call.kinds.set(ServiceKind.objects.filter(code__in=["emsp", "lhss_mobile"]))
        call.territories.set([w.territory])
    return call


def _matrix_proposal(w):
    """Operator A's letter of intent to that call, for a nurse-led EMSP."""
    from aupres.calls.models import Proposal
    from aupres.services.models import ServiceKind

    proposal, created = Proposal.objects.get_or_create(
        call=_matrix_call(w), operator=w.operator, kind=ServiceKind.objects.get(code="emsp"), defaults={
            "organisation_status": "Association", "persons_concerned": "Rue", "nature": "Bilans",
            "estimated_caseload": 40, "planned_team": {"nurse": "1.00"}})
    if created:
        proposal.territories.set([w.territory])
    return proposal


def _matrix_partnership(w):
    """A convention of service A with its PDF (partnerships register, issue #18)."""
    from django.core.files.base import ContentFile

    from aupres.partnerships.models import Partnership

    partnership, created = Partnership.objects.get_or_create(
        service=w.service_a, partner="DAC matrice", defaults={"kind": "dac", "status": "written",
                                                              "signed_on": datetime.date.today()})
    if created:
        partnership.document.save("c.pdf", ContentFile(tiny_pdf()), save=True)
    return partnership


def _matrix_criterion():
    """An imperative criterion of the quality referential (loaded by quality's data migration, issue #18)."""
    from aupres.quality.models import Axis, Criterion, Theme
    from aupres.quality.referential import load_referential

    load_referential(Theme, Criterion, Axis)
    return Criterion.objects.get(code="4.3")


def _matrix_axis():
    """Seed 000's first priority axis (offered to every operator)."""
    from aupres.quality.models import Axis

    _matrix_criterion()
    return Axis.objects.filter(operator__isnull=True).order_by("position").first()


def _matrix_question(w):
    """A question of the funder on operator A's proposal (the thread of an application, issue #18)."""
    from aupres.calls.models import ProposalQuestion

    return ProposalQuestion.objects.get_or_create(proposal=_matrix_proposal(w), question="Quel territoire ?")[0]


def _matrix_quality_action(w):
    """An action of service A's improvement plan, overdue."""
    from aupres.quality.models import ImprovementAction

    return ImprovementAction.objects.get_or_create(service=w.service_a, title="Action matrice", defaults={
        "year": 2025, "owner": "Cheffe", "due_on": datetime.date(2025, 6, 1)})[0]


def _matrix_adverse_event(w):
    """An adverse event of service A, being handled."""
    from aupres.quality.models import AdverseEvent

    return AdverseEvent.objects.get_or_create(service=w.service_a, what="Événement matrice", defaults={
        "kind": "dysfunction", "occurred_on": datetime.date(2025, 6, 1)})[0]


def _proposal_body(w, **over):
    return {"organisation_status": "Association", "persons_concerned": "Rue", "nature": "Bilans",
            "estimated_caseload": 40, "planned_team": {"nurse": "1"}, "territories": [w.territory.pk],
            "kind": "emsp", "requested_amount": "1000", **over}


TODAY = datetime.date.today().isoformat()
IN_90_DAYS = (datetime.date.today() + datetime.timedelta(days=90)).isoformat()
NOW = datetime.datetime.now(datetime.UTC).isoformat()

SCREEN_RULES = {
    "home": Rule(ok=HEAD, redirect=tuple(r for r in SIGNED_IN if r not in HEAD),
                 note="the head of service's dashboard; every other account is sent to its own home"),
    # Accounts
    "accounts:login": Rule(ok=ANONYMOUS, redirect=SIGNED_IN),
    # Operations (issue #15): answered on the loopback (the test client's address) or with the operator's
    # token, whoever asks; 404 from any other network (ops/tests/test_ops.py)
    "ops:health": Rule(ok=ROLES, note="loopback or AUPRES_OPS_TOKEN only"),
    "ops:metrics": Rule(ok=ROLES, note="loopback or AUPRES_OPS_TOKEN only"),
    "accounts:logout": Rule(method="POST", redirect=SIGNED_IN),
    # Off unless AUPRES_OIDC_CLIENT_ID is set (D55): 404 for everyone; tested on, against a real provider, in
    # accounts/tests/test_oidc_sign_in.py.
    "accounts:oidc_login": Rule(note="the identity provider is off in these tests: 404"),
    "accounts:oidc_callback": Rule(note="the identity provider is off in these tests: 404"),
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
    # The team's own fields (issue #17, D56): defined by a head of that very service; values in compartments
    "customfields:definitions": Rule(ok=HEAD),
    "customfields:definition_add": Rule(ok=HEAD),
    "customfields:definition_edit": Rule(ok=HEAD),
    "customfields:followup_values": Rule(ok=PROFESSIONS),
    "customfields:indicator": Rule(ok=PROFESSIONS, note="members of the service; disclosure-controlled"),
    # The API's own pages (walked from the resolver since issue #22): no personal data.
    "api:api-root": Rule(note="django-ninja's root answers 404"),
    "api:openapi-json": Rule(ok=ROLES, note="the API's schema is public"),
    "api:openapi-view": Rule(ok=ROLES, note="the API's documentation page is public"),
    # Audit and GDPR
    "audit:journal": Rule(ok=HEAD),
    "audit:person_export_pdf": Rule(ok=HEAD + HEALTH),
}

API_RULES = {
    # The team's own fields (issue #17, D56)
    "GET /services/{service_id}/custom-fields": Rule(ok=PROFESSIONS, note="a member: the compartments held"),
    "POST /services/{service_id}/custom-fields": Rule(method="POST", ok=HEAD, data=lambda w: {
        "target": "person", "label": "Suivi par la PMI", "kind": "yes_no", "compartment": "social"}),
    "PATCH /custom-fields/{field_id}": Rule(method="PATCH", ok=HEAD, data=lambda w: {
        "version": _matrix_custom_field(w).version, "order": 3}),
    "GET /persons/{person_id}/custom-fields": Rule(ok=PROFESSIONS),
    "PATCH /persons/{person_id}/custom-fields": Rule(method="PATCH", ok=PROFESSIONS, data=lambda w: {"values": {}}),
    "GET /followups/{followup_id}/custom-fields": Rule(ok=PROFESSIONS),
    "PATCH /followups/{followup_id}/custom-fields": Rule(method="PATCH", ok=PROFESSIONS,
                                                         data=lambda w: {"values": {}}),
    "GET /indicators/custom-fields/{field_id}": Rule(ok=PROFESSIONS),
    "GET /encounters/{encounter_id}/custom-fields": Rule(ok=SOCIAL_TEAM),
    "PATCH /encounters/{encounter_id}/custom-fields": Rule(method="PATCH", ok=SOCIAL_TEAM,
                                                           data=lambda w: {"values": {}}),
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
    "GET /services/{service_id}/rule-history": Rule(ok=HEAD, note="who changed a rule, and why"),
    "GET /operators": Rule(ok=SIGNED_IN, note="lists the operators you manage: empty for most"),
    "PATCH /operators/{operator_id}": Rule(method="PATCH", ok=HEAD, data=lambda w: {"version": w.operator.version}),
    "GET /services/{service_id}/memberships": Rule(ok=HEAD),
    "POST /services/{service_id}/memberships": Rule(
        method="POST", ok=HEAD,
        data=lambda w: {"user": w.outsider.pk, "profession": "social_worker", "etp": "0.5",
                        "start_date": TODAY},
        note="a health profession needs the medical lead (services/tests/test_health_grants.py)"),
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
    "GET /audit/memberships": Rule(ok=HEAD),
    "GET /persons/{person_id}/accesses": Rule(ok=PROFESSIONS),
    "GET /persons/{person_id}/rectifications": Rule(ok=PROFESSIONS),
    "GET /persons/{person_id}/export": Rule(ok=HEAD + HEALTH),
}


# Referrals, follow-up cycle, encounters, indicators
FRAGMENT = "blank form fragments: persons are filtered by visible_persons"
API_RULES |= {
    # Referrals: teams read what is addressed to their services (cut to their compartments), a partner
    # what it sent, the regulator the unrouted ones of its territory; the public form is open.
    "GET /referrals": Rule(ok=SIGNED_IN, note="each account its own referrals"),
    "POST /referrals": Rule(ok=PROFESSIONS + PARTNER, method="POST", data=lambda w: {
        "source": "shelter", "needs": ["health"], "alias": "Nouveau", "service": w.service_a.pk
    }),
    "GET /referrals/{referral_id}": Rule(ok=PROFESSIONS + PARTNER, note="the partner sent it"),
    "GET /referrals/{referral_id}/attachments/{attachment_id}": Rule(ok=HEALTH, note="a medical file"),
    "POST /referrals/{referral_id}/attachments": Rule(
        ok=SOCIAL_TEAM + PARTNER, method="POST", multipart=True, note="a social file",
        data=lambda w: {"kind": "social_file", "file": SimpleUploadedFile("bilan.pdf", tiny_pdf())}),
    "GET /referrals/{referral_id}/candidates": Rule(ok=PROFESSIONS),
    "GET /referrals/{referral_id}/suggestions": Rule(ok=PROFESSIONS),
    "POST /referrals/{referral_id}/accept": Rule(ok=PROFESSIONS, method="POST", data=lambda w: {
        "version": w.referral.version
    }),
    "POST /referrals/{referral_id}/decline": Rule(ok=PROFESSIONS, method="POST", data=lambda w: {
        "version": w.referral.version, "reason": "no_capacity"
    }),
    "POST /referrals/{referral_id}/wait": Rule(ok=PROFESSIONS, method="POST", data=lambda w: {
        "version": w.referral.version
    }),
    "POST /referrals/{referral_id}/forward": Rule(ok=PROFESSIONS, method="POST", data=lambda w: {
        "version": w.referral.version, "service": w.service_b.pk
    }),
    "POST /referrals/{referral_id}/route": Rule(
        ok=REGULATOR, method="POST", note="a referral addressed to no service",
        params={"referral_id": lambda w: w.unrouted.pk},
        data=lambda w: {"version": w.unrouted.version, "service": w.service_a.pk}),
    "POST /referrals/duplicates": Rule(ok=STAFF, method="POST", data=lambda w: {
        "alias": "Mina"
    }, note="matches among the persons one may see"),
    "GET /referrals/duplicate-pairs": Rule(ok=HEAD, note="the heads of service's review queue"),
    "POST /referrals/duplicate-pairs/{pair_id}/different": Rule(ok=HEAD, method="POST", data=lambda w: {}),
    "POST /referrals/merge-persons": Rule(invalid=PROFESSIONS, method="POST", data=lambda w: {
        "keep": w.person.pk, "absorb": w.person.pk
    }, note="a person cannot absorb itself"),
    "POST /services/{service_id}/committee-meetings": Rule(invalid=PROFESSIONS, method="POST", data=lambda w: {
        "held_on": TODAY, "attendees": "Équipe"
    }, note="service A has no committee"),
    "POST /public/referrals": Rule(ok=ROLES, method="POST", note="no account needed", data=lambda w: {
        "source": "shelter", "needs": ["health"], "alias": "Nouveau", "service": w.service_a.pk,
        "referrer_email": "equipe@example.org"}),
    # Follow-up cycle: members of the following service, per compartment.
    "GET /followups": Rule(ok=SIGNED_IN, note="the follow-ups of one's services: empty without a team"),
    "GET /followups/{followup_id}": Rule(ok=PROFESSIONS),
    "POST /followups/{followup_id}/transition": Rule(ok=PROFESSIONS, method="POST", data=lambda w: {
        "to_state": "assessment", "version": w.followup.version
    }),
    "POST /followups/{followup_id}/lighten": Rule(invalid=PROFESSIONS, method="POST", data=lambda w: {
        "version": w.followup.version
    }, note="an intake follow-up cannot be lightened"),
    "GET /followups/{followup_id}/assessments": Rule(ok=PROFESSIONS, note="items cut to the compartments held"),
    "POST /followups/{followup_id}/assessments": Rule(ok=SOCIAL_TEAM, method="POST", data=lambda w: {
        "assessed_on": TODAY, "items": [{"domain": "housing", "level": "mild"}]
    }, note="a social item"),
    "GET /followups/{followup_id}/health-checks": Rule(ok=HEALTH),
    "POST /followups/{followup_id}/health-checks": Rule(ok=HEALTH, method="POST", data=lambda w: {"done_on": TODAY}),
    "GET /followups/{followup_id}/plans": Rule(ok=SOCIAL_TEAM),
    "POST /followups/{followup_id}/plans": Rule(invalid=SOCIAL_TEAM, method="POST", data=lambda w: {
        "agreed_on": TODAY, "review_due_on": IN_90_DAYS, "person_took_part": True
    }, note="not at the plan step"),
    "PATCH /followups/{followup_id}/plans/{plan_id}": Rule(ok=SOCIAL_TEAM, method="PATCH", data=lambda w: {
        "version": w.plan.version
    }),
    "GET /followups/{followup_id}/objectives": Rule(ok=PROFESSIONS, note="cut to the compartments held"),
    "POST /followups/{followup_id}/objectives": Rule(ok=SOCIAL_TEAM, method="POST", data=lambda w: {
        "domain": "socialisation", "title": "Liens", "due_on": IN_90_DAYS
    }),
    "PATCH /followups/{followup_id}/objectives/{objective_id}": Rule(ok=SOCIAL_TEAM, method="PATCH", data=lambda w: {
        "version": w.objective.version
    }),
    "GET /followups/{followup_id}/evaluations": Rule(ok=SOCIAL_TEAM),
    "POST /followups/{followup_id}/evaluations": Rule(invalid=SOCIAL_TEAM, method="POST", data=lambda w: {
        "evaluated_on": TODAY, "satisfaction": "satisfied"
    }, note="no objective due for review"),
    # Encounters, orientations, rights applications, collective actions.
    "GET /encounters": Rule(ok=SIGNED_IN, note="the encounters of one's services"),
    "POST /encounters": Rule(ok=SOCIAL_TEAM, method="POST", data=lambda w: {
        "service": w.service_a.pk, "occurred_at": NOW, "place_kind": "street", "mode": "street_round",
        "persons": [w.person.pk],
    }),
    "GET /encounters/{encounter_id}": Rule(ok=SOCIAL_TEAM),
    "GET /persons/{person_id}/timeline": Rule(ok=PROFESSIONS, note="cut to the compartments held"),
    # The field app (issue #12).
    "GET /field/caseload": Rule(ok=STAFF, note="my open follow-ups, cut to my compartments; 403 without a team"),
    "GET /field/key": Rule(note="browser session only: never to a token (the matrix calls the API with tokens)"),
    "POST /sync": Rule(ok=SIGNED_IN, method="POST", data=lambda w: {"items": []},
                       note="each capture is checked alone by the rules of what it records"),
    "GET /orientations": Rule(ok=SIGNED_IN),
    "POST /orientations": Rule(ok=HEALTH, method="POST", data=lambda w: {
        "person": w.person.pk, "kind": "orientation", "target": "general_practitioner"
    }, note="to a general practitioner: health"),
    "GET /orientations/{orientation_id}": Rule(ok=HEALTH),
    "PATCH /orientations/{orientation_id}": Rule(ok=HEALTH, method="PATCH", data=lambda w: {
        "version": w.orientation.version
    }),
    "GET /rights-applications": Rule(ok=SIGNED_IN),
    "POST /rights-applications": Rule(ok=PROFESSIONS, method="POST", data=lambda w: {
        "person": w.person.pk, "kind": "ame"
    }, note="administrative"),
    "GET /rights-applications/{application_id}": Rule(ok=PROFESSIONS),
    "PATCH /rights-applications/{application_id}": Rule(ok=PROFESSIONS, method="PATCH", data=lambda w: {
        "version": w.rights_application.version
    }),
    "GET /collective-actions": Rule(ok=SIGNED_IN),
    "POST /collective-actions": Rule(ok=PROFESSIONS, method="POST", data=lambda w: {
        "service": w.service_a.pk, "occurred_on": TODAY, "kind": "training", "title": "Formation",
        "audience": "partner_staff",
    }),
    "GET /collective-actions/{action_id}": Rule(ok=PROFESSIONS),
    # Indicators: members read their services' figures, heads submit and budget; funders read the
    # disclosure-controlled regional view and the submissions of their territory.
    "GET /indicators": Rule(ok=PROFESSIONS + FUNDER, query=lambda w: f"scope=service&id={w.service_a.pk}"),
    "GET /indicators/definitions": Rule(ok=SIGNED_IN),
    "GET /indicators/needs": Rule(ok=FUNDER + REGULATOR, query=lambda w: f"year={datetime.date.today().year - 1}"),
    "GET /indicators/export": Rule(ok=PROFESSIONS + FUNDER, query=lambda w: f"scope=service&id={w.service_a.pk}"),
    "GET /services/{service_id}/capacity": Rule(ok=PROFESSIONS),
    "GET /submissions": Rule(ok=SIGNED_IN, note="those one may read: empty for most"),
    "POST /submissions": Rule(ok=HEAD, method="POST", data=lambda w: {
        "service": w.service_a.pk, "from": "2025-01-01", "to": "2025-12-31"
    }),
    "GET /submissions/{submission_id}": Rule(ok=PROFESSIONS + FUNDER),
    "GET /budgets": Rule(ok=PROFESSIONS, query=lambda w: f"service={w.service_a.pk}&year=2025"),
    "PUT /budgets": Rule(ok=HEAD, method="PUT", data=lambda w: {
        "service": w.service_a.pk, "year": 2025, "funder": "state", "amount": "1000"
    }),
    "POST /reports/{service_id}/{year}": Rule(ok=PROFESSIONS, method="POST"),
    "GET /reports/{service_id}/{year}": Rule(ok=PROFESSIONS),
    "GET /reports/{service_id}/{year}/file": Rule(ok=PROFESSIONS),
}

SCREEN_RULES |= {
    # Referrals
    "referrals:home": Rule(redirect=STAFF + PARTNER + REGULATOR, note="a funder has no referrals"),
    "referrals:inbox": Rule(ok=STAFF),
    "referrals:intake": Rule(ok=STAFF),
    "referrals:candidates": Rule(method="POST", ok=STAFF, note="as POST /referrals/duplicates"),
    "referrals:detail": Rule(ok=PROFESSIONS, note="the partner follows its referrals on partner_list"),
    "referrals:decide": Rule(method="POST", invalid=PROFESSIONS, note="the form is empty"),
    "referrals:attachment": Rule(ok=HEALTH),
    "referrals:merge_pick": Rule(ok=PROFESSIONS, note="needs the administrative compartment of the person"),
    "referrals:merge": Rule(ok=PROFESSIONS, note="both records seen with their administrative compartment"),
    "referrals:duplicate_queue": Rule(ok=HEAD, note="the heads of service's review queue"),
    "referrals:duplicate_different": Rule(method="POST", redirect=HEAD),
    "referrals:committee": Rule(note="service A has no orientation committee"),
    "referrals:partner_list": Rule(ok=PARTNER),
    "referrals:partner_new": Rule(ok=PARTNER),
    "referrals:public": Rule(ok=ROLES),
    "referrals:regulation": Rule(ok=REGULATOR),
    "referrals:regulation_detail": Rule(ok=REGULATOR, params={"referral_id": lambda w: w.unrouted.pk}),
    # Follow-up cycle
    "followups:detail": Rule(ok=PROFESSIONS),
    "followups:transition": Rule(method="POST", invalid=PROFESSIONS, note="no target step given"),
    "followups:lighten": Rule(method="POST", redirect=PROFESSIONS),
    "followups:assessment_add": Rule(ok=PROFESSIONS, note="each item is checked against its compartment"),
    "followups:health_check_add": Rule(ok=HEALTH),
    "followups:plan_add": Rule(ok=SOCIAL_TEAM),
    "followups:objective_add": Rule(ok=SOCIAL_TEAM),
    "followups:objective_edit": Rule(ok=SOCIAL_TEAM),
    "followups:evaluation_add": Rule(method="POST", invalid=SOCIAL_TEAM, note="the form is empty"),
    # Encounters
    "encounters:index": Rule(ok=SIGNED_IN),
    "encounters:encounter_create": Rule(ok=SOCIAL_TEAM + OUTSIDER, redirect=HEAD + NON_TEAM),
    "encounters:street_round": Rule(ok=SOCIAL_TEAM + OUTSIDER, redirect=HEAD + NON_TEAM),
    "encounters:act_row": Rule(method="POST", ok=SIGNED_IN, note=FRAGMENT),
    "encounters:person_pick": Rule(method="POST", ok=SIGNED_IN, data=lambda w: {"q": "Mina"}, note=FRAGMENT),
    "encounters:person_row": Rule(method="POST", ok=SOCIAL_TEAM, data=lambda w: {"person": w.person.pk}),
    "encounters:new_person_row": Rule(method="POST", ok=SIGNED_IN, note=FRAGMENT),
    "encounters:orientations": Rule(ok=SIGNED_IN),
    "encounters:orientation": Rule(ok=HEALTH),
    "encounters:orientation_create": Rule(ok=PROFESSIONS, note="saving checks the compartment of the target"),
    "encounters:rights": Rule(ok=SIGNED_IN),
    "encounters:rights_application": Rule(ok=PROFESSIONS),
    "encounters:rights_create": Rule(ok=PROFESSIONS),
    "encounters:collective_actions": Rule(ok=SIGNED_IN),
    "field:app": Rule(ok=SIGNED_IN, note="the app shell: no personal data"),
    "field:service_worker": Rule(ok=ROLES, note="public: the service worker script"),
    "field:manifest": Rule(ok=ROLES, note="public: the web app manifest"),
    # Indicators
    "indicators:home": Rule(ok=STAFF + PARTNER + REGULATOR, redirect=FUNDER, note="funders are sent to their view"),
    "indicators:service": Rule(ok=PROFESSIONS),
    "indicators:operator": Rule(ok=HEAD),
    "indicators:funder": Rule(ok=FUNDER),
    "indicators:funder_table": Rule(ok=FUNDER, note="one indicator of the funder's page, service by service"),
    "indicators:needs": Rule(ok=FUNDER + REGULATOR, note="needs against responses of their territory (#18)"),
    "indicators:export": Rule(ok=PROFESSIONS + FUNDER, note="a funder gets the regional view, whatever the scope"),
    "indicators:submit": Rule(
        method="POST", redirect=HEAD, data=lambda w: {"start": "2025-01-01", "end": "2025-12-31"}),
    "indicators:budget": Rule(ok=PROFESSIONS),
    "indicators:report": Rule(ok=PROFESSIONS),
    "indicators:report_preview": Rule(ok=PROFESSIONS),
    "indicators:report_generate": Rule(method="POST", ok=PROFESSIONS),
    "indicators:report_status": Rule(ok=PROFESSIONS),
    "indicators:report_file": Rule(ok=PROFESSIONS),
}

# Consent to sharing and emergency access (issue #6, aupres.sharing)
SCREEN_RULES |= {
    "sharing:consent_add": Rule(ok=SOCIAL_TEAM, note="the following team, not its head (administrative only)"),
    "sharing:consent_withdraw": Rule(ok=PROFESSIONS, note="the confirmation page; service A shares"),
    "sharing:emergency": Rule(ok=HEALTH + OUTSIDER, note="health professionals only"),
    "sharing:notifications": Rule(ok=SIGNED_IN, note="a head's notifications, everyone's own accesses"),
    "sharing:notifications_read": Rule(method="POST", redirect=HEAD),
}
EMERGENCY_REASON = "Personne inconsciente aux urgences, besoin des traitements"
API_RULES |= {
    "GET /persons/{person_id}/consents": Rule(ok=PROFESSIONS),
    "POST /persons/{person_id}/consents": Rule(method="POST", ok=SOCIAL_TEAM, data=lambda w: {
        "scope": "social", "given_on": TODAY, "given_how": "oral", "to_service": w.service_b.pk}),
    "POST /consents/{consent_id}/withdraw": Rule(method="POST", ok=PROFESSIONS, data=lambda w: {}),
    "POST /emergency-access": Rule(method="POST", ok=OUTSIDER, invalid=HEALTH,
                                   data=lambda w: {"reason": EMERGENCY_REASON, "person": w.person.pk},
                                   note="A's health professionals already follow the person (409)"),
    "GET /emergency-access": Rule(ok=SIGNED_IN),
}

# Places and stays (issue #14, aupres.places)
def w_last_year():
    return datetime.date.today().year - 1


SCREEN_RULES |= {
    "places:index": Rule(ok=STAFF + PARTNER + FUNDER, redirect=REGULATOR, note="regulators go to the regional view"),
    "places:board": Rule(ok=PROFESSIONS),
    "places:place_new": Rule(ok=HEAD),
    "places:admit": Rule(ok=PROFESSIONS),
    "places:place_calendar": Rule(ok=PROFESSIONS),
    "places:place_edit": Rule(ok=HEAD),
    "places:stay": Rule(ok=PROFESSIONS),
    "places:stay_action": Rule(method="POST", invalid=PROFESSIONS, params={"action": lambda w: "extend"},
                               note="an empty form: refused on its content"),
    "places:regional": Rule(ok=REGULATOR),
    "places:regional_over_time": Rule(ok=REGULATOR),
    "places:attendance": Rule(ok=PROFESSIONS, note="service A keeps no register: the page says so"),
    "places:park": Rule(ok=HEAD, note="the housing park: heads of the using service and the property role"),
    "places:apartment_new": Rule(ok=HEAD),
    "places:apartment": Rule(ok=HEAD),
    "places:photo": Rule(ok=HEAD),
    "places:apartment_edit": Rule(ok=HEAD),
    "places:incident_edit": Rule(ok=HEAD),
    "places:property_roles": Rule(ok=HEAD, note="heads of service grant their operator's property role"),
}
API_RULES |= {
    "GET /places": Rule(ok=PROFESSIONS, query=lambda w: f"service={w.service_a.pk}"),
    "POST /places": Rule(method="POST", ok=HEAD, data=lambda w: {"service": w.service_a.pk, "label": "Lit X",
                                                                 "kind": "bed"}),
    "PATCH /places/{place_id}": Rule(method="PATCH", ok=HEAD, data=lambda w: {"version": 1, "label": "Lit Y"}),
    "POST /places/{place_id}/out-of-service": Rule(method="POST", invalid=HEAD, data=lambda w: {
        "start_date": IN_90_DAYS, "reason": "works"}, note="someone stays there: 409"),
    "GET /services/{service_id}/occupancy": Rule(ok=PROFESSIONS),
    "POST /stays": Rule(method="POST", invalid=PROFESSIONS, data=lambda w: {
        "place": _matrix_stay(w).place_id, "person": w.person.pk}, note="already staying: 409"),
    "GET /stays/{stay_id}": Rule(ok=PROFESSIONS),
    "POST /stays/{stay_id}/extend": Rule(method="POST", ok=PROFESSIONS, data=lambda w: {
        "version": 1, "new_end": IN_90_DAYS, "reason": "Soins"}),
    "POST /stays/{stay_id}/transfer": Rule(method="POST", invalid=PROFESSIONS, data=lambda w: {
        "version": 1, "to_place": _matrix_stay(w).place_id}, note="to the same place: 400"),
    "POST /stays/{stay_id}/end": Rule(method="POST", ok=PROFESSIONS, data=lambda w: {
        "version": 1, "exit_reason": "oriented", "exit_destination": "lam"}),
    "GET /regional/free-places": Rule(ok=REGULATOR),
    "GET /regional/free-places/over-time": Rule(ok=REGULATOR, query=lambda w: f"year={w_last_year()}"),
    "GET /services/{service_id}/attendance": Rule(ok=PROFESSIONS),
    "GET /park/apartments": Rule(ok=HEAD),
    "POST /park/apartments": Rule(method="POST", ok=HEAD, data=lambda w: {
        "label": "Appt X", "address": "1 rue X", "service": w.service_a.pk}),
    "GET /park/apartments/{apartment_id}": Rule(ok=HEAD),
    "POST /park/apartments/{apartment_id}/incidents": Rule(method="POST", ok=HEAD, data=lambda w: {
        "kind": "water_damage", "occurred_on": TODAY, "cost": "120.50"}),
    "PATCH /park/incidents/{incident_id}": Rule(method="PATCH", ok=HEAD, data=lambda w: {
        "version": 1, "status": "closed"}),
    "POST /park/apartments/{apartment_id}/inventories": Rule(method="POST", ok=HEAD, data=lambda w: {
        "kind": "check_out", "done_on": TODAY, "rooms": [{"room": "Cuisine", "condition": "usé"}]}),
    "POST /park/inventories/{inventory_id}/photos": Rule(method="POST", ok=HEAD, multipart=True, data=lambda w: {
        "photo": SimpleUploadedFile("p.png", PNG, content_type="image/png")}),
    "POST /services/{service_id}/attendance": Rule(method="POST", invalid=PROFESSIONS, data=lambda w: {
        "person": w.person.pk}, note="service A is not a day service: 400"),
    "POST /referrals/{referral_id}/route-to-place": Rule(
        method="POST", invalid=REGULATOR, params={"referral_id": lambda w: w.unrouted.pk},
        data=lambda w: {"version": 1, "place": _matrix_stay(w).place_id}, note="the bed is taken: 409"),
}

# The care record (issue #20, aupres.care): the health compartment only; ward screens for the services where
# one holds health (the outsider, a doctor of service B, has its own ward list, nothing of service A).
SCREEN_RULES |= {
    "care:home": Rule(ok=HEALTH + OUTSIDER, note="the wards of one's own services"),
    "care:ward": Rule(ok=HEALTH),
    "care:figures": Rule(ok=HEALTH, note="health figures: health readers of the service only"),
    "care:person": Rule(ok=HEALTH),
    "care:condition_add": Rule(method="POST", redirect=HEALTH, data=lambda w: {"code": "E11.9", "status": "active"}),
    "care:prescription_add": Rule(ok=HEALTH),
    "care:transmission_add": Rule(method="POST", redirect=HEALTH, data=lambda w: {
        "target": "Douleur", "data": "Se plaint", "shift": "morning"}),
    "care:pain_add": Rule(method="POST", redirect=HEALTH, data=lambda w: {"pain": "3"}),
    "care:scale_add": Rule(ok=HEALTH),
    "care:stay_reason_add": Rule(ok=HEALTH),
    "care:care_prescription_add": Rule(ok=HEALTH),
    "care:contact_add": Rule(ok=HEALTH),
    "care:dose": Rule(method="POST", redirect=HEALTH, data=lambda w: {
        "due_on": TODAY, "due_time": "08:00", "status": "given"}),
    "care:fhir_export": Rule(method="POST", ok=HEALTH, data=lambda w: {},
                             note="FHIR R4 bundle of the health compartment (issue #17, D51): health readers only"),
    # Letters (issue #17, D51): the following team generates; the head of service edits the service's templates.
    "letters:person": Rule(ok=PROFESSIONS),
    "letters:generate": Rule(method="POST", ok=PROFESSIONS, data=lambda w: {"template": _matrix_letter_template(w).pk},
                             note="a PDF from the service's template"),
    "letters:templates": Rule(ok=PROFESSIONS, note="members of the service read its templates"),
    "letters:template_add": Rule(ok=HEAD),
    "letters:template_edit": Rule(ok=HEAD),
    "care:condition_edit": Rule(ok=HEALTH, note="service A recorded it: its health professionals change it"),
    "care:prescription_stop": Rule(ok=HEALTH),
    "care:icd10_search": Rule(method="POST", ok=HEALTH + OUTSIDER, data=lambda w: {"q": "diabète"},
                              note="the ICD-10 catalogue, for those who hold health somewhere: nothing personal"),
}
API_RULES |= {
    "POST /care/icd10/search": Rule(method="POST", ok=HEALTH + OUTSIDER, data=lambda w: {"text": "diabetes"}),
    "GET /care/scales": Rule(ok=SIGNED_IN, note="the scales' definitions, no personal data"),
    "GET /persons/{person_id}/care": Rule(ok=HEALTH),
    "GET /services/{service_id}/letter-templates": Rule(ok=PROFESSIONS),
    "POST /services/{service_id}/letter-templates": Rule(method="POST", ok=HEAD, data=lambda w: {
        "title": "Demande d'admission", "kind": "admission_request", "body": "Bonjour {{ person.first_name }}"}),
    "PATCH /letter-templates/{letter_template_id}": Rule(method="PATCH", ok=HEAD, data=lambda w: {
        "title": "Lettre", "kind": "referral_letter", "body": "{{ person.last_name }}",
        "version": _matrix_letter_template(w).version}),
    "POST /persons/{person_id}/letters": Rule(method="POST", ok=PROFESSIONS, data=lambda w: {
        "template": _matrix_letter_template(w).pk}),
    "GET /persons/{person_id}/fhir": Rule(ok=HEALTH, note="FHIR R4 bundle of the health compartment (D51)"),
    "POST /persons/{person_id}/conditions": Rule(method="POST", ok=HEALTH, data=lambda w: {"code": "B20"}),
    "PATCH /conditions/{condition_id}": Rule(method="PATCH", ok=HEALTH, data=lambda w: {
        "version": 1, "status": "stabilised"}),
    "POST /persons/{person_id}/stay-reasons": Rule(
        method="POST", invalid=HEALTH, data=lambda w: {"followup": w.followup.pk, "code": "Z48.0"},
        note="service A (LHSS mobile) has no beds: not a residential stay"),
    "POST /persons/{person_id}/prescriptions": Rule(method="POST", ok=HEALTH, data=lambda w: {
        "drug": "Amoxicilline", "dose": "1 g", "times": ["08:00", "20:00"], "starts_on": TODAY,
        "prescriber": "Dr Roux"}),
    "POST /prescriptions/{prescription_id}/stop": Rule(method="POST", ok=HEALTH, data=lambda w: {
        "version": 1, "ends_on": TODAY}),
    "POST /prescriptions/{prescription_id}/doses": Rule(method="POST", ok=HEALTH, data=lambda w: {
        "due_on": TODAY, "due_time": "08:00", "status": "given"}),
    "POST /persons/{person_id}/transmissions": Rule(method="POST", ok=HEALTH, data=lambda w: {
        "target": "Plaie", "data": "Suintante", "actions": "Pansement"}),
    "POST /persons/{person_id}/scales": Rule(method="POST", ok=HEALTH, data=lambda w: {
        "scale": "pain_nrs", "answers": {"pain": 4}}),
    "POST /persons/{person_id}/care-prescriptions": Rule(method="POST", ok=HEALTH, data=lambda w: {
        "followup": w.followup.pk, "prescribed_on": TODAY, "starts_on": TODAY, "ends_on": IN_90_DAYS,
        "prescriber": "Dr Roux"}),
    "POST /persons/{person_id}/care-contacts": Rule(method="POST", ok=HEALTH, data=lambda w: {
        "kind": "general_practitioner", "name": "Dr Lefort", "phone": "0320000000"}),
    "GET /care/wards/{service_id}/chart": Rule(ok=HEALTH),
    "GET /care/wards/{service_id}/alerts": Rule(ok=HEALTH),
    "GET /care/indicators": Rule(ok=HEALTH, query=lambda w: f"service={w.service_a.pk}",
                                 note="never for non-health readers (care/tests/test_indicators.py)"),
}


def _matrix_import(w, name):
    """An import into service A (issue #17), one per route that changes its state: `uploaded` (to map),
    `checked` (clean dry run, to import), `done` (to undo, nothing created)."""
    from aupres.imports.models import ImportBatch

    status = {"uploaded": "uploaded", "mapped": "uploaded", "checked": "checked", "run": "checked",
              "done": "done", "undone": "done"}[name]
    report = {} if status == "uploaded" else {
        "rows": 1, "errors": [], "error_count": 0, "duplicates": [],
        "create": {"persons": 1, "followups": 1, "exits": 0, "households": 0, "members": 0}}
    batch, _created = ImportBatch.objects.get_or_create(
        service=w.service_a, filename=f"matrice-{name}.csv", defaults={
            "headers": ["Nom", "Prénom"], "rows": [["Matrice", "Import"]], "row_count": 1, "shape": name,
            "mapping": {"Nom": "last_name", "Prénom": "first_name"}, "status": status, "report": report,
            "finished_at": datetime.datetime.now(datetime.UTC) if status == "done" else None})
    return batch


# The import of spreadsheets (issue #17): heads of the service only; another operator's head (outsider_head,
# imports/tests) is refused like every other role here.
SCREEN_RULES |= {
    "imports:index": Rule(ok=HEAD),
    "imports:mapping": Rule(ok=HEAD, params={"batch_id": lambda w: _matrix_import(w, "uploaded").pk}),
    "imports:batch": Rule(ok=HEAD),
    "imports:status": Rule(ok=HEAD),
    "imports:run": Rule(method="POST", redirect=HEAD, params={"batch_id": lambda w: _matrix_import(w, "run").pk}),
    "imports:undo": Rule(method="POST", redirect=HEAD, params={"batch_id": lambda w: _matrix_import(w, "done").pk}),
}
API_RULES |= {
    "POST /imports": Rule(method="POST", ok=HEAD, multipart=True, data=lambda w: {
        "service": w.service_a.pk,
        "file": SimpleUploadedFile("suivis.csv", "Nom;Prénom\nDurand;Paul\n".encode())}),
    "GET /imports/{batch_id}": Rule(ok=HEAD),
    "PUT /imports/{batch_id}/mapping": Rule(
        method="PUT", ok=HEAD, params={"batch_id": lambda w: _matrix_import(w, "mapped").pk},
        data=lambda w: {"mapping": {"Nom": "last_name", "Prénom": "first_name"}}),
    "POST /imports/{batch_id}/run": Rule(method="POST", ok=HEAD,
                                         params={"batch_id": lambda w: _matrix_import(w, "checked").pk}),
    "POST /imports/{batch_id}/undo": Rule(method="POST", ok=HEAD,
                                          params={"batch_id": lambda w: _matrix_import(w, "undone").pk}),
}

# Calls for projects and funding (issue #18, aupres.calls): funders of the territory and heads of service of the
# applying operator; an operator never reads another's application (calls/tests/test_calls.py).
SCREEN_RULES |= {
    "calls:index": Rule(ok=HEAD + FUNDER),
    "calls:steering": Rule(ok=FUNDER),
    "calls:envelope_create": Rule(ok=FUNDER),
    "calls:call_create": Rule(ok=FUNDER),
    "calls:call_detail": Rule(ok=HEAD + FUNDER, note="a call is public to operators; their applications are not"),
    "calls:letter": Rule(ok=HEAD),
    "calls:proposal": Rule(ok=HEAD + FUNDER, note="the applicant's heads and the call's funder"),
}
API_RULES |= {
    "GET /envelopes": Rule(ok=SIGNED_IN, note="empty but for the funder"),
    "POST /envelopes": Rule(method="POST", ok=FUNDER, data=lambda w: {"measure": "M", "year": 2026, "amount": "10"}),
    "GET /calls": Rule(ok=SIGNED_IN, note="empty but for funders and heads of service"),
    "GET /calls/{call_id}": Rule(ok=HEAD + FUNDER),
    "POST /calls": Rule(method="POST", ok=FUNDER, data=lambda w: {
        "title": "Appel", "envelope": _matrix_call(w).envelope_id, "kinds": ["emsp"], "territories": [w.territory.pk],
        "letter_deadline": TODAY, "application_deadline": IN_90_DAYS}),
    "GET /proposals": Rule(ok=SIGNED_IN, note="empty but for the applicant's heads and the call's funder"),
    "GET /proposals/{proposal_id}": Rule(ok=HEAD + FUNDER),
    "POST /calls/{call_id}/proposals": Rule(method="POST", ok=HEAD, data=lambda w: _proposal_body(
        w, kind="lhss_mobile", operator=w.operator.pk)),
    "PUT /proposals/{proposal_id}/application": Rule(method="PUT", ok=HEAD, data=lambda w: _proposal_body(
        w, version=_matrix_proposal(w).version)),
    "POST /proposals/{proposal_id}/decision": Rule(method="POST", ok=FUNDER, data=lambda w: {
        "version": _matrix_proposal(w).version, "accept": False, "refusal_reason": "Hors périmètre"}),
    "GET /steering": Rule(ok=FUNDER),
    "GET /proposals/{proposal_id}/questions": Rule(ok=HEAD + FUNDER),
    "GET /proposals/{proposal_id}/history": Rule(ok=HEAD + FUNDER),
    "POST /proposals/{proposal_id}/questions": Rule(
        method="POST", invalid=FUNDER, data=lambda w: {"question": "Quelle équipe ?"},
        note="the call's funder only; the matrix's proposal is a letter of intent, not open to questions"),
    "PUT /proposals/{proposal_id}/questions/{question_id}/answer": Rule(
        method="PUT", invalid=HEAD, data=lambda w: {"answer": "Le Nord"},
        note="the applicant's heads only; the matrix's proposal is a letter, with no question waiting"),
}

# The partnerships register (issue #18, aupres.partnerships): the service's team reads it, the operator's heads
# keep it (partnerships/tests/test_partnerships.py).
SCREEN_RULES |= {
    "partnerships:register": Rule(ok=PROFESSIONS, note="saving: heads of the operator only"),
    "partnerships:document": Rule(ok=PROFESSIONS),
    "partnerships:partnership": Rule(ok=PROFESSIONS, note="changing or ending it: heads of the operator only"),
    "partnerships:register_pdf": Rule(ok=PROFESSIONS),
}
API_RULES |= {
    "GET /services/{service_id}/partnerships": Rule(ok=PROFESSIONS),
    "POST /services/{service_id}/partnerships": Rule(method="POST", ok=HEAD, data=lambda w: {
        "partner": "DAC", "kind": "dac", "status": "planned"}),
    "GET /partnerships/{partnership_id}": Rule(ok=PROFESSIONS),
    "PUT /partnerships/{partnership_id}": Rule(method="PUT", ok=HEAD, data=lambda w: {
        "partner": "DAC matrice", "kind": "dac", "status": "written", "signed_on": TODAY,
        "version": _matrix_partnership(w).version}),
    "POST /partnerships/{partnership_id}/end": Rule(method="POST", ok=HEAD, data=lambda w: {
        "ends_on": TODAY, "end_reason": "Convention dénoncée", "version": _matrix_partnership(w).version}),
    "GET /services/{service_id}/partnerships.pdf": Rule(ok=PROFESSIONS),
}

# The quality approach of a service (issue #18, aupres.quality, D50): the head of the service keeps it (and the
# operator administrators, superusers, not a role here); the funder of the territory reads the summary of the
# imperative criteria only; the referential is read by every account and edited by administrators only
# (quality/tests/test_screens.py).
SCREEN_RULES |= {
    "quality:index": Rule(ok=HEAD + FUNDER, note="the funder: the services of its territories' summaries"),
    "quality:referential": Rule(ok=SIGNED_IN),
    "quality:criterion_edit": Rule(note="operator administrators only"),
    "quality:axis_edit": Rule(note="operator administrators only (the matrix's axis is a shared one)"),
    "quality:operator_referential": Rule(ok=HEAD, note="the operator's administrators: its heads of service"),
    "quality:wording_edit": Rule(ok=HEAD, note="the operator's administrators: its heads of service"),
    "quality:assessment": Rule(ok=HEAD),
    "quality:assess": Rule(ok=HEAD),
    "quality:summary": Rule(ok=HEAD + FUNDER),
    "quality:participation": Rule(ok=HEAD),
    "quality:plan": Rule(ok=HEAD),
    "quality:action": Rule(ok=HEAD),
    "quality:events": Rule(ok=HEAD),
    "quality:event": Rule(ok=HEAD),
    "quality:declaration": Rule(ok=HEAD, note="a PDF without any person's name"),
}
API_RULES |= {
    "GET /quality/referential": Rule(ok=SIGNED_IN),
    "PUT /quality/criteria/{criterion_id}": Rule(method="PUT", note="operator administrators only",
                                                 data=lambda w: {"title": "Texte", "version": 1}),
    "PUT /quality/axes/{axis_id}": Rule(method="PUT", note="operator administrators only",
                                        data=lambda w: {"title": "Accueil", "criteria": ["4.3"], "version": 1}),
    "GET /quality/operators/{operator_id}/criteria": Rule(ok=HEAD, note="the operator's administrators"),
    "PUT /quality/operators/{operator_id}/criteria/{criterion_id}": Rule(
        method="PUT", ok=HEAD, note="the operator's administrators",
        data=lambda w: {"title": "Texte de l'opérateur", "version": 0}),
    "POST /quality/operators/{operator_id}/axes": Rule(method="POST", ok=HEAD, note="the operator's administrators",
                                                       data=lambda w: {"title": "Aller vers", "criteria": ["4.3"]}),
    "GET /quality/services/{service_id}/axes/{year}": Rule(ok=HEAD),
    "GET /quality/services/{service_id}/assessments/{year}": Rule(ok=HEAD),
    "PUT /quality/services/{service_id}/assessments/{year}/{criterion_id}": Rule(
        method="PUT", ok=HEAD, data=lambda w: {"level": "partly_met", "comment": "À formaliser"}),
    "GET /quality/services/{service_id}/summary/{year}": Rule(ok=HEAD + FUNDER),
    "GET /quality/services/{service_id}/actions": Rule(ok=HEAD),
    "POST /quality/services/{service_id}/actions": Rule(method="POST", ok=HEAD, data=lambda w: {
        "title": "Livret d'accueil", "owner": "Cheffe", "due_on": IN_90_DAYS}),
    "PATCH /quality/actions/{quality_action_id}": Rule(method="PATCH", ok=HEAD, data=lambda w: {
        "version": _matrix_quality_action(w).version, "status": "in_progress"}),
    "GET /quality/services/{service_id}/events": Rule(ok=HEAD),
    "POST /quality/services/{service_id}/events": Rule(method="POST", ok=HEAD, data=lambda w: {
        "kind": "other", "occurred_on": TODAY, "what": "Panne"}),
    "PATCH /quality/events/{event_id}": Rule(method="PATCH", ok=HEAD, data=lambda w: {
        "version": _matrix_adverse_event(w).version, "informed": "ARS"}),
    "GET /quality/events/{event_id}/declaration": Rule(ok=HEAD, note="a PDF without any person's name"),
    "GET /quality/services/{service_id}/participation/{year}": Rule(ok=HEAD),
    "POST /quality/services/{service_id}/meetings": Rule(method="POST", ok=HEAD, data=lambda w: {
        "held_on": TODAY, "participants": 6, "topics": "Horaires"}),
}

# Routes whose rules are still to be written: a route that is neither here nor in the rules fails the suite.
PENDING = set()
