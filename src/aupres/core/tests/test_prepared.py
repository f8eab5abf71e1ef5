"""core.prepared: a queryset compiled once, its values bound at each call, sends the SQL and parameters the ORM
would send for those values; a queryset whose structure depends on its values is refused (D77)."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aupres.accounts.models import ApiToken
from aupres.accounts.services import _TOKEN_OWNER, token_owner
from aupres.core import access
from aupres.core.models import Compartment
from aupres.core.prepared import PreparedQuery
from aupres.followups.models import FollowUp
from aupres.persons.models import Person
from aupres.sharing.models import EmergencyAccess

pytestmark = pytest.mark.django_db

# Non-empty: with an empty list Django leaves the part out of the SQL (EmptyResultSet), where the prepared SQL
# keeps it with `= ANY('{}')`, which matches nothing (the rows are compared with empty lists below).
ids = st.lists(st.integers(1, 2**62), min_size=1, max_size=60)
values = st.fixed_dictionaries({
    "services": ids, "health_services": ids, "user": st.integers(1, 2**62),
    "today": st.dates(datetime.date(2000, 1, 1), datetime.date(2100, 1, 1)),
    "now": st.datetimes(datetime.datetime(2000, 1, 1), datetime.datetime(2100, 1, 1), timezones=st.just(datetime.UTC)),
})


def orm_sql(queryset):
    sql, params = queryset.query.get_compiler(using="default").as_sql()
    return sql, list(params)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared on PostgreSQL only; elsewhere the ORM runs")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=values, persons=ids, compartment=st.sampled_from([None, *Compartment.values]))
def test_the_access_queries_send_what_the_orm_compiles(values, persons, compartment):
    assert access._GRANT_ROWS.sql(**values, persons=persons) == orm_sql(
        access._grant_rows_query(**values, persons=persons))
    assert access._WAYS_IN.sql(compartment, **values) == orm_sql(access._ways_in_query(compartment, **values))
    few = {"user": values["user"], "today": values["today"]}
    assert access._MEMBERSHIPS.sql(**few) == orm_sql(access._MEMBERSHIPS.build(**few))
    emergencies = {"health_services": values["health_services"], "user": values["user"], "now": values["now"],
                   "persons": persons}
    assert access._EMERGENCIES.sql(**emergencies) == orm_sql(access._EMERGENCIES.build(**emergencies))
    token = {"token_hash": "%x" % values["user"], "now": values["now"]}
    assert _TOKEN_OWNER.sql(**token) == orm_sql(_TOKEN_OWNER.build(**token))


def test_a_token_reads_its_user_with_the_columns_django_converts(world):
    """The API's token lookup (one prepared query) gives the user as Django would load them: a JSON column
    comes back as a list, not as its text, here and on the other database; an expired or revoked token and
    an unknown one give nothing."""
    user = world.users["nurse"]
    user.idp_professions = ["Infirmier"]
    user.save()
    token, raw = ApiToken.issue(user)
    pk, last_used_at, found = token_owner(raw)
    assert (pk, found.pk, found.username, found.idp_professions) == (token.pk, user.pk, user.username, ["Infirmier"])
    assert found.password == user.password and found.is_active
    assert token_owner(raw + "x") is None
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert token_owner(raw) is None


def test_the_rows_are_the_querysets_on_every_database(world):
    """The grants of a doctor of A during an emergency access to a person A does not follow: the rows the
    prepared query returns are the ORM's, here and on the other database."""
    doctor = world.users["doctor"]
    stranger = Person.objects.create(first_name="Jean", last_name="Dupont")
    FollowUp.objects.create(person=stranger, service=world.service_b, opened_on=datetime.date(2026, 1, 5))
    EmergencyAccess.objects.create(user=doctor, person=stranger, service=world.service_a, reason="urgence vitale",
                                   expires_at=timezone.now() + datetime.timedelta(hours=1))
    services = access.service_ids(doctor)
    request = access._request_values(doctor, services)
    persons = [world.person.pk, stranger.pk]
    rows = access._GRANT_ROWS.rows(**request, persons=persons)
    assert sorted(rows) == sorted(access._grant_rows_query(**request, persons=persons))
    assert sorted(rows) == sorted([(world.person.pk, world.service_a.pk, "follow", world.service_a.pk),
                                   (stranger.pk, world.service_a.pk, "emergency", world.service_a.pk)])
    assert access._GRANT_ROWS.rows(**request, persons=[]) == []
    assert access._GRANT_ROWS.rows(**{**request, "services": [], "health_services": []}, persons=persons) == []
    assert set(access.visible_persons(doctor)) == {world.person, stranger}
    assert set(access.visible_persons(doctor, compartment=Compartment.ADMINISTRATIVE)) == {world.person}
    assert not access.visible_persons(world.outsider).filter(pk=world.person.pk).exists()


def test_a_value_used_twice_is_bound_twice(world):
    both = PreparedQuery(lambda *, service: FollowUp.objects.filter(
        service_id=service, person__followups__service_id=service).values_list("pk"), service="int")
    assert both.rows(service=world.service_a.pk) == [(FollowUp.objects.get(service=world.service_a).pk,)]
    assert both.rows(service=world.service_b.pk) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compiled on PostgreSQL only")
def test_a_queryset_whose_sql_depends_on_its_values_is_refused():
    # __in binds each id on its own: the SQL's parameters change with the list, which cannot be prepared.
    by_in = PreparedQuery(lambda *, services: FollowUp.objects.filter(service_id__in=services).values_list("pk"),
                          services="ids")
    with pytest.raises(ImproperlyConfigured, match="changed with the values"):
        by_in.rows(services=[1, 2])
    twice = PreparedQuery(lambda *, a, b: FollowUp.objects.filter(service_id=a, person_id=b).values_list("pk"),
                          a="int", b="int")
    assert twice.rows(a=1, b=2) == []  # two values, two places: accepted


def test_values_are_checked_before_they_are_bound():
    query = PreparedQuery(lambda *, services, today: FollowUp.objects.giving_access(today).filter(
        service_id__any_of=services).values_list("pk"), services="ids", today="date")
    with pytest.raises(ValueError):
        query.rows(services=["1 OR 1=1"], today=datetime.date(2026, 1, 1))
    with pytest.raises(TypeError):
        query.rows(services=[1], today="2026-01-01")
    with pytest.raises(TypeError):
        query.rows(services=[1])
    assert query.rows(services=[], today=datetime.date(2026, 1, 1)) == []
