"""ProductQuerySet: each method's result, query count and SQL shape."""

import copy
import pickle
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Count, F
from django.db.models.signals import post_init

from catalog.features import STRATEGIES
from catalog.models import Category, Feature, Product
from catalog.querysets import SORTS
from config.querylog import record
from tests.factories import CategoryFactory, ProductFactory
from tests.sqlshape import as_sent, assert_sql_does_not_grow, shape
from tests.threads import meanwhile

pytestmark = pytest.mark.django_db


def listed(queryset) -> list[tuple]:
    """Everything a card shows, read after loading."""
    return [
        (
            product.pk,
            product.name,
            product.price,
            product.category.name,
            [(f.pk, f.name, f.value, f.position, f.product.pk) for f in product.feature_list],
        )
        for product in queryset
    ]


def test_published_leaves_out_drafts(make_products):
    shown, hidden = make_products(1)[0], make_products(1, is_published=False)[0]
    assert list(Product.objects.published()) == [shown]
    assert hidden not in Product.objects.published()


@pytest.mark.parametrize("key", SORTS)
def test_every_sort_gives_each_product_one_place(category, key):
    # Equal prices and names: only the id tie-breaker orders them.
    for _ in range(3):
        ProductFactory(name="Same", price=Decimal("5.00"), category=category)
    ProductFactory(name="Another", price=Decimal("9.00"), category=category)
    ids = list(Product.objects.sorted_by(key).values_list("id", flat=True))
    pages = [
        list(Product.objects.sorted_by(key)[i : i + 1].values_list("id", flat=True))
        for i in range(4)
    ]
    assert [page[0] for page in pages] == ids
    assert len(set(ids)) == 4


def test_sorted_by_rejects_anything_else():
    with pytest.raises(KeyError):
        Product.objects.sorted_by("id; DROP TABLE catalog_product")


def test_in_category(make_products):
    make_products(2)
    other = ProductFactory(category=CategoryFactory(slug="audio", name="Audio"))
    assert list(Product.objects.in_category(other.category)) == [other]


def test_for_list_joins_the_category(make_products):
    make_products(5)
    with record() as log:
        names = [p.category.name for p in Product.objects.for_list()]
    assert names == ["Kitchen"] * 5
    assert log.count == 1


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_loads_the_same_data(make_products, strategy):
    make_products(6)
    make_products(1, features=0)
    make_products(1, is_published=False)
    reference = listed(Product.objects.for_list().sorted_by("name").with_features("prefetch"))
    loaded = listed(Product.objects.for_list().sorted_by("name").with_features(strategy))
    assert loaded == reference
    assert sorted(len(row[4]) for row in loaded) == [0] + [3] * 7


def test_features_come_in_position_order(category):
    product = ProductFactory(features=0, category=category)
    for position, name in [(2, "c"), (0, "a"), (1, "b")]:
        Feature.objects.create(product=product, name=name, value="v", position=position)
    for strategy in STRATEGIES:
        (loaded,) = Product.objects.with_features(strategy)
        assert [f.name for f in loaded.feature_list] == ["a", "b", "c"], strategy


def test_unknown_strategy_is_an_error():
    with pytest.raises(ValueError, match="naive, prefetch, bounded"):
        Product.objects.with_features("clever")


def bounded_page(size: int, page: int = 1, **filters):
    start = (page - 1) * size
    return list(
        Product.objects.published()
        .for_list()
        .filter(**filters)
        .sorted_by("price")
        .with_features("bounded")[start : start + size]
    )


def test_bounded_features_statement_is_one_text_for_every_page_size_and_page(make_products):
    make_products(300)
    texts = set()
    for size, page in [(1, 1), (10, 1), (100, 1), (10, 7), (100, 3)]:
        with record() as log:
            assert len(bounded_page(size, page)) == size
        assert log.count == 2
        texts.add(log.queries[1].sql)
    assert len(texts) == 1
    (text,) = texts
    assert "LIMIT %s OFFSET %s" in text
    assert text.count("%s") == 2  # only the slice: is_published is a bare boolean column


def test_bounded_features_sql_as_sent_is_one_shape_under_a_kilobyte(make_products):
    make_products(100)
    small, large = as_sent(lambda: bounded_page(1)), as_sent(lambda: bounded_page(100))
    # As PostgreSQL receives them, only the numbers of the slice differ.
    assert shape(small[1]) == shape(large[1])
    assert small[1] != large[1]
    assert len(small[1].encode()) < 1024
    assert len(large[1].encode()) < 1024


def test_bounded_runs_constant_queries_and_sql_shapes(make_products):
    make_products(100)
    assert_sql_does_not_grow(lambda n: bounded_page(n), 1, 100)
    assert_sql_does_not_grow(lambda n: bounded_page(10, page=n), 1, 10)


