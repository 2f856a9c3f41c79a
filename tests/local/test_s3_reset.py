"""The local S3 server's reset (config/local/s3.py), which the tests' `fresh_s3` runs
before and after each test that stores files: whatever was changed, it leaves the
two buckets as `start()` made them, and it costs nothing after a test that only read."""

import json
import socket
from urllib.parse import urlsplit

import pytest

from config.local import s3 as locals3
from tests.conftest import bucket_keys, policy_keys
from tests.processes import wait_for


def buckets(server: locals3.LocalS3) -> dict:
    """What a test could see of the buckets: names, versioning, policy, objects."""
    client = server.client()
    seen = {}
    for bucket in sorted(b["Name"] for b in client.list_buckets()["Buckets"]):
        versioning = client.get_bucket_versioning(Bucket=bucket).get("Status")
        try:
            policy = json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"])
        except client.exceptions.ClientError:
            policy = None
        answer = client.list_object_versions(Bucket=bucket)
        entries = answer.get("Versions", []) + answer.get("DeleteMarkers", [])
        seen[bucket] = (versioning, policy, sorted(entry["Key"] for entry in entries))
    return seen


@pytest.fixture
def fresh(local_s3):
    local_s3.reset()
    return buckets(local_s3)


def test_a_reset_undoes_every_kind_of_change(local_s3, fresh):
    assert set(fresh) == {locals3.MEDIA_BUCKET, locals3.STATIC_BUCKET}
    client = local_s3.client()
    client.put_object(Bucket=locals3.MEDIA_BUCKET, Key="a.png", Body=b"one")
    client.put_object(Bucket=locals3.MEDIA_BUCKET, Key="a.png", Body=b"two")
    client.delete_object(Bucket=locals3.MEDIA_BUCKET, Key="a.png")
    client.put_object(Bucket=locals3.STATIC_BUCKET, Key="css/site.css", Body=b"p{}")
    client.create_bucket(Bucket="another")
    client.delete_bucket_policy(Bucket=locals3.STATIC_BUCKET)
    client.put_bucket_versioning(
        Bucket=locals3.MEDIA_BUCKET, VersioningConfiguration={"Status": "Suspended"}
    )
    assert buckets(local_s3) != fresh
    policy_keys(local_s3, "app-policy.json")  # an IAM user with its keys
    local_s3.require_auth()

    local_s3.reset()

    assert buckets(local_s3) == fresh
    # Keys are not checked any more, and the IAM user is gone.
    unknown = local_s3.client(access_key="nobody", secret_key="nothing")
    unknown.put_object(Bucket=locals3.MEDIA_BUCKET, Key="b.png", Body=b"b")
    assert bucket_keys(local_s3) == ["b.png"]
    iam = local_s3.client("iam")
    assert iam.list_users()["Users"] == []
    local_s3.reset()


def test_a_change_through_another_server_of_the_process_is_undone(local_s3, fresh):
    """Servers started in one process share their buckets: a change through any is one."""
    other = locals3.start()
    try:
        other.client().put_object(Bucket=locals3.MEDIA_BUCKET, Key="a.png", Body=b"a")
    finally:
        other.stop()
    local_s3.reset()
    assert buckets(local_s3) == fresh


def test_a_reset_after_reads_alone_sends_nothing(local_s3, fresh):
    done = locals3.changes.resets
    client = local_s3.client()
    client.list_object_versions(Bucket=locals3.MEDIA_BUCKET)
    client.head_bucket(Bucket=locals3.MEDIA_BUCKET)
    with pytest.raises(client.exceptions.ClientError):
        client.get_object(Bucket=locals3.MEDIA_BUCKET, Key="missing.png")
    local_s3.reset()
    assert locals3.changes.resets == done
    assert buckets(local_s3) == fresh

    client.put_object(Bucket=locals3.MEDIA_BUCKET, Key="a.png", Body=b"a")
    local_s3.reset()
    assert locals3.changes.resets == done + 1
    assert buckets(local_s3) == fresh


def test_a_write_in_flight_during_a_reset_is_undone_by_the_next_one(local_s3, fresh):
    """A PUT whose body is still arriving when a reset runs lands after it; the next
    reset must not take the bucket for clean."""
    url = local_s3.client().generate_presigned_url(
        "put_object", Params={"Bucket": locals3.MEDIA_BUCKET, "Key": "late.png"}
    )
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(
            f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Content-Length: 4\r\n\r\n".encode()
        )
        wait_for(lambda: locals3.changes.in_flight == 1, seconds=10)
        local_s3.reset()  # the PUT waits for its body meanwhile
        sock.sendall(b"late")
        assert sock.recv(1024).startswith(b"HTTP/1.1 200")
    assert bucket_keys(local_s3) == ["late.png"]  # stored after the reset

    local_s3.reset()
    assert buckets(local_s3) == fresh
