"""Readers for environment variables, so settings fail closed with a clear message,
and the one place that knows what Heroku tells a process about where it runs:
the deployed commit, the build step, Heroku CI."""

import contextlib
import io
import ipaddress
import os
import re
import secrets
import shlex
import socket
import ssl
import sys
import tempfile
import unicodedata
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured

# The database while Heroku builds static files: one that refuses every connection.
BUILD_DATABASE_URL = "postgres://build@127.0.0.1:1/none"


def building_static_files() -> bool:
    """True in Heroku's build step, which runs `manage.py collectstatic` outside any dyno.

    The build exports only the config vars already set (none on a first
    `git push heroku`) and promises no database, so settings must load there
    without the runtime secrets. Every dyno has DYNO (web, release, one-off,
    Heroku CI); the build does not.
    """
    return "DYNO" not in os.environ and sys.argv[1:2] == ["collectstatic"]


def in_release_phase() -> bool:
    """True in the Procfile's release line on a dyno (`DYNO=release.N`), which Heroku
    runs for every release: a build, a config var change, a rollback."""
    return os.environ.get("DYNO", "").startswith("release.")


def secret_key(name: str) -> str:
    """The production SECRET_KEY: required, and one `check --deploy` takes (its
    security.W009: 50 characters or more, 5 different, no `django-insecure-` prefix,
    which startproject's and the development key carry). No dyno runs that check,
    and a key anyone may know lets them sign session cookies."""
    value = required(name, at_build=secrets.token_urlsafe(50))
    if _weak(value):
        raise ImproperlyConfigured(
            f"{name} is too weak for production: {_strong_key()}. Set a new "
            "one, which logs everyone out: heroku config:set "
            f"{name}=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')\""
        )
    return value


def secret_key_fallbacks(name: str) -> list[str]:
    """Earlier SECRET_KEYs, separated by spaces or commas (Django's
    SECRET_KEY_FALLBACKS): what a rotated key keeps valid while the new one takes
    over, sessions and throttle counts among them. Each must pass the key's own
    check: a fallback signs as well.

    A key taken wrongly would match no earlier key and log everyone out without a
    word. So commas separate too (ALLOWED_HOSTS takes them), and what no generated
    key holds (Django's: lower-case letters, digits and !@#$%^&*(-_=+);
    `secrets.token_urlsafe`'s: letters, digits, - and _) stops start-up where a
    paste puts it: quotes or brackets at a key's ends, a `NAME=` before it, a ';'
    between two keys, a JSON string's escape (`\\n`, `\\"`) at an end, a character
    outside printable ASCII (`_pasted_around`)."""
    value = os.environ.get(name, "")
    keys = value.replace(",", " ").split()
    whole = value.strip()
    around = whole[:1] + whole[-1:]
    for number, key in enumerate(keys, start=1):
        if _pasted_around(key) or around in ("{}", "<>"):
            raise ImproperlyConfigured(
                f"{name}: its key number {number} holds quotes, brackets, a NAME=, a ';' "
                "between two keys, an escape or a character outside printable ASCII, which "
                "would be taken as part of it: "
                "it would match no earlier key and log everyone out. Give the earlier keys "
                "as they were, separated by spaces."
            )
        if _weak(key):
            raise ImproperlyConfigured(
                f"{name}: its key number {number} is too weak: {_strong_key()}. "
                "Take it out: whoever knows it can sign session cookies."
            )
    return keys


# Quotes or square brackets at either end, braces or angle brackets at both, a NAME=
# before it, a JSON string's escape at an end, anything outside printable ASCII.
_PASTED_AROUND = re.compile(
    r"""^["'`\[]|["'`\]]$|^\{.*\}$|^<.*>$|^[A-Z][A-Z0-9_]*=|\\[nrt"]$|^\\"|[^!-~]"""
)


def _pasted_around(key: str) -> bool:
    """What a paste leaves on a key and no generated key holds (`secret_key_fallbacks`).

    Where a random key of printable ASCII (a password manager's, `pwgen -sy`'s) may
    hold the same character, only a form a random key takes rarely counts: two keys
    joined by ';' (each strong alone), not any ';'; a backslash escape at an end,
    not any backslash: such a key, taken as DJANGO_SECRET_KEY, should be a fallback
    as it is at its rotation. The forms a key of one's own cannot take, a comma (a
    separator here) among them, are listed in the README ("Config vars")."""
    if _PASTED_AROUND.search(key):
        return True
    # Keys joined by ';' or a JSON string's escape, or one a shell's ';' ends: every
    # part a key alone, or nothing.
    parts = _JOINS.split(key)
    return len(parts) > 1 and all(not part or not _weak(part) for part in parts)


_JOINS = re.compile(r";|\\[nrt]")


def _weak(key: str) -> bool:
    """What `check --deploy` calls weak (security.W009)."""
    from django.core.checks.security import base

    return (
        len(key) < base.SECRET_KEY_MIN_LENGTH
        or len(set(key)) < base.SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or key.startswith(base.SECRET_KEY_INSECURE_PREFIX)
    )


def _strong_key() -> str:
    """What `_weak` asks of a key, as the messages say it (Django's own figures)."""
    from django.core.checks.security import base

    return (
        f"Django asks for {base.SECRET_KEY_MIN_LENGTH} characters or more, "
        f"{base.SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them different, not starting "
        f"with {base.SECRET_KEY_INSECURE_PREFIX!r} (a key others may know)"
    )


# Printable ASCII without the space: what an access key or a secret is made of.
PRINTABLE_ASCII = re.compile(r"[!-~]+")


def required(name: str, *, at_build: str | None = None, as_set: bool = False) -> str:
    """Return the variable's value, or stop start-up naming the variable that is missing.

    `at_build`: a stand-in used only while Heroku builds static files
    (`building_static_files()`), for a value collectstatic never uses.
    `as_set`: another library reads the variable from the environment itself
    (boto3 its keys), spaces and line breaks included, and signs with whatever it
    holds; a value with anything but printable ASCII in or around it (a space, a
    line break, an invisible character pasted with it, a look-alike letter) or in
    quotes stops start-up too, rather than fail every call that uses it.
    """
    raw = os.environ.get(name, "")
    value = raw.strip()
    if as_set and value and (not PRINTABLE_ASCII.fullmatch(raw) or _quoted(raw)):
        raise ImproperlyConfigured(
            f"The environment variable {name} has spaces, a line break, quotes or a "
            "character outside printable ASCII (an invisible one pasted with it, a letter "
            "that only looks like an ASCII one) in its value, which is read as it is set: "
            "set it again without them."
        )
    if not value and at_build is not None and building_static_files():
        return at_build
    if not value:
        raise ImproperlyConfigured(
            f"The environment variable {name} is required outside development "
            f"(set it with `heroku config:set {name}=...`, or in .env locally; "
            "ENVIRONMENT=development uses safe local defaults instead)."
        )
    return value


def required_by_the_build(name: str, *, why: str) -> None:
    """Stop Heroku's build (`building_static_files()`) naming `name` when it is unset
    or blank and the build itself uses it (`why`), where a stand-in would end the
    build in a library's traceback instead."""
    if building_static_files() and not os.environ.get(name, "").strip():
        raise ImproperlyConfigured(
            f"The environment variable {name} is required by the build: {why}. Set it "
            f"(`heroku config:set {name}=...`) and build again (git commit --allow-empty "
            "-m 'Collect static files' && git push heroku main): a config var change "
            "makes no build."
        )


def environment_said() -> str:
    """ENVIRONMENT in words, when it holds something other than the two names (a
    capital, `dev`, an invisible character pasted with it): it counts as
    production, and the line manage.py and the demo print for a refused or
    missing variable (a secret key missing, or too weak for production) should
    show why."""
    value = os.environ.get("ENVIRONMENT", "").strip()
    if value in ("", "production", "development"):
        return ""
    return f" ENVIRONMENT is {shown(value)}, which counts as production."


