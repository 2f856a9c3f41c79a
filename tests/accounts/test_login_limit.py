"""Failed logins are bounded per account across clients and per client across
usernames, not only per username and client.

django-axes locks a username for one client (an IPv4 address or an IPv6 /64)
after 5 failures; an attacker with many networks would never meet that. So the
30th failure within the hour for one account, from any clients, pauses logins to
that account (the 429 page) until the hour ends; a password reset lifts it.
"""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts import throttles
from accounts.mail import outbox
from config.security import throttle
from tests.accounts.test_backends import CountingHasher, SlowHasher
from tests.factories import PASSWORD, UserFactory
from tests.threads import sent_at_once

pytestmark = pytest.mark.django_db

LIMIT = 30  # the documented bound (docs/production.md)
LOGIN, ADMIN_LOGIN = "/accounts/login/", "/admin/login/?next=/admin/"


def from_client(n: int) -> dict:
    """Heroku's router's header for the n-th client: each in an IPv6 /64 of its own."""
    return {"HTTP_X_FORWARDED_FOR": f"2001:db8:{n:x}::1"}


def log_in(username: str, password: str, n: int, path: str = LOGIN):
    return Client(**from_client(n)).post(path, {"username": username, "password": password})


@pytest.fixture(autouse=True)
def users():
    UserFactory(username="alice", email="alice@example.com", is_staff=True)
    UserFactory(username="bob", is_staff=True)


def test_failures_from_many_clients_pause_the_account():
    # Twelve clients: none reaches django-axes' five, so no pair locks...
    answers = [log_in("alice", "wrong", n).status_code for n in range(12)]
    assert answers == [200] * 12
    # ...and up to the bound every failure is still an ordinary form error.
    answers = [log_in("alice", "wrong", n).status_code for n in range(12, LIMIT)]
    assert answers == [200] * (LIMIT - 12)

    refused = log_in("alice", PASSWORD, 1000)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "Signing in to this account is paused" in refused.content.decode()
    assert "_auth_user_id" not in refused.wsgi_request.session
    assert log_in("alice", PASSWORD, 1001, ADMIN_LOGIN).status_code == 429
    # Other accounts are not affected.
    assert log_in("bob", PASSWORD, 1000).status_code == 302


def test_a_clients_fifth_guess_is_checked_before_its_pair_locks():
    assert [log_in("alice", "wrong", 7).status_code for _ in range(4)] == [200] * 4
    assert log_in("alice", PASSWORD, 7).status_code == 302


def test_six_networks_of_five_guesses_each_pause_the_account():
    """The documented arithmetic: 5 guesses a network, so 30 take 6 networks."""
    for n in range(LIMIT // 5):
        assert [log_in("alice", "wrong", n).status_code for _ in range(5)] == [200] * 4 + [429]
    assert log_in("alice", PASSWORD, 1000).status_code == 429


def test_below_the_bound_the_owner_logs_in():
    for n in range(LIMIT - 1):
        log_in("alice", "wrong", n)
    assert log_in("alice", PASSWORD, 1000).status_code == 302


def test_attempts_refused_by_the_client_lockout_do_not_count():
    """One network cannot pause an account everywhere: once its pair is locked,
    its attempts check no password and count nothing."""
    answers = [log_in("alice", "wrong", 7).status_code for _ in range(LIMIT + 10)]
    assert answers == [200] * 4 + [429] * (LIMIT + 6)
    assert log_in("alice", PASSWORD, 8).status_code == 302


def test_a_password_reset_lifts_the_pause():
    for n in range(LIMIT):
        log_in("alice", "wrong", n)
    assert log_in("alice", PASSWORD, 1000).status_code == 429

    browser = Client(**from_client(2000))
    browser.post("/accounts/password_reset/", {"email": "alice@example.com"})
    assert outbox.wait(timeout=30)
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[-1].body)[1]
    form = browser.get(link)["Location"]
    new = "a-fresh-passphrase-2024"
    browser.post(form, {"new_password1": new, "new_password2": new})

    assert log_in("alice", new, 2001).status_code == 302


CLIENT_LIMIT = 100  # failed logins an hour from one client (accounts/throttles.py)


