"""The settings fail closed: production needs its secrets, development is opt-in."""

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.http.request import split_domain_port, validate_host
from django.test import override_settings
from dotenv import dotenv_values
from gunicorn.workers.gthread import ThreadWorker

from config import cache, env, worker_signals
from config.tour import ENVIRONMENT_VARIABLES
from tests.conftest import leave_out_the_shells_aws, storages_on, stored_bytes
from tests.e2e import tls
from tests.processes import (
    BASE_DIR,
    manage,
    production_env,
    released_database,
    run_procfile,
    run_python,
)

SHOW_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.ALLOWED_HOSTS)"
)


def test_production_without_secret_key_stops_naming_the_variable():
    result = run_python(SHOW_SETTINGS, production_env(DJANGO_SECRET_KEY=None))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "x",
        "django-insecure-development-only",  # the development key, public in this repo
        "django-insecure-" + "k3Yb9vQ2pL7wZ4mN8rT1xC6hJ5sD0fG" * 2,  # startproject's kind
        "a" * 80,  # one character
        "abcd" * 20,  # four different ones
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM",  # 49
        " " * 10 + "short-but-padded" + " " * 40,  # the ends do not count
    ],
)
def test_a_secret_key_check_deploy_calls_weak_stops_production(monkeypatch, key):
    """Only `check --deploy` (security.W009) said so, which no dyno runs: with the
    development key anyone could sign a session cookie."""
    monkeypatch.setenv("DJANGO_SECRET_KEY", key)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY is too weak") as refused:
        env.secret_key("DJANGO_SECRET_KEY")
    assert "\n" not in str(refused.value)
    assert "secrets.token_urlsafe(50)" in str(refused.value)


@pytest.mark.parametrize("key", ["abcde" * 10, "test-secret-key-" + "x" * 50])
def test_a_secret_key_check_deploy_takes_is_taken(monkeypatch, key):
    monkeypatch.setenv("DJANGO_SECRET_KEY", f" {key} ")
    assert env.secret_key("DJANGO_SECRET_KEY") == key


OLD_KEY = "an-old-secret-key-" + "o" * 50
OLDER_KEY = "an-older-secret-key-" + "p" * 50


@pytest.mark.parametrize(
    ("value", "fallbacks"),
    [
        (None, []),
        ("  ", []),
        (OLD_KEY, [OLD_KEY]),
        (f" {OLD_KEY}  {OLDER_KEY}\n", [OLD_KEY, OLDER_KEY]),
        # Commas, as ALLOWED_HOSTS takes them a row above in the README's table: each
        # was part of one key, which matched no earlier key and logged everyone out.
        (f"{OLD_KEY},{OLDER_KEY}", [OLD_KEY, OLDER_KEY]),
        (f"{OLD_KEY}, {OLDER_KEY},", [OLD_KEY, OLDER_KEY]),
    ],
)
def test_secret_key_fallbacks_are_the_keys_a_rotation_keeps_valid(value, fallbacks):
    """DJANGO_SECRET_KEY_FALLBACKS, separated by spaces: Django's SECRET_KEY_FALLBACKS,
    so a rotated key logs nobody out and keeps the hour's throttle counts."""
    show = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(repr(s.SECRET_KEY_FALLBACKS))"
    )
    variables = production_env(
        DATABASE_URL="postgres://u:p@db.invalid/app", DJANGO_SECRET_KEY_FALLBACKS=value
    )
    shown = run_python(show, variables)
    assert shown.stdout.strip() == repr(fallbacks), shown.stderr


def test_every_key_django_python_or_heroku_generates_is_a_fallback_as_it_is(monkeypatch):
    """What the paste check refuses no generator makes: Django's keys (`startproject`),
    `secrets.token_urlsafe` (the README's), hex, and letters and digits alone (what
    app.json's `secret` generator is documented to make: "a pseudo-random string")."""
    import secrets
    import string

    from django.core.management.utils import get_random_secret_key

    def alphanumeric():
        return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(64))

    makers = [
        get_random_secret_key,
        lambda: secrets.token_urlsafe(50),
        secrets.token_hex,
        alphanumeric,
    ]
    keys = [make() for make in makers for _ in range(500)]
    monkeypatch.setenv("DJANGO_SECRET_KEY_FALLBACKS", " ".join(keys))
    assert env.secret_key_fallbacks("DJANGO_SECRET_KEY_FALLBACKS") == keys


# A password manager's key: printable ASCII, a ';' and a backslash inside it.
PRINTABLE_KEY = "Zx8;kP2q\\k9#x2@Lm4v!Qw7$Rt5%Yu3^Io1&Pa6*Sd9(Fg2)Hj8-Kl4=Zc7+Vb5>N"


def test_a_key_of_printable_ascii_is_a_fallback_as_it_is_the_key(monkeypatch):
    """A key DJANGO_SECRET_KEY takes must be a fallback at its rotation, or the
    rotation logs everyone out: a ';' or a backslash inside a key is the key's own."""
    monkeypatch.setenv("DJANGO_SECRET_KEY", PRINTABLE_KEY)
    assert env.secret_key("DJANGO_SECRET_KEY") == PRINTABLE_KEY
    monkeypatch.setenv("DJANGO_SECRET_KEY_FALLBACKS", f"{PRINTABLE_KEY} {OLD_KEY}")
    assert env.secret_key_fallbacks("DJANGO_SECRET_KEY_FALLBACKS") == [PRINTABLE_KEY, OLD_KEY]


def test_a_weak_secret_key_fallback_stops_start_up(monkeypatch):
    """A fallback signs as well as the key: a weak one is refused as the key is."""
    monkeypatch.setenv("DJANGO_SECRET_KEY_FALLBACKS", f"{OLD_KEY} django-insecure-development-only")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY_FALLBACKS") as refused:
        env.secret_key_fallbacks("DJANGO_SECRET_KEY_FALLBACKS")
    assert "too weak" in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    "value",
    [
        f'"{OLD_KEY}"',
        f"'{OLD_KEY}'",
        f'"{OLD_KEY} {OLDER_KEY}"',
        f"{OLD_KEY} '{OLDER_KEY}'",
        # Quotes that do not pair up, and a list as Django's documentation writes one.
        f"\"{OLD_KEY} {OLDER_KEY}'",
        f'"{OLD_KEY} {OLDER_KEY}',
        f'["{OLD_KEY}", "{OLDER_KEY}"]',
        f"['{OLD_KEY}']",
        f"`{OLD_KEY}`",
        f"\u201c{OLD_KEY}\u201d",  # typographic quotes, from a word processor or chat
        # A whole .env line, and keys joined by what separates nothing here.
        f"DJANGO_SECRET_KEY_FALLBACKS={OLD_KEY}",
        f"{OLD_KEY};{OLDER_KEY}",
        f"{OLD_KEY}\u200b{OLDER_KEY}",  # a zero-width space
        # Brackets no generated key holds, and an escape left from a JSON string.
        f"{{{OLD_KEY}}}",
        f"<{OLD_KEY}>",
        f"{OLD_KEY}\\n",
        f'\\"{OLD_KEY}\\"',
        # A shell's export line, a value's braces, two keys a literal \n joined.
        f"{OLD_KEY};",
        f"{OLD_KEY};{OLDER_KEY};",
        f"{{{OLD_KEY} {OLDER_KEY}}}",
        f"{OLD_KEY}\\n{OLDER_KEY}",
    ],
)
def test_a_secret_key_fallback_taken_wrongly_stops_start_up(monkeypatch, value):
    """Pasted from a .env line, a shell or a document: taken with what surrounds it, a
    key matched no earlier key, and the rotation logged everyone out without a word."""
    monkeypatch.setenv("DJANGO_SECRET_KEY_FALLBACKS", value)
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY_FALLBACKS") as refused:
        env.secret_key_fallbacks("DJANGO_SECRET_KEY_FALLBACKS")
    assert "separated by spaces" in str(refused.value)
    assert OLD_KEY not in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_secret_key_in_development_is_the_development_key(blank):
    """As every other variable: blank counts as unset, not as a key of spaces."""
    show = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(repr(s.SECRET_KEY))"
    )
    shown = run_python(show, production_env(ENVIRONMENT="development", DJANGO_SECRET_KEY=blank))
    assert shown.stdout.strip() == "'django-insecure-development-only'", shown.stderr


def test_production_stops_on_the_development_secret_key():
    result = run_python(
        SHOW_SETTINGS, production_env(DJANGO_SECRET_KEY="django-insecure-development-only")
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak" in result.stderr


def test_production_without_database_url_stops_naming_the_variable():
    result = run_python(SHOW_SETTINGS, production_env())
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_database_url_is_read_without_the_spaces_around_it():
    show = (
        "import django; django.setup(); from django.db import connection as c; "
        "print(c.settings_dict['NAME'])"
    )
    pasted = production_env(DATABASE_URL=" postgres://u:p@db.invalid/app \n")
    assert run_python(show, pasted).stdout.strip() == "app"
    blank = run_python(show, production_env(DATABASE_URL="  "))
    assert blank.returncode != 0
    assert "The environment variable DATABASE_URL is required" in blank.stderr


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ('"postgres://u:secret@db.example.com:5432/app"', "its start '\"' is not"),
        ("postgresql+psycopg2://u:secret@db.example.com/app", "'postgresql+psycopg2' is not"),
        ("db.example.com", "its start 'd' is not"),
        ("postgres://u:secret@db.example.com:port/app", "port must be a number from 1"),
        ("postgres://u:secret@db.example.com:99999/app", "port must be a number from 1"),
        ("postgres://u:se/cret@db.example.com:5432/app", "must be percent-encoded"),
        ("postgres://u:secret@db.example.com:5432/", "names no database"),
        # A trailing slash: libpq looked for a database "app/", and the release
        # phase stopped with psycopg2's traceback.
        ("postgres://u:secret@db.example.com:5432/app/", "ends in a slash"),
        # A second path segment: libpq looked for a database "app/extra".
        ("postgres://u:secret@db.example.com:5432/app/extra", "one name after the host"),
        ("postgres://u:secret@db.example.com:5432//app", "one name after the host"),
        # Port 0 was read as no port, and the default 5432 used without a word.
        ("postgres://u:secret@db.example.com:0/app", "port must be a number from 1"),
        ("sqlite:///secret.db", "not sqlite3"),
        ("mysql://u:secret@db.example.com/app", "not mysql"),
        ("postgres://u:[secret@db.example.com/app", "must be percent-encoded"),
        # An unencoded / or # in a password that starts with digits: the user was
        # read as the host, the digits as its port, the rest as the name or nothing.
        ("postgres://u:123/secret@db.example.com/app", "must be percent-encoded"),
        ("postgres://u:123/secret@db.example.com", "must be percent-encoded"),
        ("postgres://u:123#secret@db.example.com/app", "must be percent-encoded"),
        ("postgres://u:secret@db.example.com/app#x", "must be percent-encoded"),
        ("u:secret@db.example.com://app", "its start 'u' is not"),
        # The port as an option: libpq failed every connection with a traceback.
        ("postgres://u:secret@db.example.com/app?port=70000", "port must be a number from 1"),
        ("postgres://u:secret@db.example.com/app?port=0", "port must be a number from 1"),
        ("postgres://u:secret@db.example.com/app?port=abc", "port must be a number from 1"),
        ("postgres://u:secret@/app?host=a,b&port=5432,99999", "port must be a number from 1"),
        # A blank host: libpq could not translate host name " " on every connection.
        ("postgres://u:secret@%20/app", "names no host"),
        ("postgres://u:secret@/app?host=%20", "names no host"),
        ("postgres://u:secret@/app?host=db.example.com,%20", "names no host"),
        ("postgres://u:secret@/app?host=,db.example.com", "names no host"),  # the socket
        ("postgres://u:secret@h1.example,/app", "names no host"),
        ("postgres://u:secret@h1.example,%20h2.example/app", "names no host"),
        ("postgres://u:secret@/app?hostaddr=10.0.0.1,", "names no host"),
        # What libpq refuses on every connection, as psycopg2 says:
        ("postgres://u:secret@/app?host=db.example.com&port=1,2", "2 ports for 1 host:"),
        ("postgres://u:secret@/app?host=a.example,b.example&port=1,2,3", "3 ports for 2"),
        ("postgres://u:secret@/app?host=db.example.com&port=5432,", "2 ports for 1 host:"),
        ("postgres://u:secret@/app?hostaddr=abc", "hostaddr must be IP addresses"),
        # A host list holding an IPv6 address: Django read the bracketed one alone,
        # where libpq fails over to each (and CI kept TLS for [::1] beside another).
        ("postgres://u:secret@db1.example.com,[2001:db8::2]:5432/app", "in ?host="),
        ("postgres://u:secret@db1.example.com:5432,[::1]:5432/app", "in ?host="),
        ("postgres://u:secret@[::1],[2001:db8::2]/app", "in ?host="),
        ("postgres://u:secret@/app?host=h.example&hostaddr=10.0.0.1,10.0.0.2", "one for each"),
        # No host, no host option, no service: libpq's own default socket, which no
        # dyno has (a traceback at the release phase).
        ("postgres://u:secret@/app", "names no host"),
        ("postgres:///app", "names no host"),
    ],
)
def test_a_database_url_that_is_not_postgresqls_stops_start_up_naming_it(monkeypatch, url, said):
    """Each failed later, on every connection or with a traceback from the parser.
    The URL alone: libpq's variables (Heroku CI's test run has PGHOST) are the next test's."""
    for name in ("PGHOST", "PGHOSTADDR", "PGSERVICE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL") as refused:
        env.database(url, conn_max_age=600)
    assert said in str(refused.value)
    assert "secret" not in str(refused.value)


