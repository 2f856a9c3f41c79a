"""Sentry's set-up: the release, the sample rate, what is removed before sending, and
which events are not sent at all (a client's mistakes).

tests/deploy/test_sentry.py sends a real event from the web process.
"""

import copy
import re
import time

import pytest
import sentry_sdk
from django.core.exceptions import (
    BadRequest,
    DisallowedHost,
    ImproperlyConfigured,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousFileOperation,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse

from config import env, sentry
from config.security import addresses
from config.sentry import before_send, deployed_commit, without_secrets
from tests.processes import production_env, run_python


def test_release_is_the_commit_heroku_names_first(monkeypatch):
    monkeypatch.delenv("HEROKU_BUILD_COMMIT", raising=False)
    monkeypatch.delenv("HEROKU_SLUG_COMMIT", raising=False)
    monkeypatch.delenv("SOURCE_VERSION", raising=False)
    assert deployed_commit() is None
    monkeypatch.setenv("SOURCE_VERSION", "build")
    monkeypatch.setenv("HEROKU_SLUG_COMMIT", "slug")
    assert deployed_commit() == "slug"
    monkeypatch.setenv("HEROKU_BUILD_COMMIT", "dyno")
    assert deployed_commit() == "dyno"


def test_before_send_drops_cookies_and_secret_headers():
    event = {
        "request": {
            "cookies": {"sessionid": "s"},
            "headers": {"Cookie": "sessionid=s", "X-CSRFToken": "t", "Accept": "text/html"},
        }
    }
    assert before_send(event, {}) == {"request": {"headers": {"Accept": "text/html"}}}
    assert before_send({"message": "no request"}, {}) == {"message": "no request"}


def test_before_send_drops_a_password_reset_links_token_from_the_url():
    """A request through the mailed link that fails (a database outage) carried a
    token that sets the account's password for up to three days."""
    token = "d2hx3k-9f86d081884c7d659a2feaa0c55ad015"  # Django's shape: time, a hash
    link = reverse("accounts:password_reset_confirm", args=["MQ", token])
    event = {"request": {"url": f"https://shop.example.com{link}", "method": "GET"}}
    sent = before_send(event, {})
    assert sent["request"]["url"] == "https://shop.example.com/accounts/reset/MQ/[Filtered]/"
    other = {"request": {"url": "https://shop.example.com/products/lamp-9f86d081/"}}
    assert before_send(other, {}) == other


def test_before_send_filters_every_e_mail_address_in_the_event():
    """An exception's text (smtplib's SMTPRecipientsRefused holds the refused
    addresses), a log message's arguments, a breadcrumb: any string of the event."""
    refused = "{'ada.lovelace@example.com': (550, b'5.1.1 mailbox unavailable')}"
    event = {
        "exception": {"values": [{"type": "SMTPRecipientsRefused", "value": refused}]},
        "logentry": {"message": "To %s", "params": ["Grace.Hopper@Example.org"]},
        "breadcrumbs": {"values": [{"message": "sent to <b+tag@mail.example.co.uk>."}]},
        "extra": {"nested": [("x", "bücher@bücher.de")]},
    }
    sent = str(before_send(event, {}))
    for address in ("ada.lovelace", "Grace.Hopper", "b+tag", "bücher@"):
        assert address not in sent
    assert "mailbox unavailable" in sent
    assert sent.count("[Filtered]") == 4
    transaction = {"transaction": "/x", "spans": [{"description": "to ada@example.com"}]}
    assert "ada@example.com" not in str(without_secrets(transaction, {}))


@pytest.mark.parametrize(
    "address",
    [
        "x@[192.168.0.1]",
        "x@localhost",
        '"a,b"@example.com',
        "ada@example.com",
        "a" * 100 + "@example.com",  # past the RFC's 64, and Django takes it
        "ada=lovelace@example.com",
        "ada/lovelace@example.com",
        "ada/@example.com",
        "ada.o'lovelace@example.com",
    ],
)
def test_before_send_filters_addresses_of_every_shape_the_signup_form_takes(address):
    event = {"logentry": {"params": [f"to {address}."]}, "extra": {address: 1}}
    sent = str(before_send(event, {}))
    assert "@" not in sent, address
    assert not {"ada", "lovelace", "aaaa"} & set(re.findall(r"[a-z]+", sent)), sent


@pytest.mark.parametrize(
    "written",
    [
        "q=ada%40example.com",
        "q%3Dada%2540example.com",
        "ada&#64;example.com",
        "ada&#064;example.com",
        "ada&#x0040;example.com",
        "ada&commat;example.com",
        "ada\\u0040example.com",  # as JSON escapes it
        "q%3Dada%252540example.com",
        "ada\uff20example.com",  # a full-width @
        "ada\ufe6bexample.com",  # a small @
        "ada\\uff20example.com",  # JSON's escape of the full-width one
        "ada%EF%BC%A0example.com",
        "ada&#65312;example.com",
        "ada&#xFF20;example.com",
        "ada&#x40example.com",
        "ada\\x40example.com",  # as a Python repr of bytes escapes it
        "ada%u0040example.com",
        "ada&amp;#64;example.com",  # an entity escaped again
        "ada&amp;#x40;example.com",
        "ada@[IPv6:fe80::1%25eth0]",
        "ada@[x-foo:bar]",
    ],
)
def test_before_send_filters_addresses_written_as_urls_and_pages_write_them(written):
    """An admin search's query string, sent as it arrived, and its Referer."""
    event = {"request": {"query_string": written, "headers": {"Referer": f"https://x/?{written}"}}}
    assert "ada" not in str(before_send(event, {})), written


@pytest.mark.parametrize(
    "text",
    [
        "GET /compare/ada@example.com/bob@example.com/ HTTP/1.1",
        "?to=ada@example.com/bob@example.com",
        "ada@example.com/bob@example.com/carol@example.com",
        "ada@x.co|bob@y.co",
    ],
)
def test_an_address_straight_after_another_is_filtered_too(text):
    """A match starts only where a run of characters starts; the domain of one ends
    at a "/", and the next address, right after it, was never a match's start."""
    sent = str(before_send({"extra": {"t": text}}, {}))
    assert not {"ada", "bob", "carol"} & set(re.findall(r"[a-z]+", sent)), sent


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("GET /products/?q=ada@x.com&page=2", "GET /products/?[Filtered]&page=2"),
        ("GET /static/img/logo@2x.png", "GET [Filtered]"),
        ("GET /u/ada@x.com/settings", "GET [Filtered]/settings"),
        ("GET /u/ada@x.com/2fa@step", "GET [Filtered][Filtered]"),
    ],
    ids=["query parameter", "retina file name", "path after an address", "@ after an address"],
)
def test_the_over_filtering_docs_production_md_owns_to(text, shown):
    """What "The app's log shows no e-mail address either" says it costs."""
    assert addresses.filtered(text) == shown


