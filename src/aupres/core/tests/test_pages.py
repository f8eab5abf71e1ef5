"""core.pages.counted_page: the total and a page in one query, the same as count() and a slice (D76)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aupres.core.pages import counted_page
from aupres.persons.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def persons(db):
    Person.objects.bulk_create(Person(first_name=f"P{i:02}", last_name="Martin") for i in range(23))
    return Person.objects.filter(last_name="Martin").order_by("first_name")


@pytest.mark.parametrize(("offset", "limit"), [(0, 10), (10, 10), (20, 10), (22, 1), (0, 200)])
def test_a_page_and_its_total_in_one_query(persons, offset, limit):
    with CaptureQueriesContext(connection) as queries:
        total, rows = counted_page(persons, offset, limit)
    assert len(queries) == 1
    assert total == persons.count() == 23
    assert rows == list(persons[offset: offset + limit])


def test_a_page_past_the_end_counts_apart(persons):
    with CaptureQueriesContext(connection) as queries:
        assert counted_page(persons, 40, 10) == (23, [])
    assert len(queries) == 2
    assert counted_page(persons.filter(first_name="nobody"), 0, 10) == (0, [])


def test_a_distinct_list_is_counted_after_distinct(persons):
    """A window counts the rows before DISTINCT: a distinct list is counted by a query of its own."""
    martins = Person.objects.filter(last_name="Martin").order_by()
    doubled = martins.union(martins, all=True)
    assert counted_page(doubled, 0, 5)[0] == 46
    distinct = Person.objects.filter(last_name__in=["Martin", "Martin"]).values("last_name").distinct()
    assert counted_page(distinct.order_by(), 0, 5) == (1, [{"last_name": "Martin"}])
