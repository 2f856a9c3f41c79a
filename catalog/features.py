"""Loading products with their features: three strategies, one result.

Whichever strategy ran, each product ends up with `product.feature_list`: a list
of real Feature objects in (position, id) order, each with its `product` set.
Templates read only that attribute, so a page renders the same way whatever
loaded it.

- `naive`: one more query per product. Kept only to show what it costs.
- `prefetch`: stock `prefetch_related(Prefetch("features", to_attr=...))`. Two
  queries, but the second is `WHERE product_id IN (%s, %s, ...)` with one value
  per product: its text changes with every page and grows with the page size
  (33 KB of SQL for 5,000 products), all of which PostgreSQL parses and plans
  for every page. Django ticket #25464 asks for a way around it.
- `bounded`: `config.bounded_prefetch`, which works for reverse foreign keys of any model:
  two statements whose text never changes (docs/prefetch.md).
"""

from django.db.models import Prefetch
from django.db.models.query import ModelIterable

from config.bounded_prefetch import bounded_prefetch

STRATEGIES = ("naive", "prefetch", "bounded")
ATTRIBUTE = "feature_list"
RELATION = "features"


def load(queryset, strategy: str):
    """`queryset`, set to load each product's features with `strategy`."""
    if strategy == "prefetch":
        return queryset.prefetch_related(Prefetch(RELATION, to_attr=ATTRIBUTE))
    if strategy == "bounded":
        return bounded_prefetch(queryset, RELATION, to_attr=ATTRIBUTE)
    if strategy != "naive":
        raise ValueError(f"Unknown strategy {strategy!r}: use one of {', '.join(STRATEGIES)}.")
    clone = queryset.all()
    clone._iterable_class = NaiveIterable
    return clone


class NaiveIterable(ModelIterable):
    """The N+1 loop: what a template's `product.features.all()` does on each card."""

    def __iter__(self):
        for product in super().__iter__():
            setattr(product, ATTRIBUTE, list(getattr(product, RELATION).all()))
            yield product
