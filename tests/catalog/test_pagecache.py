"""The page cache of the anonymous product lists (catalog/pagecache.py)."""

import gzip
import pickle
import re
from decimal import Decimal

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, models, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.test import override_settings
from django.test.utils import isolate_apps

from accounts.profiles import create_user_with_profile
from catalog import pagecache
from catalog.models import Category, Feature, Product
from catalog.views import is_canonical_query
from tests.factories import CategoryFactory, FeatureFactory, ProductFactory
from tests.pages import query_count

pytestmark = pytest.mark.django_db


def queries(response) -> int:
    return query_count(response["Server-Timing"])


def without_query_log(response) -> str:
    """The page as the view rendered it: the footer differs from request to request."""
    html = response.content.decode()
    return re.sub(r'<details class="query-log">.*?</details>', "", html, flags=re.S)


def test_second_anonymous_visit_is_served_from_the_cache_without_queries(client, make_products):
    make_products(30)
    first = client.get("/products/")
    second = client.get("/products/")
    assert (first["X-Page-Cache"], queries(first)) == ("miss", 3)
    assert (second["X-Page-Cache"], queries(second)) == ("hit", 0)
    assert without_query_log(second) == without_query_log(first)
    assert "Served from the page cache" in second.content.decode()
    assert "Served from the page cache" not in first.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/products/?page=2",
        "/products/?sort=-price&per_page=5",
        "/products/?category=kitchen",
        "/categories/kitchen/?sort=newest",
    ],
)
def test_each_page_sort_and_category_is_a_page_of_its_own(client, make_products, path):
    make_products(30)
    client.get("/products/")
    response = client.get(path)
    assert response["X-Page-Cache"] == "miss"
    assert client.get(path)["X-Page-Cache"] == "hit"


def test_parameter_order_does_not_matter(client, make_products):
    make_products(3)
    client.get("/products/?sort=price&per_page=2")
    assert client.get("/products/?per_page=2&sort=price")["X-Page-Cache"] == "hit"


@pytest.mark.parametrize(
    "query",
    [
        "utm_source=mail",  # not a list parameter: its links would carry it to others
        "per_page=1&per_page=2",
        "per_page=5%20",
        "per_page=" + "9" * 65,
        # Other spellings of a page the site links to another way: each would be an
        # entry of its own, and any number of them fit in a query string.
        "per_page=a1",
        "per_page=024",
        "per_page=0",
        "per_page=101",
        "per_page=-5",
        "page=01",
        "page=last",
        "per_page=" + "1" * 5000,  # more digits than int() reads: 100
    ],
)
def test_other_query_strings_render_every_time(client, make_products, query):
    make_products(30)
    responses = [client.get(f"/products/?{query}") for _ in range(2)]
    assert [r.status_code for r in responses] == [200, 200]
    assert [r["X-Page-Cache"] for r in responses] == ["bypass", "bypass"]


def test_the_forms_cleared_size_is_the_default_size_and_cached(client, make_products):
    make_products(30)
    responses = [client.get("/products/?sort=price&per_page=") for _ in range(2)]
    assert [r["X-Page-Cache"] for r in responses] == ["miss", "hit"]
    assert len(responses[0].context["products"]) == 24


def test_a_category_page_takes_no_category_parameter(client, make_products):
    make_products(3)
    responses = [client.get("/categories/kitchen/?category=garden") for _ in range(2)]
    assert [r["X-Page-Cache"] for r in responses] == ["bypass", "bypass"]


def test_the_list_forms_and_pagers_query_strings_are_cached(client, make_products):
    make_products(30)
    page = client.get("/products/?sort=price&per_page=10").content.decode()
    # The form's own fields, then a link of the pager it shows.
    link = re.search(r'href="(\?[^"]*page=2[^"]*)" aria-label="Page 2"', page).group(1)
    path = "/products/" + link.replace("&amp;", "&")
    assert client.get(path)["X-Page-Cache"] == "miss"
    assert client.get(path)["X-Page-Cache"] == "hit"


def test_logged_in_pages_are_neither_served_from_nor_stored_in_the_cache(client, make_products):
    make_products(3)
    client.get("/products/")  # an anonymous copy is cached
    user = create_user_with_profile(username="ada", email="ada@example.com", password="x-pass-9")
    client.force_login(user)
    logged_in = client.get("/products/")
    assert logged_in["X-Page-Cache"] == "bypass"
    assert "ada" in logged_in.content.decode()  # the header names the user
    client.logout()
    anonymous = client.get("/products/")
    assert anonymous["X-Page-Cache"] == "hit"
    assert "ada" not in anonymous.content.decode()
    # The copy served depends on cookies: shared HTTP caches are told so.
    assert "Cookie" in anonymous["Vary"]


