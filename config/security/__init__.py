"""Security helpers the settings name: the client's address behind Heroku's router,
the login lockout page, and the S3 origins the Content-Security-Policy allows.
"""

import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import render

# The part of an IPv6 address that names the subscriber: ISPs give each one at
# least a /64, whose 2^64 addresses it may use in any order.
IPV6_CLIENT_PREFIX = 64
_IPV6_CLIENT_MASK = ((1 << IPV6_CLIENT_PREFIX) - 1) << (128 - IPV6_CLIENT_PREFIX)


def client_ip(request) -> str | None:
    """The client that connected to Heroku's router: an IPv4 address or an IPv6 /64.

    The router appends the address it saw to X-Forwarded-For, so the LAST entry is
    the only one a client cannot forge: anything before it came with the request.
    Taking the first entry (django-axes' default when told to read the header)
    would let an attacker pick a fresh address for every guess and never be
    locked out. Without the header (a local run with no router in front)
    REMOTE_ADDR is the client.

    An IPv6 address stands for its /64, written as the network's first address
    (`2001:db8:1:2::`): one subscriber can switch among 2^64 addresses, so
    counting each would let them guess and sign up without limit. An IPv4 client
    seen over IPv6 (`::ffff:203.0.113.9`) is its IPv4 address. Lockouts and
    throttles all count by this value.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    candidate = forwarded.rsplit(",", 1)[-1].strip() or request.META.get("REMOTE_ADDR", "")
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return None
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        # Masking the integer also drops a zone (`%eth0`), which names no client.
        return str(ipaddress.IPv6Address(int(address) & _IPV6_CLIENT_MASK))
    return str(address)


def too_many_requests(request, *, seconds: int, heading: str, message: str):
    """The site's 429 page: `heading` and `message`, and Retry-After in seconds."""
    context = {"heading": heading, "message": message}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login: the site's 429 page with Retry-After.

    Another backend that refuses a login under django-axes' flag may say why in
    `request.lockout_page` (the arguments of `too_many_requests`).
    """
    if page := getattr(request, "lockout_page", None):
        return too_many_requests(request, **page)
    seconds = lockout_seconds_left(request, credentials)
    minutes = -(-seconds // 60)
    return too_many_requests(
        request,
        seconds=seconds,
        heading="Too many failed sign-in attempts",
        message=f"Signing in to this account from your network is paused for "
        f"{minutes} more minute{'s' if minutes != 1 else ''} after repeated wrong passwords. "
        "Wait, then try again.",
    )


def lockout_seconds_left(request, credentials) -> int:
    """Seconds until the lockout lifts, or the whole cool-off where that is not known.

    django-axes sums the failures still in the cool-off of each set of rows its
    lockout parameters match (here a row per user agent of the username and client);
    the lockout lifts when, the oldest rows leaving the cool-off first, every set
    holds fewer than the limit (the attempts it refuses count none).
    """
    from axes.handlers.proxy import AxesProxyHandler
    from axes.helpers import get_cool_off
    from django.utils import timezone

    cooloff, now = get_cool_off(request), timezone.now()
    lifts = None
    for attempts in AxesProxyHandler.get_implementation().get_user_attempts(request, credentials):
        rows = attempts.order_by("attempt_time").values_list("attempt_time", "failures_since_start")
        left = sum(failures for _, failures in rows)
        for attempt_time, failures in rows:
            if left < settings.AXES_FAILURE_LIMIT:
                break
            lifts, left = max(lifts or now, attempt_time + cooloff), left - failures
    seconds = cooloff.total_seconds() if lifts is None else (lifts - now).total_seconds()
    return max(1, min(int(cooloff.total_seconds()), -int(-seconds // 1)))


# botocore.utils.check_dns_name's rule, which decides whether botocore addresses a
# bucket as a host of its own: 3 to 63 lowercase letters, digits and hyphens, a
# letter or digit at each end, no dots. Written out here because the settings run it
# in every process, and importing botocore there cost each command (the release
# phase's migrate, `heroku run`) about a fifth of a second it does not use
# (docs/production.md); tests/security/test_security.py checks both agree.
BUCKET_HOST = re.compile(r"[a-z0-9][a-z0-9\-]*[a-z0-9]")


def can_be_a_host(bucket: str) -> bool:
    return 3 <= len(bucket) <= 63 and BUCKET_HOST.fullmatch(bucket) is not None


def bucket_origins(bucket: str | None, endpoint_url: str | None, region: str | None) -> list[str]:
    """Origins a page loads a bucket's files from, for the Content-Security-Policy.

    With a custom endpoint (a local S3 server, another S3-compatible service) the
    files come from the endpoint's origin (path-style URLs). On AWS they come from
    the bucket's virtual host, global or regional depending on the region.
    """
    if not bucket:
        return []
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        return [f"{parts.scheme}://{parts.netloc}"]
    if not can_be_a_host(bucket):
        # botocore asks for a bucket whose name cannot be a host of its own by path
        # (dots, which no virtual host's certificate covers; an old us-east-1 name
        # with capitals or "_"): https://s3[.<region>].amazonaws.com/<bucket>/.
        # A source with a path allows that bucket's files only.
        hosts = ["s3.amazonaws.com", *([f"s3.{region}.amazonaws.com"] if region else [])]
        return [f"https://{host}/{bucket}/" for host in hosts]
    origins = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        origins.append(f"https://{bucket}.s3.{region}.amazonaws.com")
    return origins
