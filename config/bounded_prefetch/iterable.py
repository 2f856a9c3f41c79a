"""The iterable behind `bounded_prefetch`: the statements and how rows become objects."""

from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F
from django.db.models.query import ModelIterable

from . import rows

MISSING = object()

# Plans kept per process (`plan_for`): one per statement text a page sends,
# whatever its parameters (a category, a product).
PLANS = 256


class BoundedIterable(ModelIterable):
    """Objects and their related objects in two statements whose text never changes.

    `relation` (the reverse accessor) and `to_attr` are set on a subclass per use
    (see `bounded_prefetch`). In the catalog's words, products and their features:

    1. The products: the queryset's own statement, select_related joins
       included, read as plain rows.
    2. Their features: one statement that repeats the products statement as a
       subquery, where `prefetch_related` lists the ids that statement returned::

           SELECT f.id, page.page_id, f.name, f.value, f.position
           FROM (SELECT id AS page_id FROM catalog_product WHERE ... ORDER BY ...
                 LIMIT %s OFFSET %s) AS page
           LEFT JOIN LATERAL (SELECT * FROM catalog_feature f
                              WHERE f.product_id = page.page_id
                              ORDER BY f.position, f.id) f ON true

    Both carry the page slice as parameters (Django writes LIMIT and OFFSET
    numbers into the text), so each keeps one text for any page, page size and
    result-set size, and the features statement stays under 600 bytes. The
    LATERAL join reads each product's features from the (product, position)
    index, whatever the page size (a plain join turns into a scan of the whole
    feature table once the page has a few hundred products).

    Rows become instances without `Model.__init__` (rows.py): what
    `Model.from_db` leaves behind, for a fraction of the cost; a related
    object's `_state` is a `ModelState` subclass that makes its related-object
    cache (holding the product) only when something reads it. On a large page,
    building instances, not SQL, is most of the time.

    What it costs:
    - PostgreSQL runs the products query twice (once as the subquery): an
      index range scan for a page, cheaper than parsing a long IN list.
    - Two statements are two snapshots. `page.page_id` (there even for a
      product without features) shows whether a product was published or
      removed in between; the products it pushed off the page then get their
      features from one stock `product_id IN (...)` query. A product the
      second page holds twice brings its features twice, kept once. Rare,
      still correct.
    - `pre_init`/`post_init` receivers do not run for these instances. Django's
      own (ImageField's) only reads an image's size when its width and height
      were never stored; ours always are. A model overriding `__init__` or
      `from_db` is refused (rows.check_plain_loading).
    - `only()`/`defer()` are not honoured (every concrete field is loaded), and
      `select_related()` is followed only where it names its relations.

    Working out the two statements with the ORM (a `values_list()` and a
    `values()` of the queryset, each compiled) was a fifth of a rendered
    product list's CPU. They are worked out once per statement
    text and kept (`plan_for`): each request compiles the queryset's own query
    and runs the kept statements with that query's parameters.
    """

    relation: str
    to_attr: str

    def __iter__(self):
        queryset = self.queryset
        db = queryset.db
        planned = plan_for(queryset, db, type(self))
        if planned is None:  # .none(), say: nothing to ask the database
            return
        plan, products_params, features_params = planned
        limits = rows.limits(queryset.query)
        products = plan.products(queryset, (*products_params, *limits), db)
        if not products:
            return
        pages = {}  # product id -> (product, its feature list)
        copies = []  # the later copies of products a join repeats
        for product in products:
            # A join that repeats a product shares one list, and its features point
            # at the last copy, as stock's do (it keys the products by their key).
            key = product.pk
            if key in pages:
                features = pages[key][1]
                copies.append(product)
            else:
                features = []
            pages[key] = (product, features)
            setattr(product, self.to_attr, features)
        relation, model, build = plan.relation, plan.relation.model, plan.build_child
        on_page = set()
        found = rows.fetch(plan.features_sql, (*features_params, *limits), db)
        features_rows = rows.converted(model, plan.names, db, found, plan.child_pk_at)
        # Rows come product by product (the LATERAL join's nested loop): one
        # lookup per product, not per row. Were they ever interleaved, a
        # product's rows would come in several groups, all added to its list.
        for page_id, group in groupby(features_rows, key=plan.by_page):
            on_page.add(page_id)
            if page_id in pages:  # one of ours
                # A product without features has one row, of NULLs but page_id.
                build(group, *pages[page_id])
        if missed := pages.keys() - on_page:  # the page moved between the statements
            for feature in model._base_manager.using(db).filter(**{f"{relation.name}__in": missed}):
                product, features = pages[getattr(feature, relation.attname)]
                relation.set_cached_value(feature, product)
                features.append(feature)
        # SQL orders each product's rows inside the LATERAL subquery, and a
        # nested loop keeps that order; sorting again here, where Python orders
        # the fields as PostgreSQL does (rows.sorter), makes it a promise rather
        # than a plan detail, and costs little on lists already sorted.
        # A product the page holds twice brings its features twice: when the
        # queryset's joins repeat it, or when a row changed between the two
        # statements (then only the second may repeat it). Kept once each.
        sort, key = plan.sort, plan.child_key
        for _, features in pages.values():
            if len(features) > 1:
                features[:] = {key(feature): feature for feature in features}.values()
            sort(features)
        # Stock shares a list among a product's copies only when it has features:
        # without, each copy gets an empty list of its own.
        for product in copies:
            if not getattr(product, self.to_attr):
                setattr(product, self.to_attr, [])
        yield from products