@pytest.mark.parametrize("url", ["postgres://u:p@h/app", "postgresql://u:p@h:5432/app"])
def test_a_postgresql_url_is_read(url):
    assert env.database(url)["NAME"] == "app"


def test_an_at_sign_in_the_name_of_a_url_with_a_login_is_read():
    assert env.database("postgresql://u:p@h/my@db")["NAME"] == "my@db"


@pytest.mark.parametrize(
    "url",
    ["postgres://u:p\udcff@h/app", "postgres://u:p@h/ap\udcffp", "postgres://u:p@h/app?x=\udcff"],
)
def test_a_database_url_that_is_not_utf8_stops_start_up_without_showing_it(url):
    """A byte that is not UTF-8 (Python reads it as a lone surrogate) reached psycopg2,
    a traceback in every command that uses the database."""
    with pytest.raises(ImproperlyConfigured) as refused:
        env.database(url)
    assert str(refused.value) == (
        "DATABASE_URL holds a byte that is not UTF-8: set it again, with any byte of its "
        "password or name that is not ASCII percent-encoded (%FF)."
    )


@pytest.mark.parametrize("name", ["PGOPTIONS", "PGTZ", "PGSERVICE", "PGPASSWORD", "PGPORT"])
@pytest.mark.parametrize("environment", ["production", "development"])
def test_a_libpq_variable_that_is_not_utf8_stops_start_up_naming_it(name, environment):
    """libpq reads PG* variables itself, and its message about such a byte could not
    be decoded: a traceback in every command, and a 500 on every page, /healthz too."""
    env = production_env(DATABASE_URL="postgres://u:p@127.0.0.1:9/app", ENVIRONMENT=environment)
    done = run_python("import django; django.setup()", {**env, name: "a\udcffb"})
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .endswith(
            f"{name} holds a byte that is not UTF-8, and libpq reads it: set it again or unset it."
        )
    )


def test_a_postgis_url_stops_start_up():
    """GeoDjango's backend needs GDAL, which this app neither installs nor uses: the
    release phase failed with its traceback."""
    with pytest.raises(ImproperlyConfigured, match="this app runs on PostgreSQL only"):
        env.database("postgis://u:p@h/app")


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("foo=bar", "?foo= is no option libpq knows"),
        ("sslmode=require&applicaton_name=shop", "?applicaton_name= is no option libpq knows"),
        ("isolation_level=serializable", "?isolation_level= must be one of psycopg2's"),
        ("isolation_level=5", "?isolation_level= must be one of psycopg2's"),
        ("pool=true", "?pool= asks Django for a pool"),
    ],
)
def test_a_database_url_option_libpq_or_django_would_refuse_stops_start_up(query, said):
    """Each stopped the release phase with a traceback of some 60 lines, and a web
    process answered 503 on every page that asks the database."""
    with pytest.raises(ImproperlyConfigured, match=re.escape(said)) as refused:
        env.database(f"postgres://u:secret@h/app?{query}")
    assert "secret" not in str(refused.value)


@pytest.mark.parametrize(
    "query",
    [
        "sslmode=verify-full&sslrootcert=system",
        "application_name=shop&options=-c%20statement_timeout%3D5000",
        "target_session_attrs=read-write&keepalives=1",
        "assume_role=reader",  # Django's, as a name: taken
        "isolation_level=3",  # serializable: Django takes psycopg2's number
        "isolation_level=4&pool=false",  # no pool: as good as none
    ],
)
def test_database_url_options_libpq_or_django_take_are_kept(query):
    options = env.database(f"postgres://u:p@h/app?{query}")["OPTIONS"]
    assert {name for name, _ in parse_qsl(query)} <= set(options)


@pytest.mark.django_db
def test_the_isolation_levels_the_refusal_names_are_the_ones_postgresql_runs():
    """psycopg2's numbers, not psycopg 3's: 3 is serializable, 4 read uncommitted."""
    from django.db import connection
    from django.db.backends.postgresql.base import DatabaseWrapper

    named = {1: "read committed", 2: "repeatable read", 3: "serializable", 4: "read uncommitted"}
    for number, level in named.items():
        options = {**connection.settings_dict["OPTIONS"], "isolation_level": number}
        other = DatabaseWrapper({**connection.settings_dict, "OPTIONS": options}, "levels")
        try:
            other.set_autocommit(False)
            with other.cursor() as cursor:
                cursor.execute("SHOW transaction_isolation")
                assert cursor.fetchone()[0] == level, number
        finally:
            other.close()
    with pytest.raises(ImproperlyConfigured, match="3 serializable, 4 read uncommitted"):
        env.database("postgres://u:p@h/app?isolation_level=5")


@pytest.mark.parametrize("timeout", ["abc", "0", "-1", "6", "120", "2.5", "%205%20s"])
def test_a_connect_timeout_in_the_database_url_outside_the_bound_stops_start_up(timeout):
    """The URL's own replaced the 5 s bound: 0 waits for ever, 120 outlasts the
    router's 30 s, and one libpq cannot read failed every connection with a traceback."""
    with pytest.raises(ImproperlyConfigured, match=r"connect_timeout .* 1 to 5"):
        env.database(f"postgres://u:p@h/app?connect_timeout={timeout}")


@pytest.mark.parametrize("timeout", ["abc", "0", "6", "120", "2.5", "\uff13"])
def test_pgconnect_timeout_outside_the_bound_stops_start_up_naming_it(monkeypatch, timeout):
    """libpq reads PGCONNECT_TIMEOUT where the URL gives no connect_timeout, and the
    settings' 5 s replaced it without a word: read it as the URL's own is read."""
    monkeypatch.setenv("PGCONNECT_TIMEOUT", timeout)
    with pytest.raises(ImproperlyConfigured, match=r"^PGCONNECT_TIMEOUT must be .* 1 to 5"):
        env.database("postgres://u:p@h/app")
    # The URL's own comes first, as in libpq, and the variable is then not read.
    options = env.database("postgres://u:p@h/app?connect_timeout=2")["OPTIONS"]
    assert str(options["connect_timeout"]) == "2"


def test_pgconnect_timeout_is_not_read_in_development(monkeypatch):
    """A developer's shell may keep one for other work: the local database was
    refused over it. Development, with no router, keeps the settings' 5 s."""
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "10")
    options = env.database("postgres:///app", development=True).get("OPTIONS", {})
    assert "connect_timeout" not in options


@pytest.mark.parametrize("timeout", ["1", "3", "5", " 4 ", ""])
def test_pgconnect_timeout_within_the_bound_is_the_one_used(monkeypatch, timeout):
    """Set but empty, it is read as unset: the settings' 5 s."""
    monkeypatch.setenv("PGCONNECT_TIMEOUT", timeout)
    options = env.database("postgres://u:p@h/app").get("OPTIONS", {})
    assert str(options.get("connect_timeout", env.CONNECT_TIMEOUT)) == (timeout.strip() or "5")


@pytest.mark.parametrize("timeout", ["1", "3", "5", "%205", ""])
def test_a_connect_timeout_within_the_bound_is_kept_and_none_is_5(timeout):
    options = env.database(f"postgres://u:p@h/app?connect_timeout={timeout}").get("OPTIONS", {})
    assert str(options.get("connect_timeout", env.CONNECT_TIMEOUT)).strip() == (
        timeout.replace("%20", "") or "5"
    )


@pytest.mark.parametrize(
    ("asked", "used"),
    [
        ("verify-full", "verify-full"),
        ("verify-ca", "verify-ca"),
        ("require", "require"),
        (None, "require"),
    ],
)
def test_production_keeps_a_stricter_sslmode_the_url_asks_for(asked, used):
    """TLS is required outside development; a URL asking for certificate checks keeps them."""
    sslmode = "" if asked is None else f"sslmode={asked}&"
    url = f"postgres://u:p@db.example.com/app?{sslmode}sslrootcert=/app/ca.pem"
    assert env.database(url, ssl_require=True)["OPTIONS"]["sslmode"] == used


@pytest.mark.parametrize("asked", ["disable", "allow", "prefer"])
def test_production_refuses_a_url_asking_for_less_than_tls(asked):
    """It was put silently to require: the release then failed to connect, far from
    the cause, to a server without TLS."""
    url = f"postgres://u:p@db.example.com/app?sslmode={asked}"
    with pytest.raises(ImproperlyConfigured, match="sslmode") as refused:
        env.database(url, ssl_require=True)
    assert "requires TLS" in str(refused.value)
    # Where TLS is not required (development, Heroku CI's own database), it is the URL's.
    assert env.database(url)["OPTIONS"]["sslmode"] == asked


@pytest.mark.parametrize("asked", ["VERIFY-FULL", "verify_full", "Disable", "", "%20require"])
@pytest.mark.parametrize("ssl_require", [True, False])
def test_an_sslmode_libpq_does_not_know_is_refused(asked, ssl_require):
    """Production put a mistyped verify-full to require, which checks no certificate."""
    url = f"postgres://u:p@db.example.com/app?sslmode={asked}"
    with pytest.raises(ImproperlyConfigured, match=r"sslmode .*which libpq does not know"):
        env.database(url, ssl_require=ssl_require)


def test_pgsslmode_is_read_as_the_urls_sslmode_is(monkeypatch):
    """libpq reads PGSSLMODE where the URL gives none: production kept its own require
    over a verify-full there, and over a typo."""
    url = "postgres://u:p@db.example.com/app"
    monkeypatch.setenv("PGSSLMODE", "verify-full")
    assert env.database(url, ssl_require=True)["OPTIONS"]["sslmode"] == "verify-full"
    assert env.database(f"{url}?sslmode=require", ssl_require=True)["OPTIONS"]["sslmode"] == (
        "require"  # the URL's own wins, as in libpq
    )
    monkeypatch.setenv("PGSSLMODE", "disable")
    with pytest.raises(ImproperlyConfigured, match="PGSSLMODE asks for sslmode=disable"):
        env.database(url, ssl_require=True)
    assert "sslmode" not in env.database(url).get("OPTIONS", {})  # libpq reads it itself
    monkeypatch.setenv("PGSSLMODE", "verify_full")
    with pytest.raises(ImproperlyConfigured, match="PGSSLMODE asks for sslmode 'verify_full'"):
        env.database(url)


@pytest.mark.parametrize(
    "url",
    ["postgres://u:p@db.bücher.de/app", "postgres://u:p@/app?host=db.example.com,db.bücher.de"],
)
def test_a_database_host_in_another_script_is_refused_with_its_ascii_form(url):
    """libpq looks a host name up as written: the release stopped at "could not
    translate host name", far from the cause."""
    with pytest.raises(ImproperlyConfigured, match=r"names the host 'db\.bücher\.de'") as refused:
        env.database(url)
    assert str(refused.value).endswith("in its ASCII form, as DNS holds it: db.xn--bcher-kva.de")
    assert env.database(url.replace("bücher", "xn--bcher-kva"))["NAME"] == "app"


@pytest.mark.parametrize(
    "query",
    ["sslmode=require&sslmode=require", "target_session_attrs=any&target_session_attrs=any"],
)
def test_an_option_given_twice_is_refused(query):
    """dj-database-url handed libpq a list, which it refused: "['require', 'require']"."""
    with pytest.raises(ImproperlyConfigured, match=r"gives \?\w+= twice"):
        env.database(f"postgres://u:p@db.example.com/app?{query}")
    with pytest.raises(ImproperlyConfigured, match="gives an option twice") as refused:
        env.database(f"postgres://u@db.example.com/app?password=Qz9Kp2&{query}")
    assert "Qz9Kp2" not in str(refused.value)


def test_a_blank_pgsslmode_is_refused_as_a_blank_sslmode_is(monkeypatch):
    monkeypatch.setenv("PGSSLMODE", "")
    with pytest.raises(ImproperlyConfigured, match="PGSSLMODE asks for sslmode ''"):
        env.database("postgres://u:p@db.example.com/app")


