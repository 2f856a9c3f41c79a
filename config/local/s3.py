"""A local S3 server for the demo and the tests: moto's server mode, on 127.0.0.1.

`start()` runs moto's S3-API server in a thread of the calling process and creates
the two buckets, media versioned and static plain, as docs/s3-media.md sets them
up on AWS. The app reaches it over HTTP through `AWS_S3_ENDPOINT_URL`, exactly as
it reaches AWS: nothing is mocked inside the app. Its state lives in memory and
ends with the process that started it, unless `start(data_dir=...)` keeps it in
a folder (config/local/s3_disk.py), as the demo does with `.s3data/`.

moto is a dev package: production never imports this module.
"""

import functools
import json
import logging
import os
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]
# Where the demo keeps the server's objects, beside the local PostgreSQL's `.pgdata/`.
DATA_DIR = BASE_DIR / ".s3data"
MEDIA_BUCKET = "media"
STATIC_BUCKET = "static"
REGION = "us-east-1"
# moto accepts any key unless told to check them (see `require_auth`).
ACCESS_KEY = "local-access-key"
SECRET_KEY = "local-secret-key"  # noqa: S105 (not a secret: the local server only)
# Requests that change nothing on the server.
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Marks the requests of `LocalS3.reset()` itself (RESET_ENVIRON: as WSGI names it).
RESET_HEADER = "X-Local-S3-Reset"
RESET_ENVIRON = "HTTP_X_LOCAL_S3_RESET"


class _Changes:
    """Requests that may have changed something, to any server of this process
    (they share their buckets and objects): a reset with none since the last one
    has nothing to undo, and sends nothing. The reset's own requests carry
    RESET_HEADER and are not counted."""

    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0  # counted when they arrive
        self.in_flight = 0  # arrived, not answered yet
        self.at_last_reset = None  # the count after a reset nothing else overlapped
        self.resets = 0  # resets done, not skipped

    def counting(self, app):
        """`app`, counting each request that may change something before it runs."""

        def counted(environ, start_response):
            if environ["REQUEST_METHOD"] in SAFE_METHODS or environ.get(RESET_ENVIRON):
                return app(environ, start_response)
            with self.lock:
                self.count += 1
                self.in_flight += 1
            try:
                return app(environ, start_response)
            finally:
                with self.lock:
                    self.in_flight -= 1

        return counted


changes = _Changes()


def _mark_as_reset(request, **_):
    request.headers[RESET_HEADER] = "1"


