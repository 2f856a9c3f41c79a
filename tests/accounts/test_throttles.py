"""Signup and password reset are limited per client and per target address, and
the password change form per account.

The limits are the documented ones (docs/production.md): 10 signups an hour per
client; 5 reset requests an hour per address and 20 per client; 10 wrong current
passwords an hour per account on the password change form. A client is an IPv4
address or an IPv6 /64 (config.security.client_ip).
"""

import functools
import re

import pytest
import sentry_sdk
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from sentry_sdk.transport import Transport

from accounts import throttles
from accounts.mail import outbox
from config import cache, sentry
from config.security import throttle
from tests import redisserver
from tests.accounts.test_backends import CountingHasher, SlowHasher
from tests.conftest import HeldClock
from tests.factories import PASSWORD, UserFactory
from tests.threads import sent_at_once

pytestmark = pytest.mark.django_db

SIGNUP, RESET = "/accounts/signup/", "/accounts/password_reset/"
DONE = "/accounts/password_reset/done/"


def browser(address: str) -> Client:
    """A new browser behind Heroku's router, which appends the client's address."""
    return Client(HTTP_X_FORWARDED_FOR=f"192.0.2.1, {address}")


def sign_up(address: str, n: int):
    password = "analytical-engine-1843"
    fields = {"username": f"user{n}", "email": f"user{n}@example.com"}
    return browser(address).post(SIGNUP, {**fields, "password1": password, "password2": password})


def reset(address: str, email: str):
    return browser(address).post(RESET, {"email": email})


def sent_to() -> list[str]:
    """Who the mails went to, sorted: two mail threads send them, so the order
    they arrive in is not the order they were asked for."""
    assert outbox.wait(timeout=30)
    return sorted(message.to[0] for message in mail.outbox)


def test_the_eleventh_signup_from_one_client_is_refused():
    answers = [sign_up("203.0.113.9", n).status_code for n in range(11)]
    assert answers == [302] * 10 + [429]
    assert User.objects.count() == 10
    refused = sign_up("203.0.113.9", 99)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "Too many new accounts" in refused.content.decode()
    assert not User.objects.filter(username="user99").exists()
    # Another client is not affected.
    assert sign_up("198.51.100.7", 100).status_code == 302


def test_an_ipv6_64_is_one_client_for_signups():
    answers = [sign_up(f"2001:db8:7:8::{n + 1:x}", n).status_code for n in range(11)]
    assert answers == [302] * 10 + [429]
    assert sign_up("2001:db8:7:9::1", 50).status_code == 302


def test_signup_forms_with_errors_do_not_count():
    client = browser("203.0.113.9")
    for _ in range(15):
        assert client.post(SIGNUP, {"username": "x"}).status_code == 200
    assert sign_up("203.0.113.9", 1).status_code == 302


def test_a_client_learns_at_most_20_taken_usernames_an_hour():
    """The signup form says when a username is taken: the other half of a login,
    which the site shows nowhere else. After 20 such answers in an hour, every
    signup from that client is the 429 page, a free name included, so neither
    answer tells a taken name from a free one."""
    UserFactory(username="ada")
    client = browser("203.0.113.9")
    taken = {"username": "ADA", "email": "x@example.com"}  # any case: Django's iexact
    for _ in range(throttles.TAKEN_USERNAMES_PER_CLIENT):
        page = client.post(SIGNUP, taken)
        assert page.status_code == 200
        assert "A user with that username already exists." in page.content.decode()
    for probe in (taken, {"username": "nobody", "email": "x@example.com"}):
        refused = client.post(SIGNUP, probe)
        assert refused.status_code == 429
        assert "already exists" not in refused.content.decode()
        assert "Too many usernames tried" in refused.content.decode()
        assert 0 < int(refused["Retry-After"]) <= 3600
    assert not User.objects.filter(username="nobody").exists()
    # Another client is not affected; a free name does not count.
    assert browser("198.51.100.7").post(SIGNUP, taken).status_code == 200
    for n in range(3):
        assert sign_up("198.51.100.8", n).status_code == 302


def test_an_address_gets_five_reset_mails_an_hour_from_any_client():
    UserFactory(email="grace@example.com")
    spellings = ["grace@example.com", "GRACE@example.com", "Grace@Example.com"]
    answers = [reset(f"198.51.100.{n}", spellings[n % 3]) for n in range(1, 8)]
    # Every visitor sees the same page: the limit tells nothing either.
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, DONE)}
    assert sent_to() == ["grace@example.com"] * 5


