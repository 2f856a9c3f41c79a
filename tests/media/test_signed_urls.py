"""Signed media URLs are reused for a while (config/media/signed.py), and still work."""

import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages

from config.media import signed
from config.media.signed import MediaStorage


@pytest.fixture
def storage(fresh_s3):
    """The default storage (a MediaStorage on the local S3 server) on a clock the test moves."""
    media = storages.create_storage(storages.backends["default"])
    assert isinstance(media, MediaStorage)
    media.now = 1000.0
    media.clock = lambda: media.now
    return media


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # the local S3 server
        return response.read()


def test_a_url_is_signed_once_and_reused_and_opens_the_object(storage):
    name = storage.save("products/reused.webp", ContentFile(b"picture bytes"))
    first = storage.url(name)
    storage.now += signed.REUSE_SECONDS - 1
    assert storage.url(name) == first
    assert query(first)["X-Amz-Expires"] == "3600"
    assert fetch(first) == b"picture bytes"


def test_a_pages_url_lets_the_browser_keep_the_picture_for_its_hour(storage):
    """The reused URL is the browser's cache key; S3 stores no Cache-Control of its
    own, so the signed URL asks for one: private (an avatar is no shared cache's),
    for as long as the URL is valid."""
    name = storage.save("avatars/kept.webp", ContentFile(b"avatar bytes"))
    with urllib.request.urlopen(storage.url(name), timeout=10) as response:
        assert response.read() == b"avatar bytes"
        assert response.headers["Cache-Control"] == "private, max-age=3600"


def test_an_old_url_is_signed_again(storage):
    name = storage.save("products/old.webp", ContentFile(b"old"))
    storage.url(name)
    storage.now += signed.REUSE_SECONDS
    storage.url(name)
    assert storage._signed[name][1] == storage.now  # signed at the new time
    assert fetch(storage.url(name)) == b"old"


def test_urls_with_their_own_terms_are_always_signed_anew(storage):
    name = storage.save("products/terms.webp", ContentFile(b"terms"))
    plain = storage.url(name)
    short = storage.url(name, expire=60)
    download = storage.url(name, parameters={"ResponseContentDisposition": "attachment"})
    assert query(short)["X-Amz-Expires"] == "60"
    assert "response-content-disposition" in query(download)
    assert storage.url(name) == plain
    assert list(storage._signed) == [name]


def test_each_process_keeps_a_bounded_number_of_urls(storage):
    storage.max_urls = 5
    for number in range(12):
        storage.url(f"products/{number}.webp")
        assert len(storage._signed) <= 5
    assert "products/11.webp" in storage._signed


def test_the_app_default_storage_reuses_its_urls(fresh_s3):
    name = default_storage.save("products/default.webp", ContentFile(b"default"))
    assert default_storage.url(name) == default_storage.url(name)
