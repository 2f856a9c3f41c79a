"""The home page's and a product page's content is rendered once per catalog change and
shared by every visitor, logged in or not (catalog/kept.py)."""

import math

import pytest
from django.core.cache import caches
from django.test import override_settings

from catalog import pagecache
from catalog.kept import kept
from catalog.models import Category, Product
from tests.factories import FeatureFactory, ProductFactory, UserFactory
from tests.pages import query_count

pytestmark = pytest.mark.django_db


def main(page: str) -> str:
    """What a page shows between its header and its footer (whose query log differs)."""
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def visit(client, path: str) -> tuple[str, int]:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode(), query_count(response["Server-Timing"])


@pytest.fixture
def product(make_products):
    return make_products(5)[2]


@pytest.fixture(params=["home", "product"])
def path(request, product):
    return "/" if request.param == "home" else f"/products/{product.slug}/"


def test_the_second_visit_runs_no_query_and_shows_the_same(client, path):
    first, first_queries = visit(client, path)
    second, second_queries = visit(client, path)
    assert first_queries >= 2
    assert second_queries == 0
    assert main(second) == main(first)


def test_logged_in_visitors_share_it_under_their_own_header(client, path, product):
    anonymous, _ = visit(client, path)
    member = UserFactory(username="ada")
    client.force_login(member)
    page, queries = visit(client, path)
    # Only the session and the user with their profile, in one query.
    assert queries == 2
    assert product.name in page
    assert ">ada<" in page
    assert "csrfmiddlewaretoken" in page
    # What was kept is the anonymous visit's content, and it named nobody.
    assert main(anonymous) == main(page)


def test_what_a_logged_in_visitor_left_names_nobody(client, path):
    client.force_login(UserFactory(username="ada"))
    visit(client, path)
    client.logout()
    page, queries = visit(client, path)
    assert queries == 0
    assert "ada" not in page
    assert "csrfmiddlewaretoken" not in page


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p: Product.objects.get(pk=p.pk).save(), id="product saved"),
        pytest.param(lambda p: FeatureFactory(product=p, name="Zest", value="Lime"), id="feature"),
        pytest.param(
            lambda p: Category.objects.filter(pk=p.category_id).first().save(), id="category"
        ),
        pytest.param(lambda p: ProductFactory(category=p.category), id="product added"),
    ],
)
def test_a_catalog_change_renders_it_again_once_committed(
    client, path, product, change, django_capture_on_commit_callbacks
):
    visit(client, path)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change(product)
    # Not before the commit: a page rendered in between would hold the old rows.
    assert visit(client, path)[1] == 0
    for callback in callbacks:
        callback()
    assert visit(client, path)[1] >= 2


def test_a_new_name_shows_on_the_next_visit(client, product, django_capture_on_commit_callbacks):
    path = f"/products/{product.slug}/"
    visit(client, "/")
    visit(client, path)
    with django_capture_on_commit_callbacks(execute=True):
        product.name = "Renamed Kettle"
        product.save()
    for page in ("/", path):
        assert "Renamed Kettle" in visit(client, page)[0], page
    assert "<title>Renamed Kettle ·" in visit(client, path)[0]


def test_an_unpublished_product_is_a_404_once_committed(
    client, product, django_capture_on_commit_callbacks
):
    path = f"/products/{product.slug}/"
    visit(client, path)
    with django_capture_on_commit_callbacks(execute=True):
        product.is_published = False
        product.save()
    assert client.get(path).status_code == 404


def test_a_missing_product_is_a_404_every_time_and_keeps_nothing(client, product):
    responses = [client.get("/products/no-such-thing/") for _ in range(2)]
    assert [r.status_code for r in responses] == [404, 404]
    assert [query_count(r["Server-Timing"]) for r in responses] == [1, 1]


def test_pages_of_two_products_are_kept_apart(client, make_products):
    first, second = make_products(2)
    assert first.name in visit(client, f"/products/{first.slug}/")[0]
    page, _ = visit(client, f"/products/{second.slug}/")
    assert f"<h1>{second.name}</h1>" in page


def test_without_a_page_cache_every_visit_renders(client, path, settings):
    settings.PAGE_CACHE_SECONDS = 0
    assert [visit(client, path)[1] for _ in range(2)] == [visit(client, path)[1]] * 2
    assert visit(client, path)[1] >= 2