def test_accounts_sharing_an_address_get_one_mail_a_request():
    """Signup does not make addresses unique: fifty accounts with someone's address
    made each reset request fifty mails, past the five an hour per address. Now one
    mail a request, holding the links of its accounts only."""
    users = [UserFactory(email="ada@example.com") for _ in range(3)]
    assert reset("198.51.100.1", "ada@example.com")["Location"] == DONE
    assert outbox.wait(timeout=30)
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]
    assert links(mail.outbox[0]) == sorted(uid(user) for user in users)
    for user in users:
        assert user.get_username() in mail.outbox[0].body


def test_spellings_of_an_address_get_at_most_two_mails_a_request_not_one_each():
    """Each stored spelling got its own mail: a stranger who signed up accounts with
    fifty spellings of someone's address (ada@, ADA@, aDa@...) made each request
    fifty mails, and the five requests an hour two hundred and fifty. A request now
    mails the oldest account's spelling, and the one typed when another account
    has it. Each link still goes only to its account's own stored address."""
    owner = UserFactory(email="ada@example.com")
    for spelling in ("ADA", "aDa", "AdA"):  # accounts that get no mail below
        UserFactory(email=f"{spelling}@example.com")
    typed = UserFactory(email="adA@example.com")
    for n, (asked, expected) in enumerate(
        [
            ("ada@example.com", {"ada@example.com": [owner]}),
            ("adA@example.com", {"ada@example.com": [owner], "adA@example.com": [typed]}),
            ("Ada@example.com", {"ada@example.com": [owner]}),  # no account spells it so
        ],
        start=1,
    ):
        mail.outbox.clear()
        assert reset(f"198.51.100.{n}", asked)["Location"] == DONE
        assert outbox.wait(timeout=30)
        got = {message.to[0]: links(message) for message in mail.outbox}
        assert len(mail.outbox) == len(got)  # one mail a spelling
        assert got == {to: sorted(uid(user) for user in users) for to, users in expected.items()}


def test_resets_mailing_other_accounts_leave_the_first_accounts_five_alone():
    """A stranger signed up with another spelling of someone's address (aDa@ beside
    ada@) and asked for five resets of it: each mailed the stranger's own account
    and used up the address's five an hour, so its owner, paused by 30 failed
    logins, could not reset either, the way out the 429 page points to. The
    address's first account now has five of its own; the other spellings share five."""
    owner = UserFactory(email="ada@example.com")
    UserFactory(email="aDa@example.com")  # the stranger's, signed up after
    for n in range(6):
        assert reset(f"198.51.100.{n + 1}", "aDa@example.com")["Location"] == DONE
    assert reset("198.51.100.9", "ada@example.com")["Location"] == DONE
    sent = sent_to()
    assert sent.count("aDa@example.com") == 5
    assert "ada@example.com" in sent
    for message in mail.outbox:  # each link to its own account's address
        stored = {"ada@example.com": [uid(owner)]}.get(message.to[0])
        assert stored is None or links(message) == stored


def test_resets_a_stranger_asks_for_with_the_owners_address_leave_the_owner_a_way_in():
    """A stranger's five requests with the owner's own address use up its five an
    hour: the owner's own request then mails nothing, and looks as every other does.
    The five went to the owner, and any of their links sets a new password."""
    owner = UserFactory(email="ada@example.com")
    for n in range(5):
        assert reset(f"203.0.113.{n + 1}", "ada@example.com")["Location"] == DONE
    assert reset("198.51.100.9", "ada@example.com")["Location"] == DONE
    assert sent_to() == ["ada@example.com"] * 5
    assert {tuple(links(message)) for message in mail.outbox} == {(uid(owner),)}
    owners = Client()
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body)[1]
    form = owners.get(link)["Location"]
    new = "a-fresh-passphrase-2024"
    done = owners.post(form, {"new_password1": new, "new_password2": new})
    assert done["Location"] == "/accounts/reset/done/"
    owner.refresh_from_db()
    assert owner.check_password(new)


