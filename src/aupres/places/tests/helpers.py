"""A residential service with places, its head and nurse, and persons it follows."""

import datetime
from decimal import Decimal

from aupres.followups.models import FollowUp
from aupres.persons.models import Household, HouseholdMember, Person
from aupres.places.models import Place
from aupres.services.models import Membership, ServiceKind


class Residence:
    def __init__(self, world, kind="lhss_residential", name="LHSS Lille", confidential=False):
        self.world = world
        self.service = world.service(name, ServiceKind.objects.get(code=kind), world.operator)
        if confidential:
            self.service.confidential_location = True
            self.service.save()
        self.head = world.user(f"head_{self.service.pk}")
        self.nurse = world.user(f"nurse_{self.service.pk}")
        for user, profession in ((self.head, "head_of_service"), (self.nurse, "nurse")):
            Membership.objects.create(user=user, service=self.service, profession=profession, etp=Decimal("0.5"),
                                      start_date=datetime.date(2025, 1, 1))
        self.bed1 = Place.objects.create(service=self.service, label="Lit 1", kind="bed", address="1 rue du Lit")
        self.bed2 = Place.objects.create(service=self.service, label="Lit 2", kind="bed", wheelchair=True)
        self.shared = Place.objects.create(service=self.service, label="Appartement B", kind="shared_apartment",
                                           persons=3, family="singles")
        self.family = Place.objects.create(service=self.service, label="Unité famille", kind="family_unit",
                                           persons=4, family="families")

    def person(self, name, sex="male", followed=True):
        person = Person.objects.create(alias=name, sex=sex)
        if followed:
            FollowUp.objects.create(person=person, service=self.service, opened_on=datetime.date.today())
        return person

    def household(self, head, size):
        household = Household.objects.create(label=f"Famille {head.alias}")
        HouseholdMember.objects.create(household=household, person=head, role="head")
        for i in range(size - 1):
            child = Person.objects.create(alias=f"{head.alias} enfant {i}")
            HouseholdMember.objects.create(household=household, person=child, role="child")
        return household