def test_filtered_keys_of_one_dict_stay_apart():
    keys = {f"user{n}@x.com": n for n in range(3000)}
    assert len(before_send({"extra": keys}, {})["extra"]) == 3000
    clash = {"ada@x.com": 1, "[Filtered]": 2, "b@x.com": 3, "[Filtered] 1": 4}
    assert sorted(before_send({"extra": clash}, {})["extra"].values()) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("text", "filtered"),
    [
        ("User.objects.get(email='ada@x.com')", "User.objects.get([Filtered])"),
        ("{'to': 'ada@x.com'}", "{'to': [Filtered]}"),
        ("to o'brien@x.com.", "to [Filtered]."),
        ("to ada'@x.com", "to [Filtered]"),
        ("to o'.brien@x.com", "to [Filtered]"),
        (
            "WHERE email = %s [params: ('o''brien@x.com',)]",
            "WHERE email = %s [params: ([Filtered],)]",
        ),
        ("to ada@x'y.com", "to [Filtered]"),
    ],
)
def test_an_apostrophe_is_part_of_an_address_and_so_are_quotes_against_it(text, filtered):
    """Apostrophes are a name's (o'brien@, ada'@, d'.angelo@) and goes with it; so do
    quotes written against it: over-filtering, never a part of an address left."""
    assert before_send({"extra": {"t": text}}, {})["extra"]["t"] == filtered


def test_before_send_leaves_the_events_own_fields_and_what_is_no_address_alone():
    """The SDK's name and packages, the release; a decorator, an SQL operator; the
    page of a URL whose query holds an address."""
    event = {
        "release": "shop@1.2.3",
        "sdk": {"name": "sentry.python.django", "packages": [{"name": "pypi:x@1.0"}]},
        "exception": {"values": [{"value": "@register.simple_tag"}]},
        "breadcrumbs": {"values": [{"message": "SELECT 1 WHERE tags @> ARRAY[%s]"}]},
    }
    assert before_send(copy.deepcopy(event), {}) == event
    crumb = {"breadcrumbs": {"values": [{"message": "GET https://x/admin/?q=ada%40x.com&p=2"}]}}
    assert before_send(crumb, {})["breadcrumbs"]["values"][0]["message"] == (
        "GET https://x/admin/?[Filtered]&p=2"
    )


