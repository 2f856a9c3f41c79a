"""Bounded prefetch is not the catalog's: applied to orders and their line items,
models that share nothing with products, it gives what prefetch_related gives in
two statements whose text does not grow with the result set."""

import math
import re

import pytest
from django.db import NotSupportedError, connection, models
from django.db.models import Prefetch
from django.test.utils import isolate_apps

from config.bounded_prefetch import BoundedPrefetchQuerySet, bounded_prefetch, rows
from config.querylog import record
from tests.bounded_prefetch.throwaway import model
from tests.sqlshape import assert_sql_does_not_grow


@pytest.fixture
def shop(shop_models):
    """Order, LineItem and Note of the shared models (conftest.py); the tests
    reach the others through Order's relations."""
    return shop_models.Order, shop_models.LineItem, shop_models.Note


def make_orders(shop, count: int) -> None:
    Order, LineItem, Note = shop
    Order.objects.all().delete()
    orders = Order.objects.bulk_create(Order(reference=f"R{n:04}") for n in range(count))
    items = []
    for n, order in enumerate(orders):
        # Quantities out of order, one NULL, and an order without items every fifth.
        if n % 5:
            quantities = [1, 7, None, 3]
            items += [LineItem(order=order, sku=f"S{n}-{q}", quantity=q) for q in quantities]
    LineItem.objects.bulk_create(items)
    Note.objects.bulk_create(Note(order=order, text=f"note {n}") for n, order in enumerate(orders))


def as_data(orders, attribute: str) -> list:
    return [
        (order.reference, [(item.sku, item.quantity) for item in getattr(order, attribute)])
        for order in orders
    ]


def test_gives_what_prefetch_related_gives(shop):
    Order, _, _ = shop
    make_orders(shop, 12)
    ordered = Order.objects.order_by("reference")
    stock = ordered.prefetch_related(Prefetch("line_items", to_attr="items"))
    ours = ordered.bounded_prefetch("line_items", to_attr="items")
    assert as_data(ours, "items") == as_data(stock, "items")
    first_with_items = next(order for order in ours if order.items)
    # Descending quantity, NULL first (as PostgreSQL orders DESC), then by id.
    assert [item.quantity for item in first_with_items.items] == [None, 7, 3, 1]
    # Each item knows its order without a query.
    with record() as log:
        assert all(item.order is order for order in ours for item in order.items)
    assert log.count == 0


def test_select_related_objects_and_their_misses_come_joined(shop):
    """A nullable relation named in select_related: an order with a customer gets
    it, one without gets None, both without a query, as stock select_related does."""
    Order, _, _ = shop
    Customer = Order._meta.get_field("customer").related_model
    make_orders(shop, 6)
    for n, order in enumerate(Order.objects.order_by("reference")):
        if n % 2:
            order.customer = Customer.objects.create(name=f"C{n}")
            order.save()
    ordered = Order.objects.select_related("customer").order_by("reference")
    stock = [(o.reference, o.customer and o.customer.name) for o in ordered]
    ours = list(ordered.bounded_prefetch("line_items", to_attr="items"))
    # A miss is cached as None too, as stock select_related caches it.
    assert all(Order._meta.get_field("customer").is_cached(o) for o in ours)
    with record() as log:
        got = [(o.reference, o.customer and o.customer.name) for o in ours]
        states = {(o.customer._state.adding, o.customer._state.db) for o in ours if o.customer}
    assert log.count == 0
    assert got == stock
    assert [name for _, name in got] == [None, "C1", None, "C3", None, "C5"]
    assert states == {(False, "default")}


def test_models_with_a_composite_primary_key_load_as_stock_django_loads_them(shop):
    """A composite key's attname is "pk", a column of no model: its first field's
    column tells a found object from an outer join's miss, and its fields order
    the related objects of a relation without Meta.ordering."""
    Order, _, _ = shop
    Badge = Order._meta.get_field("badge").related_model
    Tag = Order._meta.get_field("tags").related_model
    make_orders(shop, 3)
    first, _, third = Order.objects.order_by("reference")
    Badge.objects.create(kind="gold", number=1, order=first)
    Badge.objects.create(kind="gold", number=2, order=third)
    for order in (first, third):
        Tag.objects.bulk_create(Tag(order=order, label=label) for label in ("b", "c", "a"))
    ordered = Order.objects.select_related("badge").order_by("reference")

    def shown(orders, attribute):
        return [
            (
                order.reference,
                order.badge.pk if hasattr(order, "badge") else None,
                [tag.pk for tag in getattr(order, attribute)],
            )
            for order in orders
        ]

    stock = list(ordered.prefetch_related(Prefetch("tags", to_attr="t")))
    ours = list(ordered.bounded_prefetch("tags", to_attr="t"))
    with record() as log:
        # Stock sends no ORDER BY without Meta.ordering: its tags, sorted, are ours.
        assert shown(ours, "t") == [(r, b, sorted(t)) for r, b, t in shown(stock, "t")]
        # One-to-one: the badge knows its order, as stock select_related caches it.
        assert all(order.badge.order is order for order in ours if hasattr(order, "badge"))
    assert log.count == 0
    assert shown(ours, "t") == [
        ("R0000", ("gold", 1), [(first.pk, "a"), (first.pk, "b"), (first.pk, "c")]),
        ("R0001", None, []),
        ("R0002", ("gold", 2), [(third.pk, "a"), (third.pk, "b"), (third.pk, "c")]),
    ]


