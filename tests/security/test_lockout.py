"""Repeated wrong passwords lock a username out from one address (django-axes)."""

import math
import time

import pytest
from django.test import RequestFactory

from config.security import client_ip

PASSWORD = "correct horse battery staple"
# Heroku's router appends the address it saw; what comes before is the client's to forge.
ROUTER = {"HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.9"}


def log_in(client, username, password, **headers):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, **headers
    )


@pytest.fixture
def staff(django_user_model):
    for name in ("alice", "bob"):
        django_user_model.objects.create_user(name, password=PASSWORD, is_staff=True)


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_user_out_from_that_address(client, staff):
    for _ in range(4):
        response = log_in(client, "alice", "wrong", **ROUTER)
        assert response.status_code == 200
        assert b"Please enter the correct username and password" in response.content
    locking = time.monotonic()
    locked = log_in(client, "alice", "wrong", **ROUTER)
    assert locked.status_code == 429

    # Now even the right password is refused, with the site's own page.
    refused = log_in(client, "alice", PASSWORD, **ROUTER)
    since = time.monotonic() - locking
    assert refused.status_code == 429
    # The 15 minutes' seconds left: 899 on a machine busy for a second meanwhile.
    assert 900 - math.ceil(since) <= int(refused["Retry-After"]) <= 900
    assert b"Too many failed sign-in attempts" in refused.content
    assert b"paused for 15 more minutes" in refused.content
    assert b'class="site-header"' in refused.content  # the base template
    assert "_auth_user_id" not in client.session

    # A forged first entry does not make a new address.
    forged = {"HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.9"}
    assert log_in(client, "alice", PASSWORD, **forged).status_code == 429


@pytest.mark.django_db
def test_lockout_leaves_other_users_and_addresses_alone(client, staff):
    for _ in range(5):
        log_in(client, "alice", "wrong", **ROUTER)
    assert log_in(client, "bob", PASSWORD, **ROUTER).status_code == 302
    client.logout()
    elsewhere = {"HTTP_X_FORWARDED_FOR": "203.0.113.10"}
    assert log_in(client, "alice", PASSWORD, **elsewhere).status_code == 302


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(client, staff):
    for _ in range(4):
        log_in(client, "alice", "wrong", **ROUTER)
    assert log_in(client, "alice", PASSWORD, **ROUTER).status_code == 302
    client.logout()
    for _ in range(4):
        assert log_in(client, "alice", "wrong", **ROUTER).status_code == 200


@pytest.mark.django_db
def test_twelve_addresses_of_one_ipv6_64_are_one_client(client, staff):
    """One IPv6 subscriber gets a /64 (2^64 addresses): each address is not a client."""
    answers = [
        log_in(client, "alice", "wrong", HTTP_X_FORWARDED_FOR=f"2001:db8:1:2::{n:x}")
        for n in range(1, 13)
    ]
    assert [answer.status_code for answer in answers] == [200] * 4 + [429] * 8
    same_64 = {"HTTP_X_FORWARDED_FOR": "2001:db8:1:2:ffff:ffff:ffff:ffff"}
    assert log_in(client, "alice", PASSWORD, **same_64).status_code == 429
    # The next /64 is another client.
    next_64 = {"HTTP_X_FORWARDED_FOR": "2001:db8:1:3::1"}
    assert log_in(client, "alice", PASSWORD, **next_64).status_code == 302


@pytest.mark.parametrize(
    ("forwarded_for", "remote_addr", "expected"),
    [
        ("198.51.100.7, 203.0.113.9", "10.1.2.3", "203.0.113.9"),
        ("203.0.113.9", "10.1.2.3", "203.0.113.9"),
        # IPv6: the /64 network, written as its first address.
        ("2001:db8::1", "10.1.2.3", "2001:db8::"),
        ("2001:db8:1:2:3:4:5:6", "10.1.2.3", "2001:db8:1:2::"),
        ("2001:DB8:1:2::", "10.1.2.3", "2001:db8:1:2::"),
        ("fe80::1%eth0", "10.1.2.3", "fe80::"),
        # An IPv4 client seen over IPv6 is that IPv4 address.
        ("::ffff:203.0.113.9", "10.1.2.3", "203.0.113.9"),
        (None, "127.0.0.1", "127.0.0.1"),
        (None, "::1", "::"),
        ("198.51.100.7, not-an-address", "10.1.2.3", None),
    ],
)
def test_client_ip_is_the_entry_heroku_appended(forwarded_for, remote_addr, expected):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    assert client_ip(RequestFactory().get("/", **headers)) == expected


@pytest.mark.django_db
def test_attempts_refused_by_the_lockout_write_nothing_and_do_not_extend_it(client, staff):
    """django-axes appended each refused attempt's query and form (up to 2 KB) to the
    pair's row and restarted its 15 minutes: one client grew one row without bound
    (6.2 million characters after 3,000 posts) and was never let go."""
    from axes.models import AccessAttempt

    padded = "/admin/login/?x=" + "a" * 1000
    for _ in range(5):
        client.post(padded, {"username": "alice", "password": "wrong", "pad": "b" * 1000}, **ROUTER)
    locked = AccessAttempt.objects.get(username="alice")
    for _ in range(20):
        refused = client.post(
            padded, {"username": "alice", "password": "wrong", "pad": "b" * 1000}, **ROUTER
        )
        assert refused.status_code == 429
    after = AccessAttempt.objects.get(username="alice")
    assert (after.get_data, after.post_data) == (locked.get_data, locked.post_data)
    assert after.failures_since_start == 5
    assert after.attempt_time == locked.attempt_time  # lifts 15 minutes after the fifth


@pytest.mark.django_db
def test_the_lockout_page_gives_the_time_left(client, staff):
    """The attempts it refuses no longer restart the 15 minutes: its Retry-After
    and its words count down from the last failure it counted."""
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.utils import timezone

    for _ in range(5):
        log_in(client, "alice", "wrong", **ROUTER)
    AccessAttempt.objects.filter(username="alice").update(
        attempt_time=timezone.now() - timedelta(minutes=14, seconds=30)
    )
    refused = log_in(client, "alice", PASSWORD, **ROUTER)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 30
    assert b"paused for 1 more minute " in refused.content


@pytest.mark.django_db
def test_the_time_left_counts_every_user_agent_of_the_pair(client, staff):
    """django-axes keeps a row per user agent and sums those in the cool-off: four
    failures with one browser ten minutes ago and one with another now lift in
    five minutes, when the older row leaves the count, not fifteen."""
    from datetime import timedelta

    from axes.models import AccessAttempt
    from django.utils import timezone

    for _ in range(4):
        log_in(client, "alice", "wrong", HTTP_USER_AGENT="A", **ROUTER)
    AccessAttempt.objects.filter(username="alice").update(
        attempt_time=timezone.now() - timedelta(minutes=10)
    )
    assert log_in(client, "alice", "wrong", HTTP_USER_AGENT="B", **ROUTER).status_code == 429
    refused = log_in(client, "alice", PASSWORD, HTTP_USER_AGENT="B", **ROUTER)
    assert refused.status_code == 429
    assert 280 <= int(refused["Retry-After"]) <= 300
    assert b"paused for 5 more minutes" in refused.content
