import html
import re

PROFILE = "/accounts/profile/"


def avatar_url(client) -> str | None:
    """The src of the avatar on the logged-in user's profile page, as a browser reads it."""
    found = re.search(r'<img class="avatar" src="([^"]+)"', client.get(PROFILE).content.decode())
    return html.unescape(found[1]) if found else None


def while_the_form_is_checked(monkeypatch, what) -> None:
    """`what()` runs as the profile form is cleaned, before the view saves: another
    request, staff or SQL acting meanwhile."""
    from accounts.forms import ProfileForm

    checked = ProfileForm.clean

    def clean(form):
        what()
        return checked(form)

    monkeypatch.setattr(ProfileForm, "clean", clean)
