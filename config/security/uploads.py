"""How many files each account may store an hour: the project's MEDIA_UPLOAD_LIMIT.

Every stored file stays in the versioned media bucket (the app's keys delete no
version), and the demo's shared staff login, which may change a product's
picture, is every visitor's. So stored uploads are counted per account and client
(UPLOADS_PER_HOUR) and per account from all its clients (UPLOADS_PER_ACCOUNT_PER_HOUR),
as the S3 tour counts its runs, in config/security/throttle.py's shared counts.
Superusers are not counted: an operator may fill a catalog's pictures.
"""

from config.security import client_ip, throttle

UPLOADS_PER_HOUR = 20
UPLOADS_PER_ACCOUNT_PER_HOUR = 100
HOUR = 3600


def account_uploads(user) -> tuple[str, str]:
    """The (scope, value) an account's stored uploads are counted under."""
    return ("uploads-account", str(user.pk))


def refusal(request) -> str | None:
    """Count one upload of `request`'s user: None while within both bounds, else what
    the form's file field says. One refused per client is not counted per account."""
    user = request.user
    if not user.is_authenticated or user.is_superuser:
        return None
    who = ("uploads", f"{user.pk} {client_ip(request) or 'unknown'}")
    if throttle.hit(*who, limit=UPLOADS_PER_HOUR, window=HOUR) and throttle.hit(
        *account_uploads(user), limit=UPLOADS_PER_ACCOUNT_PER_HOUR, window=HOUR
    ):
        return None
    return (
        f"This account may store {UPLOADS_PER_HOUR} files an hour from one network, "
        f"{UPLOADS_PER_ACCOUNT_PER_HOUR} from all its networks, and each stays in the "
        "bucket: nothing was saved. Try again in the next hour."
    )
