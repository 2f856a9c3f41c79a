"""Catalog pages: content, bad input, query counts and SQL shape."""

import re
from pathlib import Path

import pytest

from catalog.models import Product
from catalog.querysets import SORTS
from catalog.views import SORT_LABELS, clamp_per_page
from tests.factories import CategoryFactory, ProductFactory, UserFactory
from tests.pages import query_count
from tests.sqlshape import assert_sql_does_not_grow

pytestmark = pytest.mark.django_db


def queries(response) -> int:
    return query_count(response["Server-Timing"])


def test_list_shows_cards_with_their_features(client, make_products):
    products = make_products(3)
    response = client.get("/products/")
    assert response.status_code == 200
    html = response.content.decode()
    for product in products:
        assert f'href="/products/{product.slug}/"' in html
        assert f"<dt>Feature 2</dt><dd>{product.name} 2</dd>" in html
    assert 'href="/categories/kitchen/">Kitchen</a>' in html
    assert "3 products." in html


def test_list_leaves_out_unpublished_products(client, make_products):
    make_products(1, is_published=False, name="Secret thing")
    response = client.get("/products/")
    assert b"Secret thing" not in response.content
    assert b"No products here yet." in response.content


@pytest.mark.parametrize("key", SORTS)
def test_every_sort_key_works(client, make_products, key):
    make_products(3)
    response = client.get("/products/", {"sort": key})
    assert response.status_code == 200
    assert f'<option value="{key}" selected>'.encode() in response.content
    expected = list(Product.objects.sorted_by(key).values_list("name", flat=True))
    assert [p.name for p in response.context["products"]] == expected


def test_sort_labels_cover_every_sort():
    assert SORT_LABELS.keys() == SORTS.keys()


def test_pages_and_per_page(client, make_products):
    make_products(25)
    first = client.get("/products/")
    assert len(first.context["products"]) == 24
    assert b'rel="next"' in first.content
    second = client.get("/products/", {"page": 2})
    assert len(second.context["products"]) == 1
    assert b'href="?page=1" rel="prev"' in second.content
    assert len(client.get("/products/", {"per_page": 10}).context["products"]) == 10
    last = client.get("/products/", {"page": "last", "per_page": 10})
    assert len(last.context["products"]) == 5


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[(None, 24), ("", 24), ("abc", 24), ("0", 1), ("-5", 1), ("7", 7), ("100", 100)],
        ("1e9", 24),
        # Past the 4,300 digits int() reads: still a number past 100, not the default.
        ("9" * 4301, 100),
        ("0" * 5000 + "7", 7),
        ("-" + "9" * 5000, 1),
        # What int() reads and the site writes no number as: the default.
        *[("1_00", 24), ("\u0661\u0660\u0660", 24), ("+7", 24), (" 7", 24)],
    ],
)
def test_per_page_is_clamped(value, expected):
    assert clamp_per_page(value) == expected


@pytest.mark.parametrize("per_page", ["0", "-3", "101", "99999999999999999999", "x", "1.5"])
def test_bad_per_page_is_clamped_not_an_error(client, make_products, per_page):
    make_products(2)
    response = client.get("/products/", {"per_page": per_page})
    assert response.status_code == 200
    assert 1 <= response.context["paginator"].per_page <= 100


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "bogus"},
        {"sort": "id; DROP TABLE catalog_product"},
        {"page": "abc"},
        {"page": "0"},
        {"page": "99"},
        {"page": "-1"},
        {"category": "nope"},
        {"category": "bad slug!"},
    ],
)
def test_bad_parameters_are_404s(client, make_products, params):
    make_products(2)
    assert client.get("/products/", params).status_code == 404


@pytest.mark.parametrize("params", [{"category": "nul\x00byte"}, {"sort": "price\x00"}])
def test_a_nul_in_a_parameter_is_a_400_as_on_every_page(client, make_products, params):
    make_products(2)  # config/security/nul.py
    assert client.get("/products/", params).status_code == 400


