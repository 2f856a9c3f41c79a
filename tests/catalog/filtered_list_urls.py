"""A fork's search: the product list view with one more filter, the ordinary Django way
(tests/catalog/test_counts.py)."""

from django.urls import path

from catalog.views import ProductListView
from config.urls import urlpatterns as site


class SearchView(ProductListView):
    def get_queryset(self):
        products = super().get_queryset()
        words = self.request.GET.get("q")
        return products.filter(name__icontains=words) if words else products


urlpatterns = [path("search/", SearchView.as_view(), name="search"), *site]
