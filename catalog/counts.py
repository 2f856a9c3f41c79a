"""How many products a list has, counted once and kept with the cached pages.

Every product list shows "N products, page x of y" and links its last page, so
its paginator needs a count: a `COUNT(*)` over every published product of the
list (all of them, or one category's), 2.6 ms of the 3.6 ms a 50,000-product
list spends in the database, on every page of every sort. The count depends only
on which list it is, not on the page, sort or page size, so it is kept in the
`pages` cache beside the cached pages (catalog/pagecache.py), for
PAGE_CACHE_SECONDS, and retired with them by every catalog save or delete (the
generation of catalog/pagecache.py).
Logged-in visitors, who never get a cached page, share the count too.

How true it stays is how fresh the cached pages are: the worker (or, with a
shared cache server, every worker) that commits a change counts again on the
next request; other workers within PAGE_CACHE_SECONDS. PAGE_CACHE_SECONDS=0
counts on every request.
"""

from contextlib import suppress

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from catalog import pagecache
from config.cache import UNAVAILABLE


class CachedCountPaginator(Paginator):
    """A Paginator whose `count` comes from the `pages` cache under `count_key`."""

    def __init__(self, object_list, per_page, *, count_key: str, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        if not settings.PAGE_CACHE_SECONDS:
            return super().count
        try:
            # Kept with the generation it was counted under, as a cached page is:
            # a count taken while a change committed is never used.
            generation, kept = pagecache.lookup(self.count_key)
        except UNAVAILABLE:
            return super().count
        if kept is not None:
            return kept[1]
        count = super().count
        # Cache server down: counted again next time, as with no cache.
        with suppress(UNAVAILABLE):
            caches[pagecache.CACHE_ALIAS].set(
                self.count_key, (generation, count), settings.PAGE_CACHE_SECONDS
            )
        return count


def count_key(category) -> str:
    """The cache key of the count of published products, of one category or of all."""
    return f"catalog-count:{category.pk if category else 'all'}"
