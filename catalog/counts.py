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

How true it stays is how fresh the cached pages are: the worker (or, with a
shared cache server, every worker) that commits a change counts again on the
next request; other workers within PAGE_CACHE_SECONDS. PAGE_CACHE_SECONDS=0
counts on every request.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from catalog.kept import kept


class CachedCountPaginator(Paginator):
    """A Paginator whose `count` comes from the `pages` cache under `count_key`."""

    def __init__(self, object_list, per_page, *, count_key: str, fresh: bool = False, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_key = count_key
        self.fresh = fresh

    @cached_property
    def count(self) -> int:
        # Kept with the generation it was counted under, as a cached page is:
        # a count taken while a change committed is never used.
        # Paginator.count is a cached_property: .func is Django's own COUNT(*).
        return kept(self.count_key, lambda: Paginator.count.func(self), fresh=self.fresh)


def count_key(category) -> str:
    """The cache key of the count of published products, of one category or of all."""
    return f"catalog-count:{category.pk if category else 'all'}"
