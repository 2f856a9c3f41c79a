"""The growing-SQL check itself: it must pass what is bounded and catch what is not."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Product
from tests.factories import CategoryFactory
from tests.sqlshape import assert_sql_does_not_grow, shape


def test_shape_normalises_literals_but_not_placeholders():
    assert shape("SELECT 1 FROM t WHERE a = 'x''y' LIMIT 24 OFFSET 48") == (
        "SELECT ? FROM t WHERE a = ? LIMIT ? OFFSET ?"
    )
    assert shape('SELECT "U0"."id" FROM "t2"') == 'SELECT "U0"."id" FROM "t2"'
    assert shape("WHERE id IN (%s, %s)") != shape("WHERE id IN (%s)")


@pytest.fixture
def hundred(make_products):
    make_products(100)


def first(strategy):
    return lambda n: list(Product.objects.for_list().with_features(strategy)[:n])


@pytest.mark.usefixtures("hundred")
def test_passes_bounded_loading():
    statements = assert_sql_does_not_grow(first("bounded"), 1, 100)
    assert len(statements) == 2


@pytest.mark.usefixtures("hundred")
def test_catches_prefetch_related_in_list():
    with pytest.raises(AssertionError, match="Statement 2 grows with the result set"):
        assert_sql_does_not_grow(first("prefetch"), 1, 100)


@pytest.mark.usefixtures("hundred")
def test_catches_n_plus_one():
    with pytest.raises(AssertionError, match="2 statements at size 1, 101 at size 100"):
        assert_sql_does_not_grow(first("naive"), 1, 100)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/products/",
        "/products/?sort=-price&page=2&per_page=10",
        "/products/?sort=newest&per_page=100",
        "/products/?per_page=7&page=last",
        "/categories/kitchen/?sort=price&per_page=100",
        "/categories/{long}/?page=last",
        "/products/{product}/",
    ],
)
def test_every_pages_features_statement_is_one_text_under_600_bytes(client, make_products, path):
    """docs/prefetch.md's table: the bounded statement is one text under 600 bytes,
    whatever the page, sort, page size or category (the longest slug a category
    takes included), as PostgreSQL receives it."""
    products = make_products(100)
    long = CategoryFactory(name="L" * 100, slug="l" * 120)
    make_products(30, category=long)
    path = path.format(long=long.slug, product=products[0].slug)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    features = [q["sql"] for q in queries if 'FROM "catalog_feature"' in q["sql"]]
    assert features, [q["sql"] for q in queries]
    assert all(len(sql.encode()) < 600 for sql in features), features


def test_the_last_page_by_a_kept_count_reads_one_row_more_in_the_same_bounded_text(
    client, make_products
):
    """The last page by a kept count reads one row more (catalog/counts.py): its
    features statement is still one text under 600 bytes, and the page shows its own
    cards."""
    make_products(20)
    client.get("/products/?per_page=7")  # the count kept: 3 pages
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/products/?per_page=7&page=last&render=1")
    assert page["X-Page-Cache"] == "bypass"
    assert page.content.decode().count('class="product-card"') == 6
    features = [q["sql"] for q in queries if 'FROM "catalog_feature"' in q["sql"]]
    assert len(features) == 1, features
    assert len(features[0].encode()) < 600, features
    assert not [q["sql"] for q in queries if "COUNT(*)" in q["sql"]]
