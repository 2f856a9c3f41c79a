"""Shapes where bounded prefetch must load what prefetch_related loads, or refuse
with a ValueError that says why: found by comparing the two on querysets and
models a fork may well have."""

from decimal import Decimal

import pytest
from django.db import connection, models, transaction
from django.db.models import Count, FilteredRelation, Prefetch, Q
from django.db.models.query_utils import DeferredAttribute
from django.test.utils import isolate_apps

from config.bounded_prefetch import BoundedPrefetchQuerySet, bounded_prefetch
from tests.bounded_prefetch.throwaway import model


@pytest.fixture
def orders(shop_models):
    """Six orders of two customers, each with two line items."""
    m = shop_models
    ada, bob = m.Customer.objects.create(name="ada"), m.Customer.objects.create(name="bob")
    for n in range(6):
        order = m.Order.objects.create(reference=f"R{n}", number=n, customer=(ada, bob)[n % 2])
        m.LineItem.objects.create(order=order, sku=f"a{n}", quantity=2)
        m.LineItem.objects.create(order=order, sku=f"b{n}", quantity=1)
    return m


def loaded(queryset) -> list:
    """Each order's reference, customer's name and items' SKUs."""
    return [
        (o.reference, o.customer and o.customer.name, [item.sku for item in o.items])
        for o in queryset
    ]


def both(queryset, relation: str = "line_items") -> tuple[list, list]:
    stock = queryset.prefetch_related(Prefetch(relation, to_attr="items"))
    return loaded(stock), loaded(bounded_prefetch(queryset, relation, to_attr="items"))


def test_a_combined_querysets_objects_of_another_parent_are_left_to_load(orders):
    """A customer's orders `|` another's: the first customer is known to the
    queryset, and the second customer's orders got it, cached as None."""
    Order, Customer = orders.Order, orders.Customer
    ada, bob = Customer.objects.order_by("name")
    stock, ours = both((ada.orders.all() | Order.objects.filter(customer=bob)).order_by("number"))
    assert ours == stock
    assert [name for _, name, _ in ours] == ["ada", "bob"] * 3


def test_a_join_that_repeats_a_parent_points_its_children_at_the_copy_stock_does(orders):
    """A filter across the relation repeats an order once per item it matches. Stock
    shares one list among an order's copies and points each item at the last copy
    (it keys the parents by their key); bounded prefetch pointed them at the first,
    which code changing one copy, then reading it through an item, would see."""
    Order = orders.Order
    queryset = Order.objects.filter(line_items__quantity__gte=1).order_by("number")

    def copies(loaded) -> list:
        """Per object: the position of the first copy sharing its list, and the
        position of the object each of its items points at."""
        position = {id(order): n for n, order in enumerate(loaded)}
        return [
            (
                [order.items is other.items for other in loaded].index(True),
                [position[id(item.order)] for item in order.items],
            )
            for order in loaded
        ]

    stock = list(queryset.prefetch_related(Prefetch("line_items", to_attr="items")))
    ours = list(bounded_prefetch(queryset, "line_items", to_attr="items"))
    assert copies(ours) == copies(stock)
    assert copies(stock)[:2] == [(0, [1, 1]), (0, [1, 1])]

    # An order without items, repeated by a join of another relation: stock gives
    # each copy an empty list of its own, not one shared.
    Order.objects.filter(number=0).first().line_items.all().delete()
    repeated = Order.objects.filter(customer__orders__number__lte=2).order_by("number")
    stock = list(repeated.prefetch_related(Prefetch("line_items", to_attr="items")))
    ours = list(bounded_prefetch(repeated, "line_items", to_attr="items"))
    assert copies(ours) == copies(stock)
    assert copies(stock)[:2] == [(0, []), (1, [])]


@pytest.mark.parametrize("combinator", ["union", "intersection", "difference"])
def test_a_union_made_after_it_is_refused_when_evaluated(orders, combinator):
    """Stock's failing message named annotate(), which the caller never called."""
    Order = orders.Order
    ours = Order.objects.filter(number__gte=4).bounded_prefetch("line_items", to_attr="items")
    combined = getattr(ours, combinator)(Order.objects.filter(number__lte=1))
    with pytest.raises(ValueError, match=f"cannot load a {combinator}"):
        list(combined)


