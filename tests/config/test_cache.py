"""Which store each cache alias uses (config/cache.py), read from the environment."""

import contextlib
import importlib
import json
import logging
import pickle
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.core.cache import CacheHandler
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.utils.functional import SimpleLazyObject
from redis.connection import parse_url

from config import cache, checks
from config import gunicorn as gunicorn_config
from tests import redisserver
from tests.processes import (
    BASE_DIR,
    SilentServer,
    fetch_all,
    free_port,
    fresh_database,
    manage,
    production_env,
    release,
    released_database,
    run_procfile,
    run_python,
)

ALIASES = ("pages", "throttles", "login_failures")
HEROKU_TLS = "rediss://:secret@ec2-1-2-3-4.compute-1.amazonaws.com:6380"
HEROKU_PLAIN = "redis://:secret@ec2-1-2-3-4.compute-1.amazonaws.com:6379"


@pytest.fixture
def no_redis(monkeypatch):
    for name in ("REDIS_URL", "REDIS_TLS_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_without_redis_pages_stay_in_memory_and_counts_in_the_database(no_redis):
    caches = cache.caches(page_seconds=10, development=False)
    assert caches["pages"]["BACKEND"].endswith("locmem.LocMemCache")
    assert caches["pages"]["TIMEOUT"] == 10
    assert caches["throttles"]["LOCATION"] == "throttle_cache"
    assert caches["login_failures"]["LOCATION"] == "login_failure_cache"


def test_the_release_makes_every_database_cache_table_config_names(no_redis):
    """accounts/migrations/0005 names the tables itself, so that a release run with
    Redis attached makes them too: they must be the ones CACHES falls back to."""
    migration = importlib.import_module(
        "accounts.migrations.0005_database_cache_tables_whatever_the_cache"
    )
    caches = cache.caches(page_seconds=10, development=False)
    tables = {
        alias["LOCATION"] for alias in caches.values() if alias["BACKEND"].endswith("DatabaseCache")
    }
    assert tables == set(migration.TABLES)


COUNT_A_FAILURE = """
import django; django.setup()
from django.core.cache import caches
counts = caches["login_failures"]
counts.add("a-login", 0)
print(counts.incr("a-login"), caches["throttles"].get_or_set("a-signup", 1))
"""


def test_a_release_with_redis_attached_leaves_the_tables_for_when_it_is_gone():
    """Heroku Key-Value Store attached before the first deploy, removed later: the
    throttles' counts go back to the database, whose tables the release made."""
    env = production_env(
        DATABASE_URL=fresh_database("release_on_redis"),
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",  # nothing answers: never asked
    )
    release(env)
    tables = fetch_all(
        env["DATABASE_URL"], "SELECT tablename FROM pg_tables WHERE tablename LIKE %s", ("%_cache",)
    )
    assert {"throttle_cache", "login_failure_cache"} <= {name for (name,) in tables}
    without = {**env, "REDIS_URL": ""}
    counted = run_python(COUNT_A_FAILURE, without)
    assert counted.returncode == 0, counted.stderr
    assert counted.stdout.split() == ["1", "1"]
    again = run_procfile("release", without)  # the tables there: nothing to do
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize(
    ("variables", "chosen"),
    [
        ({"REDIS_URL": HEROKU_TLS}, HEROKU_TLS),
        ({"REDIS_TLS_URL": HEROKU_TLS}, HEROKU_TLS),
        # Older Heroku Redis versions: a plain REDIS_URL beside the TLS one.
        ({"REDIS_URL": HEROKU_PLAIN, "REDIS_TLS_URL": HEROKU_TLS}, HEROKU_TLS),
        ({"REDIS_URL": HEROKU_TLS, "REDIS_TLS_URL": "  "}, HEROKU_TLS),
    ],
)
def test_with_redis_every_alias_shares_it_over_tls(no_redis, variables, chosen):
    for name, value in variables.items():
        no_redis.setenv(name, value)
    caches = cache.caches(page_seconds=25, development=False)
    for alias in ALIASES:
        assert caches[alias]["BACKEND"] == "config.cache.RedisCache"
        assert caches[alias]["LOCATION"] == chosen
        # Heroku's certificates are self-signed.
        assert caches[alias]["OPTIONS"]["ssl_cert_reqs"] is None
    assert caches["pages"]["TIMEOUT"] == 25
    assert caches["throttles"]["TIMEOUT"] == caches["login_failures"]["TIMEOUT"] == 3600
    # One database, kept apart by prefix: no alias's keys can meet another's.
    assert len({caches[alias]["KEY_PREFIX"] for alias in ALIASES}) == 3


def test_a_primary_and_its_replicas_are_each_checked(no_redis):
    """Django's RedisCache reads several servers from one LOCATION (`,` or `;`)."""
    servers = "rediss://:pw@h1.example.com:6380,rediss://:pw@h2.example.com:6380"
    no_redis.setenv("REDIS_TLS_URL", servers)
    pages = cache.caches(page_seconds=10, development=False)["pages"]
    assert (pages["LOCATION"], pages["OPTIONS"]["ssl_cert_reqs"]) == (servers, None)
    no_redis.setenv("REDIS_TLS_URL", servers + ";rediss://:pw@h3.example.com:port")
    with pytest.raises(ImproperlyConfigured, match="bad port"):
        cache.caches(page_seconds=10, development=False)


def test_a_plain_url_off_this_machine_is_refused_in_production(no_redis):
    no_redis.setenv("REDIS_URL", HEROKU_PLAIN)
    with pytest.raises(ImproperlyConfigured, match="production needs rediss://"):
        cache.caches(page_seconds=10, development=False)
    # In development, and on this machine (Heroku CI's in-dyno Redis), plain is fine.
    assert (
        "ssl_cert_reqs" not in cache.caches(page_seconds=10, development=True)["pages"]["OPTIONS"]
    )
    for host in ("localhost", "127.0.0.1", "[::1]"):  # the README names these three
        no_redis.setenv("REDIS_URL", f"redis://h:secret@{host}:6379/")
        location = cache.caches(page_seconds=10, development=False)["pages"]["LOCATION"]
        assert location.startswith("redis:")


@pytest.mark.parametrize(
    "url", ["http://example.com:6379", "unix:///tmp/redis.sock", "6379", "REDISS://h:6379"]
)
def test_other_urls_are_refused(no_redis, url):
    no_redis.setenv("REDIS_URL", url)
    with pytest.raises(ImproperlyConfigured, match="must start with redis:// or rediss://"):
        cache.caches(page_seconds=10, development=True)


@pytest.mark.parametrize("url", ["rediss://a:6379,http://b:6379", "rediss://a:6379;b:6379"])
def test_a_later_server_of_another_scheme_is_refused_by_its_number(no_redis, url):
    no_redis.setenv("REDIS_URL", url)
    with pytest.raises(ImproperlyConfigured, match="its server 2 does not start with redis://"):
        cache.caches(page_seconds=10, development=True)


@pytest.mark.parametrize(
    "url",
    [
        "rediss://default:123#secret@h:6380",
        "rediss://default:123#secret@h:6380/0",
        "rediss://:secret@h:6380#x",
        # A ? or / in it, after digits: the rest read as the query or the path.
        "rediss://default:12?secret@h:6380",
        "rediss://default:12?x=1&secret@h:6380",
        # An @ and then a ? in it: its start read as the host.
        "rediss://:p@ss?secret@h:6380",
        "rediss://:p@ss:6380?secret@h:6380",
    ],
)
def test_a_hash_sign_in_a_redis_url_is_refused(no_redis, url):
    """An unencoded # in a password that starts with digits: redis-py connected to the
    user as a host, on the digits as its port, and every cache call failed."""
    no_redis.setenv("REDIS_TLS_URL", url)
    with pytest.raises(ImproperlyConfigured, match="must be percent-encoded") as refused:
        cache.caches(page_seconds=10, development=False)
    assert "secret" not in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "rediss://:p@h:6380/0?username=ada@example.com",
        "rediss://h:6380/0?password=p@ss",
        # A ? in the password, then an option's name: its start read as the host.
        "rediss://user:12?password=x@realhost:6380",
        "rediss://:p@ss?password=w@realhost:6380",
    ],
)
def test_an_at_sign_after_the_host_is_refused_even_in_an_options_value(no_redis, url):
    """Whether an @ there is an option's or a password's cut off by its ? cannot be
    told from the URL; written %40 it can."""
    with pytest.raises(ImproperlyConfigured, match="must be percent-encoded"):
        cache._check_server(url, development=False)


