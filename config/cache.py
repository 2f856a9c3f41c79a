"""The cache aliases (settings.CACHES), on Heroku Key-Value Store when it is attached.

    caches(page_seconds=..., development=...) -> dict   settings.CACHES
    redis_url() -> str | None                            the Redis to use, if any
    UNAVAILABLE                   what a cache raises when its server does not answer

Three aliases, which code names and never looks behind:

- `pages`: the anonymous product lists (catalog/pagecache.py);
- `throttles` and `login_failures`: the counts of config/security/throttle.py
  and accounts/throttles.py, which every dyno must share.

With `REDIS_TLS_URL` or `REDIS_URL` set (Heroku sets both when the Key-Value
Store add-on is attached) all three are Django's own `RedisCache` on that
server: every worker of every dyno reads one copy of a page and one count.
Unset, `pages` lives in each worker's memory and the counts in two tables of
the database (created by accounts/migrations/0004), which every dyno shares too.

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

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

try:
    from redis.exceptions import RedisError
except ImportError:  # a fork without the redis package uses no Redis
    RedisError = OSError

# What a cache backend raises when its server does not answer (Redis down, a
# timeout, memory full under `noeviction`); the memory and database caches
# never raise these (a database outage is the database's error).
UNAVAILABLE = (RedisError, OSError)

LOOPBACK = ("localhost", "127.0.0.1", "::1")

# Each counted window lasts at most an hour (config/security/throttle.py checks
# that its window fits the alias's TIMEOUT).
THROTTLE_SECONDS = 3600


def redis_url() -> str | None:
    """The Redis URL from the environment (REDIS_TLS_URL first), or None; blank is unset."""
    tls, plain = os.environ.get("REDIS_TLS_URL", ""), os.environ.get("REDIS_URL", "")
    return tls.strip() or plain.strip() or None


def redis_options(url: str, *, development: bool) -> dict:
    """OPTIONS of a RedisCache on `url`: TLS as Heroku serves it, and short timeouts."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ImproperlyConfigured(
            "REDIS_URL / REDIS_TLS_URL must start with redis:// or rediss://, "
            f"got {parts.scheme!r}."
        )
    if parts.scheme == "redis" and not development and parts.hostname not in LOOPBACK:
        raise ImproperlyConfigured(
            "A redis:// URL sends pages and counts over the network in clear: production "
            "needs rediss:// (Heroku sets REDIS_TLS_URL, or a rediss:// REDIS_URL)."
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
    }
    if parts.scheme == "rediss":
        # Heroku's certificates are self-signed (see the module's docstring).
        options["ssl_cert_reqs"] = None
    return options


def caches(*, page_seconds: int, development: bool) -> dict:
    """settings.CACHES: on Redis when redis_url() gives one, else memory and database."""
    url = redis_url()
    if url:
        options = redis_options(url, development=development)

        def on_redis(prefix: str, timeout: int) -> dict:
            # One database for all three: KEY_PREFIX keeps them apart, and nothing
            # ever calls clear() on them (RedisCache.clear() flushes the database).
            return {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": prefix,
                "TIMEOUT": timeout,
                "OPTIONS": options,
            }

        return {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "pages": on_redis("pages", page_seconds),
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
        # (accounts/migrations/0004). Each counting costs a few queries, only on
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