def http_url(name: str) -> str | None:
    """An http:// or https:// URL of an S3 server: scheme, host and port, nothing else
    (a bucket in the path would be asked for inside itself); None when unset or blank.

    The host is a host name of letters, digits and hyphens (RFC 1123), an IPv4 or an
    IPv6 address, as botocore checks when it makes a client: on a page's first media
    URL, where anything else was a 500 on every page with a picture. (botocore itself
    is loaded when a bucket is first used, not at start-up.)"""
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
        host_ok = is_host(parts.hostname or "")
    except ValueError:  # a port that is no number or past 65535, an unclosed "["
        parts, port_ok, host_ok = None, False, False
    if (
        not port_ok
        or not host_ok
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.netloc.endswith(":")
        or "@" in parts.netloc
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        said = "a URL with credentials, not shown" if "@" in value else shown(value)
        hint = ""
        if parts is not None and parts.hostname and (written := ascii_form(parts.hostname)):
            port = f":{parts.port}" if parts.port else ""
            hint = ascii_form_said(
                parts.hostname, "as DNS holds it", f"{parts.scheme}://{written}{port}"
            )
        raise ImproperlyConfigured(
            f"The environment variable {name} must be a server's URL, its scheme, host "
            f"and port only, like https://s3.example.com (the bucket is named on its "
            f"own), got {said}.{hint}"
        )
    return value


_HOST_NAME = re.compile(
    r"((?!-)[a-z0-9-]{1,63}(?<!-)\.)*(?!-)[a-z0-9-]{1,63}(?<!-)\.?", re.IGNORECASE | re.ASCII
)


def is_host(host: str) -> bool:
    """A host name (RFC 1123: dot-separated labels of 1 to 63 ASCII letters, digits and
    inner hyphens, 255 characters at most) or an IPv6 address, as urlsplit gives it."""
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    return len(host) <= 255 and _HOST_NAME.fullmatch(host) is not None


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


def url_scheme(url: str) -> str | None:
    """The scheme of `url` as written (before "://"), or None when it has none that looks
    like one. For error messages, which must show no more of a URL: it may carry a
    password."""
    scheme, found, _ = url.partition("://")
    return scheme if found and _SCHEME.fullmatch(scheme) else None


def _quoted(value: str) -> bool:
    """Quotes around a value: pasted from a .env file or a shell line."""
    return len(value) > 1 and value[0] == value[-1] and value[0] in "\"'"


# What botocore accepts as a bucket name (botocore.handlers.VALID_BUCKET, pinned by
# tests/media/test_settings.py): anything else fails every S3 call and image URL.
BUCKET_NAME = re.compile(r"^[a-zA-Z0-9.\-_]{1,255}$")


def bucket_name(name: str) -> str:
    """An S3 bucket's name alone, or "" when unset or blank."""
    value = os.environ.get(name, "").strip()
    if value and not BUCKET_NAME.match(value):
        raise ImproperlyConfigured(
            f"The environment variable {name} must be a bucket's name alone, like "
            f"shop-media (letters, digits, '.', '-', '_'; no scheme, slash or quotes), "
            f"got {shown(value)}."
        )
    return value


# A region's name as botocore takes it, a host label: its own rule
# (botocore.utils.validate_region_name), kept here because importing botocore was
# a seventh of every process's start, the release phase's and each command's
# (tests/media/test_settings.py holds the two rules together).
REGION_NAME = re.compile(r"^(?![0-9]+$)(?!-)[a-zA-Z0-9-]{,63}(?<!-)$")
# An AWS region's name: eu-west-1, us-gov-west-1, eusc-de-east-1.
AWS_REGION = re.compile(r"[a-z]{2,4}(-[a-z]+)+-[0-9]+")
# Regions of the AWS partitions whose hosts are not under amazonaws.com (China's
# amazonaws.com.cn, the European Sovereign Cloud's amazonaws.eu, the isolated
# ones'): the site's image URLs and its CSP name amazonaws.com hosts.
OTHER_PARTITIONS = ("cn-", "eusc-", "us-iso", "eu-isoe-")


def region_name(name: str, *, on_aws: bool = False) -> str | None:
    """An S3 region's name as botocore accepts it (a host label), or None when unset or blank.

    botocore refuses any other value on every call, so every image URL would fail.
    `on_aws` (no endpoint URL: Amazon's own S3): an AWS region's name, lowercase.
    botocore takes any host label, and S3 refuses URLs signed for a region it does
    not have (`EU-WEST-1`, `eu-west-l`), which start-up would not notice.
    """
    value = os.environ.get(name, "").strip() or None
    if value is not None and not REGION_NAME.match(value):
        raise ImproperlyConfigured(
            f"The environment variable {name} must be a region's name alone, like "
            f"eu-west-1 (no URL, spaces or quotes), got {shown(value)}."
        )
    if on_aws and value is not None and not AWS_REGION.fullmatch(value):
        raise ImproperlyConfigured(
            f"The environment variable {name} must be an AWS region's name, lowercase, "
            f"like eu-west-1 (the bucket's, in the S3 console), got {shown(value)}. Another "
            "S3-compatible service's region goes with its AWS_S3_ENDPOINT_URL."
        )
    if on_aws and value is not None and value.startswith(OTHER_PARTITIONS):
        raise ImproperlyConfigured(
            f"The region {shown(value)} ({name}) is in an AWS partition whose S3 hosts are not "
            "under amazonaws.com: set AWS_S3_ENDPOINT_URL to its S3 endpoint too (for "
            f"cn-north-1, https://s3.cn-north-1.amazonaws.com.cn)."
        )
    return value


# What boto3 reads from the environment by itself when the settings pass no
# endpoint or region (botocore's configprovider), in its order. The settings read
# them here the same way and pass the value on, so it is checked like the app's
# own variable and the Content-Security-Policy lists its hosts: botocore used them
# behind both, and every image was blocked.
BOTO3_ENDPOINTS = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
BOTO3_REGION = "AWS_DEFAULT_REGION"
# Switches that move every URL to a host of their own (s3.dualstack..., s3-fips...),
# and profiles, whose config file may move them anywhere (a dyno has none).
BOTO3_HOST_SWITCHES = ("AWS_USE_DUALSTACK_ENDPOINT", "AWS_USE_FIPS_ENDPOINT")
BOTO3_PROFILES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")


def boto3_endpoint_url() -> str | None:
    """The S3 endpoint boto3 would read from BOTO3_ENDPOINTS, checked as `http_url`
    checks AWS_S3_ENDPOINT_URL; None when unset, or ignored as botocore ignores them."""
    if _boto3_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        return None
    for name in BOTO3_ENDPOINTS:
        _refuse_blank(name, empty_is_unset=True)  # boto3 passes an empty one over
    return next(filter(None, map(http_url, BOTO3_ENDPOINTS)), None)


def boto3_region(*, on_aws: bool) -> str | None:
    """The region boto3 would read from BOTO3_REGION, checked as `region_name` checks
    AWS_S3_REGION_NAME; None when unset."""
    _refuse_blank(BOTO3_REGION)
    return region_name(BOTO3_REGION, on_aws=on_aws)


def refuse_boto3_host_switches(*, on_aws: bool, production: bool) -> None:
    """ImproperlyConfigured for what would make boto3 sign URLs for hosts the
    Content-Security-Policy does not list (on AWS: an endpoint given outright
    makes boto3 pass the switches over), and, in production, for a profile."""
    for name in BOTO3_HOST_SWITCHES if on_aws else ():
        if _boto3_true(name):
            raise ImproperlyConfigured(
                f"The environment variable {name} moves every S3 URL to a host of its own, "
                "which the Content-Security-Policy does not list: unset it, and name that "
                "endpoint in AWS_S3_ENDPOINT_URL instead."
            )
    for name in BOTO3_PROFILES if production else ():
        if name in os.environ:  # blank too: boto3 looks for a profile named ""
            raise ImproperlyConfigured(
                f"The environment variable {name} names a profile of an AWS config file, "
                "which a dyno does not have: unset it. The app signs with AWS_ACCESS_KEY_ID "
                "and AWS_SECRET_ACCESS_KEY."
            )


# What django-storages signs with before the app's keys, or beside them: the first
# of AWS_S3_ACCESS_KEY_ID and AWS_ACCESS_KEY_ID (the secret likewise), a session
# token, a profile. Each that is set and not empty is used as it is.
STORAGES_CREDENTIALS = (
    "AWS_S3_ACCESS_KEY_ID",
    "AWS_S3_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_S3_SESSION_PROFILE",
)


def refuse_other_credentials() -> None:
    """ImproperlyConfigured for any of STORAGES_CREDENTIALS set and not empty (as
    django-storages reads them): read behind the checks of the app's two keys,
    a space in one made every S3 call refused, and a profile stopped the release
    with a traceback. The value is not shown."""
    for name in STORAGES_CREDENTIALS:
        if os.environ.get(name):
            raise ImproperlyConfigured(
                f"The environment variable {name} is read by django-storages before or "
                "beside AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, past their checks: "
                "unset it. The app signs with those two keys alone."
            )


def refuse_script_name() -> None:
    """ImproperlyConfigured for a SCRIPT_NAME variable that is not empty: gunicorn
    reads it on every request as the path the site lives under. With `/shop`,
    every request (`/healthz` too) was gunicorn's own bare error page; with `/`,
    every page but the home page a 404. Heroku's router sets none."""
    value = os.environ.get("SCRIPT_NAME", "")
    if value:
        raise ImproperlyConfigured(
            f"The environment variable SCRIPT_NAME is set ({shown(value)}): gunicorn would "
            "serve the site under that path and refuse every other, while the app is "
            "served at the domain's root. Unset it."
        )


def _refuse_blank(name: str, *, empty_is_unset: bool = False) -> None:
    """ImproperlyConfigured for a boto3 variable set but blank: the app reads it as
    unset, boto3 uses it as it is (a region "", an endpoint " "), on every URL.
    `empty_is_unset`: boto3 passes an empty one over, and only spaces count."""
    value = os.environ.get(name)
    if value is not None and not value.strip() and (value or not empty_is_unset):
        raise ImproperlyConfigured(
            f"The environment variable {name} is set but blank, and boto3 would use it as "
            "it is: unset it."
        )


def _boto3_true(name: str) -> bool:
    # botocore's ensure_boolean: "true" in any case, nothing else.
    return os.environ.get(name, "").lower() == "true"


def as_list(name: str, default: list[str]) -> list[str]:
    """Comma-separated values; unset or blank gives the default."""
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or list(default)


# What Django's ALLOWED_HOSTS matches a request's host against: a host name or an
# IPv4 address, with a leading dot for the name and every subdomain; an IPv6
# address in brackets (as Django's host_validation_re reads one: a colon inside);
# or "*", every host. ASCII only: without it the case-blind match took the long s
# (U+017F) for an s, and no request's host holds one.
_LABEL = r"[a-z0-9-]+"
HOST_PATTERN = re.compile(
    rf"\*|\.?(?:{_LABEL}\.)*{_LABEL}|\[[0-9a-f]*:[0-9a-f.:]+\]", re.IGNORECASE | re.ASCII
)


def host_names(name: str, default: list[str], *, every_host: bool = False) -> list[str]:
    """`as_list`, each value a pattern Django's ALLOWED_HOSTS can match a host with.

    A URL (`https://shop.example.com`), a port, a `*.example.com` wildcard or a
    space-separated list matches no request: every page would answer 400, with
    nothing in the logs but the status. Such a value stops start-up instead.

    `*` (every host) and a whole top-level domain (`.com`, every host anyone may
    register under it) only with `every_host` (development): the password reset
    mail links to the host the request named, so behind anything that forwards
    any Host the one asking for a reset chose where the link in a member's mail led.
    """
    hosts = as_list(name, default)
    for host in hosts:
        anyones = host == "*" or (host.startswith(".") and "." not in host[1:])
        if anyones and not every_host:
            raise ImproperlyConfigured(
                f"The environment variable {name} has {shown(host)}, which allows hosts "
                "anyone may name or register: password reset mails link to the host a "
                "request names. Name the hosts instead (.herokuapp.com,www.example.com)."
            )
        if not HOST_PATTERN.fullmatch(host):
            raise ImproperlyConfigured(
                f"The environment variable {name} has {shown(host)}, which no request's host "
                "can match: give host names only, separated by commas "
                "(myapp.herokuapp.com,www.example.com), with a leading dot to allow "
                "every subdomain (.example.com); no scheme, path, port, space or '*.'."
                + ascii_form_said(host, "as browsers send it")
            )
    return hosts


def ascii_form(host: str) -> str | None:
    """A host name in another script (bücher.de, .bücher.de) in its ASCII form
    (xn--bcher-kva.de), which requests and DNS carry; None for an ASCII one, or one
    IDNA would write as another name (a long s is an s to it)."""
    dot, domain = (".", host[1:]) if host.startswith(".") else ("", host)
    if host.isascii() or not sent_as_itself(domain):
        return None
    written = dot + domain.encode("idna").decode("ascii")
    return written if HOST_PATTERN.fullmatch(written) else None


def ascii_form_said(host: str, why: str, ascii_url: str | None = None) -> str:
    """The sentence that ends a refusal of `host` with its ASCII form, or nothing."""
    written = ascii_form(host)
    if written is None:
        return ""
    return f" A name in another script goes in its ASCII form, {why}: {ascii_url or written}"


# A decimal in ASCII digits: float() also reads other scripts' digits, underscores,
# exponents and signs, as the whole-number readers here do not.
DECIMAL = re.compile(r"[0-9]+\.?[0-9]*|\.[0-9]+")


def fraction(name: str, default: float) -> float:
    """A number from 0 to 1 (a sample rate) written as a decimal in ASCII digits; unset
    or blank gives the default."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    number = float(value) if DECIMAL.fullmatch(value) else -1.0
    if not 0.0 <= number <= 1.0:
        raise ImproperlyConfigured(
            f"The environment variable {name} must be a number from 0 to 1, got {shown(value)}."
        )
    return number


def whole_number(name: str, default: int, *, maximum: int, why: str) -> int:
    """A whole number from 0 to `maximum`; unset or blank gives the default."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    # Its length first: int() refuses more than 4,300 digits with an error of its own.
    digits = value.lstrip("0") or "0"
    if (
        not value.isascii()
        or not value.isdigit()
        or len(digits) > len(str(maximum))
        or int(digits) > maximum
    ):
        raise ImproperlyConfigured(
            f"The environment variable {name} must be a whole number from 0 to "
            f"{maximum} ({why}), got {shown(value)}."
        )
    return int(digits)


def shown(value: str) -> str:
    """`value` for an error message: its first 40 characters, should it be longer (a
    file pasted into a config var made a message, the release phase's one line, as long)."""
    return repr(value) if len(value) <= 40 else f"{value[:40]!r}... ({len(value)} characters)"


# Query options of libpq's and redis-py's that carry a secret or a login.
SECRET_OPTIONS = frozenset({"password", "sslpassword", "ssl_password", "user", "username"})


def gives_a_password(url: str) -> bool:
    """Whether the query of `url` may hold a password or a login: an option that gives
    one (an '&' in it, not percent-encoded, splits the rest off as an option whose
    name a message would show), or an '@' (a '?' in the password, not
    percent-encoded, ended the host part there: the rest of it is the query)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # a bracket left open: nothing of it is named
        return True
    names = {name.lower() for name in parse_qs(parts.query, keep_blank_values=True)}
    return bool(names & SECRET_OPTIONS) or "@" in parts.query or "@" in parts.fragment


# What a message says in place of a value or an option's name from a URL whose query
# may hold a password (`gives_a_password`).
NOT_SHOWN = "a value not shown (its query may hold a password)"


# Another program's message may quote a value, or its parts, more than once.
CLIPPED_LENGTH = 200


def clipped(text: str) -> str:
    """Another program's message (gunicorn's, libpq's, sentry-sdk's) for an error
    message: on one line, each run of more than 40 characters without a space cut to
    its first 40, as `shown` cuts a value, and the whole to CLIPPED_LENGTH."""
    text = re.sub(r"\S{41,}", lambda run: f"{run[0][:40]}...", " ".join(text.split()))
    return text if len(text) <= CLIPPED_LENGTH else f"{text[:CLIPPED_LENGTH]}..."


def libpq_said(text: str, url: str) -> str:
    """libpq's message on connecting to `url` (DATABASE_URL), for an error message:
    `clipped`, or, where the URL's query may hold a password (`gives_a_password`),
    not shown at all: libpq quotes the option values it refuses, and an '&' in a
    ?password= splits its rest off as an option."""
    if gives_a_password(url):
        return "libpq's words not shown (DATABASE_URL's query may hold a password)"
    return clipped(text)


# gunicorn's workers when WEB_CONCURRENCY is unset (Heroku's buildpack sets it
# for the dyno size: 2 on a 512 MB dyno, 33 on the largest, 16 cores x 2 + 1).
WEB_WORKERS = 2
# gunicorn forks as many as it is told, each worker holding up to 5 database
# connections: past this, a typo rather than a dyno's size.
MAX_WEB_WORKERS = 64


def web_workers() -> int:
    """WEB_CONCURRENCY as gunicorn reads it (int(), which takes spaces around it),
    1 to MAX_WEB_WORKERS; unset gives WEB_WORKERS. The settings read it too, so the release
    phase stops on a value the web line cannot run with: gunicorn reads it before
    the web line's config file, with a traceback, and 0 runs no worker."""
    value = os.environ.get("WEB_CONCURRENCY")
    if value is None:
        return WEB_WORKERS
    try:
        workers = int(value)
    except ValueError:
        workers = 0
    if not 1 <= workers <= MAX_WEB_WORKERS:
        raise ImproperlyConfigured(
            "The environment variable WEB_CONCURRENCY must be a whole number of gunicorn "
            f"workers, 1 or more and at most {MAX_WEB_WORKERS} (2 on a 512 MB dyno; each "
            f"worker holds up to 5 database connections), got {shown(value)}."
        )
    return workers


