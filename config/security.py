"""Security helpers the settings name: the client's address behind Heroku's router,
the login lockout page, and the S3 origins the Content-Security-Policy allows.
"""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import render


def client_ip(request) -> str | None:
    """The address of the client that connected to Heroku's router.

    The router appends the address it saw to X-Forwarded-For, so the LAST entry is
    the only one a client cannot forge: anything before it came with the request.
    Taking the first entry (django-axes' default when told to read the header)
    would let an attacker pick a fresh address for every guess and never be
    locked out. Without the header (a local run with no router in front)
    REMOTE_ADDR is the client.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    candidate = forwarded.rsplit(",", 1)[-1].strip() or request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login: the site's 429 page with Retry-After."""
    cooloff = settings.AXES_COOLOFF_TIME
    response = render(
        request, "429.html", {"cooloff_minutes": int(cooloff.total_seconds() // 60)}, status=429
    )
    response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response


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
    origins = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        origins.append(f"https://{bucket}.s3.{region}.amazonaws.com")
    return origins