@pytest.mark.parametrize("where", ["url", "PGSSLROOTCERT"])
def test_the_system_roots_check_the_certificate_in_production(monkeypatch, where):
    """libpq checks the server's certificate against the system's roots (verify-full)
    for sslrootcert=system without an sslmode, and refuses it beside require, which
    production had put there: every connection failed."""
    url = "postgres://u:p@db.example.com/app"
    if where == "url":
        url += "?sslrootcert=system"
    else:
        monkeypatch.setenv("PGSSLROOTCERT", "system")
    assert env.database(url, ssl_require=True)["OPTIONS"]["sslmode"] == "verify-full"
    joined = "&" if "?" in url else "?"
    with pytest.raises(ImproperlyConfigured, match="sslmode=require with sslrootcert=system"):
        env.database(f"{url}{joined}sslmode=require")


@pytest.mark.parametrize("named", ["url", "PGSERVICE"])
def test_production_asks_a_service_for_its_sslmode_in_the_url(monkeypatch, named):
    """A service file's own sslmode (verify-full, say) was overridden by require."""
    url = "postgres:///app?service=shop" if named == "url" else "postgres:///app"
    if named == "PGSERVICE":
        monkeypatch.setenv("PGSERVICE", "shop")
    with pytest.raises(ImproperlyConfigured, match="names the libpq service 'shop'") as refused:
        env.database(url, ssl_require=True)
    assert str(refused.value).startswith("DATABASE_URL" if named == "url" else "PGSERVICE")
    joined = "&" if "?" in url else "?"
    kept = env.database(f"{url}{joined}sslmode=verify-full", ssl_require=True)
    assert kept["OPTIONS"]["sslmode"] == "verify-full"
    assert "sslmode" not in env.database(url).get("OPTIONS", {})  # development: the file's


def test_a_database_named_by_a_libpq_service_is_read():
    assert env.database("postgres:///?service=shop")["OPTIONS"] == {"service": "shop"}


@pytest.mark.parametrize(
    "url",
    ["postgres:///app?host=/run/postgresql", "postgres://u@%2Frun%2Fpostgresql/app"],
)
def test_a_database_on_a_named_socket_is_read(url):
    assert env.database(url)["NAME"] == "app"


@pytest.mark.parametrize(
    "url",
    [
        "postgres://u:p@/app?hostaddr=10.0.0.7&port=5433",  # libpq needs no host then
        "postgres://u:p@/app?host=db1.example.com,db2.example.com&port=5432,5433",  # failover
        "postgres://u:p@/app?host=db1.example.com,db2.example.com&port=5432",
        "postgres://u:p@db.example.com:5432/app?port=0",  # the URL's own port wins
        "postgres://u:p@/app?host=,db2.example.com&hostaddr=10.0.0.7,&port=5432",
        "postgres://u:p@h1.example,h2.example/app?hostaddr=10.0.0.1,10.0.0.2",  # in the URL
        "postgres://u:p@h1.example,h2.example/app?port=5432,5433",
    ],
)
def test_urls_libpq_connects_with_are_read(url):
    assert env.database(url)["NAME"] == "app"


