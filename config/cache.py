"""The cache aliases (settings.CACHES), on Heroku Key-Value Store when it is attached.

    caches(page_seconds=..., development=...) -> dict   settings.CACHES
    redis_url() -> str | None                            the Redis to use, if any
    unavailable() -> tuple        what a cache raises when its server does not answer
    outage_level(error) -> int    the level to log such an error at: ERROR once in 5 s
    on_redis(CACHES) -> bool      whether an alias is on Redis
    load_clients()                imports redis-py if a cache is on Redis (web line)
    RedisCache                    Django's Redis backend, pausing calls to a failed server

Three aliases, which code names and never looks behind:

- `pages`: the anonymous product lists (catalog/pagecache.py);
- `throttles` and `login_failures`: the counts of config/security/throttle.py
  and accounts/throttles.py, which every dyno must share.

With `REDIS_TLS_URL` or `REDIS_URL` set (the Key-Value Store add-on sets them:
"Which URL" below) all three are Django's `RedisCache` on that server, which
pauses calls to it for a few seconds after one failed (`RedisCache` below):
every worker of every dyno reads one copy of a page and one count.
Unset, `pages` lives in each worker's memory and the counts in two tables of
the database (made by accounts/migrations/0004 and 0005), which every dyno shares
too.

Which URL: `REDIS_TLS_URL` when set, else `REDIS_URL`. Heroku sets REDIS_URL to
a `rediss://` (TLS) URL on current versions; older ones set a plain `redis://`
REDIS_URL beside a TLS REDIS_TLS_URL, and the TLS one is the one to use. In
production a plain `redis://` URL is refused unless the server is on this
machine (Heroku CI's in-dyno Redis): the cache carries pages and counts
keyed by HMACs of e-mail addresses across Heroku's network.

TLS: Heroku's Redis servers present a self-signed certificate, so the
connection is encrypted but the certificate is not checked (`ssl_cert_reqs`
None, as Heroku's docs say for redis-py). A server with a certificate from a
public authority can be checked by adding `?ssl_cert_reqs=required` to its URL:
redis-py lets the URL's options win.
"""

import dataclasses
import functools
import hashlib
import json
import logging
import os
import re
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.cache.backends import redis as django_redis
from django.core.exceptions import ImproperlyConfigured

from config import env

logger = logging.getLogger(__name__)

# The query options of a Redis URL the app takes (redis-py passes every one to each
# connection, over the app's own): the database, credentials, TLS, and bounded
# socket settings. Others (decode_responses, retry_on_error, retry_on_timeout,
# socket_read_size=0...) broke calls in ways the release check did not see.
TAKEN_OPTIONS = frozenset(
    {
        "db",
        "username",
        "password",
        "client_name",
        "protocol",
        "socket_timeout",
        "socket_connect_timeout",
        "socket_keepalive",
        "health_check_interval",
        "max_connections",
        "ssl_cert_reqs",
        "ssl_check_hostname",
        "ssl_ca_certs",
        "ssl_ca_path",
        "ssl_ca_data",
        "ssl_certfile",
        "ssl_keyfile",
        "ssl_password",
        "ssl_ciphers",
    }
)

# What Heroku's router waits for a response; and a gunicorn worker's threads
# (config/gunicorn.py, `threads`), which share one pool per server.
ROUTER_SECONDS = 30
THREADS = 5

# After a call to a Redis fails to connect or times out, calls to that server
# fail at once for this long (RedisCache below), then one call tries it again.
RETRY_SECONDS = 5.0

LOOPBACK = ("localhost", "127.0.0.1", "::1")

# Each counted window lasts at most an hour (config/security/throttle.py checks
# that its window fits the alias's TIMEOUT).
THROTTLE_SECONDS = 3600


