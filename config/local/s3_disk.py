"""The local S3 server's objects on disk, so the demo keeps its uploads across restarts.

moto (5.2) keeps S3 objects in memory only, while the demo's PostgreSQL keeps
`.pgdata/`: without this, an avatar uploaded before Ctrl-C is a 404 after the
next start, and its profile shows a broken image. `S3Disk(folder)`:

- `save()` writes every bucket's objects, older versions and delete markers to
  `folder/<bucket>/versions.json` plus one file per version's bytes under
  `blobs/`, in the server's own order (oldest first) with millisecond times.
  Writes go to a temporary name and are renamed into place, so a kill leaves
  the previous complete state, never half of one.
- `write_through(app)` wraps the server's WSGI app: every request that changes
  something (not GET/HEAD) is saved before its answer goes out, so a `kill -9`
  loses nothing a client was told is stored.
- `restore(client)` replays the saved state into a fresh server through boto3,
  oldest version first, then gives each version back its saved id and time, so
  links with `?versionId=` and the S3 tour's version list read as before.

It reads moto's in-process S3 backend (the server runs in a thread of this
process): the S3 API lists versions and delete markers apart, to the second, which
cannot tell their order within one second. Of the bucket settings only the
versioning status is saved; the policy and the rest come from
`LocalS3.create_buckets()` at every start. One process holds a folder at a time
(`claim()`).
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
import threading
from datetime import datetime
from pathlib import Path

from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import FakeDeleteMarker, s3_backends

from config.local.envfile import run_with
from config.local.s3 import SAFE_METHODS

MANIFEST = "versions.json"
# Kept by moto beside an object's headers, but about the request that sent it:
# a replay signs its own.
UNSAVED_HEADERS = {"x-amz-content-sha256"}


def _backend():
    return s3_backends[DEFAULT_ACCOUNT_ID]["aws"]


class FolderRefused(Exception):
    """A folder the server will not keep its objects in; str() is one line."""


class FolderInUse(FolderRefused):
    """Another process keeps its S3 objects in this folder; str() is one line."""


LOCK = ".lock"
# What a file browser leaves in any folder it shows (Finder's, Explorer's,
# Dolphin's; macOS's ._ files beside others on a drive without its metadata):
# taken, and left in place.
OS_LEFTOVERS = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", ".directory", ".localized"})


def _leftover(name: str) -> bool:
    return name in OS_LEFTOVERS or name.startswith("._")


# A version's bytes (`_blob_name`), or one being written (`_write_atomic`).
BLOB = re.compile(r"\.?[0-9a-f]{64}(?:\.\d+\.tmp)?")
MANIFEST_BEING_WRITTEN = re.compile(rf"\.{re.escape(MANIFEST)}\.\d+\.tmp")


def _plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _plain_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def is_bucket_folder(path: Path) -> bool:
    """Whether `path` is a folder as `save()` writes a bucket's: a `blobs` folder of
    version files and its manifest (or one being written), or one of the two
    alone (a manifest whose blobs were removed by hand), nothing else (but file
    browsers' leftovers), and no symbolic link anywhere."""
    if not _plain_folder(path):
        return False
    entries = {entry.name: entry for entry in path.iterdir()}
    blobs = entries.pop("blobs", None)
    if blobs is None and MANIFEST not in entries:
        return False
    if blobs is not None and not (
        _plain_folder(blobs)
        and all(
            _plain_file(entry) and (BLOB.fullmatch(entry.name) or _leftover(entry.name))
            for entry in blobs.iterdir()
        )
    ):
        return False
    return all(
        _plain_file(entry)
        and (name == MANIFEST or MANIFEST_BEING_WRITTEN.fullmatch(name) or _leftover(name))
        for name, entry in entries.items()
    )


def foreign_entries(folder: Path) -> list[str]:
    """What `folder` holds that a server did not write there (its lock and buckets)."""
    return sorted(
        entry.name
        for entry in folder.iterdir()
        if not (_plain_file(entry) and (entry.name == LOCK or _leftover(entry.name)))
        and not is_bucket_folder(entry)
    )


class S3Disk:
    """A folder holding the local S3 server's buckets (see the module docstring)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._owner = None
        # bucket name -> the blob files in its folder: read from the disk once, then
        # kept here, so a save touches only what changed (it runs on every write).
        self._blobs: dict[str, set[str]] = {}

    def claim(self) -> None:
        """Hold the folder for this process, or raise FolderRefused (FolderInUse).

        A folder holding anything a server did not write (`foreign_entries`: a
        checkout, a home folder) is refused before anything is written into it:
        `save()` replaces what it finds there. Two demos saving into one folder
        would each delete the other's files: the lock is the kernel's (flock), and
        goes with the process, even on kill -9.
        """
        another = run_with("DEMO_S3_DATA", "another-folder")
        try:
            if self.folder.exists() and not self.folder.is_dir():
                raise FolderRefused(f"{self.folder} is not a folder: {another}")
            if self.folder.is_dir() and (foreign := foreign_entries(self.folder)):
                shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
                raise FolderRefused(
                    f"{self.folder} holds what the local S3 server did not write there "
                    f"({shown}), which it would replace: name a new or empty folder, "
                    f"or {another}"
                )
            self.folder.mkdir(parents=True, exist_ok=True)
            # Not through a symbolic link, and not emptied: a lock file's content
            # is not the lock.
            descriptor = os.open(
                self.folder / LOCK, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644
            )
        except OSError as error:  # unreadable, unwritable, a path through a file
            raise FolderRefused(
                f"{self.folder} cannot hold the local S3 server's objects "
                f"({error.strerror or error}): {another}"
            ) from None
        self._owner = os.fdopen(descriptor, "w")
        try:
            fcntl.flock(self._owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._owner.close()
            raise FolderInUse(
                f"Another demo keeps its S3 objects in {self.folder}: stop it, "
                f"or {run_with('DEMO_S3_DATA', 'another-folder')}"
            ) from None

    def save(self) -> None:
        """Write every bucket's versions to the folder (blobs first, then the list)."""
        with self._lock:
            buckets = list(_backend().buckets.values())
            for bucket in buckets:
                self._save_bucket(bucket)
            # A bucket deleted from the server must not come back at the next start.
            # Only a bucket's folder goes: one made beside them meanwhile stays.
            names = {bucket.name for bucket in buckets}
            for folder in self.folder.iterdir():
                if folder.name not in names and is_bucket_folder(folder):
                    shutil.rmtree(folder)
                    self._blobs.pop(folder.name, None)

    def _save_bucket(self, bucket) -> None:
        folder = self.folder / bucket.name
        blobs = folder / "blobs"
        on_disk = self._blobs.get(bucket.name)
        if on_disk is None:
            blobs.mkdir(parents=True, exist_ok=True)
            on_disk = self._blobs[bucket.name] = {path.name for path in blobs.iterdir()}
        entries = []
        for key, versions in bucket.keys.iterlists():
            for version in versions:  # oldest first, as the server appended them
                entry = {
                    "key": key,
                    "version_id": version.version_id,
                    "last_modified": version.last_modified.isoformat(),
                }
                if isinstance(version, FakeDeleteMarker):
                    entry["delete_marker"] = True
                else:
                    blob = _blob_name(bucket.name, entry["version_id"], version.etag, key)
                    if blob not in on_disk:
                        _write_atomic(blobs / blob, version.value)
                        on_disk.add(blob)
                    headers = {
                        name: value
                        for name, value in version.metadata.items()
                        if name.lower() not in UNSAVED_HEADERS
                    }
                    entry.update(blob=blob, headers=headers)
                entries.append(entry)
        state = {"versioning": bucket.versioning_status, "entries": entries}
        # Compact: with an indent, json falls back from its C encoder to Python.
        _write_atomic(folder / MANIFEST, json.dumps(state, separators=(",", ":")).encode())
        # Versions deleted for good (a DELETE with a version id) leave their bytes behind.
        keep = {entry["blob"] for entry in entries if "blob" in entry}
        for name in on_disk - keep:
            (blobs / name).unlink(missing_ok=True)
        on_disk &= keep

    def restore(self, client) -> int:
        """Replay the saved buckets through `client` (boto3, S3, of a fresh server);
        the number of versions and delete markers restored."""
        count = 0
        headers: dict[str, str] = {}

        # Each saved version's own headers (Content-Type, Cache-Control, x-amz-meta-*),
        # sent as they were, not mapped one by one onto put_object's parameters.
        def add_headers(request, **_):
            for name, value in headers.items():
                del request.headers[name]  # a header set twice would be sent twice
                request.headers[name] = value

        client.meta.events.register("before-sign.s3.PutObject", add_headers)
        try:
            for manifest in sorted(self.folder.glob(f"*/{MANIFEST}")):
                bucket = manifest.parent.name
                state = json.loads(manifest.read_text())
                if bucket not in _backend().buckets:
                    client.create_bucket(Bucket=bucket)
                if state["versioning"]:
                    _set_versioning(client, bucket, "Enabled")
                for entry in state["entries"]:
                    if entry.get("delete_marker"):
                        headers.clear()
                        answer = _lay_marker(client, bucket, entry["key"])
                    else:
                        blob = manifest.parent / "blobs" / entry["blob"]
                        if not blob.exists():
                            # Its bytes were removed by hand: that version is gone (the demo
                            # then names any row that pointed at it).
                            continue
                        headers.clear()
                        headers.update(entry["headers"])
                        answer = client.put_object(
                            Bucket=bucket, Key=entry["key"], Body=blob.read_bytes()
                        )
                    _give_back_id_and_time(bucket, entry, answer.get("VersionId"))
                    count += 1
                if state["versioning"] not in (None, "Enabled"):
                    _set_versioning(client, bucket, state["versioning"])
        finally:
            # The client may be used again (it is the server's shared one): no stale headers.
            client.meta.events.unregister("before-sign.s3.PutObject", add_headers)
        return count

    def write_through(self, app):
        """`app`, saving the buckets after every request that may change them."""

        def saving_app(environ, start_response):
            answer = app(environ, start_response)
            changed = environ["REQUEST_METHOD"] not in SAFE_METHODS
            if changed and not environ.get("PATH_INFO", "").startswith("/moto-api"):
                self.save()
            return answer

        return saving_app


def _set_versioning(client, bucket: str, status: str) -> None:
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})


