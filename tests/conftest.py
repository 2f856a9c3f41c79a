import os
import signal
import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection, models
from django.test import override_settings
from django.test.utils import isolate_apps
from django.utils import translation

from catalog import pagecache
from config.local import s3 as locals3
from config.media import storage as s3
from config.security import throttle
from tests import builds, forkserver, handlers, parallel
from tests.processes import closed_port


def is_worker(config: pytest.Config) -> bool:
    """True in a pytest-xdist worker; False in the main process (with or without workers)."""
    return hasattr(config, "workerinput")


def pytest_sessionstart(session):
    """Heroku's build, once for the run, before any worker starts (tests/builds.py).
    Pages render hashed static URLs from its manifest, as in production."""
    if not is_worker(session.config):
        builds.record(builds.run_all())
        forkserver.close()  # the workers start their own: this one's memory back


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """pytest-xdist: hand each worker the outcome of the run's builds."""
    node.workerinput["builds"] = builds.recorded()


def pytest_configure(config):
    if is_worker(config):
        builds.record(config.workerinput["builds"])
    # A run started in the background of a script (`pipenv run test &`, a CI step
    # doing so) ignores SIGINT, as a shell without job control makes its background
    # commands do, and every process the tests start inherited that: their Ctrl-C
    # tests then saw nothing of what Ctrl-C does in a terminal. Python's own
    # handler, as in a terminal: a process started from here gets SIGINT's default
    # (and a Ctrl-C meant for that script's foreground command stops the run too).
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.hookimpl(optionalhook=True, wrapper=True)
def pytest_xdist_auto_num_workers(config):
    """`-n auto` (pyproject.toml): pytest-xdist's count, one more where tests/parallel.py says."""
    per_core = yield
    return parallel.workers_for_auto(per_core)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """Groups before pytest-xdist reads them; process tests first after pytest-django's order."""
    if config.pluginmanager.hasplugin("xdist"):
        parallel.mark_groups(config, items)
    yield
    parallel.processes_first(items)


# Media: a local S3 server over HTTP for the whole session (config/local/s3.py).
# This process stores media on its versioned bucket, and the processes the tests
# start (tests/processes.py) get the same AWS_* variables. pyproject.toml blanks
# any AWS_* bucket variables from .env, so no test reaches a real bucket.


def leave_out_the_shells_aws(patch: pytest.MonkeyPatch) -> None:
    """Nothing of the machine's own AWS set-up: its profiles and config file
    (~/.aws/config: a region, an endpoint) are for real buckets, and so is every
    AWS_ variable of the shell, which boto3, botocore and django-storages read
    (AWS_DEFAULT_REGION, AWS_ENDPOINT_URL, AWS_DEFAULTS_MODE, a session token...):
    storages the tests build in this process took them."""
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        patch.delenv(name)
    patch.setenv("AWS_CONFIG_FILE", os.devnull)
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


@pytest.fixture(scope="session", autouse=True)
def local_s3():
    with pytest.MonkeyPatch.context() as patch:
        leave_out_the_shells_aws(patch)
        server = locals3.start()
        for name, value in server.environ().items():
            patch.setenv(name, value)
        with override_settings(STORAGES=storages_on(server)):
            yield server
    server.stop()


def storages_on(server: locals3.LocalS3, bucket: str = locals3.MEDIA_BUCKET, **options) -> dict:
    """STORAGES with the default storage on a bucket of the local server, static unchanged."""
    options = {"endpoint_url": server.endpoint_url, "region_name": locals3.REGION, **options}
    media = s3.media_storage(bucket, **options)
    return {**settings.STORAGES, "default": media}


def bucket_elsewhere(server: locals3.LocalS3, bucket: str, region: str = "eu-west-1"):
    """Make `bucket` on the local server in `region`, not the server's own; its client."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint_url,
        region_name=region,
        aws_access_key_id=locals3.ACCESS_KEY,
        aws_secret_access_key=locals3.SECRET_KEY,
    )
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    return client


def policy_keys(server: locals3.LocalS3, policy_file: str) -> dict[str, str]:
    """Access keys of a new IAM user of the local server holding a policy from docs/iam/.

    The example bucket names become the local ones. Keys are checked, and the
    policy enforced, only after `server.require_auth()`.
    """
    policy = (settings.BASE_DIR / "docs" / "iam" / policy_file).read_text()
    policy = policy.replace("example-media-bucket", locals3.MEDIA_BUCKET)
    policy = policy.replace("example-static-bucket", locals3.STATIC_BUCKET)
    user = policy_file.removesuffix(".json")
    iam = server.client("iam")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName=user, PolicyDocument=policy)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return {"access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"]}


@pytest.fixture
def fresh_s3(local_s3):
    """Empty buckets before the test, and again after it for the tests that follow."""
    local_s3.reset()
    yield local_s3
    local_s3.reset()


def stored_bytes(server: locals3.LocalS3, name: str, version_id: str | None = None) -> bytes:
    """An object's bytes, read from the media bucket with boto3 (not through the app)."""
    extra = {"VersionId": version_id} if version_id else {}
    answer = server.client().get_object(Bucket=locals3.MEDIA_BUCKET, Key=name, **extra)
    return answer["Body"].read()


