"""The funder's side-by-side tables come from the shared cache once computed (issue #15), and a cached
entry is never stale nor shared with a reader of other submissions: its key is the submissions read,
the services' names, the disclosure rules and the language."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from aupres.indicators import services
from aupres.indicators.engine import Period
from aupres.indicators.models import Submission
from aupres.indicators.tests.dataset import Dataset
from aupres.services.models import Membership

pytestmark = pytest.mark.django_db
YEAR = Period.year(2025)


@pytest.fixture
def submitted(world):
    data = Dataset(world)
    world.users["funder"].territory = world.territory
    world.users["funder"].save()
    head = world.users["head_of_service"]
    Membership.objects.create(user=head, service=data.b, profession="head_of_service", etp="0.2",
                              start_date=datetime.date(2025, 1, 1))
    for service in (data.a, data.b):
        services.submit(head, service.pk, YEAR)
    cache.clear()
    return data


def _rows(view, code="acts_by_kind"):
    table = next(t for t in view["tables"] if t["code"] == code)
    return {row["label"]: row["values"] for row in table["rows"]}, table["region"]


def _fresh(user, **kw):
    cache.clear()
    return services.regional_view(user, YEAR, **kw)


def test_a_second_reading_comes_from_the_cache_and_equals_the_computed_one(submitted, world, monkeypatch):
    funder = world.users["funder"]
    first = services.regional_view(funder, YEAR)
    monkeypatch.setattr(services, "_matrix", lambda *a: pytest.fail("computed again"))
    with CaptureQueriesContext(connection) as queries:
        again = services.regional_view(funder, YEAR)
    assert again == first
    # neither the exact figures nor the published tables are read again
    assert not any('"exact"' in q["sql"] or '"tables"' in q["sql"] for q in queries.captured_queries)
    monkeypatch.undo()
    assert _fresh(funder) == first


def test_a_new_version_is_read_at_once(submitted, world):
    funder = world.users["funder"]
    services.regional_view(funder, YEAR)
    last = Submission.objects.filter(service=submitted.b).order_by("-version").first()
    exact = {**last.exact, "acts_by_kind": {**last.exact["acts_by_kind"], "social_interview": 40}}
    tables = {**last.tables, "acts_by_kind": {**last.tables["acts_by_kind"], "hidden": {}}}
    Submission.objects.create(service=submitted.b, period_start=last.period_start, period_end=last.period_end,
                              version=last.version + 1, tables=tables, exact=exact)
    view = services.regional_view(funder, YEAR)
    assert [s["version"] for s in view["submissions"]] == [1, last.version + 1]
    rows, _region = _rows(view)
    assert rows["Opérateur A — EMSP B"]["social_interview"] == 40
    assert view == _fresh(funder)


def test_a_renamed_service_is_shown_under_its_new_name(submitted, world):
    funder = world.users["funder"]
    services.regional_view(funder, YEAR)
    submitted.b.name = "EMSP Bis"
    submitted.b.save()
    view = services.regional_view(funder, YEAR)
    assert [s["service"] for s in view["submissions"]] == ["EMSP A", "EMSP Bis"]
    assert set(_rows(view)[0]) == {"Opérateur A — EMSP A", "Opérateur A — EMSP Bis"}


def test_a_reader_of_other_submissions_never_gets_the_entry(submitted, world, settings):
    """The territory's view cached, the superuser's view of service A alone is A's only, and a funder
    of another territory (no submission there) reads nothing from it."""
    funder = world.users["funder"]
    region = services.regional_view(funder, YEAR)
    assert len(region["submissions"]) == 2
    admin = world.user("admin_reader")
    admin.is_superuser = True
    admin.save()
    alone = services.regional_view(admin, YEAR, services.SERVICE, submitted.a.pk)
    assert [s["service"] for s in alone["submissions"]] == ["EMSP A"]
    assert set(_rows(alone)[0]) == {"Opérateur A — EMSP A"}
    assert alone == _fresh(admin, scope=services.SERVICE, scope_id=submitted.a.pk)
    from aupres.services.models import Territory

    elsewhere, _new = Territory.objects.get_or_create(level="departement", code="62",
                                                      defaults={"name": "Pas-de-Calais"})
    funder.territory = elsewhere
    funder.save()
    services.regional_view(world.users["funder"], YEAR)  # warms nothing the other reads
    assert services.regional_view(funder, YEAR)["submissions"] == []


def test_the_language_is_part_of_the_key(submitted, world):
    funder = world.users["funder"]
    with translation.override("fr"):
        french = next(t for t in services.regional_view(funder, YEAR)["tables"] if t["code"] == "acts_by_kind")
    with translation.override("en"):
        english = next(t for t in services.regional_view(funder, YEAR)["tables"] if t["code"] == "acts_by_kind")
    label = {c["key"]: c["label"] for c in french["columns"]}["social_interview"]
    assert label != {c["key"]: c["label"] for c in english["columns"]}["social_interview"]
    assert isinstance(label, str)


def test_the_periodic_job_computes_the_funders_views_once(submitted, world, monkeypatch):
    from aupres.indicators import tasks

    funder = world.users["funder"]
    assert tasks.warm_funder_views.call() == 1  # one territory, one submitted year
    monkeypatch.setattr(services, "_matrix", lambda *a: pytest.fail("computed again"))
    assert [s["service"] for s in services.regional_view(funder, YEAR)["submissions"]] == ["EMSP A", "EMSP B"]
    assert tasks.warm_funder_views.call() == 1  # nothing changed: read back, nothing computed
