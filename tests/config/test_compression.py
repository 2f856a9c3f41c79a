"""Pages are compressed by the app (Heroku's router does not), query log included."""

import gzip

import pytest


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
