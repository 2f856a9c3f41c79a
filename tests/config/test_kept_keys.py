"""What is kept between requests for speed is kept apart by everything it depends on:
the URLconf, the script prefix and the language. The header's `{% link %}` URLs
and the cards' link prefixes (config/templatetags/links.py), a page's kept parts
(catalog/kept.py) and the anonymous list pages (catalog/pagecache.py)."""

import re
from decimal import Decimal

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import translation

from catalog import cards
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def by_language(settings):
    """The language from the visitor's Accept-Language, numbers grouped as it groups them."""
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("django.middleware.common.CommonMiddleware"),
        "django.middleware.locale.LocaleMiddleware",
    )
    settings.MIDDLEWARE = middleware
    settings.USE_THOUSAND_SEPARATOR = True


@pytest.fixture
def product():
    return ProductFactory(
        slug="big", price=Decimal("1234.50"), category=CategoryFactory(slug="kitchen")
    )


def test_kept_urls_follow_the_language_of_i18n_patterns(settings):
    settings.ROOT_URLCONF = "tests.config.urls_by_language"
    tag = engines["django"].from_string("{% load links %}{% link 'catalog:product_list' %}")
    for language in ("en", "de", "en"):
        with translation.override(language):
            assert tag.render({}) == reverse("catalog:product_list") == f"/{language}/products/"
            product_url = reverse("catalog:product", kwargs={"slug": "big"})
            assert product_url == cards.url_before_slug("catalog:product") + "big/"


def test_pages_under_i18n_patterns_link_their_own_language(client, settings, by_language, product):
    settings.ROOT_URLCONF = "tests.config.urls_by_language"
    for language in ("en", "de"):
        for path in ("/products/", "/products/big/"):
            html = client.get(f"/{language}{path}").content.decode()
            links = set(re.findall(r'href="(/[a-z]{2}/)', html))
            assert links == {f"/{language}/"}, (language, path)


@pytest.mark.parametrize("path", ["/products/", "/products/big/"])
def test_each_language_gets_its_own_kept_page(client, by_language, product, path):
    """The product page's kept part and the cached list page were served in whichever
    language rendered them first: $1.234,50 to an English visitor."""
    german = client.get(path, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    english = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert "$1.234,50" in german
    assert "$1,234.50" in english.content.decode()
    again = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert "$1,234.50" in again.content.decode()
    if path == "/products/":
        assert (english["X-Page-Cache"], again["X-Page-Cache"]) == ("miss", "hit")


class ItemsForAHeader:
    """Another URLconf for the requests that carry a header, as a fork gives one per host."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.headers.get("X-Items") == "1":
            request.urlconf = "tests.config.urls_items"
        return self.get_response(request)


def test_each_urlconf_gets_its_own_cached_page(client, settings, product):
    settings.MIDDLEWARE = [f"{__name__}.ItemsForAHeader", *settings.MIDDLEWARE]
    assert "/products/big/" in client.get("/products/").content.decode()
    items = client.get("/products/", HTTP_X_ITEMS="1")
    assert items["X-Page-Cache"] == "miss"
    assert "/items/big/" in items.content.decode()
    assert "/products/big/" in client.get("/products/").content.decode()


@pytest.fixture(scope="module")
def one_worker():
    """Module-scoped: pytest-xdist runs the tests using it on one worker, in file order
    (tests/parallel.py), so the second sees what the first left."""


def test_a_request_through_localemiddleware_activates_its_language(
    one_worker, client, by_language, product
):
    client.get("/products/", HTTP_ACCEPT_LANGUAGE="de")
    assert translation.get_language() == "de"  # LocaleMiddleware never deactivates it


def test_the_next_test_starts_in_the_sites_language(one_worker, settings):
    """The language a test's request activated stayed active in the worker's thread:
    the next tests' admin pages came in German, and their assertions on English
    messages failed, in whichever order pytest-xdist handed them out
    (tests/conftest.py, `default_language`)."""
    assert translation.get_language() == settings.LANGUAGE_CODE
