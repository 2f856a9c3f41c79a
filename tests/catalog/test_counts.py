"""The product count a list shows is counted once and stays true after catalog changes
(catalog/counts.py)."""

import pytest
from django.core.paginator import EmptyPage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.counts import CachedCountPaginator
from catalog.models import Category, Product
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
    whole PAGE_CACHE_SECONDS more: a wrong count for twice the promised time."""
    import time

    products = make_products(30)
    start = time.time()
    clock = [start]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    assert "30 products" in client.get("/products/?page=2").content.decode()  # the count kept
    # Another process unpublishes one: no clear reaches this worker's memory.
    Product.objects.filter(pk=products[0].pk).update(is_published=False)
    clock[0] = start + 9
    # Page 1's 24 rows agree with the kept count: rendered and cached with it.
    first = client.get("/products/")
    assert (first["X-Page-Cache"], "30 products, page 1 of 2.") == (
        "miss",
        first.content.decode().split('class="result-count">')[1].split("<")[0],
    )
    clock[0] = start + 10.5  # past PAGE_CACHE_SECONDS (10) since the count was kept
    again = client.get("/products/")
    assert again["X-Page-Cache"] == "miss"
    assert "29 products, page 1 of 2." in again.content.decode()


@pytest.mark.parametrize("cached", [True, False], ids=["page cache", "logged-in"])
def test_a_kept_count_the_rows_disagree_with_is_counted_again(
    client, make_products, django_user_model, cached
):
    """Another process (a second worker, another dyno, `heroku run`) deletes or
    unpublishes products: this worker's kept count is too high until it expires.
    The page past the real end was an empty "page 8 of 8", stored in the page
    cache for everyone; a page whose rows are fewer than that count promises now
    counts again, and one past the real end is the 404 it would be."""
    if not cached:
        client.force_login(django_user_model.objects.create_user("member"))
    products = make_products(8)
    assert "8 products, page 1 of 8." in client.get("/products/?per_page=1").content.decode()
    # Unpublished elsewhere: no clear reaches this worker's memory.
    Product.objects.filter(pk__in=[p.pk for p in products[:3]]).update(is_published=False)
    past = client.get("/products/?per_page=1&page=8")
    assert past.status_code == 404
    # Nothing was stored for it: still a 404, and the last page tells the new count.
    assert client.get("/products/?per_page=1&page=8").status_code == 404
    last = client.get("/products/?per_page=1&page=5")
    assert last.status_code == 200
    assert "5 products, page 5 of 5." in last.content.decode()
    assert last.content.decode().count('class="product-card"') == 1
    # Pages rendered from now on agree (page 1 as first asked for is still cached).
    first = client.get("/products/?per_page=1&sort=price").content.decode()
    assert "5 products, page 1 of 5." in first


@pytest.mark.parametrize("cached", [True, False], ids=["page cache", "logged-in"])
def test_a_kept_count_lower_than_the_rows_is_counted_again(
    client, make_products, django_user_model, cached
):
    """Another process publishes products: this worker's kept count is too low until
    it expires. The last page by it held just the rows the count promised, so it
    agreed: it was shown cut short and stored in the page cache for everyone, and
    the pages after it, which exist, were 404s. The last page by a kept count reads
    one row more, and a page past its end counts again before it is a 404."""
    if not cached:
        client.force_login(django_user_model.objects.create_user("member"))
    products = make_products(8)
    hidden = [p.pk for p in products[5:]]
    Product.objects.filter(pk__in=hidden).update(is_published=False)
    assert "5 products, page 1 of 2." in client.get("/products/?per_page=3").content.decode()
    # Published elsewhere: no clear reaches this worker's memory.
    Product.objects.filter(pk__in=hidden).update(is_published=True)
    second = client.get("/products/?per_page=3&page=2")
    assert second.status_code == 200
    assert "8 products, page 2 of 3." in second.content.decode()
    assert second.content.decode().count('class="product-card"') == 3
    # A page past the kept count's end, which exists.
    third = client.get("/products/?per_page=2&page=4")
    assert third.status_code == 200
    assert "8 products, page 4 of 4." in third.content.decode()
    last = client.get("/products/?per_page=1&page=last")
    assert "8 products, page 8 of 8." in last.content.decode()
    # Nothing short was stored: the same page again is the whole one.
    again = client.get("/products/?per_page=3&page=2").content.decode()
    assert again.count('class="product-card"') == 3


@pytest.mark.parametrize(
    ("kept_before", "page", "counts"),
    [(True, 3, 1), (True, 5, 0), (False, 3, 1), (False, 5, 1)],
    ids=["kept, the next page", "kept, further on", "not kept", "not kept, further on"],
)
def test_a_page_past_the_end_counts_at_most_once(client, make_products, kept_before, page, counts):
    """The page after the kept count's last counts again before it is a 404, once: a
    count this request made is not made again. A page further on (typed, or junk such
    as ?page=1000) is the 404 without a count, as before counts were kept: any page
    number a visitor makes up cost a COUNT(*)."""
    make_products(3)
    if kept_before:
        client.get("/products/?per_page=2")  # 2 pages by the kept count
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/products/?per_page=2&page={page}").status_code == 404
    made = [q["sql"] for q in queries if "COUNT(*)" in q["sql"]]
    assert len(made) == counts, made


@pytest.mark.parametrize("orphans", [0, 1, 2])
@pytest.mark.parametrize("change", [-6, -4, -1, 1, 4], ids=lambda n: f"{n:+} rows")
def test_every_product_is_on_a_page_whatever_the_orphans(make_products, orphans, change):
    """A fork's `paginate_orphans` moves a short last page onto the one before. A kept
    count too high left the real last page's orphans on a page it said came after:
    the real last page showed its own rows and stopped, the next was a 404, and a
    product was on no page until the count expired. Pages walked as a visitor does,
    by their links, with products unpublished or published elsewhere."""
    products = make_products(10)
    changed = [product.pk for product in products[-abs(change) :]]
    if change > 0:
        Product.objects.filter(pk__in=changed).update(is_published=False)

    def paginator():
        listed = Product.objects.published().order_by("pk")
        return CachedCountPaginator(listed, 3, count_key="counts-test", orphans=orphans)

    assert paginator().count == (10 - change if change > 0 else 10)  # kept
    Product.objects.filter(pk__in=changed).update(is_published=change > 0)
    shown, number = [], 1
    while True:
        try:
            page = paginator().page(number)
        except EmptyPage:  # a "next" link of the kept count: the 404 it is now
            break
        shown += [product.pk for product in page.object_list]
        if not page.has_next():
            break
        number += 1
    assert shown == list(Product.objects.published().order_by("pk").values_list("pk", flat=True))


def test_a_list_emptied_elsewhere_shows_no_products_not_the_kept_count(client, make_products):
    products = make_products(3)
    assert "3 products." in client.get("/products/").content.decode()
    Product.objects.filter(pk__in=[p.pk for p in products]).update(is_published=False)
    html = client.get("/products/?sort=price").content.decode()
    assert "0 products." in html
    assert "No products here yet." in html


def test_the_last_page_asked_by_name_follows_a_count_found_out_of_date(client, make_products):
    """Django's `?page=last`: the last page by the count made again, not a 404 for the
    last page by the kept one."""
    products = make_products(6)
    client.get("/products/?per_page=2")  # the count kept: 3 pages
    Product.objects.filter(pk__in=[p.pk for p in products[:2]]).update(is_published=False)
    last = client.get("/products/?per_page=2&page=last")
    assert last.status_code == 200
    assert "4 products, page 2 of 2." in last.content.decode()


def test_a_page_whose_rows_agree_with_the_kept_count_costs_no_query_more(client, make_products):
    make_products(5)
    _, _, first = rendered(client, "/products/?per_page=2&page=3", 1)
    _, html, second = rendered(client, "/products/?per_page=2&page=3", 2)
    assert "5 products, page 3 of 3." in html
    assert second == first - 1  # the kept count, and the page's own queries only


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


@pytest.mark.parametrize(
    ("fork", "rows", "said"),
    [
        ("/search/?q=Thing 1&", 1, "1 product."),
        ("/brand/?brand=Thing 1&", 1, "1 product."),
        ("/values/?", 30, "30 products, page 1 of 30."),
        ("/as-list/?", 10, "10 products, page 1 of 10."),
        ("/new/?", 4, "4 products, page 1 of 4."),
    ],
    ids=["filtered", "filtered in the view's own list", "joined", "a list", "sliced"],
)
def test_a_list_a_fork_filters_or_slices_further_counts_its_own_rows(
    client, make_products, settings, fork, rows, said
):
    """The count was kept per category whatever the view's queryset: a fork's search
    showed the whole list's "10 products" with empty pages after its last, and the
    recount of one would have stored its count for the whole list, whose real pages
    then were 404s for everyone. A subclass's own queryset now counts its rows."""
    settings.ROOT_URLCONF = "tests.catalog.filtered_list_urls"
    for n, product in enumerate(make_products(10)):
        Product.objects.filter(pk=product.pk).update(name=f"Thing {n}")
    assert (
        "10 products, page 5 of 5." in client.get("/products/?per_page=2&page=5").content.decode()
    )
    assert said in client.get(f"{fork}per_page=1").content.decode()
    assert client.get(f"{fork}per_page=1&page={rows + 1}").status_code == 404
    # The whole list's kept count is untouched: its real pages are still there.
    whole = client.get("/products/?per_page=2&page=3&sort=price")
    assert whole.status_code == 200
    assert "10 products, page 3 of 5." in whole.content.decode()
    # Every sort of one list shares its count.
    _, html, queries = rendered(client, "/products/?sort=price", 1)
    assert "10 products." in html
    _, _, again = rendered(client, "/products/?sort=-price", 2)
    assert again == queries


