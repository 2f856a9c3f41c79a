"""Bounded prefetch works out its two statements once per statement text
(`iterable.plan_for`) and runs them with each queryset's own parameters:
whatever a kept plan is looked up by must tell apart every queryset that would
load differently, what cannot be told apart by its SQL is never kept, and the
kept plans stay bounded."""

import gc
import weakref
from decimal import Decimal

import pytest
from django.db.models import (
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    Prefetch,
    Q,
    Value,
)

from catalog.models import Product
from config.bounded_prefetch import bounded_prefetch, iterable
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


def test_other_parameters_share_the_plan_and_get_their_own_rows(shop):
    Order, _, _ = shop
    make_orders(shop, 12)
    pages = {}

    def load():
        for reference in ["R0001", "R0002", "R0005"]:
            found = Order.objects.filter(reference=reference).bounded_prefetch(**LINES)
            pages[reference] = list(found)

    assert plans_made(load) == 1
    assert {reference: [o.reference for o in found] for reference, found in pages.items()} == {
        reference: [reference] for reference in pages
    }
    assert [len(found[0].items) for found in pages.values()] == [4, 4, 0]


def test_a_crawl_of_every_product_page_keeps_one_plan(make_products):
    # The product page's query differs only in its slug: one text, one plan, so
    # visiting every product does not push the list pages' plans out.
    products = make_products(30)
    made = plans_made(
        lambda: [
            list(Product.objects.filter(slug=product.slug).with_features("bounded"))
            for product in products
        ]
    )
    assert made == 1
    loaded = [Product.objects.filter(slug=p.slug).with_features("bounded")[0] for p in products]
    assert [p.pk for p in loaded] == [p.pk for p in products]
    assert all(len(p.feature_list) == 3 for p in loaded)


def test_annotations_are_never_kept_and_keep_their_own_types(make_products):
    # The same SQL text (and parameters Python finds equal), different values:
    # an annotation's output field picks the converter, and SQL tells True from 1.
    make_products(1)
    pairs = [
        (F("price"), ExpressionWrapper(F("price"), output_field=FloatField())),
        (Value(True), Value(1)),
        (Value(Decimal("1.0")), Value(Decimal("1.00"))),
    ]
    loaded = []

    def load():
        for first, second in pairs:
            for expression in (first, second):
                products = Product.objects.annotate(x=expression).with_features("bounded")
                loaded.append(next(iter(products)).x)

    assert plans_made(load) == 0
    price = Product.objects.get().price
    assert [(type(x), str(x)) for x in loaded] == [
        (Decimal, str(price)),
        (float, str(float(price))),
        (bool, "True"),
        (int, "1"),
        (Decimal, "1.0"),
        (Decimal, "1.00"),
    ]


def test_a_filtered_relation_is_never_kept(shop):
    Order, _, _ = shop
    make_orders(shop, 6)
    big = Order.objects.annotate(
        big=FilteredRelation("line_items", condition=Q(line_items__quantity__gte=5))
    ).filter(big__isnull=False)
    loaded = []
    ordered = big.order_by("reference")
    assert plans_made(lambda: loaded.extend(ordered.bounded_prefetch(**LINES))) == 0
    stock = big.order_by("reference").prefetch_related(Prefetch("line_items", to_attr="items"))
    assert as_data(loaded, "items") == as_data(stock, "items")
    assert loaded


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


def test_another_relation_of_the_same_queryset_loads_its_own_objects(shop, shop_models):
    Order, _, _ = shop
    make_orders(shop, 3)
    items = list(Order.objects.order_by("pk").bounded_prefetch("line_items", to_attr="items"))
    notes = list(Order.objects.order_by("pk").bounded_prefetch("note_set", to_attr="items"))
    assert {type(item) for order in items for item in order.items} == {shop_models.LineItem}
    assert [[note.text for note in order.items] for order in notes] == [
        ["note 0"],
        ["note 1"],
        ["note 2"],
    ]


def test_another_attribute_for_the_same_relation_loads_into_its_own(shop):
    Order, _, _ = shop
    make_orders(shop, 3)
    first = list(Order.objects.bounded_prefetch("line_items", to_attr="items"))
    second = list(Order.objects.bounded_prefetch("line_items", to_attr="lines"))
    assert as_data(second, "lines") == as_data(first, "items")
    assert not any(hasattr(order, "items") for order in second)


def test_a_list_parameter_shares_the_plan_too(make_products):
    products = make_products(3)

    # A list parameter, as an ArrayField's lookups send: the text stays the same.
    def chosen(ids):
        found = Product.objects.extra(where=["catalog_product.id = ANY(%s)"], params=[ids])
        return found.order_by("pk")

    first, second = [products[0].pk, products[2].pk], [products[1].pk]
    loaded = []
    made = plans_made(
        lambda: loaded.extend(list(chosen(ids).with_features("bounded")) for ids in (first, second))
    )
    assert made == 1
    assert [[p.pk for p in page] for page in loaded] == [first, second]
    assert [len(p.feature_list) for page in loaded for p in page] == [3, 3, 3]


