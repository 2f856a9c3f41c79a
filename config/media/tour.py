"""The tour page of the versioned S3 media technique, with a live demonstration.

GET shows the bucket's versioning and the versions of one demo object. POST runs
the demonstration on that object: save it, fetch its presigned URL, delete it
(a delete marker; the same URL now answers 404), restore it and compare the
bytes. Each run adds two versions of one small object, which the lifecycle rule
expires; it touches no other file.
"""

import hashlib
import http.client
import logging
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage, storages
from django.db import OperationalError, connection, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from config.media import versions
from config.media.models import can_restore_media
from config.security import client_ip, throttle, too_many_requests
from config.security.staffonly import staff_only
from config.tour import source_excerpt

logger = logging.getLogger(__name__)
SHOWN_VERSIONS = 10

DEMO_NAME = "tour/s3-media-demo.txt"

# A bucket that could not be read, remembered by each process for a minute. Every
# visit reads the bucket, anonymous ones too, and an S3 that hangs holds the
# request's thread for the client's timeouts (2 x 5 s, config/media/storage.py):
# at one visit a second a dyno's 10 threads were all waiting. Now one visit a
# minute asks; the others get the same 503 at once.
UNREADABLE_KEY = "tour:s3-media:unreadable"
UNREADABLE_SECONDS = 60
# And a read that worked, for as long: each visit sent S3 two requests, one a LIST
# of the demonstration file's versions (billed, and a thread held while it runs),
# so a loop of visits was a loop of S3 requests. A staff member's
# demonstration reads again at once; other processes show it within the minute.
READ_KEY = "tour:s3-media:read"
READ_SECONDS = 60


def storage_key(name: str) -> str:
    """`name` (UNREADABLE_KEY, READ_KEY) for the media storage the page is on now: its
    class, bucket and endpoint. A read or a failure of one bucket is never shown for
    another when STORAGES changes while the process runs."""
    storage = storages["default"]
    kind = type(storage)
    said = (
        f"{kind.__module__}.{kind.__qualname__}",
        getattr(storage, "bucket_name", None),
        getattr(storage, "endpoint_url", None),
    )
    return f"{name}:{hashlib.sha256(repr(said).encode()).hexdigest()[:32]}"


@dataclass
class Step:
    action: str
    result: str


def fetch(url: str) -> tuple[str, bytes]:
    """GET a presigned URL of the media bucket, as a browser would: what it answered
    ("HTTP 200") and the body. An answer that is not valid HTTP (a body cut short, a
    garbled status line, an overlong header, a redirect to no URL) is the step's
    result too, as an error status is, and so is a connection reset mid-answer (the
    run goes on to restore); a connection refused or timed out is a storage error,
    the 503 page."""
    try:
        # The URL is the storage's own presigned URL, never user input.
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return f"HTTP {response.status}", response.read()
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}", b""
    except http.client.HTTPException as error:  # RemoteDisconnected too, an OSError
        return f"no valid HTTP answer ({type(error).__name__})", b""
    except urllib.error.URLError:
        raise  # no answer at all (refused, timed out): a storage error, as any other
    except Exception as error:  # a reset mid-answer, a redirect's ValueError, and the like
        return f"no valid HTTP answer ({type(error).__name__})", b""


# A run sends S3 about 16 requests in a row, each bounded on its own (config/media/
# storage.py), and may first wait its turn for 10 s: its first three or four, saving
# the file and downloading it, take at most this long, or the rest, three times as
# many and a wait of up to 3 s for the bucket's clock, would run past the 30 s
# Heroku's router waits for the page (38 s at 2.5 s a request).
SAVE_SECONDS = 4.0