def test_an_at_sign_after_the_host_written_percent_encoded_is_taken(no_redis):
    cache._check_server("rediss://:p@h:6380/0?username=ada%40example.com", development=False)


@pytest.mark.parametrize("host", ["faß.example", "bücher.example", "\uff52edis.example"])
def test_a_host_outside_ascii_is_refused_without_showing_it(no_redis, host):
    """Python's sockets write such a name with IDNA 2003: faß.example became
    fass.example, another host, and full-width letters plain ones."""
    with pytest.raises(ImproperlyConfigured, match="a host outside ASCII") as refused:
        cache._check_server(f"rediss://:p@{host}:6380/0", development=False)
    assert host not in str(refused.value)
    cache._check_server(f"rediss://:p@{host.encode('idna').decode()}:6380/0", development=False)
    encoded = quote(host)  # which redis-py decodes before it connects
    with pytest.raises(ImproperlyConfigured, match="a host outside ASCII") as refused:
        cache._check_server(f"rediss://:p@{encoded}:6380/0", development=False)


def redis_py_cannot_use(url: str) -> bool:
    """redis-py refuses the URL, or connects elsewhere for it: to localhost, or to
    its default port for port 0."""
    try:
        parsed = parse_url(url)
    except ValueError:
        return True
    parts = urlsplit(url)
    written = parts.port == 0 or parts.netloc.endswith(":")  # a port, 0 or none after ":"
    return "host" not in parsed or (written and parsed.get("port") is None)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("rediss://:secret@h:99999", "bad port"),
        ("rediss://:secret@h:port", "bad port"),
        ("rediss://:secret/rest@h:6380", "bad port"),  # an unencoded / in the password
        ("rediss://:[secret@h:6380", "bad port or host"),
        ("rediss:/:secret@h:6380", "no scheme"),
        ("default:secret@h:6380", "no scheme"),
        ("rediss://:secret@", "names no host"),
        ("rediss://", "names no host"),
        ("rediss://:secret@h:0", "port 0"),
        ("rediss://:secret@h:00/1", "port 0"),
        ("rediss://:secret@h:", "port 0"),
        ("rediss://:secret@h:/1", "port 0"),
    ],
)
def test_urls_redis_py_refuses_or_reads_as_localhost_are_refused(no_redis, url, said):
    assert redis_py_cannot_use(url)
    """Each would fail every cache call (a 500 on product lists and throttled forms),
    or send the throttles' counts to a Redis on the dyno that is not there."""
    no_redis.setenv("REDIS_TLS_URL", url)
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL / REDIS_TLS_URL") as refused:
        cache.caches(page_seconds=10, development=False)
    assert said in str(refused.value)
    assert "secret" not in str(refused.value)


