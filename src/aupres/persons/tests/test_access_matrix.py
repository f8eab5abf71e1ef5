"""The access model as a matrix: every profession × every compartment × list/read/update,
through the API and through the screens; other teams, partners, regulators and funders see nothing."""

import pytest

from aupres.accounts.models import AccountKind
from aupres.core.models import Compartment
from aupres.core.tests.expectations import PROFESSIONS as EXPECTED_PROFESSIONS
from aupres.core.tests.expectations import READS
from aupres.services.models import Profession

pytestmark = pytest.mark.django_db

PROFESSIONS = list(EXPECTED_PROFESSIONS)  # written out from DOMAIN.md, never read from the product
COMPARTMENTS = Compartment.values


def expected(profession, compartment):
    return compartment in READS[profession]


# API ----------------------------------------------------------------------------------------

def api_list(api, pid, compartment):
    """Items of the compartment, as listed by the API (empty or refused when not allowed)."""
    if compartment == "health":
        r = api.get(f"/persons/{pid}/notes")
        return r.status_code == 200 and any(n["compartment"] == "health" for n in r.json())
    if compartment == "social":
        return api.get(f"/persons/{pid}/living-situations").status_code == 200
    r = api.get(f"/persons/{pid}/rights")
    return r.status_code == 200 and r.json()[0]["value"] == "ame"


def api_read(api, pid, compartment):
    if compartment == "health":
        r = api.get(f"/persons/{pid}/medical-profile")
        return r.status_code == 200 and r.json()["chronic_conditions"] == "Diabète secret"
    r = api.get(f"/persons/{pid}")
    assert r.status_code == 200
    return r.json()[compartment] is not None


def api_update(api, pid, compartment):
    version = api.get(f"/persons/{pid}").json()["version"]
    if compartment == "health":
        profile = api.get(f"/persons/{pid}/medical-profile")
        v = profile.json()["version"] if profile.status_code == 200 else 1
        r = api.patch(f"/persons/{pid}/medical-profile", {"version": v, "allergies": "Pénicilline"})
    elif compartment == "social":
        r = api.patch(f"/persons/{pid}", {"version": version, "languages": "wolof"})
    else:
        r = api.patch(f"/persons/{pid}", {"version": version, "phone": "0611111111"})
    assert r.status_code in (200, 403), r.content
    if r.status_code == 403:
        assert r.json()["code"] == "compartment_forbidden"
    return r.status_code == 200


@pytest.mark.parametrize("profession", PROFESSIONS)
@pytest.mark.parametrize("compartment", COMPARTMENTS)
@pytest.mark.parametrize("action", ["list", "read", "update"])
def test_api_matrix(world, api_as, profession, compartment, action):
    api = api_as(world.users[profession])
    pid = world.person.pk
    check = {"list": api_list, "read": api_read, "update": api_update}[action]
    assert check(api, pid, compartment) is expected(profession, compartment)


# Screens ------------------------------------------------------------------------------------

SECTION = {"health": 'id="hea-h"', "social": 'id="soc-h"', "administrative": 'id="adm-h"'}


def screen_list(client, pid, compartment):
    """The note of that compartment is listed on the person's page."""
    body = client.get(f"/personnes/{pid}/").content.decode()
    return f"note-{compartment}-secrete" in body


def screen_read(client, pid, compartment):
    body = client.get(f"/personnes/{pid}/").content.decode()
    shown = SECTION[compartment] in body
    secret = {"health": "Diabète secret", "social": "Lille — gare", "administrative": "0600000000"}[compartment]
    assert shown == (secret in body)
    return shown


def screen_update(client, world, compartment):
    person = world.person
    person.refresh_from_db()
    if compartment == "health":
        response = client.get(f"/personnes/{person.pk}/sante/")
        if response.status_code == 404:
            return False
        version = response.context["form"].initial["version"]
        response = client.post(f"/personnes/{person.pk}/sante/", {"version": version, "allergies": "Latex",
                                                                 "chronic_conditions": "Diabète secret"})
        assert response.status_code == 302
        return person.medical_profile.__class__.objects.get(person=person).allergies == "Latex"
    field, value = ("languages", "wolof") if compartment == "social" else ("phone", "0622222222")
    form = client.get(f"/personnes/{person.pk}/modifier/").context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data[field] = value
    client.post(f"/personnes/{person.pk}/modifier/", data)
    person.refresh_from_db()
    return getattr(person, field) == value