@pytest.mark.parametrize("page", ["+2", " 2", "2 ", "\u0662", "\uff12", "1_0", "LAST"])
@pytest.mark.parametrize("path", ["/products/", "/categories/{slug}/"])
def test_a_page_spelled_as_int_reads_it_but_the_site_does_not_is_404(
    client, make_products, path, page
):
    """Django's ListView read the page with int(): `+2`, Arabic-Indic and full-width
    digits were page 2, `1_0` page 10, each a page the site links to as `?page=2`."""
    products = make_products(30)
    path = path.format(slug=products[0].category.slug)
    assert client.get(path, {"page": "2", "per_page": "3"}).status_code == 200
    assert client.get(path, {"page": "02", "per_page": "3"}).status_code == 200
    # Zeros past the 4,300 digits int() reads: the same page, as fewer zeros are.
    padded = client.get(path, {"page": "0" * 4300 + "2", "per_page": "3"})
    assert padded.status_code == 200
    assert padded.context["page_obj"].number == 2
    assert client.get(path, {"page": "", "per_page": "3"}).status_code == 200  # Django's page 1
    assert client.get(path, {"page": page, "per_page": "3"}).status_code == 404


def test_category_filter_and_page(client, make_products):
    make_products(2)
    audio = CategoryFactory(name="Audio", slug="audio")
    speaker = ProductFactory(name="Speaker", category=audio)
    for response in (
        client.get("/products/", {"category": "audio"}),
        client.get("/categories/audio/"),
    ):
        assert response.status_code == 200
        assert [p.pk for p in response.context["products"]] == [speaker.pk]
        assert b"<h1>Audio</h1>" in response.content
    assert client.get("/categories/missing/").status_code == 404
    # The category page keeps its own URL: no hidden category field in its form.
    assert b'name="category"' not in client.get("/categories/audio/").content
    assert b'name="category" value="audio"' in client.get("/products/?category=audio").content


