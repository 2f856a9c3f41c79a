"""The local S3 server's saved data (config/local/s3_disk.py), read back in a new process."""

import json
import os

import pytest

from config.local import s3_disk
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


# What is in a folder before the local S3 server is given it: the server removes
# folders that are not its buckets, so anything else was deleted at the next start.
FOREIGN = {
    "a folder of one's own": {"thesis/chapter1.tex": "two years of it"},
    "a file of one's own": {"notes.txt": "keep me"},
    "a folder named like a bucket": {"media/photo.jpg": "jpeg"},
    "a lock of another tool": {".lock": "", "src/main.c": "int main;"},
    "photos in a folder named blobs": {"photos/blobs/IMG_0001.jpg": "jpeg"},
    "a bucket's shape with a file more": {
        "media/versions.json": "{}",
        "media/blobs/" + "a" * 64: "bytes",
        "media/notes.txt": "mine",
    },
}
START = """
from pathlib import Path
from config.local import s3
s3.start(data_dir=Path({folder!r}))
"""


def _server_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}


def _files(folder) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): path.read_text()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("content", FOREIGN.values(), ids=FOREIGN.keys())
def test_a_folder_holding_what_the_server_did_not_write_is_refused_and_left_alone(
    tmp_path, content
):
    for name, text in content.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    with pytest.raises(s3_disk.FolderRefused) as refused:
        s3_disk.S3Disk(tmp_path).claim()
    said = str(refused.value)
    assert "\n" not in said
    assert str(tmp_path) in said
    assert "DEMO_S3_DATA=" in said
    assert _files(tmp_path) == content  # nothing written, nothing removed


def test_an_empty_folder_and_a_linked_lock_are_refused_and_left_alone(tmp_path):
    (tmp_path / "drafts").mkdir()
    with pytest.raises(s3_disk.FolderRefused, match=r"\(drafts\)"):
        s3_disk.S3Disk(tmp_path).claim()
    assert (tmp_path / "drafts").is_dir()

    data, mine = tmp_path / "data", tmp_path / "mine.txt"
    data.mkdir()
    mine.write_text("keep me")
    (data / ".lock").symlink_to(mine)
    with pytest.raises(s3_disk.FolderRefused, match=r"\(\.lock\)"):
        s3_disk.S3Disk(data).claim()
    assert mine.read_text() == "keep me"


def test_a_bucket_whose_blobs_were_removed_by_hand_is_still_the_servers(tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "versions.json").write_text('{"versioning": null, "entries": []}')
    s3_disk.S3Disk(tmp_path).claim()
    assert (tmp_path / "media" / "versions.json").is_file()


def test_a_lock_file_alone_is_taken_and_not_emptied(tmp_path):
    (tmp_path / ".lock").write_text("another tool's")
    s3_disk.S3Disk(tmp_path).claim()
    assert (tmp_path / ".lock").read_text() == "another tool's"


def test_a_path_it_cannot_make_a_folder_at_is_refused_in_one_line(tmp_path):
    """A path through a file: a NotADirectoryError traceback from mkdir."""
    (tmp_path / "file").write_text("mine")
    with pytest.raises(s3_disk.FolderRefused, match="cannot hold") as refused:
        s3_disk.S3Disk(tmp_path / "file" / "s3").claim()
    assert "\n" not in str(refused.value)
    assert (tmp_path / "file").read_text() == "mine"


def test_a_file_is_refused_in_one_line(tmp_path):
    file = tmp_path / "data"
    file.write_text("mine")
    with pytest.raises(s3_disk.FolderRefused, match="not a folder") as refused:
        s3_disk.S3Disk(file).claim()
    assert "\n" not in str(refused.value)
    assert file.read_text() == "mine"


def test_a_folder_the_server_wrote_is_taken_again_and_nothing_else_there_is_removed(tmp_path):
    started = run_python(START.format(folder=str(tmp_path)), _server_env())
    assert started.returncode == 0, started.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == [".lock", "media", "static"]
    # A folder added while a server holds it is not the server's to remove either.
    script = (
        "from pathlib import Path\nfrom config.local import s3\n"
        f"local = s3.start(data_dir=Path({str(tmp_path)!r}))\n"
        f"Path({str(tmp_path)!r}, 'mine').mkdir()\n"
        f"Path({str(tmp_path)!r}, 'mine', 'keep.txt').write_text('kept')\n"
        "local.client().put_object(Bucket='media', Key='a.png', Body=b'png')\n"
    )
    saved = run_python(script, _server_env())
    assert saved.returncode == 0, saved.stderr
    assert (tmp_path / "mine" / "keep.txt").read_text() == "kept"
    assert (tmp_path / "media" / "versions.json").is_file()


def test_what_a_file_browser_leaves_in_the_servers_folder_is_taken_and_kept(tmp_path):
    """Finder's .DS_Store beside the buckets and in one: the demo's own folder was
    refused, its uploads unreadable."""
    written = run_python(WRITE.format(folder=str(tmp_path)), _server_env())
    assert written.returncode == 0, written.stderr
    for leftover in (
        tmp_path / ".DS_Store",
        tmp_path / "media" / ".DS_Store",
        tmp_path / "._media",
        tmp_path / ".directory",
        tmp_path / "media" / "blobs" / "Thumbs.db",
    ):
        leftover.write_bytes(b"finder")
    read = run_python(READ_BACK.format(folder=str(tmp_path)), _server_env())
    assert read.returncode == 0, read.stderr
    assert read.stdout.split()[0] == "1"
    assert (tmp_path / "media" / ".DS_Store").read_bytes() == b"finder"


MARKER_ALONE = """
from pathlib import Path
from config.local import s3
client = s3.start(data_dir=Path({folder!r})).client()
first = client.put_object(Bucket="media", Key="gone.txt", Body=b"one")["VersionId"]
client.delete_object(Bucket="media", Key="gone.txt")  # a delete marker on top
client.delete_object(Bucket="media", Key="gone.txt", VersionId=first)  # the marker alone
client.put_object(Bucket="media", Key="kept.txt", Body=b"kept")
"""
MARKERS_READ_BACK = """
import json
from pathlib import Path
from config.local import s3
local = s3.start(data_dir=Path({folder!r}))
answer = local.client().list_object_versions(Bucket="media")
print(json.dumps([local.restored, [
    [entry["Key"], entry["VersionId"], entry["LastModified"].isoformat(), kind]
    for kind in ("Versions", "DeleteMarkers") for entry in answer.get(kind, [])
]]))
"""


def test_a_key_whose_history_begins_with_a_delete_marker_keeps_it(tmp_path):
    """AWS lays a delete marker even on a key that holds nothing; moto only over a
    version. A key left with its marker alone (its versions deleted by id) lost it at
    the next start, which still counted it as read back."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    written = run_python(MARKER_ALONE.format(folder=str(tmp_path)), env)
    assert written.returncode == 0, written.stderr
    first = run_python(MARKERS_READ_BACK.format(folder=str(tmp_path)), env)
    assert first.returncode == 0, first.stderr
    restored, listed = json.loads(first.stdout)
    assert restored == 2
    assert sorted(entry[0] for entry in listed) == ["gone.txt", "kept.txt"]
    again = run_python(MARKERS_READ_BACK.format(folder=str(tmp_path)), env)
    assert json.loads(again.stdout) == [2, listed]  # the same ids and times, run after run