@dataclass
class LocalS3:
    """A running local S3 server; `environ()` gives the variables pointing at it."""

    server: object
    endpoint_url: str
    restored: int = 0  # versions and delete markers read back from `data_dir`
    # Building a boto3 client takes longer than most requests to this server.
    _clients: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def environ(self) -> dict[str, str]:
        """The app's S3 variables for this server (static files stay on WhiteNoise)."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_MEDIA_BUCKET_NAME": MEDIA_BUCKET,
        }

    def client(
        self,
        service: str = "s3",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        *,
        resetting: bool = False,
    ):
        """A boto3 client for one of this server's services (s3, iam), made once per
        service and keys (boto3 clients may be shared between threads).
        `resetting`: its requests carry RESET_HEADER (`reset()`'s own)."""
        key = (service, access_key, secret_key, resetting)
        if key not in self._clients:
            client = boto3.client(
                service,
                endpoint_url=self.endpoint_url,
                region_name=REGION,
                aws_access_key_id=access_key,
                aws_secret_access_key=secret_key,
            )
            if resetting:
                client.meta.events.register(f"before-sign.{service}", _mark_as_reset)
            self._clients[key] = client
        return self._clients[key]

    def create_buckets(self, s3=None) -> None:
        s3 = s3 or self.client()
        s3.create_bucket(Bucket=MEDIA_BUCKET)
        s3.put_bucket_versioning(Bucket=MEDIA_BUCKET, VersioningConfiguration={"Status": "Enabled"})
        s3.create_bucket(Bucket=STATIC_BUCKET)
        # Anyone may read static files: the bucket policy the docs give (no ACLs).
        policy = (BASE_DIR / "docs" / "iam" / "static-bucket-policy.json").read_text()
        s3.put_bucket_policy(
            Bucket=STATIC_BUCKET, Policy=policy.replace("example-static-bucket", STATIC_BUCKET)
        )

    def reset(self) -> None:
        """Forget every bucket, object and IAM user, stop checking keys, recreate the
        buckets: unless no request has changed anything since the last reset.

        A request that was in flight when the reset began, or came during it, may
        have changed something after the reset undid it: the next one then runs."""
        with changes.lock:
            if changes.count == changes.at_last_reset and not changes.in_flight:
                return
            began, overlapped = changes.count, changes.in_flight
        self._post("/moto-api/reset-auth", b"inf", resetting=True)
        self._post("/moto-api/reset", b"", resetting=True)
        self.create_buckets(self.client(resetting=True))
        with changes.lock:
            alone = not overlapped and changes.count == began and not changes.in_flight
            changes.at_last_reset = changes.count if alone else None
            changes.resets += 1

    def require_auth(self, on: bool = True) -> None:
        """Make the server check access keys and IAM policies (off by default)."""
        # moto checks requests once it has answered this many without checking.
        self._post("/moto-api/reset-auth", b"0" if on else b"inf")

    def stop(self) -> None:
        self.server.stop()

    def _post(self, path: str, body: bytes, *, resetting: bool = False) -> dict:
        # The URL is this server's own, on 127.0.0.1.
        request = urllib.request.Request(  # noqa: S310
            self.endpoint_url + path,
            data=body,
            method="POST",
            headers={"Content-Type": "text/plain", **({RESET_HEADER: "1"} if resetting else {})},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")


def go_past_proxies(host: str) -> None:
    """Requests to `host` go straight to it, past a proxy the shell names
    (`http_proxy`, `HTTPS_PROXY`, `ALL_PROXY`...: boto3 and urllib send every request
    through it, and a company's proxy cannot reach this machine's 127.0.0.1). Adds
    `host` to `no_proxy` and `NO_PROXY`, which both read, in this process's
    environment: the demo's web processes inherit it."""
    for name in ("no_proxy", "NO_PROXY"):
        hosts = [entry.strip() for entry in os.environ.get(name, "").split(",") if entry.strip()]
        if host not in hosts:
            os.environ[name] = ",".join([*hosts, host])


def past_proxies_environ() -> dict[str, str]:
    """`no_proxy` and `NO_PROXY` as `go_past_proxies` left them, where the environment
    names a proxy: for a command line to run in another shell (the demo prints one)."""
    if not any(
        value
        for name, value in os.environ.items()
        if name.lower().endswith("_proxy") and name.lower() != "no_proxy"
    ):
        return {}
    return {name: os.environ[name] for name in ("no_proxy", "NO_PROXY") if name in os.environ}


def start(port: int = 0, data_dir: Path | None = None) -> LocalS3:
    """Start a server on 127.0.0.1 (a free port unless given) and create the buckets.

    Servers started in one process share their buckets and objects: a server
    stopped and started again on its port has kept them. With `data_dir`, the
    first server of a process reads back the objects saved there, and every
    change is saved there before it is answered.
    """
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise ImproperlyConfigured(
            "The local S3 server needs the moto dev package: run `pipenv install --dev`, "
            "or set AWS_MEDIA_BUCKET_NAME (and AWS_S3_ENDPOINT_URL) to a real bucket."
        ) from None
    # Its per-request access log would drown the demo's own output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    # moto finds each request's service by listing the folders of its own package
    # (a few hundred file-system calls, about a sixth of what a request costs);
    # the answer for a host never changes, so each host is looked up once.
    dispatcher = server._server.app
    dispatcher.get_backend_for_host = functools.lru_cache(maxsize=64)(
        dispatcher.get_backend_for_host
    )
    server._server.app = changes.counting(dispatcher)
    host, port = server.get_host_and_port()
    go_past_proxies(host)
    local = LocalS3(server, f"http://{host}:{port}")
    local.create_buckets()
    if data_dir is not None:
        from config.local.s3_disk import S3Disk

        disk = S3Disk(data_dir)
        disk.claim()
        local.restored = disk.restore(local.client())
        disk.save()
        # Every later request that changes something is saved before its answer,
        # and counted as in flight until then.
        server._server.app = changes.counting(disk.write_through(dispatcher))
    return local
