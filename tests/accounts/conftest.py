import html
import re

import pytest

PROFILE = "/accounts/profile/"


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Django's PBKDF2 takes a third of a second per hash by design: too slow for 50 users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def avatar_url(client) -> str | None:
    """The src of the avatar on the logged-in user's profile page, as a browser reads it."""
    found = re.search(r'<img class="avatar" src="([^"]+)"', client.get(PROFILE).content.decode())
    return html.unescape(found[1]) if found else None