def test_related_values_pass_through_their_fields_converters(shop):
    """Child rows are read as raw rows; each value still goes through its field's
    from_db_value (a JSONField's is json.loads), as stock loading does."""
    Order, _, Note = shop
    make_orders(shop, 2)
    Note.objects.update(data={"size": [1, 2], "gift": True})
    ordered = Order.objects.order_by("reference")
    stock = [
        [n.data for n in o.notes]
        for o in ordered.prefetch_related(Prefetch("note_set", to_attr="notes"))
    ]
    ours = [
        [n.data for n in o.notes] for o in ordered.bounded_prefetch("note_set", to_attr="notes")
    ]
    assert ours == stock == [[{"size": [1, 2], "gift": True}]] * 2


def test_a_relation_without_ordering_comes_in_primary_key_order(shop):
    """Four notes an order, three of them inserted with keys running down and text
    running up: the order they were written in, the index's and the text's all run
    against the keys' order, so only ordering by the key gives it."""
    Order, _, Note = shop
    make_orders(shop, 3)
    for n, order in enumerate(Order.objects.order_by("pk")):
        Note.objects.bulk_create(
            Note(pk=10_000 - 10 * n - k, order=order, text=text) for k, text in enumerate("abc")
        )
    orders = bounded_prefetch(Order.objects.order_by("-reference"), "note_set", to_attr="notes")
    for order in orders:
        keys = list(Note.objects.filter(order=order).values_list("pk", flat=True))
        assert len(keys) == 4
        assert [note.pk for note in order.notes] == sorted(keys)


def test_the_statements_are_one_text_for_every_slice(shop):
    """The text the database driver gets, placeholders and all: the slice's numbers
    are parameters, so every page and page size is one statement for PostgreSQL."""
    from config.querylog import record

    Order, _, _ = shop
    make_orders(shop, 30)
    ordered = Order.objects.order_by("id").bounded_prefetch("line_items", to_attr="i")
    keys = list(Order.objects.order_by("id").values_list("pk", flat=True))
    texts = set()
    for low, high in [(0, 5), (5, 10), (0, 25), (3, None)]:
        with record() as log:
            page = list(ordered[low:high])
        assert [order.pk for order in page] == keys[low:high]
        texts.add(tuple(query.sql for query in log.queries))
    assert len(texts) == 1
    statements = next(iter(texts))
    assert len(statements) == 2
    for sql in statements:  # the slice's numbers in no statement's text
        assert re.search(r"LIMIT\s+\d|OFFSET\s+\d", sql) is None, sql


def test_two_statements_whose_text_does_not_grow(shop):
    Order, _, _ = shop

    def page(size: int) -> list:
        return list(Order.objects.order_by("id").bounded_prefetch("line_items", to_attr="i")[:size])

    shapes = assert_sql_does_not_grow(page, 5, 200, prepare=lambda size: make_orders(shop, size))
    assert len(shapes) == 2
    assert "LATERAL" in shapes[1]


def test_a_child_keyed_by_its_foreign_key_alone_is_refused():
    """Its rows carry the parent's id in that column even for a parent without
    children, so nothing would tell the parent has none."""
    with isolate_apps("config"):
        Parent = model("Parent", objects=BoundedPrefetchQuerySet.as_manager())
        model("Child", parent=models.ForeignKey(Parent, models.CASCADE, primary_key=True))
        with pytest.raises(ValueError, match="its primary key is its foreign key parent_id"):
            Parent.objects.bounded_prefetch("child_set", to_attr="children")


@pytest.mark.parametrize("relation", ["reference", "no_such_relation"])
def test_anything_but_a_reverse_foreign_key_is_refused(shop, relation):
    Order, _, _ = shop
    with pytest.raises(ValueError, match="needs a reverse foreign key of Order"):
        Order.objects.bounded_prefetch(relation, to_attr="x")


