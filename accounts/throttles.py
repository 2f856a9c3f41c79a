"""The limits on signup and password reset, counted in config/throttle.py's shared store.

A client is what config.security.client_ip returns: an IPv4 address or an IPv6
/64. Only forms that passed their checks count: a typo costs nothing.

- Signup: 10 accounts an hour per client; beyond, the 429 page.
- Password reset: 5 requests an hour per e-mail address, from anywhere, and 20
  per client. Beyond either, the visitor sees the usual "check your inbox" page
  (so the limit reveals nothing about the address) and no mail leaves.
"""

from config import throttle
from config.security import client_ip

HOUR = 3600
SIGNUPS_PER_CLIENT = 10
RESETS_PER_ADDRESS = 5
RESETS_PER_CLIENT = 20


def client(request) -> str:
    # No usable address (only without Heroku's router in front): one shared bucket.
    return client_ip(request) or "unknown"


def signup_allowed(request) -> bool:
    """Count a signup from this client; whether it is within the limit."""
    return throttle.hit("signup-client", client(request), limit=SIGNUPS_PER_CLIENT, window=HOUR)


def reset_allowed(request, email: str) -> bool:
    """Count a reset request for `email` from this client; whether both are within limits.

    Both are counted every time, so neither limit can be dodged by the other.
    Addresses are compared case-insensitively, as Django looks them up.
    """
    per_address = throttle.hit(
        "reset-address", email.strip().casefold(), limit=RESETS_PER_ADDRESS, window=HOUR
    )
    per_client = throttle.hit("reset-client", client(request), limit=RESETS_PER_CLIENT, window=HOUR)
    return per_address and per_client