@dataclass(frozen=True, eq=False)
class Plan:
    """What one queryset needs to load its page: the two statements (without
    the slice's parameters, which each request adds) and the functions that
    make their rows into objects. A kept plan holds no parameters: each
    request runs it with its own (`plan_for`)."""

    relation: Any  # the related model's foreign key (Feature.product)
    products_sql: str
    products_params: tuple | None
    products_compiler: Any  # its results_iter applies converters; None if none apply
    build_row: Any  # rows.row_builder's
    annotations: tuple[str, ...]
    annotations_at: int  # their first column (DISTINCT adds ORDER BY columns after them)
    features_sql: str
    features_params: tuple | None
    names: tuple[str, ...]  # the related model's attnames, in the statement's order
    build_child: Any  # rows.child_builder's
    child_key: Any  # a related object's primary key
    child_pk_at: int  # where a features row holds it (NULL: a product without features)
    by_page: Any  # a features row's product id
    sort: Any  # rows.sorter's

    def products(self, queryset, params: tuple, db: str) -> list:
        """The queryset's rows as instances, with the objects select_related names and
        the values of its annotations."""
        found = rows.fetch(self.products_sql, params, db)
        if self.products_compiler is not None:  # results_iter applies from_db_value
            found = self.products_compiler.results_iter([found])
        build, annotations = self.build_row, self.annotations
        first, last = self.annotations_at, self.annotations_at + len(annotations)
        known = queryset._known_related_objects.items()
        products = []
        for row in found:
            product = build(row)[0]
            if annotations:  # .annotate(n=Count(...)), say
                for name, value in zip(annotations, row[first:last]):  # noqa: B905
                    setattr(product, name, value)
            for field, objs in known:  # e.g. from category.products: that category
                # Not there for `qs1 | qs2`'s other parents: those load as usual.
                related = objs.get(getattr(product, field.attname), MISSING)
                if related is not MISSING and not field.is_cached(product):
                    field.set_cached_value(product, related)
            products.append(product)
        return products


class _Statement:
    """The key of a kept plan: a queryset's own SQL (without the slice), the
    iterable class (relation and to_attr), the model (a proxy sends its
    concrete model's SQL), the database and the names select_related was
    given. Carries the queryset and the parameters a missing plan is worked
    out from and checked against, and lets go of both then."""

    __slots__ = ("key", "params", "queryset")

    def __init__(self, key: tuple, queryset, params: tuple):
        self.key, self.queryset, self.params = key, queryset, params

    def __hash__(self):
        return hash(self.key)

    def __eq__(self, other):
        return self.key == other.key


class _NotShared(Exception):  # not an error: a plan that is not kept
    """A plan whose statements' parameters are not the queryset's own."""

    def __init__(self, plan: Plan):
        self.plan = plan