def test_a_database_errors_words_are_left_out_where_the_url_may_hold_a_password(settings):
    """libpq quotes an option's value it refuses; an '&' in a ?password= made its rest
    such an option. The release phase hides it (config.E007); a web process's event too."""
    quoted = 'invalid target_session_attrs value: "Qz9Kp2LmW4vR8tN1"'
    event = {
        "exception": {
            "values": [
                {"type": "OperationalError", "module": "psycopg2", "value": quoted},
                {"type": "OperationalError", "module": "django.db.utils", "value": quoted},
            ]
        }
    }
    settings.DATABASE_URL = "postgres://u@h/app?password=Xy7&target_session_attrs=Qz9"
    assert "Qz9Kp2LmW4vR8tN1" not in str(before_send(copy.deepcopy(event), {}))
    settings.DATABASE_URL = "postgres://u:p@h/app"
    assert before_send(copy.deepcopy(event), {}) == event


def test_filtering_addresses_takes_time_in_proportion_to_the_text():
    """A run without separators was scanned from each of its characters to its end:
    100 KB took 34 s, and traced requests are filtered on the request's thread."""
    long_run = "a" * 20_000
    after_a_match = "a@b.c/" + "/a" * 10_000  # each "/" a place an address could follow
    started = time.process_time()
    without_secrets({"request": {"headers": {f"X-{n}": long_run for n in range(20)}}}, {})
    without_secrets({"request": {"headers": {f"X-{n}": after_a_match for n in range(20)}}}, {})
    # A bound on the kind of growth, not a speed target: 400 KB was 28 s, now ~0.01.
    assert time.process_time() - started < 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", 0.25), ("0", 0.0), (" 1 ", 1.0), ("0.1", 0.1), (".5", 0.5), ("1.", 1.0)],
)
def test_sample_rate_reads_a_fraction(monkeypatch, value, expected):
    monkeypatch.setenv("SENTRY_TRACES_SAMPLE_RATE", value)
    assert env.fraction("SENTRY_TRACES_SAMPLE_RATE", 0.25) == expected


@pytest.mark.parametrize(
    "value",
    # What float() reads besides decimals: other scripts' digits (Arabic-Indic, full
    # width), underscores, exponents. Each traced every request or a share no one wrote;
    # the other numeric variables refuse them already.
    ["1.5", "-0.1", "ten", "nan", "\u0661", "\uff11", "0.1_0", "1e-1", "+0.5", "0x1"],
)
def test_sample_rate_out_of_range_stops_start_up(monkeypatch, value):
    monkeypatch.setenv("SENTRY_TRACES_SAMPLE_RATE", value)
    with pytest.raises(ImproperlyConfigured, match="SENTRY_TRACES_SAMPLE_RATE"):
        env.fraction("SENTRY_TRACES_SAMPLE_RATE", 0.0)


def test_production_with_a_bad_sample_rate_stops_naming_the_variable():
    env_vars = production_env(
        DATABASE_URL="postgres://u:p@db.invalid/app", SENTRY_TRACES_SAMPLE_RATE="50%"
    )
    result = run_python("import django; django.setup()", env_vars)
    assert result.returncode != 0
    assert "SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1" in result.stderr


def test_sentry_starts_only_with_a_dsn():
    code = "import django; django.setup(); import sentry_sdk; print(sentry_sdk.is_initialized())"
    base = production_env(DATABASE_URL="postgres://u:p@db.invalid/app")
    assert run_python(code, base).stdout.strip() == "False"
    with_dsn = {**base, "SENTRY_DSN": "http://key@127.0.0.1:9/1", "HEROKU_BUILD_COMMIT": "abc"}
    started = run_python(code + "; print(sentry_sdk.get_client().options['release'])", with_dsn)
    assert started.stdout.split() == ["True", "abc"], started.stderr


def test_without_a_deployed_commit_the_release_is_sentry_sdks_own_choice():
    """docs/production.md: the deployed commit wins over SENTRY_RELEASE; without one,
    sentry-sdk chooses (SENTRY_RELEASE, else the checkout's commit)."""
    code = "import django; django.setup(); import sentry_sdk; "
    code += "print(sentry_sdk.get_client().options['release'])"
    base = production_env(DATABASE_URL="postgres://u:p@db.invalid/app")
    with_dsn = {**base, "SENTRY_DSN": "http://key@127.0.0.1:9/1", "SENTRY_RELEASE": "v7"}
    assert run_python(code, with_dsn).stdout.split() == ["v7"]
    deployed = {**with_dsn, "SOURCE_VERSION": "abc"}
    assert run_python(code, deployed).stdout.split() == ["abc"]


