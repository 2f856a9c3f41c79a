"""Each thread's boto3 session, one copy of botocore's data per process
(config/media/boto_sessions.py)."""

import os
import subprocess
import sys
import threading

import pytest
from botocore.loaders import JSONFileLoader
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings

from config.local import s3 as locals3
from config.media import boto_sessions
from config.media import storage as s3
from config.media.boto_sessions import StaticStorage
from config.media.signed import MediaStorage
from tests.conftest import storages_on, stored_bytes
from tests.processes import production_env, run_python


def in_a_new_thread(function):
    """What `function()` returns when run in a thread of its own (raising what it raised)."""
    answer: dict = {}

    def run():
        try:
            answer["value"] = function()
        except BaseException as error:  # handed back to the test
            answer["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in answer:
        raise answer["error"]
    return answer["value"]


@pytest.fixture
def files_read(monkeypatch) -> list[str]:
    """The paths of botocore's JSON data files read from here on by threads the test
    starts (not by the local S3 server's own threads, in this process too)."""
    read: list[str] = []
    load = JSONFileLoader.load_file
    server_threads = {thread.ident for thread in threading.enumerate()}

    def counting(self, file_path):
        data = load(self, file_path)
        if data is not None and threading.get_ident() not in server_threads:
            read.append(file_path)
        return data

    monkeypatch.setattr(JSONFileLoader, "load_file", counting)
    return read


def test_a_thread_gets_its_own_session_and_reads_no_data_file_again(fresh_s3, files_read):
    storage = MediaStorage(**storages_on(fresh_s3)["default"]["OPTIONS"])
    # Loads what S3 needs, unless an earlier test of this process did.
    name = storage.save("products/lamp.png", ContentFile(b"a lamp"))
    files_read.clear()
    # Another thread, as each of a gunicorn worker's threads: a session of its own, as
    # boto3 asks, that signs, uploads and reads with the data already loaded.
    other = in_a_new_thread(lambda: storage.connection)
    assert other is not storage.connection
    url = in_a_new_thread(lambda: storage.url(name))
    saved = in_a_new_thread(lambda: storage.save("products/desk.png", ContentFile(b"a desk")))
    assert in_a_new_thread(lambda: storage.open(saved).read()) == b"a desk"
    assert files_read == []
    assert url.startswith(f"{fresh_s3.endpoint_url}/{locals3.MEDIA_BUCKET}/products/lamp.png?")
    assert stored_bytes(fresh_s3, saved) == b"a desk"


def test_the_sites_storages_share_it(fresh_s3, files_read):
    default_storage.url("products/warm.png")
    files_read.clear()
    # A storage the settings build afresh (as a test's override does) reads nothing either.
    with override_settings(STORAGES=storages_on(fresh_s3)):
        url = default_storage.url("products/lamp.png")
        assert isinstance(default_storage._wrapped, MediaStorage)
    assert url.startswith(f"{fresh_s3.endpoint_url}/{locals3.MEDIA_BUCKET}/products/lamp.png?")
    assert files_read == []


def test_the_static_buckets_storage_shares_it(fresh_s3, files_read):
    options = s3.static_storage(
        locals3.STATIC_BUCKET, endpoint_url=fresh_s3.endpoint_url, region_name=locals3.REGION
    )["OPTIONS"]
    storage = StaticStorage(**options)
    storage.save("css/site.css", ContentFile(b"body {}"))
    files_read.clear()
    # Writes sign (the connection), reads of a public bucket's URLs do not (unsigned).
    assert in_a_new_thread(lambda: storage.exists("css/site.css"))
    assert in_a_new_thread(lambda: storage.unsigned_connection) is not storage.unsigned_connection
    assert files_read == []


def test_boto3s_data_folder_is_searched_once_however_many_sessions():
    for _ in range(3):
        boto_sessions.new_session(aws_access_key_id="a", aws_secret_access_key="b")
    paths = boto_sessions.shared_loader().search_paths
    assert len(paths) == len(set(paths))
    assert any(path.endswith("boto3/data") for path in paths)  # resources still load


def test_a_storage_with_a_profile_opens_a_session_of_that_profile(tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.write_text("[profile shop]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):  # a profile instead of keys
        monkeypatch.delenv(name)
    storage = MediaStorage(bucket_name="shop-media", session_profile="shop")
    session = storage._create_session()
    assert (session.profile_name, session.region_name) == ("shop", "eu-west-1")
    assert session._session.get_component("data_loader") is boto_sessions.shared_loader()


def test_keys_and_a_session_token_reach_the_session():
    storage = MediaStorage(bucket_name="m", access_key="AKIA1", secret_key="s", security_token="t")
    credentials = storage._create_session().get_credentials()
    assert (credentials.access_key, credentials.secret_key, credentials.token) == (
        "AKIA1",
        "s",
        "t",
    )


def test_threads_that_start_together_load_one_copy():
    """A new worker's threads under a burst: without the lock each parsed its own."""
    shown = run_python(TOGETHER, dict(os.environ))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["5", "1"]  # five clients, one S3 description among them


TOGETHER = """
import threading
from config.media.boto_sessions import new_session
ready, clients = threading.Barrier(5), []
def build():
    ready.wait()
    clients.append(new_session(region_name="eu-west-1").client("s3"))
threads = [threading.Thread(target=build) for _ in range(5)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(clients), len({id(c.meta.service_model._service_description) for c in clients}))
"""


def test_the_benchmark_shows_the_threads_memory_with_and_without_sharing():
    """tests/bench/s3_sessions.py, whose table docs/s3-media.md shows."""
    shown = subprocess.run(
        [sys.executable, "-m", "tests.bench.s3_sessions", "--threads", "5"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = {line.split()[0]: line.split()[1:] for line in shown.splitlines()[1:3]}
    plain, shared = rows["storages.backends.s3.S3Storage"], rows["config.media.signed.MediaStorage"]
    assert plain[0] == shared[0] == "5"
    # RSS MiB the threads added: a copy of botocore's data each (about 15 MiB), or one
    # among them.
    assert float(plain[1]) > 3 * float(shared[1])


# The web line's module, loaded as gunicorn's master loads it before forking; then a
# worker's thread signs its first URL.
WEB_LINE_THEN_A_THREAD = """
import os, threading
import config.wsgi
from botocore.loaders import JSONFileLoader
from django.core.files.storage import default_storage
read, load = [], JSONFileLoader.load_file
JSONFileLoader.load_file = lambda self, path: read.append(path) or load(self, path)
if os.fork() == 0:
    thread = threading.Thread(target=lambda: default_storage.url("products/a.webp"))
    thread.start()
    thread.join()
    print(len(read), flush=True)
    os._exit(0)
os.wait()
"""


def test_workers_forked_from_the_web_lines_master_share_its_copy():
    """config/wsgi.py loads the data before gunicorn forks: a worker's first URL reads
    no data file, and the pages holding them are shared with the master."""
    env = production_env(DATABASE_URL="postgres://u:p@127.0.0.1:9/unused")
    shown = run_python(WEB_LINE_THEN_A_THREAD, env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["0"]
