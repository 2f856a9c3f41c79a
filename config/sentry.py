"""Error reporting to Sentry, switched on by the SENTRY_DSN config var.

Settings call `init()` only when SENTRY_DSN is set, so a fork without a Sentry
account runs exactly as before. What leaves the process:

- the release: the deployed commit, named explicitly (below) rather than left to
  the SDK, whose own guess asks `git` first and would name whatever checkout a
  process happens to run in; without one (outside Heroku), the SDK's guess;
- no personal data: the SDK's default, personal data off (no cookies, user or IP
  address; the option saying so, `send_default_pii`, is deprecated since
  sentry-sdk 2.75 and warned about when given, so it is left at that default),
  and neither request bodies nor frames' local variables, which that default
  alone still sends (form posts carry e-mail addresses, names and bios);
- nothing secret: the SDK's scrubber, recursive and with Django's own field and
  header names added to its list, blanks session ids, CSRF tokens, passwords and
  Authorization headers wherever they still appear (headers, breadcrumbs), and
  `without_secrets` drops whatever cookie data is still attached, a password
  reset link's token, every e-mail address and every presigned S3 URL's
  signature in the event's text (outgoing requests' spans keep their query), from error
  events and traced requests' transactions alike, and `without_database_words`
  the driver's words of a database error where DATABASE_URL's query may hold a
  password;
- only server faults: `before_send` drops every event about a client's mistake
  (an exception Django answers with a 4xx, or a record of a `django.security.*`
  logger), so nobody can spend the quota or bury real alerts with bad requests.
  The access log still shows each of them with its status. (An admin list page
  refusing a value reports it on purpose: config/security/adminlists.py.)

https://docs.sentry.io/platforms/python/integrations/django/ and
https://docs.sentry.io/platforms/python/data-management/sensitive-data/
"""

import re
from urllib.parse import urlsplit

import sentry_sdk
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.redis import RedisIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber
from sentry_sdk.utils import Dsn

from config.env import (
    ascii_form_said,
    clipped,
    deployed_commit,
    gives_a_password,
    is_ipv4,
    libpq_said,
    read_as_ipv4,
)
from config.security import addresses
from config.security.clienterrors import CLIENT_ERRORS

# Keys (compared case-insensitively) whose values are replaced by "[Filtered]":
# the SDK's list plus Django's names for the same secrets. (The scrubber adds the
# SDK's personal-data list, IP addresses, by itself while personal data is off.)
DENYLIST = [
    *DEFAULT_DENYLIST,
    "csrfmiddlewaretoken",  # the form field
    "x-csrftoken",  # the header, as the event's request headers spell it
    "http_x_csrftoken",  # ... and as a WSGI environ in a frame's locals does
    "http_cookie",
    "http_authorization",
    "session_key",
    "password1",  # UserCreationForm, SetPasswordForm, PasswordChangeForm
    "password2",
    "old_password",
    "new_password1",
    "new_password2",
]

_SECRET_HEADERS = {"cookie", "authorization", "proxy-authorization", "x-csrftoken"}
# A token of Django's PasswordResetTokenGenerator as a path segment (its time in
# base 36, a dash, 32 hex digits): a password reset link's request that failed
# carried one, good for setting the account's password for three days.
_TOKEN_IN_PATH = re.compile(r"/[0-9a-z]{1,13}-[0-9a-f]{32}(?=/|$|\?)")

CLIENT_ERROR_LOGGERS = "django.security"


def is_client_error(event: dict, hint: dict) -> bool:
    """Whether an event is about a request the client got wrong, not a fault of ours."""
    logger = event.get("logger") or ""
    if logger == CLIENT_ERROR_LOGGERS or logger.startswith(CLIENT_ERROR_LOGGERS + "."):
        return True
    exc_info = hint.get("exc_info")
    return bool(exc_info) and isinstance(exc_info[1], CLIENT_ERRORS)


def before_send(event: dict, hint: dict) -> dict | None:
    """Last look at every error event before it is sent: none for a client's mistake,
    and none of the secrets `without_secrets` takes out."""
    if is_client_error(event, hint):
        return None
    return without_database_words(without_secrets(event, hint))


def without_database_words(event: dict) -> dict:
    """The event, without the database driver's words where DATABASE_URL's query may
    hold a password: libpq quotes an option's value it refuses (config.env.libpq_said,
    as the release phase's config.E007 leaves them out)."""
    url = getattr(settings, "DATABASE_URL", "")
    if not gives_a_password(url):
        return event
    for value in (event.get("exception") or {}).get("values") or []:
        if isinstance(value, dict) and str(value.get("module")).startswith(DATABASE_MODULES):
            value["value"] = libpq_said(str(value.get("value")), url)
    return event


# Where the driver's errors, and Django's wrappers of them, are defined.
DATABASE_MODULES = ("psycopg2", "django.db")


# Fields of an event that are the SDK's or the deploy's own, never a visitor's text.
_OWN_FIELDS = {"event_id", "release", "dist", "environment", "sdk", "modules", "platform"}


# What signs a presigned S3 URL, or names the key or session that signed it, in a
# query string: the SDK's spans and breadcrumbs of outgoing requests keep the query
# (`http.query`), and the S3 tour fetches its object's presigned URL, which reads
# the object for an hour. The rest of the query (the expiry, the algorithm) stays.
# The names in any case for the X-Amz- ones, as written for the others (Signature
# Version 2's, and an Authorization header's), so that code in a frame's lines
# (`signature=compute(...)`) stays; then `=`, percent-encoded once or twice (a URL
# inside another's query), or a JSON key's `": "`; the value ends where the query's
# next parameter, a list's next item or the text does.
_SIGNING_VALUE = re.compile(
    r"(\b(?i:X-Amz-(?:Signature|Credential|Security-Token))|\b(?:Signature|Credential|AWSAccessKeyId))"
    r"(\s*=\s*|%3D|%253D|\"\s*:\s*\")"
    r"(?:(?!%26|%2526)[^&#\s\"',;])*"
)