def test_the_first_account_is_mailed_whichever_spelling_is_typed():
    """The owner signed up as Ada@, a stranger later as ada@: the owner typing ada@
    got the stranger's link, and the stranger's five requests for ada@ then left
    nothing for the owner. The first account's spelling is mailed every time, on
    its own count; the typed one too, when another account has it."""
    owner = UserFactory(email="Ada@example.com")
    stranger = UserFactory(email="ada@example.com")
    for n in range(5):
        reset(f"198.51.100.{n + 1}", "ada@example.com")
    assert outbox.wait(timeout=30)
    mails_to_owner = [m for m in mail.outbox if m.to == ["Ada@example.com"]]
    mails_to_stranger = [m for m in mail.outbox if m.to == ["ada@example.com"]]
    assert len(mails_to_owner) == len(mails_to_stranger) == 5
    assert {tuple(links(m)) for m in mails_to_owner} == {(uid(owner),)}
    assert {tuple(links(m)) for m in mails_to_stranger} == {(uid(stranger),)}


@pytest.mark.parametrize("typed", ["adA@EXAMPLE.com", '"adA"@example.com'])
def test_the_spelling_typed_is_mailed_however_its_domain_or_quotes_are_written(typed):
    """The typed address was compared as typed, where accounts store it with the domain
    in lower case and without needless quotes: the owner of adA@ typing adA@EXAMPLE.com
    got no link for their account, only the oldest account's spelling was mailed."""
    UserFactory(email="ada@example.com")
    UserFactory(email="adA@example.com")
    reset("198.51.100.1", typed)
    assert sent_to() == ["adA@example.com", "ada@example.com"]


def test_one_mailbox_gets_at_most_ten_reset_mails_an_hour_whatever_its_forms():
    """Quoted forms of one address were stored, looked up and counted as addresses of
    their own, while their mail went to one mailbox: four forms, 20 mails an hour.
    Signup stores them without the quotes, and the count the spellings share is
    the mailbox's."""
    forms = ['"ada"@example.com', '"\\ada"@example.com', "ADA@example.com", "ada@example.com"]
    for n, typed in enumerate(forms):
        answer = browser(f"203.0.113.{n + 1}").post(
            SIGNUP,
            {
                "username": f"ada{n}",
                "email": typed,
                "password1": "analytical-engine-1843",
                "password2": "analytical-engine-1843",
            },
        )
        assert answer.status_code == 302, answer.content.decode()
    stored = set(User.objects.values_list("email", flat=True))
    assert stored == {"ada@example.com", "ADA@example.com"}
    for n in range(24):
        reset(f"198.51.100.{n + 1}", forms[n % 4])
    assert 0 < len(sent_to()) <= 2 * throttles.RESETS_PER_ADDRESS


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ('"ada"@example.com', "ada@example.com"),
        ('"\\ada"@example.com', "ada@example.com"),
        ("ada@xn--bcher-kva.de", "ada@xn--bcher-kva.de"),  # the domain as typed
        ('"a(b"@example.com', '"a(b"@example.com'),  # quotes it needs stay
    ],
)
def test_an_address_is_stored_in_the_form_mail_is_written_to(typed, kept):
    answer = browser("203.0.113.1").post(
        SIGNUP,
        {
            "username": "ada",
            "email": typed,
            "password1": "analytical-engine-1843",
            "password2": "analytical-engine-1843",
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    assert User.objects.get(username="ada").email == kept


def links(message) -> list[str]:
    return sorted(re.findall(r"http://testserver/accounts/reset/(\S+)/\S+/", message.body))


def uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def test_a_client_gets_twenty_reset_requests_an_hour():
    for n in range(25):
        UserFactory(email=f"user{n}@example.com")
    answers = [reset(f"2001:db8:5:6::{n + 1:x}", f"user{n}@example.com") for n in range(25)]
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, DONE)}
    first_twenty = [f"user{n}@example.com" for n in range(20)]
    assert sent_to() == sorted(first_twenty)
    # Another client can still ask for its own address.
    assert reset("2001:db8:5:7::1", "user24@example.com")["Location"] == DONE
    assert sent_to() == sorted([*first_twenty, "user24@example.com"])


def throttle_rows(table: str = "throttle_cache") -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (a fixed table name)
        return cursor.fetchone()[0]


def test_a_client_over_its_reset_limit_adds_no_more_counts():
    for n in range(20):
        reset("2001:db8:9:1::1", f"someone{n}@example.com")
    rows = throttle_rows()
    for n in range(20, 40):  # made-up addresses, each one a new key before the fix
        assert reset("2001:db8:9:1::2", f"someone{n}@example.com")["Location"] == DONE
    assert throttle_rows() == rows