def test_ordering_by_a_primary_key_that_is_a_relation_is_refused():
    """`ordering = ["other"]`, the primary key a one-to-one field: Django orders by
    the related model's Meta.ordering, the statements by the key's column."""
    with isolate_apps("config"):
        Parent = model("Parent", objects=BoundedPrefetchQuerySet.as_manager())
        Other = model("Other", ordering=["-name"], name=models.CharField(max_length=5))
        model(
            "Child",
            ordering=["other"],
            other=models.OneToOneField(Other, models.CASCADE, primary_key=True),
            parent=models.ForeignKey(Parent, models.CASCADE, related_name="children"),
        )
        with pytest.raises(ValueError, match=r"follows Other\.Meta\.ordering"):
            Parent.objects.bounded_prefetch("children", to_attr="child_list")


class LoadedValues(models.Model):
    """Django's documented from_db override ("Customizing model loading")."""

    class Meta:
        abstract = True
        app_label = "config"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=True))
        return instance


class RemembersItsValues(models.Model):
    """The other common way: `__init__` keeps the values it was made with."""

    class Meta:
        abstract = True
        app_label = "config"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._made_with = self.__dict__.copy()


@pytest.mark.parametrize(
    ("base", "method"),
    [(LoadedValues, "from_db"), (RemembersItsValues, "__init__")],
    ids=["from_db", "__init__"],
)
@pytest.mark.parametrize("overrides", ["parent", "child", "joined"])
def test_a_model_that_loads_its_rows_its_own_way_is_refused(db, overrides, base, method):
    """Rows become instances without Model.__init__ or Model.from_db, so a model's
    own never ran: its instances lacked what it sets."""
    with isolate_apps("config"):
        Maker = model("Maker", base=base if overrides == "joined" else models.Model)
        Parent = model(
            "Parent",
            base=base if overrides == "parent" else models.Model,
            maker=models.ForeignKey(Maker, models.CASCADE, null=True),
            objects=BoundedPrefetchQuerySet.as_manager(),
        )
        model(
            "Child",
            base=base if overrides == "child" else models.Model,
            parent=models.ForeignKey(Parent, models.CASCADE, related_name="children"),
        )
        with pytest.raises(ValueError, match=rf"without Model\.{method}, which"):
            list(
                Parent.objects.select_related("maker").bounded_prefetch(
                    "children", to_attr="child_list"
                )
            )


def test_annotations_come_right_beside_a_distinct_ordering_on_other_columns(orders):
    """With distinct(), Django adds the ORDER BY columns after the annotations: the
    annotation was read from the row's last column, the customer's name."""
    queryset = (
        orders.Order.objects.annotate(n=Count("line_items"))
        .distinct()
        .order_by("customer__name", "pk")
    )
    stock = [(o.pk, o.n) for o in queryset.prefetch_related("line_items")]
    ours = [(o.pk, o.n) for o in queryset.bounded_prefetch("line_items", to_attr="items")]
    assert ours == stock
    assert {n for _, n in ours} == {2}


REFUSED_SHAPES = {
    "to_attr an annotation's": (
        lambda qs: qs.annotate(items=Count("line_items")),
        "to_attr='items' is already",
    ),
    "lock of a joined table": (
        lambda qs: qs.select_related("customer").select_for_update(of=("self", "customer")),
        "select_for_update",
    ),
    "select_related of a FilteredRelation": (
        lambda qs: qs.annotate(
            ada=FilteredRelation("customer", condition=Q(customer__name="ada"))
        ).select_related("ada"),
        "FilteredRelation",
    ),
}


@pytest.mark.parametrize(("shape", "said"), REFUSED_SHAPES.values(), ids=REFUSED_SHAPES)
def test_shapes_it_cannot_load_as_stock_are_refused_when_loaded(orders, shape, said):
    """Each gave other values (the annotation's counts replaced by the lists) or
    failed in Django's code, naming a field or a call that was no mistake."""
    ours = shape(orders.Order.objects.all()).bounded_prefetch("line_items", to_attr="items")
    with transaction.atomic(), pytest.raises(ValueError, match=said):
        list(ours)


