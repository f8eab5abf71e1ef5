"""Marker strings planted in every health, social and administrative field of two persons (issue #22).

`world.person` is followed by service A (every profession of the matrix is a member of A); `world.stranger`
is followed by service C only, where no matrix role works: no role may read any of the stranger's markers,
identity included, and a role reads world.person's markers only in the compartments the literal table of
expectations.py gives its profession. test_route_matrix.py searches every response of every route for
every role for the markers it may not read.

Which field belongs to which compartment is written here from DOMAIN.md §3–5 and docs/decisions.md D2, D8,
D31 (not read from the models); a model pointing to a person that is neither marked nor exempted below
fails test_every_person_field_is_marked_or_exempted, so that new personal data cannot escape the check.
"""

import datetime
import itertools
import re

from django.apps import apps
from django.db import models
from django.utils import timezone

from .expectations import ADMINISTRATIVE, HEALTH, READS, SOCIAL

ROW = "row"  # the row's own `compartment` column (notes, acts, orientations, objectives, grid items…)
IDENTITY = "identity"

# model label -> (path from the row to the person, {field: compartment or ROW})
MARKED = {
    "persons.Person": ("", {"alias": IDENTITY, "first_name": IDENTITY, "last_name": IDENTITY,
                            "birth_place": ADMINISTRATIVE, "nationality": ADMINISTRATIVE,
                            "phone": ADMINISTRATIVE, "languages": SOCIAL}),
    "persons.MedicalProfile": ("person", dict.fromkeys(
        ["general_practitioner", "allergies", "chronic_conditions", "current_treatments"], HEALTH)),
    "persons.LivingSituation": ("person", {"place": SOCIAL}),
    "persons.RightStatus": ("person", {"note": ADMINISTRATIVE}),
    "persons.Note": ("person", {"text": ROW}),
    "encounters.Act": ("person", {"details": ROW}),
    "encounters.Orientation": ("person", {"partner_name": ROW, "note": ROW}),
    "encounters.RightsApplication": ("person", {"note": ADMINISTRATIVE}),
    "followups.HealthCheck": ("followup__person", dict.fromkeys(
        ["reasons", "chronic_illnesses", "treatments", "vaccinations", "orientation_proposed", "notes"], HEALTH)),
    "followups.AssessmentItem": ("assessment__followup__person", {"notes": ROW}),
    "followups.Plan": ("followup__person", {"person_words": SOCIAL}),
    "followups.Objective": ("followup__person", {"title": ROW, "actions": ROW}),
    "followups.FollowUpTransition": ("followup__person", {"note": ADMINISTRATIVE}),
    "care.Condition": ("person", {"note": HEALTH}),
    "care.Prescription": ("person", dict.fromkeys(["drug", "dose", "prescriber", "notes"], HEALTH)),
    "care.Transmission": ("person", dict.fromkeys(["target", "data", "actions", "results"], HEALTH)),
    "care.CareContact": ("person", dict.fromkeys(["name", "speciality", "phone", "notes"], HEALTH)),
    "customfields.CustomValue": ("person", {"value_text": ROW}),
    "referrals.Referral": ("person", {"health_description": HEALTH, "prescriber": HEALTH,
                                      "social_description": SOCIAL, "location": SOCIAL,
                                      "phone": ADMINISTRATIVE}),
}

# Free-text fields of models pointing to a person (or a follow-up) that carry no marker, and why.
EXEMPT = {
    "referrals.Referral": "referrer's fields (organisation, name, phone, e-mail) describe the partner, not the "
                          "person; identity and decision notes are read by the deciding team whole (D7)",
    "audit.RectificationEntry": "a copy of a rectified value, shown with its compartment on the rectification "
                                "log (audit/tests)",
    "sharing.SharingConsent": "the consent's own note and recipient (D12), not the person's record",
    "sharing.EmergencyAccess": "the reason is written for the heads' control and asks for no medical detail (D13)",
    "care.StayReason": "a coded value (ICD-10 code), no free text",
    "care.Administration": "no administration recorded in the matrix dataset (covered by care/tests)",
    "care.CarePrescription": "the prescriber only; covered by care/tests",
    "followups.Evaluation": "no evaluation in the matrix dataset (covered by followups/tests/test_compartments)",
}

MARKER = re.compile(r"zq([hsai])(\d{4})q", re.IGNORECASE)
LETTER = {HEALTH: "h", SOCIAL: "s", ADMINISTRATIVE: "a", IDENTITY: "i"}
COMPARTMENT_OF_LETTER = {v: k for k, v in LETTER.items()}


def person_linked_models():
    """Labels of the models holding a free-text field and a foreign key to a person or a follow-up."""
    from aupres.followups.models import Assessment, FollowUp
    from aupres.persons.models import Person

    out = set()
    for model in apps.get_models():
        texts = [f for f in model._meta.concrete_fields
                 if isinstance(f, (models.CharField, models.TextField)) and not f.choices and f.editable]
        links = [f for f in model._meta.concrete_fields
                 if f.is_relation and f.related_model in (Person, FollowUp, Assessment)]
        if texts and (links or model is Person):
            out.add(model._meta.label)
    return out


