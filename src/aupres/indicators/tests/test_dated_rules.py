"""Issue #19: service rules keep their history; the indicators, reports and alerts of a period read the
values in force in that period; a submitted year is frozen and a re-submission says what changed."""

import copy
import datetime

import pytest
from django.utils import timezone

from aupres.core.errors import DomainError
from aupres.followups.models import FollowUp
from aupres.followups.services import attach_alerts
from aupres.indicators import changes, engine, formats
from aupres.indicators import services as indicator_services
from aupres.indicators.models import ServiceYearBudget
from aupres.indicators.tests.dataset import Dataset
from aupres.persons.models import Person
from aupres.services import services as service_services
from aupres.services.models import Service, ServiceRuleChange

pytestmark = pytest.mark.django_db
D = datetime.date
Y2025 = engine.Period.year(2025)


@pytest.fixture
def data(world):
    return Dataset(world)


def on(monkeypatch, day):
    """Pretend today is `day` (the day a head of service records a change)."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)


def change(user, service, values, **kw):
    service = Service.objects.get(pk=service.pk)
    return service_services.update_service(user, service, values, service.version, **kw)


def figures(service, period):
    return engine.compute_all(Service.objects.filter(pk=service.pk), period)


def test_capacity_changed_mid_year_counts_the_capacity_days_of_each_part(data, world, monkeypatch):
    head = world.users["head_of_service"]
    before_2024 = figures(data.a, engine.Period.year(2024))
    on(monkeypatch, D(2025, 7, 1))
    change(head, data.a, {"capacity": 14})  # from "today", 1 July 2025: 10 places before, 14 after
    monkeypatch.undo()
    service = Service.objects.get(pk=data.a.pk)
    assert service.capacity == 14 and service.rule_on("capacity", D(2025, 6, 30)) == 10
    then = service.rules_on(D(2025, 6, 30))  # the service as it stood that day, for other readers (#14)
    assert (then.capacity, then.name, service.rules_on(D(2025, 7, 1)).capacity) == (10, service.name, 14)
    assert service.rule_segments("capacity", Y2025.start, Y2025.end) == [
        (D(2025, 1, 1), D(2025, 6, 30), 10), (D(2025, 7, 1), D(2025, 12, 31), 14)]
    capacity_days = 10 * (D(2025, 6, 30) - D(2025, 1, 1)).days + 10 + 14 * ((D(2025, 12, 31) - D(2025, 7, 1)).days + 1)
    assert service.capacity_days(Y2025.start, Y2025.end) == capacity_days == 10 * 181 + 14 * 184
    after = figures(data.a, Y2025)
    occupancy = after["occupancy"]
    assert occupancy["capacity_days"] == capacity_days
    assert occupancy["rate_percent"] == round(100 * occupancy["followed_days"] / capacity_days, 1)
    budget = float(sum(b.amount for b in ServiceYearBudget.objects.filter(service=data.a, year=2025)))
    places = capacity_days / 365
    assert after["cost_per_place"]["capacity"] == round(places, 2)
    assert after["cost_per_place"]["cost_per_place"] == round(budget / places, 2)
    assert after["cost_per_place"]["cost_per_place"] != round(budget / 14, 2)  # not today's capacity
    # The year before is unchanged, value by value.
    assert figures(data.a, engine.Period.year(2024)) == before_2024
    # Each half of the year reads its own capacity.
    assert figures(data.a, engine.Period(D(2025, 1, 1), D(2025, 6, 30)))["occupancy"]["capacity_days"] == 1810


def test_a_change_from_today_leaves_a_closed_year_and_its_submission_unchanged(data, world, monkeypatch, api_as):
    head = world.users["head_of_service"]
    submission = indicator_services.submit(head, data.a.pk, Y2025, comment="v1")
    frozen_tables, frozen_exact = copy.deepcopy(submission.tables), copy.deepcopy(submission.exact)
    live_before = figures(data.a, Y2025)
    change(head, data.a, {"capacity": 25, "max_length_days": 90, "opening_days": "1234567"})  # today: 2026
    assert figures(data.a, Y2025) == live_before  # the closed year, value by value
    submission.refresh_from_db()
    assert submission.tables == frozen_tables and submission.exact == frozen_exact
    # The report of 2025 names the rules in force in 2025, not today's.
    from aupres.indicators import reports

    html = reports.render_html(Service.objects.get(pk=data.a.pk), 2025)
    assert 'data-testid="rules-in-force"' in html
    rules = html.split('data-testid="rules-in-force"')[1].split("</dl>")[0]
    assert "<dd>10 " in rules and "<dd>25 " not in rules and "90" not in rules
    assert "lun, mar, mer, jeu, ven" in rules and "sam" not in rules
    assert "Produit le" in html


def test_a_correction_of_the_past_says_so_is_journaled_and_a_resubmission_shows_what_changed(
        data, world, monkeypatch, api_as):
    head = world.users["head_of_service"]
    v1 = indicator_services.submit(head, data.a.pk, Y2025, comment="v1")
    frozen = copy.deepcopy(v1.tables)
    with pytest.raises(DomainError) as refused:
        change(head, data.a, {"capacity": 12}, effective_from=D(2025, 7, 1))
    assert refused.value.code == "correction_reason_required" and refused.value.field == "correction_note"
    assert "01/07/2025" in str(refused.value.message)
    assert Service.objects.get(pk=data.a.pk).capacity == 10 and not ServiceRuleChange.objects.exists()
    with pytest.raises(DomainError) as future:
        change(head, data.a, {"capacity": 12}, effective_from=timezone.localdate() + datetime.timedelta(days=1))
    assert future.value.code == "rule_date_in_future"
    change(head, data.a, {"capacity": 12}, effective_from=D(2025, 7, 1), correction_note="Agrément de juillet oublié")
    row = ServiceRuleChange.objects.get()
    assert (row.rule, row.previous_value, row.value, row.valid_from, row.correction, row.recorded_by) == (
        "capacity", 10, 12, D(2025, 7, 1), True, head)
    assert row.note == "Agrément de juillet oublié"
    assert Service.objects.get(pk=data.a.pk).capacity == 12  # in force today as well
    live = figures(data.a, Y2025)
    assert live["occupancy"]["capacity_days"] == 10 * 181 + 12 * 184
    v1.refresh_from_db()
    assert v1.tables == frozen  # the submitted year stays as submitted
    v2 = indicator_services.submit(head, data.a.pk, Y2025, comment="v2")
    diff = changes.from_previous_version(v2)
    by_cell = {(c["code"], c["key"]): (c["before"], c["after"]) for c in diff}
    places = formats.number(round((10 * 181 + 12 * 184) / 365, 2))
    assert places == "11,01"
    assert by_cell[("cost_per_place", "capacity")] == ("10", places)
    assert [c["column"] for c in diff if c["key"] == "capacity"] == ["places (moyenne sur la période)"]
    assert not [key for key in by_cell if key[0] == "caseload"]  # only what changed
    body = api_as(head).get(f"/submissions/{v2.pk}").json()
    assert any(c["code"] == "cost_per_place" and (c["before"], c["after"]) == ("10", places)
               for c in body["changes_from_previous_version"])
    # The history is readable by the heads of service, on the API and on the service's page.
    history = api_as(head).get(f"/services/{data.a.pk}/rule-history").json()
    assert history[0]["correction"] is True and history[0]["valid_from"] == "2025-07-01"
    assert api_as(world.users["social_worker"]).get(f"/services/{data.a.pk}/rule-history").status_code == 404


def test_the_api_asks_from_when_and_refuses_a_silent_rewrite_of_the_past(data, world, api_as):
    head = api_as(world.users["head_of_service"])
    a = Service.objects.get(pk=data.a.pk)
    r = head.patch(f"/services/{a.pk}", {"version": a.version, "capacity": 30, "effective_from": "2025-03-01"})
    assert r.status_code == 400 and r.json()["code"] == "correction_reason_required"
    assert Service.objects.get(pk=a.pk).capacity == 10
    r = head.patch(f"/services/{a.pk}", {"version": a.version, "capacity": 30})
    assert r.status_code == 200 and r.json()["capacity"] == 30
    assert ServiceRuleChange.objects.get().valid_from == timezone.localdate()


def test_the_screen_asks_from_when_and_says_a_past_date_is_a_correction(data, world, client_as):
    client = client_as(world.users["head_of_service"])
    a = Service.objects.get(pk=data.a.pk)
    page = client.get(f"/configuration/dispositifs/{a.pk}/modifier/")
    html = page.content.decode()
    assert 'name="effective_from"' in html and timezone.localdate().isoformat() in html
    from aupres.services.forms import ServiceForm

    form = ServiceForm(instance=a)
    post = {k: v for k, v in form.initial.items() if v is not None and k != "territories"}
    post.update({"opening_days": list(a.opening_days), "capacity": 40, "effective_from": "2025-03-01",
                 "version": a.version, "required_documents": a.required_documents,
                 "accepted_needs": a.accepted_needs})
    post = {k: v for k, v in post.items() if v not in (False,)}
    r = client.post(f"/configuration/dispositifs/{a.pk}/modifier/", post)
    assert r.status_code == 200 and "corrige" in r.content.decode()
    assert Service.objects.get(pk=a.pk).capacity == 10  # nothing saved, what was typed is kept
    assert 'value="40"' in r.content.decode()


def test_an_alert_uses_the_length_in_force_at_admission(world, monkeypatch):
    head = world.users["head_of_service"]
    a = Service.objects.get(pk=world.service_a.pk)
    change(head, a, {"max_length_days": 60, "no_encounter_alert_days": 365},
           effective_from=D(2025, 1, 1), correction_note="règle d'origine")
    early = FollowUp.objects.create(person=Person.objects.create(first_name="Prima"), service=a,
                                    opened_on=D(2025, 5, 1))
    on(monkeypatch, D(2025, 6, 1))
    change(head, a, {"max_length_days": 30})  # from 1 June 2025
    late_person = Person.objects.create(first_name="Octave")
    late = FollowUp.objects.create(person=late_person, service=a, opened_on=D(2025, 6, 5))
    rows = {f.pk: f for f in attach_alerts(FollowUp.objects.filter(pk__in=[early.pk, late.pk])
                                           .select_related("service"), today=D(2025, 6, 20))}
    # Admitted under 60 days: 50 days in, no "beyond the maximum length" (it would be with today's 30).
    assert "beyond_max_length" not in [x.code for x in rows[early.pk].alerts]
    assert "max_length_soon" in [x.code for x in rows[early.pk].alerts]
    rows = {f.pk: f for f in attach_alerts(FollowUp.objects.filter(pk__in=[early.pk, late.pk])
                                           .select_related("service"), today=D(2025, 7, 10))}
    # Admitted under 30 days: 35 days in, beyond its maximum length.
    assert "beyond_max_length" in [x.code for x in rows[late.pk].alerts]
    # 70 days in, beyond its own 60 days: the message names the length in force at its admission.
    assert [x.message for x in rows[early.pk].alerts if x.code == "beyond_max_length"][0].count("60") == 1


def test_the_dashboard_opens_on_the_year_to_date_with_last_year_one_click_away(data, world, client_as):
    client = client_as(world.users["social_worker"])
    today = timezone.localdate()
    html = client.get(f"/indicateurs/dispositifs/{data.a.pk}/").content.decode()
    assert f'value="{today.year}-01-01"' in html and f'value="{today.isoformat()}"' in html
    nav = html.split('data-testid="quick-periods"')[1].split("</nav>")[0]
    last_year = f"?start={today.year - 1}-01-01&amp;end={today.year - 1}-12-31"
    assert last_year in nav and 'aria-current="page"' in nav.split(last_year)[0]  # this year is the one shown
    assert f"Cette année, au {today.strftime('%d/%m/%Y')}" in nav
    html = client.get(f"/indicateurs/dispositifs/{data.a.pk}/{last_year.replace('&amp;', '&')}").content.decode()
    assert f"01/01/{today.year - 1} – 31/12/{today.year - 1}" in html