def unavailable() -> tuple[type[Exception], ...]:
    """What a cache backend raises when its server does not answer (Redis down, a
    timeout, memory full under `noeviction`): `except unavailable():`. The memory
    and database caches never raise these (a database outage is the database's error).

    redis-py's errors are among them once redis-py is loaded, which only a Redis
    cache does: a process without Redis never imports the package, a fifth of a
    second of every start (`manage.py`, a dyno). Call it where the error is
    caught, not at import, so an error from a Redis first used later is included.
    """
    errors = sys.modules.get("redis.exceptions")
    return (OSError,) if errors is None else (errors.RedisError, OSError)


# The backends that load redis-py: this module's, and Django's that it extends.
REDIS_BACKENDS = frozenset({f"{__name__}.RedisCache", f"{django_redis.__name__}.RedisCache"})


def on_redis(caches: dict) -> bool:
    """Whether an alias of `caches` (settings.CACHES) is on Redis: then redis-py is
    loaded at start (load_clients) and Sentry reports its calls (config/sentry.py)."""
    return any(alias.get("BACKEND") in REDIS_BACKENDS for alias in caches.values())


def load_clients() -> None:
    """Import redis-py now if a cache alias is on Redis, else nothing.

    The web line calls it (config/wsgi.py) in the gunicorn master, which loads
    the app before forking: the workers then share redis-py instead of each
    importing it on its first request.
    """
    from django.conf import settings

    if on_redis(settings.CACHES):
        import redis  # noqa: F401


def redis_url() -> str | None:
    """The Redis URL from the environment (REDIS_TLS_URL first), or None; blank is unset."""
    tls, plain = os.environ.get("REDIS_TLS_URL", ""), os.environ.get("REDIS_URL", "")
    return tls.strip() or plain.strip() or None


def redis_options(url: str, *, development: bool) -> dict:
    """OPTIONS of a RedisCache on `url`: TLS as Heroku serves it, and short timeouts.

    `url` may name several servers, separated by commas or semicolons, as Django's
    RedisCache reads its LOCATION (a primary, then replicas); each is checked.
    """
    servers = [server.strip() for server in re.split("[;,]", url)]
    # Of the whole value: a '?' in a password ends one server's host part, and a ','
    # or ';' in the rest of it puts the '@' in the next server's.
    secret = env.gives_a_password(url) or any(map(env.gives_a_password, servers))
    for number, server in enumerate(servers, start=1):
        _check_server(server, development=development, secret=secret, number=number)
    # The options below go to every server: a plain one refuses the TLS ones.
    if len({server.partition("://")[0] for server in servers}) > 1:
        raise ImproperlyConfigured(
            "REDIS_URL / REDIS_TLS_URL mixes redis:// and rediss:// servers: the app's "
            "TLS options go to each, and redis-py fails every call to a plain one on "
            "them. Name every server with one scheme."
        )
    options = {
        # Heroku Key-Value Store answers within a millisecond or two from a dyno of
        # its region: a server that does not answer within a second is treated as
        # down (pages render, throttles let requests through) instead of holding
        # every request until the router gives up at 30 s.
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
        # Heroku closes connections idle for 300 s: test one that sat idle for a
        # minute before using it, rather than fail a request on a dead socket.
        "health_check_interval": 60,
        # One pool of connections per server for every alias and thread of a process
        # (SharedConnectionPool below), not one per alias and thread.
        "pool_class": f"{__name__}.SharedConnectionPool",
    }
    if any(server.startswith("rediss://") for server in servers):
        # Heroku's certificates are self-signed (see the module's docstring).
        options["ssl_cert_reqs"] = None
    return options


