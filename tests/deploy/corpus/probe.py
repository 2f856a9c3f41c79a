"""What one probe is, and the CSRF token every form probe carries."""

from dataclasses import dataclass, field

# A CSRF cookie and the matching header, so a POST gets past the CSRF check and
# Django reads its body (a secret of 32 letters is a valid unmasked token).
CSRF_SECRET = "a" * 32
WITH_CSRF = {"Cookie": f"csrftoken={CSRF_SECRET}", "X-CSRFToken": CSRF_SECRET}


@dataclass(frozen=True)
class Probe:
    name: str
    path: str = "/"
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict, hash=False)
    body: bytes = b""
    # The whole request as bytes, for what http.client refuses to send.
    raw: bytes | None = None
    # Sent with a logged-in staff member's session (the admin's own pages), and
    # with the probe's own cookies, if it has a Cookie header.
    staff: bool = False
    # "refused": 3xx or 4xx. "form error": 200 showing the form's errors.
    # "clamped": 200, the value replaced by the nearest valid one (?per_page=), read
    # from the form field `clamp[0]`, which must hold 1 to `clamp[1]`.
    # "saved": the redirect after a form was saved (302).
    # "served": 200, the page as without the bad part (a cookie the app never issued).
    # "to https": the redirect of a plain HTTP request to https (301).
    expect: str = "refused"
    clamp: tuple[str, int] = ("per_page", 100)
