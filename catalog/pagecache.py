"""A page cache for the product lists anonymous visitors see.

Rendering a list page is ~10 ms of Python (24 cards with their features) against
~0.5 ms for a page that renders nothing; under load that caps the list at a
fraction of what the web process can serve. The list pages an anonymous visitor
sees are the same for every such visitor, so each is rendered once and then
served from the `pages` cache for a few seconds.

What is cached, and what never is:

- only GET and HEAD of a 200 page, for requests without a session cookie or a
  messages cookie: a logged-in header, a flash message or a CSRF token is never
  stored, and never served to someone else;
- only URLs whose query string the view's `canonical(request, kwargs)` accepts:
  for the product lists (`views.is_canonical_query`), the list's own parameters
  (`page`, `per_page`, `sort`, `category`), once each, spelled as its form and
  pager spell them. Anything else renders as usual, so nobody can fill the cache
  with junk parameters or other spellings of one page (`per_page=024`), or get
  them into the links of a page others are served;
- entries live PAGE_CACHE_SECONDS (10 by default) in the `pages` cache alias:
  each worker's memory (Django's local-memory cache), or Redis shared by every
  worker of every dyno when Heroku Key-Value Store is attached (config/cache.py).
  No query at all on a hit, and the catalog's own queries, exactly, on a miss.

A save or delete of a category, product or feature, or of a model related to one
(catalog/apps.py), clears the pages as soon as its transaction commits: it gives a
generation number kept in the same cache a new value, and every page is stored
with the generation it was rendered under and served only while that is still the
current one. So a clear reaches every worker that
shares the cache at once (with Redis, every dyno; in memory, the worker that
made the change, the others when their copies expire), it never flushes
anything else kept in that cache (the throttles' counts share the Redis), and a
page that was rendering while a change committed carries the old generation:
it is never served, on any worker.

A hit costs little more than a page that renders nothing: the page is stored
with its gzip-compressed bytes, made once when it is stored, and served to a
client that accepts gzip as they are (GZipMiddleware leaves a response with a
Content-Encoding alone). No random padding against BREACH is needed there: a
cached page holds no CSRF token or other secret. When the query log writes its
footer into each page (config/querylog), the plain bytes are served and
compressed after it, as every other page is.

If the cache's server does not answer (Redis down or out of memory), pages
render as if uncached (`X-Page-Cache: bypass`) and the error is logged, at the
level config/cache.outage_level gives. A clear it refused is sent again before
this process next reads the cache, and until it goes through the process serves
and keeps nothing from it (`unsent_clear`).

`X-Page-Cache: hit | miss | bypass` on every list page says which path the
request took (a 404 is raised before it is set).
"""

import contextvars
import gzip
import hashlib
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.urls import get_urlconf
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from config.cache import outage_level, unavailable

CACHE_ALIAS = "pages"
HEADER = "X-Page-Cache"
# When the soonest of the kept values (catalog/kept.py) a page being rendered used
# stops being kept. A worker that never saw a change another process committed
# sees it when its copies expire: a page cached a whole PAGE_CACHE_SECONDS after
# it used a count kept nearly as long showed the old count (and its page numbers)
# for up to twice that.
KEPT_UNTIL: contextvars.ContextVar[float] = contextvars.ContextVar("kept_until", default=math.inf)

# The current generation: a whole number, kept without expiry beside the pages.
GENERATION = "catalog-page-generation"

logger = logging.getLogger(__name__)

Canonical = Callable[[HttpRequest, dict], bool]


def cache_key(request, canonical: Canonical, kwargs: dict) -> str | None:
    """The key of the page this request asks for, or None if it must not be cached.

    `canonical` and `kwargs`: the decorated view's, see cache_anonymous_page()."""
    if not settings.PAGE_CACHE_SECONDS or request.method not in ("GET", "HEAD"):
        return None
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return None
    if not canonical(request, kwargs):
        return None
    parameters = sorted((name, values[0]) for name, values in request.GET.lists())
    page = page_identity(f"{request.path}?{urlencode(parameters)}")
    # Hashed: short keys whatever the slug, for any cache backend (memcached stops at 250).
    return "catalog-page:" + hashlib.sha256(page.encode()).hexdigest()


