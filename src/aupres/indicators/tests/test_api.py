"""API of indicators and submissions; the funder's isolation, proven over every API route."""

import datetime
import json
import re

import pytest
from django.core.cache import cache

from aupres.api import api
from aupres.encounters.models import Encounter
from aupres.indicators.models import ImmutableError, Submission
from aupres.indicators.tests.dataset import Dataset
from aupres.referrals.models import Referral

pytestmark = pytest.mark.django_db

YEAR = "from=2025-01-01&to=2025-12-31"
# Field names that would mean person-level data (identity, contact, health, free text about someone).
PERSON_FIELDS = {"first_name", "last_name", "alias", "birth_date", "birth_year", "estimated_age", "phone",
                 "person", "person_id", "persons", "nationality", "languages", "display_name", "followup_id",
                 "health_description", "social_description", "referrer_name", "location", "notes", "note",
                 "details", "chronic_conditions", "participants_ids", "receipt", "encounter_id", "referral_id"}


@pytest.fixture
def data(world):
    d = Dataset(world)
    world.users["funder"].territory = world.territory
    world.users["funder"].save()
    return d


def table(body, code):
    return next(t for t in body["tables"] if t["code"] == code)


CATEGORY_MAPS = {"values", "hidden"}  # keys of these are category codes (e.g. the place "phone")


def keys_in(obj, categories=False):
    if isinstance(obj, dict):
        out = set() if categories else set(obj)
        for k, v in obj.items():
            out |= keys_in(v, categories=k in CATEGORY_MAPS)
        return out
    if isinstance(obj, list):
        return set().union(*(keys_in(v) for v in obj)) if obj else set()
    return set()


def test_a_member_reads_the_disclosure_controlled_indicators_of_their_service(data, world, api_as):
    r = api_as(world.users["nurse"]).get(f"/indicators?scope=service&id={data.a.pk}&{YEAR}")
    assert r.status_code == 200, r.content
    body = r.json()
    caseload = table(body, "caseload")
    assert caseload["values"] == {"all": None} and caseload["hidden"]["all"] == "small"  # 4 persons: "< 5"
    place = table(body, "encounters_by_place")
    assert {k for k, v in place["hidden"].items() if v == "small"} == {"street", "premises", "shelter", "__total__"}
    assert place["values"]["camp"] == 0
    budget = table(body, "budget_by_funder")  # not about persons: not suppressed
    assert budget["values"]["health_agency"] == 300000.0
    assert table(body, "collective_participants")["values"]["participants"] == 42
    assert "previous" in place and body["previous_from"] == "2024-01-01"
    assert not (keys_in(body) & PERSON_FIELDS)


def test_scopes_are_reached_only_by_their_teams(data, world, api_as):
    outsider = api_as(world.outsider)  # doctor of B
    assert outsider.get(f"/indicators?scope=service&id={data.a.pk}&{YEAR}").status_code == 404
    assert outsider.get(f"/indicators?scope=service&id={data.b.pk}&{YEAR}").status_code == 200
    assert outsider.get(f"/indicators?scope=operator&id={world.operator.pk}&{YEAR}").status_code == 404
    head = api_as(world.users["head_of_service"])
    r = head.get(f"/indicators?scope=operator&id={world.operator.pk}&{YEAR}")
    assert r.status_code == 200
    # P1, followed by A and B, counts once for the operator: 5 persons; but A (4) and B (2) hide theirs,
    # and 5 shown next to them would tell that each holds at least one: withheld (issue #11)
    from aupres.indicators import engine
    from aupres.services.models import Service

    assert engine.compute("caseload", Service.objects.filter(operator=world.operator),
                          engine.Period.year(2025)) == {"all": 5}
    assert table(r.json(), "caseload")["hidden"] == {"all": "withheld"}
    assert head.get(f"/indicators?scope=territory&id={world.territory.pk}&{YEAR}").status_code == 404
    assert api_as(world.users["partner"]).get(f"/indicators?scope=service&id={data.a.pk}&{YEAR}").status_code == 404


def test_bad_periods_are_refused(data, world, api_as):
    nurse = api_as(world.users["nurse"])
    r = nurse.get(f"/indicators?scope=service&id={data.a.pk}&from=2025-12-31&to=2025-01-01")
    assert r.status_code == 400 and r.json()["code"] == "invalid_period"
    assert nurse.get(f"/indicators?scope=service&id={data.a.pk}&from=1900-01-01").status_code == 422


