"""core.pages.counted_page: the total and a page in one query, the same as count() and a slice (D77)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aupres.core.pages import counted_page, page_of
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


def test_a_screen_page_as_paginator_gives_it_from_one_query(persons):
    """page_of: the Page of Paginator.get_page (not a number → the first, past the end → the last), read with its
    total in one query; `prepare` gets the rows shown."""
    seen = []

    def prepare(rows):
        seen.append([p.first_name for p in rows])
        return rows

    with CaptureQueriesContext(connection) as queries:
        page = page_of(persons, "2", 10, prepare=prepare)
    assert len(queries) == 1
    assert (page.number, page.paginator.count, page.paginator.num_pages) == (2, 23, 3)
    assert [p.first_name for p in page] == [f"P{i:02}" for i in range(10, 20)] == seen[-1]
    assert page.has_previous() and page.has_next()
    assert page_of(persons, "x", 10).number == 1
    last = page_of(persons, "9", 10)
    assert (last.number, len(last), last.has_next()) == (3, 3, False)
    with CaptureQueriesContext(connection) as queries:
        known = page_of(persons, 1, 10, total=23)
    assert len(queries) == 1 and known.paginator.count == 23 and len(known) == 10
    assert len(page_of(persons.none(), 1, 10)) == 0
