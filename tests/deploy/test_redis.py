"""Web processes sharing one Redis, as dynos share Heroku Key-Value Store.

A redis-server started by the tests (tests/redisserver.py), and copies of the
Procfile's web line in production mode with REDIS_URL (or REDIS_TLS_URL, over
TLS with a self-signed certificate) pointing at it:

1. a page one process cached is a hit on the other, and a catalog change made
   by a third process (as `heroku run` or the admin on another dyno would)
   clears it on both at once, leaving the throttles' counts in place;
2. signups spread over both are counted as one, in Redis, not in the database;
3. a Redis that is down or never answers makes no page fail: lists render
   uncached, signups and logins go through uncounted, a catalog save succeeds,
   and after one failure the process stops calling it for a few seconds;
4. REDIS_TLS_URL wins over REDIS_URL and speaks TLS to a server whose
   certificate is self-signed; `?ssl_cert_reqs=required` turns checking on;
5. a full Redis with the documented eviction policy drops pages, never the
   counts or the page cache's generation; under `noeviction` a catalog change's
   refused clear is sent again before the worker serves a page from it.
"""

import dataclasses
import gzip
import os
import pickle
import time
from decimal import Decimal

import pytest
from django.core.cache import CacheHandler
from django.core.cache import caches as django_caches

from catalog import pagecache
from config import cache
from tests import redisserver
from tests.deploy.client import RouterClient, sign_ups_across
from tests.e2e import tls
from tests.factories import CategoryFactory, ProductFactory
from tests.processes import ROUTER_HEADERS, built_and_released, manage, run_python, start_web

CLIENT = {"X-Forwarded-For": "203.0.113.9"}
PASSWORD = "a long passphrase for a new account"
NEW_PRICE = "$4321.50"
CHANGE_PRICE = """
import django; django.setup()
from decimal import Decimal
from catalog.models import Product
product = Product.objects.order_by("pk").first()
product.price = Decimal("4321.50")
product.save()
print("saved")
"""


@pytest.fixture(scope="module")
def released():
    """A released database with a small catalog.

    Pages live ten minutes here, not the default ten seconds: these tests look
    at what Redis holds after a web process has stopped, or after a
    `heroku run`, which take seconds of their own on a busy machine. None of
    them is about expiry (tests/catalog/test_pagecache.py is).
    """
    env = built_and_released("redis")
    seeded = manage("seed_catalog", "--products", "3", env=env)
    assert seeded.returncode == 0, seeded.stderr
    return {**env, "PAGE_CACHE_SECONDS": "600"}


@pytest.fixture
def redis(tmp_path):
    server = redisserver.start(tmp_path / "redis")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shared_redis(tmp_path_factory):
    """The Redis of the two web processes below, for the module's tests."""
    server = redisserver.start(tmp_path_factory.mktemp("redis") / "redis")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def running_webs(released, shared_redis):
    """Two web processes on one database and one Redis, started once for the module."""
    env = {**released, "REDIS_URL": shared_redis.url}
    processes = [start_web(env) for _ in range(2)]
    try:
        for web in processes:
            web.wait_until_serving()
        yield processes, env
    finally:
        for web in processes:
            web.stop()
    for web in processes:
        assert "Internal Server Error" not in web.output()


@pytest.fixture
def webs(running_webs, shared_redis):
    """The two web processes, their Redis emptied: no cached page or count of another test.
    They keep nothing of their own between requests that these tests read."""
    shared_redis.client().flushall()
    return running_webs


def keys(redis, pattern: str) -> list[bytes]:
    return sorted(redis.client().scan_iter(pattern))


def test_two_processes_share_cached_pages_and_their_clear(webs, shared_redis):
    redis = shared_redis
    (one, two), env = webs
    gzipped = {**ROUTER_HEADERS, "Accept-Encoding": "gzip"}
    first = one.get("/products/", gzipped)
    second = two.get("/products/", gzipped)
    assert (first.status, first.headers["X-Page-Cache"]) == (200, "miss")
    assert (second.status, second.headers["X-Page-Cache"]) == (200, "hit")
    assert second.headers["Content-Encoding"] == "gzip"
    assert second.headers["Vary"] == "Accept-Encoding, Cookie"
    plain = one.get("/products/", ROUTER_HEADERS)
    assert plain.headers["X-Page-Cache"] == "hit"
    assert gzip.decompress(second.body) == plain.body
    assert NEW_PRICE not in plain.text
    assert len(keys(redis, "pages:*catalog-page:*")) == 1

    # A count the throttles keep in the same Redis must survive the clear.
    redis.client().set("throttles:1:a-count", 3)
    changed = run_python(CHANGE_PRICE, env)
    assert changed.stdout.strip() == "saved", changed.stderr

    after = [web.get("/products/", ROUTER_HEADERS) for web in (two, one)]
    assert [page.headers["X-Page-Cache"] for page in after] == ["miss", "hit"]
    assert all(NEW_PRICE in page.text for page in after)
    assert redis.client().get("throttles:1:a-count") == b"3"