# The most threads a gunicorn worker may run (config/gunicorn.py runs 5): each
# keeps its own database connection, so past this, a typo rather than a choice.
MAX_WEB_THREADS = 32
# Where the web line listens when PORT is unset or blank (Heroku always sets it).
DEFAULT_WEB_PORT = 8000


def port_number(text: str) -> int | None:
    """`text` (stripped) as a port, 1 to 65535 in ASCII digits, or None: int() also
    takes 8_000, +8000 and other scripts' digits, and refuses more than 4,300 digits
    with an error of its own. The web line's PORT and the demo's read it so."""
    digits = text.lstrip("0") or "0"
    if not (text.isascii() and text.isdigit()) or len(digits) > 5:
        return None
    return int(digits) if 1 <= int(digits) <= 65535 else None


def web_port() -> int:
    """PORT as the web line binds it (`port_number`); unset or blank gives
    DEFAULT_WEB_PORT. gunicorn answered 99999 with a traceback and bound 0 to a port
    of its own choosing."""
    value = os.environ.get("PORT", "").strip()
    if not value:
        return DEFAULT_WEB_PORT
    port = port_number(value)
    if port is None:
        raise ImproperlyConfigured(
            "The environment variable PORT must be a whole number from 1 to 65535, got "
            f"{shown(value)} (Heroku sets it for each web dyno)."
        )
    return port


