"""Plain rows to model instances, and statements sliced by parameters.

The low-level half of bounded prefetch (iterable.py). Nothing here
knows about products: it works for any model.
"""

import inspect
from functools import cache
from operator import attrgetter

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor, ImageFileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute

FETCH_SIZE = 2000


def sliced(query, db: str) -> tuple:
    """Compile `query` without its slice, followed by `LIMIT %s OFFSET %s`.

    Django writes a slice's numbers into the SQL text (`LIMIT 24 OFFSET 48`), so
    every page size and page is a new statement; here they are parameters
    (`limits`), and the text stays the same. Returns (compiler, sql, params),
    the slice's two parameters not among the params. `query` must be a clone:
    its own limits are cleared. Raises EmptyResultSet for `.none()`.
    """
    query.clear_limits()
    compiler = query.get_compiler(using=db)
    sql, params = compiler.as_sql()
    return compiler, f"{sql} LIMIT %s OFFSET %s", tuple(params)


def limits(query) -> tuple:
    """The parameters of `sliced`'s `LIMIT %s OFFSET %s` for `query`'s slice
    (LIMIT NULL: no limit)."""
    low, high = query.low_mark, query.high_mark
    return (None if high is None else high - low, low)


def fetch(sql: str, params: tuple, db: str):
    """The rows of one statement, a few thousand at a time.

    In chunks, so only a chunk's row tuples are alive at once, not the whole
    result's: less for the garbage collector to walk while instances pile up.
    """
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(FETCH_SIZE):
            yield from rows


def converted(model, names: tuple[str, ...], db: str, rows, pk_at: int):
    """`rows` (values in `names` order) through their fields' converters
    (`from_db_value`: a JSONField's json.loads, say), as Django reads a model's
    rows; `rows` themselves when no field has one, as none of Feature's has.

    A row whose key (at `pk_at`) is NULL is an outer join's miss, a parent with
    no related rows: passed on as it is, as stock never gives a converter one."""
    if not needs_converters(model, names, db):
        return rows
    compiler = _values_compiler(model, names, db)
    converters = compiler.get_converters([column for column, _, _ in compiler.select])
    return _converted_rows(compiler, converters, rows, pk_at)


def _converted_rows(compiler, converters, rows, pk_at: int):
    for row in rows:
        if row[pk_at] is None:
            yield row
        else:
            yield from compiler.apply_converters((row,), converters)


def _values_compiler(model, names: tuple[str, ...], db: str):
    compiler = model._base_manager.values_list(*names).query.get_compiler(using=db)
    compiler.setup_query()
    return compiler


@cache
def needs_converters(model, names: tuple[str, ...], db: str) -> bool:
    """Whether any of `model`'s fields in `names` has a converter on `db`."""
    return has_converters(_values_compiler(model, names, db))


def has_converters(compiler) -> bool:
    """Whether any column the compiled statement selects has a converter."""
    return bool(compiler.get_converters([column for column, _, _ in compiler.select]))


# Django's own descriptors store what a row loads as it is, on a new instance.
STORED_AS_GIVEN = (
    DeferredAttribute,
    ForeignKeyDeferredAttribute,
    FileDescriptor,
    ImageFileDescriptor,
)


@cache
def check_plain_loading(model) -> None:
    """ValueError when `model` overrides `Model.__init__` or `Model.from_db`, which
    the builders here never call, or a field's descriptor makes what is assigned
    a value of its own (a money field's): the builders fill `__dict__` without
    assigning. Its instances would lack what they do (the loaded values Django's
    "customizing model loading" recipe keeps, a field's value remembered to tell
    a change, a Money for a Decimal)."""
    for method in ("__init__", "from_db"):
        own, django = getattr(model, method), getattr(models.Model, method)
        if getattr(own, "__func__", own) is not getattr(django, "__func__", django):
            raise ValueError(
                f"bounded_prefetch makes {model.__name__} instances without "
                f"Model.{method}, which {model.__name__} overrides: use prefetch_related."
            )
    probe = model.__new__(model)
    probe._state = ModelState()
    for field in model._meta.concrete_fields:
        descriptor = inspect.getattr_static(model, field.attname)
        if type(descriptor) in STORED_AS_GIVEN:
            continue
        given = object()  # assigned to a new instance, as a row's value would be
        try:
            descriptor.__set__(probe, given)
        except Exception:  # any refusal is an answer: not stored as given
            stored = False
        else:
            stored = probe.__dict__.get(field.attname) is given
        if not stored:
            raise ValueError(
                f"bounded_prefetch fills {model.__name__}.{field.attname} without assigning "
                f"it, and its {type(descriptor).__name__} makes what is assigned a value of "
                "its own: use prefetch_related."
            )