@pytest.mark.parametrize("odd", [b"garbage", b"7", b"\x80\x04"], ids=["text", "a number", "cut"])
def test_a_value_in_redis_the_release_cannot_use_is_made_again(webs, shared_redis, odd):
    """The generation and every page, part and count spoiled by another program
    writing to the same Redis: each was a 500 on every catalog page until it
    expired, and the generation never does."""
    redis = shared_redis.client()
    (one, two), _ = webs
    paths = ["/products/", "/", "/products/?sort=-price"]
    first = {path: one.get(path, ROUTER_HEADERS) for path in paths}
    assert all(page.status == 200 for page in first.values())
    spoiled = keys(shared_redis, "pages:*")
    assert len(spoiled) >= 4
    for key in spoiled:
        redis.set(key, odd)
    for web in (two, one, two):
        for path in paths:
            page = web.get(path, ROUTER_HEADERS)
            assert page.status == 200, (path, page.text[:200])
            assert page.text.count("<article") == first[path].text.count("<article")
    assert one.get("/products/", ROUTER_HEADERS).headers["X-Page-Cache"] == "hit"


ODD_GENERATIONS = {
    "a float": lambda redis, key: redis.set(key, pickle.dumps(1.5)),
    "a list": lambda redis, key: redis.rpush(key, "a"),
    "beyond 64 bits": lambda redis, key: redis.set(key, b"99999999999999999999"),
}


@pytest.mark.parametrize("odd", ODD_GENERATIONS.values(), ids=ODD_GENERATIONS)
def test_a_generation_of_another_kind_is_replaced_by_the_next_request(webs, shared_redis, odd):
    """A list under the key made every request's GET raise WRONGTYPE: every page
    uncached, an error logged on each, after a restart too. (A clear in a web process
    of any of these: tests/catalog/test_pagecache.py.)"""
    redis = shared_redis.client()
    (one, two), _ = webs
    assert one.get("/products/", ROUTER_HEADERS).headers["X-Page-Cache"] == "miss"
    [generation] = keys(shared_redis, "pages:*catalog-page-generation")
    redis.delete(generation)
    odd(redis, generation)
    outcomes = [web.get("/products/", ROUTER_HEADERS).headers["X-Page-Cache"] for web in (two, one)]
    assert outcomes == ["miss", "hit"]


def test_signups_on_both_processes_are_counted_once_in_redis(webs, shared_redis):
    redis = shared_redis
    (one, two), env = webs
    answers = sign_ups_across((one, two), 11, "redis", PASSWORD, CLIENT)
    assert [reply.status for reply in answers] == [302] * 10 + [429]
    assert "Too many new accounts" in answers[-1].text
    [key] = keys(redis, "throttles:*signup-client*")
    assert b"203.0.113.9" not in key
    assert redis.client().get(key) == b"11"
    counted_in_database = run_python(
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SELECT count(*) FROM throttle_cache')\n"
        "    print(c.fetchone()[0])",
        env,
    )
    assert counted_in_database.stdout.strip() == "0", counted_in_database.stderr


@pytest.mark.parametrize("failure", ["stopped", "silent"])
def test_a_redis_that_does_not_answer_breaks_no_page(released, redis, silent_port, failure):
    """Pages render uncached, signups and logins go through uncounted, saves succeed."""
    if failure == "stopped":
        redis.stop()
        url = redis.url
    else:  # accepts connections, never answers: each call gives up after its timeout
        url = f"redis://127.0.0.1:{silent_port}/0"
    # One worker: the pause after a failure is its process's own, so the requests
    # below all meet it, however long each takes on a busy machine.
    env = {**released, "REDIS_URL": url, "WEB_CONCURRENCY": "1"}
    # Measured: only these processes run the paths taken when Redis fails.
    web = start_web(env, measured=True)
    try:
        web.wait_until_serving()
        pages = [web.get("/products/", ROUTER_HEADERS) for _ in range(2)]
        assert [(p.status, p.headers["X-Page-Cache"]) for p in pages] == [(200, "bypass")] * 2
        assert web.get("/products/?page=2", ROUTER_HEADERS).status == 404
        browser = RouterClient(web.port)
        name = f"down-{failure}"
        browser.sign_up(name, PASSWORD)  # asserts the 302 to the profile
        wrong = RouterClient(web.port).log_in(name, "not the password", CLIENT)
        assert wrong.status == 200
        assert "Please enter a correct username and password" in wrong.text
        assert RouterClient(web.port).log_in(name, PASSWORD, CLIENT).status == 302
        saved = run_python(CHANGE_PRICE, env)
        assert saved.stdout.strip() == "saved", saved.stderr
        assert "Page cache unavailable, pages not cleared" in saved.stderr
    finally:
        web.stop()
    output = web.output()
    assert "Internal Server Error" not in output
    assert "Page cache unavailable, rendering" in output
    assert "Throttle store unavailable, signup-client not counted" in output
    assert "Throttle store unavailable, login-account not counted" in output
    # After the first failure the process stops calling it for a while (config/cache.py).
    assert "unavailable, rendering: RedisSkipped('Redis failed" in output