def _lay_marker(client, bucket: str, key: str) -> dict:
    """A delete marker on `key`, as S3 lays one even on a key that holds nothing. The
    local server lays one only over a version: where the key has none yet (its
    history begins with a marker, its versions below deleted by id), a stand-in
    version goes first and is deleted by its id after, leaving the marker alone."""
    if _backend().buckets[bucket].keys.getlist(key, []):
        return client.delete_object(Bucket=bucket, Key=key)
    stand_in = client.put_object(Bucket=bucket, Key=key, Body=b"")["VersionId"]
    answer = client.delete_object(Bucket=bucket, Key=key)
    client.delete_object(Bucket=bucket, Key=key, VersionId=stand_in)
    return answer


def _give_back_id_and_time(bucket: str, entry: dict, new_id: str | None) -> None:
    """Give a replayed version its saved id and time (the server just made both up)."""
    saved = entry["version_id"]
    for version in _backend().buckets[bucket].keys.getlist(entry["key"], []):
        if new_id and version.version_id == new_id:
            keep_null = saved == "null" and not isinstance(version, FakeDeleteMarker)
            version._version_id = None if keep_null else saved
            version.last_modified = datetime.fromisoformat(entry["last_modified"])


def _blob_name(bucket: str, version_id: str, etag: str, key: str) -> str:
    """A file name for one version's bytes: unique per key, version and content
    (an unversioned bucket reuses version id "null" for new content)."""
    return hashlib.sha256(f"{bucket}\0{key}\0{version_id}\0{etag}".encode()).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