# What GUNICORN_CMD_ARGS may set: the tuning of the web line config/gunicorn.py
# starts (gunicorn's setting names, each checked below where a value breaks it).
# gunicorn has over a hundred options, and its parser takes values of most of them
# that leave the dyno without a web line, or one that answers nothing: any other
# option stops start-up, named. An app that needs another one adds it here.
GUNICORN_TUNING = frozenset(
    {
        # Workers: how many, of which class, and when they are recycled.
        "workers",
        "threads",
        "worker_class",
        "worker_connections",
        "max_requests",
        "max_requests_jitter",
        "timeout",
        "graceful_timeout",
        "keepalive",
        "backlog",
        "preload_app",
        # Requests: their limits, and whose X-Forwarded-* headers count.
        "limit_request_line",
        "limit_request_fields",
        "limit_request_field_size",
        "forwarded_allow_ips",
        # What it speaks, where it is what Heroku's router speaks.
        "protocol",
        "http_protocols",
        "http_parser",
        # Logging, to the output Heroku's log router reads, and StatsD.
        "loglevel",
        "accesslog",
        "errorlog",
        "capture_output",
        "statsd_host",
        "statsd_prefix",
        "dogstatsd_tags",
        "enable_backlog_metric",
        "proc_name",
        # Files and folders it opens as it boots.
        "worker_tmp_dir",
        "pidfile",
        # TLS to gunicorn itself, off Heroku (the browser tests' HTTPS site).
        "certfile",
        "keyfile",
        "ca_certs",
    }
)
# The web line's worker class (config/gunicorn.py), or a class of it, is the one
# GUNICORN_CMD_ARGS may name; and the connections a worker holds are at least
# gunicorn's default.
PROJECT_WORKER = "config.worker_signals.ThreadWorker"
GUNICORN_CONNECTIONS = 1000
# Why some options outside GUNICORN_TUNING are refused, said in their place of the
# general reason: each passes gunicorn's parser, and takes what the web line needs.
GUNICORN_OWNED = {
    "bind": "the web line binds Heroku's $PORT (config/gunicorn.py)",
    "raw_env": "variables set with --env reach the app past the release's checks: "
    "set each as a config var",
    "daemon": "the process Heroku watches would exit",
    "check_config": "gunicorn would check its settings and exit",
    "print_config": "gunicorn would print its settings and exit",
    "paste": "the web line serves config.wsgi, not an app a paste file names",
    "spew": "gunicorn would write every line it runs into the log",
    # The web line logs as config/gunicorn.py sets it (the access log without
    # addresses), to the output Heroku's log router reads.
    "logconfig": "the web line's logging is config/gunicorn.py's",
    "logconfig_json": "the web line's logging is config/gunicorn.py's",
    "syslog": "the web line logs to its output, which Heroku's log router reads",
    "access_log_format": "the access log's format is config/gunicorn.py's, with Heroku's "
    "request id: another could log cookies or credentials",
}
# Options gunicorn opens a file or folder for as it boots, and what it needs there.
GUNICORN_PATHS = {
    "worker_tmp_dir": "an existing folder it may write in",
    "certfile": "an existing file",
    "keyfile": "an existing file",
    "ca_certs": "an existing file",
    "pidfile": "a file in an existing folder it may write in",
}
# The least of each request limit that what browsers and Heroku's router send fits
# (its own bounds are 8 KB a line and a header): a page's link with its query, the
# router's eight headers besides a browser's, a session, a CSRF and a 2 KB messages
# cookie in one header. 0 is no limit.
GUNICORN_REQUEST_LIMITS = {
    "limit_request_line": 1024,
    "limit_request_fields": 32,
    "limit_request_field_size": 4096,
}
# What gunicorn speaks: Heroku's router sends HTTP/1.1, in plain text, to the dyno.
GUNICORN_PROTOCOL = {"protocol": "http", "http_protocols": ["h1"]}


def gunicorn_cmd_args() -> None:
    """ImproperlyConfigured for a GUNICORN_CMD_ARGS the web line cannot run with.

    gunicorn reads it after config/gunicorn.py, over its settings, with its own
    parser and validators: `--workers 0` started the master alone (what
    `web_workers` refuses WEB_CONCURRENCY=0 for), `--threads 0` failed every
    worker's boot, a value its parser or validators refused, or a worker class it
    cannot load, stopped the web line at once, and GUNICORN_OWNED options take
    what the web line needs, while the release passed; so did a file or folder
    gunicorn opens at boot that is not there, and request limits no browser's
    request fits (`_gunicorn_boot_refusal`). Options outside GUNICORN_TUNING are
    refused whatever their value, and so are words that are no option (the whole
    value quoted, a dash other than "-"): gunicorn drops them unread. Read here the
    way gunicorn reads it; nothing it would print reaches the terminal."""
    value = os.environ.get("GUNICORN_CMD_ARGS")
    if value is None:
        return
    from gunicorn.config import Config  # only where the variable is set

    config = Config()
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said), contextlib.redirect_stdout(said):
            parsed = config.parser().parse_args(shlex.split(value))
        given = {name: got for name, got in vars(parsed).items() if got is not None}
        for name, got in given.items():
            if name != "args":
                config.set(name.lower(), got)
        config.worker_class  # noqa: B018 (imports the class, as the web line would)
        config.logger_class  # noqa: B018 (and its logger's)
    except SystemExit as stop:  # argparse: a usage error, or --help / --version
        lines = said.getvalue().strip().splitlines()
        reason = lines[-1] if stop.code and lines else "it makes gunicorn print and exit"
    except Exception as error:  # shlex's, a validator's (ConfigError), an import's
        # Its first line: a worker class gunicorn cannot import adds the traceback.
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
    else:
        untuned = [name for name in given if name != "args" and name not in GUNICORN_TUNING]
        if given.get("args"):
            # gunicorn takes them for the app to serve, and drops them unread.
            reason = (
                f"{shown(given['args'][0])} is no option (gunicorn would drop it without a "
                "word): give options as --name value, without quotes around the whole"
            )
        elif untuned:
            reason = GUNICORN_OWNED.get(untuned[0]) or (
                f"{_flag(untuned[0])} is not one of the options it may tune "
                "(GUNICORN_TUNING in config/env.py): the rest of the web line is "
                "config/gunicorn.py's"
            )
        elif reason := _gunicorn_boot_refusal(config, given):
            pass
        elif config.workers < 1 or config.threads < 1:
            reason = "it runs no worker (--workers and --threads must be 1 or more)"
        elif config.worker_connections < GUNICORN_CONNECTIONS:
            reason = (
                f"--worker-connections may raise gunicorn's {GUNICORN_CONNECTIONS}, not "
                "lower it: each connection open without a request holds one for up to "
                "the 95 s keep-alive, and a worker with none left answers no one"
            )
        elif config.workers > MAX_WEB_WORKERS:
            reason = f"at most {MAX_WEB_WORKERS} workers, as WEB_CONCURRENCY takes"
        elif config.threads > MAX_WEB_THREADS:
            reason = (
                f"at most {MAX_WEB_THREADS} threads a worker (each keeps a database connection)"
            )
        else:
            return
    raise ImproperlyConfigured(
        f"The environment variable GUNICORN_CMD_ARGS is one the web line cannot run "
        f"with: {clipped(reason)}."
    )