def test_a_flood_of_other_counts_cannot_evict_failed_login_counts(settings):
    # A small table, so the flood reaches Django's cull (which deletes the rows
    # whose keys sort first: "login-account:..." before "reset-...").
    settings.CACHES = {
        **settings.CACHES,
        "throttles": {**settings.CACHES["throttles"], "OPTIONS": {"MAX_ENTRIES": 10}},
    }
    failures = throttles._login_failures("alice", limit=3)
    for _ in range(3):
        throttle.hit(**failures)
    for n in range(60):
        throttle.hit("reset-address", f"made-up-{n}@example.com", limit=5, window=throttles.HOUR)
    assert throttle_rows() <= 11  # the flood was culled...
    assert throttle.reached(**failures)  # ...and the account's count is still there


CHANGE = "/accounts/password_change/"


def change_password(client: Client, old: str, new: str = "a-new-passphrase-77"):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def test_wrong_current_passwords_pause_the_password_change_form(settings):
    """Each check is a password hash: a member could otherwise ask for them without end."""
    settings.PASSWORD_HASHERS = ["tests.accounts.test_backends.CountingHasher"]
    user, other = UserFactory(), UserFactory()
    client = Client()
    client.force_login(user)
    for _ in range(throttles.PASSWORD_CHANGE_FAILURES_PER_ACCOUNT):
        answer = change_password(client, "wrong")
        assert answer.status_code == 200
        assert answer.context["form"].errors["old_password"][0].startswith("Your old password")
    CountingHasher.hashes = 0
    paused = change_password(client, PASSWORD)
    assert CountingHasher.hashes == 0  # refused without checking the password
    assert paused.status_code == 200
    assert "Too many wrong passwords" in paused.context["form"].errors["old_password"][0]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # unchanged
    # Another member is not affected.
    elsewhere = Client()
    elsewhere.force_login(other)
    assert change_password(elsewhere, PASSWORD).status_code == 302


def test_below_the_bound_the_password_changes():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    for _ in range(throttles.PASSWORD_CHANGE_FAILURES_PER_ACCOUNT - 1):
        change_password(client, "wrong")
    assert change_password(client, PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-passphrase-77")


def test_the_admins_password_change_page_has_the_same_limit(settings):
    """Django's admin serves its own password change form; the site's takes its place."""
    settings.PASSWORD_HASHERS = ["tests.accounts.test_backends.CountingHasher"]
    staff = UserFactory(is_staff=True)
    client = Client()
    client.force_login(staff)
    page = reverse("admin:password_change")
    assert client.get(page).status_code == 200
    for _ in range(throttles.PASSWORD_CHANGE_FAILURES_PER_ACCOUNT):
        wrong = client.post(
            page,
            {
                "old_password": "wrong",
                "new_password1": "x-y-z-123456",
                "new_password2": "x-y-z-123456",
            },
        )
        assert wrong.context["form"].errors["old_password"][0].startswith("Your old password")
    CountingHasher.hashes = 0
    paused = client.post(
        page,
        {
            "old_password": PASSWORD,
            "new_password1": "x-y-z-123456",
            "new_password2": "x-y-z-123456",
        },
    )
    assert "Too many wrong passwords" in paused.context["form"].errors["old_password"][0]
    assert CountingHasher.hashes == 0
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_the_admins_password_change_page_is_for_staff_only(client):
    page = reverse("admin:password_change")
    answer = client.get(page)
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("admin:login"))
    member = UserFactory()
    client.force_login(member)
    assert client.get(page)["Location"].startswith(reverse("admin:login"))
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    new = "a-new-passphrase-77"
    done = client.post(page, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert done["Location"] == reverse("admin:password_change_done")
    staff.refresh_from_db()
    assert staff.check_password(new)


def test_the_password_change_forms_allow_10_wrong_passwords_an_hour_as_the_docs_say():
    assert throttles.PASSWORD_CHANGE_FAILURES_PER_ACCOUNT == 10  # docs/accounts.md


@pytest.mark.django_db(transaction=True)
def test_wrong_current_passwords_sent_at_once_check_no_more_than_the_bound(
    settings, counts_cleared
):
    """Asked before the check and counted after, 16 of 20 wrong passwords sent together
    were checked against the bound of 10. Each is now counted before its check."""
    settings.PASSWORD_HASHERS = [f"{SlowHasher.__module__}.SlowHasher"]
    user = UserFactory()
    for _ in range(throttles.PASSWORD_CHANGE_FAILURES_PER_ACCOUNT - 1):
        throttles.take_password_check(user)  # counted, never given back
    client = Client()
    client.force_login(user)
    CountingHasher.hashes = 0
    answers = sent_at_once(6, lambda n: change_password(client, "wrong"))
    assert answers == [200] * 6
    assert CountingHasher.hashes == 1
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.fixture(params=["refused", "full"])
def redis_fails(request, refusing_port, tmp_path, monkeypatch, settings):
    """Every cache alias on a Redis that fails each call, as config/cache.py sets them
    up with REDIS_URL: a port that refuses connections (each failure pauses calls
    to it), or a full Redis under `noeviction` (Heroku's default policy), which
    refuses every write and pauses nothing. The pause, and the reports of
    config.cache.outage_level, on a clock that moves only when the test moves
    it: a test's requests fall in one pause however long each takes. Yields
    that clock."""
    server = redisserver.start(tmp_path / "redis", policy="noeviction")
    try:
        server.client().config_set("maxmemory", "1")  # already used past it
        refused = f"redis://127.0.0.1:{refusing_port}/0"
        monkeypatch.delenv("REDIS_TLS_URL", raising=False)
        monkeypatch.setenv("REDIS_URL", server.url if request.param == "full" else refused)
        settings.CACHES = cache.caches(page_seconds=settings.PAGE_CACHE_SECONDS, development=False)
        clock = HeldClock(1000.0)
        monkeypatch.setattr(cache, "_breaker", cache._Breaker(clock.time))
        yield clock
    finally:
        server.stop()


class KeptTransport(Transport):
    """Sentry's transport, keeping each event it would send (`events`) instead."""

    def __init__(self, options=None):
        super().__init__(options)
        self.events = []

    def capture_envelope(self, envelope):
        self.events += [item.payload.json for item in envelope.items if item.type == "event"]


@pytest.fixture
def sentry_events(monkeypatch):
    """Sentry started in this process as production starts it (config.sentry.init),
    its events, after config.sentry.before_send, kept here instead of sent."""
    transport = KeptTransport()
    monkeypatch.setattr(sentry_sdk, "init", functools.partial(sentry_sdk.init, transport=transport))
    sentry.init(
        dsn="http://key@127.0.0.1:9/1", environment="test", traces_sample_rate=0.0, redis=True
    )
    try:
        yield transport.events
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)