def test_a_pending_message_is_shown_not_cached(client, make_products, rf):
    make_products(3)
    storage = CookieStorage(rf.get("/"))
    storage.add(messages.INFO, "Saved.")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies.update(carrier.cookies)
    page = client.get("/products/")
    assert page["X-Page-Cache"] == "bypass"
    assert "Saved." in page.content.decode()
    assert (
        caches["pages"].get(pagecache.cache_key(rf.get("/products/"), is_canonical_query, {}))
        is None
    )


@pytest.mark.parametrize(
    "path", ["/products/?sort=cheapest", "/categories/no-such-thing/", "/products/?page=99"]
)
def test_missing_pages_are_not_cached(client, make_products, rf, path):
    make_products(3)
    assert [client.get(path).status_code for _ in range(2)] == [404, 404]
    assert caches["pages"].get(pagecache.cache_key(rf.get(path), is_canonical_query, {})) is None


def test_head_and_get_share_one_cached_page(client, make_products):
    make_products(3)
    client.get("/products/")
    assert client.head("/products/")["X-Page-Cache"] == "hit"
    caches["pages"].clear()
    assert client.head("/products/")["X-Page-Cache"] == "miss"
    after_head = client.get("/products/")
    assert after_head["X-Page-Cache"] == "hit"
    assert "3 products" in after_head.content.decode()  # the whole page was kept


@pytest.fixture
def anonymous_request(rf):
    """`anonymous_request()`: a GET of /products/ with an empty session, as the middleware
    leaves it for a visitor without cookies."""

    def make():
        request = rf.get("/products/")
        SessionMiddleware(lambda request: None).process_request(request)
        return request

    return make


def test_a_page_that_used_a_csrf_token_set_a_cookie_wrote_the_session_or_streams_is_not_stored(
    anonymous_request,
):
    def with_token(request):
        return HttpResponse(get_token(request))

    def with_cookie(request):
        response = HttpResponse("hello")
        response.set_cookie("seen", "1")
        return response

    def with_session(request):
        request.session["seen"] = True
        return HttpResponse("hello")

    def streaming(request):
        return StreamingHttpResponse(iter([b"hello"]))

    for view in (with_token, with_cookie, with_session, streaming):
        cached = pagecache.cache_anonymous_page(view, canonical=is_canonical_query)
        outcomes = [cached(anonymous_request())["X-Page-Cache"] for _ in range(2)]
        assert outcomes == ["miss", "miss"], view.__name__


def test_a_page_rendered_while_another_thread_cleared_the_cache_is_never_served(
    anonymous_request,
):
    renders = []

    def view(request):
        renders.append(request)
        if len(renders) == 1:
            pagecache.clear()  # a change committed on another thread mid-render
        return HttpResponse(f"render {len(renders)}")

    cached = pagecache.cache_anonymous_page(view, canonical=is_canonical_query)
    responses = [cached(anonymous_request()) for _ in range(3)]
    assert [r["X-Page-Cache"] for r in responses] == ["miss", "miss", "hit"]
    assert responses[2].content == b"render 2"


def test_a_cached_page_expires(client, make_products, monkeypatch, settings):
    import django.core.cache.backends.locmem as locmem

    make_products(3)
    client.get("/products/")
    now = locmem.time.time()
    monkeypatch.setattr(locmem.time, "time", lambda: now + settings.PAGE_CACHE_SECONDS + 1)
    assert client.get("/products/")["X-Page-Cache"] == "miss"


def test_zero_seconds_turns_the_cache_off(client, make_products, settings):
    settings.PAGE_CACHE_SECONDS = 0
    make_products(3)
    assert [client.get("/products/")["X-Page-Cache"] for _ in range(2)] == ["bypass", "bypass"]


def change_price(product):
    product.price += 1
    product.save()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(change_price, id="product saved"),
        pytest.param(lambda product: product.delete(), id="product deleted"),
        pytest.param(lambda product: ProductFactory(category=product.category), id="product added"),
        pytest.param(lambda product: FeatureFactory(product=product), id="feature added"),
        pytest.param(lambda product: product.features.first().delete(), id="feature deleted"),
        pytest.param(
            lambda product: Category.objects.update_or_create(
                pk=product.category_id, defaults={"name": "Cookware"}
            ),
            id="category saved",
        ),
    ],
)
def test_a_catalog_change_clears_the_cache_when_it_commits(
    client, make_products, django_capture_on_commit_callbacks, change
):
    product = make_products(3)[0]
    client.get("/products/")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        change(product)
    # Not before the commit: a page rendered in between would hold the old rows.
    assert client.get("/products/")["X-Page-Cache"] == "hit"
    for callback in callbacks:
        callback()
    assert client.get("/products/")["X-Page-Cache"] == "miss"