@pytest.mark.parametrize(
    "method",
    [
        lambda qs: qs.published(),
        lambda qs: qs.for_list(),
        lambda qs: qs.published().for_list().sorted_by("newest"),
        lambda qs: qs.in_category(Category.objects.get(slug="kitchen")).for_list(),
        lambda qs: qs.published().for_list().sorted_by("-price").with_features("bounded"),
        lambda qs: qs.published().for_list().with_features(),
    ],
)
def test_queryset_methods_send_sql_that_does_not_grow(make_products, category, method):
    make_products(100)
    assert_sql_does_not_grow(lambda n: list(method(Product.objects.all())[:n]), 1, 100)
    assert_sql_does_not_grow(lambda n: list(method(category.products.all())[:n]), 1, 100)


def test_bounded_instances_behave_like_loaded_ones(make_products):
    (made,) = make_products(1)
    with record() as log:
        (product,) = Product.objects.for_list().with_features("bounded")
        feature = product.feature_list[0]
        assert feature.product is product
        assert product.category.slug == "kitchen"
    assert log.count == 2
    assert isinstance(feature, Feature)
    # Another feature, its related-object cache never read: pickled (as a cache
    # stores it) and copied, it still has its product, without a query.
    untouched = product.feature_list[1]
    with record() as log:
        restored = pickle.loads(pickle.dumps(untouched))  # noqa: S301 - our own bytes
        assert (restored.pk, restored.product.pk) == (untouched.pk, product.pk)
        assert copy.copy(untouched).product is product
    assert log.count == 0
    assert product == made
    assert not product._state.adding
    assert product._state.db == "default"
    assert product.image.name == ""
    product.name = "Renamed"
    product.save()
    feature.value = "changed"
    feature.save()
    made.refresh_from_db()
    assert made.name == "Renamed"
    assert made.features.get(pk=feature.pk).value == "changed"


def test_bounded_loading_skips_model_init_signals(make_products):
    make_products(1)
    seen = []

    def count(sender, instance, **kwargs):
        seen.append(sender)

    post_init.connect(count, sender=Feature)
    try:
        list(Product.objects.with_features("prefetch"))
        assert seen.count(Feature) == 3
        seen.clear()
        list(Product.objects.with_features("bounded"))
        assert seen == []  # the documented cost
    finally:
        post_init.disconnect(count, sender=Feature)


def test_bounded_handles_empty_results_get_and_iterator(make_products):
    products = make_products(3)
    with record() as log:
        assert list(Product.objects.none().with_features("bounded")) == []
        assert list(Product.objects.filter(name="nothing").with_features("bounded")) == []
    assert log.count == 1  # none() runs nothing; an empty page needs no features query
    got = Product.objects.with_features("bounded").get(slug=products[1].slug)
    assert len(got.feature_list) == 3
    assert [p.pk for p in Product.objects.with_features("bounded").iterator()] == [
        p.pk for p in Product.objects.all()
    ]
    assert Product.objects.with_features("bounded").count() == 3
    assert Product.objects.with_features("bounded")[1:].count() == 2
    assert len(list(Product.objects.with_features("bounded")[1:])) == 2


def test_bounded_through_a_related_manager_knows_its_parent(make_products, category):
    make_products(3)
    with record() as log:
        products = list(category.products.with_features("bounded"))
        assert all(p.category is category for p in products)
    assert log.count == 2