@pytest.mark.parametrize("variable", ["PGHOST", "PGHOSTADDR", "PGSERVICE"])
def test_a_url_without_a_host_may_leave_it_to_libpqs_variables(monkeypatch, variable):
    monkeypatch.setenv(variable, "10.0.0.7")
    assert env.database("postgres://u:p@/app")["NAME"] == "app"
    # A list's blank is the socket; libpq pairs PGHOSTADDR's one address with 2 hosts.
    said = "one for each host" if variable == "PGHOSTADDR" else "names no host"
    with pytest.raises(ImproperlyConfigured, match=said):
        env.database("postgres://u:p@/app?host=h1.example,")


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("PGHOST", "db.b\u00fccher.de", "in its ASCII form, as DNS holds it: db.xn--bcher-kva.de"),
        ("PGHOST", "db.b%C3%BCcher.de", "PGHOST names the host"),
        ("PGHOST", "h1.example,db.b\u00fccher.de", "PGHOST names the host"),
        ("PGPORT", "\u0665\u0664\u0663\u0662", "PGPORT must be"),
        ("PGPORT", "99999", "PGPORT must be"),
        ("PGPORT", "0", "PGPORT must be"),
        ("PGHOSTADDR", "\u0661\u0662\u0667.0.0.1", "PGHOSTADDR must be"),
        ("PGHOSTADDR", "db.example.com", "PGHOSTADDR must be"),
        ("PGHOSTADDR", "::1%lo", "PGHOSTADDR must be"),  # a zone, which libpq refuses
        # Spaces around a name, a blank entry: a name libpq cannot look up, its socket.
        ("PGHOST", "db.example.com ", "PGHOST names no host"),
        ("PGHOST", ",", "PGHOST names no host"),
        # As many as the hosts, or one for all.
        ("PGPORT", "5432,5433", "PGPORT gives 2 ports for 1 host:"),
        ("PGHOSTADDR", "10.0.0.7,10.0.0.8", "PGHOSTADDR must be"),
    ],
)
def test_libpqs_variables_for_what_the_url_leaves_out_are_read_as_its_own(
    monkeypatch, variable, value, said
):
    """libpq reads PGHOST, PGPORT and PGHOSTADDR where the URL names no host, port or
    address: a value the URL's own checks refuse passed start-up, and the release
    stopped in libpq's words ("could not translate host name")."""
    monkeypatch.setenv(variable, value)
    if variable != "PGHOST":
        monkeypatch.setenv("PGHOST", "db.example.com")
    with pytest.raises(ImproperlyConfigured, match=re.escape(said)):
        env.database("postgres://u:p@/app")
    # The URL's own comes first, as in libpq: the variable is then not read.
    assert env.database("postgres://u:p@db.example.com:5432/app?hostaddr=10.0.0.7")["NAME"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [("PGHOST", "db.example.com,/var/run/postgresql"), ("PGPORT", " 5432 "), ("PGHOSTADDR", "::1")],
)
def test_libpqs_variables_it_can_use_are_taken(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    monkeypatch.setenv("PGHOST", os.environ.get("PGHOST") or "db.example.com")
    assert env.database("postgres://u:p@/app")["NAME"] == "app"


def test_development_may_use_libpqs_default_socket():
    """A PostgreSQL installed on the developer's machine: `postgres:///name`, as
    Heroku's own local setup guide writes it."""
    assert env.database("postgres:///app", development=True)["NAME"] == "app"


def test_an_unclosed_bracket_in_the_database_url_is_refused_naming_it():
    result = run_python(
        SHOW_SETTINGS, production_env(DATABASE_URL="postgres://u:[secret@db.example.com/app")
    )
    assert "ImproperlyConfigured: DATABASE_URL is not a URL" in result.stderr
    assert "secret" not in result.stderr


# (variable, its reader, its default): the mail settings.
MAIL_HOST = ("EMAIL_HOST", env.mail_host, "localhost")
SENDER = ("DEFAULT_FROM_EMAIL", env.mail_address, "webmaster@localhost")
USER = ("EMAIL_HOST_USER", env.mail_login, "")
PASSWORD = ("EMAIL_HOST_PASSWORD", env.mail_password, "")


@pytest.mark.parametrize(
    ("setting", "value", "refusal"),
    [
        *[
            (MAIL_HOST, value, "must be a mail server's host")
            for value in [
                "smtp://smtp.x",
                "smtp.x:587",
                '"smtp.x"',
                "a b",
                "[2001:db8::1]",
                # The login pasted for the host, two hosts, a typo: no server answers.
                "postmaster@mg.example.com",
                "smtp.x,smtp.y",
                "smtp..x",
                ".smtp.x",
                "smtp.fa\u00df.de",  # sent as smtp.fass.de, another host
                "smtp.x\u200b",  # sent as smtp.x
                # TLS checks the certificate against the name as typed, dot included.
                "smtp.example.com.",
                # Read as IPv4 addresses, or not at all: 1.2.3 is 1.2.0.3.
                "999.1.1.1",
                "1.2.3",
                "0x7f000001",
                "smtp.123",
            ]
        ],
        *[
            (credential, value, "has characters outside ASCII")
            for credential in [USER, PASSWORD]
            for value in ["p\u00e4sswort", "apikey\u00a0x"]
        ],
        *[
            (credential, value, "has quotes around it")
            for credential in [USER]
            for value in ['"apikey"', "'apikey'", ' "apikey" ']
        ],
        *[
            (SENDER, value, "must be an e-mail address")
            for value in [
                "Shop, Inc <noreply@x.com>",
                "noreply",
                "a@b@c",
                '"noreply@x.com"',
                "<>",
                # Mail would carry another address: =?utf-8?b?w6Q=?=@b.c, "a b"@c.d.
                "ä@b.c",
                "Shop <ä@b.c>",
                "a b@c.d",
                # A domain the IDNA codec makes another one: mail goes to fass.de.
                "noreply@fa\u00df.de",
                "noreply@\uff45xample.com",
                # The Greek question mark, composed (NFC) as ";": sent as a;b.de.
                "noreply@a\u037eb.de",
                # Malformed: a quote or a bracket left open, dots out of place, a
                # domain no mail goes to.
                '"Shop <noreply@example.com>',
                "Shop <noreply@example.com",
                ".noreply@example.com",
                "no..reply@example.com",
                "noreply@-example.com",
                "noreply@example",
                # Obsolete syntax in the address itself, and a name Django's parser fails on.
                "Shop <noreply@x .com>",
                "no . reply@x.com",
                "<@route.example:noreply@x.com>",
                ".NET Team <noreply@x.com>",
                ". <j@x.com>",
                '"',  # an IndexError in Python's header parser
                "=?utf-8?b?:?=",
            ]
        ],
    ],
)
def test_a_mail_setting_that_would_fail_every_mail_stops_start_up(
    monkeypatch, setting, value, refusal
):
    """Every mail would fail, and the failure is only logged: the visitor is told it left."""
    variable, read, default = setting
    monkeypatch.setenv(variable, value)
    with pytest.raises(ImproperlyConfigured, match=f"{variable} {refusal}"):
        read(variable, default)


@pytest.mark.parametrize(
    ("setting", "value", "read"),
    [
        (MAIL_HOST, " smtp.example.com ", "smtp.example.com"),
        (MAIL_HOST, "", "localhost"),
        (MAIL_HOST, "::1", "::1"),
        (MAIL_HOST, "mail_relay", "mail_relay"),  # a service name, as a resolver takes it
        (MAIL_HOST, "192.0.2.25", "192.0.2.25"),
        (USER, " apikey\n", "apikey"),
        (USER, "", ""),
        (MAIL_HOST, "smtp.b\u00fccher.de", "smtp.b\u00fccher.de"),  # sent as xn--bcher-kva
        (MAIL_HOST, "smtp.bu\u0308cher.de", "smtp.bu\u0308cher.de"),  # the same, as NFD
        (SENDER, "noreply@bu\u0308cher.de", "noreply@bu\u0308cher.de"),
        (SENDER, "  ", "webmaster@localhost"),  # blank was "": every mail refused, only logged
        (SENDER, " noreply@x.com ", "noreply@x.com"),
        (SENDER, '"Shop, Inc" <noreply@x.com>', '"Shop, Inc" <noreply@x.com>'),
        (SENDER, "Shop <noreply@x.com>", "Shop <noreply@x.com>"),
        (SENDER, "Bücher <noreply@x.com>", "Bücher <noreply@x.com>"),  # the name is encoded
        # Sent as noreply@xn--bcher-kva.de: the same domain.
        (SENDER, "noreply@bücher.de", "noreply@bücher.de"),
        (SENDER, "Shop <noreply@BÜCHER.de>", "Shop <noreply@BÜCHER.de>"),
        (SENDER, "noreply@xn--bcher-kva.de", "noreply@xn--bcher-kva.de"),
        (
            SENDER,
            "noreply@ü.XN--BCHER-KVA.de",
            "noreply@ü.XN--BCHER-KVA.de",
        ),  # an A-label in capitals
        (SENDER, "Shop <NoReply@Example.COM>", "Shop <NoReply@Example.COM>"),
        (SENDER, "<noreply@x.com>", "<noreply@x.com>"),
        # A period in an unquoted name: RFC 5322's obsolete phrase, which mail takes.
        (SENDER, "Shop Inc. <noreply@x.com>", "Shop Inc. <noreply@x.com>"),
        (SENDER, "J. Smith <j@x.com>", "J. Smith <j@x.com>"),
        (SENDER, '".NET Team" <noreply@x.com>', '".NET Team" <noreply@x.com>'),
        (SENDER, "webmaster@localhost", "webmaster@localhost"),
        (MAIL_HOST, "mail.example.com", "mail.example.com"),
        (MAIL_HOST, "smtp1.example.com", "smtp1.example.com"),
        (PASSWORD, " k9#x2 ", "k9#x2"),
        (PASSWORD, "'k9#x2'", "'k9#x2'"),
    ],
)
def test_a_mail_setting_is_read(monkeypatch, setting, value, read):
    variable, reader, default = setting
    monkeypatch.setenv(variable, value)
    assert reader(variable, default) == read


def test_the_smtp_password_is_sent_as_it_is_set_quotes_included():
    """README: a password may begin and end with a quote of its own; refusing quotes
    around it left such an account no way to send mail."""
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(repr(s.EMAIL_HOST_PASSWORD))"
    env = production_env(DATABASE_URL="postgres://u:p@db.invalid/app")
    shown = run_python(code, {**env, "EMAIL_HOST_PASSWORD": " 'k9#x2' "})
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == repr("'k9#x2'")


def test_production_with_a_database_url_in_quotes_stops_naming_it():
    result = run_python(SHOW_SETTINGS, production_env(DATABASE_URL='"postgres://u:p@h/app"'))
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL must be a PostgreSQL URL" in result.stderr


def readme_config_vars() -> dict[str, str]:
    """The README's config var table: each variable and its "required" column."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("### Config vars", 1)[1].split("\n\n", 2)[1]
    found = {}
    for row in table.splitlines()[2:]:
        names, required = row.split(" | ")[0:2]
        for name in re.findall(r"`(\w+)`", names):
            found[name] = required
    return found


def test_every_variable_the_readme_says_production_requires_stops_start_up_without_it():
    required = [name for name, column in readme_config_vars().items() if column == "in production"]
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "AWS_MEDIA_BUCKET_NAME"} <= set(required)
    for name in required:
        values = {"DATABASE_URL": "postgres://u:p@db.invalid/app", name: None}
        result = run_python(SHOW_SETTINGS, production_env(**values))
        assert result.returncode != 0, name
        assert f"The environment variable {name} is required" in result.stderr, name


def test_an_unknown_environment_is_production():
    env = production_env(ENVIRONMENT="staging", DATABASE_URL="postgres://u:p@db.invalid/app")
    result = run_python(SHOW_SETTINGS, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(" ", 3)[:3] == ["False", "True", "True"]
    assert "'.herokuapp.com'" in result.stdout


@pytest.mark.parametrize(
    ("dyno", "ci", "refused"),
    [
        ("web.1", None, True),
        ("release.2", "", True),
        ("run.1", "true", False),
        ("run.1", "1", False),
        ("run.1", " TRUE ", False),
        # CI set as a config var on an app (some tools ask for it): no test run.
        ("web.1", "true (no test run)", True),
        (None, None, False),
        # Anything but a yes is not under CI: "no" and "off" counted as CI.
        *[("web.1", value, True) for value in ["no", "off", "0", "false", "n", "disabled"]],
    ],
)
def test_development_on_a_dyno_outside_ci_stops_start_up(monkeypatch, dyno, ci, refused):
    """Its secret key is public: anyone could sign a session and be anyone. Heroku CI's
    test run sets CI and HEROKU_TEST_RUN_ID; CI alone is no test run."""
    test_run = ci is not None and not ci.endswith(" (no test run)")
    ci = ci.removesuffix(" (no test run)") if ci is not None else None
    run_id = "5b0c2d7e-8a1f-4c3b-9e6d-1f2a3b4c5d6e" if test_run else None
    for name, value in (("DYNO", dyno), ("CI", ci), ("HEROKU_TEST_RUN_ID", run_id)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    if refused:
        with pytest.raises(ImproperlyConfigured, match="ENVIRONMENT is development on a Heroku"):
            env.refuse_development_on_a_dyno(True)
    else:
        env.refuse_development_on_a_dyno(True)
    env.refuse_development_on_a_dyno(False)  # production: nothing to refuse


def test_a_dyno_set_to_development_stops_naming_the_variable():
    dyno = {**production_env(ENVIRONMENT=" development ", DYNO="web.1"), "CI": ""}
    result = run_python(SHOW_SETTINGS, dyno)
    assert result.returncode != 0
    assert "heroku config:set ENVIRONMENT=production" in result.stderr


def test_the_web_lines_config_reads_environment_as_the_settings_do(monkeypatch):
    """' development ' is development to the settings: gunicorn then reloads, not preloads."""
    import importlib

    from config import gunicorn as web_config

    monkeypatch.setenv("ENVIRONMENT", " development ")
    try:
        assert importlib.reload(web_config).preload_app is False
    finally:
        monkeypatch.undo()  # the run's own ENVIRONMENT, for the other tests' import
        importlib.reload(web_config)


@pytest.mark.parametrize("value", ["0", "-1"])
def test_no_web_workers_stops_the_web_line(monkeypatch, value):
    """With 0 the master would take connections that no worker ever answers."""
    import importlib

    from config import gunicorn as web_config

    monkeypatch.setenv("WEB_CONCURRENCY", value)
    try:
        with pytest.raises(SystemExit, match=f"WEB_CONCURRENCY must be .*1 or more.*got '{value}'"):
            importlib.reload(web_config)
    finally:
        monkeypatch.undo()
        importlib.reload(web_config)


@pytest.mark.parametrize(
    "value",
    ["0", "-1", "65536", "99999", "abc", "80.5", "8_000", "+8000", "\u0668\u0660\u0660\u0660"],
)
def test_a_port_the_web_line_cannot_bind_stops_it_with_one_line(monkeypatch, value):
    """gunicorn answered 99999 with a 32-line traceback and bound 0 to a port of its
    choosing; Heroku sets PORT itself, .env and `heroku local` may set any."""
    import importlib

    from config import gunicorn as web_config

    monkeypatch.setenv("PORT", value)
    try:
        with pytest.raises(
            SystemExit,
            match=re.escape(f"PORT must be a whole number from 1 to 65535, got {value!r}"),
        ):
            importlib.reload(web_config)
    finally:
        monkeypatch.undo()
        importlib.reload(web_config)


@pytest.mark.parametrize(
    "refused",
    [
        {"DATABASE_URL": None},
        {"DJANGO_SECRET_KEY": ""},
        {"ADMIN_URL": "a b"},
        {"GUNICORN_CMD_ARGS": "--bind 0.0.0.0:1"},
        {"DJANGO_SETTINGS_MODULE": "config.urls"},
    ],
    ids=str,
)
def test_the_web_line_stops_on_a_refused_setting_with_the_release_phases_line(refused):
    """`heroku local`, or the web line run by hand: the settings' refusal was a
    40-line traceback through gunicorn's preload, where manage.py says one line."""
    env = production_env(**{"DATABASE_URL": "postgres://u:p@127.0.0.1:1/app", **refused})
    web = run_procfile("web", env, timeout=60)
    assert web.returncode == 4, web.stderr  # gunicorn's "App failed to load"
    said = manage("check", env=env).stderr
    assert said.startswith("Error: ")
    assert said.count("\n") == 1
    assert web.stderr == said


def test_a_setting_a_middleware_refuses_as_it_loads_stops_the_web_line_with_one_line(tmp_path):
    """A fork's settings reading QUERY_LOG as text: the query log refuses "off" when
    the handler loads its middleware, after the settings loaded. That was a 47-line
    traceback; it is the one line a refused config var gets."""
    (tmp_path / "fork_settings.py").write_text(
        "from config.settings import *  # noqa\nQUERY_LOG = 'off'\n"
    )
    env = production_env(
        DATABASE_URL="postgres://u:p@127.0.0.1:1/app",
        DJANGO_SETTINGS_MODULE="fork_settings",
        PYTHONPATH=str(tmp_path),
    )
    web = run_procfile("web", env, timeout=60)
    assert web.returncode == 4, web.stderr
    assert web.stderr.startswith("Error: QUERY_LOG must be True or False, not 'off'"), web.stderr
    assert web.stderr.count("\n") == 1, web.stderr


def test_an_app_that_fails_to_import_keeps_its_traceback_on_the_web_line(tmp_path):
    """Django says any ImportError of an app as ImproperlyConfigured ("Cannot import
    'myapp'. Check that ... name is correct."): the error under it is the news."""
    (tmp_path / "fork_settings.py").write_text(
        "from config.settings import *  # noqa\n"
        "INSTALLED_APPS = [*INSTALLED_APPS, 'myapp_conf.MyConfig']\n"
    )
    (tmp_path / "myapp_conf.py").write_text(
        "from django.apps import AppConfig\n\n\nclass MyConfig(AppConfig):\n    name = 'myapp'\n"
    )
    (tmp_path / "myapp").mkdir()
    (tmp_path / "myapp" / "__init__.py").write_text("import a_library_not_installed\n")
    env = production_env(
        DATABASE_URL="postgres://u:p@127.0.0.1:1/app",
        DJANGO_SETTINGS_MODULE="fork_settings",
        PYTHONPATH=str(tmp_path),
    )
    web = run_procfile("web", env, timeout=60)
    assert web.returncode != 0, web.stderr
    assert "Traceback" in web.stderr
    assert "No module named 'a_library_not_installed'" in web.stderr


@pytest.mark.parametrize(
    "refused", [{"ADMIN_URL": "a b"}, {"DJANGO_SETTINGS_MODULE": "config.urls"}], ids=str
)
def test_in_development_the_web_line_stops_on_a_refused_setting_too(refused):
    """Without preload each worker loads the app: a worker that exited with the line
    was started again, and again, until the line was stopped by hand."""
    env = production_env(
        ENVIRONMENT="development",
        DATABASE_URL="postgres://u:p@127.0.0.1:1/app",
        WEB_CONCURRENCY="1",  # one worker says it, once
        **refused,
    )
    web = run_procfile("web", env, timeout=60)
    assert web.returncode == 4, web.stderr
    said = manage("check", env=env).stderr
    assert web.stderr.count(said) == 1, web.stderr
    assert "Traceback" not in web.stderr
    assert "App failed to load" in web.stderr


@pytest.mark.parametrize(("value", "bound"), [(None, "8000"), ("", "8000"), (" 5000 ", "5000")])
def test_the_web_line_binds_port_or_8000(monkeypatch, value, bound):
    import importlib

    from config import gunicorn as web_config

    if value is None:
        monkeypatch.delenv("PORT", raising=False)
    else:
        monkeypatch.setenv("PORT", value)
    try:
        assert importlib.reload(web_config).bind == [f"[::]:{bound}"]
    finally:
        monkeypatch.undo()
        importlib.reload(web_config)


@pytest.mark.parametrize(
    ("environment", "debug"),
    [("development", "False"), ("development", "0"), ("production", "True"), ("production", "1")],
)
def test_debug_follows_environment_alone(environment, debug):
    """As .env.example and the README say: a DEBUG variable, a habit from other
    projects, changes nothing."""
    env = production_env(
        ENVIRONMENT=environment, DEBUG=debug, DATABASE_URL="postgres://u:p@db.invalid/app"
    )
    shown = run_python(SHOW_SETTINGS, env)
    assert shown.stdout.split()[0] == str(environment == "development"), shown.stderr


def test_allowed_hosts_come_from_the_environment():
    env = production_env(
        DATABASE_URL="postgres://u:p@db.invalid/app", ALLOWED_HOSTS="shop.example.com, x.example"
    )
    result = run_python(SHOW_SETTINGS, env)
    assert result.returncode == 0, result.stderr
    assert "['shop.example.com', 'x.example']" in result.stdout


# (value, a host its author meant it to serve)
USABLE_HOSTS = [
    ("myapp.herokuapp.com", "myapp.herokuapp.com"),
    (".herokuapp.com", "myapp.herokuapp.com"),
    ("WWW.Example.COM", "www.example.com"),
    ("xn--bcher-kva.example", "xn--bcher-kva.example"),
    ("127.0.0.1", "127.0.0.1"),
    ("[::1]", "[::1]"),
    ("[2001:DB8::1]", "[2001:db8::1]"),
    ("[::ffff:192.0.2.1]", "[::ffff:192.0.2.1]"),
    ("*", "anything.example"),
]
UNUSABLE_HOSTS = [
    ("https://myapp.herokuapp.com", "myapp.herokuapp.com"),
    ("myapp.herokuapp.com/", "myapp.herokuapp.com"),
    ("shop.example.com:8000", "shop.example.com"),
    ("*.example.com", "www.example.com"),
    ("www.example.com example.com", "example.com"),
    ("shop.example.com.", "shop.example.com"),
    ("shop_1.example.com", "shop_1.example.com"),
    ("shop..example.com", "shop.example.com"),
    # A long s (U+017F): a letter only Unicode's case folding takes for an s; a
    # request's host is ASCII.
    ("\u017fhop.example.com", "shop.example.com"),
    # Brackets go around an IPv6 address alone: Django reads no host from these.
    ("[1.2.3.4]", "[1.2.3.4]"),
    ("[:]", "[:]"),
    ("[example.com]", "[example.com]"),
]


def served(host: str, patterns: list[str]) -> bool:
    """Whether Django serves a request with this Host under these ALLOWED_HOSTS."""
    domain, _ = split_domain_port(host)
    return bool(domain) and validate_host(domain, patterns)


@pytest.mark.parametrize(("value", "host"), USABLE_HOSTS)
def test_allowed_hosts_takes_what_django_can_match(monkeypatch, value, host):
    monkeypatch.setenv("ALLOWED_HOSTS", f" {value} ,.herokuapp.com")
    hosts = env.host_names("ALLOWED_HOSTS", [], every_host=True)
    assert hosts == [value, ".herokuapp.com"]
    assert served(host, [value])


@pytest.mark.parametrize(("value", "host"), UNUSABLE_HOSTS)
def test_allowed_hosts_refuses_what_no_request_can_match(monkeypatch, value, host):
    assert not served(host, [value])  # every page would be a 400
    monkeypatch.setenv("ALLOWED_HOSTS", f".herokuapp.com,{value}")
    with pytest.raises(ImproperlyConfigured, match=r"ALLOWED_HOSTS has '.*', which no request"):
        env.host_names("ALLOWED_HOSTS", [])


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("bücher.de", "xn--bcher-kva.de"),
        (".bücher.de", ".xn--bcher-kva.de"),
        ("shop.bücher.de", "shop.xn--bcher-kva.de"),
        ("例え.jp", "xn--r8jz45g.jp"),
    ],
)
def test_a_host_name_in_another_script_is_refused_with_its_ascii_form(monkeypatch, value, written):
    """Browsers send such a name in its ASCII (IDNA) form, the only one a request's
    host can match; DEFAULT_FROM_EMAIL takes it either way."""
    monkeypatch.setenv("ALLOWED_HOSTS", value)
    with pytest.raises(ImproperlyConfigured, match="which no request") as refused:
        env.host_names("ALLOWED_HOSTS", [])
    assert str(refused.value).endswith(f"goes in its ASCII form, as browsers send it: {written}")
    monkeypatch.setenv("ALLOWED_HOSTS", written)
    assert env.host_names("ALLOWED_HOSTS", []) == [written]
    assert served(written.lstrip("."), [written])


