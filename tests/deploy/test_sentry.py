"""The real web process reports an unhandled error to Sentry, without secrets.

A small HTTP server on 127.0.0.1 stands in for Sentry: the DSN points the real
sentry-sdk at it, and it decodes the envelopes the SDK posts (compressed with
brotli or gzip). A staff member logs in through the admin, then posts to the
staff-only /debug/sentry-check with their session cookie, the CSRF token and a
password field: the event must arrive tagged with the deployed commit and carry
none of those values. A burst of client mistakes (bad host, oversized or
malformed bodies, missing CSRF token, unknown pages) must send no event at all,
while a server error still sends exactly one.
"""

import gzip
import json
import queue
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import brotli
import pytest

from tests.deploy.client import RouterClient, create_superuser
from tests.deploy.corpus import WITH_CSRF
from tests.processes import HEROKU_HOST, production_env, released_database, serving

PERSONAL_EMAIL = "ada.lovelace@example.com"
COMMIT = "3f2a9c0d1e8b7a6954321fedcba0987654321abc"
PASSWORD = "staff-passphrase-for-the-sentry-test"
FIELD_PASSWORD = "typed-into-a-form-9b1c"


def parse_envelope(data: bytes) -> list[tuple[dict, bytes]]:
    """The items of a Sentry envelope: a JSON header line, then header + payload per item."""
    _envelope_header, _, rest = data.partition(b"\n")
    items = []
    while rest.strip():
        line, _, rest = rest.partition(b"\n")
        header = json.loads(line)
        if "length" in header:
            payload, rest = rest[: header["length"]], rest[header["length"] + 1 :]
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((header, payload))
    return items


class SentryReceiver(ThreadingHTTPServer):
    """Collects the raw (decompressed) envelopes posted to it."""

    def __init__(self):
        self.envelopes: queue.Queue[bytes] = queue.Queue()
        super().__init__(("127.0.0.1", 0), _EnvelopeHandler)

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server_address[1]}/1"

    def events_left(self) -> list[dict]:
        """The error events received and not yet taken, without waiting for more."""
        events = []
        while not self.envelopes.empty():
            raw = self.envelopes.get_nowait()
            events += [json.loads(p) for h, p in parse_envelope(raw) if h.get("type") == "event"]
        return events

    def next_event(self, timeout: float = 15) -> tuple[dict, bytes]:
        """The next error event and the whole envelope it came in."""
        while True:
            raw = self.envelopes.get(timeout=timeout)
            for header, payload in parse_envelope(raw):
                if header.get("type") == "event":
                    return json.loads(payload), raw


