"""The demo's local S3 server keeps its objects, versions and delete markers across
restarts (config/local/s3_disk.py), and says when the database names files it lacks."""

import json
import os
import re
import shlex
import signal
import subprocess
import sys

import boto3
import psycopg2

from config.local import s3 as locals3
from tests.local.demoproc import kill_demo_alone, start_demo, stop_demo
from tests.processes import BASE_DIR, released_database

# A name that needs quoting in a URL, as uploads' names may.
AVATAR = "avatars/kept photo+1.png"


def demo_s3(web):
    """A boto3 client of the S3 server this demo started (its URL is in the output)."""
    found = re.search(r"Local S3 server on (http://127\.0\.0\.1:\d+)", web.output())
    assert found, web.output()
    return boto3.client(
        "s3",
        endpoint_url=found.group(1),
        region_name=locals3.REGION,
        aws_access_key_id=locals3.ACCESS_KEY,
        aws_secret_access_key=locals3.SECRET_KEY,
    )


def versions(client) -> dict[str, list[tuple]]:
    """Every version and delete marker of the media bucket, as the S3 API lists them."""
    answer = client.list_object_versions(Bucket=locals3.MEDIA_BUCKET)
    fields = ("Key", "VersionId", "IsLatest", "LastModified")
    return {
        "versions": [(*(v[f] for f in fields), v["ETag"]) for v in answer.get("Versions", [])],
        "markers": [tuple(m[f] for f in fields) for m in answer.get("DeleteMarkers", [])],
    }


def body(client, key: str, version_id: str | None = None) -> bytes:
    extra = {"VersionId": version_id} if version_id else {}
    return client.get_object(Bucket=locals3.MEDIA_BUCKET, Key=key, **extra)["Body"].read()