def _check_server(url: str, *, development: bool, secret: bool = False, number: int = 1) -> None:
    """Refuse a server's URL redis-py would refuse on every call (a scheme it does not
    know, a bad port), one without a host (redis-py would use localhost), with port 0
    or a colon and no port (redis-py would use 6379), with a path other than a
    database number (redis-py would use database 0), with options other than
    TAKEN_OPTIONS, values of them redis-py cannot read or that leave a connection
    no time, TLS options on plain redis://, plain redis:// off this machine in
    production, and a # or an @ after the host (a password's ?, / or # not
    percent-encoded, which redis-py reads as a host). Read here without redis-py, which a
    process without Redis never loads. The messages leave the URL out: it carries
    the password; with `secret` (the query may hold it: env.gives_a_password),
    their options' names and values too. The scheme of a server after the first
    (`number`) is not shown either: a ',' or ';' in a password ends a server there,
    and what follows it is password text."""
    scheme, found, _ = url.partition("://")
    if not found or scheme not in ("redis", "rediss"):  # as written: urlsplit lowercases it
        if number > 1:
            raise ImproperlyConfigured(
                f"REDIS_URL / REDIS_TLS_URL: its server {number} does not start with "
                "redis:// or rediss:// (its scheme is not shown: a ',' or ';' in a "
                "password, not percent-encoded, ends a server there)."
            )
        written = env.url_scheme(url)
        raise ImproperlyConfigured(
            "REDIS_URL / REDIS_TLS_URL must start with redis:// or rediss://, "
            f"got {env.shown(written) if written else 'no scheme'}."
        )
    bad_parts = ImproperlyConfigured(
        "REDIS_URL / REDIS_TLS_URL has a bad port or host: a / ? # [ or @ in the "
        "password must be percent-encoded."
    )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (urlsplit checks the port when it is read)
    except ValueError:
        raise bad_parts from None
    # A #, or an @ after the host part: a #, / or ? in the password cut it there, and
    # its start, or the user, was read as the host (digits after it as the port). An
    # option's value holding an @ cannot be told from that; written %40 it can.
    if "#" in url or "@" in parts.path or "@" in parts.query:
        raise bad_parts
    if not parts.hostname:
        raise ImproperlyConfigured("REDIS_URL / REDIS_TLS_URL names no host.")
    if not unquote(parts.hostname).isascii():  # redis-py decodes it: fa%C3%9F.example
        # Python's sockets write it with IDNA 2003, which makes faß.example fass.example,
        # another host; the name is not shown, as a password cut short may be in it.
        raise ImproperlyConfigured(
            "REDIS_URL / REDIS_TLS_URL names a host outside ASCII, which the connection "
            "would look up as another name where IDNA 2003 maps it (ß as ss): give the "
            "host in its ASCII form (xn--...)."
        )
    if parts.port == 0 or parts.netloc.endswith(":"):
        raise ImproperlyConfigured(
            "REDIS_URL / REDIS_TLS_URL names port 0, or none after its colon, which "
            "redis-py reads as its default port, 6379: name the server's own port."
        )
    # As redis-py reads the database: the path's digits, slashes dropped, unless a
    # ?db= says otherwise; a path it cannot read as a number it ignores, for database 0.
    database = unquote(parts.path).replace("/", "")
    if database and "db" not in parse_qs(parts.query) and not _integer(database):
        raise ImproperlyConfigured(
            "REDIS_URL / REDIS_TLS_URL: only a database number may follow the host "
            "(/0, /1, ...); redis-py reads anything else there as database 0."
        )
    # Query options, as redis-py reads them (first values, blank ones dropped): each
    # is passed to every connection, over the app's own options.
    options = {name: values[0] for name, values in parse_qs(parts.query).items()}

    def said(value: str) -> str:
        return env.NOT_SHOWN if secret else env.shown(value)

    unknown = sorted(set(options) - TAKEN_OPTIONS)
    if unknown:
        named = env.clipped(", ".join(unknown))
        if secret:
            named = "options (not named: its query may hold a password)"
        raise ImproperlyConfigured(
            f"REDIS_URL / REDIS_TLS_URL sets {named}, which the app "
            "does not take: redis-py passes each to every connection, over the app's own options "
            "(stored bytes decoded its own way, retries past the router's wait, reads of 0 "
            f"bytes, errors it cannot catch). It takes {', '.join(sorted(TAKEN_OPTIONS))}."
        )
    for name in ("socket_timeout", "socket_connect_timeout"):
        if name in options and not _seconds_within_the_router(options[name]):
            raise ImproperlyConfigured(
                f"REDIS_URL / REDIS_TLS_URL sets {name}={said(options[name])}: it must be "
                f"seconds above 0 and below {ROUTER_SECONDS} (0 fails every connection "
                "at once; longer outlasts Heroku's router), or left out for the app's 1."
            )
    for name in ("db", "health_check_interval"):
        if name in options and not _integer(options[name]):
            raise ImproperlyConfigured(
                f"REDIS_URL / REDIS_TLS_URL sets {name}={said(options[name])}: redis-py reads "
                "it as a whole number, and fails every call on anything else."
            )
    if options.get("ssl_cert_reqs", "none") not in ("none", "optional", "required"):
        raise ImproperlyConfigured(
            f"REDIS_URL / REDIS_TLS_URL sets ssl_cert_reqs={said(options['ssl_cert_reqs'])}: "
            "redis-py takes none, optional or required (lower case), and fails every "
            "call on anything else."
        )
    plain_tls = sorted(name for name in options if name.startswith("ssl_"))
    named_tls = ", ".join(plain_tls)
    if secret:
        named_tls = "TLS options (not named: its query may hold a password)"
    if scheme == "redis" and plain_tls:
        raise ImproperlyConfigured(
            f"REDIS_URL / REDIS_TLS_URL sets {named_tls} on a redis:// URL, "
            "which speaks no TLS: redis-py fails every call on it. Use rediss:// for TLS."
        )
    if options.get("protocol", "2") not in ("2", "3"):
        raise ImproperlyConfigured(
            f"REDIS_URL / REDIS_TLS_URL sets protocol={said(options['protocol'])}: redis-py "
            "speaks RESP 2 or 3, and fails every call on another."
        )
    if "max_connections" in options and not (
        _integer(options["max_connections"]) and int(options["max_connections"]) >= THREADS
    ):
        raise ImproperlyConfigured(
            "REDIS_URL / REDIS_TLS_URL sets max_connections="
            f"{said(options['max_connections'])}: a worker's {THREADS} threads share one "
            "pool, so fewer fail calls at once "
            "(read as an outage, pausing every cache); leave it out."
        )
    if scheme == "redis" and not development and parts.hostname not in LOOPBACK:
        raise ImproperlyConfigured(
            "A redis:// URL sends pages and counts over the network in clear: production "
            "needs rediss:// (Heroku sets REDIS_TLS_URL, or a rediss:// REDIS_URL)."
        )


