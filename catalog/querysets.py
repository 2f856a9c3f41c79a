"""Query shape for products, in methods named for what they return.

They compose: `Product.objects.published().for_list().sorted_by("price")
.with_features("bounded")`. Each is pinned by a query-count and SQL-shape test
(tests/catalog/test_querysets.py).
"""

from catalog import features
from config.bounded_prefetch import BoundedPrefetchQuerySet

# The public sort orders: key in the URL -> ORDER BY. Each ends on the primary
# key, so equal prices or names still give every row one place and pages never
# overlap or skip a product.
SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "price": ("price", "id"),
    "-price": ("-price", "-id"),
    "newest": ("-created_at", "-id"),
}
DEFAULT_SORT = "name"


class ProductQuerySet(BoundedPrefetchQuerySet):
    def published(self):
        """What visitors may see."""
        return self.filter(is_published=True)

    def in_category(self, category):
        return self.filter(category=category)

    def sorted_by(self, key: str):
        """One of SORTS; anything else is a KeyError (views check first: a 404)."""
        return self.order_by(*SORTS[key])

    def more_in_category(self, product):
        """The other published products of `product`'s category, newest first: slice it.

        Read along the (created_at, id) index of published products, so a page of
        them costs the same in a category of 10 or of 10,000.
        """
        return (
            self.published()
            .filter(category_id=product.category_id)
            .exclude(pk=product.pk)
            .sorted_by("newest")
        )

    def for_list(self):
        """What a product card or page shows, in one query: the category comes joined."""
        return self.select_related("category")

    def with_features(self, strategy: str = "bounded"):
        """Each product with its features in `product.feature_list`.

        `strategy` is one of `features.STRATEGIES`; see catalog/features.py.
        """
        return features.load(self, strategy)