def _gunicorn_boot_refusal(config, given: dict) -> str | None:
    """What in `given` (GUNICORN_CMD_ARGS, as gunicorn's `config` took it) stops the web
    line as it boots, or leaves it up refusing every request: None if nothing does."""
    for name in ("accesslog", "errorlog"):
        if given.get(name) not in (None, "-"):
            return (
                f"--{name.removesuffix('log')}-logfile writes to a file on the dyno, lost "
                "with it: the web line logs to its output ('-'), which Heroku's log router reads"
            )
    for name, speaks in GUNICORN_PROTOCOL.items():
        if name in given and getattr(config, name) != speaks:
            return f"Heroku's router speaks HTTP/1.1 to the dyno, not {shown(given[name])}"
    if config.http_parser not in ("auto", "python"):
        return "gunicorn's own HTTP parser only (the faster one is a package this app lacks)"
    if getattr(config.worker_class, "__module__", "").endswith("gasgi"):
        return "the web line serves WSGI (config.wsgi), not ASGI"
    classes = getattr(config.worker_class, "__mro__", ())
    if "worker_class" in given and PROJECT_WORKER not in {
        f"{kind.__module__}.{kind.__qualname__}" for kind in classes
    }:
        # A class that loads and is no worker: the master died at its first spawn,
        # or kept restarting workers that exited at once. gunicorn's own: a sync
        # worker waits on each connection until its request comes, and gthread
        # gave each 5 s of a thread, so a few connections sending nothing held them
        # all (config/worker_signals.py).
        return (
            f"the web line's worker is {PROJECT_WORKER} or a class of it (named "
            "module.Class): gunicorn's own "
            "wait in a thread on connections that send nothing, and lose signals sent "
            "as they boot"
        )
    for name, needs in GUNICORN_PATHS.items():
        path = given.get(name)
        if not path:
            continue
        if needs.startswith("an existing folder"):
            found = _may_write_in(path)
        elif needs.startswith("a file in"):
            if reason := _not_a_pid_file(path):
                return f"{name} names {reason}: {shown(path)}"
            found = _may_write_in(os.path.dirname(os.path.abspath(path)))
        else:
            found = os.path.isfile(path)
        if not found:
            return f"{name} needs {needs}: {shown(path)}"
    if reason := _tls_refusal(config, given):
        return reason
    for name, least in GUNICORN_REQUEST_LIMITS.items():
        if 0 < getattr(config, name) < least:
            return (
                f"{name} below {least} refuses requests browsers and Heroku's router send "
                "(0 is no limit)"
            )
    return None


def _flag(name: str) -> str:
    """The command-line option of gunicorn's setting `name`, as GUNICORN_CMD_ARGS gives it."""
    from gunicorn.config import KNOWN_SETTINGS

    return next(setting.cli[-1] for setting in KNOWN_SETTINGS if setting.name == name)


def _not_a_pid_file(path: str) -> str | None:
    """Why gunicorn may not take `path` for its pid file, or None: it dies on a folder,
    writes over a file, then deletes it as it exits (an app's own file gone), and
    will not start beside a process the file names. A pid file a web line left when
    it did not stop, whose process is gone, is taken, as gunicorn takes it."""
    if os.path.isdir(path):
        return "an existing folder"
    if path.endswith("/"):
        return "a folder's path, where gunicorn makes a file"
    if not os.path.exists(path):
        return None
    if not os.path.isfile(path):  # a FIFO would hang the release as it is read
        return "something other than a file"
    try:
        with open(path, "rb") as file:
            held = file.read(32)
    except OSError:
        return "a file it cannot read"
    if re.fullmatch(rb"\d{1,10}\s*", held) is None:
        return "a file that is not a pid file, which gunicorn would write over and delete"
    pid = int(held)
    try:
        if pid > 0:
            os.kill(pid, 0)  # as gunicorn asks whether the pid it names still runs
    except ProcessLookupError:
        return None  # stale: gunicorn writes over it
    except OSError:
        pass  # another user's process runs under that pid
    return "a running process's pid file (gunicorn would not start beside it)"