def attnames(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def related_layout(model, select_related, parent: str = "") -> list[tuple]:
    """(prefix, model, parent prefix, field) for each relation select_related names.

    `select_related()` without names (every non-null foreign key) is not
    followed: those relations load on first use, as without select_related.
    """
    if not isinstance(select_related, dict):
        return []
    found = []
    for name, nested in select_related.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            raise ValueError(
                f"bounded_prefetch follows select_related() through {model.__name__}'s "
                f"fields, and {name!r} is not one (a FilteredRelation?): use prefetch_related."
            ) from None
        prefix = f"{parent}{name}__"
        found.append((prefix, field.related_model, parent, field))
        found += related_layout(field.related_model, nested, prefix)
    return found


def row_builder(layout: list[tuple], names: dict, db: str):
    """A function `build(row)` that makes the instances one row holds, for the
    parent statement of bounded prefetch: the queryset's model and the objects
    its select_related joins.

    `layout` is (prefix, model, parent prefix, field) per object, the queryset's
    model first (prefix ""), as `related_layout` lists them; `names[prefix]`
    their attnames, in the row's column order. `build(row)` returns one object
    per entry, each as `Model.from_db` leaves one (its values in `__dict__`, a
    fresh loaded `ModelState`), with each related object cached on its parent
    (and a one-to-one's parent on it); an outer join's miss (a NULL primary
    key) is None, cached as None.
    No `Model.__init__`, and no call per object.
    """
    plan = []
    start = 0
    position = {}
    for index, (prefix, model, parent, field) in enumerate(layout):
        attnames = names[prefix]
        end = start + len(attnames)
        pk_at = start + attnames.index(key_attname(model))
        if field is None:
            cached = None
        else:  # one-to-one both ways, as select_related caches them
            back = field.remote_field.cache_name if field.one_to_one else None
            cached = (position[parent], field.cache_name, back)
        plan.append((model, attnames, start, end, pk_at, cached))
        position[prefix] = index
        start = end

    def build(row) -> list:
        objects = []
        for model, attnames, start, end, pk_at, cached in plan:
            if row[pk_at] is None:  # an outer join's miss
                obj = None
            else:
                obj = model.__new__(model)
                # No strict=: the row comes from a statement built from these
                # names, and on Python 3.11 the keyword alone (strict=False)
                # makes this line cost half as much again, strict=True twice.
                obj.__dict__.update(zip(attnames, row[start:end]))  # noqa: B905
                state = obj._state = ModelState()
                state.adding = False
                state.db = db
            if cached is not None and (parent := objects[cached[0]]) is not None:
                parent._state.fields_cache[cached[1]] = obj  # field.set_cached_value
                if obj is not None and cached[2] is not None:
                    obj._state.fields_cache[cached[2]] = parent
            objects.append(obj)
        return objects

    return build


class _FieldsCacheFromParent:
    """`ModelState.fields_cache` of a child built by `child_builder`: made on first
    use from the parent it was built for, as `ModelState`'s own descriptor makes an
    empty one. Most children are only read (a card shows a feature's name and
    value), so most never make it."""

    def __get__(self, state, owner=None):
        if state is None:
            return self
        # An instance attribute: from now on it is found before this descriptor.
        cache = state.fields_cache = {state.cache_name: state.parent}
        return cache


class ChildState(ModelState):
    """The `_state` of an instance `child_builder` made: loaded, its parent cached."""

    adding = False
    fields_cache = _FieldsCacheFromParent()


def child_builder(model, names: list[str], db: str, cache_name: str, parent_attname: str):
    """A function `build(rows, parent, into)` that appends to the list `into` an
    instance of `model` for each row (values in `names` order), each with the
    related object `parent` cached under `cache_name` (what
    `field.set_cached_value` stores). Rows whose primary key is NULL (an outer
    join's miss) are skipped; `parent_attname`, the foreign key's column, holds
    the parent's id even then (see `key_attname`).

    The steps of `row_builder`'s, in one loop with no call per row: a large page
    builds hundreds of thousands of these. Their `_state` is a `ChildState`,
    whose related-object cache is made on first use.
    """
    new, state_class = model.__new__, ChildState
    pk_at = names.index(key_attname(model, besides=parent_attname))

    def build(rows, parent, into: list) -> None:
        append = into.append
        for row in rows:
            if row[pk_at] is None:
                continue
            obj = new(model)
            obj.__dict__.update(zip(names, row))  # noqa: B905 (see row_builder)
            state = obj._state = state_class()
            state.db = db
            state.cache_name = cache_name
            state.parent = parent
            append(obj)

    return build


def key_attname(model, besides: str | None = None) -> str:
    """The attname of a column of the primary key (its first but `besides`):
    NULL only where an outer join found nothing. A `CompositePrimaryKey` is
    named "pk" and has no column of its own.

    `besides` is the foreign key a child's rows carry the page's id in, never
    NULL: a key made of that column alone cannot tell a miss (ValueError).
    """
    for field in model._meta.pk_fields:
        if field.attname != besides:
            return field.attname
    raise ValueError(
        f"bounded_prefetch cannot load {model.__name__}: its primary key is its "
        f"foreign key {besides}; use a OneToOneField and select_related."
    )


def ordering(model, constant: str | None = None) -> list[tuple[str, bool]]:
    """(attname, descending) for each entry of the model's Meta.ordering, else the pk.

    Only the model's own fields ("position", "-created_at", "pk") are
    supported: an expression or a lookup ("maker__name") has no one column to
    order a LATERAL subquery by, and a relation named by its field name
    ("group") orders by the related model's Meta.ordering, through a join.
    Such a relation is accepted when its model has no ordering (then it is its
    id) or when it is `constant`: the foreign key every object of one list
    shares, which orders nothing. Else ValueError.
    """
    opts = model._meta
    found = []
    for entry in opts.ordering or ["pk"]:
        if not isinstance(entry, str) or entry == "?":
            raise ValueError(f"{model.__name__}.Meta.ordering must name fields, got {entry!r}.")
        name = entry.lstrip("-")
        # "pk" alone: a primary key named by its field name is that field, and a
        # one-to-one key follows its model's ordering, as Django orders it.
        if name == "pk":  # the key's fields, one or (composite) several
            fields = opts.pk_fields
        else:
            try:
                field = opts.get_field(name)
            except FieldDoesNotExist:
                field = None
            if field is None or not field.concrete:
                raise ValueError(
                    f"bounded_prefetch cannot order {model.__name__} by {entry!r}, not one of "
                    "its columns: use prefetch_related."
                )
            if (
                field.is_relation
                and name == field.name
                and field.attname != constant
                and field.related_model._meta.ordering
            ):
                raise ValueError(
                    f"bounded_prefetch cannot order {model.__name__}: Meta.ordering orders by "
                    f"{name}, which follows {field.related_model.__name__}.Meta.ordering; "
                    f"order by {field.attname} or use prefetch_related."
                )
            fields = [field]
        found += [(field.attname, entry.startswith("-")) for field in fields]
    return found


# Fields whose values Python orders as PostgreSQL does: whole numbers, booleans,
# dates and times, UUIDs. Not text, which the database orders by its collation
# (Heroku Postgres' en_US.UTF-8 puts "apple" before "Banana", Python's code points
# the other way), nor floats and decimals (NaN), nor JSON.
SORTED_AS_POSTGRESQL_DOES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "BooleanField",
    "DateField",
    "DateTimeField",
    "TimeField",
    "DurationField",
    "UUIDField",
}


