"""Loading products with their features: three strategies, one result.

Whichever strategy ran, each product ends up with `product.feature_list`: a list
of real Feature objects in (position, id) order, each with its `product` set.
Templates read only that attribute, so a page renders the same way whatever
loaded it.

- `naive`: one more query per product. Kept only to show what it costs.
- `prefetch`: stock `prefetch_related(Prefetch("features", to_attr=...))`. Two
  queries, but the second is `WHERE product_id IN (%s, %s, ...)` with one value
  per product: its text changes with every page and grows with the page size
  (29 KB of SQL for 5,000 products), so PostgreSQL parses and plans a new
  statement each time. Django ticket #25464 asks for a way around it.
- `bounded`: ours, `BoundedIterable` below.
"""

from django.db import connections
from django.db.models import F, Prefetch
from django.db.models.base import ModelState
from django.db.models.query import BaseIterable, ModelIterable, ValuesListIterable

STRATEGIES = ("naive", "prefetch", "bounded")
ATTRIBUTE = "feature_list"
RELATION = "features"
FETCH_SIZE = 2000


def load(queryset, strategy: str):
    """`queryset`, set to load each product's features with `strategy`."""
    if strategy == "prefetch":
        return queryset.prefetch_related(Prefetch(RELATION, to_attr=ATTRIBUTE))
    iterables = {"naive": NaiveIterable, "bounded": BoundedIterable}
    if strategy not in iterables:
        raise ValueError(f"Unknown strategy {strategy!r}: use one of {', '.join(STRATEGIES)}.")
    clone = queryset.all()
    clone._iterable_class = iterables[strategy]
    return clone


class NaiveIterable(ModelIterable):
    """The N+1 loop: what a template's `product.features.all()` does on each card."""

    def __iter__(self):
        for product in super().__iter__():
            setattr(product, ATTRIBUTE, list(getattr(product, RELATION).all()))
            yield product


class BoundedIterable(BaseIterable):
    """Products and their features in two statements whose text never grows.

    1. The products: the queryset's own statement (with its select_related
       joins), read as plain rows.
    2. Their features: one statement that repeats the products statement as a
       subquery instead of listing the ids it returned::

           SELECT page.id, f.id, f.name, f.value, f.position
           FROM (SELECT id FROM catalog_product WHERE ... ORDER BY ...
                 LIMIT %s OFFSET %s) AS page
           LEFT JOIN catalog_feature f ON f.product_id = page.id
           ORDER BY f.position, f.id

       The slice goes as parameters (Django writes LIMIT/OFFSET numbers into
       the text), so the statement is the same for any page, page size and
       result-set size, a few hundred bytes, where `prefetch_related` sends one
       value per product.

    Rows become instances without `Model.__init__`: the values go straight into
    each instance's `__dict__` with a fresh `ModelState`, which is what
    `Model.from_db` leaves behind, for a fraction of the cost. Building model
    instances, not SQL, is most of the time a large page takes.

    What it costs:
    - PostgreSQL runs the products query twice (once as the subquery): an
      index range scan for a page, cheap next to parsing a long IN list.
    - Two statements are two snapshots. The `page.id` column (present even for
      a product without features) shows when a product was published or
      removed between them; the products it left without features then get
      them from one stock `product_id IN (...)` query. Rare, and still correct.
    - `pre_init`/`post_init` receivers do not run for these instances. Django's
      own (ImageField's) only reads an image's size when its width and height
      were never stored; ours always are.
    - `only()`/`defer()` are not honoured (every concrete field is loaded), and
      `select_related()` is followed only where it names its relations.
    """

    def __iter__(self):
        queryset = self.queryset
        db = queryset.db
        relation = queryset.model._meta.get_field(RELATION).field  # Feature.product
        products = self.products(queryset, db)
        if not products:
            return
        pages = {}  # product id -> (product, its feature list)
        for product in products:
            pages[product.pk] = (product, [])
            setattr(product, ATTRIBUTE, pages[product.pk][1])
        names = _attnames(relation.model)
        sql, params = _features_statement(queryset, relation, names, db)
        on_page = set()
        with connections[db].cursor() as cursor:
            cursor.execute(sql, params)
            # In chunks: a few thousand rows alive at a time, not the whole page's.
            for rows in iter(lambda: cursor.fetchmany(FETCH_SIZE), []):
                for row in rows:  # the feature's columns, then page_id
                    on_page.add(row[-1])
                    if row[0] is not None and (page := pages.get(row[-1])):
                        page[1].append(
                            _instance(
                                relation.model, names, row, db, {relation.cache_name: page[0]}
                            )
                        )
        if missed := pages.keys() - on_page:  # the page moved between the statements
            for feature in relation.model._base_manager.filter(**{f"{relation.name}__in": missed}):
                product, features = pages[getattr(feature, relation.attname)]
                relation.set_cached_value(feature, product)
                features.append(feature)
        yield from products

    @staticmethod
    def products(queryset, db) -> list:
        """The queryset's rows as instances, with what select_related names."""
        layout = [
            ("", queryset.model, None, None),
            *_related(queryset.model, queryset.query.select_related),
        ]
        names = {prefix: _attnames(model) for prefix, model, _, _ in layout}
        rows = queryset.values_list(*(p + name for p, *_ in layout for name in names[p]))
        known = queryset._known_related_objects.items()
        products = []
        for row in ValuesListIterable(rows):
            values = iter(row)
            objects = {}
            for prefix, model, parent, field in layout:
                obj = _instance(model, names[prefix], values, db)
                objects[prefix] = obj if obj.pk is not None else None  # an outer join's miss
                if field is not None and objects[parent] is not None:
                    field.set_cached_value(objects[parent], objects[prefix])
            product = objects[""]
            for field, objs in known:  # e.g. category.products: that category
                if not field.is_cached(product):
                    field.set_cached_value(product, objs.get(getattr(product, field.attname)))
            products.append(product)
        return products


