"""E-mail addresses as mail writes them: whether Django's mail reaches an address
itself (`addressable`), and an address without the quotes mail drops (`as_written`),
which is how the account forms store and count one."""

from django.core.exceptions import ValidationError
from django.core.mail.message import sanitize_address
from django.core.validators import validate_email

from config import env

# The longest address mail can carry (RFC 3696: a local part of 64, an @, a domain of
# 255), as Django's own address check has it.
LONGEST_ADDRESS = 320


def written(email: str) -> str:
    """`email` as mail writes it (Django's `sanitize_address`), which raises what its
    parser and codec raise on what they refuse; ValueError for one longer than
    LONGEST_ADDRESS, unparsed: the parser's time grows faster than the address (a
    signup of 20,000 quotes took 30 s, one of 100,000 backslashes 267 s)."""
    if len(email) > LONGEST_ADDRESS:
        raise ValueError("longer than an address can be")
    return sanitize_address(email, "utf-8")


def addressable(email: str) -> bool:
    """Whether Django's mail goes to `email` itself: a local part in ASCII (Django sends
    no SMTPUTF8), and a domain written as that same domain (config/env.py
    `sent_as_itself`: `faß.de` would be `fass.de`, and the reset link for such an
    address would go to someone else's domain)."""
    local_part, _, domain = email.rpartition("@")
    try:
        written(email)
    except Exception:  # the parser and the codec raise many types on what they refuse
        return False
    return local_part.isascii() and env.sent_as_itself(domain)


def validate_addressable(email: str) -> None:
    if not addressable(email):
        raise ValidationError(
            "Mail cannot be sent to this address: check the part after the @, and use "
            "only ASCII letters, digits and punctuation before it.",
            code="unaddressable",
        )


def as_written(email: str) -> str:
    """`email` without quotes mail is written without (`"ada"@example.com` and
    `"\\ada"@example.com` are `ada@example.com` on the wire). Each such form was
    stored, looked up and counted as another address (accounts/throttles.py)
    while its mail went to the same mailbox. Left as it is when mail cannot
    reach it (the validators refuse it then) or the quotes are needed."""
    if not addressable(email):
        return email
    local_part, _, domain = email.rpartition("@")
    local_written = written(email).rpartition("@")[0]
    if local_written == local_part:
        return email
    try:
        validate_email(f"{local_written}@{domain}")  # quotes the mail library drops wrongly
    except ValidationError:
        return email
    return f"{local_written}@{domain}"