def test_a_list_keeps_its_count_only_for_a_queryset_of_the_same_rows(category):
    """What the view asks before it keeps a count under the list's key: the same
    filters, and no join that repeats rows, grouping or annotation."""
    from django.db.models import Count, F

    from catalog.counts import same_rows
    from catalog.views import counted_list

    other = CategoryFactory(name="Garden", slug="garden")
    kitchen = counted_list(category)
    shown = kitchen.for_list()
    same = {
        "sorted by name, with features": shown.sorted_by("name").with_features(),
        "sorted by price": shown.sorted_by("-price"),
        "by the category's id": Product.objects.published().filter(category_id=category.pk),
        "ordered across a relation": shown.order_by("features__name"),
    }
    for name, queryset in same.items():
        assert same_rows(queryset, kitchen), name
    other_rows = {
        "another category": counted_list(other),
        "all products": counted_list(None),
        "unpublished too": Product.objects.in_category(category),
        "a name": shown.filter(name__startswith="A"),
        "excluding one": shown.exclude(slug="x"),
        "a feature's value on each row": shown.annotate(value=F("features__value")),
        "a filter across features": shown.filter(features__name="Colour"),
        "values": shown.values("features__name"),
        "grouped": shown.values("category").annotate(n=Count("id")),
        "another table": shown.extra(tables=["catalog_feature"]),
        "annotated": shown.annotate(n=Count("features")),
        "sliced": shown[:4],
        "distinct": shown.distinct(),
        "by an expression": shown.filter(price__gt=F("id")),
        "by a subquery": Product.objects.published().filter(
            category__in=Category.objects.filter(slug="kitchen")
        ),
        "a union": shown.union(shown),
        "a list": list(shown),
        "raw SQL": Product.objects.raw("SELECT * FROM catalog_product"),
        "ids past what is read": shown.filter(pk__in=list(range(1, 1_002))),
    }
    for name, queryset in other_rows.items():
        assert not same_rows(queryset, kitchen), name