@pytest.mark.parametrize("value", ["\u017fhop.example.com", "shop example.de"])
def test_a_host_of_no_ascii_form_of_its_own_gets_no_such_hint(monkeypatch, value):
    """A long s is an s to IDNA: another name than the one typed."""
    monkeypatch.setenv("ALLOWED_HOSTS", value)
    with pytest.raises(ImproperlyConfigured, match="which no request") as refused:
        env.host_names("ALLOWED_HOSTS", [])
    assert "ASCII form" not in str(refused.value)


@pytest.mark.parametrize("value", [".com", ".io", ".localhost", ".COM"])
def test_every_host_of_a_top_level_domain_is_for_development_alone(monkeypatch, value):
    """`.com` allowed every host anyone can register under it, as `*` allowed every host."""
    monkeypatch.setenv("ALLOWED_HOSTS", f".herokuapp.com,{value}")
    with pytest.raises(ImproperlyConfigured, match=f"has '{value}', which allows hosts anyone"):
        env.host_names("ALLOWED_HOSTS", [])
    assert env.host_names("ALLOWED_HOSTS", [], every_host=True)[-1] == value


@pytest.mark.parametrize("value", [".herokuapp.com", ".co.uk", ".github.io"])
def test_every_subdomain_of_a_suffix_others_register_under_is_taken_as_the_readme_says(
    monkeypatch, value
):
    """Only one label is told apart from a registrable name; Heroku's router sends an app
    its own host names alone, and the README says to name exact hosts behind a proxy
    that passes any Host on (the reset mail's link is the request's host)."""
    monkeypatch.setenv("ALLOWED_HOSTS", value)
    assert env.host_names("ALLOWED_HOSTS", []) == [value]
    readme = (BASE_DIR / "README.md").read_text()
    assert "Every subdomain of a name others register under is taken (`.herokuapp.com`" in readme
    assert "behind a proxy or CDN that passes any `Host` on, name your hosts exactly" in readme


def test_every_host_is_for_development_alone():
    """`*` served any Host a request named, and the password reset mail links to the
    request's host: whoever asked for a reset chose where its link led (behind a
    router that forwards any Host; Heroku's routes by it). Production names its hosts."""
    for value in ("*", ".herokuapp.com,*"):
        shown = run_python(
            SHOW_SETTINGS,
            production_env(DATABASE_URL="postgres://u:p@db.invalid/app", ALLOWED_HOSTS=value),
        )
        assert shown.returncode != 0
        said = shown.stderr.strip().splitlines()[-1]
        assert "ALLOWED_HOSTS has '*', which allows hosts anyone may name" in said
        assert "reset" in said
    development = production_env(ENVIRONMENT="development", ALLOWED_HOSTS="*")
    shown = run_python(SHOW_SETTINGS, development)
    assert shown.stdout.split()[-1] == "['*']", shown.stderr


def test_a_url_in_allowed_hosts_stops_start_up_naming_it():
    env_vars = production_env(
        DATABASE_URL="postgres://u:p@db.invalid/app", ALLOWED_HOSTS="https://shop.example.com"
    )
    result = run_python(SHOW_SETTINGS, env_vars)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS has 'https://shop.example.com'" in result.stderr


def test_development_turns_on_debug_only_when_asked(settings):
    # This test process itself runs ENVIRONMENT=development (pyproject.toml).
    assert settings.DEVELOPMENT is True
    assert settings.SECURE_SSL_REDIRECT is False


def test_production_sends_mail_over_starttls_and_headers_as_documented():
    """README and docs/accounts.md: SMTP on 587 with STARTTLS, 10 s at most a mail;
    docs/production.md: HSTS for a year with subdomains and preload, and 21 browser
    features denied to every origin."""
    show = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_TIMEOUT, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, "
        "len(s.PERMISSIONS_POLICY), set(map(tuple, s.PERMISSIONS_POLICY.values())))"
    )
    result = run_python(show, production_env(DATABASE_URL="postgres://u:p@db.invalid/app"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["587", "True", "10", "31536000", "True", "True", "21", "{()}"]


def test_check_deploy_in_production_reports_nothing():
    env = production_env(
        DATABASE_URL="postgres://u:p@db.invalid/app", EMAIL_HOST="smtp.example.com"
    )
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("email_host", [None, "", "  ", "localhost"])
def test_check_deploy_warns_when_reset_mail_has_no_server(email_host):
    env = production_env(DATABASE_URL="postgres://u:p@db.invalid/app", EMAIL_HOST=email_host)
    result = manage("check", "--deploy", env=env)
    assert "(config.W004) EMAIL_HOST is 'localhost': a dyno runs no mail server" in result.stderr


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize(
    "value",
    [
        '"backstage"',
        "https://myapp.herokuapp.com/backstage/",
        "#admin",
        "back%20stage",
        "back stage",
        "staff//admin",
        "../admin",
    ],
)
def test_an_admin_url_nobody_could_reach_stops_start_up(monkeypatch, value):
    monkeypatch.setenv("ADMIN_URL", value + "/")
    with pytest.raises(
        ImproperlyConfigured, match="ADMIN_URL must be a path like backstage/"
    ) as refused:
        env.url_path("ADMIN_URL", "admin/")
    # The value as set, its slashes too, not as the check read it.
    assert str(refused.value).endswith(f"got {env.shown(value + '/')}.")


@pytest.mark.parametrize(
    ("value", "read"),
    [(" /backstage/ ", "backstage/"), ("staff/admin", "staff/admin/"), ("/", "admin/")],
)
def test_an_admin_url_is_read_as_a_path(monkeypatch, value, read):
    monkeypatch.setenv("ADMIN_URL", value)
    assert env.url_path("ADMIN_URL", "admin/") == read


def test_a_blank_admin_url_keeps_the_admin_at_its_default():
    env = production_env(DATABASE_URL="postgres://u:p@db.invalid/app", ADMIN_URL="  ")
    result = run_python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.ADMIN_URL)",
        env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "admin/"


# The last: Arabic-Indic 10, digits to str.isdigit() but not to a config var.
# Past Python's 4,300 digits int() refuses with a ValueError of its own.
@pytest.mark.parametrize("value", ["ten", "-1", "601", "1.5", "\u0661\u0660", "9" * 5000])
def test_page_cache_seconds_must_be_a_whole_number_up_to_600(monkeypatch, value):
    monkeypatch.setenv("PAGE_CACHE_SECONDS", value)
    with pytest.raises(ImproperlyConfigured, match="PAGE_CACHE_SECONDS must be a whole number"):
        env.whole_number("PAGE_CACHE_SECONDS", 10, maximum=600, why="test")


@pytest.mark.parametrize(
    ("value", "expected"), [("", 10), (" 0 ", 0), ("600", 600), ("0" * 5000 + "5", 5)]
)
def test_page_cache_seconds_reads(monkeypatch, value, expected):
    monkeypatch.setenv("PAGE_CACHE_SECONDS", value)
    assert env.whole_number("PAGE_CACHE_SECONDS", 10, maximum=600, why="test") == expected


def test_production_reads_page_cache_seconds_and_refuses_a_bad_value():
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.PAGE_CACHE_SECONDS, s.CACHES['pages']['TIMEOUT'])"
    base = production_env(DATABASE_URL="postgres://u:p@db.invalid/app")
    assert run_python(code, {**base, "PAGE_CACHE_SECONDS": "25"}).stdout.split() == ["25", "25"]
    refused = run_python(code, {**base, "PAGE_CACHE_SECONDS": "3600"})
    assert refused.returncode != 0
    assert "PAGE_CACHE_SECONDS must be a whole number from 0 to 600" in refused.stderr


SHOW_STATEMENT_TIMEOUT = (
    "from django.db import connection\n"
    "with connection.cursor() as cursor:\n"
    "    cursor.execute('SHOW statement_timeout')\n"
    "    print(cursor.fetchone()[0])"
)


def test_only_web_processes_bound_their_statements():
    """DATABASE_STATEMENT_TIMEOUT is set on the connections of the app the web line
    loads (config/wsgi.py); the release phase's migrations and one-off commands
    run as long as they need. tests/deploy/test_faults.py has the bound at work."""
    base = production_env(DATABASE_URL=released_database("statement_timeout"))
    web, command = "import config.wsgi\n", "import django; django.setup()\n"

    def shown(code: str, **variables: str) -> str:
        done = run_python(code + SHOW_STATEMENT_TIMEOUT, {**base, **variables})
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert shown(web) == "25s"
    assert shown(web, DATABASE_STATEMENT_TIMEOUT="0") == "0"
    assert shown(command) == "0"
    refused = run_python(command, {**base, "DATABASE_STATEMENT_TIMEOUT": "26"})
    assert refused.returncode != 0
    assert "DATABASE_STATEMENT_TIMEOUT must be a whole number from 0 to 25" in refused.stderr
    # The maximum as each place that names the variable gives it.
    for name, words in [("README.md", "at most 25"), (".env.example", "25 at most")]:
        assert words in " ".join((BASE_DIR / name).read_text().split())
    assert (
        "at most 25"
        in json.loads((BASE_DIR / "app.json").read_text())["env"]["DATABASE_STATEMENT_TIMEOUT"][
            "description"
        ]
    )


@pytest.mark.parametrize(
    ("environment", "query_log", "shown"),
    [
        ("production", None, "False"),  # internals stay private unless asked for
        ("production", "on", "True"),  # the demo deployment (app.json)
        ("development", None, "True"),
        ("development", "off", "False"),
    ],
)
def test_query_log_is_on_by_default_in_development_only(environment, query_log, shown):
    env = production_env(
        ENVIRONMENT=environment, DATABASE_URL="postgres://u:p@db.invalid/app", QUERY_LOG=query_log
    )
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.QUERY_LOG)"
    )
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == shown


def test_a_refused_query_log_is_shown_as_set():
    env = production_env(DATABASE_URL="postgres://u:p@db.invalid/app", QUERY_LOG=" Yes")
    result = run_python("import django; django.setup()", env)
    assert result.returncode != 0
    assert "QUERY_LOG must be 'on' or 'off', got ' Yes'." in result.stderr


def gunicorn_takes_workers(value: str) -> bool:
    """Whether gunicorn starts with WEB_CONCURRENCY=value: it reads the variable with
    int() when its settings module is imported, before the web line's config file."""
    environ = {**os.environ, "WEB_CONCURRENCY": value}
    imported = subprocess.run(
        [sys.executable, "-c", "import gunicorn.config"], env=environ, capture_output=True
    )
    return imported.returncode == 0