def test_a_many_to_many_prefetch_of_a_bounded_queryset_is_refused_by_name(db):
    """Django's many-to-many prefetcher adds an extra(select=...) of its own: the
    refusal named that, a call the caller never made."""
    with isolate_apps("config"):
        Place = model("Place", objects=BoundedPrefetchQuerySet.as_manager())
        model("Review", place=models.ForeignKey(Place, models.CASCADE, related_name="reviews"))
        Guide = model("Guide", places=models.ManyToManyField(Place, related_name="guides"))
        with connection.schema_editor() as editor:
            for made in (Place, Guide, Place._meta.get_field("reviews").related_model):
                editor.create_model(made)
        Guide.objects.create().places.add(Place.objects.create())
        places = Place.objects.bounded_prefetch("reviews", to_attr="review_list")
        with pytest.raises(ValueError, match="many-to-many"):
            list(Guide.objects.prefetch_related(Prefetch("places", queryset=places)))


class Shout(models.CharField):
    """A NOT NULL field whose converter never expects None, as stock never gives it one."""

    def from_db_value(self, value, expression, connection):
        return value.upper()


class Tag(models.IntegerField):
    """Stored as a number, read as text: "#9", "#10", "#100"."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else f"#{value}"

    def get_prep_value(self, value):
        return None if value is None else int(str(value).lstrip("#"))


class Money(Decimal):
    """What a money field's descriptor makes of every value assigned."""


class MoneyDescriptor(DeferredAttribute):
    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = None if value is None else Money(value)


class MoneyField(models.DecimalField):
    descriptor_class = MoneyDescriptor


@pytest.fixture
def converted(db):
    """Orders with related rows whose fields convert what they read; the second
    order has none."""
    with isolate_apps("config"):
        Order = model("Order", objects=BoundedPrefetchQuerySet.as_manager())
        related = [
            model("Word", order=order_key(Order, "words"), word=Shout(max_length=10)),
            model("Tagged", ordering=["tag"], order=order_key(Order, "tags"), tag=Tag()),
            model(
                "Priced",
                order=order_key(Order, "prices"),
                price=MoneyField(max_digits=8, decimal_places=2),
            ),
        ]
        with connection.schema_editor() as editor:
            for made in (Order, *related):
                editor.create_model(made)
        first, _ = Order.objects.create(), Order.objects.create()
        Word, Tagged, Priced = related
        Word.objects.create(order=first, word="hi")
        for tag in (10, 9, 100):
            Tagged.objects.create(order=first, tag=tag)
        Priced.objects.create(order=first, price=Decimal("1.50"))
        yield Order


def order_key(Order, related_name: str):
    return models.ForeignKey(Order, models.CASCADE, related_name=related_name)


def test_a_parent_without_related_rows_sends_no_nulls_to_their_converters(converted):
    """A LEFT JOIN's row of NULLs, for a parent without related rows, went through
    the related fields' converters: one that never expects None raised."""
    stock = [[w.word for w in o.items] for o in with_items(converted, "words", stock=True)]
    ours = [[w.word for w in o.items] for o in with_items(converted, "words")]
    assert ours == stock == [["HI"], []]


def test_fields_read_as_other_values_keep_the_databases_order(converted):
    """Sorted again in Python by its type, a number read as "#10" came after "#100"."""
    ours = [[t.tag for t in o.items] for o in with_items(converted, "tags")]
    assert ours == [["#9", "#10", "#100"], []]


def test_a_model_whose_field_sets_its_own_values_is_refused(converted):
    """A field's descriptor (a money field's, say) makes each value assigned its own
    type; the loader fills instances without assigning, and gave plain Decimals."""
    with pytest.raises(ValueError, match="price"):
        with_items(converted, "prices")


def with_items(Order, relation: str, *, stock: bool = False) -> list:
    ordered = Order.objects.order_by("pk")
    if stock:
        return list(ordered.prefetch_related(Prefetch(relation, to_attr="items")))
    return list(ordered.bounded_prefetch(relation, to_attr="items"))