def _may_write_in(folder: str) -> bool:
    """Whether a file can be made in `folder`, as gunicorn makes its workers' and its
    pid file's (a file made and removed: permissions alone pass /proc for root)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _tls_refusal(config, given: dict) -> str | None:
    """Why gunicorn cannot serve TLS with the certificate and key given, or None.

    On a dyno (DYNO set, the release's too) it may not serve TLS at all: Heroku's
    router speaks plain HTTP to it, and ends TLS itself. Off Heroku (the browser
    tests' HTTPS site) the pair must load: a key without its certificate, or a
    file that is none, answered every request with an error."""
    if not (given.get("certfile") or given.get("keyfile")):
        return None
    if os.environ.get("DYNO"):
        return "Heroku's router speaks plain HTTP to the dyno and ends TLS itself"
    if not config.certfile:
        return "a key needs its certificate (--certfile)"
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
            config.certfile, config.keyfile or None
        )
    except (OSError, ssl.SSLError):  # ssl.SSLError is an OSError too
        return "certfile and keyfile are no certificate and key that load together"
    return None


# Heroku's names for the commit a dyno runs (HEROKU_BUILD_COMMIT with the
# runtime-dyno-build-metadata lab, HEROKU_SLUG_COMMIT with the older
# runtime-dyno-metadata lab) and for the one being built (SOURCE_VERSION).
# config/static_versioning keeps its own copy, to stand alone.
COMMIT_VARIABLES = ("HEROKU_BUILD_COMMIT", "HEROKU_SLUG_COMMIT", "SOURCE_VERSION")


def deployed_commit() -> str | None:
    """The commit this process runs, from the first of COMMIT_VARIABLES that is set."""
    return next((os.environ[name] for name in COMMIT_VARIABLES if os.environ.get(name)), None)


# A path segment as written in a URL, unencoded: letters, digits and - . _ ~.
_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")


def url_path(name: str, default: str) -> str:
    """A path below the site's root, like `backstage/` or `staff/admin/`, ending in "/";
    unset, blank or "/" gives the default (an empty path would put it on top of the site).

    Quotes, a scheme and host, spaces, `%` or `#` would give a path nobody can reach,
    or one Django cannot reverse (every page under it a 500).
    """
    value = os.environ.get(name, "").strip().strip("/")
    if not value:
        return default
    segments = value.split("/")
    if any(not _SEGMENT.fullmatch(part) or part in (".", "..") for part in segments):
        raise ImproperlyConfigured(
            f"The environment variable {name} must be a path like backstage/ (letters, "
            f"digits, - . _ ~ and /; no scheme, host, spaces or quotes), got "
            f"{shown(os.environ[name])}."
        )
    return value + "/"


def mail_host(name: str, default: str) -> str:
    """An SMTP server's host name alone; unset or blank gives the default.

    A scheme, a port (EMAIL_PORT is 587) or quotes would make every mail fail to
    send, and the failures are only logged: the visitor is told the mail left.
    """
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    # smtplib takes an IPv6 address bare (::1), not in brackets; a resolver takes a
    # service name with underscores (mail_relay); a name in another script goes as
    # its IDNA (xn--) form, the same name (`sent_as_itself`).
    if value.isascii():
        written = value
    elif sent_as_itself(value):
        written = value.encode("idna").decode("ascii")
    else:
        written = ""  # another host than the one typed
    # TLS checks the server's certificate against the name as typed: a final dot
    # fails it. A resolver reads a name of digits and dots (or 0x7f000001) as an
    # IPv4 address, 1.2.3 as 1.2.0.3, and no top-level domain is digits alone.
    numeric = written.rpartition(".")[2].isdigit() or read_as_ipv4(written)
    if (
        not is_host(written.replace("_", "-"))
        or written.endswith(".")
        or (numeric and not is_ipv4(written))
    ):
        # Not shown: a login or an API key pasted there (smtp://apikey:password@host,
        # host:password, Brevo's xkeysib-...) may be all or part of it.
        raise ImproperlyConfigured(
            f"The environment variable {name} must be a mail server's host name alone, like "
            f"smtp.example.com (no scheme, port, login, quotes or final dot: the port is "
            f"587), or an IPv4 address written in full; its value is not shown (a login "
            f"or an API key pasted there would be)."
        )
    return value


def read_as_ipv4(host: str) -> bool:
    """Whether a resolver reads `host` as an IPv4 address (127.1, 0x7f000001, 0x0)."""
    try:
        socket.inet_aton(host)
    except OSError:
        return False
    return True


def is_ipv4(host: str) -> bool:
    """An IPv4 address in its four decimal parts (192.0.2.25)."""
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def mail_login(name: str, default: str = "") -> str:
    """The SMTP login, spaces around it dropped; unset gives the default.

    Quotes around it (pasted from a .env line) would be sent as part of it: every
    mail refused by the server, only logged, the visitor told it left. (A password
    may begin and end with a quote of its own: it is taken as it is.)
    """
    value = os.environ.get(name, "").strip()
    if _quoted(value):
        raise ImproperlyConfigured(
            f"The environment variable {name} has quotes around it, which would be sent as "
            "part of it: set it again without them."
        )
    _refuse_outside_ascii(name, value)
    return value or default


def mail_password(name: str, default: str = "") -> str:
    """The SMTP password, spaces around it dropped, quotes kept; unset gives the default."""
    value = os.environ.get(name, "").strip()
    _refuse_outside_ascii(name, value)
    return value or default


def _refuse_outside_ascii(name: str, value: str) -> None:
    """smtplib sends the login and the password in ASCII: any other character fails
    every mail (only logged, the visitor told it left). The value is not shown."""
    if not value.isascii():
        raise ImproperlyConfigured(
            f"The environment variable {name} has characters outside ASCII, which smtplib "
            "cannot send: every mail would fail. Check it for a pasted non-breaking space "
            "or a letter that only looks like an ASCII one."
        )


def mail_address(name: str, default: str) -> str:
    """A sender address (`noreply@example.com` or `Shop <noreply@example.com>`); unset
    or blank gives the default. One Django cannot send from fails every mail."""
    import email.errors
    import email.policy
    from email.utils import parseaddr

    from django.core.mail.message import sanitize_address
    from django.core.validators import validate_email

    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        address = parseaddr(value)[1]
        local, _, domain = address.rpartition("@")
        # Mail carries the address as sanitize_address writes it: a local part it
        # changes (ä@b.c to =?utf-8?b?w6Q=?=@b.c, "a b"@c.d) is not the sender set
        # here, nor a domain it sends to another one.
        sent = parseaddr(sanitize_address(value, "utf-8"))[1].rpartition("@")[0]
        usable = bool(local) and sent == local and sent_as_itself(domain) and not _quoted(value)
        # parseaddr reads leniently: a quote or a bracket left open went out as a
        # From: header holding no address. The header as RFC 5322 reads it, then,
        # with its obsolete syntax (a period in an unquoted name: "J. Smith <...>").
        header = email.policy.default.header_factory("From", value)
        invalid = [
            d for d in header.defects if not isinstance(d, email.errors.ObsoleteHeaderDefect)
        ]
        usable = usable and not invalid and len(header.addresses) == 1
        # The address as written, in today's syntax: no "no . reply@x.com" or "@route:".
        written = value.rpartition("<")[2].partition(">")[0] if "<" in value else value
        usable = usable and not email.policy.default.header_factory("From", written).defects
        validate_email(header.addresses[0].addr_spec if usable else "")
    except Exception:  # ValueError, ValidationError; the parsers' own: TypeError for
        usable = False  # "<>", AttributeError for ".NET Team <...>", IndexError for '"'.
    if not usable:
        raise ImproperlyConfigured(
            f"The environment variable {name} must be an e-mail address, like "
            f"noreply@example.com or Shop <noreply@example.com> (a name with a comma in "
            f'double quotes: "Shop, Inc" <noreply@example.com>; in .env, the whole value '
            f"in single quotes too: {name}='\"Shop, Inc\" <noreply@example.com>'), "
            f"got {shown(value)}."
        )
    return value


# GeoDjango's postgis:// is PostgreSQL too, but its backend needs GDAL, which this
# app neither installs nor uses: the release phase failed with its traceback.
def sent_as_itself(domain: str) -> bool:
    """Whether Django's mail goes to `domain` itself, as the IDNA codec writes it in ASCII.

    The codec follows IDNA 2003, which maps some characters to others: `faß.de` is
    written `fass.de`, another registered domain; full-width letters become plain
    ones and a soft hyphen or a joiner is dropped. A domain typed in ASCII (an
    A-label `xn--...` included) is written as it is, and `bücher.de` as its A-label,
    the same domain. Case is no part of a domain."""
    if domain.isascii():
        return True
    try:
        written = domain.encode("idna").decode("ascii")
        # Composed as the codec gives it back: ü typed as u and a combining mark
        # (NFD) is the same name as ü.
        typed = unicodedata.normalize("NFC", domain).lower()
        same = written.encode("ascii").decode("idna").lower() == typed
    except UnicodeError:
        return False
    # NFC also turns a few characters into others: the Greek question mark into ";".
    return same and is_host(written)


POSTGRES_ENGINES = ("django.db.backends.postgresql",)

# Seconds a connection may wait for the database (libpq's connect_timeout): with the
# statement timeout's 25, inside the 30 s Heroku's router waits (config/settings.py).
CONNECT_TIMEOUT = 5


URL_PARTS_HINT = (
    "its port must be a number from 1 to 65535, and / # ? @ in the password must be "
    "percent-encoded (%2F %23 %3F %40)."
)


def is_utf8(text: str) -> bool:
    """Whether `text` is UTF-8: Python reads a byte of the environment or the command
    line that is not as a lone surrogate, which psycopg2, the hashers and the
    terminal refuse with a traceback."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


# libpq's sslmode values, which it compares as written.
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def _whole_seconds(timeout: str) -> bool:
    """Whether `timeout` is a connect_timeout the settings take: 1 to CONNECT_TIMEOUT."""
    return re.fullmatch(r"[0-9]+", timeout) is not None and 1 <= int(timeout) <= CONNECT_TIMEOUT


def libpq_environment() -> None:
    """Stop start-up naming a PG* variable (libpq reads them: PGOPTIONS, PGTZ,
    PGSERVICE...) whose value has a byte that is not UTF-8. libpq's error naming
    such a value could not be decoded: a traceback in every command, and a 500 on
    every page, /healthz too, where a database that does not answer is the 503 page.
    The value is not shown: PGPASSWORD is one of them."""
    for name, value in sorted(os.environ.items()):
        if name.startswith("PG") and not is_utf8(value):
            raise ImproperlyConfigured(
                f"{name} holds a byte that is not UTF-8, and libpq reads it: set it "
                "again or unset it."
            )


def database(url: str, *, development: bool = False, **options) -> dict:
    """`dj_database_url.parse(url, **options)` for a PostgreSQL URL naming a database,
    or stop start-up naming DATABASE_URL. Messages leave the URL out: it carries the
    password. Hosts, hostaddr and port lists must pair as libpq pairs them, and outside
    `development` every server needs a host, a socket folder, an address or a libpq
    service (or PGHOST and the like, for a URL with no host at all): libpq tries its
    own default socket for a blank one, which no dyno has."""
    import dj_database_url

    example = "like postgres://user:password@host:5432/name"
    if not is_utf8(url):  # psycopg2's traceback
        raise ImproperlyConfigured(
            "DATABASE_URL holds a byte that is not UTF-8: set it again, with any byte of its "
            "password or name that is not ASCII percent-encoded (%FF)."
        )
    netloc_hosts = url.strip().partition("://")[2].partition("/")[0].rpartition("@")[2]
    if "," in netloc_hosts and "[" in netloc_hosts:  # Django reads one bracketed host alone
        raise ImproperlyConfigured(
            "DATABASE_URL lists hosts before its path with an IPv6 address among them, of "
            "which Django would take one: list them in ?host=a,b (and their ports in "
            "?port=), as libpq reads them."
        )
    try:
        config = dj_database_url.parse(url, **options)
    except dj_database_url.UnknownSchemeError:
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a PostgreSQL URL, {example}; its start "
            f"{shown(url_scheme(url) or url[:1])} is not (quotes around it, or no scheme?)."
        ) from None
    except ValueError:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a URL {example}: {URL_PARTS_HINT}"
        ) from None
    parts = urlsplit(url.strip())
    # Port 0 was read as no port: libpq's default was used. A '#', or an '@' in the
    # path of a URL whose host part has none, is a # or / in the password, not
    # percent-encoded: a password starting with digits made the user the host and
    # those digits its port.
    if parts.port == 0 or "#" in url or ("@" in parts.path and "@" not in parts.netloc):
        raise ImproperlyConfigured(f"DATABASE_URL is not a URL {example}: {URL_PARTS_HINT}")
    if config["ENGINE"] not in POSTGRES_ENGINES:
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a PostgreSQL URL, {example}: this app runs on "
            f"PostgreSQL only, not {config['ENGINE'].rpartition('.')[2]}."
        )
    libpq = config.get("OPTIONS", {})
    # As libpq gets them: the URL's host and port, which Django passes over ?host=
    # and ?port=, or those (lists for a failover: a port for all hosts, or one each).
    hosts = _entries(config["HOST"]) or _entries(libpq.get("host"))
    ports = [str(config["PORT"])] if config["PORT"] else _entries(libpq.get("port"))
    addresses = _entries(libpq.get("hostaddr"))
    if not all(_port(port) for port in ports):
        raise ImproperlyConfigured(f"DATABASE_URL is not a URL {example}: {URL_PARTS_HINT}")
    # Where the URL names none, libpq reads PGHOST, PGPORT and PGHOSTADDR, each on its
    # own: read here as the URL's own are (a value refused there passed, and stopped
    # the release in libpq's words), and named where refused.
    said_hosts, said_ports, said_addresses = (
        "DATABASE_URL",
        "DATABASE_URL",
        "DATABASE_URL's hostaddr",
    )
    if not hosts and (hosts := _entries(os.environ.get("PGHOST"))):
        said_hosts = "PGHOST"
    if not ports and (ports := _entries(os.environ.get("PGPORT"))):
        said_ports = "PGPORT"
    if not addresses and (addresses := _entries(os.environ.get("PGHOSTADDR"))):
        said_addresses = "PGHOSTADDR"
    servers = max(len(hosts), len(addresses), 1)
    # libpq looks a name up as written, and DNS holds one in another script in its
    # ASCII form: the release stopped at "could not translate host name". So is a
    # name percent-encoded in PGHOST (the URL's own is decoded).
    for host in hosts:
        if not host.startswith("/") and (not host.isascii() or "%" in host):
            raise ImproperlyConfigured(
                f"{said_hosts} names the host {shown(host)}, which the database driver "
                "looks up as written: give a host name in ASCII, or a socket folder."
                + ascii_form_said(host, "as DNS holds it")
            )
    if not all(_port(port) for port in ports):
        raise ImproperlyConfigured(
            "PGPORT must be a port from 1 to 65535 in ASCII digits (or one for each host), "
            "as libpq reads it: set it again or unset it."
        )
    if len(ports) not in (0, 1, servers):
        raise ImproperlyConfigured(
            f"{said_ports} gives {len(ports)} ports for {servers} "
            f"host{'s' if servers != 1 else ''}: give one port for all, or one for each host."
        )
    if (hosts and addresses and len(hosts) != len(addresses)) or not all(
        _address(address) for address in addresses
    ):
        raise ImproperlyConfigured(
            f"{said_addresses} must be IP addresses in ASCII digits, one for each host "
            f"{said_hosts} names, as libpq reads it."
        )
    # An empty entry of a list is libpq's default socket, which no dyno has; with no
    # host at all, libpq may read one from a libpq service.
    blank = any(not _at(hosts, n) and not _at(addresses, n) for n in range(servers))
    elsewhere = not (hosts or addresses) and os.environ.get("PGSERVICE")
    if any(host != host.strip() for host in hosts) or (
        blank and not (development or libpq.get("service") or elsewhere)
    ):
        raise ImproperlyConfigured(
            f"{said_hosts} names no host, {example}: without one (or with a blank one, "
            "or spaces around it) the database driver looks for a server it cannot find."
        )
    # ssl_require puts sslmode=require over the URL's own and PGSSLMODE: keep a
    # stricter one they name (verify-full checks the server's certificate; require
    # only encrypts), and refuse one that asks for less, or that libpq does not know
    # (VERIFY-FULL, verify_full), each of which was put to require without a word.
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    if twice := sorted(name for name, values in query.items() if len(values) > 1):
        # dj-database-url hands libpq a list for each: it refused "['a', 'b']".
        said = "an option" if gives_a_password(url) else f"?{twice[0][:40]}="
        raise ImproperlyConfigured(f"DATABASE_URL gives {said} twice: give each option once.")
    where = "DATABASE_URL" if "sslmode" in query else "PGSSLMODE"
    asked = query["sslmode"][-1] if "sslmode" in query else os.environ.get("PGSSLMODE")
    if asked is not None and asked not in SSLMODES:
        raise ImproperlyConfigured(
            f"{where} asks for sslmode {shown(asked)}, which libpq does not know: give one "
            f"of {', '.join(SSLMODES)}, as written here."
        )
    roots = query["sslrootcert"][-1] if "sslrootcert" in query else os.environ.get("PGSSLROOTCERT")
    service = query["service"][-1] if "service" in query else os.environ.get("PGSERVICE")
    if roots == "system" and asked not in (None, "verify-full"):
        raise ImproperlyConfigured(
            f"{where} asks for sslmode={asked} with sslrootcert=system, which libpq "
            "refuses beside any sslmode but verify-full: leave sslmode out, or give "
            "verify-full."
        )
    if options.get("ssl_require") and asked in ("verify-ca", "verify-full"):
        config["OPTIONS"]["sslmode"] = asked
    elif options.get("ssl_require") and asked is None and roots == "system":
        # libpq checks the certificate against the system's roots, verify-full, for
        # sslrootcert=system without an sslmode, and refuses it beside require.
        config["OPTIONS"]["sslmode"] = "verify-full"
    elif options.get("ssl_require") and asked is None and service:
        # A service file may name its own sslmode, which require would override.
        raise ImproperlyConfigured(
            f"{'DATABASE_URL' if 'service' in query else 'PGSERVICE'} names the libpq "
            f"service {shown(service)}, whose file may give an sslmode the settings "
            "cannot read, and production requires TLS: give sslmode in DATABASE_URL "
            "(require, verify-ca or verify-full)."
        )
    if options.get("ssl_require") and asked in ("disable", "allow", "prefer"):
        raise ImproperlyConfigured(
            f"{where} asks for sslmode={asked}, and production requires TLS to "
            "PostgreSQL, as Heroku Postgres does: leave sslmode out, or give require, "
            "verify-ca or verify-full."
        )
    timeout = str(config.get("OPTIONS", {}).get("connect_timeout", CONNECT_TIMEOUT)).strip()
    bound = f"whole seconds from 1 to {CONNECT_TIMEOUT} (0 waits for ever, and longer "
    if not _whole_seconds(timeout):
        said = NOT_SHOWN if gives_a_password(url) else shown(timeout)
        raise ImproperlyConfigured(
            f"DATABASE_URL's connect_timeout must be {bound}outlasts Heroku's router), got "
            f"{said}; without it the settings use {CONNECT_TIMEOUT}."
        )
    # libpq reads PGCONNECT_TIMEOUT where the URL names none; the settings' own
    # would replace it, so it is read here, and bounded the same way.
    # Not in development: a developer's shell may keep one for other databases.
    pgconnect_timeout = "" if development else os.environ.get("PGCONNECT_TIMEOUT", "").strip()
    if pgconnect_timeout and "connect_timeout" not in config.get("OPTIONS", {}):
        if not _whole_seconds(pgconnect_timeout):
            raise ImproperlyConfigured(
                f"PGCONNECT_TIMEOUT must be {bound}outlasts Heroku's router), got "
                f"{shown(pgconnect_timeout)}: unset it for {CONNECT_TIMEOUT}."
            )
        config.setdefault("OPTIONS", {})["connect_timeout"] = pgconnect_timeout
    _refuse_unknown_options(url, config.get("OPTIONS", {}))
    if not config["NAME"] and not config.get("OPTIONS", {}).get("service"):
        raise ImproperlyConfigured(
            f"DATABASE_URL names no database: it must end in /name, {example}."
        )
    if config["NAME"] and config["NAME"].endswith("/"):
        raise ImproperlyConfigured(
            f"DATABASE_URL ends in a slash after the database's name: it must end in "
            f"/name, {example}."
        )
    if config["NAME"] and "/" in config["NAME"]:  # libpq would look for "app/extra"
        raise ImproperlyConfigured(
            f"DATABASE_URL must have one name after the host, /name, {example}; its path has more."
        )
    return config


