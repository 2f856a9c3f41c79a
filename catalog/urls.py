"""Catalog URLs: /products/, /products/<slug>/ and /categories/<slug>/."""

from django.urls import path

from catalog import views
from catalog.kept import marks_kept
from catalog.pagecache import cache_anonymous_page

app_name = "catalog"

# The list pages anonymous visitors see come from the page cache (catalog/pagecache.py),
# under the query strings the list's own links use.
product_list = cache_anonymous_page(
    marks_kept(views.ProductListView.as_view()), canonical=views.is_canonical_query
)

urlpatterns = [
    path("products/", product_list, name="product_list"),
    path("products/<slug:slug>/", marks_kept(views.ProductDetailView.as_view()), name="product"),
    path("categories/<slug:slug>/", product_list, name="category"),
]