def _seconds_within_the_router(text: str) -> bool:
    """Whether redis-py's float() of `text` is seconds above 0, within the 30 s
    Heroku's router waits (1e10 overflowed the socket's timeout: a 500)."""
    try:
        seconds = float(text)
    except ValueError:
        return False
    return 0 < seconds < ROUTER_SECONDS


def _integer(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def release_tag(manifest: Path, rendered_with=None) -> str:
    """What tells this release's cached pages from another's on a shared Redis: the
    deployed commit (with Heroku's dyno metadata), a hash of the collected static
    files' manifest, and one of `rendered_with`, as far as each is known; "" when
    none is.

    A page links the hashed static files of its release, which a dyno of another
    release does not serve: the new dynos of a deploy served pages the old ones had
    stored, unstyled, and the old ones the new ones', for the pages' lifetime. Kept
    parts (catalog/kept.py) are rendered by a release's own templates too.

    `rendered_with` is what else from the config vars a page is made of (the
    settings give the assets' versions and the storages): `heroku config:set
    STATIC_VERSION=44` is a release of the same commit and files, whose dynos served
    the old pages' old `?v=`, and after a bucket change images the new release's
    policy blocks. Given as data, never a secret: the hash goes into every key's
    name. Objects count by their fields or attributes and their type (`_as_data`),
    never by a repr, which may name an address that differs from process to
    process.
    """
    # Hashed here rather than by config/static_versioning, which a fork may drop.
    collected = hashlib.sha256(manifest.read_bytes()).hexdigest()[:12] if manifest.is_file() else ""
    made_of = ""
    if rendered_with is not None:
        text = json.dumps(_as_data(rendered_with), sort_keys=True)
        made_of = hashlib.sha256(text.encode()).hexdigest()[:12]
    tags = [commit_tag(env.deployed_commit() or ""), collected, made_of]
    return "-".join(tag for tag in tags if tag)


# What goes into the keys as written: a short name, or a commit's hash (its first 12).
_KEY_TEXT = re.compile(r"[A-Za-z0-9._-]{1,12}|[0-9a-f]{13,64}")


def commit_tag(commit: str) -> str:
    """The commit as it goes into every key's name: a hex hash's first 12 digits, a
    name of up to 12 letters, digits, '.', '_' or '-' as it is, anything else as 12
    hex digits of its own hash. Redis encodes keys as UTF-8, and a SOURCE_VERSION of
    bytes that are not (Python reads them as surrogates) failed every cache call."""
    if not commit or _KEY_TEXT.fullmatch(commit):
        return commit[:12]
    return hashlib.sha256(commit.encode("utf-8", "surrogateescape")).hexdigest()[:12]


# How deep _as_data follows objects inside objects.
AS_DATA_DEPTH = 20


def _as_data(value, inside=()):
    """`value` as JSON data, the same in every process, for release_tag to hash: a
    path's text, a set's sorted items, a dataclass's fields, another object's type
    and attributes (a botocore Config's options); an object met again inside itself
    (a cycle), too deep, or unreadable counts by its type alone, the rest still by
    their values. Never a repr, which may name an address."""
    # By their exact type: a lazy object (Django's SimpleLazyObject) passes
    # isinstance(str) and is no str to json, and asking it anything sets it up.
    if value is None or type(value) in (str, int, float, bool):
        return value
    kind = f"<{type(value).__module__}.{type(value).__qualname__}>"
    if id(value) in inside or len(inside) >= AS_DATA_DEPTH:
        return kind
    inside = (*inside, id(value))
    try:
        if isinstance(value, str | int | float):  # a subclass, or a lazy object set up
            return [kind, str(value)]
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        if isinstance(value, bytes):
            return value.hex()
        if isinstance(value, dict):
            return {
                key if type(key) is str else json.dumps(_as_data(key, inside)): _as_data(
                    item, inside
                )
                for key, item in value.items()
            }
        if isinstance(value, list | tuple):
            return [_as_data(item, inside) for item in value]
        if isinstance(value, set | frozenset):
            return sorted(json.dumps(_as_data(item, inside), sort_keys=True) for item in value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = dataclasses.fields(value)
            return [kind, {f.name: _as_data(getattr(value, f.name), inside) for f in fields}]
        attributes = getattr(value, "__dict__", None)
        if isinstance(attributes, dict) and not isinstance(value, type):
            return [kind, _as_data(dict(attributes), inside)]
    except Exception:  # unreadable, or a lazy object failing to set up: by its type
        return kind
    return kind


def caches(*, page_seconds: int, development: bool, release: str = "") -> dict:
    """settings.CACHES: on Redis when redis_url() gives one, else memory and database.
    On Redis the pages' keys carry `release` (`release_tag`): each release its own."""
    url = redis_url()
    if url:
        options = redis_options(url, development=development)

        def on_redis(prefix: str, timeout: int) -> dict:
            # One database for all three: KEY_PREFIX keeps them apart, and nothing
            # ever calls clear() on them (RedisCache.clear() flushes the database).
            return {
                "BACKEND": "config.cache.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": prefix,
                "TIMEOUT": timeout,
                "OPTIONS": options,
            }

        return {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "pages": on_redis(f"pages:{release}" if release else "pages", page_seconds),
            "throttles": on_redis("throttles", THROTTLE_SECONDS),
            "login_failures": on_redis("login-failures", THROTTLE_SECONDS),
        }
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "catalog-pages",
            "TIMEOUT": page_seconds,
            # 300 pages of 17-58 KB (plus their compressed copies), at most about
            # 20 MB a worker: a crawl through every page number evicts old pages
            # instead of growing the process.
            "OPTIONS": {"MAX_ENTRIES": 300},
        },
        # Counts of signups and password resets (config/security/throttle.py):
        # Django's database cache, in a table the release phase creates
        # (accounts/migrations/0005). Each counting costs a few queries, only on
        # those forms' POSTs. MAX_ENTRIES: past it Django deletes a third of the
        # rows, live counts included, so it is far above what an hour of honest
        # traffic writes.
        "throttles": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "throttle_cache",
            "TIMEOUT": THROTTLE_SECONDS,
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
        # Failed logins per account (accounts/throttles.py), in a table of their own:
        # past MAX_ENTRIES Django deletes the rows whose keys sort first, so counts
        # sharing a table with signup and reset counts could be flooded away.
        "login_failures": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "login_failure_cache",
            "TIMEOUT": THROTTLE_SECONDS,
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
    }


