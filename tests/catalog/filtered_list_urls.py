"""Forks of the product list view: a search that filters it further, a filter in the
list the view makes, new arrivals that slice it, the ordinary Django ways
(tests/catalog/test_counts.py)."""

from django.db.models import F
from django.urls import path

from catalog.models import Product
from catalog.views import ProductListView
from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site


class SearchView(ProductListView):
    def get_queryset(self):
        products = super().get_queryset()
        words = self.request.GET.get("q")
        return products.filter(name__icontains=words) if words else products


class BrandView(ProductListView):
    """A fork that edits get_queryset() itself, as an edit of catalog/views.py would:
    the filter goes in before the list's features are attached."""

    def get_queryset(self):
        self.sort = self.request.GET.get("sort", "name")
        self.category = None
        products = Product.objects.published().for_list().sorted_by(self.sort)
        brand = self.request.GET.get("brand", "")
        return products.filter(name__startswith=brand).with_features()


class FeatureValuesView(ProductListView):
    """A fork that shows each product once per feature value, joined in."""

    def get_queryset(self):
        return super().get_queryset().annotate(feature_value=F("features__value"))


class AsListView(ProductListView):
    """A fork that hands ListView a list, which it takes as well as a queryset."""

    def get_queryset(self):
        return list(super().get_queryset())


class NewArrivalsView(ProductListView):
    def get_queryset(self):
        return super().get_queryset()[:4]


urlpatterns = [
    path("search/", SearchView.as_view(), name="search"),
    path("new/", NewArrivalsView.as_view(), name="new"),
    path("brand/", BrandView.as_view(), name="brand"),
    path("values/", FeatureValuesView.as_view(), name="values"),
    path("as-list/", AsListView.as_view(), name="as-list"),
    *site,
]
