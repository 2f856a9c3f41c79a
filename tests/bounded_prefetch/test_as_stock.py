"""Shapes where bounded prefetch must load what prefetch_related loads, or refuse
with a ValueError that says why: found by comparing the two on querysets and
models a fork may well have."""

import pytest
from django.db import models
from django.db.models import Prefetch
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
