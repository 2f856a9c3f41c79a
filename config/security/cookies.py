"""Drop the cookies of this app whose value it could not have issued.

`IssuedCookiesMiddleware` removes from `request.COOKIES` the session, CSRF and
messages cookies (named as the settings name them) whose value does not have the
shape Django gives it, before any other code reads them (the middleware above
it in MIDDLEWARE reads none: tests/security/test_cookies.py): a value with a
NUL, other control characters, non-ASCII text, the wrong length or a megabyte
of padding is treated exactly like no cookie. Nothing else
is judged here: a well-shaped value is still checked by its owner (the session
key against the database, the CSRF secret against the form token, the
messages against their signature).

The session engine (config/security/sessions.py) refuses the same keys on its own, so a
session never depends on this middleware's position.
"""

import re

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage

from config.security.sessions import is_issued_key

# django.middleware.csrf: a secret of 32 ASCII letters and digits (a masked token
# of 64, as Django before 4.1 stored it, is still accepted by Django).
CSRF_SECRET = re.compile(r"[a-zA-Z0-9]{32}|[a-zA-Z0-9]{64}")
# django.core.signing: URL-safe base64 parts joined by ":" (value, timestamp,
# signature), "." first when compressed. CookieStorage never writes more than its
# max_cookie_size, so a longer value did not come from it.
SIGNED = re.compile(r"[A-Za-z0-9_\-.:]+")


def _signed_messages(value: str) -> bool:
    return len(value) <= CookieStorage.max_cookie_size and SIGNED.fullmatch(value) is not None


def _csrf_secret(value: str) -> bool:
    return CSRF_SECRET.fullmatch(value) is not None


def issued(name: str, value: str) -> bool:
    """Whether `value` has the shape this app gives cookie `name` (other cookies: yes)."""
    check = {
        settings.SESSION_COOKIE_NAME: is_issued_key,
        settings.CSRF_COOKIE_NAME: _csrf_secret,
        CookieStorage.cookie_name: _signed_messages,
    }.get(name)
    return check is None or check(value)


class IssuedCookiesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cookies = request.COOKIES
        for name in [name for name, value in cookies.items() if not issued(name, value)]:
            del cookies[name]
        return self.get_response(request)