@pytest.mark.parametrize("value", ["", " ", "abc", "1.5", "two", "0", "-1", "9" * 5000])
def test_a_web_concurrency_gunicorn_cannot_run_stops_the_release_phase(monkeypatch, value):
    """gunicorn stops with a traceback on each, or runs no worker; the release phase
    never read the variable, so the deploy went through and the web dyno crashed
    again and again. The settings now refuse it with one line."""
    monkeypatch.setenv("WEB_CONCURRENCY", value)
    with pytest.raises(ImproperlyConfigured, match="WEB_CONCURRENCY must be a whole number"):
        env.web_workers()


@pytest.mark.parametrize(
    ("value", "read"),
    [("2", 2), (" 3 ", 3), ("1\n", 1), (None, 2), ("\u0662", 2), ("1_0", 10), ("+2", 2)],
)
def test_a_web_concurrency_gunicorn_takes_is_read_as_it_reads_it(monkeypatch, value, read):
    """With int(), as gunicorn reads it: other scripts' digits and `1_0` too, unlike the
    other number variables (the README says so), so the release and the web line agree."""
    if value is None:
        monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    else:
        monkeypatch.setenv("WEB_CONCURRENCY", value)
        assert gunicorn_takes_workers(value)
    assert env.web_workers() == read


@pytest.mark.parametrize("value", ["65", "1000", "99999999999999999999"])
def test_more_web_workers_than_a_dyno_could_run_stop_the_release_phase(monkeypatch, value):
    """gunicorn forks as many as it is told: a typo'd 99999999999999999999 passed the
    release and forked workers until the dyno ran out of memory, each holding up to
    5 database connections."""
    monkeypatch.setenv("WEB_CONCURRENCY", value)
    with pytest.raises(ImproperlyConfigured, match=r"WEB_CONCURRENCY must be .* at most 64"):
        env.web_workers()


def test_the_most_web_workers_heroku_sets_is_taken(monkeypatch):
    """Heroku's Python buildpack sets 33 on its largest dyno (16 cores x 2 + 1)."""
    monkeypatch.setenv("WEB_CONCURRENCY", "33")
    assert env.web_workers() == 33
    monkeypatch.setenv("WEB_CONCURRENCY", "64")
    assert env.web_workers() == 64


def test_the_web_concurrency_rule_is_gunicorns_where_it_has_one():
    """Whatever gunicorn cannot read, the settings refuse too (0 and below gunicorn
    takes, and runs no worker: config/gunicorn.py stops on those)."""
    assert not any(gunicorn_takes_workers(value) for value in ["", " ", "abc", "1.5", "two"])


def test_the_release_phase_stops_on_a_web_concurrency_gunicorn_cannot_run():
    code = "import django; django.setup()"
    base = production_env(DATABASE_URL="postgres://u:p@db.invalid/app")
    refused = run_python(code, {**base, "WEB_CONCURRENCY": "abc"})
    assert refused.returncode != 0
    assert "WEB_CONCURRENCY must be a whole number" in refused.stderr


def test_a_development_allowed_hosts_replaces_the_default_as_the_readme_says():
    """README, DEMO_HOST: a value replaces localhost, 127.0.0.1 and [::1]."""
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.ALLOWED_HOSTS)"
    base = production_env(ENVIRONMENT="development", DATABASE_URL="postgres://u:p@db.invalid/app")
    assert run_python(code, base).stdout.strip() == "['localhost', '127.0.0.1', '[::1]']"
    given = run_python(code, {**base, "ALLOWED_HOSTS": "laptop.lan"})
    assert given.stdout.strip() == "['laptop.lan']"
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert (
        "a value replaces the development default of `localhost`,\n`127.0.0.1` and `[::1]`"
        in readme
    )


def test_the_readmes_connection_arithmetic_is_the_web_lines():
    """README, scale-out: WEB_CONCURRENCY x 5 connections a dyno, 2 x 5 on a basic one."""
    from config import gunicorn as web_config

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert web_config.threads == 5
    assert env.WEB_WORKERS == 2
    times = "\u00d7"
    assert f"`WEB_CONCURRENCY` {times} 5 database connections (2 {times} 5 on a basic" in readme


# What the tests take from .env and the shell of all the app reads: the database
# (libpq's variables go with its URL: libpq reads every PG one, PGOPTIONS too, which
# the app does not), Heroku CI's flag for the test run, and pipenv's own, which
# pipenv reads before it loads .env.
INHERITED = {
    *("DATABASE_URL", "CI", "HEROKU_TEST_RUN_ID"),
    *("PGCONNECT_TIMEOUT", "PGHOST", "PGHOSTADDR", "PGPORT", "PGSERVICE", "PGSSLMODE"),
    "PGSSLROOTCERT",
}
INHERITED |= {"PIPENV_DONT_LOAD_ENV", "PIPENV_DOTENV_LOCATION"}


def test_the_suite_inherits_no_setting_from_env_but_the_database():
    """pipenv loads .env into `pipenv run test`: ADMIN_URL=backstage/ (which
    .env.example suggests) moved the admin the tests open, QUERY_LOG=off hid the
    counts they read, SENTRY_DSN sent their deliberate errors to a real project.
    pyproject.toml removes every variable the app reads, or sets it, but INHERITED:
    a server of one's own may run them. Not only those config/tour.py lists: a
    HEROKU_BUILD_COMMIT in .env versioned the tests' static URLs, and a
    GUNICORN_CMD_ARGS reached the web lines they start. It sets
    DJANGO_SETTINGS_MODULE too: a shell exporting another project's was a
    traceback before any test (pytest-django reads the variable before the ini)."""
    from tests.deploy.test_app_json import variables_read_by_the_app

    config = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())
    pinned = {
        line.split("=", 1)[0].split(":")[-1]
        for line in config["tool"]["pytest"]["ini_options"]["env"]
    }
    # The commit variables are read in a loop, which the pattern does not see.
    read = variables_read_by_the_app() | set(ENVIRONMENT_VARIABLES) | set(env.COMMIT_VARIABLES)
    assert read - pinned == INHERITED
    assert not [name for name in pinned if name.startswith("PG")]  # libpq's, all kept
    assert (
        "DJANGO_SETTINGS_MODULE=config.settings" in config["tool"]["pytest"]["ini_options"]["env"]
    )
    # What the tests' own setup sets (tests/conftest.py: the local S3 server's keys) aside.
    for name in read - INHERITED - {"ENVIRONMENT", "DJANGO_SETTINGS_MODULE"}:
        if not name.startswith("AWS_"):
            assert os.environ.get(name, "") == "", name


def test_the_sender_the_refusal_suggests_for_env_is_read_from_env(monkeypatch, tmp_path):
    """The refusal showed the value with its double quotes only: written so in
    .env, python-dotenv (which pipenv loads .env with) cannot parse the line, drops
    the variable with a warning, and mail went out from webmaster@localhost."""
    variable, read, default = SENDER
    monkeypatch.setenv(variable, "Shop, Inc <noreply@x.com>")
    with pytest.raises(ImproperlyConfigured) as refused:
        read(variable, default)
    (line,) = re.findall(rf"{variable}='[^']*'", str(refused.value))
    (tmp_path / ".env").write_text(line + "\n")
    value = dotenv_values(tmp_path / ".env")[variable]
    monkeypatch.setenv(variable, value)
    assert read(variable, default) == '"Shop, Inc" <noreply@example.com>'


def test_what_env_example_says_of_comments_and_dollars_is_python_dotenvs_reading(tmp_path):
    """A password with " #" or "${" in .env reaches the app changed, and the app cannot
    see it: .env.example says how python-dotenv (pipenv's) reads both."""
    example = (BASE_DIR / ".env.example").read_text()
    assert 'an unquoted value ends at " #"' in example
    assert "in single quotes ('abc #def')" in example
    assert "${NAME} becomes that variable's value, quoted or not, with no escape" in example
    (tmp_path / ".env").write_text(
        "A=abc #def\nB='abc #def'\nC='x${HOME}y'\nD=\"x${HOME}y\"\nE=x\\${HOME}y\n"
    )
    home = os.environ["HOME"]
    assert dotenv_values(tmp_path / ".env") == {
        "A": "abc",
        "B": "abc #def",
        "C": f"x{home}y",
        "D": f"x{home}y",
        "E": f"x\\{home}y",
    }


def test_a_refused_smtp_password_is_not_shown(monkeypatch):
    monkeypatch.setenv("EMAIL_HOST_PASSWORD", "s\u00e9cret-k9")
    with pytest.raises(ImproperlyConfigured) as refused:
        env.mail_password("EMAIL_HOST_PASSWORD")
    assert "s\u00e9cret" not in str(refused.value)


@pytest.mark.parametrize("value", ["/", "/shop", " "])
def test_a_script_name_stops_start_up_in_one_line(value):
    """gunicorn reads SCRIPT_NAME on every request: with /shop every path, /healthz
    too, was gunicorn's bare error page; with / every page but the home page a 404.
    The release took either."""
    started = run_python(
        "import django; django.setup()",
        production_env(DATABASE_URL="postgres://u:p@db.invalid/app", SCRIPT_NAME=value),
    )
    assert started.returncode != 0
    assert "ImproperlyConfigured: The environment variable SCRIPT_NAME is set" in started.stderr


def test_an_empty_script_name_is_none_as_gunicorn_reads_it():
    started = run_python(
        "import django; django.setup()",
        production_env(DATABASE_URL="postgres://u:p@db.invalid/app", SCRIPT_NAME=""),
    )
    assert started.returncode == 0, started.stderr


# What a shell may export for other work with AWS, each read by boto3, botocore
# or django-storages when a storage builds its client.
A_SHELLS_AWS = {
    "AWS_DEFAULT_REGION": "eu-north-1",
    "AWS_ENDPOINT_URL": "https://s3.example.com",
    "AWS_ENDPOINT_URL_S3": "https://s3.example.com",
    "AWS_PROFILE": "work",
    "AWS_S3_ACCESS_KEY_ID": "AKIAOTHERWORK",
    "AWS_SESSION_TOKEN": "other-work",
    "AWS_MAX_ATTEMPTS": "abc",
    "AWS_RETRY_MODE": "sometimes",
    "AWS_DEFAULTS_MODE": "fast",
    "AWS_REQUEST_CHECKSUM_CALCULATION": "always",
    "AWS_S3_US_EAST_1_REGIONAL_ENDPOINT": "everywhere",
    "AWS_CA_BUNDLE": "/nonexistent/ca.pem",
}


