"""The local S3 server's saved data (config/local/s3_disk.py), read back in a new process."""

import os

from tests.processes import run_python

WRITE = """
from pathlib import Path
from config.local import s3
local = s3.start(data_dir=Path({folder!r}))
local.client().put_object(Bucket="media", Key="a.png", Body=b"png", ContentType="image/png")
"""
READ_BACK_THEN_WRITE = """
from pathlib import Path
from config.local import s3
local = s3.start(data_dir=Path({folder!r}))
client = local.client()
client.put_object(Bucket="media", Key="b.txt", Body=b"text")
print(local.restored, client.head_object(Bucket="media", Key="b.txt")["ContentType"])
"""


def test_after_a_restore_the_servers_client_sends_no_restored_headers(tmp_path):
    """Restoring sends each saved version's own headers through the server's shared
    client; a later upload through that client carries none of them."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    written = run_python(WRITE.format(folder=str(tmp_path)), env)
    assert written.returncode == 0, written.stderr
    read = run_python(READ_BACK_THEN_WRITE.format(folder=str(tmp_path)), env)
    assert read.returncode == 0, read.stderr
    assert read.stdout.split() == ["1", "binary/octet-stream"]


DELETE_FOR_GOOD = """
from pathlib import Path
from config.local import s3
folder = Path({folder!r})
client = s3.start(data_dir=folder).client()
first = client.put_object(Bucket="media", Key="a.png", Body=b"one")["VersionId"]
client.put_object(Bucket="media", Key="a.png", Body=b"two")
blobs = folder / "media" / "blobs"
print(len(list(blobs.iterdir())))
client.delete_object(Bucket="media", Key="a.png", VersionId=first)
print(len(list(blobs.iterdir())))
"""
READ_BACK = """
from pathlib import Path
from config.local import s3
local = s3.start(data_dir=Path({folder!r}))
answer = local.client().list_object_versions(Bucket="media")
print(local.restored, len(answer["Versions"]))
print(local.client().get_object(Bucket="media", Key="a.png")["Body"].read().decode())
"""


def test_a_version_deleted_for_good_takes_its_bytes_off_the_disk(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    written = run_python(DELETE_FOR_GOOD.format(folder=str(tmp_path)), env)
    assert written.returncode == 0, written.stderr
    assert written.stdout.split() == ["2", "1"]
    read = run_python(READ_BACK.format(folder=str(tmp_path)), env)
    assert read.returncode == 0, read.stderr
    assert read.stdout.split() == ["1", "1", "two"]


UNVERSIONED_BACK_AND_FORTH = """
from pathlib import Path
from config.local import s3
client = s3.start(data_dir=Path({folder!r})).client()
client.create_bucket(Bucket="plain")  # unversioned: every write is version "null"
for body in (b"one", b"two", b"one"):
    client.put_object(Bucket="plain", Key="a.txt", Body=body)
"""
READ_PLAIN = """
from pathlib import Path
from config.local import s3
local = s3.start(data_dir=Path({folder!r}))
print(local.client().get_object(Bucket="plain", Key="a.txt")["Body"].read().decode())
"""


def test_content_written_again_after_another_is_on_the_disk(tmp_path):
    """An unversioned key's bytes, back to an earlier content: the same file name as
    the first write's, whose file the second write removed; it is written again."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    written = run_python(UNVERSIONED_BACK_AND_FORTH.format(folder=str(tmp_path)), env)
    assert written.returncode == 0, written.stderr
    assert len(list((tmp_path / "plain" / "blobs").iterdir())) == 1
    read = run_python(READ_PLAIN.format(folder=str(tmp_path)), env)
    assert read.returncode == 0, read.stderr
    assert read.stdout.split() == ["one"]
