"""A NUL in the query string is the 400 page on every page (config/security/querystring.py),
with the headers every page carries, and after the HTTPS redirect."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/", "/products/", "/accounts/login/", "/no-such-page/"])
def test_a_nul_anywhere_in_the_query_is_the_400_page_with_the_sites_headers(client, path):
    for query in ({"q": "\0"}, {"\0": "x"}, {"page": "2\0"}):
        response = client.get(path, query)
        assert response.status_code == 400, (path, query)
        assert "Content-Security-Policy" in response.headers
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_over_plain_http_the_redirect_to_https_comes_first(settings):
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/products/?q=%00")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