@pytest.fixture
def at_start_up():
    """For a fork's models made inside `isolate_apps`: what the catalog's ready() does
    for every model registered at start-up (catalog.apps.watch), and undone after."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from catalog.apps import watch

    watched = []

    def start(isolated) -> None:
        models = isolated.get_models(include_auto_created=True)
        watch(models)
        watched.extend(models)

    yield start
    for model in watched:
        for signal in (post_save, post_delete, m2m_changed):
            signal.disconnect(sender=model, dispatch_uid="pagecache")


@pytest.mark.parametrize("model", [Category, Product, Feature])
@pytest.mark.parametrize("how", ["saved", "deleted"])
def test_a_change_through_a_proxy_model_clears_the_cache(
    client, make_products, django_capture_on_commit_callbacks, at_start_up, model, how
):
    """Django sends a proxy's saves and deletes with the proxy as sender: a fork's
    `FeaturedProduct(Product)` changed the catalog and cleared nothing."""
    with isolate_apps("catalog") as isolated:

        class Proxy(model):
            class Meta:
                proxy = True
                app_label = "catalog"

        at_start_up(isolated)
        product = make_products(1)[0]
        # A category of its own: one with products may not be deleted. A product
        # without features: deleting theirs would clear through Feature.
        product.features.all().delete()
        row = {Category: CategoryFactory(), Product: product, Feature: FeatureFactory()}
        client.get("/products/")
        with django_capture_on_commit_callbacks(execute=True):
            through_proxy = Proxy.objects.get(pk=row[model].pk)
            through_proxy.save() if how == "saved" else through_proxy.delete()
    assert client.get("/products/")["X-Page-Cache"] == "miss"


def test_a_save_through_a_model_that_inherits_a_products_table_clears_the_cache(
    client, category, django_capture_on_commit_callbacks, at_start_up
):
    """Django sends a multi-table child's save with the child alone as sender, never for
    the product row it writes too: a fork's `DigitalProduct(Product)` renamed a product
    and the lists kept the old name."""
    with isolate_apps("catalog") as isolated:

        class DigitalProduct(Product):
            class Meta:
                app_label = "catalog"

        at_start_up(isolated)
        with connection.schema_editor() as editor:
            editor.create_model(DigitalProduct)
        digital = DigitalProduct.objects.create(
            name="Ebook", slug="ebook", price=Decimal("5.00"), category=category
        )
        assert [client.get("/products/")["X-Page-Cache"] for _ in range(2)] == ["miss", "hit"]
        with django_capture_on_commit_callbacks(execute=True):
            digital.name = "Audiobook"
            digital.save()
    page = client.get("/products/")
    assert page["X-Page-Cache"] == "miss"
    assert "Audiobook" in page.content.decode()


@pytest.mark.parametrize(
    "relation",
    [
        "a review of a product",
        "a brand products name",
        "tags",
        "tags added",
        "tags removed",
        "tags cleared",
        "tags set to none",
    ],
)
def test_a_change_to_a_model_related_to_the_catalog_clears_the_cache(
    client, category, django_capture_on_commit_callbacks, at_start_up, relation
):
    """A fork's model shown beside the catalog (a review with a foreign key to its
    product, a brand a product points at, tags through a many-to-many) changed and the
    pages and kept parts kept the old copy for PAGE_CACHE_SECONDS: only Category,
    Product and Feature cleared, and staff, who read past kept parts, never saw it."""
    with isolate_apps("catalog") as isolated:

        class Brand(models.Model):  # noqa: DJ008
            name = models.CharField(max_length=50)

            class Meta:
                app_label = "catalog"

        class Review(models.Model):  # noqa: DJ008
            product = models.ForeignKey(Product, on_delete=models.CASCADE)
            rating = models.IntegerField()

            class Meta:
                app_label = "catalog"

        class Tagging(models.Model):  # noqa: DJ008 (a many-to-many's table, as Django makes one)
            product = models.ForeignKey(Product, on_delete=models.CASCADE)
            tag = models.ForeignKey(Brand, on_delete=models.CASCADE)

            class Meta:
                app_label = "catalog"

        class BrandedProduct(Product):  # a product that names its brand
            brand = models.ForeignKey(Brand, on_delete=models.PROTECT)
            tags = models.ManyToManyField(Brand, related_name="+")

            class Meta:
                app_label = "catalog"

        with connection.schema_editor() as editor:
            for model in (Brand, Review, Tagging, BrandedProduct):
                editor.create_model(model)
        at_start_up(isolated)
        product = ProductFactory(category=category)
        brand = Brand.objects.create(name="Acme")
        branded = BrandedProduct.objects.create(
            name="Anvil", slug="anvil", price=Decimal("5.00"), category=category, brand=brand
        )
        if relation in ("tags removed", "tags cleared", "tags set to none"):
            branded.tags.add(brand)
        assert [client.get("/products/")["X-Page-Cache"] for _ in range(2)] == ["miss", "hit"]
        with django_capture_on_commit_callbacks(execute=True):
            if relation == "a review of a product":
                Review.objects.create(product=product, rating=5)
            elif relation == "a brand products name":
                brand.name = "Acme & Sons"
                brand.save()
            elif relation == "tags":
                Tagging.objects.create(product=product, tag=brand)
            # Django's own table of the many-to-many: no save is sent.
            elif relation == "tags added":
                branded.tags.add(brand)
            elif relation == "tags removed":
                branded.tags.remove(brand)
            elif relation == "tags cleared":
                branded.tags.clear()
            else:  # as the admin's widget saves: set() removes what is not given
                branded.tags.set([])
    assert client.get("/products/")["X-Page-Cache"] == "miss"


@pytest.mark.parametrize("how", ["a foreign key", "a many-to-many"])
def test_a_model_related_to_the_catalog_may_say_its_changes_show_nowhere(
    client, category, django_capture_on_commit_callbacks, at_start_up, how
):
    """A wishlist's rows name products but show on no catalog page: its saves need
    not empty every dyno's page cache. A many-to-many's own table follows the model
    that declares it, which was the one whose attribute went unread."""
    with isolate_apps("catalog") as isolated:
        if how == "a foreign key":

            class Wish(models.Model):  # noqa: DJ008
                product = models.ForeignKey(Product, on_delete=models.CASCADE)
                shown_on_catalog_pages = False

                class Meta:
                    app_label = "catalog"

        else:
            # A product of the isolated registry, which the many-to-many can name.
            class ListedProduct(Product):
                class Meta:
                    app_label = "catalog"

            class Wish(models.Model):  # noqa: DJ008
                products = models.ManyToManyField(ListedProduct, related_name="+")
                shown_on_catalog_pages = False

                class Meta:
                    app_label = "catalog"

        with connection.schema_editor() as editor:
            if how != "a foreign key":
                editor.create_model(ListedProduct)
            editor.create_model(Wish)
        at_start_up(isolated)
        if how == "a foreign key":
            product = ProductFactory(category=category)
        else:
            product = ListedProduct.objects.create(
                name="Kettle", slug="kettle", price=Decimal("9.00"), category=category
            )
        client.get("/products/")
        assert client.get("/products/")["X-Page-Cache"] == "hit"
        with django_capture_on_commit_callbacks(execute=True):
            if how == "a foreign key":
                Wish.objects.create(product=product)
            else:
                Wish.objects.create().products.add(product)
    assert client.get("/products/")["X-Page-Cache"] == "hit"


def test_a_model_joined_another_way_may_say_its_changes_show(
    client, category, django_capture_on_commit_callbacks, at_start_up
):
    """A review joined by a generic foreign key names no catalog model: the rule
    cannot see it, and the model says so."""
    from django.contrib.contenttypes.fields import GenericForeignKey
    from django.contrib.contenttypes.models import ContentType

    with isolate_apps("catalog") as isolated:

        class Note(models.Model):  # noqa: DJ008
            content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
            object_id = models.PositiveIntegerField()
            subject = GenericForeignKey("content_type", "object_id")
            shown_on_catalog_pages = True

            class Meta:
                app_label = "catalog"

        with connection.schema_editor() as editor:
            editor.create_model(Note)
        at_start_up(isolated)
        product = ProductFactory(category=category)
        client.get("/products/")
        with django_capture_on_commit_callbacks(execute=True):
            Note.objects.create(subject=product)
    assert client.get("/products/")["X-Page-Cache"] == "miss"


def test_a_clear_refused_while_another_goes_through_is_sent_again(monkeypatch, caplog):
    """The flag of an unsent clear was taken down after a clear went through: one that
    another thread's cache call refused in between was never sent."""
    pages = caches["pages"]
    pages.set(pagecache.GENERATION, 1, timeout=None)
    real_set = pages.set

    def refused(*args, **kwargs):
        raise ConnectionError("refused")

    def set_while_another_is_refused(*args, **kwargs):
        real_set(*args, **kwargs)
        monkeypatch.setattr(pages, "set", refused)
        pagecache.clear()  # another thread's change, meanwhile
        monkeypatch.setattr(pages, "set", real_set)

    monkeypatch.setattr(pages, "set", set_while_another_is_refused)
    pagecache.clear()
    first = pages.get(pagecache.GENERATION)
    assert pagecache.is_generation(first)
    assert first != 1
    assert "pages not cleared" in caplog.text
    assert pagecache.unsent_clear.is_set()
    pagecache.lookup("some-page")  # sent again before the cache is read
    assert pages.get(pagecache.GENERATION) not in (1, first)
    assert not pagecache.unsent_clear.is_set()


