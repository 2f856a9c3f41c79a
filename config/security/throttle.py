"""Count events per key in fixed windows of time, in a store every dyno shares.

    hit(scope, value, *, limit, window) -> bool      count one event; True while within limit
    take(scope, value, *, limit, window) -> Taken    count one event before the work it bounds;
                                                     true while within limit, .give_back()
    reached(scope, value, *, limit, window) -> bool  the limit is reached (counts nothing)
    clear(scope, value, *, window)                   forget the current window's count
    seconds_left(window) -> int                      until the current window ends (Retry-After)

The first three also take `alias` (below).

`scope` names what is counted ("signup-client"), `value` whom (an address, an
e-mail address, a username); `window` is in seconds. Counts live in the cache
alias `throttles` (settings.CACHES), or another given as `alias`: Django's database
cache here, so every dyno and worker sees one count; point the alias at Redis and
nothing else changes. A count that must not be evicted by a flood of another
kind of count gets an alias (a table) of its own: past MAX_ENTRIES Django's
database cache deletes the rows whose keys sort first, live counts included.

Keys are an HMAC of the value under SECRET_KEY: the store never holds an e-mail
address or a username in clear. A count also adds what the same key reached
under each of SECRET_KEY_FALLBACKS (one more read while there are any): a secret
rotated with the old one kept as a fallback keeps the window's counts, a paused
account's among them, and adds what dynos still on the old one count meanwhile.

Windows are fixed (aligned on the clock), so a client may spend a window's
allowance at its end and the next one's at the start: at most twice the limit in
a short burst.

A bound on work that only counts when it fails (a password checked and wrong)
takes its count before the work and gives it back if the work turned out not to
count: asking `reached` first and counting after let every request in flight
through (20 wrong passwords sent at once had 16 checked against a bound of 10).
`take` counts, and the count, with the requests still in flight, is what is compared.

Counting is `add` (the first event) then `incr`. Redis increments atomically.
Django's database cache reads, then writes: requests counting on one key at once
each wrote the count they had read plus one, and ten in flight counted about one
hit in five. On it each count runs in a transaction that first takes a
PostgreSQL advisory lock on its key, so requests counting on one key take turns.

A store that does not answer (Redis down: config/cache.unavailable()) lets every
request through uncounted and logs it (config/cache.outage_level: an error,
reported to Sentry, once in 5 s a process, a warning for the rest): an outage of
the cache server must not stop signups and logins. Until it is back these limits
are off; django-axes' lockout per username and client, kept in the database,
still holds.
"""

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils.crypto import salted_hmac

from config.cache import outage_level, unavailable

ALIAS = "throttles"
# The first of the two keys of the advisory locks that count on a database cache
# (`_counting_alone`); the second is the count's key, hashed.
LOCK_CLASS = 0x54485254

logger = logging.getLogger(__name__)


def _fail_open(answer):
    """What a function returns when the store does not answer: `answer`, the failure logged."""

    def decorate(function):
        @wraps(function)
        def guarded(scope, value, **kwargs):
            try:
                return function(scope, value, **kwargs)
            except unavailable() as error:
                level = outage_level(error)
                logger.log(level, "Throttle store unavailable, %s not counted: %r", scope, error)
                return answer

        return guarded

    return decorate


def _key(scope: str, value: str, window: int, secret: str | None = None) -> str:
    digest = salted_hmac("config.security.throttle", f"{scope}\0{value}", secret=secret)
    return f"{scope}:{window}:{int(time.time() // window)}:{digest.hexdigest()}"


def _earlier_keys(scope: str, value: str, window: int) -> list[str]:
    """The same count's keys under SECRET_KEY_FALLBACKS: what it reached before the
    secret was rotated, or on the dynos of a deploy still running the old one."""
    return [_key(scope, value, window, old) for old in settings.SECRET_KEY_FALLBACKS]


def _earlier(store, scope: str, value: str, window: int) -> int:
    keys = _earlier_keys(scope, value, window)
    return sum(store.get_many(keys).values()) if keys else 0


def _store(window: int, alias: str = ALIAS):
    store = caches[alias]
    # incr() on Django's backends resets an entry's timeout to the alias's
    # default: a shorter default would forget counts before their window ends.
    if window > store.default_timeout:
        raise ValueError(
            f"A {window} s window needs CACHES[{alias!r}]['TIMEOUT'] of at least {window}."
        )
    return store


@dataclass
class Taken:
    """One event `take` counted: true while the count, this one included, is within its
    limit. `give_back()` takes it off the count it was added to (that window's)."""

    within: bool
    store: object = None  # None: the store did not answer, nothing was counted
    key: str = ""

    def __bool__(self) -> bool:
        return self.within

    def give_back(self) -> None:
        if self.store is None:
            return
        store, self.store = self.store, None
        try:
            with _counting_alone(store, self.key):
                store.decr(self.key)
        except ValueError:  # its window ended, and the count with it
            pass
        except unavailable() as error:
            level = outage_level(error)
            logger.log(level, "Throttle store unavailable, a count not given back: %r", error)


@_fail_open(Taken(True))  # counted nothing: its give_back() does nothing
def take(scope: str, value: str, *, limit: int, window: int, alias: str = ALIAS) -> Taken:
    """Count one event before the work it bounds; give it back (`Taken.give_back`) if the
    work never ran, or turned out not to be what the limit counts (a right password)."""
    store, key = _store(window, alias), _key(scope, value, window)
    count = _count(store, key, window) + _earlier(store, scope, value, window)
    return Taken(count <= limit, store, key)


def hit(scope: str, value: str, *, limit: int, window: int, alias: str = ALIAS) -> bool:
    """Count one event; whether the count in this window is still at most `limit`."""
    return take(scope, value, limit=limit, window=window, alias=alias).within


def _count(store, key: str, window: int) -> int:
    with _counting_alone(store, key):
        if store.add(key, 1, timeout=window):
            return 1
        try:
            return store.incr(key)
        except ValueError:  # expired between add() and incr()
            store.add(key, 1, timeout=window)
            return 1


@contextmanager
def _counting_alone(store, key: str):
    """On a database cache: a transaction in which no other request counts on `key`
    (a PostgreSQL advisory lock on it, let go at the commit). Elsewhere nothing."""
    if not isinstance(store, DatabaseCache):
        yield
        return
    using = router.db_for_write(store.cache_model_class)
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_CLASS, key])
        yield


def rolled_back_with_transactions(alias: str = ALIAS) -> bool:
    """Whether a count made in a transaction is undone when it rolls back: on Django's
    database cache, yes; on Redis, no."""
    return isinstance(caches[alias], DatabaseCache)


@_fail_open(False)
def reached(scope: str, value: str, *, limit: int, window: int, alias: str = ALIAS) -> bool:
    """Whether `limit` events were counted in this window already."""
    store = _store(window, alias)
    count = store.get(_key(scope, value, window), 0) + _earlier(store, scope, value, window)
    return count >= limit


@_fail_open(None)
def clear(scope: str, value: str, *, window: int, alias: str = ALIAS) -> None:
    _store(window, alias).delete_many(
        [_key(scope, value, window), *_earlier_keys(scope, value, window)]
    )


def seconds_left(window: int) -> int:
    """Seconds until the current window ends: what a Retry-After header says."""
    return max(1, int(window - time.time() % window))
