"""The throttle store: counts per key and window, shared through the database, hashed keys."""

import threading

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from config import cache
from config.security import throttle
from tests.conftest import HeldClock

pytestmark = pytest.mark.django_db


def stored_rows() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM throttle_cache")
        return cursor.fetchall()


def test_counts_live_in_the_database_every_dyno_shares():
    assert settings.CACHES[throttle.ALIAS]["BACKEND"].endswith(".db.DatabaseCache")
    throttle.hit("test", "someone", limit=3, window=60)
    assert len(stored_rows()) == 1


def test_a_value_is_allowed_up_to_the_limit_in_its_window():
    answers = [throttle.hit("test", "a", limit=3, window=60) for _ in range(5)]
    assert answers == [True, True, True, False, False]
    # Another value, scope or window length counts on its own.
    assert throttle.hit("test", "b", limit=3, window=60)
    assert throttle.hit("other", "a", limit=3, window=60)
    assert throttle.hit("test", "a", limit=3, window=120)


def test_a_keys_first_count_runs_fewer_statements_than_the_next():
    """What docs/accounts.md says a form's time may still tell (and why a POST's
    query count is not shown, docs/query-log.md): the first count inserts, a later
    one tries that insert and then increments."""
    from config.querylog import record

    statements = []
    for _ in range(3):
        with record() as log:
            throttle.hit("test", "counted", limit=10, window=60)
        statements.append(log.count)
    assert statements[0] < statements[1] == statements[2]


def test_a_failed_logins_queries_differ_between_the_first_and_the_next(client):
    """django-axes' first record of a username and client runs other statements than
    the next (a get_or_create, then an update): docs/query-log.md."""
    from config.querylog import record

    statements = []
    for _ in range(3):
        with record() as log:
            client.post("/accounts/login/", {"username": "ada", "password": "wrong"})
        statements.append(log.count)
    assert statements[0] != statements[1] == statements[2]


def test_reached_counts_nothing_and_clear_forgets():
    for _ in range(2):
        throttle.hit("test", "a", limit=2, window=60)
    assert throttle.reached("test", "a", limit=2, window=60)
    assert not throttle.reached("test", "a", limit=3, window=60)
    assert throttle.reached("test", "a", limit=2, window=60)  # still 2
    throttle.clear("test", "a", window=60)
    assert not throttle.reached("test", "a", limit=1, window=60)


def test_the_store_never_holds_a_value_in_clear():
    throttle.hit("reset-address", "grace@example.com", limit=5, window=3600)
    [(key, value)] = stored_rows()
    assert "grace" not in key
    assert "example" not in key
    assert "grace" not in value


def test_a_rotated_secret_keeps_the_counts_of_the_window(rotated_secret):
    """Counts are keyed by an HMAC under SECRET_KEY: a rotation (after a leak, likely
    while the site is under attack) started every count afresh, a paused account's
    included, and during a deploy old and new dynos each counted apart."""
    for _ in range(2):
        throttle.hit("test", "a", limit=3, window=60)
    rotated_secret()
    assert throttle.reached("test", "a", limit=2, window=60)
    assert throttle.hit("test", "a", limit=3, window=60)  # the third
    assert not throttle.hit("test", "a", limit=3, window=60)
    throttle.clear("test", "a", window=60)
    assert not throttle.reached("test", "a", limit=1, window=60)


def test_a_new_secret_without_fallbacks_starts_the_counts_afresh(rotated_secret):
    """What a new DJANGO_SECRET_KEY alone does (docs/production.md, "Throttles")."""
    throttle.hit("test", "a", limit=3, window=60)
    rotated_secret(keep=False)
    assert not throttle.reached("test", "a", limit=1, window=60)


def test_each_fallback_costs_a_count_one_read_more(rotated_secret):
    """docs/production.md: "one more read while that list is not empty"."""

    def second_count(value: str) -> int:
        """The statements of a key's second count (its first is an insert)."""
        throttle.hit("test", value, limit=9, window=60)
        with CaptureQueriesContext(connection) as taken:
            throttle.hit("test", value, limit=9, window=60)
        return len(taken)

    alone = second_count("b")
    rotated_secret()
    assert second_count("c") == alone + 1


@pytest.mark.usefixtures("throttle_clock")
def test_a_paused_account_stays_paused_across_a_rotated_secret(client, rotated_secret):
    from django.test import Client

    from accounts.throttles import LOGIN_FAILURES_PER_ACCOUNT
    from tests.factories import UserFactory

    UserFactory(username="alice", email="alice@example.com")
    for n in range(LOGIN_FAILURES_PER_ACCOUNT):
        Client(HTTP_X_FORWARDED_FOR=f"2001:db8:{n:x}::1").post(
            "/accounts/login/", {"username": "alice", "password": "wrong"}
        )
    rotated_secret()
    answer = Client(HTTP_X_FORWARDED_FOR="2001:db8:ffff::1").post(
        "/accounts/login/", {"username": "alice", "password": "wrong"}
    )
    assert answer.status_code == 429