def bucket_keys(server: locals3.LocalS3) -> list[str]:
    """The key of every version and delete marker in the media bucket, sorted."""
    answer = server.client().list_object_versions(Bucket=locals3.MEDIA_BUCKET)
    entries = answer.get("Versions", []) + answer.get("DeleteMarkers", [])
    return sorted(entry["Key"] for entry in entries)


def current_keys(server: locals3.LocalS3) -> list[str]:
    """The media bucket's current objects, sorted (a deleted one keeps its versions)."""
    answer = server.client().list_objects_v2(Bucket=locals3.MEDIA_BUCKET)
    return sorted(entry["Key"] for entry in answer.get("Contents", []))


@pytest.fixture
def refusing_port():
    """A port of 127.0.0.1 that refuses connections for the whole test."""
    with closed_port() as port:
        yield port


@pytest.fixture(params=["unreachable", "stopped", "no bucket", "wrong keys"])
def broken_s3(request, settings, fresh_s3):
    """The default storage pointed at each way S3 can fail, over real HTTP."""
    if request.param == "unreachable":
        port = request.getfixturevalue("refusing_port")
        settings.STORAGES = storages_on(fresh_s3, endpoint_url=f"http://127.0.0.1:{port}")
    elif request.param == "stopped":
        stopped = locals3.start()
        stopped.stop()
        settings.STORAGES = storages_on(fresh_s3, endpoint_url=stopped.endpoint_url)
    elif request.param == "no bucket":
        settings.STORAGES = storages_on(fresh_s3, bucket="no-such-bucket")
    else:
        settings.STORAGES = storages_on(fresh_s3, access_key="AKIAWRONG", secret_key="wrong")
        fresh_s3.require_auth()  # the server now refuses keys it did not issue
    return request.param


@pytest.fixture
def upload_model(db):
    """A throwaway model with a FileField (the catalog and accounts own the real ones)."""
    with isolate_apps("config"):

        class Upload(models.Model):
            title = models.CharField(max_length=100)
            file = models.FileField(upload_to="uploads/")

            class Meta:
                app_label = "config"

            def __str__(self):
                return self.title

        # Inside the test's transaction: PostgreSQL rolls the table back with it.
        with connection.schema_editor() as editor:
            editor.create_model(Upload)
        yield Upload


@pytest.fixture
def second_alias(db):
    """A second connection to the test database, under its own alias, as a project
    with a second DATABASES entry has; or another process's connection: what it
    writes outside a transaction is committed at once, whatever this test's
    connection is in the middle of."""
    from django.db import connections

    # A connection made in the test, which Django's test case lets through.
    second = connections["default"].copy(alias="second")
    connections._connections.second = second
    yield "second"
    second.close()
    del connections._connections.second


@pytest.fixture(scope="session", autouse=True)
def shared_middleware():
    """Test clients share one middleware chain per process (tests/handlers.py)."""
    with pytest.MonkeyPatch.context() as patch:
        handlers.share(patch)
        yield
    handlers.forget()


@pytest.fixture(scope="session", autouse=True)
def fast_password_hasher():
    """Django's PBKDF2 takes a third of a second per hash by design: too slow for tests
    that make dozens of users. The app's own processes keep the real hasher.
    Set once for the run: a change per test would drop the shared middleware chain."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def rotated_secret(settings):
    """`rotate(keep=True)`: SECRET_KEY rotated as Django documents it, the old key kept
    among SECRET_KEY_FALLBACKS; `keep=False`, a new key alone."""

    def rotate(keep: bool = True) -> None:
        old = settings.SECRET_KEY
        settings.SECRET_KEY = "a-rotated-secret-key-" + "r" * 50
        settings.SECRET_KEY_FALLBACKS = [old, *settings.SECRET_KEY_FALLBACKS] if keep else []

    return rotate


@pytest.fixture(autouse=True)
def default_language():
    """Each test ends in the site's own language. Django's LocaleMiddleware (a test's
    `settings.MIDDLEWARE`) activates a request's language in the thread and never
    deactivates it: the tests after it, on that worker, rendered in it."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Each test starts with no cached list page, and nothing in the default cache
    (the S3 tour's remembered failure): both live in this process's memory, outside
    the transaction every test rolls back."""
    caches["pages"].clear()
    caches["default"].clear()
    pagecache.unsent_clear.clear()  # a clear an earlier test's Redis refused


@pytest.fixture
def counts_cleared():
    """For tests whose transactions commit (django_db(transaction=True)): the throttles'
    counts they leave, in cache tables the flush after such a test does not empty."""
    yield
    for alias in settings.CACHES:
        if alias not in ("pages", "default"):
            caches[alias].clear()


class HeldClock:
    """A clock that moves only when a test moves it: `time()` returns `now`."""

    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def throttle_clock() -> Iterator[HeldClock]:
    """The throttles count in windows aligned on the clock's minutes and hours
    (config/security/throttle.py): a test whose requests straddled a boundary
    would see its count start again. In this process their clock stands still,
    half an hour and half a minute into the current hour; a test that needs the
    next window moves it. Tests of the app's own processes wait instead
    (tests.processes.clear_of_window_end)."""
    now = time.time()
    clock = HeldClock(now - now % 3600 + 1830)
    # A MonkeyPatch of its own: a test's `monkeypatch.undo()`, ending a fault half-way,
    # undid this too, and its last requests counted on the real clock.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(throttle, "time", clock)
        yield clock
