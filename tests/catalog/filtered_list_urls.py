"""Forks of the product list view: a search that filters it further, new arrivals that
slice it, the ordinary Django ways (tests/catalog/test_counts.py)."""

from django.urls import path

from catalog.views import ProductListView
from config.urls import urlpatterns as site


class SearchView(ProductListView):
    def get_queryset(self):
        products = super().get_queryset()
        words = self.request.GET.get("q")
        return products.filter(name__icontains=words) if words else products


class NewArrivalsView(ProductListView):
    def get_queryset(self):
        return super().get_queryset()[:4]


urlpatterns = [
    path("search/", SearchView.as_view(), name="search"),
    path("new/", NewArrivalsView.as_view(), name="new"),
    *site,
]
