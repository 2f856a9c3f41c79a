"""The iterable behind `bounded_prefetch`: the statements and how rows become objects."""

from itertools import groupby
from operator import itemgetter

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F
from django.db.models.query import ModelIterable

from config.bounded_prefetch import rows


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
      features from one stock `product_id IN (...)` query. Rare, still correct.
    - `pre_init`/`post_init` receivers do not run for these instances. Django's
      own (ImageField's) only reads an image's size when its width and height
      were never stored; ours always are.
    - `only()`/`defer()` are not honoured (every concrete field is loaded), and
      `select_related()` is followed only where it names its relations.
    """

    relation: str
    to_attr: str

    def __iter__(self):
        queryset = self.queryset
        db = queryset.db
        relation = queryset.model._meta.get_field(self.relation).field  # Feature.product
        products = _products(queryset, db)
        if not products:
            return
        pages = {}  # product id -> (product, its feature list)
        for product in products:
            # setdefault: a join that repeats a product shares one list.
            setattr(product, self.to_attr, pages.setdefault(product.pk, (product, []))[1])
        model = relation.model
        names = rows.attnames(model)
        build = rows.child_builder(model, names, db, relation.cache_name, relation.attname)
        by_page = itemgetter(names.index(relation.attname))
        on_page = set()
        sql, params = _features_statement(queryset, relation, names, db)
        features_rows = rows.converted(model, tuple(names), db, rows.fetch(sql, params, db))
        # Rows come product by product (the LATERAL join's nested loop): one
        # lookup per product, not per row. Were they ever interleaved, a
        # product's rows would come in several groups, all added to its list.
        for page_id, group in groupby(features_rows, key=by_page):
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
        # nested loop keeps that order; sorting again here makes it a promise
        # rather than a plan detail, and costs little on lists already sorted.
        sort = rows.sorter(model, relation.attname)
        repeated = len(pages) < len(products)  # then each repeat brought the features again
        for _, features in pages.values():
            if repeated:
                features[:] = {feature.pk: feature for feature in features}.values()
            sort(features)
        yield from products


def _products(queryset, db) -> list:
    """The queryset's rows as instances, with the objects select_related names and
    the values of its annotations."""
    if queryset.query.extra_select:
        raise ValueError(
            "bounded_prefetch does not load .extra(select=...) values: use annotate()."
        )
    layout = [
        ("", queryset.model, None, None),
        *rows.related_layout(queryset.model, queryset.query.select_related),
    ]
    names = {prefix: rows.attnames(model) for prefix, model, _, _ in layout}
    annotations = list(queryset.query.annotation_select)  # .annotate(n=Count(...)), say
    columns = [prefix + name for prefix, *_ in layout for name in names[prefix]]
    columns += annotations
    try:
        compiler, sql, params = rows.sliced(queryset.values_list(*columns).query, db)
    except EmptyResultSet:  # .none(), say: nothing to ask the database
        return []
    build = rows.row_builder(layout, names, db)
    first_annotation = len(columns) - len(annotations)
    known = queryset._known_related_objects.items()
    products = []
    # results_iter applies the fields' converters (from_db_value), if any.
    for row in compiler.results_iter([rows.fetch(sql, params, db)]):
        product = build(row)[0]
        for name, value in zip(annotations, row[first_annotation:]):  # noqa: B905 (rows.row_builder)
            setattr(product, name, value)
        for field, objs in known:  # e.g. from category.products: that category
            if not field.is_cached(product):
                field.set_cached_value(product, objs.get(getattr(product, field.attname)))
        products.append(product)
    return products


def _features_statement(queryset, relation, names: list[str], db) -> tuple[str, tuple]:
    """The features of the queryset's page, found by repeating its query.

    Selects the feature model's columns in `names` order, with the page's
    product id in place of the foreign key: the same value, present even for a
    product without features (its other columns are NULL).
    """
    page = queryset.values(page_id=F("pk")).query
    # The products statement took any row locks the queryset asks for; stock's
    # second query takes none either. Repeated here, FOR UPDATE would also lock
    # the page's joined rows, and fail on an outer join's nullable side.
    page.select_for_update = False
    _, page_sql, params = rows.sliced(page, db)
    quote = connections[db].ops.quote_name
    opts = relation.model._meta
    column = {name: f"f.{quote(opts.get_field(name).column)}" for name in names}
    ordering = ", ".join(
        column[name] + (" DESC" if descending else "")
        for name, descending in rows.ordering(relation.model, relation.attname)
    )
    column[relation.attname] = "page.page_id"
    # Only quoted identifiers and Django's own compiled SQL; values stay parameters.
    sql = (
        f"SELECT {', '.join(column[name] for name in names)} "  # noqa: S608
        f"FROM ({page_sql}) AS page "
        f"LEFT JOIN LATERAL (SELECT * FROM {quote(opts.db_table)} f "
        f"WHERE f.{quote(relation.column)} = page.page_id ORDER BY {ordering}) f ON true"
    )
    return sql, params