def test_with_its_cache_server_down_pages_still_render(client, path, settings, refusing_port):
    # A Redis on a port nobody listens on: every call fails as a Redis that is down does.
    dead_redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{refusing_port}/0",
        "OPTIONS": {"socket_connect_timeout": 1},
    }
    with override_settings(CACHES={**settings.CACHES, "pages": dead_redis}):
        pages = [visit(client, path) for _ in range(2)]
    assert main(pages[0][0]) == main(pages[1][0])
    assert [queries for _, queries in pages] == [pages[0][1]] * 2
    assert pages[0][1] >= 2


def test_kept_parts_share_the_pages_budget_and_evict_the_least_read(
    client, make_products, settings
):
    """A crawl through more pages than a worker keeps evicts what nobody reads again,
    not the list page read meanwhile (docs/production.md, "Kept content")."""
    settings.PAGE_CACHE_SECONDS = 600  # the crawl below must not outlast the page
    make_products(3)
    assert client.get("/products/")["X-Page-Cache"] == "miss"
    memory = caches[pagecache.CACHE_ALIAS]
    limit = memory._max_entries
    assert limit == 300  # what config/cache.py and the docs give a worker
    for n in range(limit + 100):
        kept(f"catalog-part:crawled-{n}", lambda: "<p>a product</p>", lambda value: True)
        if n % 50 == 0:
            assert client.get("/products/")["X-Page-Cache"] == "hit", n
    assert client.get("/products/")["X-Page-Cache"] == "hit"
    assert len(memory._cache) <= limit
    assert memory.get("catalog-part:crawled-0") is None  # the first crawled, read no more


@pytest.mark.parametrize("role", ["staff without permissions", "superuser"])
def test_staff_see_a_change_at_once_where_other_visitors_keep_the_workers_copy(
    client, make_products, role
):
    """Without a shared cache a change clears only the memory of the worker that made
    it; other workers keep their copies up to PAGE_CACHE_SECONDS. Staff, who make the
    changes and look at them on the site, read past those copies: the list's count,
    a product's page, the home page. `QuerySet.update()` sends no signal, so no clear
    reaches this worker: the same as a change made on another one."""
    products = make_products(24)
    newest, first = products[-1], products[0]
    hidden = make_products(1, is_published=False)[0]
    # Not the list's last page by the kept count, which reads one row more and would
    # count again (catalog/counts.py).
    pages = ["/products/?page=1&sort=newest&per_page=10", f"/products/{first.slug}/", "/"]
    before = [visit(client, path)[0] for path in pages]
    assert "24 products, page 1 of 3." in before[0]

    Product.objects.filter(pk=hidden.pk).update(is_published=True)
    Product.objects.filter(pk__in=[first.pk, newest.pk]).update(name="Renamed at once")

    member = UserFactory(username="ada")
    client.force_login(member)
    (listed, member_queries), (product_page, _), (home, _) = (visit(client, p) for p in pages)
    assert "24 products, page 1 of 3." in listed  # the count kept; the cards are the list's own
    assert "Renamed at once" in listed
    assert [main(product_page), main(home)] == [main(page) for page in before[1:]]

    staff = UserFactory(username="grace", is_staff=True, is_superuser=role == "superuser")
    client.force_login(staff)
    (listed, staff_queries), (product_page, _), (home, _) = (visit(client, p) for p in pages)
    assert "25 products, page 1 of 3." in listed
    assert staff_queries == member_queries + 1  # the count, as the docs say
    assert "Renamed at once" in product_page
    assert "Renamed at once" in home


@pytest.mark.parametrize("path", ["/", "/products/", "product"])
def test_a_request_without_a_user_is_served_as_anyone_elses(rf, make_products, path):
    """A view called without AuthenticationMiddleware (a fork's stack, a test's
    RequestFactory) has no `request.user`: it reads kept values like a visitor."""
    from django.urls import resolve

    product = make_products(3)[0]
    path = f"/products/{product.slug}/" if path == "product" else path
    match = resolve(path)
    response = match.func(rf.get(path), *match.args, **match.kwargs)
    response.render()
    assert response.status_code == 200
    assert product.name in response.content.decode()


KEPT_SAID = "Parts of this page were kept from an earlier request, which ran their queries."


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged in"])
def test_the_footer_says_why_a_kept_page_ran_no_catalog_query(client, path, logged_in):
    """Someone browsing the demo to learn the bounded prefetch saw "This page ran 0
    database queries" on a product page with its features, and no word of why."""
    if logged_in:
        client.force_login(UserFactory())
    first = client.get(path)
    assert KEPT_SAID not in first.content.decode()
    assert "X-Kept-Content" not in first
    second = client.get(path)
    assert KEPT_SAID in second.content.decode()
    assert second["X-Kept-Content"] == "hit"
    # Staff read past what is kept: every visit runs the queries, and says nothing.
    client.force_login(UserFactory(is_staff=True))
    for _ in range(2):
        assert KEPT_SAID not in client.get(path).content.decode()