def test_models_off_the_catalog_pages_keep_djangos_one_statement_delete(db):
    """The page cache listened to every model's deletes, and a delete signal with a
    receiver for its model makes Django read each row and delete them 100 at a time:
    the daily `clearsessions` read every expired session into memory."""
    from django.apps import apps
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models.signals import post_delete, pre_delete
    from django.test.utils import CaptureQueriesContext

    from catalog.apps import shows_on_catalog_pages

    listened = {
        model._meta.label
        for model in apps.get_models(include_auto_created=True)
        if not shows_on_catalog_pages(model)
        and (post_delete.has_listeners(model) or pre_delete.has_listeners(model))
    }
    assert listened == {"axes.AccessAttempt"}  # django-axes' own receivers

    for _ in range(3):
        session = SessionStore()
        session.set_expiry(-1)
        session.save()
    with CaptureQueriesContext(connection) as queries:
        call_command("clearsessions")
    assert [query["sql"].split()[0] for query in queries] == ["DELETE"]


def test_other_models_changes_leave_the_cache_alone(client, make_products):
    make_products(1)
    client.get("/products/")
    create_user_with_profile(username="someone", email="s@example.com", password="long pass 1")
    assert client.get("/products/")["X-Page-Cache"] == "hit"


def test_a_transaction_of_many_changes_clears_the_cache_once(
    client, make_products, django_capture_on_commit_callbacks, monkeypatch
):
    """Every saved or deleted row registered a clear of its own: the admin's "delete
    selected" on 50,000 products (and their 250,000 features) ran 300,000 clears
    after the commit, each two round trips on Redis, inside the request. One a
    transaction is enough, a savepoint rolled back along the way included."""
    products = make_products(3)
    client.get("/products/")
    cleared = []
    monkeypatch.setattr(pagecache, "clear", lambda clear=pagecache.clear: cleared.append(clear()))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        try:
            with transaction.atomic():
                change_price(products[0])
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        products[1].delete()  # and its features, a signal each
        change_price(products[2])
    assert len(cleared) == 1
    assert client.get("/products/")["X-Page-Cache"] == "miss"


