"""Every new piece of data of the cycle sits in its compartment, for every profession, via the API."""

import datetime

import pytest
from django.utils import timezone

from aupres.core.errors import DomainError, Forbidden
from aupres.core.tests.expectations import PROFESSIONS, READS
from aupres.followups import services
from aupres.followups.models import DOMAIN_COMPARTMENT, Domain
from aupres.followups.tests.helpers import followup_of, loaded, put_in_state

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def cycle(world):
    """A follow-up in evaluation with a full grid, a health check, a plan, a health and a social
    objective, and an evaluation of both, all recorded by the doctor (who holds every compartment)."""
    doctor = world.users["doctor"]
    f = loaded(world, doctor, put_in_state(followup_of(world), "plan"))
    services.record_assessment(doctor, f, assessed_on=TODAY,
                               items={d: ("moderate", f"note-{d}") for d in Domain.values})
    services.record_health_check(doctor, f, done_on=TODAY, reasons="toux-secrete", spo2=97)
    services.record_plan(doctor, f, agreed_on=TODAY, review_due_on=TODAY + datetime.timedelta(days=60),
                         person_took_part=True, person_words="mots-secrets")
    health = services.add_objective(doctor, f, domain="health_care", title="obj-sante", due_on=TODAY)
    social = services.add_objective(doctor, f, domain="housing", title="obj-logement", due_on=TODAY)
    put_in_state(f, "evaluation")
    f = loaded(world, doctor, f)
    services.record_evaluation(doctor, f, evaluated_on=TODAY, satisfaction="satisfied",
                               results={health.pk: "reached", social.pk: "partly_reached"})
    return f, health, social


@pytest.mark.parametrize("profession", PROFESSIONS)
def test_reads_are_filtered_by_compartment(world, api_as, cycle, profession):
    f, health, social = cycle
    held = READS[profession]
    api = api_as(world.users[profession])

    r = api.get(f"/followups/{f.pk}")
    assert r.status_code == 200 and r.json()["state"] == "evaluation"

    items = api.get(f"/followups/{f.pk}/assessments").json()[0]["items"]
    assert {i["domain"] for i in items} == {d for d in Domain.values if DOMAIN_COMPARTMENT[d] in held}
    assert all(i["notes"] == f"note-{i['domain']}" for i in items)

    r = api.get(f"/followups/{f.pk}/health-checks")
    if "health" in held:
        assert r.status_code == 200 and r.json()[0]["reasons"] == "toux-secrete"
    else:
        assert r.status_code == 403 and r.json()["code"] == "compartment_forbidden"
        assert "toux-secrete" not in r.content.decode()

    titles = {o["title"] for o in api.get(f"/followups/{f.pk}/objectives").json()}
    assert titles == ({"obj-sante"} if "health" in held else set()) | (
        {"obj-logement"} if "social" in held else set())

    r = api.get(f"/followups/{f.pk}/plans")
    assert (r.status_code == 200) is ("social" in held)

    r = api.get(f"/followups/{f.pk}/evaluations")
    if "social" in held:
        results = {x["objective"] for x in r.json()[0]["results"]}
        assert results == {social.pk} | ({health.pk} if "health" in held else set())
    else:
        assert r.status_code == 403


@pytest.mark.parametrize("profession", PROFESSIONS)
def test_writes_need_the_compartment(world, api_as, cycle, profession):
    f, health, social = cycle
    held = READS[profession]
    api = api_as(world.users[profession])
    today = TODAY.isoformat()

    def allowed(r, compartment):
        assert r.status_code in (200, 201, 403), r.content
        if r.status_code == 403:
            assert r.json()["code"] == "compartment_forbidden"
        return (r.status_code in (200, 201)) is (compartment in held)

    for domain in ("somatic", "income", "housing"):
        r = api.post(f"/followups/{f.pk}/assessments",
                     {"assessed_on": today, "items": [{"domain": domain, "level": "mild"}]})
        assert allowed(r, DOMAIN_COMPARTMENT[domain])
    assert allowed(api.post(f"/followups/{f.pk}/health-checks", {"done_on": today}), "health")
    health.refresh_from_db()
    r = api.patch(f"/followups/{f.pk}/objectives/{health.pk}", {"version": health.version,
                                                                  "status": "in_progress"})
    # Without the health compartment, a health objective is not even listed: 404.
    assert r.status_code == (200 if "health" in held else 404)
    r = api.post(f"/followups/{f.pk}/evaluations", {"evaluated_on": today, "satisfaction": "satisfied",
                                                     "results": [{"objective": social.pk, "result": "reached"}]})
    assert allowed(r, "social")
    r = api.post(f"/followups/{f.pk}/evaluations", {"evaluated_on": today, "satisfaction": "satisfied",
                                                     "results": [{"objective": health.pk, "result": "reached"}]})
    assert r.status_code in (201, 403)
    assert (r.status_code == 201) is ("health" in held and "social" in held)


def test_a_grid_with_items_of_several_compartments_is_refused_whole(world):
    social_worker = world.users["social_worker"]
    f = loaded(world, social_worker)
    with pytest.raises(Forbidden):
        services.record_assessment(social_worker, f, assessed_on=TODAY,
                                   items={"housing": ("mild", ""), "somatic": ("severe", "")})
    assert not f.assessments.exists()


def test_objective_compartment_follows_its_domain(world):
    doctor = world.users["doctor"]
    f = loaded(world, doctor, put_in_state(followup_of(world), "plan"))
    services.record_plan(doctor, f, agreed_on=TODAY, review_due_on=TODAY + datetime.timedelta(days=30),
                         person_took_part=False)
    for domain, expected in (("health_care", "health"), ("psychological_suffering", "social"),
                             ("rights", "social"), ("employment_training", "social")):
        assert services.add_objective(doctor, f, domain=domain, title=domain, due_on=TODAY).compartment == expected
    o = f.objectives.get(domain="rights")
    with pytest.raises(DomainError):
        services.update_objective(doctor, f, o, {"domain": "health_care"}, o.version)
