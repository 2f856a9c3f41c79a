"""How many products a list has, counted once and kept with the cached pages.

Every product list shows "N products, page x of y" and links its last page, so
its paginator needs a count: a `COUNT(*)` over every published product of the
list (all of them, or one category's), 2.6 ms of the 3.6 ms a 50,000-product
list spends in the database, on every page of every sort. The count depends only
on which list it is, not on the page, sort or page size, so it is kept in the
`pages` cache beside the cached pages (catalog/pagecache.py), for
PAGE_CACHE_SECONDS, and retired with them by every catalog save or delete (the
generation of catalog/pagecache.py).
Logged-in visitors, who never get a cached page, share the count too; staff
count afresh (catalog/kept.py, `fresh_for`).

A count is kept for the lists the view makes itself (all products, or a
category's), under a key made from the list's filters read as data (`count_key`):
every sort of a list shares it. The view keeps it only for a queryset whose
filters are its own list's: one a fork filters otherwise (in get_queryset itself,
or in a subclass) counts its rows every time, rather than sharing the whole list's
count, and a filter's value from the request (a search) never makes a key of its
own. It is counted again where the rows of the page asked for fall short of it
(`CachedCountPaginator`).
Otherwise how true it stays is how fresh the cached pages are: the worker (or,
with a shared cache server, every worker) that commits a change counts again on
the next request; other workers within PAGE_CACHE_SECONDS. PAGE_CACHE_SECONDS=0
counts on every request.
"""

import datetime
import hashlib
import uuid
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Model
from django.db.models.expressions import Col
from django.db.models.lookups import Lookup
from django.db.models.sql.where import WhereNode
from django.utils.functional import cached_property

from catalog.kept import kept


class CachedCountPaginator(Paginator):
    """A Paginator whose `count` comes from the `pages` cache under `count_key`
    (counted every time without one).

    A count kept while another process changed the catalog is too high or too low
    until it expires. Where the rows of the page asked for disagree with it (fewer
    than it promises that page: products deleted or unpublished elsewhere), it is
    counted again and kept anew, and the page is taken by the new count: a page
    past the real end is the 404 it would be, never an empty page stored in the
    page cache for everyone. The page's rows are read here rather than by the
    template; a page whose rows agree costs no query more. `last`: the page was
    asked for as Django's `?page=last`, the last page by the new count too.
    """

    def __init__(
        self,
        object_list,
        per_page,
        *,
        count_key: str | None,
        fresh: bool = False,
        last: bool = False,
        **kwargs,
    ):
        super().__init__(object_list, per_page, **kwargs)
        self.count_key = count_key
        self.fresh = fresh
        self.last = last

    @cached_property
    def count(self) -> int:
        return self._count()

    def _count(self, again: bool = False) -> int:
        # Paginator.count is a cached_property: .func is Django's own COUNT(*).
        def count() -> int:
            return Paginator.count.func(self)

        if self.count_key is None:
            return count()
        # Kept with the generation it was counted under, as a cached page is:
        # a count taken while a change committed is never used.
        return kept(self.count_key, count, is_count, fresh=self.fresh, again=again)

    def page(self, number):
        page = super().page(number)
        if len(page.object_list) == self._rows_on(page.number):
            return page
        self.__dict__.pop("num_pages", None)
        self.count = self._count(again=True)
        return super().page(self.num_pages if self.last else number)

    def _rows_on(self, number: int) -> int:
        """How many rows page `number` holds by the count (as Paginator.page slices)."""
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        return (self.count if top + self.orphans >= self.count else top) - bottom


def is_count(value) -> bool:
    return type(value) is int and value >= 0


def count_key(queryset) -> str | None:
    """The cache key of `queryset`'s count: its model and its filters, the WHERE of
    its query read as data, hashed. One list is one key whatever its order, and a
    list filtered otherwise another key. None for a query this cannot read as data:
    a slice, DISTINCT, a union, a filter by an expression or a subquery."""
    query = queryset.query
    if query.is_sliced or query.distinct or query.combinator or query.extra:
        return None
    filters = _as_data(query.where)
    if filters is None:
        return None
    text = repr((queryset.model._meta.label, filters))
    return "catalog-count:" + hashlib.sha256(text.encode()).hexdigest()


# Values a filter compares with that repr() tells apart by kind and value.
PLAIN = (str, int, float, bool, bytes, Decimal, datetime.date, datetime.time, uuid.UUID)


def _as_data(node):
    """A WHERE tree as tuples of plain values, or None where a part is not plain."""
    if isinstance(node, WhereNode):
        children = tuple(_as_data(child) for child in node.children)
        if any(child is None for child in children):
            return None
        return (node.connector, node.negated, children)
    if isinstance(node, Lookup) and isinstance(node.lhs, Col):
        column = (node.lhs.alias, node.lhs.target.column)
        value = _value(node.rhs)
        return None if value is None else (type(node).__qualname__, column, value)
    return None


def _value(rhs):
    if rhs is None or isinstance(rhs, PLAIN):
        return (type(rhs).__qualname__, rhs)
    if isinstance(rhs, Model) and isinstance(rhs.pk, PLAIN):
        return (rhs._meta.label, rhs.pk)
    if isinstance(rhs, list | tuple | set | frozenset):
        values = [_value(item) for item in rhs]
        if any(value is None for value in values):
            return None
        return (type(rhs).__qualname__, tuple(sorted(values, key=repr)))
    return None