def test_a_new_price_shows_on_the_next_visit(
    client, make_products, django_capture_on_commit_callbacks
):
    product = make_products(1)[0]
    assert "$1234.50" not in client.get("/products/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        product.price = Decimal("1234.50")
        product.save()
    assert "$1234.50" in client.get("/products/").content.decode()


def test_seeding_clears_the_cache(client, django_capture_on_commit_callbacks):
    call_command("seed_catalog", products=3, verbosity=0)
    shown = Product.objects.published().count()  # about 1 in 20 seeded is unpublished
    assert f"{shown} products" in client.get("/products/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_catalog", products=2, verbosity=0)
    response = client.get("/products/")
    assert response["X-Page-Cache"] == "miss"
    assert Product.objects.published().count() > shown
    assert f"{Product.objects.published().count()} products" in response.content.decode()
    assert Product.objects.count() == 5
    assert Feature.objects.count() == 25


GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


@pytest.fixture
def query_log_off(settings):
    """The production default (QUERY_LOG=off): nothing writes into a page after the view."""
    settings.QUERY_LOG = False
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "querylog" not in m]


def test_a_hit_serves_the_bytes_compressed_when_the_page_was_stored(
    client, make_products, query_log_off
):
    make_products(30)
    miss = client.get("/products/", **GZIP)
    hits = [client.get("/products/", **GZIP) for _ in range(2)]
    plain = client.get("/products/")
    assert [r["X-Page-Cache"] for r in [miss, *hits, plain]] == ["miss", "hit", "hit", "hit"]
    for response in (miss, *hits):
        assert response["Content-Encoding"] == "gzip"
        assert response["Vary"] == "Accept-Encoding, Cookie"
        assert int(response["Content-Length"]) == len(response.content)
        # Compressed once: one gzip layer over the page itself.
        assert gzip.decompress(response.content) == plain.content
    # The same stored bytes on every hit: no compression (nor BREACH padding) per
    # request, which a page without any secret in it does not need.
    assert hits[0].content == hits[1].content
    assert len(hits[0].content) < len(plain.content) / 3
    # A client without gzip gets the plain page, and is told it may differ.
    assert not plain.has_header("Content-Encoding")
    assert plain["Vary"] == "Accept-Encoding, Cookie"
    assert b"<h1" in plain.content