@pytest.mark.parametrize("path", ["/abc", "/0x1", "/1.5", "/one/"])
def test_only_a_database_number_may_follow_the_host(no_redis, path):
    """redis-py reads "/abc" as database 0, without a word: the pages and counts of
    another app's database, or its own of another config, shared by mistake."""
    no_redis.setenv("REDIS_TLS_URL", f"rediss://:secret@h:6380{path}")
    with pytest.raises(ImproperlyConfigured, match="only a database number") as refused:
        cache.caches(page_seconds=10, development=False)
    assert "secret" not in str(refused.value)
    assert parse_url(f"rediss://h{path}").get("db") is None  # what redis-py made of it


@pytest.mark.parametrize(
    ("path", "database"),
    [("", None), ("/", None), ("/0", 0), ("/15", 15), ("/1/", 1), ("/%31", 1), ("/abc?db=3", 3)],
)
def test_a_path_redis_py_reads_as_a_database_is_taken(no_redis, path, database):
    """As redis-py reads them (a database out of range is the release's to find)."""
    no_redis.setenv("REDIS_TLS_URL", f"rediss://:secret@h:6380{path}")
    assert cache.caches(page_seconds=10, development=False)["pages"]["LOCATION"]
    assert parse_url(f"rediss://h{path}").get("db") == database


@pytest.fixture(scope="module")
def locked_redis(tmp_path_factory):
    """A Redis asking for a password with an @ in it, as a user might set one."""
    server = redisserver.start(tmp_path_factory.mktemp("locked-redis"))
    server.client().config_set("requirepass", "p@ss")
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("credentials", "database", "said"),
    [
        (":wrong@", "/0", "invalid username-password pair"),
        ("", "/0", "Redis refused the app's connection"),  # no password
        (":p%40ss@", "/99", "DB index is out of range"),
    ],
)
def test_a_release_stops_on_a_redis_that_refuses_the_app(locked_redis, credentials, database, said):
    """Redis refuses such a config on every call: the throttles counted nothing, as in
    an outage, for as long as it stayed, and start-up took it."""
    url = f"redis://{credentials}127.0.0.1:{locked_redis.port}{database}"
    env = production_env(
        DATABASE_URL=released_database("redis_refuses"), REDIS_URL=url, DYNO="release.1"
    )
    done = manage("migrate", "--no-input", env=env)
    assert done.returncode != 0
    assert "config.E006" in done.stderr
    assert said in done.stderr
    assert "p@ss" not in done.stderr + done.stdout


def test_a_release_warns_of_a_redis_that_does_not_answer_and_goes_on(locked_redis):
    """An outage is survived (pages render, throttles let requests through), so it
    does not stop a deploy; the right password releases quietly."""
    database = released_database("redis_silent")
    silent = production_env(
        DATABASE_URL=database, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", DYNO="release.1"
    )
    done = manage("migrate", "--no-input", env=silent)
    assert done.returncode == 0, done.stderr
    assert "config.W007" in done.stderr + done.stdout
    right = f"redis://:p%40ss@127.0.0.1:{locked_redis.port}/0"
    done = manage("migrate", "--no-input", env={**silent, "REDIS_URL": right})
    assert done.returncode == 0, done.stderr
    assert "config.W007" not in done.stderr + done.stdout


def refused_at_start_up(monkeypatch, variable: str, url: str, said: str, **options) -> str:
    """The one-line refusal of `url` (whose password is "secret") in `variable`,
    which must say `said` and leave the password out."""
    monkeypatch.setenv(variable, url)
    with pytest.raises(ImproperlyConfigured, match=said) as refused:
        cache.caches(page_seconds=10, **{"development": False, **options})
    assert "secret" not in str(refused.value)
    return str(refused.value)


def release_check(monkeypatch, url: str) -> list[str]:
    """The ids of what the release phase's Redis check says of `url`."""
    monkeypatch.setenv("DYNO", "release.1")
    monkeypatch.delenv("REDIS_TLS_URL", raising=False)
    monkeypatch.setenv("REDIS_URL", url)
    with override_settings(CACHES=cache.caches(page_seconds=10, development=False)):
        return [message.id for message in checks.redis_takes_the_apps_connection(None)]


