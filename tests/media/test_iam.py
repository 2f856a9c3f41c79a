"""Least privilege: the app's keys add files and delete markers, never destroy versions.

The policies in docs/iam/ are checked as text, then loaded into the local S3
server's IAM with key checking on, so each allowed and refused call is real.
"""

import io
import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from config.local import s3 as locals3
from config.media import versions
from tests.conftest import policy_keys, storages_on

POLICIES = Path(settings.BASE_DIR) / "docs" / "iam"
MEDIA_BUCKET = "arn:aws:s3:::example-media-bucket"
STATIC_BUCKET = "arn:aws:s3:::example-static-bucket"


def granted(policy_file: str) -> dict[str, set[str]]:
    """Actions allowed per resource, from a policy file (which must be valid JSON)."""
    policy = json.loads((POLICIES / policy_file).read_text())
    assert policy["Version"] == "2012-10-17"
    actions: dict[str, set[str]] = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource"}
        actions.setdefault(statement["Resource"], set()).update(statement["Action"])
    return actions


def test_app_policy_grants_exactly_what_the_app_does():
    assert granted("app-policy.json") == {
        # Files: read, write, delete (a delete marker only), read an old version.
        f"{MEDIA_BUCKET}/*": {
            "s3:GetObject",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:GetObjectVersion",
        },
        # List (a missing key is then a 404, not a 403), list versions, read versioning.
        MEDIA_BUCKET: {"s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketVersioning"},
        # collectstatic, when static files live on their bucket.
        f"{STATIC_BUCKET}/*": {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"},
        STATIC_BUCKET: {"s3:ListBucket"},
    }


def test_operator_policy_grants_exactly_what_the_commands_do():
    assert granted("operator-policy.json") == {
        MEDIA_BUCKET: {
            "s3:ListBucket",
            "s3:ListBucketVersions",
            "s3:GetBucketVersioning",
            "s3:PutBucketVersioning",
            "s3:GetLifecycleConfiguration",
            "s3:PutLifecycleConfiguration",
        },
        f"{MEDIA_BUCKET}/*": {
            "s3:GetObject",
            "s3:GetObjectVersion",
            "s3:PutObject",
            "s3:DeleteObjectVersion",
        },
    }


def test_static_bucket_policy_lets_anyone_read_static_files_only():
    policy = json.loads((POLICIES / "static-bucket-policy.json").read_text())
    assert policy["Statement"] == [
        {
            "Sid": "PublicReadOfStaticFiles",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"{STATIC_BUCKET}/*",
        }
    ]


def denied(call, *args, **kwargs) -> bool:
    try:
        call(*args, **kwargs)
    except ClientError as error:
        return error.response["Error"]["Code"] == "AccessDenied"
    return False


@pytest.fixture
def as_user(fresh_s3, settings):
    """Use the default storage with the keys of a user holding one of the policies."""

    def use(policy_file: str) -> dict[str, str]:
        keys = policy_keys(fresh_s3, policy_file)
        settings.STORAGES = storages_on(fresh_s3, **keys)
        fresh_s3.require_auth()
        return keys

    return use


def test_app_keys_save_delete_and_restore_by_copy_but_never_destroy(as_user, fresh_s3):
    keys = as_user("app-policy.json")
    name = default_storage.save("avatars/ada.png", ContentFile(b"ada"))
    version = versions.list_versions(name)[0].version_id
    assert versions.versioning_status().enabled  # the deploy check can run
    default_storage.delete(name)  # a delete marker: allowed
    assert not default_storage.exists(name)

    restored = versions.restore(name, version)  # the admin's restore: a copy
    assert default_storage.open(name).read() == b"ada"

    client = fresh_s3.client(access_key=keys["access_key"], secret_key=keys["secret_key"])
    bucket = locals3.MEDIA_BUCKET
    assert denied(client.delete_object, Bucket=bucket, Key=name, VersionId=version)
    assert denied(client.delete_object, Bucket=bucket, Key=name, VersionId=restored.version_id)
    assert denied(versions.set_versioning, False)
    assert denied(versions.put_lifecycle, noncurrent_days=1, keep_versions=0)
    assert denied(client.delete_bucket, Bucket=bucket)
    default_storage.delete(name)
    assert denied(versions.restore, name)  # removing a marker is deleting a version
    assert len(versions.list_versions(name)) == 4  # nothing destroyed


def test_operator_keys_run_every_media_command(as_user, fresh_s3):
    name = "avatars/ada.png"
    fresh_s3.client().put_object(Bucket=locals3.MEDIA_BUCKET, Key=name, Body=b"ada")
    fresh_s3.client().delete_object(Bucket=locals3.MEDIA_BUCKET, Key=name)
    as_user("operator-policy.json")
    out = io.StringIO()
    call_command("media_versioning", "suspend", stdout=out)
    call_command("media_versioning", "enable", stdout=out)
    call_command("media_lifecycle", "--noncurrent-days", "30", "--keep-versions", "3", stdout=out)
    call_command("media_versions", name, stdout=out)
    call_command("media_restore", name, stdout=out)
    assert f"Restored {name}: removed the delete marker(s) over it" in out.getvalue()
    assert default_storage.open(name).read() == b"ada"
