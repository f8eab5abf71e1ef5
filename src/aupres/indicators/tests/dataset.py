"""A small hand-built dataset over 2025 for services A and B (operator A) of the `world` fixture.
The expected counts are written in the tests, from the comments here."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from aupres.accounts.models import User
from aupres.encounters.models import (
    Act,
    CollectiveAction,
    Encounter,
    EncounterPerson,
    Orientation,
    RightsApplication,
    RightsStatusChange,
)
from aupres.followups.models import Evaluation, EvaluationResult, FollowUp, Objective, Plan
from aupres.indicators.models import ServiceYearBudget, StaffingEntry
from aupres.persons.models import LivingSituation, Person, RightStatus
from aupres.referrals.models import Referral
from aupres.services.models import Membership

PARIS = ZoneInfo("Europe/Paris")
D = datetime.date


def at(y, m, d, hh=10, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=PARIS)


class Dataset:
    def __init__(self, world):
        self.world = world
        a, b = world.service_a, world.service_b
        a.capacity = 10
        a.save()
        self.a, self.b = a, b
        P = Person.objects.create
        # P1 F 1990 (35 in 2025) asylum seeker: A since 2024-06-01 (open), B from 2025-03-01 (open)
        self.p1 = P(first_name="Ulrika", sex="female", birth_year=1990, administrative_situation="asylum_seeker")
        # P2 M 2010 (15): A 2025-02-01 → 2025-04-01, objectives reached, to ordinary housing (59 days)
        self.p2 = P(first_name="Dorotheo", sex="male", birth_year=2010)
        # P3 M estimated 30 on 2023-05-01 → born 1993 → 32: A from 2025-11-15
        self.p3 = P(first_name="Trifonia", sex="male", estimated_age=30, estimated_on=D(2023, 5, 1))
        # P4 unknown sex and age: A 2023 → closed 2024-12-31 (not in 2025)
        self.p4 = P(alias="Quadrivio")
        # P5 F 1960 (65): A from 2025-12-31
        self.p5 = P(first_name="Quintilia", sex="female", birth_year=1960)
        # P6 M 1980: A from 2026-01-01 (not in 2025)
        self.p6 = P(first_name="Sextus", sex="male", birth_year=1980)
        # P7 M 2000 (25): B 2025-05-01 → 2025-12-31, lost to follow-up
        self.p7 = P(first_name="Septimin", sex="male", birth_year=2000)
        F = FollowUp.objects.create
        self.f1a = F(person=self.p1, service=a, opened_on=D(2024, 6, 1))
        self.f1b = F(person=self.p1, service=b, opened_on=D(2025, 3, 1))
        self.f2 = F(person=self.p2, service=a, opened_on=D(2025, 2, 1), closed_on=D(2025, 4, 1), state="exit",
                    exit_reason="objectives_reached", exit_destination="ordinary_housing")
        self.f3 = F(person=self.p3, service=a, opened_on=D(2025, 11, 15))
        F(person=self.p4, service=a, opened_on=D(2023, 1, 1), closed_on=D(2024, 12, 31), state="exit",
          exit_reason="other")
        F(person=self.p5, service=a, opened_on=D(2025, 12, 31))
        F(person=self.p6, service=a, opened_on=D(2026, 1, 1))
        self.f7 = F(person=self.p7, service=b, opened_on=D(2025, 5, 1), closed_on=D(2025, 12, 31), state="exit",
                    exit_reason="lost_to_follow_up", exit_destination="unknown")
        # Living situations: P1 street 2024 then shelter 2025-06-01, own housing 2026 (after the period)
        LivingSituation.objects.create(person=self.p1, kind="street", started_on=D(2024, 1, 1))
        LivingSituation.objects.create(person=self.p1, kind="emergency_shelter", started_on=D(2025, 6, 1))
        LivingSituation.objects.create(person=self.p1, kind="own_housing", started_on=D(2026, 2, 1))
        # Health cover: P1 AME, P3 CSS, P5 PUMa only from 2026 (unknown at the end of 2025)
        RightStatus.objects.create(person=self.p1, kind="health_cover", value="ame", started_on=D(2024, 1, 1))
        RightStatus.objects.create(person=self.p3, kind="health_cover", value="css", started_on=D(2025, 12, 1))
        RightStatus.objects.create(person=self.p5, kind="health_cover", value="puma", started_on=D(2026, 1, 10))
        # Encounters of A in 2025: E1 street round (P1), E2 premises visit (P1, P2), E5 shelter visit (P3)
        # on 31 Dec 23:30 Paris time; E3 31 Dec 2024 23:30 and E4 1 Jan 2026 00:30 are outside.
        self.e1 = self.encounter(a, at(2025, 1, 10), "street", "street_round", [(self.p1, self.f1a)],
                                 ["nursing_care", "vaccination"], anonymous=2)
        self.e2 = self.encounter(a, at(2025, 3, 5), "premises", "visit", [(self.p2, self.f2), (self.p1, self.f1a)],
                                 ["social_interview", "health_check"])
        self.encounter(a, at(2024, 12, 31, 23, 30), "street", "street_round", [(self.p1, self.f1a)], ["first_aid"])
        self.encounter(a, at(2026, 1, 1, 0, 30), "street", "street_round", [(self.p1, self.f1a)], ["first_aid"])
        self.e5 = self.encounter(a, at(2025, 12, 31, 23, 30), "shelter", "visit", [(self.p3, self.f3)],
                                 ["screening"])
        # B: one phone call with P7
        self.encounter(b, at(2025, 6, 1), "phone", "phone", [(self.p7, self.f7)], ["social_interview"])
        # Referrals to A: R1 street team 2025-02-01 accepted (P2, first contact E2: 32 days);
        # R2 hospital 2025-12-30 accepted (P3, first contact E5: 1 day); R3 self declined; R5 street team
        # waiting; R4 2024 outside.
        R = Referral.objects.create
        R(door="team", source="street_team", service=a, received_at=at(2025, 2, 1), status="accepted",
          followup=self.f2, person=self.p2, alias="r1")
        R(door="team", source="hospital", service=a, received_at=at(2025, 12, 30), status="accepted",
          followup=self.f3, person=self.p3, alias="r2")
        R(door="team", source="self", service=a, received_at=at(2025, 5, 1), status="declined", alias="r3")
        R(door="team", source="self", service=a, received_at=at(2024, 12, 1), status="pending", alias="r4")
        R(door="team", source="street_team", service=a, received_at=at(2025, 7, 1), status="waiting", alias="r5")
        # Rights: P1 AME granted 2025-04-01 (counted), P3 CSS granted 2026-01-05 (not)
        for person, kind, granted in ((self.p1, "ame", D(2025, 4, 1)), (self.p3, "css", D(2026, 1, 5))):
            app = RightsApplication.objects.create(person=person, service=a, kind=kind, status="granted",
                                                   status_on=granted)
            RightsStatusChange.objects.create(application=app, status="filed", on=granted - datetime.timedelta(30))
            RightsStatusChange.objects.create(application=app, status="granted", on=granted)
        # Orientations of A: admission request accepted; orientation honoured; orientation not honoured;
        # one in 2024 (outside)
        orient = Orientation.objects.create
        orient(person=self.p1, service=a, kind="admission_request", target="lhss", status="accepted",
          sent_on=D(2025, 5, 1), status_on=D(2025, 5, 20))
        orient(person=self.p2, service=a, kind="orientation", target="pass", status="honoured",
          sent_on=D(2025, 2, 15), status_on=D(2025, 2, 20))
        orient(person=self.p3, service=a, kind="orientation", target="shelter", status="not_honoured",
          sent_on=D(2025, 12, 1), status_on=D(2025, 12, 10))
        orient(person=self.p1, service=a, kind="orientation", target="shelter", status="honoured",
          sent_on=D(2024, 12, 1), status_on=D(2024, 12, 10))
        # Evaluation of P1 at A on 2025-09-01: one objective reached, one partly reached
        plan = Plan.objects.create(followup=self.f1a, agreed_on=D(2025, 1, 15), review_due_on=D(2025, 9, 1))
        results = []
        for title, result in (("Soins", "reached"), ("Logement", "partly_reached")):
            obj = Objective.objects.create(followup=self.f1a, plan=plan, domain="housing", title=title,
                                           due_on=D(2025, 9, 1))
            results.append((obj, result))
        ev = Evaluation.objects.create(followup=self.f1a, evaluated_on=D(2025, 9, 1), satisfaction="satisfied")
        for obj, result in results:
            EvaluationResult.objects.create(evaluation=ev, objective=obj, compartment="social", result=result)
        # Collective actions of A: a training (12 trained), a screening campaign (30 participants,
        # 25 screenings, 3 vaccinations); one in 2024 outside.
        C = CollectiveAction.objects.create
        C(service=a, occurred_on=D(2025, 3, 10), kind="training", title="Formation", audience="partner_staff",
          participants=12, persons_trained=12)
        C(service=a, occurred_on=D(2025, 10, 1), kind="screening_campaign", title="Dépistage", audience="public",
          participants=30, screenings=25, vaccinations=3)
        C(service=a, occurred_on=D(2024, 10, 1), kind="workshop", title="Atelier", audience="public",
          participants=9)
        # Staffing of A: the world's members (one per profession, 0.5 ETP since 2025-01-01), plus a nurse
        # at 1.0 ETP from 2025-07-01 (184/365 of the year), plus a manual driver entry of 0.3 for 2025.
        extra = User.objects.create_user(username="nurse2", password="x" * 16)  # noqa: S106
        Membership.objects.create(user=extra, service=a, profession="nurse", etp=Decimal("1.00"),
                                  start_date=D(2025, 7, 1))
        StaffingEntry.objects.create(service=a, year=2025, profession="driver", etp=Decimal("0.30"))
        # Budget of A: 2025 ARS 300 000 + département 50 000; 2024 state 999 (outside)
        ServiceYearBudget.objects.create(service=a, year=2025, funder="health_agency", amount=Decimal("300000"))
        ServiceYearBudget.objects.create(service=a, year=2025, funder="departement", amount=Decimal("50000"))
        ServiceYearBudget.objects.create(service=a, year=2024, funder="state", amount=Decimal("999"))

    def encounter(self, service, when, place, mode, people, acts, anonymous=0):
        enc = Encounter.objects.create(service=service, occurred_at=when, place_kind=place, mode=mode,
                                       anonymous_contacts=anonymous)
        for person, followup in people:
            EncounterPerson.objects.create(encounter=enc, person=person, followup=followup, service=service,
                                           occurred_at=when)
        for i, kind in enumerate(acts):
            Act.objects.create(encounter=enc, person=people[min(i, len(people) - 1)][0], kind=kind)
        return enc
