"""A page of a list and the size of the whole list, in one query (issue #15, D77).

A list answers its total and one page. Counting in a query of its own runs the list's query twice (for the
persons a nurse reaches: the four ways in and the persons, 2–3 ms on PostgreSQL and 1–2 ms of Python again).
The page's ORDER BY reads the whole list anyway: `COUNT(*) OVER ()` gives the total from the same rows. A page
past the end has no row to carry it: the total is then counted by a query of its own."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, Window


def counted_page(queryset, offset, limit):
    """(total, the rows from `offset`, at most `limit`) of a queryset of model instances."""
    query = queryset.query
    if query.distinct or query.combinator or query.is_sliced:
        # A window is computed before DISTINCT; a combined or sliced query takes no annotation: count apart.
        return queryset.count(), list(queryset[offset: offset + limit])
    rows = list(queryset.annotate(page_total=Window(Count("pk")))[offset: offset + limit])
    if rows:
        return rows[0].page_total, rows
    return (queryset.count() if offset else 0), rows


def page_of(queryset, number, per_page, *, total=None, prepare=None):
    """The Django Page a screen shows (as Paginator.get_page: a number that is not one gives the first page,
    one past the end the last), from one query: counted_page, or a slice when the total is already known
    (e.g. the count of a tab). `prepare(rows)` returns the rows shown (attaches, journals)."""
    try:
        number = max(1, int(number))
    except (TypeError, ValueError):
        number = 1
    paginator = Paginator(queryset, per_page)
    offset = (number - 1) * per_page
    if total is None:
        total, rows = counted_page(queryset, offset, per_page)
    else:
        rows = list(queryset[offset: offset + per_page]) if offset < total else []
    paginator.count = total  # a cached property: Paginator does not count again
    if not rows and number > 1:
        return page_of(queryset, paginator.num_pages, per_page, total=total, prepare=prepare)
    return Page(prepare(rows) if prepare else rows, number, paginator)