def demonstrate(name: str = DEMO_NAME) -> list[Step]:
    """Save, delete and restore one object, reporting what S3 answered at each step;
    on a bucket slower than SAVE_SECONDS to save it and give it back, only save it."""
    started = time.monotonic()
    versions.media_storage()  # on S3, or NotOnS3 before anything is written
    if not versions.versioning_status().enabled:
        # Deleting on an unversioned bucket would destroy the object for good.
        raise versions.MediaError("The media bucket is not versioned: nothing to demonstrate.")
    content = f"Saved by the tour at {timezone.now():%Y-%m-%d %H:%M:%S} UTC.\n".encode()
    # Writing through open() keeps the key, so the bucket keeps the old content as a version.
    with default_storage.open(name, "wb") as file:
        file.write(content)
    saved = versions.list_versions(name, limit=1)[0]
    url = default_storage.url(name)
    status, body = fetch(url)
    steps = [
        Step("Save the file", f"version {saved.version_id}, {saved.size} bytes"),
        Step("Download its presigned URL", f"{status}, {len(body)} bytes"),
    ]
    took = time.monotonic() - started
    if took > SAVE_SECONDS:
        raise versions.MediaError(
            f"S3 answered slowly: saving the file and downloading it took {took:.1f} s. "
            "The demonstration stopped before deleting it (the file stays saved), so "
            "that this page answers within the 30 s Heroku allows: run it again later."
        )
    default_storage.delete(name)
    marker = versions.list_versions(name, limit=1)[0]
    status, _ = fetch(url)
    steps += [
        Step("Delete it", f"delete marker {marker.version_id} on top; the bytes remain"),
        Step("Download the same URL again", status),
    ]
    # S3 lists versions and delete markers apart, with times to the second: a copy
    # made in the marker's second would be listed below it once another is current
    # (versions.list_versions). The copy waits for the next second on S3's clock.
    wait_for_the_next_second(marker.last_modified)
    restored = versions.restore(name, saved.version_id)
    status, body = fetch(default_storage.url(name))
    identical = "yes" if body == content else "no"
    steps += [
        Step(
            f"Restore version {saved.version_id}",
            f"copied over the delete marker as version {restored.version_id}",
        ),
        Step(
            "Download it again",
            f"{status}, bytes identical to the saved ones: {identical}",
        ),
    ]
    return steps


def wait_for_the_next_second(second, within: float = 3.0) -> None:
    """Until the bucket's server says a time past `second` (at most `within` seconds:
    then the copy goes ahead in the same second, listed in the likeliest order).
    A server whose time cannot be read: until this machine's clock is past it."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        now = versions.server_time()
        if now is None:
            time.sleep(max(0.0, min(second.timestamp() + 1.25 - time.time(), within)))
            return
        if now > second:
            return
        time.sleep(0.2)


# Runs take turns: each saves, deletes and restores the same object, so a second
# run between two steps of the first deleted what the first was about to download.
# A PostgreSQL advisory lock, held for the run's transaction, is one queue for every
# worker of every dyno; a run waits at most TURN_WAIT for the one before it.
# Any constant: the throttles' advisory locks take two keys, a space of their own.
TURN_LOCK = 0x53334D45
TURN_WAIT = "10s"


class NotYourTurn(Exception):
    pass


@contextmanager
def in_turn():
    """Hold the demonstration's turn for the block; NotYourTurn after TURN_WAIT."""
    with transaction.atomic(), connection.cursor() as cursor:
        try:
            with transaction.atomic():  # a savepoint: the wait's error ends only it
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [TURN_WAIT])
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TURN_LOCK])
        except OperationalError as error:  # the lock or the statement timeout
            raise NotYourTurn from error
        yield


# Each run writes two versions and a delete marker the app's keys cannot delete,
# and the demo's staff login is shared by its visitors: per account and client, an
# hour, and per account from all its clients (a visitor with many addresses), in
# config/security/throttle.py's shared counts.
DEMONSTRATIONS_PER_HOUR = 20
DEMONSTRATIONS_PER_ACCOUNT_PER_HOUR = 100
HOUR = 3600
# Where runs' results wait, in the session, for the page each POST redirects to
# (?ran=<its id>): the newest RUNS_KEPT of them, so two tabs each show their own.
RAN_KEY = "tour:s3-media:ran"
RUNS_KEPT = 5