@pytest.mark.parametrize("name", A_SHELLS_AWS)
def test_the_tests_run_without_what_boto3_and_django_storages_read_from_a_shell(
    monkeypatch, fresh_s3, name
):
    """An AWS_DEFAULT_REGION or AWS_ENDPOINT_URL exported for other work moved the
    storages built in this process to other hosts, and a botocore setting
    (AWS_MAX_ATTEMPTS=abc) stopped each: tests failed that passed in a clean shell
    (tests/conftest.py, local_s3)."""
    monkeypatch.setenv(name, A_SHELLS_AWS[name])
    leave_out_the_shells_aws(monkeypatch)
    for variable, value in fresh_s3.environ().items():  # as local_s3 sets them next
        monkeypatch.setenv(variable, value)
    with override_settings(STORAGES=storages_on(fresh_s3)):
        storage = storages.create_storage(storages.backends["default"])
        stored = storage.save("from-a-shell.txt", ContentFile(b"stored"))
    assert stored_bytes(fresh_s3, stored) == b"stored"
    assert os.environ["AWS_CONFIG_FILE"] == os.devnull


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("--workers 0", "runs no worker"),  # the master alone: /healthz never answered
        ("--threads 0", "runs no worker"),  # "Worker failed to boot"
        ("--workers=two", "invalid int value: 'two'"),  # a usage error, exit 2
        ("--no-such-option", "unrecognized arguments: --no-such-option"),
        ("--log-level 'debug", "No closing quotation"),
        ("--timeout -5", "Value must be positive"),
        ("-e SCRIPT_NAME=/shop", "past the release's checks"),
        ("--env ENVIRONMENT=development --workers 1", "past the release's checks"),
        ("--chdir /nonexistent", "can't chdir to '/nonexistent'"),  # gunicorn's ConfigError
        ("--check-config", "check its settings and exit"),
        ("--print-config", "print its settings and exit"),
        ("--daemon", "the process Heroku watches would exit"),
        ("-k gevent", "gevent"),  # not installed
        ("-k no.such.Worker", "no.such"),
        ("--bind 127.0.0.1:9999", "binds Heroku's $PORT"),
        ("--version", "print and exit"),
        ("-h", "print and exit"),
        # As WEB_CONCURRENCY is bounded: a typo, not a dyno's size.
        ("--workers 65", "at most 64 workers"),
        ("-w 500 --threads 50", "at most 64 workers"),
        ("--threads 10000", "at most 32 threads"),
        # Taken by the release, then the web line died at boot, or ran and answered
        # nothing: a file or folder gunicorn opens, another app, a trace of every line.
        ("--worker-tmp-dir /nonexistent", "worker_tmp_dir needs an existing folder"),
        ("--certfile /nonexistent", "certfile needs an existing file"),
        ("--keyfile /nonexistent/key.pem", "keyfile needs an existing file"),
        ("--ca-certs /nonexistent", "ca_certs needs an existing file"),
        ("--pid /nonexistent/web.pid", "pidfile needs a file in an existing folder"),
        ("--error-logfile /nonexistent/x", "a file on the dyno, lost with it"),
        ("--log-file /tmp/web.log", "a file on the dyno, lost with it"),
        ("--access-logfile /tmp/access.log", "a file on the dyno, lost with it"),
        ("--log-config /nonexistent", "the web line's logging is config/gunicorn.py's"),
        ("--log-config-json logging.json", "the web line's logging is config/gunicorn.py's"),
        ("--log-syslog", "which Heroku's log router reads"),
        ("--paste app.ini", "the web line serves config.wsgi"),
        ("--spew", "every line it runs"),
        ("--limit-request-line 1", "limit_request_line below 1024"),
        ("--limit-request-fields 5", "limit_request_fields below 32"),
        ("--limit-request-field_size 100", "limit_request_field_size below 4096"),
        # Or served, and answered every request with an error.
        ("--protocol uwsgi", "Heroku's router speaks HTTP/1.1 to the dyno"),
        ("--http-protocols h2", "Heroku's router speaks HTTP/1.1 to the dyno"),
        ("--http-parser fast", "gunicorn's own HTTP parser"),
        ("--worker-class asgi", "serves WSGI"),
        ("--logger-class no.such.Logger", "no.such"),
        ("--worker-tmp-dir /proc", "worker_tmp_dir needs an existing folder it may write in"),
        ("--pid /proc/web.pid", "pidfile needs a file in an existing folder it may write in"),
        ("--keyfile {key}", "a key needs its certificate"),
        ("--certfile /etc/hostname", "certfile and keyfile are no certificate and key"),
        ("--certfile {cert}", "certfile and keyfile are no certificate and key"),  # no key
        # Taken by the release, then the web line took no connection, or answered
        # nothing while a few connections sent no request (tests/deploy/test_faults.py).
        ("--worker-connections 0", "--worker-connections may raise gunicorn's 1000"),
        ("--worker-connections 5", "--worker-connections may raise gunicorn's 1000"),
        ("--worker-connections 999", "--worker-connections may raise gunicorn's 1000"),
        # gunicorn's own workers wait on such connections in a thread.
        ("--worker-class sync --threads 1", "wait in a thread on connections that send"),
        ("--worker-class sync", "wait in a thread on connections that send nothing"),
        ("-k gunicorn.workers.sync.SyncWorker", "wait in a thread on connections that"),
        ("--worker-class gthread --threads 8", "wait in a thread on connections that"),
        ("--worker-class tests.config.test_settings.GthreadOfAFork", "wait in a thread on"),
        # gunicorn loads no class from this spelling: it would run a string.
        ("--worker-class config.worker_signals:ThreadWorker", "(named module.Class)"),
        # gunicorn's own header checks, which the router's headers rely on.
        ("--header-map dangerous", "--header-map is not"),
        ("--strip-header-spaces", "--strip-header-spaces is not"),
        # A class that loads and is no worker: the master died at its first spawn, or
        # restarted workers that exited at once, answering nothing.
        ("--worker-class builtins.dict", "the web line's worker is config.worker_signals"),
        ("--worker-class gunicorn.workers.base.Worker", "the web line's worker is config"),
        # gunicorn died on a folder, and overwrote a file, then deleted it at exit.
        ("--pid {folder}", "pidfile names an existing folder"),
        ("--pid {cert}", "pidfile names a file that is not a pid file"),
        ("--pid manage.py", "pidfile names a file that is not a pid file"),
        # gunicorn refused to start beside a process its pid file names, made no file
        # at a path ending in "/", and the release hung reading a FIFO.
        ("--pid {folder}/live.pid", "pidfile names a running process's pid file"),
        ("--pid {folder}/new/", "pidfile names a folder's path"),
        ("--pid {folder}/fifo", "pidfile names something other than a file"),
        # What the access log holds is config/gunicorn.py's: not cookies or credentials.
        ("--access-logformat '%({{cookie}}i)s'", "the access log's format is"),
        # Words gunicorn's parser takes as the app to serve, and gunicorn then drops:
        # the whole value in quotes (a .env line pasted), a dash that is not "-".
        ('"--log-level debug"', "'--log-level debug' is no option"),
        ("'--timeout 30'", "'--timeout 30' is no option"),
        ("\u2014log-level debug", "'\u2014log-level' is no option"),
        ("debug", "'debug' is no option"),
        ("myproject.wsgi:application --log-level debug", "'myproject.wsgi:application' is no"),
    ],
)
def test_gunicorn_cmd_args_the_web_line_cannot_run_with_are_refused(
    monkeypatch, capfd, tmp_path, value, said
):
    """gunicorn reads GUNICORN_CMD_ARGS after config/gunicorn.py, over its settings:
    the release took each of these, then the web line started no worker or none at
    all, or answered nothing. The settings read it (below)."""
    certificate = tls.make_certificate(tmp_path)
    (tmp_path / "live.pid").write_text(f"{os.getpid()}\n")
    os.mkfifo(tmp_path / "fifo")
    value = value.format(cert=certificate.certfile, key=certificate.keyfile, folder=tmp_path)
    monkeypatch.chdir(BASE_DIR)
    monkeypatch.setenv("GUNICORN_CMD_ARGS", value)
    with pytest.raises(ImproperlyConfigured) as refused:
        env.gunicorn_cmd_args()
    assert str(refused.value).startswith("The environment variable GUNICORN_CMD_ARGS ")
    assert said in str(refused.value)
    assert capfd.readouterr() == ("", "")  # gunicorn's help or version text is not printed


@pytest.mark.parametrize(
    ("value", "refused"), [("--workers 0", True), ("--spew", True), ("", False)]
)
def test_gunicorn_cmd_args_are_read_by_the_settings_as_start_up_begins(value, refused):
    started = run_python(
        "import django; django.setup()",
        production_env(DATABASE_URL="postgres://u:p@db.invalid/app", GUNICORN_CMD_ARGS=value),
    )
    assert (started.returncode != 0) == refused, started.stderr
    if refused:
        line = started.stderr.strip().splitlines()[-1]
        assert line.startswith("django.core.exceptions.ImproperlyConfigured: The environment ")
        assert "variable GUNICORN_CMD_ARGS" in line
        assert started.stdout == ""


@pytest.mark.parametrize(
    "value",
    [
        "",
        "--log-level debug",
        "--workers 3 --threads 8",
        "--workers 64 --threads 32",
        "--access-logfile - --max-requests 1000 --max-requests-jitter 50",
        '--forwarded-allow-ips="*" -w 3',
        "--error-logfile - --access-logfile -",
        "--limit-request-line 0 --limit-request-field_size 8190 --limit-request-fields 200",
        "--pid /tmp/web.pid --worker-tmp-dir /tmp",
        "--limit-request-fields 50 --limit-request-line 4000 --limit-request-field_size 4096",
        "--worker-connections 1000 --backlog 64 --keep-alive 5 --graceful-timeout 20 --preload",
        "--worker-connections 5000 --threads 1",
        "--protocol http --http-protocols h1 --http-parser auto",
        # HTTPS to gunicorn itself, off Heroku (the browser tests' site).
        "--certfile {cert} --keyfile {key}",
        # A pid file left by a web line that did not stop cleanly: gunicorn takes it.
        "--pid {folder}/stale.pid",
        "--worker-class config.worker_signals.ThreadWorker --threads 1",
        "--worker-class tests.config.test_settings.WorkerOfAFork",
    ],
)
def test_gunicorn_cmd_args_it_can_run_with_are_taken(monkeypatch, tmp_path, value):
    certificate = tls.make_certificate(tmp_path)
    (tmp_path / "stale.pid").write_text("99999999\n")  # past any pid the kernel gives
    value = value.format(cert=certificate.certfile, key=certificate.keyfile, folder=tmp_path)
    monkeypatch.setenv("GUNICORN_CMD_ARGS", value)
    monkeypatch.delenv("DYNO", raising=False)
    env.gunicorn_cmd_args()


def test_gunicorn_cmd_args_giving_gunicorn_a_certificate_is_refused_on_heroku(
    monkeypatch, tmp_path
):
    """Heroku's router speaks plain HTTP to a dyno: a web line serving TLS answered no
    request. On a dyno (DYNO is set, the release's too) a certificate stops start-up."""
    certificate = tls.make_certificate(tmp_path)
    value = f"--certfile {certificate.certfile} --keyfile {certificate.keyfile}"
    monkeypatch.setenv("GUNICORN_CMD_ARGS", value)
    monkeypatch.setenv("DYNO", "release.1")
    with pytest.raises(ImproperlyConfigured, match="speaks plain HTTP to the dyno"):
        env.gunicorn_cmd_args()


class WorkerOfAFork(worker_signals.ThreadWorker):
    """A fork's own worker class, of the web line's."""


class GthreadOfAFork(ThreadWorker):
    """A fork's own worker class, of gunicorn's gthread worker."""


# A value of each gunicorn option that its parser and validators take, where its
# default is none or not one to type (gunicorn.config.KNOWN_SETTINGS).
OPTION_SAMPLES = {
    "bind": "127.0.0.1:9999",
    "raw_env": "A=B",
    "pidfile": "{tmp}/web.pid",
    "worker_tmp_dir": "{tmp}",
    "chdir": "{tmp}",
    "user": "nobody",
    "group": "nogroup",
    "accesslog": "-",
    "logconfig": "logging.ini",
    "logconfig_json": "logging.json",
    "syslog_prefix": "web",
    "statsd_host": "127.0.0.1:8125",
    "proc_name": "web",
    "pythonpath": "{tmp}",
    "paste": "app.ini",
    "ssl_version": "TLSv1_2",
    "cert_reqs": "0",
    "ciphers": "HIGH",
    "reload_extra_files": "{tmp}",
    "dirty_apps": "app.tasks:Tasks",
    "raw_paste_global_conf": "a=b",
    "control_socket": "{tmp}/web.ctl",
    "forwarder_headers": "SCRIPT_NAME",
    # gunicorn's own (sync) is refused: the web line's class, or one of it.
    "worker_class": "config.worker_signals.ThreadWorker",
}
NOT_TYPED = ("store_true", "store_const")


def typed(setting, certificate) -> str:
    """GUNICORN_CMD_ARGS giving `setting` a value gunicorn takes: its default, a sample
    (one in the certificate's folder for "{tmp}")."""
    flag = setting.cli[-1]
    if getattr(setting, "action", None) in NOT_TYPED or getattr(setting, "nargs", None) == "?":
        return flag
    if setting.name in ("certfile", "keyfile", "ca_certs"):
        return f"{flag} {getattr(certificate, setting.name.replace('ca_certs', 'certfile'))}"
    value = str(OPTION_SAMPLES.get(setting.name, setting.default))
    return f"{flag} {shlex.quote(value.replace('{tmp}', str(certificate.certfile.parent)))}"


def gunicorn_options(tuning: bool) -> list:
    from gunicorn.config import KNOWN_SETTINGS

    return [
        pytest.param(setting, id=setting.cli[-1])
        for setting in KNOWN_SETTINGS
        if setting.cli and (setting.name in env.GUNICORN_TUNING) == tuning
    ]


@pytest.mark.parametrize("setting", gunicorn_options(tuning=False))
def test_gunicorn_cmd_args_may_tune_the_web_line_and_set_nothing_else(
    monkeypatch, tmp_path, setting
):
    """gunicorn has over a hundred options, and each check above was one the release took
    and the web line then died on, or ran and answered nothing with (--worker-connections 0).
    Only GUNICORN_TUNING's options are taken: every other one stops start-up, named,
    whatever its value (gunicorn's own default here, or one its parser takes)."""
    monkeypatch.setenv("GUNICORN_CMD_ARGS", typed(setting, tls.make_certificate(tmp_path)))
    with pytest.raises(ImproperlyConfigured) as refused:
        env.gunicorn_cmd_args()
    reason = env.GUNICORN_OWNED.get(setting.name, f"{setting.cli[-1]} is not one")
    assert reason in str(refused.value)