def test_a_list_whose_count_was_kept_says_so(client, make_products):
    """A list asked in another order runs one query fewer: its count was kept."""
    make_products(3)
    client.force_login(UserFactory())  # no page cache: each list is rendered
    assert KEPT_SAID not in client.get("/products/?sort=newest").content.decode()
    again = client.get("/products/?sort=price")
    assert KEPT_SAID in again.content.decode()
    assert again["X-Kept-Content"] == "hit"


# What a cache may hold under the keys of the page cache, the kept parts and the
# kept counts that this release cannot use: another release's shapes (its key
# prefix changes with the static files and settings, not with the code), another
# program's values in a Redis shared by mistake.
ODD_VALUES = {
    "a number": 7,
    "text": "garbage",
    "bytes": b"\x80\x04",
    "an empty tuple": (),
    "a list": [1, 2, 3],
    "a tuple of None": (None, None, None, None),
    "a tuple too long": (0, 1, 2, 3, 4, 5),
    "a negative number": -1,
}


def stored_keys() -> list[str]:
    """The keys the `pages` alias holds (a memory cache in the tests: `:1:` + key)."""
    return [made.split(":", 2)[2] for made in caches["pages"]._cache]


@pytest.mark.parametrize("odd", ODD_VALUES.values(), ids=ODD_VALUES)
@pytest.mark.parametrize("which", ["the generation", "every other key"])
@pytest.mark.parametrize("page", ["home", "product", "list", "category"])
def test_a_cached_value_of_another_shape_is_made_again_never_a_500(
    client, make_products, page, which, odd
):
    """One such value was a 500 on every catalog page (`page[0]` of a number, `int()`
    of text) until it expired; the generation never does."""
    products = make_products(5)
    path = {
        "home": "/",
        "product": f"/products/{products[2].slug}/",
        "list": "/products/",
        "category": f"/categories/{products[0].category.slug}/",
    }[page]
    first = client.get(path)
    assert first.status_code == 200
    keys = stored_keys()
    generation = caches["pages"].get(pagecache.GENERATION)
    spoiled = [key for key in keys if (key == pagecache.GENERATION) == (which == "the generation")]
    assert spoiled
    for key in spoiled:
        caches["pages"].set(key, odd, 60)
    again = client.get(path)
    assert again.status_code == 200
    assert main(again.content.decode()) == main(first.content.decode())
    # Made again and kept in the right shape: the next visit is served from the cache.
    last = client.get(path)
    assert "hit" in (last.get("X-Page-Cache"), last.get("X-Kept-Content"))
    assert main(last.content.decode()) == main(first.content.decode())
    if which == "the generation" and type(odd) is not int:
        assert caches["pages"].get(pagecache.GENERATION) not in (odd, generation)


# A kept part's time (generation, value, until) that store() cannot count from.
ODD_TIMES = {"-inf": -math.inf, "+inf": math.inf, "NaN": math.nan, "10**400": 10**400, "text": "1"}


@pytest.mark.parametrize("until", ODD_TIMES.values(), ids=ODD_TIMES)
@pytest.mark.parametrize("page", ["home", "product", "list"])
def test_a_kept_part_with_a_time_of_another_kind_is_made_again(client, make_products, page, until):
    """-inf was OverflowError in store()'s math.ceil(), 10**400 in its subtraction: a 500
    on every page that used the part until it expired."""
    products = make_products(5)
    path = {"home": "/", "product": f"/products/{products[2].slug}/", "list": "/products/"}[page]
    first = client.get(path)
    pages = caches["pages"]
    parts = [
        key for key in stored_keys() if type(pages.get(key)) is tuple and len(pages.get(key)) == 3
    ]
    assert parts
    for key in stored_keys():
        if key.startswith("catalog-page:"):
            pages.delete(key)  # the page itself renders, and uses the parts
    for key in parts:
        generation, value, _ = pages.get(key)
        pages.set(key, (generation, value, until), 60)
    again = client.get(path)
    assert again.status_code == 200
    assert main(again.content.decode()) == main(first.content.decode())
    last = client.get(path)
    assert "hit" in (last.get("X-Page-Cache"), last.get("X-Kept-Content"))
