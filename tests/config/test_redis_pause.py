"""A Redis that fails is paused, not waited on (config.cache.RedisCache).

After a call cannot connect or times out, every call to that server, from any
alias or thread of the process, fails at once for RETRY_SECONDS; then one call
tries it again while the others keep skipping, and an answer ends the pause.
The callers (page cache, kept content, throttles) already treat these failures
as "no cache": tests/deploy/test_redis.py shows the pages working meanwhile.
"""

import logging
import threading

import pytest
from redis.exceptions import ResponseError

from config import cache
from tests import redisserver
from tests.processes import SilentServer, wait_for

# How long a call waits on the silent server before it fails: short, as the tests
# wait it out. A real server gets time to answer on a busy machine.
TIMEOUT = 0.2
REAL_SERVER_TIMEOUT = 5.0
# Every kind of call the backend makes, each on its own.
CALLS = {
    "get": lambda store: store.get("key"),
    "set": lambda store: store.set("key", 1),
    "add": lambda store: store.add("key", 1),
    "touch": lambda store: store.touch("key"),
    "delete": lambda store: store.delete("key"),
    "get_many": lambda store: store.get_many(["key", "other"]),
    "set_many": lambda store: store.set_many({"key": 1}),
    "delete_many": lambda store: store.delete_many(["key"]),
    "has_key": lambda store: store.has_key("key"),
    "incr": lambda store: store.incr("key"),
    "decr": lambda store: store.decr("key"),
    "get_or_set": lambda store: store.get_or_set("key", 1),
    "clear": lambda store: store.clear(),
}


def redis_cache(
    url: str, prefix: str = "pages", timeout: float = REAL_SERVER_TIMEOUT
) -> cache.RedisCache:
    """The backend as settings.CACHES builds it (TLS as Heroku serves it for a
    rediss:// URL), with the given timeouts."""
    options = {
        **cache.redis_options(url, development=True),
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
    }
    return cache.RedisCache(url, {"KEY_PREFIX": prefix, "OPTIONS": options})