# Options Django's PostgreSQL backend takes out of OPTIONS before libpq sees the
# rest. Two it takes only in a form: a level, one of psycopg2's numbers (1 to 4,
# which dj-database-url reads from the URL as a number); a pool, only with
# psycopg 3 (this app has psycopg2), so none.
DJANGO_OPTIONS = ("assume_role", "server_side_binding", "isolation_level", "pool")
ISOLATION_LEVELS = (1, 2, 3, 4)


def _refuse_unknown_options(url: str, options: dict) -> None:
    """Stop start-up on a query option of DATABASE_URL that would stop every
    connection: one libpq does not know (a typo), or one of Django's own in a form
    it refuses. Names only: values may hold a password."""
    if not urlsplit(url.strip()).query:
        return  # Heroku's URLs have none: no need to load the driver here
    level = options.get("isolation_level", 1)
    if isinstance(level, bool) or level not in ISOLATION_LEVELS:
        raise ImproperlyConfigured(
            "DATABASE_URL's ?isolation_level= must be one of psycopg2's numbers: 1 read "
            "committed, 2 repeatable read, 3 serializable, 4 read uncommitted (which "
            "PostgreSQL runs as read committed)."
        )
    if options.get("pool"):
        raise ImproperlyConfigured(
            "DATABASE_URL's ?pool= asks Django for a pool of connections, which needs "
            "psycopg 3: this app has psycopg2 and keeps its connections (CONN_MAX_AGE)."
        )
    from psycopg2 import ProgrammingError
    from psycopg2.extensions import make_dsn

    for name in options:
        if name in DJANGO_OPTIONS:
            continue
        try:
            make_dsn(**{name: "1"})  # libpq's own list of keywords
        except ProgrammingError:
            option = f"?{name[:40]}{'...' if len(name) > 40 else ''}="
            if gives_a_password(url):
                option = "an option (not named: its query may hold a password)"
            raise ImproperlyConfigured(
                f"DATABASE_URL's {option} is no option libpq knows, so every connection "
                "would fail: see PostgreSQL's list of connection parameters (libpq-connect, "
                "Parameter Key Words)."
            ) from None