def kept(session, result: dict) -> str:
    """Keep a run's result in `session` (its steps, or the error it showed) among
    the newest RUNS_KEPT, saved at once; the id its page names it by.

    Runs take turns, and each is kept in its turn over the results as stored now:
    two tabs of one session both read it before their turn, and the second to
    save wrote back a copy without the first one's result."""
    run = get_random_string(12)
    if "steps" in result:
        kept_result = {
            "steps": [[step.action, step.result] for step in result["steps"]],
            # Its page shows no read of the bucket from before it (`read_bucket`).
            "at": timezone.now().timestamp(),
        }
    else:
        error = result["error"]
        if not isinstance(error, versions.MediaError):
            logger.warning("S3 tour page: the media bucket could not be read: %s", error)
            error = versions.STORAGE_ERROR_SHOWN
        kept_result = {"error": str(error)}
    stored = type(session)(session.session_key).get(RAN_KEY) if session.session_key else None
    runs = {**stored} if isinstance(stored, dict) else {}
    runs[run] = kept_result
    session[RAN_KEY] = dict(list(runs.items())[-RUNS_KEPT:])
    try:
        session.save()
    except UpdateError:
        # Logged out, or logged in anew, in another tab meanwhile: the result has no
        # session to go in, and the run's count must not go with the turn's
        # transaction. SessionMiddleware answers as Django does (the 400 page).
        return run
    # Saved: SessionMiddleware saving this copy again, after the turn, would drop a
    # result another tab's run kept since.
    session.modified = False
    return run