class Clock:
    """A monotonic clock the test moves by hand: no test waits out a pause."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def clock(monkeypatch) -> Clock:
    """Each test with no server paused, on its own clock."""
    clock = Clock()
    monkeypatch.setattr(cache, "_breaker", cache._Breaker(clock))
    return clock


@pytest.fixture
def silent():
    server = SilentServer()
    yield server
    server.close()


def catch(call, store):
    try:
        call(store)
    except Exception as error:  # the error is what the test reads
        return error
    return None


# rediss://: Heroku's TLS URL, where the handshake is what never ends.
@pytest.mark.parametrize("scheme", ["redis", "rediss"])
def test_a_redis_that_hangs_is_waited_on_once_then_skipped_by_every_call(silent, clock, scheme):
    url = f"{scheme}://127.0.0.1:{silent.port}/0"
    store = redis_cache(url, timeout=TIMEOUT)
    with pytest.raises(cache.unavailable()) as first:
        store.get("key")
    assert not isinstance(first.value, cache.RedisSkipped)  # this one waited
    wait_for(lambda: silent.accepted == 1)  # its thread counts once it runs
    # Every call, another alias on the same server, another thread: none connects.
    throttles = redis_cache(url, prefix="throttles", timeout=TIMEOUT)
    for call in CALLS.values():
        for backend in (store, throttles):
            with pytest.raises(cache.RedisSkipped, match="not called for 5 s"):
                call(backend)
    failures = []
    thread = threading.Thread(target=lambda: failures.append(catch(CALLS["incr"], store)))
    thread.start()
    thread.join()
    assert [type(error) for error in failures] == [cache.RedisSkipped]
    assert silent.accepted == 1  # still: none of them connected

    # Once the pause is over, the next call tries the server again.
    clock.advance(cache.RETRY_SECONDS)
    with pytest.raises(cache.unavailable()) as again:
        store.set("key", 1)
    assert not isinstance(again.value, cache.RedisSkipped)
    wait_for(lambda: silent.accepted == 2)
    with pytest.raises(cache.RedisSkipped):
        store.get("key")


def only_one_call_tries_it(store, silent) -> None:
    """Check that a call tries the silent server (its second connection) while
    another, meanwhile, is skipped; both calls end in an error of unavailable()."""
    tried = []
    trying = threading.Thread(target=lambda: tried.append(catch(CALLS["get"], store)))
    trying.start()
    wait_for(lambda: silent.accepted == 2)  # the try is waiting on the server
    with pytest.raises(cache.RedisSkipped):
        store.get("key")
    trying.join()
    assert isinstance(tried[0], cache.unavailable())
    assert not isinstance(tried[0], cache.RedisSkipped)
    assert silent.accepted == 2


def test_while_one_call_tries_the_server_again_the_others_keep_skipping(silent, clock):
    store = redis_cache(f"redis://127.0.0.1:{silent.port}/0", timeout=TIMEOUT)
    with pytest.raises(cache.unavailable()):
        store.get("key")
    clock.advance(cache.RETRY_SECONDS)
    only_one_call_tries_it(store, silent)


def test_a_failure_pauses_only_its_own_server(silent, tmp_path, clock):
    server = redisserver.start(tmp_path / "redis")
    try:
        with pytest.raises(cache.unavailable()):
            redis_cache(f"redis://127.0.0.1:{silent.port}/0", timeout=TIMEOUT).get("key")
        working = redis_cache(server.url)
        working.set("key", "kept")
        assert working.get("key") == "kept"
    finally:
        server.stop()


def stopped_then_restarted(server, store, folder):
    """Stop `server`, see a call of `store` fail (waited for, not skipped), then start
    the server again on its port: `store` is paused from then on."""
    server.stop()
    with pytest.raises(cache.unavailable()) as refused:
        store.get("key")
    assert not isinstance(refused.value, cache.RedisSkipped)
    return redisserver.start(folder, port=server.port)


def test_a_redis_back_up_is_used_again_after_the_pause(tmp_path, clock):
    server = redisserver.start(tmp_path / "first")
    store = redis_cache(server.url)
    try:
        store.set("key", "before")
        server = stopped_then_restarted(server, store, tmp_path / "second")
        # Up again, but within the pause: still skipped, so nothing is written.
        with pytest.raises(cache.RedisSkipped):
            store.set("key", "during")
        assert server.client().keys() == []
        clock.advance(cache.RETRY_SECONDS)
        store.set("key", "after")
        assert store.get("key") == "after"
        assert store.get_many(["key"]) == {"key": "after"}
    finally:
        server.stop()


def test_an_error_the_server_answers_with_pauses_nothing(tmp_path, clock):
    server = redisserver.start(tmp_path / "redis")
    store = redis_cache(server.url)
    try:
        store.set("text", "not a number")
        with pytest.raises(ResponseError):
            store.incr("text")
        assert store.get("text") == "not a number"
        # Nor does one met by the call that tries a paused server again: it answered.
        server = stopped_then_restarted(server, store, tmp_path / "again")
        server.client().set("pages:1:text", b"not a number")
        clock.advance(cache.RETRY_SECONDS)
        with pytest.raises(ResponseError):
            store.incr("text")
        store.set("key", 1)
        assert store.get("key") == 1
    finally:
        server.stop()


def test_a_try_that_ends_before_the_server_answers_leaves_the_next_one_to_another_call(
    silent, clock
):
    store = redis_cache(f"redis://127.0.0.1:{silent.port}/0", timeout=TIMEOUT)
    with pytest.raises(cache.unavailable()):
        store.get("key")
    wait_for(lambda: silent.accepted == 1)  # its thread counts once it runs
    clock.advance(cache.RETRY_SECONDS)
    # The try's value cannot be stored at all: it fails before reaching the server.
    with pytest.raises(TypeError):
        store.set("key", threading.Lock())
    assert silent.accepted == 1
    # So the next call tries again at once, and only that one.
    only_one_call_tries_it(store, silent)


def test_a_process_reports_one_failure_in_each_pause_and_logs_the_rest(refusing_port, clock):
    """config.cache.outage_level: the levels callers going on without the cache log at.
    An error (a Sentry event) for the first failure in RETRY_SECONDS, a warning (no
    event) for the calls skipped meanwhile and for failures close behind it."""
    store = redis_cache(f"redis://127.0.0.1:{refusing_port}/0")
    levels = []
    for _ in range(3):
        with pytest.raises(cache.unavailable()) as failed:
            store.get("key")
        levels.append(cache.outage_level(failed.value))
    assert levels == [logging.ERROR, logging.WARNING, logging.WARNING]
    assert isinstance(failed.value, cache.RedisSkipped)
    # A failure that pauses nothing (a full Redis's refusal) close behind: a warning.
    assert cache.outage_level(ResponseError("OOM")) == logging.WARNING
    clock.advance(cache.RETRY_SECONDS)  # the call that tries again fails: reported
    with pytest.raises(cache.unavailable()) as failed:
        store.get("key")
    assert not isinstance(failed.value, cache.RedisSkipped)
    assert cache.outage_level(failed.value) == logging.ERROR
    clock.advance(cache.RETRY_SECONDS)
    assert cache.outage_level(ResponseError("OOM")) == logging.ERROR
    assert cache.outage_level(ResponseError("OOM")) == logging.WARNING
