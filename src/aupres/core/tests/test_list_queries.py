"""Every list screen and listing endpoint costs the same number of queries for a few rows or many (no N+1),
and a listing of persons is one journal event, not one per row (issue #15, « Speed »).

Each route is requested once to warm the session and the caches, measured over a page holding the rows
of one round of `grow`, then measured again after five more rounds: the count of queries must not move,
and the page must really list more rows (so a route that lost its rows cannot pass)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aupres.accounts.models import AccountKind
from aupres.audit.models import AccessEvent
from aupres.encounters import services as encounters
from aupres.encounters.models import CollectiveAction
from aupres.followups.models import FollowUp
from aupres.persons import services as persons
from aupres.persons.models import Person
from aupres.referrals.models import Door, Source
from aupres.referrals.tests.helpers import referral
from aupres.services.models import Profession

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


class Grower:
    """Adds, per round, one person followed by service A with what each list shows of them."""

    def __init__(self, world):
        self.world, self.n = world, 0

    def round(self):
        w, i = self.world, self.n
        self.n += 1
        social, nurse = w.users[Profession.SOCIAL_WORKER], w.users[Profession.NURSE]
        p = Person.objects.create(first_name=f"Prénom{i}", last_name=f"Nom{i:03d}",
                                  birth_date=datetime.date(1970, 1, 1))
        FollowUp.objects.create(person=p, service=w.service_a, opened_on=TODAY - datetime.timedelta(days=i + 1))
        encounters.create_encounter(nurse, service_id=w.service_a.pk, place_kind="street", mode="visit",
                                    persons=[p.pk], occurred_at=timezone.now() - datetime.timedelta(hours=i + 1),
                                    acts=[{"kind": "nursing_care", "person": p.pk}])
        encounters.create_orientation(social, p, kind="orientation", target="shelter", service_id=w.service_a.pk,
                                      partner_name=f"CCAS {i}")
        encounters.create_rights_application(social, p, kind="ame", service_id=w.service_a.pk)
        persons.create_household(social, f"Foyer {i}", [(p.pk, "head")])
        referral(w.service_a, door=Door.PARTNER, source=Source.SHELTER, sent_by=w.users[AccountKind.PARTNER],
                 alias=f"Alias{i}")
        referral(None, door=Door.PARTNER, source=Source.SHELTER, alias=f"Régulé{i}", territory=w.territory)
        CollectiveAction.objects.create(service=w.service_a, occurred_on=TODAY, kind="workshop",
                                        title=f"Atelier {i}", audience="persons_supported", recorded_by=social)


# (who, method, path, what each new row leaves in the body). Screens and API listings of persons'
# data, of every role that has one.
ROUTES = [
    (Profession.NURSE, "screen", "/personnes/", "NOM00"),
    (Profession.SOCIAL_WORKER, "screen", "/personnes/menages/", "Foyer "),
    (Profession.NURSE, "screen", "/activite/", "NOM00"),
    (Profession.SOCIAL_WORKER, "screen", "/activite/orientations/", "NOM00"),
    (Profession.SOCIAL_WORKER, "screen", "/activite/droits/", "NOM00"),
    (Profession.HEAD_OF_SERVICE, "screen", "/orientations/boite/", "Alias"),
    (AccountKind.PARTNER, "screen", "/orientations/envoyees/", "AUP-"),
    (AccountKind.REGULATOR, "screen", "/orientations/regulation/", 'href="/orientations/regulation/'),
    (Profession.HEAD_OF_SERVICE, "screen", "/journal/", "NOM00"),
    (Profession.NURSE, "api", "/persons", "NOM00"),
    (Profession.SOCIAL_WORKER, "api", "/households", "Foyer "),
    (Profession.NURSE, "api", "/followups", '"person_id"'),
    (Profession.NURSE, "api", "/encounters", '"occurred_at"'),
    (Profession.SOCIAL_WORKER, "api", "/orientations", "CCAS "),
    (Profession.SOCIAL_WORKER, "api", "/rights-applications", '"kind"'),
    (Profession.SOCIAL_WORKER, "api", "/collective-actions", "Atelier "),
    (Profession.HEAD_OF_SERVICE, "api", "/referrals", '"receipt"'),
    (AccountKind.PARTNER, "api", "/referrals", '"receipt"'),
    (AccountKind.REGULATOR, "api", "/referrals", '"receipt"'),
    (Profession.HEAD_OF_SERVICE, "api", "/audit/events", '"person'),
    (Profession.NURSE, "api", "/field/caseload", "NOM00"),
]


def _user(world, who):
    user = world.users[who]
    if who == AccountKind.REGULATOR:  # the regulator of the world's département
        user.territory = world.territory
        user.save(update_fields=["territory"])
    return user


def _measure(get, path):
    with CaptureQueriesContext(connection) as ctx:
        response = get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize(("who", "kind", "path", "mark"), ROUTES, ids=[f"{r[1]}:{r[2]}:{r[0]}" for r in ROUTES])
def test_a_list_costs_the_same_queries_for_one_row_or_six(world, client_as, api_as, who, kind, path, mark):
    grower = Grower(world)
    grower.round()
    user = _user(world, who)
    get = client_as(user).get if kind == "screen" else api_as(user).get
    get(path)  # warms the session, the second factor, the caches
    few, body_few = _measure(get, path)
    for _ in range(5):
        grower.round()
    many, body_many = _measure(get, path)
    assert body_many.count(mark) > body_few.count(mark), f"{path}: the new rows are not listed"
    assert many == few, f"{path}: {few} queries for one row, {many} for six"


PERSON_LISTS = [r for r in ROUTES if r[2] in ("/personnes/", "/activite/droits/", "/persons", "/field/caseload",
                                               "/activite/orientations/", "/households", "/personnes/menages/",
                                               "/encounters", "/activite/")]


@pytest.mark.parametrize(("who", "kind", "path", "mark"), PERSON_LISTS, ids=[f"{r[1]}:{r[2]}" for r in PERSON_LISTS])
def test_a_listing_of_persons_writes_one_journal_event(world, client_as, api_as, who, kind, path, mark):
    grower = Grower(world)
    for _ in range(6):
        grower.round()
    user = _user(world, who)
    get = client_as(user).get if kind == "screen" else api_as(user).get
    get(path)
    before = AccessEvent.objects.count()
    assert get(path).status_code == 200
    assert AccessEvent.objects.count() - before == 1