class S3MediaTourView(TemplateView):
    template_name = "tour/s3-media.html"
    # A page with a form: PUT, OPTIONS and the rest are a 405.
    http_method_names = ["get", "head", "post"]

    def get(self, request, *args, **kwargs):
        # The page a run's POST redirected to: its result, as often as it is asked for.
        # As `run` keeps it, or no result: a session row may hold anything.
        runs = request.session.get(RAN_KEY)
        ran = runs.get(request.GET.get("ran", "")) if isinstance(runs, dict) else None
        if isinstance(ran, dict) and isinstance(ran.get("steps"), list):
            at = ran.get("at")
            return self.respond(
                steps=[
                    Step(*step)
                    for step in ran["steps"]
                    if isinstance(step, list) and len(step) == 2
                ],
                read_after=at if isinstance(at, float) else None,
            )
        if isinstance(ran, dict) and isinstance(ran.get("error"), str):
            return self.respond(error=versions.MediaError(ran["error"]))
        return self.respond()

    @method_decorator(staff_only)  # anyone else: 404, as if there were no such form
    def post(self, request, *args, **kwargs):
        """Staff holding `media.restore_media` only (403 for other staff): each run
        writes two versions and a delete marker to the live bucket, which the app's
        own keys cannot delete; anyone could otherwise run it in a loop."""
        if not can_restore_media(request.user):
            raise PermissionDenied
        account = str(request.user.pk)
        who = f"{account} {client_ip(request) or 'unknown'}"
        limits = [
            ("s3-demonstration", who, DEMONSTRATIONS_PER_HOUR),
            ("s3-demonstration-account", account, DEMONSTRATIONS_PER_ACCOUNT_PER_HOUR),
        ]

        def over_the_limit():
            return any(
                throttle.reached(scope, value, limit=limit, window=HOUR)
                for scope, value, limit in limits
            )

        if over_the_limit():  # at once, without waiting for a turn
            return self.too_many(request)
        unexpected = None
        try:
            with in_turn():
                # Read again and counted in the turn: the run before has written its
                # count by now (in the turn's transaction, without Redis). A run that
                # fails leaves the block normally, so that its count is kept too.
                if over_the_limit():
                    return self.too_many(request)
                for scope, value, limit in limits:
                    throttle.hit(scope, value, limit=limit, window=HOUR)
                # S3 again, now.
                caches["default"].delete_many([storage_key(UNREADABLE_KEY), storage_key(READ_KEY)])
                try:
                    result = {"steps": demonstrate()}
                except (versions.MediaError, *versions.storage_errors()) as error:
                    result = {"error": error}
                except Exception as error:  # raised below, once the count is written
                    unexpected = error
                if unexpected is None:
                    # Kept in the turn: another tab's run, waiting for it, reads it.
                    run = kept(request.session, result)
            if unexpected is not None:
                raise unexpected
        except NotYourTurn:
            busy = versions.MediaError(
                "Other demonstrations are running on the same file: run it again in a moment."
            )
            response = self.respond(error=busy)
            response["Retry-After"] = "5"
            return response
        # Post, redirect, get: a reload of the result, or of a run that failed after
        # it saved or deleted, runs nothing again.
        return HttpResponseRedirect(f"{request.path}?ran={run}", status=303)

    @staticmethod
    def too_many(request):
        return too_many_requests(
            request,
            seconds=throttle.seconds_left(HOUR),
            heading="Too many demonstrations",
            message=(
                f"{DEMONSTRATIONS_PER_HOUR} demonstrations an hour per account and "
                f"client, {DEMONSTRATIONS_PER_ACCOUNT_PER_HOUR} per account: each run "
                "leaves versions in the bucket that the app cannot delete. Try again "
                "in the next hour."
            ),
        )

    def respond(self, **kwargs):
        """The page; 503 when the bucket could not be read (the rest still renders)."""
        context = self.get_context_data(**kwargs)
        error = context.get("error")
        if error is not None and not isinstance(error, versions.MediaError):
            logger.warning("S3 tour page: the media bucket could not be read: %s", error)
            context["error"] = versions.STORAGE_ERROR_SHOWN
        return self.render_to_response(context, status=503 if error is not None else 200)

    def get_context_data(self, **kwargs):
        read_after = kwargs.pop("read_after", None)
        user = self.request.user
        context = {
            "can_run": can_restore_media(user),
            # Who is asking decides what a visitor who cannot run it is told to do.
            "visitor": (
                "staff" if user.is_staff else "member" if user.is_authenticated else "anonymous"
            ),
            "storage": default_storage.__class__.__name__,
            # The project's login page, whatever app serves it (LOGIN_URL).
            "login_url": resolve_url(settings.LOGIN_URL),
            "demo_name": DEMO_NAME,
            "settings_excerpt": source_excerpt(
                "config/settings.py", "if media_bucket or not DEVELOPMENT:", 33
            ),
            "storage_excerpt": source_excerpt("config/media/storage.py", "def media_storage", 16),
            "restore_excerpt": source_excerpt("config/media/versions.py", "def restore(", 138),
        }
        if "error" not in kwargs and caches["default"].get(storage_key(UNREADABLE_KEY)):
            context["error"] = versions.MediaError(
                "S3 did not answer as expected a moment ago; this page asks it again "
                f"within {UNREADABLE_SECONDS} seconds."
            )
        elif "error" not in kwargs:
            try:
                context.update(self.read_bucket(after=read_after))
            except versions.MediaError as error:
                context["error"] = error
            except versions.storage_errors() as error:
                caches["default"].set(storage_key(UNREADABLE_KEY), True, UNREADABLE_SECONDS)
                context["error"] = error
        return super().get_context_data(**context, **kwargs)

    @staticmethod
    def read_bucket(after: float | None = None) -> dict:
        """The bucket, its versioning and the demonstration file's newest versions,
        read at most once a READ_SECONDS in each process; and again for a run's page
        (`after`: when it ran) where this process's read is older than the run. The
        run's POST clears its own process's read only: another one may serve the
        page it redirects to."""
        key = storage_key(READ_KEY)
        read = caches["default"].get(key)
        if read is None or (after is not None and read["read_at"].timestamp() < after):
            # Stamped as it starts: a read under way while a run wrote, and done after
            # it, must not pass for one after the run.
            started = timezone.now()
            read = {
                "bucket": versions.bucket_name(),
                "versioning": versions.versioning_status(),
                # The newest few: the list only grows between lifecycle runs.
                "rows": [
                    {"version": v} for v in versions.list_versions(DEMO_NAME, limit=SHOWN_VERSIONS)
                ],
                # Shown: a process's read may be older than another's, or the last run.
                "read_at": started,
            }
            caches["default"].set(key, read, READ_SECONDS)
        return read