def _rows_for(world, person, service, followup):
    """One row of each marked model for the person, where the dataset has none yet."""
    from aupres.care.models import CareContact, Condition, Prescription, Transmission
    from aupres.customfields.models import CustomValue, FieldDefinition
    from aupres.encounters.models import Act, Encounter, Orientation, RightsApplication
    from aupres.followups.models import Assessment, AssessmentItem, FollowUpTransition, HealthCheck, Objective, Plan
    from aupres.persons.models import LivingSituation, MedicalProfile, Note, RightStatus
    from aupres.referrals.models import Door, Referral, Source, Status

    today = timezone.localdate()
    MedicalProfile.objects.get_or_create(person=person)
    if not LivingSituation.objects.filter(person=person).exists():
        LivingSituation.objects.create(person=person, kind="street", started_on=datetime.date(2026, 1, 1))
    if not RightStatus.objects.filter(person=person).exists():
        RightStatus.objects.create(person=person, kind="health_cover", value="ame",
                                   started_on=datetime.date(2026, 1, 1))
    for comp in (HEALTH, SOCIAL, ADMINISTRATIVE):
        if not Note.objects.filter(person=person, compartment=comp).exists():
            Note.objects.create(person=person, service=service, compartment=comp, text="x")
    encounter = Encounter.objects.create(service=service, occurred_at=timezone.now(), place_kind="street",
                                         mode="visit")
    Act.objects.create(encounter=encounter, person=person, kind="wound_care")
    Act.objects.create(encounter=encounter, person=person, kind="social_interview")
    if not Orientation.objects.filter(person=person).exists():
        Orientation.objects.create(person=person, service=service, kind="orientation",
                                   target="general_practitioner", sent_on=today, status_on=today)
    if not RightsApplication.objects.filter(person=person).exists():
        RightsApplication.objects.create(person=person, service=service, kind="ame", status_on=today)
    HealthCheck.objects.create(followup=followup, done_on=today)
    assessment = Assessment.objects.create(followup=followup, assessed_on=today)
    for domain in ("somatic", "housing", "income"):
        AssessmentItem.objects.create(assessment=assessment, domain=domain, level="mild")
    if not Plan.objects.filter(followup=followup).exists():
        Plan.objects.create(followup=followup, agreed_on=today, review_due_on=today + datetime.timedelta(days=30))
    plan = Plan.objects.filter(followup=followup).first()
    Objective.objects.create(followup=followup, plan=plan, domain="health_care", title="x", due_on=today)
    if not Objective.objects.filter(followup=followup, domain="housing").exists():
        Objective.objects.create(followup=followup, plan=plan, domain="housing", title="x", due_on=today)
    FollowUpTransition.objects.create(followup=followup, from_state="intake", to_state="assessment", on=today)
    Condition.objects.get_or_create(person=person, service=service, code="E11.9", defaults={"group": "diabetes"})
    if not Prescription.objects.filter(person=person).exists():
        Prescription.objects.create(person=person, service=service, drug="x", dose="1 g", times=["08:00"],
                                    starts_on=today, prescriber="x")
    Transmission.objects.create(person=person, service=service, on=today, shift="morning", target="x")
    CareContact.objects.create(person=person, service=service, kind="general_practitioner", name="x")
    # The team's own fields (D56): a text field of each compartment on the person and on the follow-up.
    for target in ("person", "followup"):
        for comp in (HEALTH, SOCIAL, ADMINISTRATIVE):
            field, _created = FieldDefinition.objects.get_or_create(
                service=service, target=target, label=f"Champ {target} {comp}",
                defaults={"kind": "text", "compartment": comp})
            CustomValue.objects.get_or_create(field=field, service=service, compartment=comp, person=person,
                                              followup=followup if target == "followup" else None,
                                              defaults={"value_text": "x"})
    Referral.objects.create(service=service, person=person, door=Door.TEAM, source=Source.STREET_TEAM,
                            alias="x", needs=["health"], status=Status.ACCEPTED, followup=followup,
                            territory=world.territory)


def plant(world):
    """Create `world.stranger` (followed by service C only), give both persons one row of every marked
    model, and write a distinct marker in every marked field: world.markers = {marker: (person_id,
    compartment, "model.field")}."""
    from aupres.followups.models import FollowUp
    from aupres.persons.models import Person

    world.stranger = Person.objects.create(alias="Inconnu", first_name="Jean", last_name="Dupont")
    stranger_followup = FollowUp.objects.create(person=world.stranger, service=world.service_c,
                                                opened_on=datetime.date(2026, 1, 5))
    _rows_for(world, world.person, world.service_a, world.followup)
    _rows_for(world, world.stranger, world.service_c, stranger_followup)
    counter = itertools.count(1)
    world.markers = {}
    for label, (path, fields) in MARKED.items():
        model = apps.get_model(label)
        for person in (world.person, world.stranger):
            rows = model.objects.filter(pk=person.pk) if not path else model.objects.filter(**{path: person})
            assert rows.exists(), f"the matrix dataset has no {label} for {person}"
            for row in rows:
                values = {}
                for field, comp in fields.items():
                    if comp == IDENTITY and person is world.person:
                        continue  # the routes' data find world.person by its names
                    comp = row.compartment if comp == ROW else comp
                    marker = f"ZQ{LETTER[comp].upper()}{next(counter):04d}Q"
                    values[field] = marker
                    world.markers[marker.lower()] = (person.pk, comp, f"{label}.{field}")
                model.objects.filter(pk=row.pk).update(**values)
    return world


def readable(world, role):
    """The markers a role may find: world.person's, in the compartments of its profession (and identity,
    which is not planted on world.person)."""
    held = READS.get(role, frozenset())
    return {m for m, (pid, comp, _f) in world.markers.items() if pid == world.person.pk and comp in held}


def leaks(world, role, response, allowed=None):
    """Markers in the response that the role may not read: [(marker, what)]."""
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
        response.streaming_content = [body]
    else:
        body = response.content
    text = body.decode("utf-8", "replace").lower()
    allowed = readable(world, role) if allowed is None else allowed
    found = {m.group(0).lower() for m in MARKER.finditer(text)}
    return sorted((m, world.markers.get(m, ("?", "?", "unknown marker"))[2]) for m in found - allowed)