def test_submissions_are_frozen_and_versioned(data, world, api_as):
    head = api_as(world.users["head_of_service"])
    body = {"service": data.a.pk, "from": "2025-01-01", "to": "2025-12-31"}
    assert api_as(world.users["nurse"]).post("/submissions", body).status_code == 403
    r = head.post("/submissions", body)
    assert r.status_code == 201, r.content
    first = r.json()
    assert first["version"] == 1
    assert table(first, "caseload")["hidden"] == {"all": "small"}
    # the data change; the submitted version does not; a correction is a new version
    Encounter.objects.filter(service=data.a).delete()
    second = head.post("/submissions", {**body, "comment": "correction"}).json()
    assert second["version"] == 2
    assert table(second, "encounters_by_place")["values"]["street"] == 0
    again = head.get(f"/submissions/{first['id']}").json()
    assert table(again, "encounters_by_place")["hidden"]["street"] == "small"
    sub = Submission.objects.get(pk=first["id"])
    sub.comment = "changed"
    with pytest.raises(ImmutableError):
        sub.save()
    with pytest.raises(ImmutableError):
        sub.delete()
    # no route changes a submission
    assert head.patch(f"/submissions/{first['id']}", {"comment": "x"}).status_code in (404, 405)
    future = {"service": data.a.pk, "from": "2025-01-01", "to": str(datetime.date.today() + datetime.timedelta(2))}
    assert head.post("/submissions", future).json()["code"] == "period_not_over"


def _submit_all(world, data, api_as):
    from aupres.services.models import Membership

    Membership.objects.create(user=world.users["head_of_service"], service=data.b, profession="head_of_service",
                              etp="0.2", start_date=datetime.date(2025, 1, 1))
    head = api_as(world.users["head_of_service"])
    for service in (data.a, data.b):
        assert head.post("/submissions", {"service": service.pk, "from": "2025-01-01",
                                          "to": "2025-12-31"}).status_code == 201


def test_the_funder_sees_submitted_aggregates_of_its_territory_side_by_side(data, world, api_as):
    _submit_all(world, data, api_as)
    funder = api_as(world.users["funder"])
    r = funder.get(f"/indicators?scope=territory&{YEAR}")
    assert r.status_code == 200, r.content
    body = r.json()
    assert [s["service"] for s in body["submissions"]] == ["EMSP A", "EMSP B"]
    acts = table(body, "acts_by_kind")
    assert [row["label"] for row in acts["rows"]] == ["Opérateur A — EMSP A", "Opérateur A — EMSP B"]
    # social interviews: 1 in A, 1 in B: small everywhere, and the regional sum (2) too
    assert all(row["values"]["social_interview"] is None for row in acts["rows"])
    assert acts["region"]["values"]["social_interview"] is None
    budget = table(body, "budget_by_funder")
    assert budget["region"]["values"]["health_agency"] == 300000.0
    assert not (keys_in(body) & PERSON_FIELDS)
    # a funder of another territory sees nothing; a period without submissions is empty
    other = world.users["regulator"]
    assert funder.get("/indicators?scope=territory&from=2024-01-01&to=2024-12-31").json()["submissions"] == []
    assert api_as(other).get(f"/indicators?scope=territory&{YEAR}").status_code == 404


def test_the_regional_view_reads_the_marks_as_the_whole_published_tables_say(data, world, api_as, monkeypatch):
    """On PostgreSQL the funder's view reads of each submission's published tables only the hidden
    marks and totals, extracted in the database (services._MARKS_SQL): the view equals the one built
    from the whole tables, and a submission of an older disclosure version is re-published."""
    from django.db import connection

    from aupres.indicators import services
    from aupres.indicators.engine import Period

    _submit_all(world, data, api_as)
    funder, period = world.users["funder"], Period.year(2025)
    whole = services.latest_submissions

    def view(marks):
        monkeypatch.setattr(services, "latest_submissions",
                            lambda *a, marks_only=False, **k: whole(*a, marks_only=marks and marks_only, **k))
        cache.clear()  # computed each time, not read back from the side-by-side cache
        return services.regional_view(funder, period)

    assert view(True) == view(False)
    last = Submission.objects.filter(service=data.b).order_by("-version").first()
    Submission.objects.create(service=data.b, period_start=last.period_start, period_end=last.period_end,
                              version=last.version + 1, tables={"caseload": {"values": {}, "hidden": {}}},
                              exact=last.exact)  # as published before issue #11
    assert view(True) == view(False)
    assert [s["version"] for s in view(True)["submissions"]] == [1, last.version + 1]
    if connection.vendor == "postgresql":  # the marks were read in the database, for the current version only
        assert [sub.marks is not None for sub in whole(funder, period, marks_only=True)] == [True, False]