@pytest.fixture
def certificate(tmp_path):
    return tls.make_certificate(tmp_path)


@pytest.fixture
def tls_redis(tmp_path, certificate):
    try:
        server = redisserver.start(tmp_path / "redis-tls", tls=certificate)
    except redisserver.TLSUnsupported:
        redisserver.skip_or_fail("this redis-server has no TLS", strict_under_ci=False)
    yield server
    server.stop()


def test_a_certificate_redis_cannot_load_fails_rather_than_skips(tmp_path, tls_redis, certificate):
    """Only a redis-server built without TLS (`tls_redis` skips there) skips the TLS
    tests where CI allows: one that refused the certificate was taken for that, and
    its failure hidden."""
    missing = dataclasses.replace(certificate, keyfile=tmp_path / "no-such.key")
    with pytest.raises(RuntimeError) as refused:
        redisserver.start(tmp_path / "redis-no-key", tls=missing).stop()
    assert not isinstance(refused.value, redisserver.TLSUnsupported), refused.value


def test_redis_tls_url_wins_and_speaks_tls_to_a_self_signed_server(released, redis, tls_redis):
    env = {**released, "REDIS_TLS_URL": tls_redis.url, "REDIS_URL": redis.url}
    web = start_web(env)
    try:
        web.wait_until_serving()
        pages = [web.get("/products/", ROUTER_HEADERS) for _ in range(2)]
        assert [(p.status, p.headers["X-Page-Cache"]) for p in pages] == [
            (200, "miss"),
            (200, "hit"),
        ]
    finally:
        web.stop()
    assert "unavailable" not in web.output()
    assert len(keys(tls_redis, "pages:*catalog-page:*")) == 1
    assert keys(redis, "*") == []  # the plain REDIS_URL was not used

    # Checking the certificate, as a fork on a server with a public one would ask:
    # this one is self-signed, so the connection is refused.
    code = "import django; django.setup(); from django.core.cache import caches; "
    code += "caches['pages'].set('x', 1)"
    checked = run_python(code, {**env, "REDIS_TLS_URL": tls_redis.url + "?ssl_cert_reqs=required"})
    assert checked.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in checked.stderr


@pytest.mark.parametrize("policy", ["volatile-ttl", "noeviction"])
def test_a_full_redis_evicts_pages_before_counts(tmp_path, monkeypatch, policy):
    """docs/production.md asks for volatile-ttl; Heroku's default, noeviction, refuses writes."""
    server = redisserver.start(tmp_path, maxmemory="4mb", policy=policy)
    try:
        monkeypatch.setenv("REDIS_URL", server.url)
        aliases = CacheHandler(cache.caches(page_seconds=10, development=False))
        pages, throttles = aliases["pages"], aliases["throttles"]
        throttles.set("a-count", 7)  # an hour's window
        pages.set(pagecache.GENERATION, 12, timeout=None)
        refused = None
        for n in range(200):  # 10 MB of 10-second pages into 4 MB
            try:
                pages.set(f"page-{n}", os.urandom(50_000))
            except cache.unavailable() as error:
                refused = error
                break
        if policy == "volatile-ttl":
            assert refused is None
            # Redis evicts among a few keys it samples, so which pages go is not
            # fixed (page-0 once stayed): some are kept, no more than fit.
            kept = [n for n in range(200) if pages.has_key(f"page-{n}")]
            assert 0 < len(kept) * 50_000 < 4 * 1024 * 1024
        else:
            assert "used memory > 'maxmemory'" in str(refused)
        assert throttles.get("a-count") == 7
        assert pages.get(pagecache.GENERATION) == 12
    finally:
        server.stop()


