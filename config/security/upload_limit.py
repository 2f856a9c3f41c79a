"""How many files each account may store an hour: the project's MEDIA_UPLOAD_LIMIT.

Every stored file stays in the versioned media bucket (the app's keys delete no
version), and the demo's shared staff login, which may change a product's
picture, is every visitor's. So stored uploads are counted per account and client
(UPLOADS_PER_HOUR) and per account from all its clients (UPLOADS_PER_ACCOUNT_PER_HOUR),
as the S3 tour counts its runs, in config/security/throttle.py's shared counts.
Only files the bucket took count: an outage spends no one's allowance. Superusers
are not counted: an operator may fill a catalog's pictures.

Asked before the file is stored and counted after, an account's requests in
flight at once each found the last room: 16 of 20 sent together were stored past
the bound. So one account's uploads take turns from the question to the count
(`turn`), on every worker and dyno: a PostgreSQL advisory lock on the account,
held by a transaction and let go when it ends.
"""

from contextlib import contextmanager

from django.db import OperationalError, connection, transaction

from config.security import client_ip, throttle

# The first key of the advisory locks an account's uploads take turns on (`turn`);
# the second is the account's id, hashed. The throttles' locks have a first key of
# their own.
TURN_LOCK = 0x55504C44
# How long a request waits for its account's turn (PostgreSQL's lock_timeout), well
# within the web processes' statement timeout.
TURN_WAIT = "5s"
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
    versions page before restoring a version (config/media/admin.py), and tells
    after, in the account's turn."""

    @staticmethod
    @contextmanager
    def turn(request):
        """`request`'s account's turn, from `refusal()` to `stored()`: no other request of
        the account asks or counts meanwhile. Yields True once held, False if it did
        not come within TURN_WAIT (another request of the account is storing a file,
        S3 being slow): the caller then stores nothing and says so, where waiting on
        ran into the web process's statement timeout, a 503. Held until the
        transaction it is in ends: for the admin, its save, whose counts others see
        only then. Nothing to wait for where nothing is counted."""
        if not _counts(request) or connection.vendor != "postgresql":
            yield True
            return
        with transaction.atomic(), connection.cursor() as cursor:
            try:
                with transaction.atomic():  # a savepoint: the wait's error ends only it
                    cursor.execute("SELECT current_setting('lock_timeout')")
                    (before,) = cursor.fetchone()
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [TURN_WAIT])
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                        [TURN_LOCK, str(request.user.pk)],
                    )
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])
            except OperationalError:  # the lock's wait, or the statement timeout
                had = False
            else:
                had = True
            yield had

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
    def rolled_back(request) -> None:
        """A file counted in a transaction since rolled back, whose version stays in
        the bucket: counted again where the count went with the rollback (Django's
        database cache), not where it stayed (Redis)."""
        if throttle.rolled_back_with_transactions():
            UploadLimit.stored(request)

    @staticmethod
    def retry_after(request) -> int:
        """The seconds until the counts start again: the hour's end."""
        return throttle.seconds_left(HOUR)