@pytest.mark.parametrize("setting", gunicorn_options(tuning=True))
def test_gunicorn_cmd_args_tuning_options_are_taken_at_gunicorns_defaults(
    monkeypatch, tmp_path, setting
):
    monkeypatch.delenv("DYNO", raising=False)
    certificate = tls.make_certificate(tmp_path)
    value = typed(setting, certificate)
    if setting.name in ("certfile", "keyfile"):  # one goes with the other
        value = f"--certfile {certificate.certfile} --keyfile {certificate.keyfile}"
    monkeypatch.setenv("GUNICORN_CMD_ARGS", value)
    env.gunicorn_cmd_args()


def test_gunicorn_tuning_names_options_gunicorn_has():
    from gunicorn.config import KNOWN_SETTINGS

    assert {setting.name for setting in KNOWN_SETTINGS if setting.cli} >= env.GUNICORN_TUNING


# Each value is refused by some reader, each shaped to reach a different part of its
# message: the whole value, a URL's scheme, an option's name or value. The settings
# probe makes the 20,000 characters of {LONG}.
LONG_VALUES = [
    "{LONG} <",
    "1{LONG}",
    "https://{LONG}.com/ <",
    "{LONG}://host/",
    "rediss://host:6379/0?socket_timeout={LONG}",
    "rediss://host:6379/0?{LONG}=1",
    "postgres://u:p@db.invalid/app?connect_timeout={LONG}",
    "postgres://u:p@db.invalid/app?{LONG}=1",
    "https://{LONG}@o1.ingest.sentry.io/1",
    # Long without a long run: spaces, or a list of short parts.
    "{SPACED} <",
    '--workers "{SPACED}"',
    '--worker-class "{SPACED}"',
    "--worker-class no.such.module.Worker",
    "rediss://host:6379/0?{OPTIONS}",
    "postgres://u:p@db.invalid/app?{SPACED_NAME}=1",
]
SETTINGS_REFUSALS = """
import json, os, runpy
from django.core.exceptions import ImproperlyConfigured
names, values = json.loads(NAMES), json.loads(VALUES)
base = dict(os.environ)
refused = {}
for name in names:
    for value in values:
        os.environ.clear()
        value = value.replace("{LONG}", "x" * 20_000).replace("{SPACED}", "x " * 10_000)
        value = value.replace("{OPTIONS}", "&".join(f"o{n}=1" for n in range(5_000)))
        value = value.replace("{SPACED_NAME}", "x%20" * 10_000)
        os.environ.update(base, **{name: value})
        try:
            runpy.run_module("config.settings")
        except ImproperlyConfigured as error:
            refused.setdefault(name, []).append(str(error))
print(json.dumps(refused))
"""


@pytest.mark.parametrize("environment", ["production", "development"])
def test_a_refused_value_is_shown_by_its_first_40_characters_at_most(environment):
    """A file pasted into a config var (20,000 characters here) made a message, the
    release phase's one line, as long: every variable's, whatever part of the value
    the message shows (the README's table, and every variable the app reads)."""
    names = sorted(set(readme_config_vars()) | set(ENVIRONMENT_VARIABLES))
    values = {"DATABASE_URL": "postgres://u:p@db.invalid/app", "ENVIRONMENT": environment}
    code = SETTINGS_REFUSALS.replace("NAMES", repr(json.dumps(names)))
    code = code.replace("VALUES", repr(json.dumps(LONG_VALUES)))
    result = run_python(code, production_env(**values))
    assert result.returncode == 0, result.stderr
    refused = json.loads(result.stdout)
    # The readers that show part of a URL or an option were reached, not only the first.
    assert {"ADMIN_URL", "REDIS_URL", "AWS_S3_ENDPOINT_URL", "QUERY_LOG"} <= set(refused)
    assert "GUNICORN_CMD_ARGS" in refused
    for name, messages in refused.items():
        for message in messages:
            assert "x" * 41 not in message, (name, message[:300])
            assert len(message) < 1_000, (name, message[:300])
            assert "Traceback" not in message, (name, message[:300])


@pytest.mark.parametrize(
    "value",
    [
        "smtp.example.com:QXZsecret",
        "apikey QXZsecret smtp.example.com",
        "apikey:QXZsecret\uff20smtp.example.com",  # a full-width @
        "smtp://apikey:QXZsecret%40smtp.example.com",
        "apikey/QXZsecret/smtp.example.com",
    ],
)
def test_a_mail_host_with_anything_but_a_hosts_characters_is_not_shown(monkeypatch, value):
    """A login pasted in without an ASCII '@' was shown: only a value of a host name's
    characters (and quotes, a final dot) is."""
    monkeypatch.setenv("EMAIL_HOST", value)
    with pytest.raises(ImproperlyConfigured, match="must be a mail server's host") as refused:
        env.mail_host("EMAIL_HOST", "localhost")
    assert "QXZsecret" not in str(refused.value)


@pytest.mark.parametrize(
    "value", ["xkeysib-0123456789abcdef0123456789abcdef/", "mail.example.org.", "1.2.3"]
)
def test_a_refused_mail_host_is_never_shown(monkeypatch, value):
    """An API key of a host name's own characters (Brevo's xkeysib-...) pasted there
    with one more was shown: no refused value is."""
    monkeypatch.setenv("EMAIL_HOST", value)
    with pytest.raises(ImproperlyConfigured, match="must be a mail server's host") as refused:
        env.mail_host("EMAIL_HOST", "localhost")
    assert value.rstrip(".") not in str(refused.value)


def test_a_mail_host_with_a_login_is_refused_without_showing_it(monkeypatch):
    """The refusal names a login as a mistake it catches; the password came with it."""
    monkeypatch.setenv("EMAIL_HOST", "smtp://apikey:S3cretPassw0rd@smtp.sendgrid.net")
    with pytest.raises(ImproperlyConfigured, match="must be a mail server's host") as refused:
        env.mail_host("EMAIL_HOST", "localhost")
    assert "S3cretPassw0rd" not in str(refused.value)
    assert "apikey" not in str(refused.value)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["check", "--database", "default"], "config.E007"),
        (["seed_catalog"], "The database cannot be reached"),
    ],
)
def test_a_refusal_libpq_words_is_cut_in_the_release_and_the_commands(args, said):
    """libpq quotes the value it refuses (`invalid target_session_attrs value: "..."`):
    its message goes on cut to 200 characters (config.env.clipped)."""
    url = "postgres://u:p@127.0.0.1:1/app?target_session_attrs=" + "x" * 20_000
    result = manage(*args, env=production_env(ENVIRONMENT="development", DATABASE_URL=url))
    assert said in result.stderr, result.stderr[-500:]
    assert "x" * 41 not in result.stderr, result.stderr[:300]
    assert len(result.stderr) < 2_000


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["check", "--database", "default"], "config.E007"),
        (["seed_catalog"], "The database cannot be reached"),
    ],
)
def test_libpq_does_not_quote_a_password_split_off_into_an_option(args, said):
    """An '&' in a ?password= splits its rest off as an option, whose value libpq
    quotes when it refuses it (`invalid target_session_attrs value: "..."`)."""
    url = "postgres://u@127.0.0.1:1/app?password=Xy7&target_session_attrs=Qz9Kp2LmW4vR8tN1"
    result = manage(*args, env=production_env(ENVIRONMENT="development", DATABASE_URL=url))
    assert said in result.stderr, result.stderr[-500:]
    assert "Qz9Kp2LmW4vR8tN1" not in result.stderr, result.stderr[-500:]


@pytest.mark.parametrize("module", ["x" * 20_000, "x " * 10_000])
def test_a_settings_module_named_at_length_is_shown_by_its_first_40_characters(module):
    result = manage("check", env=production_env(DJANGO_SETTINGS_MODULE=module))
    assert "DJANGO_SETTINGS_MODULE is" in result.stderr, result.stderr[-500:]
    assert len(result.stderr) < 500, result.stderr[:300]


# A password of symbols, not percent-encoded: its '&' splits the rest off as an option.
SPLIT_PASSWORD = "Xy7&Qz9Kp2LmW4vR8tN1=="


@pytest.mark.parametrize(
    "url",
    [
        # A '?' in the password ends the host part: the rest of it is the query.
        "postgres://app:?Xy7Qz9Kp2LmW4vR8tN1==@db.example.com:5432/app",
        "postgres://app:8?Xy7Qz9Kp2LmW4vR8tN1=x@db.example.com:5432/app",
        # A password, and libpq's password of a client key, split by their '&'.
        f"postgres://app@db.example.com:5432/app?password={SPLIT_PASSWORD}",
        f"postgres://app:pw@db.example.com:5432/app?sslpassword={SPLIT_PASSWORD}",
        # The same, their rest an option whose value a refusal shows.
        f"postgres://app@db.example.com:5432/app?password=Xy7&connect_timeout={SPLIT_PASSWORD}",
        f"postgres://app:pw@db.example.com:5432/app?sslpassword=Xy7&connect_timeout={SPLIT_PASSWORD}",
        f"postgres://app:8?connect_timeout={SPLIT_PASSWORD}@db.example.com:5432/app",
    ],
)
def test_a_database_password_read_as_its_query_is_not_shown(url):
    with pytest.raises(ImproperlyConfigured) as refused:
        env.database(url)
    assert "Qz9Kp2LmW4vR8tN1" not in str(refused.value)
    assert "Xy7" not in str(refused.value)


@pytest.mark.parametrize("option", ["password", "ssl_password"])
def test_a_redis_password_split_by_its_ampersand_is_not_named_as_an_option(option):
    url = f"rediss://redis.example.com:6379/0?{option}={SPLIT_PASSWORD}"
    with pytest.raises(ImproperlyConfigured, match="which the app does not take") as refused:
        cache.redis_options(url, development=False)
    assert "Qz9Kp2LmW4vR8tN1" not in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        *(
            f"rediss://redis.example.com:6379/0?password=Xy7&{option}={SPLIT_PASSWORD}"
            for option in ("db", "socket_timeout", "protocol", "ssl_cert_reqs", "max_connections")
        ),
        # A '?' in the password, then a ',' or ';': the '@' is in the next server's part.
        f"redis://app:8?{SPLIT_PASSWORD}=1,x@redis.example.com:6379/0",
        f"redis://app:8?{SPLIT_PASSWORD}=1;x@redis.example.com:6379/0",
    ],
)
def test_a_redis_option_is_not_shown_where_the_query_may_hold_a_password(url):
    with pytest.raises(ImproperlyConfigured) as refused:
        cache.redis_options(url, development=False)
    assert "Qz9Kp2LmW4vR8tN1" not in str(refused.value)


@pytest.mark.parametrize("separator", [",", ";"])
def test_a_redis_password_split_into_a_server_does_not_show_its_scheme(separator):
    """A ',' or ';' in a password splits the URL into servers there: what follows it,
    up to a '://' further on, is the next server's scheme, and password text."""
    url = f"rediss://app:1{separator}Qz9Kp2LmW4vR8tN1://x@redis.example.com:6379/0"
    with pytest.raises(ImproperlyConfigured, match="its server 2 does not start") as refused:
        cache.redis_options(url, development=False)
    assert "Qz9Kp2LmW4vR8tN1" not in str(refused.value)


def test_a_tls_option_split_off_a_redis_password_is_not_named():
    url = "redis://localhost:6379/0?password=Xy7&ssl_ca_certs=Qz9Kp2"
    with pytest.raises(ImproperlyConfigured, match="on a redis:// URL") as refused:
        cache.redis_options(url, development=True)
    assert "ssl_ca_certs" not in str(refused.value)


@pytest.mark.django_db
@pytest.mark.parametrize(("kept", "logged_in"), [(True, True), (False, False)])
def test_a_rotated_key_with_its_fallback_logs_nobody_out(client, rotated_secret, kept, logged_in):
    """README, "Config vars": with the old key among DJANGO_SECRET_KEY_FALLBACKS a
    session made under it stays logged in; a new key alone logs everyone out."""
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="ada"))
    assert client.get("/accounts/profile/").status_code == 200
    rotated_secret(keep=kept)
    answer = client.get("/accounts/profile/")
    assert (answer.status_code == 200) is logged_in
    if not logged_in:
        assert answer.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(("kept", "valid"), [(True, True), (False, False)])
def test_a_reset_link_made_before_a_rotation_follows_the_fallbacks(rotated_secret, kept, valid):
    from django.contrib.auth.tokens import PasswordResetTokenGenerator

    from tests.factories import UserFactory

    user = UserFactory(username="ada")
    token = PasswordResetTokenGenerator().make_token(user)
    rotated_secret(keep=kept)
    assert PasswordResetTokenGenerator().check_token(user, token) is valid