def plan_for(queryset, db: str, iterable: type) -> tuple[Plan, tuple, tuple] | None:
    """(plan, its products statement's parameters, its features statement's)
    for `queryset`; None for a query that can return nothing (EmptyResultSet).

    The plan is kept per statement text when the two statements send the
    queryset's own parameters, as they do for a query of filters, orderings and
    select_related: then every category or product of one shape shares one
    plan. A query with annotations is worked out every time: an annotation's
    output field picks the converter of its values without showing in the SQL
    (`F("price")` and the same as a FloatField send one text), and its
    parameters (like a FilteredRelation's) need not be the statements' own.
    So is a plan whose rows need converters (a kept compiler would keep its
    thread's connection): known from the model and select_related alone, so
    such a query is not compiled for a key first. And so is a plan whose
    parameters turn out not to be the query's own.
    """
    query = queryset.query
    refuse_combined(query, iterable.relation)  # union() after bounded_prefetch()
    _refuse_unloadable(query, iterable)
    if query.extra_select:
        raise ValueError(
            "bounded_prefetch does not load .extra(select=...) values: use annotate()."
        )
    select_related = _frozen(query.select_related)
    try:
        if (
            query.annotation_select
            or query._filtered_relations
            or _converted(queryset.model, select_related, db)
        ):
            plan = _plan(queryset, db, iterable)
            return plan, plan.products_params, plan.features_params
        # What stock Django compiles to run the queryset, less the slice.
        sql, params = query.get_compiler(using=db).as_sql(with_limits=False)
        key = (iterable, queryset.model, db, sql, select_related)
        plan = _kept_plan(_Statement(key, queryset, tuple(params)))
    except EmptyResultSet:
        return None
    except _NotShared as unshared:
        plan = unshared.plan
        return plan, plan.products_params, plan.features_params
    return plan, tuple(params), tuple(params)


def _refuse_unloadable(query, iterable: type) -> None:
    """ValueError for what the queryset may have been given after bounded_prefetch()
    that the two statements cannot load as stock does."""
    if any(name.startswith("_prefetch_related_val_") for name in query.extra_select):
        raise ValueError(
            "bounded_prefetch cannot be the queryset of a many-to-many Prefetch (Django "
            f"adds columns of its own to it): use prefetch_related({iterable.relation!r})."
        )
    if iterable.to_attr in query.annotations:
        raise ValueError(
            f"bounded_prefetch: to_attr={iterable.to_attr!r} is already the queryset's (an "
            "annotation): choose a name of its own, like item_list."
        )
    if set(query.select_for_update_of) - {"self"}:
        raise ValueError(
            "bounded_prefetch reads the rows select_related() joins without it: "
            f"select_for_update(of={query.select_for_update_of!r}) can lock only 'self'. "
            f"Use prefetch_related({iterable.relation!r})."
        )


def refuse_combined(query, relation: str) -> None:
    """ValueError for a union(), intersection() or difference() of querysets, before
    or after bounded_prefetch(): Django's own error names annotate(), a call the
    caller never made."""
    if query.combinator:
        raise ValueError(
            f"bounded_prefetch cannot load a {query.combinator}() of querysets: "
            f"use prefetch_related({relation!r})."
        )


def _frozen(select_related):
    """select_related's names as a key: `select_related()` and
    `select_related("category")` may send the same SQL, and only the second
    names what the rows hold (`rows.related_layout`)."""
    if isinstance(select_related, dict):
        return tuple((name, _frozen(nested)) for name, nested in select_related.items())
    return select_related


@lru_cache(maxsize=PLANS)
def _converted(model, select_related, db: str) -> bool:
    """Whether the parent rows of `model` with `select_related` (`_frozen`) need
    converters: whether any of the objects a row holds has a field with one."""
    related = rows.related_layout(model, _thawed(select_related))
    models = [model, *(related_model for _, related_model, _, _ in related)]
    return any(rows.needs_converters(m, tuple(rows.attnames(m)), db) for m in models)


def _thawed(select_related):
    """`_frozen`'s names as select_related keeps them."""
    if isinstance(select_related, tuple):
        return {name: _thawed(nested) for name, nested in select_related}
    return select_related


@lru_cache(maxsize=PLANS)
def _kept_plan(statement: _Statement) -> Plan:
    # Kept: the key, not the queryset, its rows or its parameters.
    queryset, params = statement.queryset, statement.params
    statement.queryset = statement.params = None
    iterable, _, db, *_ = statement.key
    plan = _plan(queryset, db, iterable)
    shared = plan.products_params == params and plan.features_params == params
    if not shared or plan.products_compiler is not None:
        raise _NotShared(plan)
    return replace(plan, products_params=None, features_params=None)


