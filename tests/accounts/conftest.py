import html
import re

PROFILE = "/accounts/profile/"


def avatar_url(client) -> str | None:
    """The src of the avatar on the logged-in user's profile page, as a browser reads it."""
    found = re.search(r'<img class="avatar" src="([^"]+)"', client.get(PROFILE).content.decode())
    return html.unescape(found[1]) if found else None
