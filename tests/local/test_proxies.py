"""A shell behind a proxy (`http_proxy`, `HTTPS_PROXY`, `ALL_PROXY`..., as on many
company machines) and nothing in `no_proxy` for this machine: boto3 and urllib send
every request through it, and such a proxy cannot reach this machine's 127.0.0.1.
The local S3 server's clients and the tests' own requests go straight to it.

The demo behind such a proxy: tests/local/test_demo.py's first start test.
"""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import override_settings

from config.local import s3 as locals3
from tests.conftest import storages_on
from tests.processes import http_get


@pytest.fixture
def proxied(monkeypatch, behind_a_proxy):
    for name, value in behind_a_proxy.items():
        monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("fresh_s3", "proxied")
def test_a_started_local_s3_server_and_the_storages_on_it_go_past_a_shells_proxy():
    server = locals3.start()
    try:
        client = server.client()
        client.put_object(Bucket=locals3.MEDIA_BUCKET, Key="direct.txt", Body=b"direct")
        with override_settings(STORAGES=storages_on(server)):
            storage = storages.create_storage(storages.backends["default"])
            name = storage.save("past-the-proxy.txt", ContentFile(b"stored"))
            with storage.open(name) as stored:
                assert stored.read() == b"stored"
        assert client.get_object(Bucket=locals3.MEDIA_BUCKET, Key="direct.txt")["Body"].read() == (
            b"direct"
        )
    finally:
        server.stop()


@pytest.mark.usefixtures("proxied")
def test_the_tests_requests_to_this_machine_go_past_a_shells_proxy(local_s3):
    # The S3 server answers its root with the list of buckets.
    answer = http_get(local_s3.endpoint_url + "/")
    assert answer.status == 200
    assert b"<ListAllMyBucketsResult" in answer.body
