"""Bounded prefetch in the queryset shapes Django lets a user build around it:
where it gives what stock prefetch_related gives, and where it cannot, a
ValueError that says why, never a different set of objects."""

import pytest
from django.db import connection, models, transaction
from django.db.models import Prefetch

from config.bounded_prefetch import bounded_prefetch
from config.querylog import record
from tests.bounded_prefetch.throwaway import VisibleManager


@pytest.fixture
def shop(shop_models):
    """Six orders, numbered 100 down to 95, of two customers, each with two line
    items ("z", then "a<n>"; no quantities, so in id order)."""
    m = shop_models
    ada, bob = m.Customer.objects.create(name="ada"), m.Customer.objects.create(name="bob")
    for n in range(6):
        order = m.Order.objects.create(
            reference=f"R{n}", number=100 - n, customer=ada if n % 2 else bob
        )
        m.LineItem.objects.bulk_create(m.LineItem(order=order, sku=s) for s in ("z", f"a{n}"))
    return m.Order, m.Customer


def items(orders) -> list:
    return [(order.number, [item.sku for item in order.items]) for order in orders]


def test_nested_in_a_prefetch_and_in_bulk_as_stock(shop):
    """Customers -> their orders (bounded, with line items): the queryset of a
    Prefetch, as stock's may be; and in_bulk, which also asks for model objects."""
    Order, Customer = shop

    def customers(orders):
        found = Customer.objects.order_by("name").prefetch_related(
            Prefetch("orders", queryset=orders, to_attr="order_list")
        )
        return [(customer.name, items(customer.order_list)) for customer in found]

    ordered = Order.objects.order_by("number")
    stock = ordered.prefetch_related(Prefetch("line_items", to_attr="items"))
    ours = ordered.bounded_prefetch("line_items", to_attr="items")
    assert customers(ours) == customers(stock)
    assert customers(ours)[0] == ("ada", [(95, ["z", "a5"]), (97, ["z", "a3"]), (99, ["z", "a1"])])
    ids = list(ordered.values_list("pk", flat=True)[:2])
    bulk = ours.in_bulk(ids)
    assert sorted(bulk) == sorted(ids)
    assert items(bulk.values()) == items(stock.in_bulk(ids).values())


@pytest.mark.parametrize(
    ("relation", "message"),
    [
        ("hideable", "filters, orders, annotates or loads them otherwise"),
        ("grouped", "orders by group, which follows Group.Meta.ordering"),
        ("numbered_notes", "joins on number, not on the primary key"),
    ],
)
def test_a_relation_it_would_load_differently_from_stock_is_refused(shop, relation, message):
    """Stock reads hidden items through the default manager, orders grouped items
    by their group's name and joins notes on the order's number; each of these
    bounded prefetch would get wrong, so it says so instead."""
    Order, _ = shop
    with pytest.raises(ValueError, match=message):
        Order.objects.bounded_prefetch(relation, to_attr="x")


def test_the_default_manager_is_asked_on_every_call(shop, shop_models, monkeypatch):
    """Its queryset may change while the process runs (a scope switched on, say):
    a relation accepted once is refused when its manager starts to filter, and
    when it annotates (stock objects would carry the value)."""
    Order, _ = shop
    unfiltered = models.Manager.get_queryset
    monkeypatch.setattr(VisibleManager, "get_queryset", unfiltered)
    assert len(list(Order.objects.bounded_prefetch("hideable", to_attr="x"))) == 6
    monkeypatch.undo()
    with pytest.raises(ValueError, match="filters, orders, annotates"):
        Order.objects.bounded_prefetch("hideable", to_attr="x")
    annotating = lambda manager: unfiltered(manager).annotate(double=models.Value(2))  # noqa: E731
    monkeypatch.setattr(VisibleManager, "get_queryset", annotating)
    with pytest.raises(ValueError, match="filters, orders, annotates"):
        Order.objects.bounded_prefetch("hideable", to_attr="x")
    monkeypatch.setattr(VisibleManager, "get_queryset", lambda manager: unfiltered(manager)[:5])
    with pytest.raises(ValueError, match="default manager slices its rows"):
        Order.objects.bounded_prefetch("hideable", to_attr="x")


def test_an_ordering_by_the_relations_own_key_is_accepted(shop, shop_models):
    """GroupedItem orders by its group, which follows Group's ordering: refused
    for an order's items (above), accepted for a group's, where it is the same
    for every item of the list and orders nothing."""
    m = shop_models
    zed, ann = m.Group.objects.create(name="zed"), m.Group.objects.create(name="ann")
    for order in m.Order.objects.all():
        m.GroupedItem.objects.bulk_create(m.GroupedItem(order=order, group=g) for g in (zed, ann))
    groups = m.Group.objects.all()
    stock = groups.prefetch_related(Prefetch("groupeditem_set", to_attr="items"))
    ours = bounded_prefetch(groups, "groupeditem_set", to_attr="items")
    shown = lambda found: [(g.name, [i.pk for i in g.items]) for g in found]  # noqa: E731
    assert shown(ours) == shown(stock)
    assert [len(items) for _, items in shown(ours)] == [6, 6]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("group__name", "by 'group__name', not one of its columns"),
        ("-nowhere", "by '-nowhere', not one of its columns"),
        (models.F("id").desc(), "Meta.ordering must name fields"),
        ("?", "Meta.ordering must name fields"),
    ],
)
def test_an_ordering_that_is_no_column_of_its_own_is_refused(
    shop, shop_models, monkeypatch, entry, message
):
    Order, _ = shop
    monkeypatch.setattr(shop_models.GroupedItem._meta, "ordering", [entry, "id"])
    with pytest.raises(ValueError, match=message):
        Order.objects.bounded_prefetch("grouped", to_attr="x")