def _entries(value) -> list[str]:
    """The entries of a libpq option that takes a comma-separated list (none: [])."""
    return [] if value is None or str(value) == "" else str(value).split(",")


def _at(entries: list[str], position: int) -> str:
    """The list's entry at `position`, or "" past its end (libpq's default there)."""
    return entries[position] if position < len(entries) else ""


def _address(text: str) -> bool:
    """An entry of libpq's hostaddr: an IP address, or empty (the host's name then).
    Not with an IPv6 zone (::1%lo), which Python reads and libpq does not."""
    try:
        return not text or ("%" not in text and bool(ipaddress.ip_address(text)))
    except ValueError:
        return False


def _port(text: str) -> bool:
    """A port as libpq takes it: 1 to 65535, or empty for its default."""
    text = text.strip()
    return not text or (re.fullmatch("[0-9]{1,5}", text) is not None and 1 <= int(text) <= 65535)


def database_needs_tls(url: str, *, development: bool) -> bool:
    """Whether connections to the database at `url` must use TLS (libpq's sslmode=require).

    Heroku Postgres requires TLS, so production does too. Two exceptions:
    development, and Heroku CI (which sets CI) with its in-dyno PostgreSQL on
    localhost, which serves plain TCP only. A unix socket ignores sslmode.
    https://devcenter.heroku.com/articles/heroku-ci-in-dyno-databases
    """
    if development:
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if "," in parts.netloc:  # a host list, each maybe with its port: libpq tries each
            hosts = parts.netloc.rpartition("@")[2].split(",")
            host = ",".join(re.sub(r"(\]|^[^\[:]*):\d*$", r"\1", entry) for entry in hosts)
    except ValueError:  # an unclosed "[": database() says what is wrong with it
        return True
    options = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    return not (under_ci() and libpq_elsewhere(host, options) is None)


def libpq_elsewhere(host: str, options) -> str | None:
    """Where libpq connects, or None when it is on this machine: a Unix socket (no
    host, or a path), localhost or a loopback address.

    The host is `host` (the URL's, Django's HOST), else OPTIONS' `host` (`?host=`),
    else PGHOST, each maybe a list (`a,b`: libpq tries each); `hostaddr` (OPTIONS,
    else PGHOSTADDR) is the address it connects to whatever the host says; and a
    service (`?service=`, PGSERVICE) names a host in a file: taken as elsewhere."""
    if service := options.get("service") or os.environ.get("PGSERVICE"):
        return f"the service {service}"
    host = host or options.get("host") or os.environ.get("PGHOST") or ""
    hostaddr = options.get("hostaddr") or os.environ.get("PGHOSTADDR") or ""
    for entry in f"{host},{hostaddr}".split(","):
        if (entry := entry.strip()) and not _on_this_machine(entry):
            return entry
    return None


def _on_this_machine(host: str) -> bool:
    host = host.strip("[]")
    if host.startswith("/") or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name
        return False


def under_ci() -> bool:
    """Heroku CI sets CI=true for the whole test run (most CI services do too). Any
    other value (no, off, a service's name as Woodpecker sets it) is not CI: the
    exceptions made for it would drop checks that hold everywhere else."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes", "on")


def _heroku_test_run() -> bool:
    """Whether Heroku CI's test run set its run's id, as it does for every test run."""
    return bool(os.environ.get("HEROKU_TEST_RUN_ID", "").strip())


def refuse_development_on_a_dyno(development: bool) -> None:
    """ENVIRONMENT=development on a dyno: DEBUG on for every visitor (tracebacks with
    settings and code), the public development secret key unless DJANGO_SECRET_KEY is
    set (anyone could sign a session cookie), and ALLOWED_HOSTS answering 400 to the
    app's own address. Heroku CI's test run, on a dyno too, sets CI and
    HEROKU_TEST_RUN_ID and is fine; CI alone, a config var some tools ask for, is no
    test run."""
    if development and "DYNO" in os.environ and not (under_ci() and _heroku_test_run()):
        raise ImproperlyConfigured(
            "ENVIRONMENT is development on a Heroku dyno: DEBUG pages for every visitor, "
            "and the public development secret key unless DJANGO_SECRET_KEY is set. Set "
            "it back: heroku config:set ENVIRONMENT=production."
        )
