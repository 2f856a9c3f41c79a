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

A count is kept for the lists `counted_list(category)` makes (catalog/views.py: all
products, or a category's), under the category's key (`count_key`): every sort of a
list shares it. The view keeps it only for a queryset that counts the same rows,
read from the two queries as data (`same_rows`): one a fork filters otherwise (in
get_queryset itself, or in a subclass), joins so that rows repeat, groups or
annotates counts its rows every time, rather than sharing the list's count.
`counted_list` takes no request, so no key depends on one (a search, the time). A
count is counted again where the rows of the page asked for disagree with it,
fewer or more, and before a page past its end is a 404 (`CachedCountPaginator`).
Otherwise how true it stays is how fresh the cached pages are: the worker (or,
with a shared cache server, every worker) that commits a change counts again on
the next request; other workers within PAGE_CACHE_SECONDS. PAGE_CACHE_SECONDS=0
counts on every request.
"""

import datetime
import uuid
from decimal import Decimal

from django.core.paginator import EmptyPage, Paginator
from django.db.models import Model
from django.db.models.expressions import Col
from django.db.models.lookups import Lookup
from django.db.models.sql import Query
from django.db.models.sql.datastructures import Join
from django.db.models.sql.where import WhereNode
from django.utils.functional import cached_property

from catalog.kept import kept


class CachedCountPaginator(Paginator):
    """A Paginator whose `count` comes from the `pages` cache under `count_key`
    (counted every time without one).

    A count kept while another process changed the catalog is too high or too low
    until it expires. Where the rows of the page asked for disagree with it, it is
    counted again and kept anew, and the page is taken by the new count:
    - fewer rows than it promises that page (products deleted or unpublished
      elsewhere): a page past the real end is the 404 it would be, never an empty
      page stored in the page cache for everyone;
    - more (products added or published elsewhere): the last page by the count
      reads one row more, which is there, and the page after its last counts again
      before it is a 404; the last page was shown cut short and stored, and the
      page after it was a 404.
    With orphans (`paginate_orphans`), every page read by a kept count reads past
    its own rows by orphans + 1: a count too high moved the real last page's
    orphans onto a page that no longer exists, and that page showed its own rows
    and stopped.
    The page's rows are read here rather than by the template; a page whose rows
    agree costs no query more. A count this request made is not made again.
    `last`: the page was asked for as Django's `?page=last`, the last page by the
    new count too.
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
        self.counted = False  # whether this request counted

    @cached_property
    def count(self) -> int:
        return self._count()

    def _count(self, again: bool = False) -> int:
        # Paginator.count is a cached_property: .func is Django's own COUNT(*).
        def count() -> int:
            self.counted = True
            return Paginator.count.func(self)

        if self.count_key is None:
            return count()
        # Kept with the generation it was counted under, as a cached page is:
        # a count taken while a change committed is never used.
        return kept(self.count_key, count, is_count, fresh=self.fresh, again=again)

    def page(self, number):
        try:
            number = self.validate_number(number)
        except EmptyPage:
            # The page after the kept count's last: a page typed further on, or junk
            # (?page=1000), is the 404 without a count, as it was before counts were kept.
            if self.counted or int(number) != self.num_pages + 1:
                raise
            return self._counted_again(number)
        bottom = (number - 1) * self.per_page
        promised = self._rows_on(number)
        # One row more on the last page by the count shows a count too low. With
        # orphans, every page reads orphans + 1 past its own: a count too high makes
        # the real last page, whichever it is, take the rows after it as orphans, and
        # read as a full page they were shown nowhere.
        near_end = number == self.num_pages or self.orphans
        more = self.orphans + 1 if near_end and not self.counted else 0
        rows = list(self.object_list[bottom : bottom + promised + more])
        if len(rows) == min(promised + more, self.count - bottom) or self.counted:
            return self._get_page(rows[:promised], number, self)
        return self._counted_again(number)

    def _counted_again(self, number):
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


def count_key(category) -> str:
    """The cache key of the count of the list `counted_list(category)` makes
    (catalog/views.py): of one category's published products, or of all."""
    return f"catalog-count:{category.pk if category else 'all'}"


def same_rows(queryset, listed) -> bool:
    """Whether `queryset` counts the rows `listed` does, read from their queries as
    data: the same model, the same filters (the WHERE tree's columns, lookups and
    plain values) and no join that repeats rows (one across a reverse or many-to-many
    relation, as `annotate(F("features__value"))` makes) that `listed` lacks. False
    for a query this cannot read so: a slice, DISTINCT, a union, grouping, `values()`,
    an annotation, `extra()`, a filter by an expression or a subquery."""
    mine = _rows(queryset)
    return mine is not None and mine == _rows(listed)


def _rows(queryset):
    query = getattr(queryset, "query", None)
    if not isinstance(query, Query) or (  # a list, a RawQuerySet: ListView takes any
        query.is_sliced
        or query.distinct
        or query.combinator
        or query.extra
        or query.extra_tables
        or query.values_select
        or query.group_by is not None
        or query.annotations
    ):
        return None
    filters = _as_data(query.where)
    if filters is None:
        return None
    repeating = sorted(
        (join.table_name, join.join_type)
        for join in query.alias_map.values()
        if isinstance(join, Join) and _repeats_rows(join)
    )
    return (queryset.model._meta.label, filters, tuple(repeating))


def _repeats_rows(join) -> bool:
    """A join across a reverse foreign key or a many-to-many: each row once per match.
    One along a foreign key (select_related's, a filter's) finds one row or none."""
    field = join.join_field
    return bool(getattr(field, "one_to_many", True) or getattr(field, "many_to_many", True))


# A longer list of values (`pk__in=[...]`) is not read, costing more than a count: the
# list is counted every time.
MAX_VALUES = 1_000
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
    if isinstance(rhs, list | tuple | set | frozenset) and len(rhs) <= MAX_VALUES:
        values = [_value(item) for item in rhs]
        if any(value is None for value in values):
            return None
        return (type(rhs).__qualname__, tuple(sorted(values, key=repr)))
    return None
