"""Values kept with the cached pages until the catalog changes.

Some of what a page shows is the same for every visitor, logged in or not: a
list's product count, the home page's latest products, a product's own page
below the header. `kept(key, make, usable)` returns `make()`'s value, computed
once and then kept in the `pages` cache beside the cached list pages
(catalog/pagecache.py) for PAGE_CACHE_SECONDS, stored with the generation it was
made under. A save or delete of a category, product or feature, or of a model
related to one (catalog/apps.py), gives the generation a new value, so the next
request makes it afresh; a value made while a change committed carries the old
generation and is never used.

That is what separates it from the page cache: a page cache hit skips the view,
and only anonymous visitors get one; a kept value is one part of a page that is
still rendered for each request, with its visitor's header, session and CSRF
token, so logged-in visitors share it too.

What goes in must not depend on who asks: the HTML kept here is rendered
without a request (catalog/views.py), so no template in it can reach a session,
a user or a CSRF token.

If the cache's server does not answer, the value is made for this request only
(and the next one tries again), and the error is logged at the level
config/cache.outage_level gives. PAGE_CACHE_SECONDS=0 makes it on every request.

Staff read past every kept value (`fresh_for`): they change the catalog and look
at the change on the site, and without a shared cache only the worker that made
the change clears its copies; the next request may reach another worker, whose
copies are up to PAGE_CACHE_SECONDS old.
"""

import contextvars
import hashlib
import logging
import math
import time
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from catalog import pagecache
from config.cache import outage_level, unavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")


# Whether the request being answered used a value an earlier request made (`marks_kept`).
FOUND: contextvars.ContextVar[bool] = contextvars.ContextVar("kept_found", default=False)
# Set on such an answer; the footer's query log (config/querylog) then says why the page
# ran fewer queries than its parts take.
HEADER = "X-Kept-Content"


def marks_kept(view):
    """`view`, its answer marked `X-Kept-Content: hit` when it used a kept value an
    earlier request made."""

    @wraps(view)
    def marked(request, *args, **kwargs):
        found = FOUND.set(False)  # a worker's thread answers one request after another
        try:
            response = view(request, *args, **kwargs)
            if FOUND.get():
                response[HEADER] = "hit"
            return response
        finally:
            FOUND.reset(found)

    return marked


def kept(
    key: str,
    make: Callable[[], T],
    usable: Callable[[object], bool],
    *,
    fresh: bool = False,
    again: bool = False,
) -> T:
    """`make()`, or what it returned earlier under the current catalog generation;
    always `make()` when `fresh` (`fresh_for`), which keeps nothing either. With
    `again`, `make()` replaces what was kept: for a value found out of date.

    `usable(value)`: whether a value found is one `make()` could have returned. One
    that is not (another release's shape, another program's value in a shared
    Redis) is made again and replaced, where the caller took it apart and failed.

    An exception from `make()` (Http404, say) goes to the caller and keeps nothing.
    """
    if fresh or not settings.PAGE_CACHE_SECONDS:
        return make()
    try:
        generation, found = pagecache.lookup(key)
    except unavailable() as error:
        logger.log(outage_level(error), "Kept values unavailable, made afresh: %r", error)
        return make()
    if found is not None and not again and _is_kept(found, usable):
        # A value an older release kept, without its time, counts as going now.
        _used_until(found[2] if len(found) == 3 else 0)
        FOUND.set(True)
        return found[1]
    value = make()
    until = time.time() + settings.PAGE_CACHE_SECONDS
    _used_until(until)
    try:
        caches[pagecache.CACHE_ALIAS].set(
            key, (generation, value, until), settings.PAGE_CACHE_SECONDS
        )
    except unavailable() as error:  # made again next time, as with no cache
        logger.log(outage_level(error), "Kept values unavailable, value not kept: %r", error)
    return value


def _is_kept(found: tuple, usable: Callable[[object], bool]) -> bool:
    """Whether `found` is (generation, value, until), or an older release's
    (generation, value), with a value `usable` takes."""
    if len(found) == 3 and not _is_time(found[2]):
        return False
    return len(found) in (2, 3) and usable(found[1])


def _is_time(until) -> bool:
    """Whether `until` is a time store() can count from: infinities, NaN and whole
    numbers too large for a float raised there, a 500 on every page that used it."""
    if type(until) is int:
        return abs(until) < 2**53
    return type(until) is float and math.isfinite(until)


def is_html(value) -> bool:
    return type(value) is SafeString


def _used_until(until: float) -> None:
    """A value kept until `until` goes into the page: a page cached with it is kept no
    longer (pagecache.KEPT_UNTIL)."""
    pagecache.KEPT_UNTIL.set(min(pagecache.KEPT_UNTIL.get(), until))


def fresh_for(request) -> bool:
    """Whether `request` reads the catalog as it is now rather than kept: staff's.
    A request that went through no AuthenticationMiddleware has no user: not staff."""
    return getattr(getattr(request, "user", None), "is_staff", False)


def kept_key(request) -> str:
    """The key of what is kept for the page `request` asks for.

    It holds the path (script prefix included: the links kept depend on it), the
    URLconf (a page's links and sections depend on which URLs exist) and the
    active language (prices are formatted in it, and a fork's `i18n_patterns`
    put it in every link): `pagecache.page_identity()`.
    """
    identity = pagecache.page_identity(request.path)
    return "catalog-part:" + hashlib.sha256(identity.encode()).hexdigest()


def kept_html(request, template_name: str, make_context: Callable[[], dict]) -> SafeString:
    """`template_name` rendered with `make_context()`, kept for the page `request` asks for.

    Rendered without the request, so nothing in it can depend on the visitor.
    """
    return kept(
        kept_key(request),
        lambda: render_to_string(template_name, make_context()),
        is_html,
        fresh=fresh_for(request),
    )