def _outage_requests(kind: str, n: int):
    """The n-th request of `kind` while Redis fails, and what it must answer."""
    if kind == "login":
        reply = Client(**{"HTTP_X_FORWARDED_FOR": f"192.0.2.1, 203.0.113.{n + 1}"}).post(
            "/accounts/login/", {"username": "ada", "password": "not the password"}
        )
        assert "Please enter a correct username and password" in reply.content.decode()
        return reply.status_code, 200
    if kind == "signup":
        return sign_up("203.0.113.9", n).status_code, 302
    if kind == "reset":
        reply = reset("203.0.113.9", "ada@example.com")
        return (reply.status_code, reply.get("Location")), (302, DONE)
    if kind == "password change":
        client = Client()
        client.force_login(User.objects.get(username="ada"))
        return change_password(client, "wrong").status_code, 200
    reply = Client().get("/products/")  # the page cache's lookup and store
    return (reply.status_code, reply["X-Page-Cache"]), (200, "bypass")


@pytest.mark.parametrize("kind", ["login", "signup", "reset", "password change", "products"])
def test_a_redis_outage_costs_one_sentry_event_in_five_seconds_not_one_a_request(
    kind, redis_fails, sentry_events
):
    """While Redis fails, requests go on without it, and the first failure in
    RETRY_SECONDS is reported to Sentry (config.cache.outage_level); the calls
    skipped in the pause after it, or refused close behind it, are warnings (a
    breadcrumb, no event). Each login, signup and reset used to send two events
    for the whole outage: anyone's requests spent the quota."""
    UserFactory(username="ada", email="ada@example.com")
    for n in range(4):
        answered, expected = _outage_requests(kind, n)
        assert answered == expected  # the throttles fail open, pages render
    [reported] = sentry_events
    assert reported["level"] == "error"
    assert "RedisSkipped" not in str(reported["logentry"])  # a call that failed, not skipped
    redis_fails.now += cache.RETRY_SECONDS  # the pause over: one call tries Redis again
    for n in range(4, 8):
        answered, expected = _outage_requests(kind, n)
        assert answered == expected
    assert len(sentry_events) == 2
    # The warnings of the first pause went along as breadcrumbs.
    crumbs = sentry_events[1]["breadcrumbs"]["values"]
    warned = [c for c in crumbs if c.get("level") == "warning" and "unavailable" in c["message"]]
    assert len(warned) >= 3