@pytest.mark.parametrize(
    "dsn",
    [
        '"https://key@o1.ingest.sentry.io/1"',  # pasted with its quotes
        "https://o1.ingest.sentry.io/1",  # without the key
        "o1.ingest.sentry.io",
        "https://key@o1.ingest.sentry.io:abc/1",  # a port that is no number
        # Taken by sentry-sdk, and every event then went to another URL, or none:
        "http://abc@127.0.0.1:48123/7 http://abc@127.0.0.1:48123/8",  # two pasted
        "https://key@o1.ingest.sentry.io/7 prod/1",
        "https://key@o1.ingest.sentry.io/7\t",
        "https://key@o1.ingest.sentry.io/\uff17",  # a full-width 7
        "https://key@o1.ingest.sentry.io/+7",
        "https://key@o1.ingest.sentry.io/7?environment=prod",
        "https://key@o1.ingest.sentry.io/7#1",
        "https://key@o1.ingest.sentry.io:0/7",
        "https://key@o1.ingest.sentry.io:70000/7",
        "https://key@o1..ingest.sentry.io/7",
        "http://key@[::1]:9/1",  # sentry-sdk drops the brackets: http://::1:9/api/1/
        "https://key@999.1.1.1/7",  # numbers only: an IPv4 address, or nothing
        "https://key@1.2.3/7",
        "https://key@0x7f000001/1",  # read by the resolver as 127.0.0.1
        "https://key@0x7f.1/1",
        "https://key@0x0/1",
        "https://key@o1.ingest.sentry.io./7",
        "https://key@\u00e9.example/7",
        "https://k\u00e9y@o1.ingest.sentry.io/7",
        "ftp://key@o1.ingest.sentry.io/7",
    ],
)
def test_a_malformed_dsn_is_refused_before_sentry_starts(dsn):
    with pytest.raises(ImproperlyConfigured, match="SENTRY_DSN is not a DSN Sentry accepts"):
        sentry.init(dsn=dsn, environment="production", traces_sample_rate=0.0, redis=False)
    assert not sentry_sdk.is_initialized()


@pytest.mark.parametrize(
    "dsn",
    [
        "https://key@o1.ingest.sentry.io/1",
        "https://key@o1.ingest.us.sentry.io/4507",
        "https://key:secret@sentry.example.com:9000/some/prefix/12",  # self-hosted
        "http://key@127.0.0.1:9/1",
        "http://key@sentry_web:9000/3",  # a container's service name
        "https://key@10.0.0.7:9000/3",
    ],
)
def test_dsns_as_sentry_gives_them_are_taken(dsn):
    assert sentry.dsn_refusal(dsn) is None


def test_production_with_a_quoted_dsn_stops_naming_the_variable():
    quoted = '"https://key@o1.ingest.sentry.io/1"'
    env_vars = production_env(DATABASE_URL="postgres://u:p@db.invalid/app", SENTRY_DSN=quoted)
    result = run_python("import django; django.setup()", env_vars)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SENTRY_DSN is not a DSN Sentry accepts" in result.stderr


@pytest.mark.parametrize(
    "error",
    [
        DisallowedHost("evil.example"),
        RequestDataTooBig("too big"),
        TooManyFieldsSent("too many fields"),
        TooManyFilesSent("too many files"),
        SuspiciousFileOperation("../etc/passwd"),
        SuspiciousOperation("odd"),
        BadRequest("bad"),
        PermissionDenied(),
        Http404(),
        MultiPartParserError("no boundary"),
        UnreadablePostError("client went away"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_before_send_drops_client_mistakes(error):
    event = {"exception": {"values": [{"type": type(error).__name__}]}}
    assert before_send(event, {"exc_info": (type(error), error, None)}) is None


@pytest.mark.parametrize(
    "logger", ["django.security", "django.security.csrf", "django.security.DisallowedHost"]
)
def test_before_send_drops_records_of_the_security_loggers(logger):
    assert before_send({"logger": logger, "message": "refused"}, {}) is None


def test_before_send_keeps_server_faults():
    error = ValueError("a bug")
    event = {"logger": "django.request", "message": "Internal Server Error: /"}
    assert before_send(event, {"exc_info": (ValueError, error, None)}) == event
    assert before_send({"logger": "django.securityish"}, {}) == {"logger": "django.securityish"}


def test_a_host_in_another_script_is_refused_with_its_ascii_form():
    """As the other URLs' refusals say (DATABASE_URL, AWS_S3_ENDPOINT_URL): the DSN's
    host goes in the form DNS holds. The key is not repeated."""
    dsn = "https://key@sentry.b\u00fccher.de/7"
    with pytest.raises(ImproperlyConfigured) as refused:
        sentry.init(dsn=dsn, environment="production", traces_sample_rate=0.0, redis=False)
    said = str(refused.value)
    assert said.endswith("in its ASCII form, as DNS holds it: sentry.xn--bcher-kva.de"), said
    assert "key@" not in said
    assert sentry.dsn_refusal("https://key@sentry.xn--bcher-kva.de/7") is None
    # A key outside ASCII gets no such sentence: only a host has an ASCII form.
    with pytest.raises(ImproperlyConfigured) as refused:
        sentry.init(
            dsn="https://k\u00e9y@o1.ingest.sentry.io/7",
            environment="production",
            traces_sample_rate=0.0,
            redis=False,
        )
    assert "ASCII form" not in str(refused.value)