def test_bounded_keeps_the_page_when_products_change_between_its_statements(make_products):
    """Two statements are two snapshots: a product published in between is caught."""
    products = make_products(3)
    newcomer = ProductFactory(
        price=Decimal("0.00"), is_published=False, category=products[0].category
    )
    published = []

    def publish_between(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not published:  # after the first statement: the products
            published.append(True)
            Product.objects.filter(pk=newcomer.pk).update(is_published=True)
        return result

    with connection.execute_wrapper(publish_between), record() as log:
        page = bounded_page(3)
    assert page == sorted(products, key=lambda p: (p.price, p.pk))
    # The newcomer, cheapest, took a place in the features statement's page; the
    # product it pushed out got its features from one more, stock query.
    assert [len(p.feature_list) for p in page] == [3, 3, 3]
    assert log.count == 4  # products, the UPDATE, features, the catch-up
    assert "IN (%s)" in log.queries[3].sql


def test_bounded_adds_no_feature_twice_when_a_row_changes_between_its_statements(category):
    """A page of products with a feature named "x" (a join: a product twice if it
    has two) gained a row between the statements: the features statement's page
    held the product twice, and its features came twice."""
    product = ProductFactory(category=category, features=0)
    Feature.objects.create(product=product, name="x", value="1", position=0)
    Feature.objects.create(product=product, name="y", value="2", position=1)
    added = []

    def add_between(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not added:  # after the first statement: the products
            added.append(sql)
            Feature.objects.create(product=product, name="x", value="3", position=2)
        return result

    matching = Product.objects.filter(features__name="x").order_by("pk")
    with connection.execute_wrapper(add_between):
        (loaded,) = matching.with_features("bounded")
    shown = [(feature.name, feature.value) for feature in loaded.feature_list]
    assert shown == [("x", "1"), ("y", "2"), ("x", "3")]  # as the second snapshot has it


def test_a_bounded_queryset_pickles_with_its_results(make_products):
    """Django's way of caching a queryset; the iterable class made per relation was
    no class pickle could find again."""
    make_products(3)
    queryset = Product.objects.order_by("pk").with_features("bounded")
    expected = [(p.name, [f.name for f in p.feature_list]) for p in queryset]
    again = pickle.loads(pickle.dumps(queryset))  # noqa: S301 - our own bytes
    assert [(p.name, [f.name for f in p.feature_list]) for p in again] == expected
    fresh = again.filter(pk__gt=0)  # evaluated anew, with the unpickled iterable
    assert [(p.name, [f.name for f in p.feature_list]) for p in fresh] == expected


def held_elsewhere(rows):
    """The block runs while another transaction holds `rows` locked FOR UPDATE."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            list(rows.select_for_update())
            locked.set()
            release.wait(10)

    return meanwhile(hold, locked, release)


@pytest.mark.django_db(transaction=True)
def test_bounded_skips_the_rows_another_transaction_locked_in_both_statements():
    """A job queue's `select_for_update(skip_locked=True)` while another worker holds
    the first rows: the features statement's page, unlocked, held those rows, so
    every such page cost a third, stock `IN (...)` statement."""
    products = ProductFactory.create_batch(5, category=CategoryFactory())
    with held_elsewhere(Product.objects.filter(pk__in=[p.pk for p in products[:2]])):
        queue = Product.objects.select_for_update(skip_locked=True).order_by("pk")[:2]
        with transaction.atomic():
            stock = [(p.pk, len(p.feature_list)) for p in queue.with_features("prefetch")]
        with transaction.atomic(), record() as log:
            ours = [(p.pk, len(p.feature_list)) for p in queue.with_features("bounded")]
    assert ours == stock == [(p.pk, 3) for p in products[2:4]]
    assert [query.sql.count("SKIP LOCKED") for query in log.queries] == [1, 1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "shape",
    [
        lambda queue: queue.order_by("category__name", "pk"),
        lambda queue: queue.filter(category__name__gte="a").order_by("pk"),
        lambda queue: queue.select_related("category").order_by("pk"),
    ],
    ids=["ordering join", "filter join", "select_related"],
)
def test_the_page_skips_what_the_products_statement_skips_across_joins(shape):
    """Without `of`, skip_locked skips a product whose category another worker holds:
    the features statement's page must skip it too, or it is another page and costs a
    third statement. Its page locked the product's table alone (OF self), and
    before that it dropped select_related's join."""
    held, free = CategoryFactory(name="a-held"), CategoryFactory(name="b")
    ProductFactory.create_batch(2, category=held)
    others = ProductFactory.create_batch(3, category=free)
    with held_elsewhere(Category.objects.filter(pk=held.pk)):
        queue = shape(Product.objects.select_for_update(skip_locked=True))[:2]
        with transaction.atomic():
            stock = [(p.pk, len(p.feature_list)) for p in queue.with_features("prefetch")]
        with transaction.atomic(), record() as log:
            ours = [(p.pk, len(p.feature_list)) for p in queue.with_features("bounded")]
    assert ours == stock == [(p.pk, 3) for p in others[:2]]
    assert log.count == 2


def test_select_related_without_names_is_loaded_lazily(make_products):
    make_products(2)
    with record() as log:
        products = list(Product.objects.select_related().with_features("bounded"))
        assert [p.category.name for p in products] == ["Kitchen", "Kitchen"]
    assert log.count == 4  # products, features, then each category on first use


def test_bounded_gives_a_repeated_product_its_features_every_time(category):
    product = ProductFactory(category=category)
    Feature.objects.create(product=ProductFactory(category=category), name="x", value="y")
    # A filter across a multi-valued relation repeats the product once per match.
    repeated = Product.objects.filter(pk=product.pk, features__position__gte=0)
    loaded = list(repeated.with_features("bounded"))
    assert [p.pk for p in loaded] == [product.pk] * 3
    assert all(len(p.feature_list) == 3 for p in loaded)
    assert loaded[0].feature_list == list(product.features.all())


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_annotations_come_with_every_strategy(make_products, strategy):
    make_products(2)
    ProductFactory(features=5, category=Category.objects.get())
    products = (
        Product.objects.annotate(n_features=Count("features"), doubled=F("price") * 2)
        .sorted_by("price")
        .with_features(strategy)
    )
    assert [(p.n_features, p.doubled) for p in products] == [
        (len(p.feature_list), p.price * 2) for p in products
    ]
    assert sorted(p.n_features for p in products) == [3, 3, 5]