def test_a_release_stops_on_a_redis_refusing_tls(released, redis, tls_redis):
    """A certificate check the server fails refuses every call, as a wrong password
    does: it stopped no deploy, warned of as a Redis that does not answer."""
    release = {**released, "DYNO": "release.1"}
    checked = {**release, "REDIS_TLS_URL": tls_redis.url + "?ssl_cert_reqs=required"}
    done = manage("migrate", "--no-input", env=checked)
    assert done.returncode != 0
    assert "config.E006" in done.stderr
    assert "certificate verify failed" in done.stderr
    # As Heroku sets it (no certificate check), the same server releases quietly.
    done = manage("migrate", "--no-input", env={**release, "REDIS_TLS_URL": tls_redis.url})
    assert done.returncode == 0, done.stderr
    assert "config.W007" not in done.stdout + done.stderr


@pytest.mark.django_db
def test_a_clear_a_full_redis_refused_is_sent_again_before_a_page_is_served(
    tmp_path, monkeypatch, settings, client, django_capture_on_commit_callbacks, caplog
):
    """Under `noeviction` a full Redis refuses the clear of a catalog change (a SET):
    this worker went on serving the old page, and every dyno with it, even after
    memory was freed, until the page expired. The worker that made the change now
    renders until the clear goes through, then every dyno sees the new generation."""
    server = redisserver.start(tmp_path, maxmemory="4mb", policy="noeviction")
    try:
        monkeypatch.setenv("REDIS_URL", server.url)
        settings.CACHES = cache.caches(page_seconds=600, development=False)
        product = ProductFactory(category=CategoryFactory(), price=Decimal("10.00"))
        assert [client.get("/products/")["X-Page-Cache"] for _ in range(2)] == ["miss", "hit"]
        pages = django_caches["pages"]
        generation = pages.get(pagecache.GENERATION)
        for n in range(200):  # 10 MB of pages into 4 MB, until Redis refuses
            try:
                pages.set(f"filler-{n}", os.urandom(50_000))
            except cache.unavailable():
                break
        # Refused, the last one left memory just under the limit: now it is over.
        server.client().config_set("maxmemory", "1mb")
        with django_capture_on_commit_callbacks(execute=True):
            product.price = Decimal("4321.50")
            product.save()
        assert "pages not cleared" in caplog.text
        assert pages.get(pagecache.GENERATION) == generation  # refused
        for _ in range(2):  # the old page is not served, nor stored (Redis is full)
            full = client.get("/products/")
            assert full["X-Page-Cache"] == "bypass"
            assert NEW_PRICE in full.content.decode()
        server.client().config_set("maxmemory", "0")  # memory back
        freed = client.get("/products/")
        assert (freed["X-Page-Cache"], NEW_PRICE in freed.content.decode()) == ("miss", True)
        assert pages.get(pagecache.GENERATION) != generation  # for every dyno
        assert client.get("/products/")["X-Page-Cache"] == "hit"
    finally:
        server.stop()


@pytest.mark.django_db
def test_a_clear_that_timed_out_is_sent_when_redis_answers_again(
    tmp_path, monkeypatch, settings, client, django_capture_on_commit_callbacks
):
    """A catalog change while Redis does not answer writes (here CLIENT PAUSE, for
    longer than the one-second socket timeout): its clear times out, the worker
    pauses its calls (config/cache.py) and renders; once Redis answers again, the
    clear goes through before a page is read from it, not the old page."""
    server = redisserver.start(tmp_path)
    try:
        monkeypatch.setenv("REDIS_URL", server.url)
        settings.CACHES = cache.caches(page_seconds=600, development=False)
        product = ProductFactory(category=CategoryFactory(), price=Decimal("10.00"))
        assert [client.get("/products/")["X-Page-Cache"] for _ in range(2)] == ["miss", "hit"]
        redis = server.client()
        redis.execute_command("CLIENT", "PAUSE", "2500", "WRITE")
        paused_until = time.monotonic() + 2.5
        with django_capture_on_commit_callbacks(execute=True):
            product.price = Decimal("4321.50")
            product.save()  # its clear times out
        assert pagecache.unsent_clear.is_set()
        down = client.get("/products/")
        assert (down["X-Page-Cache"], NEW_PRICE in down.content.decode()) == ("bypass", True)
        time.sleep(max(0, paused_until - time.monotonic()) + 0.2)
        later = cache._breaker.clock() + cache.RETRY_SECONDS
        monkeypatch.setattr(cache._breaker, "clock", lambda: later)  # the pause over
        back = client.get("/products/")
        assert (back["X-Page-Cache"], NEW_PRICE in back.content.decode()) == ("miss", True)
        assert not pagecache.unsent_clear.is_set()
        assert client.get("/products/")["X-Page-Cache"] == "hit"
    finally:
        server.stop()