class SharedConnectionPool:
    """The `pool_class` of every Redis alias: one redis-py ConnectionPool per server
    (and options) in a process, shared by its threads and aliases.

    Django keeps a cache object per alias and thread, and each made a pool of its
    own: a gunicorn worker's 5 threads could hold 15 connections for the three
    aliases, a basic dyno 30, past the 20 of Heroku's mini plan, where Redis
    answers "max number of clients reached" and every call pauses (RedisCache).
    A thread uses one connection at a time, so a shared pool holds at most as
    many as there are threads: dynos x WEB_CONCURRENCY x 5. (A pool started
    before gunicorn forks starts afresh in each worker: redis-py checks the pid.)
    """

    _pools: dict = {}
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **options):
        from redis import ConnectionPool

        key = (url, repr(sorted(options.items())))
        with cls._lock:
            pool = cls._pools.get(key)
            if pool is None:
                pool = cls._pools[key] = ConnectionPool.from_url(url, **options)
        return pool


class RedisSkipped(ConnectionError):
    """Raised instead of calling a Redis that failed less than RETRY_SECONDS ago.

    Python's ConnectionError, an OSError: one of unavailable() without redis-py."""


class _Breaker:
    """When each server last failed, and when a failure was last reported at ERROR
    (outage_level), shared by every thread and alias of a process."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()
        self._failed_at: dict[str, float] = {}
        self._reported_at: float | None = None

    def check(self, server: str) -> bool:
        """Raise RedisSkipped while `server` is paused; True when this call is the one
        that tries it again (the others keep skipping until it has answered)."""
        failed_at = self._failed_at.get(server)
        if failed_at is None:  # the usual case: no lock taken
            return False
        with self._lock:
            failed_at = self._failed_at.get(server)
            if failed_at is None:
                return False
            waited = self.clock() - failed_at
            if waited < RETRY_SECONDS:
                raise RedisSkipped(
                    f"Redis failed {waited:.1f} s ago: not called for {RETRY_SECONDS:g} s"
                )
            self._failed_at[server] = self.clock()  # the others wait for this try
            return True

    def failed(self, server: str) -> None:
        self._failed_at[server] = self.clock()

    def report_due(self) -> bool:
        """Whether a failure now is the first one this process reports in RETRY_SECONDS
        (outage_level); the next is due RETRY_SECONDS after it."""
        with self._lock:
            now = self.clock()
            if self._reported_at is not None and now - self._reported_at < RETRY_SECONDS:
                return False
            self._reported_at = now
            return True

    def answered(self, server: str) -> None:
        self._failed_at.pop(server, None)

    def untried(self, server: str) -> None:
        """The try ended before the server said anything: the next call tries again."""
        self._failed_at[server] = self.clock() - RETRY_SECONDS


_breaker = _Breaker()


def outage_level(error: BaseException) -> int:
    """The level at which a caller that goes on without the cache (pages render,
    throttles let the request through) logs `error`, one of unavailable().

    ERROR, which Sentry reports, for the first failure in RETRY_SECONDS of this
    process: a call that could not connect or timed out (it starts the pause), or
    one a full Redis refused. WARNING for the others: the calls RedisCache skips
    while the pause lasts (RedisSkipped), refusals close behind the reported
    one; a line in the log and a breadcrumb in Sentry, no event. So an outage
    costs each process about one event per RETRY_SECONDS whatever its traffic:
    an event per failed call made every login two while Redis was down, and
    anyone sending them spent the Sentry quota."""
    if isinstance(error, RedisSkipped) or not _breaker.report_due():
        return logging.WARNING
    return logging.ERROR


def _settle(server: str, error: BaseException, retrying: bool) -> None:
    """Tell the breaker what a failed call to `server` says about the server."""
    # Usually loaded by now (Django's Redis client imports it); imported if not.
    from redis import exceptions

    if isinstance(error, exceptions.ConnectionError | exceptions.TimeoutError | OSError):
        _breaker.failed(server)
    elif retrying and isinstance(error, exceptions.RedisError):  # an answer (a wrong type)
        _breaker.answered(server)
    elif retrying:  # before any answer: a value that cannot be pickled, say
        _breaker.untried(server)


def _paused_when_down(method):
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        retrying = _breaker.check(self._location)
        try:
            result = method(self, *args, **kwargs)
        except BaseException as error:
            _settle(self._location, error, retrying)
            raise
        if retrying:
            _breaker.answered(self._location)
        return result

    return call


# What Serializer.loads() gives for a value it cannot read: RedisCache finds nothing.
UNREADABLE = object()


class Serializer(django_redis.RedisSerializer):
    """Django's, with a value it cannot unpickle read as UNREADABLE instead of raising:
    another release's class, bytes another program wrote under the key, a value cut
    short. Django's raised, and every request reading the key was a 500 until the
    value expired (the page cache's generation never does)."""

    def loads(self, data):
        try:
            return super().loads(data)
        except Exception as error:  # pickle raises many kinds for bytes that are not its own
            logger.warning("Cache value unreadable, read as missing: %r", error)
            return UNREADABLE


class RedisCache(django_redis.RedisCache):
    """Django's Redis cache backend, which stops calling a server that just failed.

    Calls that cannot connect or time out (after `socket_timeout`: one second,
    see redis_options) make every call to that server, from any thread or
    alias of this process, raise RedisSkipped (one of unavailable()) at once for
    RETRY_SECONDS; then one call tries the server again while the others keep
    skipping, and an answer ends the pause. Without it, a Redis that hangs would
    hold each request for a second per cache call, and a worker's threads would
    all wait on it. Errors the server answers with (a wrong type, memory full)
    pause nothing; those redis-py reports as connection errors (a wrong
    password, a server still loading its data, too many clients) do.

    A value it cannot read (`Serializer`) is not found: `get` gives the default,
    `get_many` leaves it out, and the caller makes it again. Its serializer is always
    that one: a `serializer` in OPTIONS is replaced.
    """

    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        self._options = {**self._options, "serializer": Serializer}

    @_paused_when_down
    def get(self, key, default=None, version=None):
        value = django_redis.RedisCache.get(self, key, default, version)
        return default if value is UNREADABLE else value

    @_paused_when_down
    def get_many(self, keys, version=None):
        found = django_redis.RedisCache.get_many(self, keys, version)
        return {key: value for key, value in found.items() if value is not UNREADABLE}

    add = _paused_when_down(django_redis.RedisCache.add)
    set = _paused_when_down(django_redis.RedisCache.set)
    touch = _paused_when_down(django_redis.RedisCache.touch)
    delete = _paused_when_down(django_redis.RedisCache.delete)
    has_key = _paused_when_down(django_redis.RedisCache.has_key)
    incr = _paused_when_down(django_redis.RedisCache.incr)
    set_many = _paused_when_down(django_redis.RedisCache.set_many)
    delete_many = _paused_when_down(django_redis.RedisCache.delete_many)
    clear = _paused_when_down(django_redis.RedisCache.clear)
