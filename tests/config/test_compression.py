"""Pages are compressed by the app (Heroku's router does not), query log included."""

import gzip

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage


@pytest.mark.django_db
def test_a_page_asked_for_with_gzip_comes_compressed_with_its_query_log(client):
    response = client.get("/tour/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    page = gzip.decompress(response.content)
    # The query log wrote its footer before the page was compressed.
    assert b"ran <strong data-query-count>0</strong> database queries" in page
    assert len(response.content) < len(page)
    assert response["Server-Timing"].endswith('desc="0 queries"')


@pytest.mark.django_db
def test_a_client_that_does_not_ask_for_gzip_gets_plain_html(client):
    response = client.get("/tour/")
    assert not response.has_header("Content-Encoding")
    assert b"data-query-count" in response.content


# (Accept-Encoding, what a page may come as, what a static file may come as): a
# coding given q=0 is refused (RFC 9110 12.5.3), "*" stands for those not named,
# and no coding at all (identity) is always acceptable.
CODINGS = [
    ("gzip, deflate, br", "gzip", "br"),
    ("gzip;q=0", None, None),
    ("gzip; q=0, br", None, "br"),
    ("GZIP;Q=0.000, br;q=0", None, None),
    ("br;q=0, gzip;q=0.5", "gzip", "gzip"),
    ("gzip;q=0.001", "gzip", "gzip"),
    ("*;q=0", None, None),
    ("gzip;q=0, *", None, "br"),
    ("*", "gzip", "br"),
    ("identity", None, None),
    ("gzip;q=1.0", "gzip", "gzip"),
    ("gzip;q=nonsense", None, None),  # no weight a client can mean: not asked for
    # Codings are named in any case (RFC 9110 8.4.1); x-gzip is gzip (8.4.1.3).
    ("GZIP", "gzip", "gzip"),
    ("Gzip, Deflate, BR", "gzip", "br"),
    ("X-GZIP", "gzip", "gzip"),
    ("x-gzip, br", "gzip", "br"),
    # A coding is the whole token: one that only contains "gzip" or "br" as a part
    # is another coding, which the site does not write.
    ("no-gzip", None, None),
    ("gzip-foo", None, None),
    ("foo.gzip", None, None),
    ("no-br", None, None),
    ("x-br-test", None, None),
    ("no-gzip, br", None, "br"),
    ("gzipx, brotli", None, None),
    ("deflate, compress", None, None),
    # Only spaces and tabs may surround a coding (RFC 9110 5.6.3).
    ("\tgzip\t, br ", "gzip", "br"),
    ("\xa0gzip", None, None),
    ("gzip\x0b", None, None),
    ("gzip\x85", None, None),
    # Longer than any client's: read as naming none.
    pytest.param("gzip" + "," * 2000, None, None, id="gzip and 2,000 commas"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("asked", "page", "static"), CODINGS)
def test_every_response_comes_only_in_a_coding_the_client_accepts(client, asked, page, static):
    """Django's GZipMiddleware, WhiteNoise and the page cache each looked for the word
    "gzip" (or "br") anywhere in the header: `gzip;q=0`, a client saying it cannot
    read gzip, got gzip."""
    rendered = client.get("/tour/", HTTP_ACCEPT_ENCODING=asked)
    assert rendered.get("Content-Encoding") == page
    for _ in range(2):  # stored in the page cache, then served from it
        listed = client.get("/products/", HTTP_ACCEPT_ENCODING=asked)
        assert listed.get("Content-Encoding") == page
    stylesheet = client.get(staticfiles_storage.url("css/site.css"), HTTP_ACCEPT_ENCODING=asked)
    assert stylesheet.get("Content-Encoding") == static
    assert "Accept-Encoding" in stylesheet["Vary"]


def test_only_short_headers_are_kept_between_requests():
    """The middleware keeps its readings of the headers browsers send; one a client
    makes as long as gunicorn lets through would have been kept whole."""
    from config import accept_encoding

    accept_encoding._rewritten.cache_clear()
    assert accept_encoding.rewritten("gzip, deflate, br") == "gzip, br"
    assert accept_encoding.rewritten("gzip" + " " * 100_000) == ""
    assert accept_encoding._rewritten.cache_info().currsize == 1
    assert accept_encoding._rewritten.cache_info().maxsize == 64