def test_detail_page(client, make_products):
    (product,) = make_products(1)
    response = client.get(f"/products/{product.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{product.name}</h1>" in html
    assert f'<th scope="row">Feature 0</th><td>{product.name} 0</td>' in html
    # The product and its features, then "More in <category>": none, so no features.
    assert queries(response) == 3


def test_detail_of_an_unpublished_or_missing_product_is_404(client, make_products):
    (draft,) = make_products(1, is_published=False)
    assert client.get(f"/products/{draft.slug}/").status_code == 404
    assert client.get("/products/no-such-thing/").status_code == 404


def test_card_image_has_its_size(client, make_products):
    (product,) = make_products(1)
    Product.objects.filter(pk=product.pk).update(
        image="products/lamp.png", image_width=640, image_height=480
    )
    html = client.get("/products/").content.decode()
    # A presigned URL to the private media bucket, with the stored size: no layout shift.
    assert re.search(
        r'<img src="[^"]*/products/lamp\.png\?[^"]*X-Amz-Signature=[^"]*" width="640" height="480"',
        html,
    ), html


def test_anonymous_list_of_24_products_runs_at_most_3_queries(client, make_products):
    make_products(30)
    response = client.get("/products/")
    assert len(response.context["products"]) == 24
    assert queries(response) <= 3


# Pinned, and given in docs/prefetch.md's table.
PINNED = {
    "/products/?per_page=100": 3,  # count, products, features
    "/products/?per_page=100&sort=newest&category=kitchen": 4,  # + the category
    "/categories/kitchen/?per_page=100": 4,
    "/": 2,  # latest products and their features
}
# The product, its features, four more of its category ("More in") and theirs.
DETAIL_QUERIES = 4


@pytest.mark.parametrize(("path", "expected"), PINNED.items())
def test_query_counts_are_pinned_and_equal_at_1_and_100_products(
    client, category, no_page_cache, path, expected
):
    ProductFactory(category=category)
    at_one = queries(client.get(path))
    ProductFactory.create_batch(99, category=category)
    at_hundred = queries(client.get(path))
    assert at_one == at_hundred == expected


def test_detail_query_count_does_not_depend_on_the_number_of_features(client, category):
    few, many = (
        ProductFactory(features=1, category=category),
        ProductFactory(features=100, category=category),
    )
    assert queries(client.get(f"/products/{few.slug}/")) == DETAIL_QUERIES
    assert queries(client.get(f"/products/{many.slug}/")) == DETAIL_QUERIES


def test_pages_with_less_to_show_run_the_fewer_queries_the_docs_give(
    client, category, no_page_cache
):
    """docs/prefetch.md, below its table: a list with no product to show runs no
    products or features statement, and a product alone in its category no "More in"."""
    assert queries(client.get("/products/")) == 1  # the count: nothing published
    assert queries(client.get("/categories/kitchen/")) == 2  # the category, its count
    product = ProductFactory(category=category)
    assert queries(client.get(f"/products/{product.slug}/")) == 3


def test_an_empty_list_with_its_count_kept_reads_products_instead(client, category):
    """docs/prefetch.md: with the count of an empty list kept, the page reads one
    products statement in its place, which finds any product published since."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(UserFactory())  # the page cache passes over a member
    for path in ("/products/", "/categories/kitchen/"):
        client.get(f"{path}?sort=price")  # counts, and keeps the count
        with CaptureQueriesContext(connection) as captured:
            page = client.get(f"{path}?sort=-price")
        shown = [q["sql"] for q in captured if "catalog_product" in q["sql"]]
        assert len(shown) == 1
        assert "COUNT(" not in shown[0]
        assert "No products here yet." in page.content.decode()


def test_what_is_kept_between_requests_runs_fewer_queries_as_the_docs_give(client, category):
    """docs/prefetch.md, below its table: the list's count is kept (a member, whom the
    page cache passes over, asks in another order: no count), and so are the product
    page's and the home page's content."""
    product = ProductFactory(category=category)
    for url in (f"/products/{product.slug}/", "/"):
        assert queries(client.get(url)) > 0
        assert queries(client.get(url)) == 0
    client.force_login(UserFactory())
    first = queries(client.get("/products/?sort=price"))
    assert queries(client.get("/products/?sort=-price")) == first - 1


def test_the_docs_table_gives_the_pinned_counts():
    text = (Path(__file__).resolve().parents[2] / "docs" / "prefetch.md").read_text()
    counts = {page: int(n) for page, n in re.findall(r"^\| (`[^|]+?) \| (\d+)", text, re.M)}
    assert counts == {
        "`/products/` (anonymous, 24 products)": PINNED["/products/?per_page=100"],
        "`/products/?category=<slug>` and `/categories/<slug>/`": PINNED[
            "/categories/kitchen/?per_page=100"
        ],
        "`/products/<slug>/`": DETAIL_QUERIES,
        "`/` (latest four products)": PINNED["/"],
    }


@pytest.mark.parametrize(
    "path",
    [
        "/products/?per_page={n}",
        "/products/?per_page={n}&sort=-price&category=kitchen",
        "/categories/kitchen/?per_page={n}&sort=newest",
        "/products/?per_page=1&page={n}",
    ],
)
def test_list_views_send_sql_that_does_not_grow(client, make_products, no_page_cache, path):
    make_products(100)
    assert_sql_does_not_grow(lambda n: client.get(path.format(n=n)), 1, 100)


def test_home_page_sql_does_not_grow_with_the_catalog(client, category, settings):
    # Rendered each time, not kept (tests/catalog/test_kept.py): the products below
    # are made in the test's transaction, which never commits.
    settings.PAGE_CACHE_SECONDS = 0

    def catalog_of(n):
        ProductFactory.create_batch(n - Product.objects.count(), category=category)

    assert_sql_does_not_grow(lambda n: client.get("/"), 1, 50, prepare=catalog_of)


def test_home_page_shows_the_latest_products(client, make_products):
    products = make_products(6)
    html = client.get("/").content.decode()
    assert "Latest products" in html
    assert html.count('class="product-card"') == 4
    newest_first = [f'<h3><a href="/products/{p.slug}/">' for p in reversed(products)]
    assert all(card in html for card in newest_first[:4])
    assert newest_first[4] not in html


def test_nav_links_to_products(client):
    assert b'<a href="/products/">Products</a>' in client.get("/tour/").content


@pytest.mark.parametrize("path", ["/admin/catalog/product/", "/admin/catalog/category/"])
def test_admin_lists_do_not_query_per_row(admin_client, path):
    def catalog_of(n):
        for i in range(Product.objects.count(), n):
            ProductFactory(category=CategoryFactory(name=f"Cat {i}", slug=f"cat-{i}"))

    def listing(n):
        response = admin_client.get(path)
        assert response.status_code == 200
        assert response.context["cl"].result_count == n

    assert_sql_does_not_grow(listing, 1, 30, prepare=catalog_of)


def test_admin_edits_features_inline(admin_client, category):
    product = ProductFactory(category=category)
    change = admin_client.get(f"/admin/catalog/product/{product.pk}/change/")
    assert change.status_code == 200
    assert b'value="Feature 0"' in change.content