@pytest.fixture
def closing_port():
    """A port that takes each connection and closes it at once: a server restarting."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    closing = threading.Event()

    def close_each():
        while not closing.is_set():
            with contextlib.suppress(TimeoutError):
                server.accept()[0].close()

    thread = threading.Thread(target=close_each, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    closing.set()
    thread.join()
    server.close()


def test_a_redis_dropping_the_tls_handshake_is_a_warning_not_a_refusal(monkeypatch, closing_port):
    """A restart or a failover drops connections mid-handshake ([SSL:
    UNEXPECTED_EOF_WHILE_READING]): no reason to stop a deploy."""
    assert release_check(monkeypatch, f"rediss://127.0.0.1:{closing_port}/0") == ["config.W007"]


def test_every_server_of_the_url_is_asked(monkeypatch, locked_redis):
    """Django reads from the replicas: one refusing the app failed every read."""
    good = f"redis://:p%40ss@127.0.0.1:{locked_redis.port}/0"
    assert release_check(monkeypatch, good) == []
    for replica in (":wrong@", ""):
        url = f"{good},redis://{replica}127.0.0.1:{locked_redis.port}/0"
        assert release_check(monkeypatch, url) == ["config.E006"]


@pytest.mark.parametrize(
    "options",
    [
        "ssl_ca_certs=/nonexistent/ca.pem",  # a file the TLS client cannot read
        "ssl_ciphers=no-such-cipher",
    ],
)
def test_an_option_redis_py_refuses_is_a_refusal(monkeypatch, locked_redis, options):
    url = f"rediss://:p%40ss@127.0.0.1:{locked_redis.port}/0?{options}"
    assert release_check(monkeypatch, url) == ["config.E006"]


def test_a_replica_refusing_is_found_behind_one_that_does_not_answer(monkeypatch, locked_redis):
    url = f"redis://127.0.0.1:{free_port()}/0,redis://:wrong@127.0.0.1:{locked_redis.port}/0"
    assert release_check(monkeypatch, url) == ["config.E006"]


def test_a_production_process_reads_the_redis_variables():
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.CACHES['throttles']['BACKEND'], s.CACHES['pages']['LOCATION'])"
    base = production_env(DATABASE_URL="postgres://u:p@db.invalid/app")
    started = run_python(code, {**base, "REDIS_TLS_URL": HEROKU_TLS, "REDIS_URL": HEROKU_PLAIN})
    assert started.stdout.split() == ["config.cache.RedisCache", HEROKU_TLS]
    refused = run_python(code, {**base, "REDIS_URL": HEROKU_PLAIN})
    assert refused.returncode != 0
    assert "production needs rediss://" in refused.stderr


# Loads the URLconf, the admin and every app, then uses each alias as a request would.
USE_EVERY_ALIAS = """
import os, sys, django
django.setup()
from django.core.management import call_command
call_command("check")
from catalog import kept
from config.security import throttle
counted = throttle.hit("probe", str(os.getpid()), limit=1, window=60)
print(kept.kept("probe", lambda: "made", lambda value: True), counted)
print(sorted(name for name in sys.modules if name.split(".")[0] == "redis"))
"""


def test_a_process_without_redis_never_loads_redis_py():
    """A fifth of a second of every start: config/cache.py catches its errors without it,
    and Sentry's Redis integration, which would import it, stays off."""
    env = production_env(DATABASE_URL=released_database("no_redis_loaded"))
    # Sentry on, with a DSN on this machine where nothing listens (nothing is sent).
    for extra in ({}, {"SENTRY_DSN": f"http://key@127.0.0.1:{free_port()}/1"}):
        used = run_python(USE_EVERY_ALIAS, {**env, **extra})
        assert used.returncode == 0, used.stderr
        assert used.stdout.splitlines()[-2:] == ["made True", "[]"]


# Each caller of unavailable() meets redis-py's own error: the pause is cleared
# between calls, so none of them gets RedisSkipped (an OSError) instead.
REDIS_FIRST_USED = """
import sys, django
django.setup()
from catalog import kept, pagecache
from config import cache
from config.security import throttle
print("redis" in sys.modules)
made = kept.kept("probe", lambda: "made", lambda value: True)
cache._breaker._failed_at.clear()
counted = throttle.hit("probe", "value", limit=1, window=60)
cache._breaker._failed_at.clear()
pagecache.clear()
print(made, counted, "redis.exceptions" in sys.modules)
"""


def test_an_error_of_a_redis_first_used_after_start_is_caught(refusing_port):
    """unavailable() is read where the error is caught: redis-py, loaded by the first
    cache call after the callers were imported, has its errors caught all the same."""
    database = released_database("redis_first_used")
    silent = SilentServer()
    try:
        for port in (refusing_port, silent.port):  # refused, then never answered
            env = production_env(DATABASE_URL=database, REDIS_URL=f"redis://127.0.0.1:{port}/0")
            used = run_python(REDIS_FIRST_USED, env)
            assert used.returncode == 0, used.stderr
            # Not loaded at start; made without the cache, the throttle open.
            assert used.stdout.splitlines()[-2:] == ["False", "made True True"]
            assert "Throttle store unavailable, probe not counted" in used.stderr
            assert "Page cache unavailable, pages not cleared" in used.stderr
            assert "RedisSkipped" not in used.stderr
    finally:
        silent.close()


def test_unavailable_names_redis_errors_once_redis_py_is_loaded(monkeypatch):
    from redis import exceptions

    assert exceptions.RedisError in cache.unavailable()
    assert issubclass(cache.RedisSkipped, cache.unavailable())
    monkeypatch.delitem(sys.modules, "redis.exceptions")  # a fork without redis-py
    assert cache.unavailable() == (OSError,)
    assert issubclass(cache.RedisSkipped, cache.unavailable())