def _filtered_text(text: str) -> str:
    """`text` without e-mail addresses or a presigned URL's signing values."""
    return _SIGNING_VALUE.sub(r"\1\2[Filtered]", addresses.filtered(text))


def _without_addresses(value):
    """`value` with every e-mail address and presigned URL's signing value in its
    strings (keys too), at any depth, "[Filtered]"."""
    if isinstance(value, str):
        return _filtered_text(value)
    if isinstance(value, dict):
        filtered = {}
        numbers: dict = {}  # the next number to try after each clashing key
        for key, item in value.items():
            new_key = base = _without_addresses(key)
            while new_key in filtered:  # two keys made one by filtering: both kept
                numbers[base] = numbers.get(base, 0) + 1
                new_key = f"{base} {numbers[base]}"
            filtered[new_key] = _without_addresses(item)
        return filtered
    if isinstance(value, list | tuple):
        return type(value)(_without_addresses(item) for item in value)
    return value


def without_secrets(event: dict, hint: dict) -> dict:
    """An event (an error, or a traced request's transaction) without cookies, secret
    headers, a password reset token in its URL or name, or an e-mail address or a
    presigned URL's signature in any of its text: an exception's value (smtplib's
    refusals hold the addresses), a log message's arguments, a breadcrumb, a span."""
    event = {
        key: item if key in _OWN_FIELDS else _without_addresses(item) for key, item in event.items()
    }
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        if isinstance(request.get("url"), str):
            request["url"] = _TOKEN_IN_PATH.sub("/[Filtered]", request["url"])
        headers = request.get("headers")
        if isinstance(headers, dict):
            for name in list(headers):
                if name.lower() in _SECRET_HEADERS:
                    del headers[name]
    # A transaction is named by its URL pattern, or by its path where none matched.
    if isinstance(event.get("transaction"), str):
        event["transaction"] = _TOKEN_IN_PATH.sub("/[Filtered]", event["transaction"])
    return event


# A DSN's own characters: printable ASCII without quotes, spaces or backslashes.
_DSN_CHARACTERS = re.compile(r"[!#-&(-\[\]-~]+")


def _dsn_host(host: str) -> bool:
    """A host name (underscores too, as in a self-hosted Sentry's service name) or
    an IPv4 address, as urlsplit gives it. Not IPv6: sentry-sdk drops the brackets
    from the URL it posts to (http://::1:9/api/1/envelope/), which reaches nothing."""
    if not (re.fullmatch(r"[0-9.]+", host) or read_as_ipv4(host)):
        return re.fullmatch(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*", host) is not None
    return is_ipv4(host)  # then written as an IPv4 address is: four numbers


def dsn_refusal(dsn: str) -> str | None:
    """Why `dsn` is no DSN Sentry gives, or None. sentry-sdk itself takes two DSNs
    pasted with a space between, a full-width project number or port 0, and sends
    every event to another URL, or none, without a word."""
    if _DSN_CHARACTERS.fullmatch(dsn) is None:
        return "spaces, quotes or characters outside ASCII"
    try:
        parts = urlsplit(dsn)
        port = parts.port
    except ValueError:
        return "a port that is not a number from 1 to 65535"
    if parts.scheme not in ("http", "https"):
        return "not an http:// or https:// URL"
    if not parts.username:
        return "no key before the @"
    if not _dsn_host(parts.hostname or ""):
        return "a host that is no host name or IP address"
    if port == 0:
        return "port 0"
    if parts.query or parts.fragment:
        return "a ? or # part"
    if not re.fullmatch("[0-9]+", parts.path.rpartition("/")[2]):
        return "no project number at the end"
    try:
        Dsn(dsn)
    except ValueError as error:  # BadDsn
        return str(error)
    return None


def _host_in_ascii(dsn: str) -> str:
    """The sentence giving the DSN's host in its ASCII form, where it is in another
    script (sentry.bücher.de), or nothing. The key before the @ is not repeated."""
    try:
        host = urlsplit(dsn).hostname
    except ValueError:
        return ""
    return ascii_form_said(host, "as DNS holds it") if host else ""


def init(*, dsn: str, environment: str, traces_sample_rate: float, redis: bool) -> None:
    """Start Sentry. `redis`: whether a cache is on Redis. Without one, Sentry's Redis
    integration, which would import redis-py at start, stays off (config/cache.py)."""
    if (refusal := dsn_refusal(dsn)) is not None:
        raise ImproperlyConfigured(
            f"SENTRY_DSN is not a DSN Sentry accepts ({clipped(refusal)}): copy it, without "
            "quotes, from the project's settings in Sentry (Client Keys), or unset it."
            + _host_in_ascii(dsn)
        )
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        disabled_integrations=[] if redis else [RedisIntegration()],
        release=deployed_commit(),
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        # Personal data is off by default (send_default_pii, deprecated: not given),
        # which still attaches request bodies and each frame's
        # local variables: form posts and cleaned_data carry e-mail addresses,
        # names and bios. The traceback and the URL are enough to debug with.
        max_request_body_size="never",
        include_local_variables=False,
        event_scrubber=EventScrubber(denylist=DENYLIST, recursive=True),
        before_send=before_send,
        # With SENTRY_TRACES_SAMPLE_RATE set, every traced request sends a transaction,
        # carrying its URL: the same secrets come out of it.
        before_send_transaction=without_secrets,
    )
