"""Fixtures of the media tests (the admin's versions page and its permission)."""

import http.client
import http.server
import socketserver
import threading
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from config.media import versions
from tests.conftest import storages_on


@pytest.fixture
def deleted_file(fresh_s3):
    """A file saved through the default storage, then deleted (a delete marker on top)."""
    name = default_storage.save("products/lamp.png", ContentFile(b"the lamp"))
    version = versions.list_versions(name)[0]
    default_storage.delete(name)
    return name, version.version_id


# What may happen straight after a restore's copy, before it is confirmed current.
AFTER_A_COPY = ("S3 stops answering", "an upload lands")


@pytest.fixture(params=AFTER_A_COPY)
def after_a_copy(request, fresh_s3):
    """Once S3 has written a restore's copy: every listing fails, as a timeout would,
    or another upload of the same name lands first. Yields what happens."""
    from botocore.exceptions import EndpointConnectionError

    client = default_storage.connection.meta.client
    asked, copied = [], []

    def copy_asked(params, **kwargs):
        asked.append((params["Bucket"], params["Key"]))

    def copy_written(**kwargs):
        bucket, key = asked[-1]
        copied.append(key)
        if request.param == "an upload lands":
            client.put_object(Bucket=bucket, Key=key, Body=b"newer")

    def listing(**kwargs):
        if copied and request.param == "S3 stops answering":
            raise EndpointConnectionError(endpoint_url="http://s3.invalid")

    hooks = {
        "provide-client-params.s3.CopyObject": copy_asked,
        "after-call.s3.CopyObject": copy_written,
        "before-send.s3.ListObjectVersions": listing,
    }
    for event, hook in hooks.items():
        client.meta.events.register(event, hook)
    try:
        yield request.param
    finally:
        for event, hook in hooks.items():
            client.meta.events.unregister(event, hook)


# Ways a CopyObject's answer is lost once S3 has carried it out.
LOST_ANSWERS = ("read timeout", "TLS error", "HTTP client error", "cut short", "500 after it")


class AnswerCutShort(http.server.BaseHTTPRequestHandler):
    """Passes requests on to the local S3 server; a CopyObject's answer is half of S3's
    200 and then the connection closes, or a 500 once S3 has written the copy."""

    protocol_version = "HTTP/1.1"
    upstream, mode, copies = None, None, []

    def log_message(self, *args):
        pass

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        upstream = http.client.HTTPConnection(*self.upstream)
        headers = dict(self.headers.items())
        upstream.request(self.command, self.path, self.rfile.read(length), headers)
        answer = upstream.getresponse()
        data = answer.read()
        if "x-amz-copy-source" in {name.lower() for name in self.headers}:
            self.copies.append(self.path)
            if self.mode == "500 after it":
                error = b"<Error><Code>InternalError</Code><Message>x</Message></Error>"
                self.send_response_only(500)
                self.send_header("Content-Length", str(len(error)))
                self.end_headers()
                self.wfile.write(error)
                return
            self.send_response_only(answer.status)
            self.send_header("Connection", "close")  # the body ends with the connection
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
            return
        self.send_response_only(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("transfer-encoding", "content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward


@pytest.fixture(params=LOST_ANSWERS)
def copys_answer_lost(request, fresh_s3, monkeypatch, settings):
    """The first CopyObject reaches S3, which writes the copy, and its answer is lost:
    an error raised once it was sent, or an answer cut short or turned into a 500
    on its way back. Yields the CopyObjects sent."""
    from botocore import exceptions

    sent = []
    if request.param in ("cut short", "500 after it"):
        split = urlsplit(fresh_s3.endpoint_url)
        AnswerCutShort.upstream, AnswerCutShort.mode = (split.hostname, split.port), request.param
        AnswerCutShort.copies = sent
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), AnswerCutShort)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        proxy = f"http://127.0.0.1:{server.server_address[1]}"
        settings.STORAGES = storages_on(fresh_s3, endpoint_url=proxy)
        yield sent
        server.shutdown()
        server.server_close()
        return
    raised = {
        "read timeout": lambda url: exceptions.ReadTimeoutError(endpoint_url=url),
        "TLS error": lambda url: exceptions.SSLError(endpoint_url=url, error="bad record mac"),
        "HTTP client error": lambda url: exceptions.HTTPClientError(error="reset"),
    }[request.param]
    client = default_storage.connection.meta.client
    send = client._endpoint._send

    def _send(http_request):
        response = send(http_request)
        if "x-amz-copy-source" in {name.lower() for name in http_request.headers}:
            sent.append(http_request.url)
            if len(sent) == 1:
                raise raised(http_request.url)
        return response

    monkeypatch.setattr(client._endpoint, "_send", _send)
    yield sent


# Buckets whose versioning is off: never enabled, or suspended (its status as S3 names it).
UNVERSIONED = {"never enabled": "Never enabled", "suspended": "Suspended"}


@pytest.fixture(params=UNVERSIONED)
def unversioned_bucket(request, settings, fresh_s3):
    """The default storage on a bucket of the local server whose versioning is off.
    Yields the status `media_versioning status` gives it."""
    client = fresh_s3.client()
    client.create_bucket(Bucket="plain-media")
    if request.param == "suspended":
        client.put_bucket_versioning(
            Bucket="plain-media", VersioningConfiguration={"Status": "Suspended"}
        )
    settings.STORAGES = storages_on(fresh_s3, bucket="plain-media")
    return UNVERSIONED[request.param]


def versioning_off(status: str) -> str:
    """What the page and the commands add on the `unversioned_bucket`."""
    return (
        f"Versioning is off on bucket 'plain-media' ({status}): "
        "a file deleted or written over there cannot be brought back."
    )


def written_twice(name: str = "products/p.png") -> str:
    """A file saved, then written over: its stored name."""
    name = default_storage.save(name, ContentFile(b"first"))
    with default_storage.open(name, "wb") as file:
        file.write(b"second")
    return name