def _sorted_as_postgresql_does(field) -> bool:
    while field.is_relation:  # a foreign key's value is its target's
        field = field.target_field
    if hasattr(field, "from_db_value"):  # read as another value ("#10" for 10)
        return False
    return field.get_internal_type() in SORTED_AS_POSTGRESQL_DOES


def sorter(model, constant: str | None = None):
    """A function that sorts a list of `model` instances in place by `ordering()`.

    NULLs go last ascending and first descending, as PostgreSQL orders them.
    When every ordering field is ascending and NOT NULL (Feature's position,
    id), that is one sort with a C-level key; else stable sorts, last key first.
    When a field is one Python orders otherwise (text, floats: see
    SORTED_AS_POSTGRESQL_DOES), the list is left in the order the database sent
    it, which the LATERAL subquery's ORDER BY gives (PostgreSQL runs a subquery
    with an ORDER BY as it is, once per product, not merged into a join).
    """
    by = ordering(model, constant)
    fields = {field.attname: field for field in model._meta.concrete_fields}
    if not all(_sorted_as_postgresql_does(fields[name]) for name, _ in by):
        return _as_sent
    if not any(descending or fields[name].null for name, descending in by):
        key = attrgetter(*(name for name, _ in by))
        return lambda objects: objects.sort(key=key)

    def sort(objects: list) -> None:
        for name, descending in reversed(by):
            value = attrgetter(name)
            objects.sort(key=lambda obj: (value(obj) is None, value(obj)), reverse=descending)

    return sort


def _as_sent(objects: list) -> None:
    """The database's order: nothing to do."""