@pytest.mark.parametrize(
    "to_attr",
    [
        "reference",
        "customer",
        "customer_id",
        "line_items",
        "note_set",
        "pk",
        "save",
        # Set on each instance by Django, not on the class.
        "_state",
        "_prefetched_objects_cache",
    ],
)
def test_a_to_attr_that_is_already_the_models_is_refused(shop, to_attr):
    """A field's name replaced its value, which a save() then wrote back as the list
    ("reference" became "[<LineItem...>]"); the reverse accessor's raised Django's
    "Direct assignment to the reverse side" on every page. prefetch_related refuses
    a field's name; this refuses whatever the model already has under the name."""
    Order, _, _ = shop
    with pytest.raises(ValueError, match=f"to_attr={to_attr!r} is already Order's"):
        Order.objects.bounded_prefetch("line_items", to_attr=to_attr)


@pytest.mark.parametrize(
    "to_attr", ["", " ", "items ", "1st", "line items", "a.b", "class", None, 3]
)
def test_a_to_attr_no_code_could_name_is_refused(shop, to_attr):
    """An empty name, one with a space or a dot, a keyword or not a string: the
    list went under a name `order.<to_attr>` cannot read (or, for None, a
    TypeError from deep inside), and no code saw it."""
    Order, _, _ = shop
    with pytest.raises(ValueError, match=f"to_attr={to_attr!r} is not a name"):
        Order.objects.bounded_prefetch("line_items", to_attr=to_attr)


def test_a_parent_with_a_field_named_page_loads_as_stock_does(shop_models):
    """The statements name the page's ids page_id: a model with a `page` field (its
    column page_id) made values() refuse that name, a ValueError naming neither
    bounded_prefetch nor the field, on every page."""
    m = shop_models
    page = m.Page.objects.create()
    sections = m.Section.objects.bulk_create(m.Section(page=page) for _ in range(3))
    m.Block.objects.bulk_create(m.Block(section=s) for s in sections for _ in range(2))
    ordered = m.Section.objects.order_by("pk")
    stock = [[b.pk for b in s.blocks.all()] for s in ordered.prefetch_related("blocks")]
    ours = [[b.pk for b in s.b] for s in ordered.bounded_prefetch("blocks", to_attr="b")]
    assert ours == stock
    assert [len(blocks) for blocks in stock] == [2, 2, 2]


@pytest.mark.parametrize(
    ("shape", "said"),
    [
        (lambda qs: qs.union(qs), "cannot load a union"),
        (lambda qs: qs.values("reference"), "call it before values"),
        (lambda qs: qs.values_list("pk", flat=True), "call it before values"),
    ],
    ids=["union", "values", "values_list"],
)
def test_a_queryset_of_another_shape_is_refused_when_called(shop, shape, said):
    """A union failed at evaluation with "Calling QuerySet.annotate() after union()",
    a call the caller never made; values() came back as model instances."""
    Order, _, _ = shop
    with pytest.raises(ValueError, match=said):
        bounded_prefetch(shape(Order.objects.all()), "line_items", to_attr="items")


def test_a_database_other_than_postgresql_is_refused_when_called(shop, monkeypatch):
    """A fork's SQLite run got a syntax error at LATERAL, on every page."""
    Order, _, _ = shop
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(NotSupportedError, match=r"needs PostgreSQL.*is sqlite"):
        Order.objects.bounded_prefetch("line_items", to_attr="items")


def manager_that(step):
    """A manager class whose queryset goes through `step` (a queryset's method call)."""

    def get_queryset(self):
        return step(models.Manager.get_queryset(self))

    return type("Manager", (models.Manager,), {"get_queryset": get_queryset})


LOADS_OTHERWISE = {
    "select_related": lambda qs: qs.select_related("order"),
    "defer": lambda qs: qs.defer("sku"),
    "using": lambda qs: qs.using("default"),
    "prefetch_related": lambda qs: qs.prefetch_related("order"),
}


# A manager that turns Meta.ordering round or drops it: the statements sorted by
# Meta.ordering regardless.
REORDERS = {
    "reverse": lambda qs: qs.reverse(),
    "extra order_by": lambda qs: qs.extra(order_by=["-sku"]),
    "order_by()": lambda qs: qs.order_by(),
}


