"""Bounded prefetch: a reverse foreign key's objects in two statements whose SQL
text never changes, whatever the page or result-set size.

Public API:

    from config.bounded_prefetch import bounded_prefetch, BoundedPrefetchQuerySet

    bounded_prefetch(Order.objects.filter(...)[:50], "line_items", to_attr="item_list")
    class OrderQuerySet(BoundedPrefetchQuerySet): ...   # then
    Order.objects.filter(...).bounded_prefetch("line_items", to_attr="item_list")

Each object gets `to_attr`: a list of the related objects (real model instances,
their foreign key's cache set to the object), ordered by the related model's
`Meta.ordering`, else by primary key. Where `prefetch_related` sends
`WHERE fk IN (%s, %s, ...)` with one value per object, this repeats the queryset
as a subquery joined LATERAL to the related table: see `iterable.BoundedIterable`
for the statements and their costs. PostgreSQL only (LATERAL). It depends on
Django alone. A relation it would load unlike prefetch_related (a default manager
that filters, a `to_field`, ...) is refused with a ValueError that says why.
Docs: docs/prefetch.md.
"""

import copyreg
from functools import cache
from keyword import iskeyword

from django.core.exceptions import FieldDoesNotExist
from django.db import NotSupportedError, connections, models
from django.db.models import ManyToOneRel
from django.db.models.query import ModelIterable

from . import rows
from .iterable import BoundedIterable, refuse_combined

__all__ = ["BoundedPrefetchQuerySet", "bounded_prefetch"]


def bounded_prefetch(queryset, relation: str, *, to_attr: str):
    """`queryset`, set to load each object's `relation` into the list attribute `to_attr`.

    `relation` is a reverse foreign key's accessor, as prefetch_related names it:
    its related_name ("features"), else "<model>_set".
    """
    reverse = next(
        (
            rel
            for rel in queryset.model._meta.related_objects
            if isinstance(rel, ManyToOneRel)
            and not rel.one_to_one
            and rel.get_accessor_name() == relation
        ),
        None,
    )
    if reverse is None:
        raise ValueError(
            f"bounded_prefetch needs a reverse foreign key of {queryset.model.__name__}; "
            f"{relation!r} is not one."
        )
    _check_queryset(queryset, relation)
    if issubclass(queryset._iterable_class, BoundedIterable):
        raise ValueError(
            f"bounded_prefetch loads one relation a queryset; this one already loads "
            f"{queryset._iterable_class.relation!r}. Use prefetch_related for {relation!r}."
        )
    _check_to_attr(queryset.model, to_attr)
    _check_loads_as_stock(reverse)
    _check_default_manager(reverse.related_model)
    clone = queryset.all()
    clone._iterable_class = _iterable(reverse.name, to_attr)
    return clone


def _check_queryset(queryset, relation: str) -> None:
    """ValueError (NotSupportedError off PostgreSQL) for a queryset the two statements
    cannot load as stock does, said up front: each failed later, in SQL or Django
    errors naming a call the caller never made, or gave model instances where the
    queryset gave dicts."""
    refuse_combined(queryset.query, relation)
    if not issubclass(queryset._iterable_class, ModelIterable):
        raise ValueError(
            "bounded_prefetch loads model instances: call it before values() or "
            "values_list(), not after."
        )
    vendor = connections[queryset.db].vendor
    if vendor != "postgresql":
        raise NotSupportedError(
            f"bounded_prefetch needs PostgreSQL (a LATERAL join); the database "
            f"{queryset.db!r} is {vendor}: use prefetch_related({relation!r})."
        )


# What Django sets on each instance rather than on its class.
INSTANCE_ATTRIBUTES = frozenset({"_state", "_prefetched_objects_cache"})


def _check_to_attr(model, to_attr: str) -> None:
    """ValueError when `to_attr` is not an attribute name code could write
    (`product.<to_attr>`), or when the model already has something under it: a
    field's value would be replaced by the list (and saved so), a reverse
    accessor refuses assignment, a method would be shadowed, the instance's
    state lost. prefetch_related refuses a field's name."""
    if not isinstance(to_attr, str) or not to_attr.isidentifier() or iskeyword(to_attr):
        raise ValueError(
            f"bounded_prefetch: to_attr={to_attr!r} is not a name an attribute can have: "
            "choose one like item_list."
        )
    _check_model_has_no(model, to_attr)