def test_on_redis_names_this_projects_and_djangos_redis_backends(no_redis):
    assert not cache.on_redis(cache.caches(page_seconds=10, development=False))
    no_redis.setenv("REDIS_TLS_URL", HEROKU_TLS)
    assert cache.on_redis(cache.caches(page_seconds=10, development=False))
    django_own = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
    assert cache.on_redis(django_own)


WEB_LINE = """
import sys, config.wsgi, sentry_sdk
print("redis" in sys.modules, "redis" in sentry_sdk.get_client().integrations)
"""


@pytest.mark.parametrize(
    ("variables", "loaded"),
    [
        ({}, "False False"),
        ({"REDIS_URL": HEROKU_TLS}, "True True"),
        ({"REDIS_TLS_URL": HEROKU_TLS}, "True True"),
    ],
)
def test_the_web_line_loads_redis_py_before_its_workers_fork_only_for_redis(variables, loaded):
    """config/wsgi.py runs in the gunicorn master (preload_app): workers share what it
    loads. Sentry (on, with a DSN where nothing listens) reports Redis calls only then."""
    env = production_env(
        DATABASE_URL="postgres://u:p@db.invalid/app",
        SENTRY_DSN=f"http://key@127.0.0.1:{free_port()}/1",
        **variables,
    )
    started = run_python(WEB_LINE, env)
    assert started.returncode == 0, started.stderr
    assert started.stdout.splitlines()[-1] == loaded


PAGES_PREFIX = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.CACHES['pages']['KEY_PREFIX'])"
)


def test_each_release_keeps_its_pages_apart_on_redis(tmp_path):
    """A page links the hashed static files of its release, which a dyno of another
    release does not serve: with one Redis for both, the new dynos of a deploy
    served pages the old ones had stored, unstyled, and the old ones the new
    ones', for the pages' lifetime. Kept parts are rendered by a release's own
    templates too. Processes of one release still share them."""
    base = production_env(
        DATABASE_URL="postgres://u:p@db.invalid/app", REDIS_URL="rediss://:pw@r.example.com:6380"
    )
    prefix = {
        commit: run_python(PAGES_PREFIX, {**base, "HEROKU_BUILD_COMMIT": commit}).stdout.strip()
        for commit in ("1" * 40, "2" * 40)
    }
    assert prefix["1" * 40] != prefix["2" * 40]
    assert all(value.startswith("pages:") for value in prefix.values())
    again = run_python(PAGES_PREFIX, {**base, "HEROKU_BUILD_COMMIT": "1" * 40}).stdout.strip()
    assert again == prefix["1" * 40]
    # Without the dyno metadata lab: the collected files' manifest tells releases apart.
    manifest = tmp_path / "staticfiles.json"
    manifest.write_text('{"paths": {"css/site.css": "css/site.0123456789ab.css"}}')
    first = cache.release_tag(manifest)
    manifest.write_text('{"paths": {"css/site.css": "css/site.ba9876543210.css"}}')
    assert cache.release_tag(manifest) != first
    # With a static bucket the manifest is on the bucket, none in the slug: releases
    # of the same config vars share their pages, whatever their static files (docs).
    assert cache.release_tag(tmp_path / "none.json") == ""


# Settings read afresh under each variant's config vars, in one process: what its page
# keys carry.
PREFIX_UNDER_EACH = """
import json, os, runpy
variants, base = json.loads(os.environ.pop("VARIANTS")), dict(os.environ)
found = {}
for name, value in variants:
    os.environ.clear()
    os.environ.update(base, **({name: value} if name else {}))
    settings = runpy.run_module("config.settings")
    found[f"{name}={value}"] = settings["CACHES"]["pages"]["KEY_PREFIX"]
print(json.dumps(found))
"""

# Config vars whose new value changes what a page holds: its stylesheet and script
# URLs' ?v=, its images' bucket (which the new release's policy allows alone), and
# the key its image URLs are signed with (a rotated key, once deactivated, fails them).
SHAPE_PAGES = {
    "STATIC_VERSION": ("43", "44"),
    "CSS_VERSION": ("c1", "c2"),
    "JS_VERSION": ("j1", "j2"),
    "AWS_MEDIA_BUCKET_NAME": ("shop-media", "shop-media-2"),
    "AWS_STATIC_BUCKET_NAME": ("shop-static", "shop-static-2"),
    "AWS_S3_ENDPOINT_URL": ("https://s3.one.example.com", "https://s3.two.example.com"),
    "AWS_S3_REGION_NAME": ("eu-west-1", "eu-north-1"),
    "AWS_ACCESS_KEY_ID": ("AKIAEXAMPLEKEYONE", "AKIAEXAMPLEKEYTWO"),
}