def page_identity(path: str) -> str:
    """What a page rendered for `path` (with its query string, for a cached page)
    depends on besides the catalog: the URLconf (a request's own `urlconf` links
    other URLs) and the active language (prices are formatted in it, and a fork's
    `i18n_patterns` put it in every link). The page cache's keys and those of
    the kept parts (catalog/kept.py) are made from it."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return f"{urlconf}\n{get_language()}\n{path}"


def cache_anonymous_page(view, canonical: Canonical):
    """Serve `view` from the `pages` cache for anonymous visitors (see the module's doc).

    `canonical(request, kwargs)`: whether the request's query string is one the
    site's own links use for the page (`kwargs`: the URL's, as the view gets them).
    Only those pages are stored; each parameter must appear once."""

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        key = cache_key(request, canonical, kwargs)
        generation = page = None
        if key is not None:
            try:
                generation, page = lookup(key)
            except unavailable() as error:
                logger.log(outage_level(error), "Page cache unavailable, rendering: %r", error)
                key = None
        if page is not None and not is_page(page):
            page = None  # stored in another shape: rendered, and stored again
        if page is not None:
            response, outcome = cached_response(request, page), "hit"
        else:
            used = KEPT_UNTIL.set(math.inf)
            try:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render"):
                    response.render()
                until = KEPT_UNTIL.get()
            finally:
                KEPT_UNTIL.reset(used)
            outcome = "bypass" if key is None else "miss"
            if key is not None and storable(request, response):
                store(key, response, generation, until)
        response[HEADER] = outcome
        # Which copy a visitor gets depends on their cookies, even when this one
        # rendered without reading the session, and on whether they accept gzip:
        # shared HTTP caches must know.
        patch_vary_headers(response, ("Accept-Encoding", "Cookie"))
        return response

    return cached_view


def lookup(key: str) -> tuple[int, tuple | None]:
    """The current generation and the tuple stored under it at `key`: one round trip
    when the generation is found, up to four when it must be made.

    After a clear the cache refused, the clear again first: while it is refused
    this raises as the cache does, and the caller renders (`unsent_clear`).

    A value of another shape (another release's, another program's in a shared
    Redis) is not found: a generation that is not a whole number is replaced, as
    if lost, and anything at `key` but a tuple starting with the generation is
    missing. The caller checks the rest of the tuple (`is_page`, kept.py)."""
    if unsent_clear.is_set():
        _clear()
    pages = caches[CACHE_ALIAS]
    found = pages.get_many([GENERATION, key])
    generation = found.get(GENERATION)
    if not is_generation(generation):  # never cleared yet, evicted, or unusable
        # A new one, which no stored page has; another process may add one first.
        pages.add(GENERATION, new_generation(), timeout=None)
        # get_many: Redis's MGET finds nothing under a key of another type (a list),
        # where GET raises.
        generation = pages.get_many([GENERATION]).get(GENERATION)
        if not is_generation(generation):  # what is there cannot be used: replaced
            generation = new_generation()
            pages.set(GENERATION, generation, timeout=None)
        return generation, None
    page = found.get(key)
    if type(page) is not tuple or not page or page[0] != generation:
        return generation, None
    return generation, page


# A header value gunicorn sends (its HEADER_VALUE_RE, ASCII part): Django refuses a
# line break, gunicorn any other control character but a tab, both with a 500.
HEADER_VALUE = re.compile(r"[ \t\x21-\x7e]*")


def new_generation() -> int:
    """A generation no stored page has: the time in nanoseconds. Only equality counts,
    so dynos whose clocks differ still retire every page they clear."""
    return time.time_ns()


def is_generation(value) -> bool:
    return type(value) is int  # bool is an int subclass, not a generation


def is_page(page: tuple) -> bool:
    """Whether `page`, found by lookup(), is in the shape store() writes: a header
    value Django can send (a line break in it raised) and gzip bytes where it says so."""
    return (
        len(page) == 4
        and type(page[1]) is str
        and HEADER_VALUE.fullmatch(page[1]) is not None
        and type(page[2]) is bytes
        and (page[3] is None or (type(page[3]) is bytes and page[3][:2] == b"\x1f\x8b"))
    )


def cached_response(request, page: tuple) -> HttpResponse:
    """The stored page, compressed if the client takes gzip and nothing writes into it after us."""
    _, content_type, plain, compressed = page
    # The query log (config/querylog) writes its footer into the plain page;
    # GZipMiddleware compresses the result afterwards.
    rewritten = getattr(request, "query_log", None) is not None
    accepts_gzip = re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
    if compressed is not None and accepts_gzip and not rewritten:
        response = HttpResponse(compressed, content_type=content_type)
        response["Content-Encoding"] = "gzip"
        return response
    return HttpResponse(plain, content_type=content_type)


def store(key: str, response, generation: int, until: float = math.inf) -> None:
    """Keep the page with the generation it was rendered under, and its gzip bytes,
    until `until` (time.time(), to the second) at the latest.

    If a change committed while it rendered, the generation has moved on and
    this copy, which may hold the rows from before, is never served. A page is kept
    no longer than the kept values it shows (KEPT_UNTIL).
    """
    # To the second, as a cache server keeps it: up to a second past `until`, where
    # rounding down stored nothing with PAGE_CACHE_SECONDS=1.
    left = until - time.time()
    seconds = (
        settings.PAGE_CACHE_SECONDS if left >= settings.PAGE_CACHE_SECONDS else math.ceil(left)
    )
    if seconds < 1:
        return
    plain = response.content
    # mtime=0: the same page compresses to the same bytes on every worker.
    compressed = gzip.compress(plain, compresslevel=6, mtime=0)
    if len(compressed) >= len(plain):
        compressed = None
    page = (generation, response["Content-Type"], plain, compressed)
    try:
        caches[CACHE_ALIAS].set(key, page, seconds)
    except unavailable() as error:
        logger.log(outage_level(error), "Page cache unavailable, page not stored: %r", error)


def storable(request, response) -> bool:
    """A plain 200 page that set no cookie, wrote no session and used no CSRF token."""
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not (session is not None and session.modified)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def invalidate(using: str | None = None, **kwargs) -> None:
    """Clear the cached pages once the current transaction commits: that of the
    connection `using` names, the one a save or delete signal says wrote.

    The receiver of every save and delete catalog/apps.py counts (hence **kwargs); writes that
    send no signals (`bulk_create`, `update()`) call it themselves, as
    `seed_catalog` does. After the commit, not before: a page rendered in
    between from the old rows would be cached again.

    The price: Django no longer deletes features in one statement when their
    product goes, since every deleted row now sends its signal (only the models
    whose changes show on catalog pages: catalog/apps.py).

    Once a transaction: every row registered a clear of its own, and the admin's
    "delete selected" on 50,000 products (with their features) ran 300,000 after
    the commit, each two round trips on Redis, inside the request. Each change
    still registers (a savepoint rolled back drops its own), but all those of a
    transaction share one `_Clear`, which clears when the first of them runs.
    """
    connection = transaction.get_connection(using)
    pending = getattr(connection, "_pagecache_clear", None)
    if pending is None or pending.done:
        pending = connection._pagecache_clear = _Clear()
    transaction.on_commit(pending, using=using)


class _Clear:
    """The clear of one transaction's changes: the first call clears, the rest find
    it done (and the next change starts another)."""

    __slots__ = ("done",)

    def __init__(self):
        self.done = False

    def __call__(self) -> None:
        if not self.done:
            self.done = True
            clear()


# Set when the cache refused a clear (Redis down, or full under `noeviction`): until
# it goes through, this process serves and keeps nothing from the cache, and sends
# the clear again before each lookup. Other processes (dynos, a `heroku run`) know
# nothing of it: their pages go stale for at most PAGE_CACHE_SECONDS.
unsent_clear = threading.Event()


def clear() -> None:
    """Retire every cached page at once by giving the generation a new value.

    Nothing is deleted (the copies expire by themselves): `clear()` of Django's
    RedisCache would flush the whole Redis database, the throttles' counts with it.
    """
    try:
        _clear()
    except unavailable() as error:
        logger.log(
            outage_level(error),
            "Page cache unavailable, pages not cleared: %r (sent again before this "
            "process next reads the cache)",
            error,
        )


def _clear() -> None:
    """Give the generation a new value; while the cache refuses, `unsent_clear` stays
    set. It is taken down before the call, not after: a clear another thread has
    refused meanwhile sets it again, and is sent again too.

    A SET, not Redis's INCR: a new value retires every page whatever was there, where
    INCR refused a value that is not a 64-bit whole number (another release's, another
    program's, a key of another type), and every clear after it failed: the cache was
    off for good."""
    unsent_clear.clear()
    try:
        caches[CACHE_ALIAS].set(GENERATION, new_generation(), timeout=None)
    except BaseException:
        unsent_clear.set()
        raise