@cache
def _check_model_has_no(model, to_attr: str) -> None:
    try:
        model._meta.get_field(to_attr)
    except FieldDoesNotExist:
        # An attname, a property, a method, pk; or what each instance gets.
        taken = hasattr(model, to_attr) or to_attr in INSTANCE_ATTRIBUTES
    else:
        taken = True
    if taken:
        raise ValueError(
            f"bounded_prefetch: to_attr={to_attr!r} is already {model.__name__}'s (a field, "
            "a relation or an attribute): choose a name of its own, like item_list."
        )


@cache  # per relation, once: a page calls bounded_prefetch on every request
def _check_loads_as_stock(reverse) -> None:
    """ValueError for a relation whose objects stock prefetch_related would load
    differently from the two statements, as far as the models say: the
    statements join on the primary key and sort by the related model's own
    columns. Its default manager, whose queryset may change while the process
    runs, is checked on every call (`_check_default_manager`)."""
    model, field = reverse.related_model, reverse.field
    if field.target_field != reverse.model._meta.pk:
        raise ValueError(
            f"bounded_prefetch reads {model.__name__} rows its own way, and {field.name} "
            f"joins on {field.target_field.name}, not on the primary key: use "
            "prefetch_related for this relation."
        )
    if any(link is not None for link in model._meta.concrete_model._meta.parents.values()):
        raise ValueError(
            f"bounded_prefetch reads {model.__name__} rows from its own table, and its "
            "fields are in its parent model's table too (multi-table inheritance): use "
            "prefetch_related for this relation."
        )
    for loaded in (reverse.model, model):
        rows.check_plain_loading(loaded)
    rows.key_attname(model, besides=field.attname)  # a key that can tell a miss
    rows.ordering(model, constant=field.attname)  # an ordering of the model's own columns


def _check_default_manager(model) -> None:
    """ValueError when `model`'s default manager filters, orders, annotates,
    deduplicates or slices its rows (a soft delete, say), or loads them otherwise
    (joined objects, deferred fields, a database of its own, prefetches, its own
    iterable): stock loads related objects through it, the statements read the
    table."""
    default = model._default_manager.all()
    query = default.query
    loads_otherwise = (
        query.select_related
        or query.deferred_loading != (frozenset(), True)
        or default._db is not None
        or default._prefetch_related_lookups
        or default._iterable_class is not ModelIterable
    )
    reorders = query.order_by or query.extra_order_by or not query.standard_ordering
    if (
        query.where
        or reorders
        or not query.default_ordering  # order_by(): Meta.ordering dropped
        or query.annotations
        or query.distinct
        or query.extra
        or loads_otherwise
    ):
        raise ValueError(
            f"bounded_prefetch reads {model.__name__} rows its own way, and its default "
            f"manager ({type(model._default_manager).__name__}) filters, orders, annotates "
            "or loads them otherwise: use prefetch_related for this relation."
        )
    if query.is_sliced:
        raise ValueError(
            f"{model.__name__}'s default manager slices its rows: use prefetch_related."
        )


@cache
def _iterable(relation: str, to_attr: str) -> type[BoundedIterable]:
    """One iterable class per (relation's field name, to_attr): Django clones a
    queryset's iterable class, never its other attributes, so both travel on it."""
    attributes = {"relation": relation, "to_attr": to_attr}
    return _PerRelation("BoundedIterable", (BoundedIterable,), attributes)


class _PerRelation(type):
    """The type of `_iterable`'s classes: pickled (a queryset cached with its
    results), one is made again from its relation and to_attr, as no module
    holds it under a name."""


copyreg.pickle(_PerRelation, lambda made: (_iterable, (made.relation, made.to_attr)))


class BoundedPrefetchQuerySet(models.QuerySet):
    """A QuerySet with `.bounded_prefetch(relation, to_attr=...)`; subclass it."""

    def bounded_prefetch(self, relation: str, *, to_attr: str):
        return bounded_prefetch(self, relation, to_attr=to_attr)