def test_a_config_var_a_page_is_made_from_keeps_each_releases_pages_apart():
    """`heroku config:set STATIC_VERSION=44` is a release of the same commit and the
    same collected files: its dynos served the pages the old ones had stored on
    Redis, linking the old ?v=, and after a bucket change images the new policy
    blocks. A variable pages are not made from (WEB_CONCURRENCY) shares them."""
    variants = [["", ""], ["WEB_CONCURRENCY", "3"]]
    variants += [[name, value] for name, values in SHAPE_PAGES.items() for value in values]
    env = production_env(
        DATABASE_URL="postgres://u:p@db.invalid/app",
        REDIS_URL="rediss://:pw@r.example.com:6380",
        VARIANTS=json.dumps(variants),
    )
    done = run_python(PREFIX_UNDER_EACH, env)
    assert done.returncode == 0, done.stderr
    prefix = json.loads(done.stdout)
    assert prefix["WEB_CONCURRENCY=3"] == prefix["="]
    for name, (one, other) in SHAPE_PAGES.items():
        assert len({prefix["="], prefix[f"{name}={one}"], prefix[f"{name}={other}"]}) == 3, name


# A fork's STORAGES may hold objects (django-storages takes a botocore Config as
# `client_config`), whose repr names their memory address.
FORKS_TAG = """
from pathlib import Path
from botocore.config import Config
from config.cache import release_tag
from config.static_versioning import resolve
storages = {"default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
    "bucket_name": "shop-media", "client_config": Config(retries={"max_attempts": 2})}}}
print(release_tag(Path("/nonexistent"), rendered_with=[storages, resolve({"STATIC_VERSION": "4"})]))
"""


def test_a_value_inside_an_object_of_the_storages_counts(tmp_path):
    """A fork's botocore Config built from config vars (another region, another
    addressing style) changes the media URLs in pages: hashed by its type alone, it
    did not change the keys. Nor did a Path or a set."""
    from botocore.config import Config

    def tag(value):
        return cache.release_tag(tmp_path / "none.json", rendered_with=[value])

    def storages(region):
        return {"default": {"OPTIONS": {"client_config": Config(region_name=region)}}}

    assert tag(storages("eu-west-1")) != tag(storages("eu-north-1"))
    assert tag(storages("eu-west-1")) == tag(storages("eu-west-1"))
    assert tag({"location": Path("/a")}) != tag({"location": Path("/b")})
    assert tag({"hosts": {"a", "b"}}) != tag({"hosts": {"a", "c"}})
    assert tag({"hosts": {"a", "b"}}) == tag({"hosts": {"b", "a"}})


class Pool:
    def __init__(self, owner):
        self.owner = owner  # back to what holds it: a cycle


class ForkOption:
    def __init__(self, region):
        self.region, self.pool = region, Pool(self)


@pytest.mark.parametrize(
    "option",
    [
        lambda: logging.getLogger("fork.storage"),  # its manager holds it again
        lambda: ForkOption("eu-west-1"),
        lambda: threading.Lock(),
    ],
    ids=["a logger", "a back-reference", "a lock"],
)
def test_an_object_json_cannot_hold_leaves_the_rest_counting(tmp_path, option):
    """An object with a cycle made the whole hash one constant: no asset version and
    no bucket changed the keys any more."""

    def tag(version, bucket="shop-media"):
        storages = {"default": {"OPTIONS": {"bucket_name": bucket, "extra": option()}}}
        return cache.release_tag(tmp_path / "none.json", rendered_with=[storages, version])

    assert tag("43") != tag("44")
    assert tag("43", "shop-media") != tag("43", "shop-media-2")
    assert tag("43") == tag("43")


class Unreadable:
    @property
    def __dict__(self):
        raise RuntimeError("not now")


def not_set_up():
    raise ImproperlyConfigured("not ready")


@pytest.mark.parametrize(
    "odd",
    [
        lambda: {"bucket_name": SimpleLazyObject(lambda: "shop-media")},
        lambda: {SimpleLazyObject(lambda: "bucket_name"): "shop-media"},
        lambda: {"bucket_name": SimpleLazyObject(not_set_up)},
        lambda: {"extra": Unreadable()},
    ],
    ids=["a lazy value", "a lazy key", "a lazy object that fails", "an unreadable object"],
)
def test_no_value_in_the_settings_stops_start_up_over_the_page_keys(tmp_path, odd):
    """A lazy string passes isinstance(str) and is no str to json: every process
    stopped at start-up on its settings."""

    def tag(version):
        settings = [{"OPTIONS": odd()}, version]
        return cache.release_tag(tmp_path / "none.json", rendered_with=settings)

    assert tag("43") != tag("44")