def _features_statement(queryset, relation, names: list[str], db) -> tuple[str, tuple]:
    """The features of the queryset's page, selected by repeating its query."""
    page = queryset.values(page_id=F("pk")).query
    low, high = page.low_mark, page.high_mark
    page.clear_limits()
    page_sql, params = page.get_compiler(using=db).as_sql()
    quote = connections[db].ops.quote_name
    opts = relation.model._meta
    columns = ", ".join(f"f.{quote(opts.get_field(name).column)}" for name in names)
    ordering = ", ".join(
        f"f.{quote(opts.get_field(key.lstrip('-')).column)}{' DESC' if key[0] == '-' else ''}"
        for key in opts.ordering
    )
    # Only quoted identifiers and Django's own compiled SQL; values stay parameters.
    sql = (
        f"SELECT {columns}, page.page_id "  # noqa: S608
        f"FROM ({page_sql} LIMIT %s OFFSET %s) AS page "
        f"LEFT JOIN {quote(opts.db_table)} f ON f.{quote(relation.column)} = page.page_id "
        f"ORDER BY {ordering}"
    )
    limit = None if high is None else high - low  # LIMIT NULL: no limit
    return sql, (*params, limit, low)


def _related(model, select_related, parent=""):
    """(prefix, model, parent prefix, field) for each relation select_related names."""
    if not isinstance(select_related, dict):  # select_related() without names
        return []
    found = []
    for name, nested in select_related.items():
        field = model._meta.get_field(name)
        prefix = f"{parent}{name}__"
        found.append((prefix, field.related_model, parent, field))
        found += _related(field.related_model, nested, prefix)
    return found


def _attnames(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _instance(model, names, values, db, cached=None):
    """An instance from (the next) values of a row, as `Model.from_db` leaves it.

    `cached`: its related objects already known, by cache name.
    """
    instance = model.__new__(model)
    instance.__dict__.update(zip(names, values, strict=False))  # values may run on
    state = instance._state = ModelState()
    state.adding = False
    state.db = db
    if cached:
        state.fields_cache = cached
    return instance