def test_with_the_query_log_on_a_hit_is_compressed_after_its_footer_is_written(
    client, make_products
):
    make_products(3)
    client.get("/products/", **GZIP)
    hit = client.get("/products/", **GZIP)
    assert (hit["X-Page-Cache"], hit["Content-Encoding"]) == ("hit", "gzip")
    page = gzip.decompress(hit.content).decode()
    assert "Served from the page cache" in page
    assert "ran <strong data-query-count>0</strong> database queries" in page


def test_a_clear_keeps_everything_else_in_the_cache(client, make_products):
    """The counts sharing a Redis with the pages survive a catalog change."""
    make_products(3)
    client.get("/products/")
    caches["pages"].set("not-a-page", "kept", 60)
    pagecache.clear()
    assert client.get("/products/")["X-Page-Cache"] == "miss"
    assert caches["pages"].get("not-a-page") == "kept"


def test_a_lost_generation_retires_every_stored_page(client, make_products):
    """A generation evicted from the cache starts again at a value no stored page has."""
    make_products(3)
    client.get("/products/")
    caches["pages"].delete(pagecache.GENERATION)
    assert client.get("/products/")["X-Page-Cache"] == "miss"
    assert client.get("/products/")["X-Page-Cache"] == "hit"
    caches["pages"].delete(pagecache.GENERATION)
    pagecache.clear()  # with no generation to move on, it makes a new one
    assert client.get("/products/")["X-Page-Cache"] == "miss"


def test_a_page_is_cached_no_longer_than_a_count_made_while_it_rendered(
    anonymous_request, monkeypatch
):
    """Only a count found kept lowered the page's time: one made in the same request,
    then a slow render, left the page cached past the count."""
    import time

    from catalog import kept

    start = time.time()
    clock = [start]
    monkeypatch.setattr(time, "time", lambda: clock[0])

    def slow_view(request):
        kept.kept("catalog-count:probe", lambda: 25, lambda value: True)
        clock[0] += 3  # rendering
        return HttpResponse("25 products")

    cached = pagecache.cache_anonymous_page(slow_view, canonical=is_canonical_query)
    assert cached(anonymous_request())["X-Page-Cache"] == "miss"
    clock[0] = start + 10.5  # the count, kept at 0 s, expired at 10
    assert cached(anonymous_request())["X-Page-Cache"] == "miss"


@pytest.mark.django_db(transaction=True)
def test_a_change_on_another_alias_clears_when_that_transaction_commits(
    client, make_products, second_alias
):
    """The clear waits for the transaction of the connection that wrote: registered
    on the default one instead, it ran at once, and a page rendered before the
    write committed was cached under the new generation, old rows and all."""
    product = make_products(3)[0]
    client.get("/products/")
    with transaction.atomic(using=second_alias):
        renamed = Product.objects.using(second_alias).get(pk=product.pk)
        renamed.name = "Renamed on the second alias"
        renamed.save(using=second_alias)
        in_between = client.get("/products/?page=1")  # not committed yet: the old name
        assert "Renamed" not in in_between.content.decode()
    page = client.get("/products/?page=1")
    assert "Renamed on the second alias" in page.content.decode()


@pytest.fixture
def pages_on_redis(tmp_path, settings):
    """The `pages` alias on a Redis of its own, as config/cache.py builds it."""
    from config import cache
    from tests import redisserver

    server = redisserver.start(tmp_path / "redis")
    options = cache.redis_options(server.url, development=True)
    on_redis = {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": server.url,
        "KEY_PREFIX": "pages",
        "TIMEOUT": settings.PAGE_CACHE_SECONDS,
        "OPTIONS": {**options, "socket_timeout": 30, "socket_connect_timeout": 30},
    }
    try:
        with override_settings(CACHES={**settings.CACHES, "pages": on_redis}):
            yield server.client()
    finally:
        server.stop()


