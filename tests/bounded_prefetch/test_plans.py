"""Bounded prefetch works out its two statements once per statement
(`iterable.plan_for`): whatever a kept plan is looked up by must tell apart
every queryset that would load differently, and the kept plans stay bounded."""

import gc
import weakref
from decimal import Decimal

import pytest
from django.db.models import Value

from catalog.models import Product
from config.bounded_prefetch import iterable
from config.querylog import record
from tests.bounded_prefetch.test_any_relation import as_data, make_orders
from tests.factories import CategoryFactory, ProductFactory

LINES = {"relation": "line_items", "to_attr": "items"}


@pytest.fixture
def shop(shop_models):
    return shop_models.Order, shop_models.LineItem, shop_models.Note


@pytest.fixture
def make_products(db):
    """`make_products(n)`: n published products of the category "Kitchen", 3 features each."""
    category = CategoryFactory(name="Kitchen", slug="kitchen")
    return lambda n: ProductFactory.create_batch(n, category=category)


def plans_made(run) -> int:
    """How many plans `run()` worked out rather than found kept."""
    before = iterable._kept_plan.cache_info().misses
    run()
    return iterable._kept_plan.cache_info().misses - before


def test_a_page_of_another_size_or_place_reuses_the_plan_and_loads_its_own_rows(shop):
    Order, _, _ = shop
    make_orders(shop, 12)
    ordered = Order.objects.order_by("reference").bounded_prefetch("line_items", to_attr="items")
    stock = Order.objects.order_by("reference").prefetch_related("line_items")
    assert plans_made(lambda: list(ordered[:3])) == 1
    for start, stop in [(0, 3), (3, 9), (9, 12), (5, 6)]:
        with record() as log:
            made = plans_made(lambda s=start, e=stop: as_data(ordered[s:e], "items"))
        assert made == 0
        assert log.count == 2
        expected = [
            (order.reference, [(i.sku, i.quantity) for i in order.line_items.all()])
            for order in stock[start:stop]
        ]
        assert as_data(ordered[start:stop], "items") == expected


def test_other_parameters_get_their_own_plan_and_their_own_rows(shop):
    Order, _, _ = shop
    make_orders(shop, 12)
    pages = {
        reference: list(Order.objects.filter(reference=reference).bounded_prefetch(**LINES))
        for reference in ["R0001", "R0002", "R0005"]
    }
    assert {reference: [o.reference for o in found] for reference, found in pages.items()} == {
        reference: [reference] for reference in pages
    }
    assert [len(found[0].items) for found in pages.values()] == [4, 4, 0]


def test_a_parameter_of_another_type_is_another_statement(make_products):
    # The same SQL text and parameters Python finds equal (True == 1): SQL tells
    # them apart, so a kept plan must too, or the second gets the first's value.
    make_products(1)
    flagged = list(Product.objects.annotate(flag=Value(True)).with_features("bounded"))
    numbered = list(Product.objects.annotate(flag=Value(1)).with_features("bounded"))
    assert [(type(p.flag), p.flag) for p in flagged] == [(bool, True)]
    assert [(type(p.flag), p.flag) for p in numbered] == [(int, 1)]
    # Equal, of one type, and still two values: the second keeps its two places.
    for places in ["1.0", "1.00"]:
        loaded = Product.objects.annotate(amount=Value(Decimal(places))).with_features("bounded")
        assert [str(p.amount) for p in loaded] == [places]


def test_select_related_with_and_without_names_load_as_each_says(make_products):
    # Product's one non-null foreign key is its category: both send the same SQL.
    make_products(2)
    named = list(Product.objects.select_related("category").with_features("bounded"))
    with record() as log:
        assert [p.category.name for p in named] == ["Kitchen", "Kitchen"]
    assert log.count == 0
    unnamed = list(Product.objects.select_related().with_features("bounded"))
    with record() as log:
        assert [p.category.name for p in unnamed] == ["Kitchen", "Kitchen"]
    assert log.count == 2  # not followed (rows.related_layout): each loads on first use


def test_a_proxy_gets_instances_of_its_own_class(shop, shop_models):
    make_orders(shop, 3)
    concrete = list(shop_models.Order.objects.bounded_prefetch(**LINES))
    proxied = list(shop_models.ArchivedOrder.objects.bounded_prefetch(**LINES))
    assert {type(order) for order in concrete} == {shop_models.Order}
    assert {type(order) for order in proxied} == {shop_models.ArchivedOrder}
    assert as_data(proxied, "items") == as_data(concrete, "items")


def test_another_attribute_for_the_same_relation_is_another_plan(shop):
    Order, _, _ = shop
    make_orders(shop, 3)
    first = list(Order.objects.bounded_prefetch("line_items", to_attr="items"))
    second = list(Order.objects.bounded_prefetch("line_items", to_attr="lines"))
    assert as_data(second, "lines") == as_data(first, "items")
    assert not any(hasattr(order, "items") for order in second)


def test_a_parameter_that_cannot_be_a_key_is_loaded_without_one(make_products):
    products = make_products(3)
    ids = [products[0].pk, products[2].pk]
    # A list parameter, as an ArrayField's lookups send: no key, no kept plan.
    chosen = Product.objects.extra(where=["catalog_product.id = ANY(%s)"], params=[ids])
    made = plans_made(lambda: list(chosen.with_features("bounded")))
    loaded = list(chosen.order_by("pk").with_features("bounded"))
    assert made == 0
    assert [p.pk for p in loaded] == sorted(ids)
    assert [len(p.feature_list) for p in loaded] == [3, 3]


def test_kept_plans_are_bounded_and_keep_no_rows(make_products):
    make_products(1)
    iterable._kept_plan.cache_clear()
    loaded = Product.objects.filter(price__gte=0).with_features("bounded")
    assert len(list(loaded)) == 1
    watched = weakref.ref(loaded)
    del loaded
    gc.collect()
    assert watched() is None  # the plan kept its key, not the queryset and its rows
    for price in range(iterable.PLANS + 20):
        iterable.plan_for(Product.objects.filter(price__gte=price), "default", type_of_bounded())
    assert iterable._kept_plan.cache_info().currsize == iterable.PLANS


def type_of_bounded() -> type:
    return Product.objects.with_features("bounded")._iterable_class
