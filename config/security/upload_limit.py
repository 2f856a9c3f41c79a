"""How many files each account may store an hour: the project's MEDIA_UPLOAD_LIMIT.

Every stored file stays in the versioned media bucket (the app's keys delete no
version), and the demo's shared staff login, which may change a product's
picture, is every visitor's. So stored uploads are counted per account and client
(UPLOADS_PER_HOUR) and per account from all its clients (UPLOADS_PER_ACCOUNT_PER_HOUR),
as the S3 tour counts its runs, in config/security/throttle.py's shared counts.
Only files the bucket took count: an outage spends no one's allowance. Superusers
are not counted: an operator may fill a catalog's pictures.
"""

from config.security import client_ip, throttle

UPLOADS_PER_HOUR = 20
UPLOADS_PER_ACCOUNT_PER_HOUR = 100
HOUR = 3600
MESSAGE = (
    f"This account may store {UPLOADS_PER_HOUR} files an hour from one network, "
    f"{UPLOADS_PER_ACCOUNT_PER_HOUR} from all its networks, and each stays in the "
    "bucket: nothing was saved. Try again in the next hour."
)


def account_uploads(user) -> tuple[str, str]:
    """The (scope, value) an account's stored uploads are counted under."""
    return ("uploads-account", str(user.pk))


def _counts(request) -> list[tuple[str, str, int]]:
    """(scope, value, limit) of each count `request`'s uploads go in; none for a
    visitor or a superuser."""
    user = request.user
    if not user.is_authenticated or user.is_superuser:
        return []
    return [
        ("uploads", f"{user.pk} {client_ip(request) or 'unknown'}", UPLOADS_PER_HOUR),
        (*account_uploads(user), UPLOADS_PER_ACCOUNT_PER_HOUR),
    ]


class UploadLimit:
    """What config/media/forms.py asks before storing an upload, and the admin's
    versions page before restoring a version (config/media/admin.py), and tells after."""

    @staticmethod
    def refusal(request) -> str | None:
        """None while `request`'s user may store one more file, else the error shown."""
        if any(
            throttle.reached(scope, value, limit=limit, window=HOUR)
            for scope, value, limit in _counts(request)
        ):
            return MESSAGE
        return None

    @staticmethod
    def stored(request) -> None:
        """Count one file the bucket took."""
        for scope, value, limit in _counts(request):
            throttle.hit(scope, value, limit=limit, window=HOUR)

    @staticmethod
    def retry_after(request) -> int:
        """The seconds until the counts start again: the hour's end."""
        return throttle.seconds_left(HOUR)