def test_a_second_relation_is_refused_rather_than_replacing_the_first(shop):
    Order, _ = shop
    once = Order.objects.bounded_prefetch("line_items", to_attr="items")
    with pytest.raises(ValueError, match="one relation a queryset"):
        once.bounded_prefetch("grouped", to_attr="g")


def test_extra_select_is_refused_when_loaded(shop):
    """`.extra(select=...)` values would be left out; annotate() gives them."""
    Order, _ = shop
    extra = Order.objects.bounded_prefetch("line_items", to_attr="items").extra(select={"one": "1"})
    with pytest.raises(ValueError, match="extra"):
        list(extra)
    annotated = Order.objects.annotate(one=models.Value(1)).bounded_prefetch(
        "line_items", to_attr="items"
    )
    assert {order.one for order in annotated} == {1}


def test_a_random_order_still_gives_each_its_own_items(shop):
    """Each statement draws its own random page; the products the second missed
    get their items from one more query, so every list is still right."""
    Order, _ = shop
    with record() as log:
        shuffled = Order.objects.order_by("?").bounded_prefetch("line_items", to_attr="items")
        orders = list(shuffled[:3])
    assert len(orders) == 3
    assert all(order.items[0].sku == "z" for order in orders)
    assert all(item.order_id == order.pk for order in orders for item in order.items)
    assert log.count in (2, 3)


JOINED = pytest.mark.parametrize(
    "shape",
    [
        lambda orders: orders.order_by("customer__name", "number"),  # an outer join
        lambda orders: orders.filter(customer__name="ada").order_by("number"),  # an inner one
    ],
    ids=["outer join", "inner join"],
)


@JOINED
def test_select_for_update_of_self_locks_what_stock_locks(shop, shape):
    """The products statement locks the orders as the queryset says (OF self);
    the features statement repeats the page without locking, as stock's second
    query does not lock either. Repeating FOR UPDATE there failed on an outer
    join and locked the customers on an inner one."""
    Order, _ = shop
    locked = shape(Order.objects.select_for_update(of=("self",)))
    with transaction.atomic():
        stock = items(locked.prefetch_related(Prefetch("line_items", to_attr="items")))
    with transaction.atomic(), record() as log:
        ours = items(locked.bounded_prefetch("line_items", to_attr="items"))
    assert ours == stock
    assert [query.sql.count("FOR UPDATE") for query in log.queries] == [1, 0]


@JOINED
def test_skip_locked_repeats_on_the_page_the_lock_of_its_own_table_alone(shop, shape):
    """A job queue (skip_locked=True): the features statement's page skips the rows
    another transaction holds, as the products statement did, locking the orders'
    own table alone (docs/prefetch.md). Compiled from values(), the page lost its
    OF: it failed on an outer join's nullable side where stock loads, and locked
    the customers of an inner join, which stock never locks."""
    Order, _ = shop
    queue = shape(Order.objects.select_for_update(skip_locked=True, of=("self",)))
    with transaction.atomic():
        stock = items(queue.prefetch_related(Prefetch("line_items", to_attr="items")))
    with transaction.atomic(), record() as log:
        ours = items(queue.bounded_prefetch("line_items", to_attr="items"))
    assert ours == stock
    own = connection.ops.quote_name(Order._meta.db_table)
    assert [query.sql.count(f"FOR UPDATE OF {own} SKIP LOCKED") for query in log.queries] == [
        1,
        1,
    ]


@pytest.mark.parametrize(
    "shape",
    [
        lambda legacy: legacy,  # its own column page_id
        lambda legacy: legacy.select_related("holder"),  # a joined one's (section.page_id)
    ],
    ids=["own column", "joined column"],
)
def test_under_skip_locked_a_column_named_page_id_is_no_ambiguity(shop_models, shape):
    """Under skip_locked the page carries every column its query selects: one named
    page_id made PostgreSQL refuse `page.page_id` as ambiguous, where stock loads."""
    m = shop_models
    section = m.Section.objects.create(page=m.Page.objects.create())
    for n in range(3):
        m.LegacyKid.objects.create(legacy=m.Legacy.objects.create(legacy=n, holder=section))
    queue = shape(m.Legacy.objects.select_for_update(skip_locked=True).order_by("pk"))[:2]
    with transaction.atomic():
        stock = [[kid.pk for kid in legacy.kids.all()] for legacy in queue.prefetch_related("kids")]
    with transaction.atomic():
        ours = [
            [kid.pk for kid in legacy.k] for legacy in queue.bounded_prefetch("kids", to_attr="k")
        ]
    assert ours == stock
    assert [len(kids) for kids in stock] == [1, 1]