def test_the_funder_of_another_territory_sees_no_submission(data, world, api_as):
    from aupres.services.models import Territory

    _submit_all(world, data, api_as)
    elsewhere, _c = Territory.objects.get_or_create(level="departement", code="62", defaults={"name": "PdC"})
    funder = world.users["funder"]
    funder.territory = elsewhere
    funder.save()
    client = api_as(funder)
    assert client.get("/submissions").json() == []
    assert client.get(f"/indicators?scope=territory&{YEAR}").json()["submissions"] == []
    sub = Submission.objects.first()
    assert client.get(f"/submissions/{sub.pk}").status_code == 404
    assert client.get(f"/indicators?scope=service&id={data.a.pk}&{YEAR}").status_code == 404


def test_exports_apply_the_suppression(data, world, api_as):
    nurse = api_as(world.users["nurse"])
    base = f"/indicators/export?scope=service&id={data.a.pk}&{YEAR}"
    csv = nurse.get(base + "&format=csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "encounters_by_place;" in text and "< 5" in text
    line = next(row for row in text.splitlines() if row.startswith("caseload;"))
    assert line.endswith(";< 5")
    for name in ("Ulrika", "Dorotheo", "Trifonia", "Amina", "Benali"):
        assert f";{name};" not in text
    xlsx = nurse.get(base + "&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.content)).active
    values = [row for row in sheet.iter_rows(values_only=True) if row[0] == "caseload"]
    assert values and values[0][-1] == "< 5"
    js = json.loads(nurse.get(base + "&format=json").content)
    assert table(js, "caseload")["values"] == {"all": None}


# The funder over EVERY API route ------------------------------------------------------------------

def _routes():
    schema = api.get_openapi_schema()
    routes = [(path, method.upper()) for path, methods in schema["paths"].items() for method in methods]
    # the routes that end the funder's own session or token go last
    return sorted(routes, key=lambda r: "logout" in r[0])


PERSON_LEVEL_PREFIXES = ("/api/v1/persons", "/api/v1/households", "/api/v1/encounters", "/api/v1/referrals",
                         "/api/v1/followups", "/api/v1/orientations", "/api/v1/rights", "/api/v1/collective",
                         "/api/v1/street-rounds", "/api/v1/timeline", "/api/v1/caseload")


def test_a_funder_reaches_no_person_level_data_on_any_api_route(data, world, api_as):
    _submit_all(world, data, api_as)
    funder = api_as(world.users["funder"])
    ids = {"person": data.p1.pk, "encounter": data.e1.pk, "referral": Referral.objects.first().pk,
           "followup": data.f1a.pk, "service": data.a.pk, "year": 2025, "household": 1}
    routes = list(_routes())
    assert len(routes) > 20
    reached = []
    for path, method in routes:
        def value(match):
            name = match.group(1).lower()
            for key, v in ids.items():
                if key in name:
                    return str(v)
            return "1"
        url = re.sub(r"\{(?:int:)?([^}]+)\}", value, path)
        assert url.startswith("/api/v1")
        rel = url[len("/api/v1"):]
        if method == "GET":
            r = funder.get(rel)
        elif method == "POST":
            r = funder.post(rel, {})
        elif method == "PATCH":
            r = funder.patch(rel, {})
        else:
            r = funder.client.generic(method, url, "{}", content_type="application/json", headers=funder.headers)
        assert r.status_code < 500, (method, url, r.status_code)
        if url.startswith(PERSON_LEVEL_PREFIXES) and "logout" not in url:
            # refused, or (lists) answered with nothing in them
            if r.status_code < 300:
                body = r.json()
                assert method == "GET" and body in ([], {}) or (isinstance(body, dict) and not body.get("items")
                                                               and not body.get("count")), (method, url, body)
            else:
                assert r.status_code in (400, 403, 404, 405, 422), (method, url, r.status_code, r.content[:200])
        if url == "/api/v1/auth/me":  # the funder's own account (its own names), not a person supported
            continue
        if r.status_code < 300 and r.get("Content-Type", "").startswith("application/json"):
            body = r.json()
            found = keys_in(body) & PERSON_FIELDS
            assert not found, (method, url, found)
            text = r.content.decode()
            for name in ("Benali", "Amina", "Ulrika", "Dorotheo", "Trifonia", "Quadrivio"):
                assert name not in text, (method, url, name)
            reached.append(url)
    assert "/api/v1/indicators" in reached and "/api/v1/submissions" in reached
