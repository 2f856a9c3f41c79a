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
- only URLs whose query string is made of the list's own parameters (`page`,
  `per_page`, `sort`, `category`), once each, in plain letters, digits, `-`
  and `_`: anything else renders as usual, so nobody can fill the cache with
  junk parameters or get them into the links of a page others are served;
- entries live PAGE_CACHE_SECONDS (10 by default), in each worker's memory
  (Django's local-memory cache): no query at all on a hit, and the catalog's own
  queries, exactly, on a miss. A save or delete of a category, product or
  feature clears the worker that made it as soon as its transaction commits;
  other workers and dynos show the change when their entry expires. That bound
  is the price of needing no shared cache server; a fork with one (Heroku
  Key-Value Store) points CACHES["pages"] at it, in a Redis database of its own
  since `clear()` flushes the database, and every worker sees the clear (but
  the guard against storing a page rendered across a clear stays per process).

`X-Page-Cache: hit | miss | bypass` on every list page says which path the
request took (a 404 is raised before it is set).
"""

import hashlib
import re
import threading
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

CACHE_ALIAS = "pages"
PARAMETERS = frozenset({"page", "per_page", "sort", "category"})
VALUE = re.compile(r"[-\w]{0,64}", re.ASCII)
HEADER = "X-Page-Cache"


def cache_key(request) -> str | None:
    """The key of the page this request asks for, or None if it must not be cached."""
    if not settings.PAGE_CACHE_SECONDS or request.method not in ("GET", "HEAD"):
        return None
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return None
    parameters = []
    for name, values in request.GET.lists():
        if name not in PARAMETERS or len(values) != 1 or not VALUE.fullmatch(values[0]):
            return None
        parameters.append((name, values[0]))
    url = f"{request.path}?{urlencode(sorted(parameters))}"
    # Hashed: short keys whatever the slug, for any cache backend (memcached stops at 250).
    return "catalog-page:" + hashlib.sha256(url.encode()).hexdigest()


def cache_anonymous_page(view):
    """Serve `view` from the `pages` cache for anonymous visitors (see the module's doc)."""

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        key = cache_key(request)
        pages = caches[CACHE_ALIAS]
        cached = None if key is None else pages.get(key)
        if cached is not None:
            content_type, content = cached
            response, outcome = HttpResponse(content, content_type=content_type), "hit"
        else:
            generation = _clears.generation
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            outcome = "bypass" if key is None else "miss"
            if key is not None and storable(request, response):
                store(key, (response["Content-Type"], response.content), generation)
        response[HEADER] = outcome
        # Which copy a visitor gets depends on their cookies, even when this one
        # rendered without reading the session: shared HTTP caches must know.
        patch_vary_headers(response, ("Cookie",))
        return response

    return cached_view


def store(key: str, page: tuple[str, bytes], generation: int) -> None:
    """Keep the page, unless the cache was cleared while it rendered: another thread
    committed a change, and this render may have read the rows from before it."""
    with _clears.lock:
        if generation == _clears.generation:
            caches[CACHE_ALIAS].set(key, page, settings.PAGE_CACHE_SECONDS)


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


def invalidate(**kwargs) -> None:
    """Clear the cached pages once the current transaction commits.

    The receiver of every catalog save and delete (hence **kwargs); writes that
    send no signals (`bulk_create`, `update()`) call it themselves, as
    `seed_catalog` does (from its own process, so the web workers see a seed when
    their pages expire). After the commit, not before: a page rendered in between
    from the old rows would be cached again.

    The price: Django no longer deletes features in one statement when their
    product goes, since every deleted row now sends its signal.
    """
    transaction.on_commit(clear)


class _Clears:
    """How many times this process cleared its pages: a render stores its page only
    if no clear happened while it ran."""

    def __init__(self):
        self.generation = 0
        self.lock = threading.Lock()


_clears = _Clears()


def clear() -> None:
    with _clears.lock:
        _clears.generation += 1
        caches[CACHE_ALIAS].clear()