def test_kept_plans_are_bounded_and_keep_no_rows(make_products):
    make_products(1)
    iterable._kept_plan.cache_clear()
    loaded = Product.objects.filter(price__gte=0).with_features("bounded")
    assert len(list(loaded)) == 1
    watched = weakref.ref(loaded)
    del loaded
    gc.collect()
    assert watched() is None  # the plan kept its key, not the queryset and its rows
    kept, _, _ = iterable.plan_for(Product.objects.filter(price__gte=0), "default", bounded())
    assert kept.products_params is None
    assert kept.features_params is None
    # `IN (%s, %s, ...)` lists of every length are as many texts: the oldest go.
    for count in range(1, iterable.PLANS + 21):
        iterable.plan_for(Product.objects.filter(pk__in=range(count)), "default", bounded())
    assert iterable._kept_plan.cache_info().currsize == iterable.PLANS


def bounded() -> type:
    return Product.objects.with_features("bounded")._iterable_class


def test_a_plan_whose_parameters_are_not_the_querys_own_is_not_kept(make_products):
    # No query of filters, orderings and select_related gets here; the check
    # keeps a plan from running with parameters that are not its statements'.
    make_products(1)
    queryset = Product.objects.filter(price__gte=0).with_features("bounded")
    statement = iterable._Statement((bounded(), Product, "default", "", None), queryset, (1,))
    kept = iterable._kept_plan.cache_info().currsize
    with pytest.raises(iterable._NotShared) as unshared:
        iterable._kept_plan(statement)
    assert unshared.value.plan.products_params == (Decimal(0),)
    assert iterable._kept_plan.cache_info().currsize == kept


def test_a_plan_not_kept_loads_with_the_parameters_it_was_worked_out_with(
    make_products, monkeypatch
):
    # Whatever keeps a plan from being shared, plan_for runs the plan it got with
    # that plan's own parameters, not the query's. Here _kept_plan refuses every
    # plan, as it does one whose parameters differ, with one of another bound.
    make_products(3)
    queryset = Product.objects.filter(price__gte=0).with_features("bounded")
    other = Product.objects.filter(price__gte=1).with_features("bounded")

    def refuse(statement):
        raise iterable._NotShared(iterable._plan(other, "default", bounded()))

    monkeypatch.setattr(iterable, "_kept_plan", refuse)
    planned = iterable.plan_for(queryset, "default", bounded())
    assert planned[1:] == ((Decimal(1),), (Decimal(1),))
    products = list(queryset)
    assert len(products) == 3
    assert all(len(product.feature_list) == 3 for product in products)


def plans_looked_up(run) -> int:
    """How many times `run()` looked for a kept plan, found or not."""
    info = iterable._kept_plan.cache_info()
    before = info.hits + info.misses
    run()
    info = iterable._kept_plan.cache_info()
    return info.hits + info.misses - before


def test_a_parent_whose_values_need_converters_is_never_kept(shop_models):
    # A kept compiler would apply them with the connection of the thread that
    # made it; such a plan is worked out on each request instead, without
    # compiling the query for a key it would never be kept under.
    Sheet, SheetLine = shop_models.Sheet, shop_models.SheetLine
    sheet = Sheet.objects.create(data={"rows": [1, 2]})
    SheetLine.objects.create(sheet=sheet, text="first")
    loaded = []

    def load_twice():
        for _ in range(2):
            loaded.append(list(bounded_prefetch(Sheet.objects.all(), "lines", to_attr="items")))

    kept = iterable._kept_plan.cache_info().currsize
    assert plans_looked_up(load_twice) == 0
    assert iterable._kept_plan.cache_info().currsize == kept
    assert [[(s.data, [line.text for line in s.items]) for s in page] for page in loaded] == [
        [({"rows": [1, 2]}, ["first"])]
    ] * 2


def test_a_parent_whose_select_related_object_needs_converters_is_never_kept(shop_models):
    Sheet, SheetLine = shop_models.Sheet, shop_models.SheetLine
    line = SheetLine.objects.create(sheet=Sheet.objects.create(data=[3]), text="only")
    line.marks.create(sign="+")
    loaded = []

    def load_twice():
        for _ in range(2):
            lines = SheetLine.objects.select_related("sheet")
            loaded.append(list(bounded_prefetch(lines, "marks", to_attr="signs")))

    assert plans_looked_up(load_twice) == 0
    assert [[(x.sheet.data, [m.sign for m in x.signs]) for x in page] for page in loaded] == [
        [([3], ["+"])]
    ] * 2
    # Without the join, the same lines carry no converted values: kept, once.
    plain = lambda: list(bounded_prefetch(SheetLine.objects.all(), "marks", to_attr="signs"))  # noqa: E731
    assert plans_looked_up(lambda: [plain(), plain()]) == 2
    assert plans_made(lambda: [plain(), plain()]) == 0