def _plan(queryset, db: str, iterable: type) -> Plan:
    model = queryset.model
    relation = model._meta.get_field(iterable.relation).field  # Feature.product
    layout = [("", model, None, None), *rows.related_layout(model, queryset.query.select_related)]
    for _, layout_model, _, _ in layout:  # select_related's may come after bounded_prefetch()
        rows.check_plain_loading(layout_model)
    names = {prefix: rows.attnames(layout_model) for prefix, layout_model, _, _ in layout}
    annotations = tuple(queryset.query.annotation_select)
    columns = [prefix + name for prefix, *_ in layout for name in names[prefix]]
    compiler, products_sql, products_params = rows.sliced(
        queryset.values_list(*columns, *annotations).query, db
    )
    child = relation.model
    child_names = rows.attnames(child)
    features_sql, features_params = _features_statement(queryset, relation, child_names, db)
    return Plan(
        relation=relation,
        products_sql=products_sql,
        products_params=products_params,
        products_compiler=compiler if rows.has_converters(compiler) else None,
        build_row=rows.row_builder(layout, names, db),
        annotations=annotations,
        annotations_at=len(columns),
        features_sql=features_sql,
        features_params=features_params,
        names=tuple(child_names),
        build_child=rows.child_builder(
            child, child_names, db, relation.cache_name, relation.attname
        ),
        child_key=attrgetter(*(field.attname for field in child._meta.pk_fields)),
        child_pk_at=child_names.index(rows.key_attname(child, besides=relation.attname)),
        by_page=itemgetter(child_names.index(relation.attname)),
        sort=rows.sorter(child, relation.attname),
    )


def _features_statement(queryset, relation, names: list[str], db) -> tuple[str, tuple]:
    """The features of the queryset's page, found by repeating its query.

    Selects the feature model's columns in `names` order, with the page's
    product id in place of the foreign key: the same value, present even for a
    product without features (its other columns are NULL).
    """
    skip_locked = queryset.query.select_for_update_skip_locked
    alias = _page_alias(queryset, db, whole=skip_locked)
    # The products statement took any row locks the queryset asks for; stock's
    # second query takes none either. Repeated here, FOR UPDATE would also lock
    # the page's joined rows, and fail on an outer join's nullable side. But
    # SKIP LOCKED (a job queue) leaves out rows another transaction holds: the
    # page must leave out the same rows (those the products statement locked are
    # this transaction's), or it is another page and costs a third statement.
    # So it repeats that statement's query whole, its joins (select_related's
    # too) and its lock clause: a values() query has no model, and Django drops
    # its OF, which then locked tables the queryset had not named.
    if skip_locked:
        page = queryset.annotate(**{alias: F("pk")}).query
    else:
        page = queryset.values(**{alias: F("pk")}).query
        page.select_for_update = False
    _, page_sql, params = rows.sliced(page, db)
    quote = connections[db].ops.quote_name
    opts = relation.model._meta
    column = {name: f"f.{quote(opts.get_field(name).column)}" for name in names}
    ordering = ", ".join(
        column[name] + (" DESC" if descending else "")
        for name, descending in rows.ordering(relation.model, relation.attname)
    )
    column[relation.attname] = f"page.{alias}"
    # Only quoted identifiers and Django's own compiled SQL; values stay parameters.
    sql = (
        f"SELECT {', '.join(column[name] for name in names)} "  # noqa: S608
        f"FROM ({page_sql}) AS page "
        f"LEFT JOIN LATERAL (SELECT * FROM {quote(opts.db_table)} f "
        f"WHERE f.{quote(relation.column)} = page.{alias} ORDER BY {ordering}) f ON true"
    )
    return sql, params


def _page_alias(queryset, db: str, whole: bool = False) -> str:
    """What the statement names the page's ids: page_id, or with underscores after
    it where the model or the queryset has that name already (a `page` foreign
    key's column), which values() would refuse. Lower case: unquoted in the SQL.
    With `whole`, the page selects every column of its query too (its own and
    select_related's), and no column of it may have that name either, or
    PostgreSQL refuses `page.page_id` as ambiguous."""
    fields = queryset.model._meta.get_fields()
    taken = {field.name for field in fields} | {getattr(field, "attname", "") for field in fields}
    taken |= set(queryset.query.annotations)
    if whole:
        compiler = queryset.query.clone().get_compiler(using=db)  # the queryset's own untouched
        compiler.setup_query()
        for expression, _, name in compiler.select:
            column = getattr(getattr(expression, "target", None), "column", None)
            taken |= {(name or column or "").lower()}
    alias = "page_id"
    while alias in taken:
        alias += "_"
    return alias