def execute(database_url: str, sql: str) -> None:
    connection = psycopg2.connect(database_url)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def test_uploads_versions_and_delete_markers_survive_ctrl_c_and_kill_9(tmp_path, behind_a_proxy):
    # Migrated already: what this test follows is the S3 data, not the release.
    database = released_database("demo_s3data")
    data = tmp_path / "s3data"

    # First run: three versions of an avatar (the last one a delete marker), and two
    # products naming files: one the bucket has, one it never had.
    web = start_demo(database, data)
    try:
        web.wait_until_serving(timeout=180)
        s3 = demo_s3(web)
        s3.put_object(Bucket="media", Key=AVATAR, Body=b"one", ContentType="image/png")
        s3.put_object(Bucket="media", Key=AVATAR, Body=b"two", ContentType="image/png")
        s3.delete_object(Bucket="media", Key=AVATAR)
        s3.put_object(Bucket="media", Key="products/kept.png", Body=b"p", CacheControl="max-age=9")
        before = versions(s3)
    finally:
        assert stop_demo(web, signal.SIGINT) == 0, web.output()
    assert "0 versions and delete markers read back" in web.output()
    assert "not in the local S3 server" not in web.output()
    execute(
        database,
        "UPDATE catalog_product SET image = CASE WHEN id = (SELECT min(id) FROM catalog_product)"
        " THEN 'products/kept.png' ELSE 'products/never.png' END"
        " WHERE id IN (SELECT id FROM catalog_product ORDER BY id LIMIT 2)",
    )

    # Second run: the same ids, order, times and bytes; the row whose file the
    # bucket never had is named, the other is not.
    web = start_demo(database, data)
    try:
        web.wait_until_serving(timeout=180)
        s3 = demo_s3(web)
        assert versions(s3) == before
        assert [v[2] for v in before["versions"] if v[0] == AVATAR] == [False, False]
        oldest = before["versions"][1]
        assert oldest[0] == AVATAR
        assert body(s3, AVATAR, oldest[1]) == b"one"
        head = s3.head_object(Bucket="media", Key="products/kept.png")
        assert (head["CacheControl"], head["ContentLength"]) == ("max-age=9", 1)
        # A second demo on the same folder (another port) would delete this one's files.
        second = start_demo(database, data)
        assert second.process.wait(60) == 2
        assert second.output() == (
            f"Another demo keeps its S3 objects in {data}: stop it, "
            "or run DEMO_S3_DATA=another-folder pipenv run demo\n"
        )
        # Bring the avatar back by deleting its marker (S3's other way: the admin's
        # restore copies a version), then a new version.
        marker = before["markers"][0][1]
        s3.delete_object(Bucket="media", Key=AVATAR, VersionId=marker)
        s3.put_object(Bucket="media", Key=AVATAR, Body=b"three", ContentType="image/png")
    finally:
        # kill -9 of the demo alone: no clean stop, nothing saved on the way out. The
        # site it started went on serving, without its S3 server, and kept the port.
        left = kill_demo_alone(web)
    assert left == []
    output = web.output()
    # The first run's own four, and the demo catalog's pictures its seed stored.
    saved = len(before["versions"]) + len(before["markers"])
    assert saved > 4
    assert f"{saved} versions and delete markers read back" in output
    assert "1 file(s) named in the database are not in the local S3 server" in output
    assert "(products/never.png)" in output

    # Remove one file's bytes by hand: that version cannot come back, and the row
    # naming it is reported like one whose file was never stored.
    manifest = json.loads((data / "media" / "versions.json").read_text())
    (product,) = [e for e in manifest["entries"] if e["key"] == "products/kept.png"]
    (data / "media" / "blobs" / product["blob"]).unlink()
    # And a demo catalog picture's: the seed stores that one again before the demo
    # counts what is missing, so it is not reported.
    demo_picture = next(e for e in manifest["entries"] if e["key"].startswith("products/demo/"))
    for entry in manifest["entries"]:
        if entry["key"] == demo_picture["key"] and entry.get("blob"):
            (data / "media" / "blobs" / entry["blob"]).unlink(missing_ok=True)

    # Third run: what the killed run was told is stored, is.
    # Started, and its media commands run, in a shell behind a proxy (test_proxies.py).
    web = start_demo(database, data, **behind_a_proxy)
    try:
        web.wait_until_serving(timeout=180)
        s3 = demo_s3(web)
        after = versions(s3)
        assert after["markers"] == []
        assert [body(s3, AVATAR, v[1]) for v in after["versions"] if v[0] == AVATAR] == [
            b"three",
            b"two",
            b"one",
        ]
        assert body(s3, AVATAR) == b"three"
        assert s3.head_object(Bucket="media", Key=AVATAR)["ContentType"] == "image/png"
        # The media commands, run from another terminal as the demo's output says.
        # In a terminal whose shell has no ENVIRONMENT (the README's quick start has no
        # .env), under a .env pipenv loaded over the shell setting the same names
        # blank: the line's own values win.
        (said,) = [line for line in web.output().splitlines() if "Media commands" in line]
        command = shlex.split(said.split(": ", 1)[1])
        assert command[:3] == ["pipenv", "run", "env"]
        assert command[-4:] == ["python", "manage.py", "media_versions", "NAME"]
        assert all("=" in variable for variable in command[3:-4])
        dotenv = {name.split("=", 1)[0]: "" for name in command[3:-4]}
        assert "ENVIRONMENT" in dotenv
        shell = {k: v for k, v in os.environ.items() if k != "ENVIRONMENT"}
        env = {**shell, **behind_a_proxy, "DATABASE_URL": database, **dotenv}
        run_as_said = [*command[2:-4], sys.executable, "manage.py", "media_versions", AVATAR]
        listed = subprocess.run(run_as_said, env=env, cwd=BASE_DIR, capture_output=True, text=True)
        assert listed.returncode == 0, listed.stderr
        assert len([line for line in listed.stdout.splitlines() if " version " in line]) == 3
    finally:
        assert stop_demo(web, signal.SIGTERM) == 0, web.output()
    output = web.output()
    assert "Stored 1 missing product picture again." in output
    assert "2 file(s) named in the database are not in the local S3 server" in output
    assert "(products/kept.png, products/never.png)" in output
    assert f"(media bucket versioned; objects kept in {data}/, " in output
    assert f"The bucket kept in {data}/ never had them" in output
    assert output.index("Stored 1 missing") < output.index("2 file(s) named")
