"""Rows whose files are not in the local S3 server's media bucket.

The demo keeps the database in `.pgdata/` and the bucket in `.s3data/`. Removing
one folder and not the other (or pointing DATABASE_URL at another database)
leaves rows naming files the bucket never had: their pages would show broken
images. The demo runs `missing_files()` at every start and says so, instead of
letting a visitor find out.
"""

from django.apps import apps
from django.core.files.storage import default_storage
from django.db.models import FileField


def stored_names() -> set[str]:
    """Every non-empty name a FileField on the default storage holds, over all models."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, FileField) and field.storage is default_storage:
                values = model._base_manager.values_list(field.attname, flat=True)
                names.update(name for name in values if name)
    return names


def bucket_keys(client, bucket: str) -> set[str]:
    """The keys `bucket` has any version or delete marker of.

    A file deleted on a versioned bucket is not missing: its versions can be
    restored (that is what the S3 tour shows), so only keys the bucket never
    had count.
    """
    keys: set[str] = set()
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            keys.add(entry["Key"])
    return keys


def missing_files(client, bucket: str) -> list[str]:
    """Names the database holds that `bucket` has no trace of, sorted."""
    return sorted(stored_names() - bucket_keys(client, bucket))


def report(missing: list[str], folder: str = ".s3data") -> str:
    """One line for the demo's output; `folder`: where the local S3 server keeps its objects."""
    shown = ", ".join(missing[:3]) + (", ..." if len(missing) > 3 else "")
    return (
        f"{len(missing)} file(s) named in the database are not in the local S3 server "
        f"({shown}): their pages show broken images. The bucket kept in {folder}/ never "
        f"had them: they went to another storage, or to a {folder}/ removed since. Upload "
        f"them again, or remove .pgdata/ and {folder}/ together to start afresh."
    )