@pytest.mark.parametrize("profession", PROFESSIONS)
@pytest.mark.parametrize("compartment", COMPARTMENTS)
@pytest.mark.parametrize("action", ["list", "read", "update"])
def test_screen_matrix(world, client_as, profession, compartment, action):
    client = client_as(world.users[profession])
    pid = world.person.pk
    if action == "list":
        result = screen_list(client, pid, compartment)
    elif action == "read":
        result = screen_read(client, pid, compartment)
    else:
        result = screen_update(client, world, compartment)
    assert result is expected(profession, compartment)


# Nobody else sees the person ----------------------------------------------------------------

OUTSIDERS = ["outsider", "outsider_head", AccountKind.PARTNER, AccountKind.FUNDER, AccountKind.REGULATOR]


def _outsider(world, who):
    return getattr(world, who, None) or world.users[who]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_see_no_person_through_the_api(world, api_as, who):
    api = api_as(_outsider(world, who))
    pid = world.person.pk
    assert api.get("/persons").json()["count"] == 0
    assert api.post("/persons/search", {"q": "Benali"}).json()["count"] == 0
    for path in ("", "/notes", "/living-situations", "/rights", "/medical-profile"):
        response = api.get(f"/persons/{pid}{path}")
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    assert api.patch(f"/persons/{pid}", {"version": 1, "alias": "x"}).status_code == 404
    assert api.get("/households").json() == []


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_see_no_person_on_screens(world, client_as, who):
    client = client_as(_outsider(world, who))
    pid = world.person.pk
    assert "Benali" not in client.get("/personnes/").content.decode()
    # The query is echoed in the search box; the first name would only come from a result.
    assert "Amina" not in client.post("/personnes/recherche/", {"q": "Benali"}).content.decode()
    for path in ("", "modifier/", "sante/", "droits/", "lieu-de-vie/"):
        assert client.get(f"/personnes/{pid}/{path}").status_code == 404, path


def test_exited_followup_gives_access_only_for_the_service_retention_window(world, api_as):
    import datetime

    followup = world.person.followups.get()
    api = api_as(world.users[Profession.NURSE])
    followup.close(datetime.date.today() - datetime.timedelta(days=10))
    followup.save()
    assert api.get(f"/persons/{world.person.pk}").status_code == 200
    followup.service.access_after_exit_days = 5
    followup.service.save()
    followup.close(followup.closed_on)
    followup.save()
    assert api.get(f"/persons/{world.person.pk}").status_code == 404


def test_a_member_whose_membership_ended_loses_access(world, api_as):
    import datetime

    nurse = world.users[Profession.NURSE]
    nurse.memberships.update(end_date=datetime.date.today() - datetime.timedelta(days=1))
    assert api_as(nurse).get(f"/persons/{world.person.pk}").status_code == 404


def test_two_services_give_the_union_of_their_compartments(world, api_as):
    """A head of service of A who is also a nurse in B sees health once B follows the person."""
    import datetime
    from decimal import Decimal

    from aupres.followups.models import FollowUp
    from aupres.services.models import Membership

    head = world.users[Profession.HEAD_OF_SERVICE]
    Membership.objects.create(user=head, service=world.service_b, profession=Profession.NURSE,
                              etp=Decimal("0.2"), start_date=datetime.date(2025, 1, 1))
    api = api_as(head)
    assert api.get(f"/persons/{world.person.pk}").json()["compartments"] == ["administrative"]
    FollowUp.objects.create(person=world.person, service=world.service_b, opened_on=datetime.date.today())
    assert api.get(f"/persons/{world.person.pk}").json()["compartments"] == [
        "administrative", "health", "social"]