class _EnvelopeHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            body = brotli.decompress(body)
        if self.path.endswith("/envelope/"):
            self.server.envelopes.put(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = SentryReceiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_unhandled_error_reaches_sentry_with_the_release_and_without_secrets(receiver):
    env = production_env(
        DATABASE_URL=released_database("sentry"),
        ENVIRONMENT="staging",
        SENTRY_DSN=receiver.dsn,
        HEROKU_BUILD_COMMIT=COMMIT,
    )
    create_superuser(env, "ops", PASSWORD)
    with serving(env) as web:
        client = RouterClient(web.port)
        client.log_in_to_admin("ops", PASSWORD)
        token = client.get("/debug/sentry-check").form_token()
        reply = client.post_form(
            "/debug/sentry-check",
            {"csrfmiddlewaretoken": token, "password": FIELD_PASSWORD, "email": PERSONAL_EMAIL},
        )
        assert reply.status == 500
        assert "Something went wrong" in reply.text
        event, envelope = receiver.next_event()

    assert event["release"] == COMMIT
    assert event["environment"] == "staging"
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "SentryCheckError"
    # The URL the visitor used: https, the router's X-Forwarded-Proto (config/wsgi.py).
    assert event["request"]["url"] == f"https://{HEROKU_HOST}/debug/sentry-check"
    assert not event["request"].get("data"), event["request"].get("data")  # no body
    frames = exception["stacktrace"]["frames"]
    assert all("vars" not in frame for frame in frames)  # no local variables either
    assert "cookies" not in event["request"]
    assert "Cookie" not in event["request"]["headers"]
    assert "user" not in event or "ip_address" not in event["user"]
    secrets = {
        "session id": client.cookies["sessionid"],
        "CSRF cookie": client.cookies["csrftoken"],
        "CSRF form token": token,
        "form password": FIELD_PASSWORD,
        "login password": PASSWORD,
        "e-mail address": PERSONAL_EMAIL,
    }
    leaked = [name for name, value in secrets.items() if value.encode() in envelope]
    assert leaked == []


def bad_requests(client: RouterClient) -> dict[str, int]:
    """One request of each kind a client gets wrong; the status each got."""
    form = {"Content-Type": "application/x-www-form-urlencoded", **WITH_CSRF}
    sent = {
        "unknown host": client.get("/", {"Host": "evil.example"}),
        "form data too big": client.request(
            "POST", "/accounts/signup/", b"x=" + b"a" * (2 * 1024 * 1024), form
        ),
        "too many fields": client.request(
            "POST", "/accounts/signup/", b"&".join(b"f%d=1" % i for i in range(2000)), form
        ),
        "too many query parameters": client.get("/products/?" + "a&" * 1001),
        "too many files": client.post_multipart(
            "/accounts/signup/", {}, {f"f{i}": ("a.txt", b"a") for i in range(101)}, WITH_CSRF
        ),
        "multipart without boundary": client.request(
            "POST",
            "/accounts/signup/",
            b"--x--",
            {**WITH_CSRF, "Content-Type": "multipart/form-data"},
        ),
        "no CSRF token": client.post_form("/accounts/signup/", {"username": "a"}),
        "no such page": client.get("/no-such-page/"),
        "no such product": client.get("/products/%00/"),
        "wrong method": client.request("DELETE", "/healthz"),
    }
    return {name: reply.status for name, reply in sent.items()}


def test_client_mistakes_send_no_event_and_a_server_error_exactly_one(receiver):
    env = production_env(
        DATABASE_URL=released_database("sentry_noise"),
        SENTRY_DSN=receiver.dsn,
        # One worker: one SDK client, which sends its events in the order they happen.
        WEB_CONCURRENCY="1",
    )
    create_superuser(env, "ops", PASSWORD)
    with serving(env) as web:
        statuses = bad_requests(RouterClient(web.port))
        assert all(400 <= status < 500 for status in statuses.values()), statuses
        staff = RouterClient(web.port)
        staff.log_in_to_admin("ops", PASSWORD)
        token = staff.get("/debug/sentry-check").form_token()
        assert staff.post_form("/debug/sentry-check", {"csrfmiddlewaretoken": token}).status == 500
        # The first event is the server error: none came before it.
        event, _ = receiver.next_event()
        assert event["exception"]["values"][-1]["type"] == "SentryCheckError", event.get("logger")
    # Stopped: the SDK flushed whatever it still held on the way out.
    assert receiver.events_left() == []


def test_traced_requests_send_no_secret_either(receiver):
    """With tracing on, every request sends a transaction: it carries the URL, which for a
    password reset link holds a token good for setting the account's password."""
    env = production_env(
        DATABASE_URL=released_database("sentry_traces"),
        SENTRY_DSN=receiver.dsn,
        SENTRY_TRACES_SAMPLE_RATE="1",
    )
    create_superuser(env, "ops", PASSWORD)
    reset_token = "cz8abc-0123456789abcdef0123456789abcdef"
    with serving(env) as web:
        client = RouterClient(web.port)
        client.log_in_to_admin("ops", PASSWORD)
        # Not a working link, and so the invalid-link page; its URL is as a real one's.
        assert client.get(f"/accounts/reset/MQ/{reset_token}/").status == 400
        assert client.get(f"/accounts/reset/MQ/{reset_token}/?next=/").status == 400
        csrf_token = client.get("/accounts/profile/edit/").form_token()
        # The S3 tour fetches its object's presigned URL: the SDK's spans and
        # breadcrumbs of outgoing requests carried its query, signature and all,
        # which reads the object for an hour.
        assert client.submit("/tour/s3-media/", {}).status == 303
    envelopes = []
    while not receiver.envelopes.empty():
        envelopes.append(receiver.envelopes.get_nowait())
    items = [(h, p) for raw in envelopes for h, p in parse_envelope(raw)]
    urls = [json.loads(p)["request"]["url"] for h, p in items if h.get("type") == "transaction"]
    assert any("/accounts/reset/MQ/" in url for url in urls), urls
    secrets = {
        "reset token": reset_token,
        "session id": client.cookies["sessionid"],
        "CSRF cookie": client.cookies["csrftoken"],
        "CSRF form token": csrf_token,
        "login password": PASSWORD,
    }
    leaked = [
        name for name, value in secrets.items() if any(value.encode() in e for e in envelopes)
    ]
    assert leaked == []
    assert any(b"s3-media-demo.txt" in e and b"X-Amz-Signature" in e for e in envelopes)
    # In any spelling the filter reads: as written, percent-encoded once or twice, as
    # a JSON key.
    signed = re.compile(
        rb"(?i)(signature|credential|security-token)(=|%3D|%253D|\"\s*:\s*\")(?!\[Filtered\])"
    )
    assert [e for e in envelopes if signed.search(e)] == []
