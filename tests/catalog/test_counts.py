"""The product count a list shows is counted once and stays true after catalog changes
(catalog/counts.py)."""

import pytest

from catalog.models import Product
from tests.factories import CategoryFactory, ProductFactory
from tests.pages import query_count

pytestmark = pytest.mark.django_db


def rendered(client, path: str, n: int):
    """`path` rendered by the view, not served from the page cache: a parameter that is
    not the list's own skips it, as a logged-in visitor always does."""
    separator = "&" if "?" in path else "?"
    response = client.get(f"{path}{separator}render={n}")
    assert response["X-Page-Cache"] == "bypass"
    return response, response.content.decode(), query_count(response["Server-Timing"])


@pytest.mark.parametrize("path", ["/products/", "/categories/kitchen/", "/products/?sort=price"])
def test_the_count_is_counted_once_then_kept(client, make_products, path):
    make_products(3)
    _, first, first_queries = rendered(client, path, 1)
    _, second, second_queries = rendered(client, path, 2)
    assert "3 products." in first
    assert "3 products." in second
    # COUNT(*) the first time only.
    assert second_queries == first_queries - 1


def test_the_count_stays_true_after_every_kind_of_change(
    client, make_products, category, django_capture_on_commit_callbacks
):
    products = make_products(3)
    other = CategoryFactory(name="Garden", slug="garden")
    rendered(client, "/products/", 0)
    rendered(client, "/categories/kitchen/", 0)
    changes = [
        (lambda: ProductFactory(category=category), 4, 4),
        (lambda: products[0].delete(), 3, 3),
        (lambda: _save(products[1], is_published=False), 2, 2),
        (lambda: _save(products[2], category=other), 2, 1),
    ]
    for n, (change, everything, kitchen) in enumerate(changes, start=1):
        with django_capture_on_commit_callbacks(execute=True):
            change()
        _, all_html, _ = rendered(client, "/products/", n)
        _, kitchen_html, _ = rendered(client, "/categories/kitchen/", n)
        assert f"{everything} product" in all_html, n
        assert f"{kitchen} product" in kitchen_html, n


def _save(product, **changes):
    product = Product.objects.get(pk=product.pk)
    for name, value in changes.items():
        setattr(product, name, value)
    product.save()


def test_a_new_page_is_reachable_as_soon_as_a_product_makes_it(
    client, make_products, category, django_capture_on_commit_callbacks
):
    make_products(4)
    response, _, _ = rendered(client, "/products/?per_page=2", 1)
    assert response.context["paginator"].num_pages == 2
    assert client.get("/products/?per_page=2&page=3&render=2").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        ProductFactory(category=category)
    response, html, _ = rendered(client, "/products/?per_page=2&page=3", 3)
    assert response.status_code == 200
    assert "5 products, page 3 of 3." in html


def test_without_a_page_cache_every_request_counts(client, make_products, settings):
    settings.PAGE_CACHE_SECONDS = 0
    make_products(3)
    counts = [rendered(client, "/products/", n)[2] for n in range(2)]
    assert counts == [3, 3]


def test_a_page_is_cached_no_longer_than_the_count_it_shows(client, make_products, monkeypatch):
    """A change another process commits reaches this worker's memory when its kept
    count expires. A page rendered just before, with that count, was cached for a
    whole PAGE_CACHE_SECONDS more: an empty page 2 of 2 for twice the promised time."""
    import time

    products = make_products(25)
    start = time.time()
    clock = [start]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    assert "25 products" in client.get("/products/").content.decode()  # the count kept
    # Another process unpublishes one: no clear reaches this worker's memory.
    Product.objects.filter(pk=products[-1].pk).update(is_published=False)
    clock[0] = start + 9
    assert client.get("/products/?page=2").status_code == 200  # still the kept 25
    clock[0] = start + 10.5  # past PAGE_CACHE_SECONDS (10) since the count was kept
    assert client.get("/products/?page=2").status_code == 404


def test_with_one_second_a_page_using_the_kept_count_is_still_cached(
    client, make_products, monkeypatch, settings
):
    """Rounded down, the time the count had left (under a second) stored nothing."""
    import time

    settings.PAGE_CACHE_SECONDS = 1
    make_products(30)
    start = time.time()
    clock = [start]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    client.get("/products/")  # the count kept
    clock[0] = start + 0.01
    outcomes = [client.get("/products/?page=2")["X-Page-Cache"] for _ in range(3)]
    assert outcomes == ["miss", "hit", "hit"]
