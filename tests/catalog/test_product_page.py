"""A product's page: breadcrumb, image beside the details, and "More in <category>"
loaded in a constant number of queries whose SQL does not grow with the category."""

import re

import pytest

from catalog.models import Product
from tests.factories import CategoryFactory, ProductFactory
from tests.pages import query_count
from tests.sqlshape import assert_sql_does_not_grow

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rendered_each_time(settings):
    """What a product's page costs when it is rendered, not kept (tests/catalog/test_kept.py):
    the products below are made in the test's transaction, which never commits."""
    settings.PAGE_CACHE_SECONDS = 0


def more_in_category(html: str) -> list[str]:
    """The product slugs the "More in" section links, in order."""
    section = re.search(r'<section class="more-in-category".*?</section>', html, re.S)
    return re.findall(r'<h3><a href="/products/([^/]+)/">', section.group(0)) if section else []


def test_more_in_category_shows_four_others_of_the_category_newest_first(client, category):
    products = ProductFactory.create_batch(7, category=category)
    ProductFactory(category=CategoryFactory(name="Garden", slug="garden"))  # another category
    ProductFactory(category=category, is_published=False)  # a draft
    shown = products[2]
    html = client.get(f"/products/{shown.slug}/").content.decode()
    assert '<h2 id="more-heading">More in Kitchen</h2>' in html
    newest_others = [p.slug for p in reversed(products) if p != shown][:4]
    assert more_in_category(html) == newest_others
    # Cards with their features, lazy images sized up front (tests/catalog/test_cards.py).
    assert f"<dt>Feature 0</dt><dd>{products[-1].name} 0</dd>" in html


def test_a_product_alone_in_its_category_has_no_more_section(client, category):
    (only,) = ProductFactory.create_batch(1, category=category)
    html = client.get(f"/products/{only.slug}/").content.decode()
    assert "more-in-category" not in html
    # No other products: no features to load for them either.
    assert query_count(client.get(f"/products/{only.slug}/")["Server-Timing"]) == 3


def test_more_in_category_runs_the_same_sql_in_a_category_of_2_or_200(client, category):
    shown = ProductFactory(category=category)

    def category_of(n):
        ProductFactory.create_batch(n - Product.objects.count(), category=category)

    statements = assert_sql_does_not_grow(
        lambda n: client.get(f"/products/{shown.slug}/"), 2, 200, prepare=category_of
    )
    assert len(statements) == 4
    # Four products, not the category: a LIMIT, and no IN list of product ids.
    assert "LIMIT %s" in statements[2]
    assert "IN (%s" not in statements[3]


def test_breadcrumb_and_image_beside_the_details(client, category):
    product = ProductFactory(category=category)
    Product.objects.filter(pk=product.pk).update(
        image="products/lamp.png", image_width=640, image_height=480
    )
    html = client.get(f"/products/{product.slug}/").content.decode()
    assert '<nav aria-label="Breadcrumb" class="breadcrumb">' in html
    assert '<a href="/categories/kitchen/">Kitchen</a>' in html
    assert '<article class="product-detail with-image">' in html
    assert re.search(r'<img src="[^"]*lamp\.png[^"]*" width="640" height="480"', html)