@pytest.mark.parametrize(
    ("step", "said"),
    [
        *[(step, "loads them otherwise") for step in LOADS_OTHERWISE.values()],
        *[(step, "orders") for step in REORDERS.values()],
    ],
    ids=[*LOADS_OTHERWISE, *REORDERS],
)
def test_a_default_manager_that_loads_otherwise_is_refused(step, said):
    """Stock loads related objects through the default manager: its joined objects,
    deferred fields, database, prefetches or order were lost (an N+1 on the joined
    object, another database read) without a word."""
    with isolate_apps("config"):
        Parent = model("Parent", objects=BoundedPrefetchQuerySet.as_manager())
        model(
            "Child",
            ordering=["sku"],
            order=models.ForeignKey(Parent, models.CASCADE, related_name="children"),
            sku=models.CharField(max_length=5),
            objects=manager_that(step)(),
        )
        with pytest.raises(ValueError, match=rf"default manager .* {said}"):
            Parent.objects.bounded_prefetch("children", to_attr="child_list")


def test_a_related_model_with_a_parent_table_is_refused():
    """Multi-table inheritance: the statement read the child's table alone, and its
    columns from the parent's table were a ProgrammingError at evaluation."""
    with isolate_apps("config"):
        Parent = model("Parent", objects=BoundedPrefetchQuerySet.as_manager())
        Item = model("Item", name=models.CharField(max_length=5))
        model(
            "SpecialItem",
            base=Item,
            owner=models.ForeignKey(Parent, models.CASCADE, related_name="specials"),
        )
        with pytest.raises(ValueError, match="multi-table inheritance"):
            Parent.objects.bounded_prefetch("specials", to_attr="special_list")


def test_items_are_instances_of_their_own(shop):
    """Each loaded item has its own state and related-object cache, as a loaded
    instance does: changing one leaves its siblings alone, and it saves and
    refreshes like any other."""
    Order, LineItem, _ = shop
    make_orders(shop, 2)
    other = Order.objects.create(reference="OTHER")
    (order,) = Order.objects.filter(reference="R0001").bounded_prefetch("line_items", to_attr="i")
    first, second, *_ = order.i
    assert isinstance(first, LineItem)
    assert first._state is not second._state
    assert (first._state.adding, first._state.db) == (False, "default")
    first.order = other
    assert second.order is order
    first.sku = "MOVED"
    first.save()
    second.refresh_from_db()
    assert second.order_id == order.pk
    assert LineItem.objects.get(pk=first.pk).order_id == other.pk
    assert LineItem.objects.get(sku="MOVED").pk == first.pk


def test_items_ordered_by_floats_come_in_the_databases_order(shop):
    """Sorting again in Python compared NaN as neither less nor more than anything,
    and left it where the sort happened to put it; PostgreSQL puts it after
    infinity. Stock prefetch_related gives the database's order; so does this."""
    Order, _, _ = shop
    Reading = Order._meta.get_field("readings").related_model
    make_orders(shop, 3)
    values = [2.5, math.nan, -math.inf, 1.0, math.inf, None, 0.0, math.nan, -1.5]
    for order in Order.objects.all():
        Reading.objects.bulk_create(Reading(order=order, value=value) for value in values)
    ordered = Order.objects.order_by("reference")
    stock = [[r.pk for r in o.readings.all()] for o in ordered.prefetch_related("readings")]
    ours = [[r.pk for r in o.r] for o in ordered.bounded_prefetch("readings", to_attr="r")]
    assert ours == stock


def test_items_ordered_by_text_keep_the_databases_collation(shop):
    """Sorting again in Python compared text by code point ("Banana" before "apple")
    where the database orders by its collation: Heroku Postgres' en_US.UTF-8 puts
    "apple" first. (The tests' server collates by code point, so this checks that no
    Python sort reorders what the database sent.)"""
    Order, _, _ = shop
    Word = Order._meta.get_field("words").related_model
    as_the_database_sent = [Word(pk=1, value="apple"), Word(pk=2, value="Banana")]
    kept = list(as_the_database_sent)
    rows.sorter(Word)(kept)
    assert kept == as_the_database_sent


@pytest.mark.parametrize("related", ["LineItem", "Note"])
def test_items_are_sorted_as_postgresql_orders_them(shop, related):
    """rows.sorter: stable sorts where a key is descending or nullable
    (LineItem: -quantity with NULLs, id), one C-level sort where all are
    ascending and NOT NULL (Note: pk)."""
    Order, LineItem, Note = shop
    model = {"LineItem": LineItem, "Note": Note}[related]
    make_orders(shop, 10)
    Note.objects.bulk_create(Note(order=order, text="more") for order in Order.objects.all())
    expected = list(model.objects.order_by("order_id", *model._meta.ordering or ["pk"]))
    shuffled = expected[::-1]
    shuffled = shuffled[1::2] + shuffled[::2]
    sort = rows.sorter(model)
    got = []
    for order_id in sorted({obj.order_id for obj in expected}):
        mine = [obj for obj in shuffled if obj.order_id == order_id]
        sort(mine)
        got += mine
    assert [obj.pk for obj in got] == [obj.pk for obj in expected]