def test_processes_of_one_release_share_its_page_keys_whatever_storages_hold():
    """Objects were hashed by their repr: each process had pages of its own. Fresh
    interpreters, as dynos are: forked ones share their parent's addresses."""
    command = [sys.executable, "-c", FORKS_TAG]
    tags = {
        subprocess.run(command, cwd=BASE_DIR, capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    }
    assert len(tags) == 1, tags
    assert "\n" not in tags  # a tag, not nothing


def test_the_threads_and_aliases_of_a_process_share_its_connections(tmp_path, no_redis):
    """Django keeps each alias's cache per thread, and each made its own connection
    pool: a worker's 5 threads held up to 15 connections, a basic dyno 30, past the
    20 of the mini plan the docs name (redis-py then raises "max number of clients
    reached", which pauses every Redis call). One pool per server and process now:
    as many connections as threads use Redis at once, the docs' rule."""
    server = redisserver.start(tmp_path / "redis")
    try:
        no_redis.setenv("REDIS_URL", server.url)
        configured = cache.caches(page_seconds=10, development=True)
        for alias in ALIASES:  # the pools are the point, not the 1 s timeouts of a busy run
            configured[alias]["OPTIONS"].update(socket_timeout=30, socket_connect_timeout=30)
        handler = CacheHandler(configured)
        threads = gunicorn_config.threads
        together = threading.Barrier(threads, timeout=60)
        failed = []

        def use_every_alias():
            try:
                together.wait()
                for alias in ALIASES:
                    handler[alias].set("probe", alias)
                    if handler[alias].get("probe") != alias:
                        failed.append(alias)
                together.wait()  # every thread has used all three before any ends
            except Exception as error:
                failed.append(error)

        workers = [threading.Thread(target=use_every_alias) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(90)
        assert failed == []
        others = [c for c in server.client().client_list() if c["cmd"] != "client|list"]
        assert 1 <= len(others) <= threads, others
    finally:
        server.stop()


@pytest.mark.parametrize(
    "option",
    [
        "decode_responses=True",
        "decode_responses=False",
        "encoding=utf-16",
        "encoding_errors=ignore",
    ],
)
def test_an_option_that_changes_how_stored_bytes_are_read_is_refused(no_redis, option):
    """redis-py passes these to each connection (any text is true for decode_responses):
    a page's pickle then failed to decode, a 500 on every cached page from the second
    request on, and the release's GET of a missing key saw nothing wrong."""
    url = f"rediss://:secret@h:6380/0?{option}"
    assert option.partition("=")[0] in parse_url(url)  # redis-py takes it
    no_redis.setenv("REDIS_TLS_URL", url)
    with pytest.raises(ImproperlyConfigured, match="bytes") as refused:
        cache.caches(page_seconds=10, development=False)
    assert option.partition("=")[0] in str(refused.value)
    assert "secret" not in str(refused.value)


@pytest.mark.parametrize("name", ["socket_timeout", "socket_connect_timeout"])
@pytest.mark.parametrize("value", ["0", "-1", "0.0", "nan", "inf", "soon", "30", "31", "1e10"])
def test_a_timeout_that_leaves_no_time_or_none_is_refused(no_redis, name, value):
    """redis-py's URL options win over the app's one-second timeouts: 0 failed every
    connection at once, which the release took for an outage (a warning), and the
    throttles counted nothing for as long as it stayed."""
    no_redis.setenv("REDIS_TLS_URL", f"rediss://:secret@h:6380/0?{name}={value}")
    with pytest.raises(ImproperlyConfigured, match=f"{name}") as refused:
        cache.caches(page_seconds=10, development=False)
    assert "seconds" in str(refused.value)


@pytest.mark.parametrize(
    "query",
    [
        "socket_timeout=2",
        "socket_connect_timeout=0.5",
        "socket_timeout=29.5",
        "ssl_cert_reqs=none&ssl_check_hostname=false",
        "client_name=shop&health_check_interval=30&socket_keepalive=true",
        "decode_responses=",
        "protocol=3",
        "max_connections=5",
        "max_connections=50",
    ],
)
def test_other_options_are_left_to_redis_py(no_redis, query):
    no_redis.setenv("REDIS_TLS_URL", f"rediss://:secret@h:6380/0?{query}")
    assert cache.caches(page_seconds=10, development=False)["pages"]["LOCATION"]


@pytest.mark.parametrize("value", ["0", "1", "4", "abc"])
def test_a_pool_smaller_than_a_workers_threads_is_refused(no_redis, value):
    """A worker's threads share one pool per server: with max_connections=1, 249 of
    250 calls from five threads failed, read as an outage that paused every cache."""
    no_redis.setenv("REDIS_TLS_URL", f"rediss://:secret@h:6380/0?max_connections={value}")
    with pytest.raises(ImproperlyConfigured, match="max_connections"):
        cache.caches(page_seconds=10, development=False)


def test_the_pool_bound_is_a_workers_thread_count():
    from config import gunicorn

    assert gunicorn.threads == cache.THREADS


@pytest.mark.parametrize(
    "option",
    [
        "retry_on_error=TimeoutError",  # a TypeError when a call fails: a 500
        "retry_on_timeout=true",  # four attempts: 32 s with socket_timeout=8
        "socket_read_size=0",  # every read "closed by server": an outage for good
        "timeout=5",  # passed to a class that takes none
        "single_connection_client=1",
        "foo=1",
    ],
)
def test_an_option_the_app_does_not_take_is_refused(no_redis, option):
    url = f"rediss://:secret@h:6380/0?{option}"
    said = refused_at_start_up(no_redis, "REDIS_TLS_URL", url, "which the app does not take")
    assert option.partition("=")[0] in said


@pytest.mark.parametrize(
    "option",
    [
        "db=x",  # redis-py's int(): a ValueError on every cache call, which no
        "db=1.5",  # handler of an outage catches
        "health_check_interval=x",
        "health_check_interval=1.5",
        "ssl_cert_reqs=bogus",  # a RedisError on every call: read as an outage
        "ssl_cert_reqs=REQUIRED",
    ],
)
def test_a_value_redis_py_cannot_read_is_refused_at_start_up(no_redis, option):
    """Only the release phase's check (config.E006) stopped these: a web process
    started without it failed every cache call."""
    url = f"rediss://:secret@h:6380/2?{option}"
    refused_at_start_up(no_redis, "REDIS_TLS_URL", url, option.partition("=")[0])


@pytest.mark.parametrize("option", ["ssl_cert_reqs=none", "ssl_check_hostname=false"])
def test_tls_options_on_a_plain_url_are_refused(no_redis, option):
    """redis-py's plain connection takes no ssl_ argument: a TypeError on every call."""
    url = f"redis://:secret@127.0.0.1:6379/0?{option}"
    said = refused_at_start_up(no_redis, "REDIS_URL", url, "redis:// URL", development=True)
    assert option.partition("=")[0] in said


@pytest.mark.parametrize(
    "location",
    [
        "rediss://:secret@h:6380/0,redis://127.0.0.1:6379/0",
        "redis://127.0.0.1:6379;rediss://h:6380",
    ],
)
def test_servers_of_both_schemes_in_one_url_are_refused(no_redis, location):
    """The app's TLS options (ssl_cert_reqs) went to the plain replica too: a
    TypeError on every read, which Django sends to the replicas."""
    said = "mixes redis:// and rediss://"
    refused_at_start_up(no_redis, "REDIS_URL", location, said, development=True)


@pytest.mark.parametrize(
    "query", ["db=3", "db=03", "db=", "health_check_interval=30", "ssl_cert_reqs=optional"]
)
def test_values_redis_py_reads_are_taken(no_redis, query):
    no_redis.setenv("REDIS_TLS_URL", f"rediss://:secret@h:6380/0?{query}")
    assert cache.caches(page_seconds=10, development=False)["pages"]["LOCATION"]
    parse_url(f"rediss://h/0?{query}")  # redis-py reads it too


@pytest.mark.parametrize("value", ["0", "1", "4", "abc", "3.0"])
def test_a_protocol_redis_py_does_not_speak_is_refused(no_redis, value):
    """protocol=4 failed every call as "did not answer": a warning at the release."""
    no_redis.setenv("REDIS_TLS_URL", f"rediss://:secret@h:6380/0?protocol={value}")
    with pytest.raises(ImproperlyConfigured, match="RESP 2 or 3"):
        cache.caches(page_seconds=10, development=False)


@pytest.mark.parametrize(
    "commit",
    ["ab\udcffcd", "r\udce9l", "main branch", "a\nb", "ünïcode", "x" * 41, "a:b", "\t"],
    ids=["not utf-8", "latin-1", "space", "newline", "unicode", "long", "colon", "tab"],
)
def test_a_commit_that_is_no_safe_key_text_goes_into_the_keys_as_a_hash(
    monkeypatch, tmp_path, commit
):
    """The commit is part of every page key's name on Redis, which encodes keys as
    UTF-8: SOURCE_VERSION='ab\\xffcd' (a platform's run-time variable, not Heroku's hex)
    made every cache call raise UnicodeEncodeError, every page a 500 and the release
    blame REDIS_URL. Letters, digits, '.', '_' and '-' go in as they are; anything
    else as 12 hex digits of its hash, one per commit."""
    monkeypatch.setenv("HEROKU_BUILD_COMMIT", commit)
    tag = cache.release_tag(tmp_path / "none.json")
    assert re.fullmatch(r"[0-9a-f]{12}", tag), tag
    tag.encode("ascii")
    monkeypatch.setenv("HEROKU_BUILD_COMMIT", commit + "2")
    assert cache.release_tag(tmp_path / "none.json") != tag
    monkeypatch.setenv("HEROKU_BUILD_COMMIT", "v1.2_rc-3")
    assert cache.release_tag(tmp_path / "none.json") == "v1.2_rc-3"


# Bytes under a key that this release cannot unpickle: another program's, a value
# cut short, a class another release had.
UNREADABLE = {
    "text": b"garbage",
    "a pickle cut short": pickle.dumps(("text/html", b"<p>page</p>"))[:-4],
    "a class that is gone": b"cgone\nThing\n.",  # pickle's GLOBAL gone.Thing
    "not UTF-8": b"\xff\xfe",
}


def test_a_value_on_redis_this_release_cannot_read_is_not_found(tmp_path, no_redis, caplog):
    """Django's backend raised: a 500 on every catalog page that read the key, until it
    expired (the page cache's generation never does)."""
    server = redisserver.start(tmp_path / "redis")
    try:
        store = cache.RedisCache(
            server.url,
            {"KEY_PREFIX": "pages", "OPTIONS": cache.redis_options(server.url, development=True)},
        )
        raw = server.client()
        keys = {name: name.replace(" ", "-") for name in UNREADABLE}
        for name, data in UNREADABLE.items():
            raw.set(store.make_and_validate_key(keys[name]), data)
        store.set("readable", ("kept", 1))
        for name, key in keys.items():
            assert store.get(key, "default") == "default"
            assert store.get_or_set(key, "made") == "made"
            raw.set(store.make_and_validate_key(key), UNREADABLE[name])
        assert store.get_many([*keys.values(), "readable"]) == {"readable": ("kept", 1)}
        assert store.get("readable") == ("kept", 1)
        assert sum("Cache value unreadable" in line for line in caplog.messages) >= len(UNREADABLE)
    finally:
        server.stop()
