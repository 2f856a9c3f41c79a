"""Every error answer is a page, and no cache keeps it (config/errorpages.py).

A method a URL does not take was Django's 405 with an empty body (a blank page for
a form or script that posts to a catalog page), and the 404, 400, 405 and 429
answers carried no Cache-Control: RFC 9111 lets a shared cache keep a 404 or 405
by heuristics, so a proxy or CDN in front could go on answering "not found" after
the product was published.
"""

import pytest
from django.test import Client

from tests.factories import CompanyFactory, ProductFactory

pytestmark = pytest.mark.django_db

NEVER_CACHED = ("no-store", "no-cache", "max-age=0")


def pages() -> list[str]:
    product = ProductFactory()
    company = CompanyFactory()
    return [
        "/",
        "/products/",
        product.get_absolute_url(),
        product.category.get_absolute_url(),
        company.get_absolute_url(),
        "/tour/",
        "/tour/prefetch/",
        "/robots.txt",
        "/healthz",
        "/admin/",
        # WhiteNoise's own 405 was an empty stream, sent chunked: a blank page too.
        "/static/css/site.css",
    ]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "trace"])
def test_a_method_a_page_does_not_take_is_a_page_no_cache_keeps(method):
    client = Client(raise_request_exception=False)
    answered = {}
    for path in pages():
        response = getattr(client, method)(path)
        if response.status_code == 405:
            answered[path] = response
    # The catalog's and the tour's pages, robots.txt, /healthz and static files take
    # no POST.
    assert len(answered) >= 7, sorted(answered)
    assert "/static/css/site.css" in answered
    for path, response in answered.items():
        assert b"Method not allowed" in response.content, path
        # What gunicorn sends: as many bytes as the header says (CommonMiddleware,
        # further in, had declared the empty body's 0, and gunicorn cut the page).
        assert int(response["Content-Length"]) == len(response.content), path
        assert response["Allow"], path
        assert response["Content-Type"].startswith("text/html"), path
        assert all(word in response["Cache-Control"] for word in NEVER_CACHED), path
        # A page, with the policy every page has (WhiteNoise answers outside it).
        assert "default-src" in response["Content-Security-Policy"], path


@pytest.mark.parametrize(
    "asked",
    [{"HTTP_RANGE": "bytes=-0"}, {"HTTP_IF_MATCH": '"other"'}],
    ids=["416", "412"],
)
def test_a_static_files_answer_without_a_body_says_its_length(client, asked):
    """WhiteNoise answers these with an empty stream, which gunicorn sent chunked:
    every other answer has its Content-Length (config/head.py)."""
    response = client.get("/static/css/site.css", **asked)
    assert response.status_code in (412, 416)
    assert not response.streaming
    assert response["Content-Length"] == str(len(response.content)) == "0"


def test_every_client_error_is_kept_by_no_cache(client):
    ProductFactory()
    answers = {
        "404": client.get("/products/no-such-product/"),
        "404 page past the end": client.get("/products/?page=999"),
        # A stylesheet of the release before, asked for by a page it served.
        "404 static file of another release": client.get("/static/css/site.000000000000.css"),
        "400 NUL in the query": client.get("/products/?q=%00"),
        "400 host not allowed": client.get("/", headers={"host": "evil.example"}),
    }
    for name, response in answers.items():
        assert response.status_code == int(name[:3]), name
        assert all(word in response["Cache-Control"] for word in NEVER_CACHED), name


def test_a_form_without_its_csrf_token_is_a_403_no_cache_keeps():
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "a"})
    assert response.status_code == 403
    assert all(word in response["Cache-Control"] for word in NEVER_CACHED)


def test_a_page_that_answers_is_left_to_its_view(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert "Cache-Control" not in response