ODD_GENERATIONS = {
    "a float": lambda redis, key: redis.set(key, pickle.dumps(1.5)),
    "a list": lambda redis, key: redis.rpush(key, "a"),
    "beyond 64 bits": lambda redis, key: redis.set(key, b"99999999999999999999"),
    "text": lambda redis, key: redis.set(key, b"garbage"),
}


@pytest.mark.parametrize("odd", ODD_GENERATIONS.values(), ids=ODD_GENERATIONS)
def test_a_clear_in_this_process_replaces_a_generation_redis_cannot_count_on(
    client, make_products, pages_on_redis, odd, caplog
):
    """A clear was Redis's INCR, which refuses each of these: the process that made
    the change (a web worker, for an admin save) kept its clear unsent, served every
    page uncached and logged an error on each request, until a restart."""
    make_products(3)
    assert client.get("/products/")["X-Page-Cache"] == "miss"
    [key] = pages_on_redis.keys("pages:*catalog-page-generation")
    pages_on_redis.delete(key)
    odd(pages_on_redis, key)
    pagecache.clear()
    assert not pagecache.unsent_clear.is_set()
    assert [client.get("/products/")["X-Page-Cache"] for _ in range(2)] == ["miss", "hit"]
    assert "not cleared" not in caplog.text


@pytest.mark.parametrize(
    "spoil",
    [
        lambda page: (page[0], "text/html\nX-Evil: 1", page[2], page[3]),
        lambda page: (page[0], "text/html\r\nX-Evil: 1", page[2], page[3]),
        lambda page: (page[0], "text/html\rX-Evil: 1", page[2], page[3]),
        lambda page: (page[0], "text/html\x00", page[2], page[3]),
        lambda page: (page[0], "text/html\x7f", page[2], page[3]),
        lambda page: (page[0], page[1], page[2], b"not gzip at all"),
        lambda page: (page[0], page[1], "text, not bytes", page[3]),
    ],
    ids=[
        "a line break in its type",
        "a CRLF in its type",
        "a CR in its type",
        "a NUL in its type",
        "a DEL in its type",
        "bytes that are not gzip",
        "text",
    ],
)
def test_a_stored_page_of_another_shape_is_rendered_again(client, make_products, spoil):
    """A line break in the stored content type was a 500 (BadHeaderError), and any
    other control character but a tab one from gunicorn (InvalidResponseHeader,
    which the test client does not check: `pagecache.HEADER_VALUE` is gunicorn's
    rule); bytes that are not gzip went out as Content-Encoding: gzip."""
    make_products(3)
    first = client.get("/products/", HTTP_ACCEPT_ENCODING="gzip")
    pages = caches["pages"]
    [key] = [made.split(":", 2)[2] for made in pages._cache if "catalog-page:" in made]
    pages.set(key, spoil(pages.get(key)), 60)
    again = client.get("/products/", HTTP_ACCEPT_ENCODING="gzip")
    assert (again.status_code, again["X-Page-Cache"]) == (200, "miss")
    assert "X-Evil" not in again

    def shown(response) -> str:
        html = gzip.decompress(response.content).decode()
        return re.sub(r'<details class="query-log">.*?</details>', "", html, flags=re.S)

    assert shown(again) == shown(first)
    assert client.get("/products/", HTTP_ACCEPT_ENCODING="gzip")["X-Page-Cache"] == "hit"


def test_the_rows_of_a_generic_relation_on_a_product_clear_the_cache(
    client, category, django_capture_on_commit_callbacks, at_start_up
):
    """A library's comments, joined to products by a GenericRelation: each belongs to
    a product, as a review with a foreign key does."""
    from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
    from django.contrib.contenttypes.models import ContentType

    with isolate_apps("catalog", "django.contrib.contenttypes") as isolated:

        class Comment(models.Model):  # noqa: DJ008 (a library's model)
            content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
            object_id = models.PositiveIntegerField()
            subject = GenericForeignKey("content_type", "object_id")

            class Meta:
                app_label = "contenttypes"

        class CommentedProduct(Product):
            comments = GenericRelation(Comment)

            class Meta:
                app_label = "catalog"

        with connection.schema_editor() as editor:
            editor.create_model(Comment)
            editor.create_model(CommentedProduct)
        at_start_up(isolated)
        product = CommentedProduct.objects.create(
            name="Kettle", slug="kettle", price=Decimal("9.00"), category=category
        )
        client.get("/products/")
        assert client.get("/products/")["X-Page-Cache"] == "hit"
        with django_capture_on_commit_callbacks(execute=True):
            Comment.objects.create(subject=product)
    assert client.get("/products/")["X-Page-Cache"] == "miss"