def test_a_window_longer_than_the_store_keeps_counts_is_refused():
    with pytest.raises(ValueError, match="TIMEOUT"):
        throttle.hit("test", "a", limit=1, window=2 * 3600)


def test_seconds_left_counts_to_the_end_of_the_window(throttle_clock):
    hour = throttle_clock.now - throttle_clock.now % 3600
    throttle_clock.now = hour + 1830.5
    assert throttle.seconds_left(60) == 29  # whole seconds, rounded down
    assert throttle.seconds_left(3600) == 1769
    throttle_clock.now = hour + 3599.5
    assert throttle.seconds_left(3600) == 1  # never 0: a Retry-After of 0 means now


def test_a_count_starts_again_when_its_window_ends(throttle_clock):
    """Windows are fixed, aligned on the clock: the allowance comes back at the hour."""
    hour = throttle_clock.now - throttle_clock.now % 3600
    throttle_clock.now = hour + 3599  # the hour's last second
    answers = [throttle.hit("test", "a", limit=2, window=3600) for _ in range(3)]
    assert answers == [True, True, False]
    assert throttle.seconds_left(3600) == 1
    throttle_clock.now += 1
    assert throttle.seconds_left(3600) == 3600
    assert throttle.hit("test", "a", limit=2, window=3600)
    assert not throttle.reached("test", "a", limit=2, window=3600)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("alias", [throttle.ALIAS, "login_failures"])
def test_hits_at_once_on_one_key_are_each_counted(alias):
    """The database cache's incr() reads, then writes: requests counting on one key
    at once each wrote the count they had read plus one, and 10 threads of 20 hits
    counted about 40 of 200, so a limit let through several times its number."""
    threads, each = 10, 20
    start = threading.Barrier(threads)

    def hits():
        try:
            start.wait()
            for _ in range(each):
                throttle.hit("test", "racing", limit=10_000, window=3600, alias=alias)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=hits) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert throttle.reached("test", "racing", limit=threads * each, window=3600, alias=alias)
    assert not throttle.reached(
        "test", "racing", limit=threads * each + 1, window=3600, alias=alias
    )


def test_take_counts_and_give_back_takes_it_off_once():
    first, second = (throttle.take("test", "a", limit=1, window=60) for _ in range(2))
    assert first
    assert not second
    second.give_back()
    second.give_back()  # once only
    assert throttle.reached("test", "a", limit=1, window=60)
    assert not throttle.reached("test", "a", limit=2, window=60)
    first.give_back()
    assert not throttle.reached("test", "a", limit=1, window=60)


def test_a_count_given_back_after_its_window_leaves_the_next_one_alone(throttle_clock):
    """A password checked across the hour: its count is taken off the hour it was added to."""
    hour = throttle_clock.now - throttle_clock.now % 3600
    throttle_clock.now = hour + 3599
    taken = throttle.take("test", "a", limit=5, window=3600)
    throttle_clock.now += 1
    throttle.hit("test", "a", limit=5, window=3600)
    taken.give_back()
    assert throttle.reached("test", "a", limit=1, window=3600)


def test_a_store_that_does_not_answer_lets_the_work_through(monkeypatch, caplog):
    """Each failure is logged: the first in RETRY_SECONDS as an error (a Sentry
    event), the others as warnings (config.cache.outage_level)."""

    def down(*args, **kwargs):
        raise ConnectionRefusedError("the store is down")

    def logged() -> list[tuple[str, str]]:
        records = [r for r in caplog.records if r.name == throttle.logger.name]
        return [(r.levelname, r.getMessage().partition(":")[0]) for r in records]

    clock = HeldClock(1000.0)
    store = throttle._store(60)
    with pytest.MonkeyPatch.context() as held:
        held.setattr(cache, "_breaker", cache._Breaker(clock.time))
        monkeypatch.setattr(store, "add", down)
        taken = throttle.take("test", "a", limit=1, window=60)
        assert taken
        taken.give_back()
        assert throttle.hit("test", "a", limit=1, window=60)
        assert logged() == [
            ("ERROR", "Throttle store unavailable, test not counted"),
            ("WARNING", "Throttle store unavailable, test not counted"),
        ]
        monkeypatch.undo()
        caplog.clear()
        for _ in range(2):
            taken = throttle.take("test", "a", limit=5, window=60)
            monkeypatch.setattr(store, "decr", down)
            taken.give_back()
            monkeypatch.undo()
            clock.now += cache.RETRY_SECONDS
        assert logged() == [
            ("WARNING", "Throttle store unavailable, a count not given back"),
            ("ERROR", "Throttle store unavailable, a count not given back"),
        ]


def test_a_tests_own_undo_leaves_the_throttles_clock_held(monkeypatch, throttle_clock):
    """Tests undo their monkeypatch to end a fault half-way (tests/media/test_upload_limit.py):
    that undid the held clock too, and a count made before it was read after it on the
    real clock, a window later when an hour or minute had turned meanwhile."""
    monkeypatch.setattr(throttle, "HeldElsewhere", object(), raising=False)
    monkeypatch.undo()
    assert throttle.time is throttle_clock