def test_a_client_that_fails_with_new_usernames_is_paused(settings):
    """Every failure costs a password hash, made-up usernames included; a new
    username each time met neither the per-account bound nor django-axes'."""
    settings.PASSWORD_HASHERS = ["tests.accounts.test_backends.CountingHasher"]
    CountingHasher.hashes = 0
    client = Client(**from_client(5))
    answers = {
        client.post(LOGIN, {"username": f"nobody{n}", "password": "x"}).status_code
        for n in range(CLIENT_LIMIT)
    }
    assert answers == {200}
    assert CountingHasher.hashes == CLIENT_LIMIT
    refused = client.post(LOGIN, {"username": "alice", "password": PASSWORD})
    assert refused.status_code == 429
    assert CountingHasher.hashes == CLIENT_LIMIT  # refused before any password check
    assert "Signing in from your network is paused" in refused.content.decode()
    assert "_auth_user_id" not in refused.wsgi_request.session
    assert client.post(ADMIN_LOGIN, {"username": "bob", "password": PASSWORD}).status_code == 429
    # Another client, and the accounts themselves, are not affected.
    assert log_in("alice", PASSWORD, 6).status_code == 302


def test_a_client_below_its_bound_logs_in():
    client = Client(**from_client(5))
    for n in range(CLIENT_LIMIT - 1):
        client.post(LOGIN, {"username": f"nobody{n}", "password": "x"})
    assert client.post(LOGIN, {"username": "alice", "password": PASSWORD}).status_code == 302


def test_the_shared_demo_logins_are_not_paused_for_every_visitor():
    """Each visitor of a demo logs in with them and none can reset their password
    (no address): thirty wrong passwords from six networks shut everyone out for the
    hour. The bounds per client still hold."""
    UserFactory(username="demo-staff", email="", is_staff=True)
    for n in range(LIMIT // 5):
        assert [log_in("demo-staff", "wrong", n).status_code for _ in range(5)] == [200] * 4 + [429]
    assert log_in("demo-staff", PASSWORD, 1000).status_code == 302
    assert log_in("demo-staff", PASSWORD, 0).status_code == 429  # that network's pair


@pytest.mark.parametrize("username", ["demo-staff", "Demo-Member", "DEMO-STAFF"])
def test_an_owners_account_under_a_shared_logins_name_keeps_the_bound(username):
    """An account of that name with an address is its owner's (signed up before the
    seed made the shared one, or in another case before signup refused the names):
    its owner can reset their password, and no visitor shares it."""
    UserFactory(username=username, email="owner@example.com")
    answers = [log_in(username, "wrong", n).status_code for n in range(LIMIT)]
    assert answers == [200] * LIMIT
    assert log_in(username, PASSWORD, 1000).status_code == 429


FAILURES = {"limit": LIMIT, "window": 3600, "alias": throttles.LOGIN_FAILURES_ALIAS}


def one_failure_left(username: str) -> None:
    for _ in range(LIMIT - 1):
        throttle.hit("login-account", username, **FAILURES)


@pytest.mark.django_db(transaction=True)
def test_guesses_sent_at_once_check_no_more_passwords_than_the_bound(settings, counts_cleared):
    """The bound was asked before the password was checked and counted after: every
    guess in flight at once found room, and 34 of 40 sent together were checked
    against the 30. Each is now counted before its check, and given back if right."""
    settings.PASSWORD_HASHERS = [f"{SlowHasher.__module__}.SlowHasher"]
    UserFactory(username="carol")
    one_failure_left("carol")
    CountingHasher.hashes = 0
    answers = sent_at_once(6, lambda n: log_in("carol", "wrong", 100 + n))
    assert answers == [200] + [429] * 5
    assert CountingHasher.hashes == 1


@pytest.mark.django_db(transaction=True)
def test_the_owners_logins_at_once_are_not_counted_as_failures(settings, counts_cleared):
    """A right password gives its count back: an owner's logins never pause the account."""
    settings.PASSWORD_HASHERS = [f"{SlowHasher.__module__}.SlowHasher"]
    UserFactory(username="carol")
    for _ in range(3):
        assert sent_at_once(4, lambda n: log_in("carol", PASSWORD, 200 + n)) == [302] * 4
    assert not throttle.reached("login-account", "carol", **{**FAILURES, "limit": 1})


def test_a_right_password_the_admin_then_refuses_counts_as_no_failure():
    """A member's right password at the admin's login is refused there (not staff)
    after it was checked: counted before the check and never given back, 30 of them
    paused the member's own logins everywhere, and a shared login's paused its network."""
    member = UserFactory(username="dora")
    for _ in range(LIMIT + 1):
        refused = log_in(member.username, PASSWORD, 1, ADMIN_LOGIN)
        assert refused.status_code == 200
        assert "for a staff account" in refused.content.decode()
    assert not throttle.reached("login-account", "dora", **{**FAILURES, "limit": 1})
    assert not throttle.reached("login-client", "2001:db8:1::", **{**FAILURES, "limit": 1})
    assert log_in(member.username, PASSWORD, 2).status_code == 302