@pytest.mark.parametrize("owner", ["an installed package's model", "the user model"])
def test_a_product_owners_save_clears_nothing(
    client, category, django_capture_on_commit_callbacks, monkeypatch, at_start_up, owner
):
    """A product's owner is a user, saved at every login: had the catalog's relation
    to it counted, each login would empty every dyno's pages. Django's User is an
    installed package's; Django asks every new project for a user model of its own,
    which a fork keeps in its own app. (Isolated models stand for both: User's own
    relations are the global registry's, which an isolated product does not join.)"""
    from catalog import apps as catalog_apps

    app_label = "auth" if owner == "an installed package's model" else "accounts"
    app = "django.contrib.auth" if app_label == "auth" else "accounts"
    with isolate_apps("catalog", app) as isolated:

        class Member(models.Model):  # noqa: DJ008
            last_login = models.DateTimeField(null=True)

            class Meta:
                app_label = "auth" if owner == "an installed package's model" else "accounts"

        class OwnedProduct(Product):
            owner = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")

            class Meta:
                app_label = "catalog"

        if owner == "the user model":
            monkeypatch.setattr(catalog_apps, "get_user_model", lambda: Member)
        with connection.schema_editor() as editor:
            editor.create_model(Member)
            editor.create_model(OwnedProduct)
        at_start_up(isolated)
        member = Member.objects.create()
        OwnedProduct.objects.create(
            name="Kettle", slug="kettle", price=Decimal("9.00"), category=category, owner=member
        )
        client.get("/products/")
        assert client.get("/products/")["X-Page-Cache"] == "hit"
        with django_capture_on_commit_callbacks(execute=True):
            member.save(update_fields=["last_login"])  # what a login does
    assert client.get("/products/")["X-Page-Cache"] == "hit"


def test_the_projects_own_apps_are_its_own_through_a_symbolic_link(tmp_path, settings):
    """Its folder reached through a link (a deploy's `current/`): every app read as
    an installed package's, the brand a product names among them."""
    from django.contrib.auth.models import User

    from accounts.models import Profile
    from config.apps import is_project_model

    link = tmp_path / "current"
    link.symlink_to(settings.BASE_DIR, target_is_directory=True)
    settings.BASE_DIR = link
    assert is_project_model(Product)
    assert is_project_model(Profile)
    assert not is_project_model(User)


@pytest.mark.parametrize(
    "where",
    [
        ".heroku/python/lib/python3.11/site-packages",  # a Heroku dyno's, under /app
        ".venv/lib/python3.11/site-packages",
        "__pypackages__/3.11/lib",
        "vendor",
    ],
)
def test_a_library_installed_inside_the_projects_folder_is_not_the_projects(
    settings, monkeypatch, where
):
    """On Heroku the app is /app and its libraries are under /app/.heroku: a rule by
    path alone counted Django's User among the project's models there."""
    from django.apps import apps
    from django.contrib.auth.models import User

    from config.apps import is_project_model

    auth = apps.get_app_config("auth")
    monkeypatch.setattr(auth, "path", str(settings.BASE_DIR / where / "django/contrib/auth"))
    assert not is_project_model(User)
    assert is_project_model(Product)


def test_a_clear_is_one_cache_call_and_a_hit_one_more(client, make_products, monkeypatch):
    """What docs/production.md says a clear and a hit cost on Redis: one round trip each,
    a call of the backend each (the memory cache's get_many calls its own get: only the
    outermost calls are counted)."""
    make_products(3)
    client.get("/products/")
    pages = caches["pages"]
    calls, depth = [], [0]

    def counted(name, real):
        def call(*args, **kwargs):
            if not depth[0]:
                calls.append(name)
            depth[0] += 1
            try:
                return real(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in ("get", "get_many", "set", "add", "incr", "delete", "set_many"):
        monkeypatch.setattr(pages, name, counted(name, getattr(pages, name)))
    pagecache.clear()
    assert calls == ["set"]
    client.get("/products/")  # the generation moved: a miss, which stores the page
    calls.clear()
    assert client.get("/products/")["X-Page-Cache"] == "hit"
    assert calls == ["get_many"]
