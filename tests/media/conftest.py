"""Fixtures of the media tests (the admin's versions page and its permission)."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from config.media import versions


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


@pytest.fixture
def copys_answer_lost(fresh_s3, monkeypatch):
    """The first CopyObject reaches S3, which writes the copy, and its answer never
    comes back (a read timeout). Yields the file's versions before it."""
    from botocore.exceptions import ReadTimeoutError

    client = default_storage.connection.meta.client
    send, lost = client._endpoint._send, []

    def _send(request):
        response = send(request)
        if not lost and "x-amz-copy-source" in {name.lower() for name in request.headers}:
            lost.append(request.url)
            raise ReadTimeoutError(endpoint_url=request.url)
        return response

    monkeypatch.setattr(client._endpoint, "_send", _send)
    return lost
